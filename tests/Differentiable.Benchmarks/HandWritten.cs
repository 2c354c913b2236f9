using System;
using System.Numerics;

namespace Differentiable.Benchmarks;

/// <summary>
/// The targets: derivatives written by hand as straightforward loops over <c>double[]</c> and <c>double[,]</c>, the way
/// <c>shared/peers/naive-csharp</c> writes them (no SIMD, no unsafe code); the fixed sizes written out entry by entry, and
/// the System.Numerics gradients with <see cref="Vector3"/> operations, as a user of those types would. Where a method
/// takes gradient buffers it overwrites them, as the generated allocation-free companions do, so the two are timed doing
/// the same work.
/// </summary>
public static class HandWritten
{
    /// <summary>∂/∂w of <see cref="Models.LogisticLoss"/>: g = Xᵀ(σ(Xw) − y)/n, fused with the loss in one pass.</summary>
    public static double LogisticGradient(double[,] X, double[] y, double[] w, double[] g)
    {
        int n = X.GetLength(0);
        int d = w.Length;
        Array.Clear(g);
        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            double z = 0.0;
            for (int j = 0; j < d; j++)
            {
                z += X[i, j] * w[j];
            }

            double p = 1.0 / (1.0 + Math.Exp(-z));
            loss -= y[i] * Math.Log(p) + (1.0 - y[i]) * Math.Log(1.0 - p);
            double r = (p - y[i]) / n;
            for (int j = 0; j < d; j++)
            {
                g[j] += r * X[i, j];
            }
        }

        return loss / n;
    }

    /// <summary>
    /// Backpropagation through <see cref="Models.BatchLoss"/>, sample by sample, with one hidden array and one delta array
    /// for the whole batch (allocated once per call, as the function allocates its hidden array).
    /// </summary>
    public static double BatchGradient(double[,] X, double[,] T, double[,] W1, double[] b1, double[,] W2, double[,] gW1, double[] gb1, double[,] gW2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = b1.Length;
        int o = W2.GetLength(0);
        Array.Clear(gW1);
        Array.Clear(gb1);
        Array.Clear(gW2);
        var hidden = new double[h];
        var delta = new double[h];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < h; i++)
            {
                double a = b1[i];
                for (int j = 0; j < d; j++)
                {
                    a += W1[i, j] * X[s, j];
                }

                hidden[i] = Math.Tanh(a);
            }

            for (int q = 0; q < o; q++)
            {
                double a = 0.0;
                for (int i = 0; i < h; i++)
                {
                    a += W2[q, i] * hidden[i];
                }

                double e = a - T[s, q];
                loss += e * e;
                double g = 2.0 * e / n;
                for (int i = 0; i < h; i++)
                {
                    gW2[q, i] += g * hidden[i];
                    delta[i] += g * W2[q, i];
                }
            }

            for (int i = 0; i < h; i++)
            {
                double di = delta[i] * (1.0 - hidden[i] * hidden[i]);
                delta[i] = 0.0;
                gb1[i] += di;
                for (int j = 0; j < d; j++)
                {
                    gW1[i, j] += di * X[s, j];
                }
            }
        }

        return loss / n;
    }

    /// <summary>Backpropagation through <see cref="Models.MlpLoss"/>; allocates its activations, as the function does.</summary>
    public static double MlpGradient(
        double[,] W1, double[] b1, double[,] W2, double[] b2, double[] x, double[] t,
        double[,] gW1, double[] gb1, double[,] gW2, double[] gb2)
    {
        int h = b1.Length;
        int din = x.Length;
        int o = b2.Length;
        var a1 = new double[h];
        for (int i = 0; i < h; i++)
        {
            double s = b1[i];
            for (int j = 0; j < din; j++)
            {
                s += W1[i, j] * x[j];
            }

            a1[i] = Math.Tanh(s);
        }

        double loss = 0.0;
        var d2 = new double[o];
        for (int i = 0; i < o; i++)
        {
            double s = b2[i];
            for (int j = 0; j < h; j++)
            {
                s += W2[i, j] * a1[j];
            }

            double a = Math.Tanh(s);
            double e = a - t[i];
            loss += 0.5 * e * e;
            d2[i] = e * (1.0 - a * a);
        }

        var d1 = new double[h];
        for (int i = 0; i < o; i++)
        {
            double di = d2[i];
            gb2[i] = di;
            for (int j = 0; j < h; j++)
            {
                gW2[i, j] = di * a1[j];
                d1[j] += W2[i, j] * di;
            }
        }

        for (int j = 0; j < h; j++)
        {
            double dj = d1[j] * (1.0 - a1[j] * a1[j]);
            gb1[j] = dj;
            for (int k = 0; k < din; k++)
            {
                gW1[j, k] = dj * x[k];
            }
        }

        return loss;
    }

    /// <summary>Backpropagation through time for <see cref="Models.RnnLoss"/>, keeping every state in one (T+1)×h array.</summary>
    public static double RnnGradient(
        double[,] W, double[,] U, double[] b, double[,] xs, double[] target, double[,] dW, double[,] dU, double[] db)
    {
        int steps = xs.GetLength(0);
        int d = xs.GetLength(1);
        int h = b.Length;
        var S = new double[steps + 1, h];
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < h; i++)
            {
                double a = b[i];
                for (int j = 0; j < h; j++)
                {
                    a += W[i, j] * S[t, j];
                }

                for (int k = 0; k < d; k++)
                {
                    a += U[i, k] * xs[t, k];
                }

                S[t + 1, i] = Math.Tanh(a);
            }
        }

        double loss = 0.0;
        var ds = new double[h];
        for (int i = 0; i < h; i++)
        {
            double e = S[steps, i] - target[i];
            loss += e * e;
            ds[i] = 2.0 * e;
        }

        Array.Clear(dW);
        Array.Clear(dU);
        Array.Clear(db);
        var da = new double[h];
        for (int t = steps - 1; t >= 0; t--)
        {
            for (int i = 0; i < h; i++)
            {
                double s = S[t + 1, i];
                da[i] = ds[i] * (1.0 - s * s);
                db[i] += da[i];
            }

            Array.Clear(ds);
            for (int i = 0; i < h; i++)
            {
                double ai = da[i];
                for (int j = 0; j < h; j++)
                {
                    dW[i, j] += ai * S[t, j];
                    ds[j] += W[i, j] * ai;
                }

                for (int k = 0; k < d; k++)
                {
                    dU[i, k] += ai * xs[t, k];
                }
            }
        }

        return loss;
    }

    /// <summary>y = W·x by hand (the value the structured Jacobian benchmarks also compute).</summary>
    public static double[] MatVec(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0.0;
            for (int j = 0; j < m; j++)
            {
                s += W[i, j] * x[j];
            }

            y[i] = s;
        }

        return y;
    }

    /// <summary>The VJP of y = W·x in one sweep over W: y, dW = seed·xᵀ, dx = Wᵀ·seed.</summary>
    public static double[] MatVecVjp(double[,] W, double[] x, double[] seed, double[,] dW, double[] dx)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        var y = new double[n];
        Array.Clear(dx);
        for (int i = 0; i < n; i++)
        {
            double s = 0.0;
            double si = seed[i];
            for (int j = 0; j < m; j++)
            {
                s += W[i, j] * x[j];
                dW[i, j] = si * x[j];
                dx[j] += W[i, j] * si;
            }

            y[i] = s;
        }

        return y;
    }

    /// <summary>∂y/∂vec(W) of y = W·x as a dense n × n·m matrix (column-major vec): J[i, i + q·n] = x[q].</summary>
    public static double[,] MatVecDenseJacobianOfW(int n, double[] x)
    {
        int m = x.Length;
        var J = new double[n, n * m];
        for (int i = 0; i < n; i++)
        {
            for (int q = 0; q < m; q++)
            {
                J[i, i + q * n] = x[q];
            }
        }

        return J;
    }

    /// <summary>∂/∂x of <see cref="Models.Rosenbrock"/>.</summary>
    public static double RosenbrockGradient(double[] x, double[] g)
    {
        int n = x.Length;
        Array.Clear(g);
        double f = 0.0;
        for (int i = 0; i < n - 1; i++)
        {
            double a = x[i + 1] - x[i] * x[i];
            double c = 1.0 - x[i];
            f += 100.0 * a * a + c * c;
            g[i] += -400.0 * a * x[i] - 2.0 * c;
            g[i + 1] += 200.0 * a;
        }

        return f;
    }

    /// <summary>H·v of <see cref="Models.Rosenbrock"/> from the tridiagonal Hessian, without forming it.</summary>
    public static void RosenbrockHvp(double[] x, double[] v, double[] hv)
    {
        int n = x.Length;
        Array.Clear(hv);
        for (int i = 0; i < n - 1; i++)
        {
            // Term i touches x[i], x[i+1]: ∂²/∂x[i]² = 1200x[i]² − 400x[i+1] + 2, ∂²/∂x[i]∂x[i+1] = −400x[i], ∂²/∂x[i+1]² = 200.
            double hii = 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            double hij = -400.0 * x[i];
            hv[i] += hii * v[i] + hij * v[i + 1];
            hv[i + 1] += hij * v[i] + 200.0 * v[i + 1];
        }
    }

    /// <summary>The dense Hessian of <see cref="Models.Rosenbrock"/> (tridiagonal, written into a new n×n array).</summary>
    public static double[,] RosenbrockHessian(double[] x)
    {
        int n = x.Length;
        var H = new double[n, n];
        for (int i = 0; i < n - 1; i++)
        {
            H[i, i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            H[i, i + 1] -= 400.0 * x[i];
            H[i + 1, i] -= 400.0 * x[i];
            H[i + 1, i + 1] += 200.0;
        }

        return H;
    }

    /// <summary>
    /// <see cref="Models.PairEnergy"/> and its gradient in one pass over the pairs: with u(r) = e^(−r)/r,
    /// u′(r) = −e^(−r)(1 + 1/r)/r, and ∂r/∂p_j = (p_j − p_i)/r = −∂r/∂p_i; point i's own sums stay in registers.
    /// </summary>
    public static double PairEnergyGradient(double[] px, double[] py, double[] gx, double[] gy)
    {
        int n = px.Length;
        Array.Clear(gx);
        Array.Clear(gy);
        double energy = 0.0;
        for (int i = 0; i < n; i++)
        {
            double xi = px[i], yi = py[i], gxi = 0.0, gyi = 0.0;
            for (int j = i + 1; j < n; j++)
            {
                double dx = px[j] - xi, dy = py[j] - yi;
                double r = Math.Sqrt(dx * dx + dy * dy);
                double e = Math.Exp(-r);
                energy += e / r;
                double c = -e / r * (1.0 + 1.0 / r) / r;
                gx[j] += c * dx;
                gy[j] += c * dy;
                gxi -= c * dx;
                gyi -= c * dy;
            }

            gx[i] += gxi;
            gy[i] += gyi;
        }

        return energy;
    }

    /// <summary>
    /// The loss of <see cref="Models.DecayFit"/> and its 3×3 Hessian in closed form, one sweep: with r = a + b·e − y,
    /// e = e^(−c·t), ∇r = (1, e, −b·t·e) and ∇²r nonzero only at (b, c) = −t·e and (c, c) = b·t²·e, H = 2 Σ ∇r∇rᵀ + r∇²r.
    /// </summary>
    public static (double Value, double[,] Hessian) DecayFitHessian(double[] theta, double[] t, double[] y)
    {
        double a = theta[0], b = theta[1], c = theta[2];
        double loss = 0.0, hab = 0.0, hac = 0.0, hbb = 0.0, hbc = 0.0, hcc = 0.0;
        for (int i = 0; i < t.Length; i++)
        {
            double e = Math.Exp(-c * t[i]);
            double r = a + (b * e) - y[i];
            loss += r * r;
            double gc = -b * t[i] * e;
            hab += e;
            hac += gc;
            hbb += e * e;
            hbc += (e * gc) - (r * t[i] * e);
            hcc += (gc * gc) + (r * b * t[i] * t[i] * e);
        }

        var H = new double[3, 3];
        H[0, 0] = 2.0 * t.Length;
        H[0, 1] = H[1, 0] = 2.0 * hab;
        H[0, 2] = H[2, 0] = 2.0 * hac;
        H[1, 1] = 2.0 * hbb;
        H[1, 2] = H[2, 1] = 2.0 * hbc;
        H[2, 2] = 2.0 * hcc;
        return (loss, H);
    }

    /// <summary>
    /// y = R·v for a 3×3 R and both of its Jacobians, dense and written out: ∂y/∂vec(R) = vᵀ ⊗ I (3 × 9, column-major
    /// vec: entry [i, i + 3q] = v[q], the rest zero) and ∂y/∂v = R (a copy).
    /// </summary>
    public static (double[] Value, double[,] dR, double[,] dv) Rotate3Jacobian(double[,] R, double[] v)
    {
        var y = new double[3];
        y[0] = R[0, 0] * v[0] + R[0, 1] * v[1] + R[0, 2] * v[2];
        y[1] = R[1, 0] * v[0] + R[1, 1] * v[1] + R[1, 2] * v[2];
        y[2] = R[2, 0] * v[0] + R[2, 1] * v[1] + R[2, 2] * v[2];

        var dR = new double[3, 9];
        dR[0, 0] = v[0];
        dR[0, 3] = v[1];
        dR[0, 6] = v[2];
        dR[1, 1] = v[0];
        dR[1, 4] = v[1];
        dR[1, 7] = v[2];
        dR[2, 2] = v[0];
        dR[2, 5] = v[1];
        dR[2, 8] = v[2];

        var dv = new double[3, 3];
        dv[0, 0] = R[0, 0];
        dv[0, 1] = R[0, 1];
        dv[0, 2] = R[0, 2];
        dv[1, 0] = R[1, 0];
        dv[1, 1] = R[1, 1];
        dv[1, 2] = R[1, 2];
        dv[2, 0] = R[2, 0];
        dv[2, 1] = R[2, 1];
        dv[2, 2] = R[2, 2];

        return (y, dR, dv);
    }

    /// <summary>
    /// y = R·v for a 4×4 R and both of its Jacobians, dense and written out: ∂y/∂vec(R) = vᵀ ⊗ I (4 × 16, column-major
    /// vec: entry [i, i + 4q] = v[q], the rest zero) and ∂y/∂v = R (a copy).
    /// </summary>
    public static (double[] Value, double[,] dR, double[,] dv) Rotate4Jacobian(double[,] R, double[] v)
    {
        var y = new double[4];
        y[0] = R[0, 0] * v[0] + R[0, 1] * v[1] + R[0, 2] * v[2] + R[0, 3] * v[3];
        y[1] = R[1, 0] * v[0] + R[1, 1] * v[1] + R[1, 2] * v[2] + R[1, 3] * v[3];
        y[2] = R[2, 0] * v[0] + R[2, 1] * v[1] + R[2, 2] * v[2] + R[2, 3] * v[3];
        y[3] = R[3, 0] * v[0] + R[3, 1] * v[1] + R[3, 2] * v[2] + R[3, 3] * v[3];

        var dR = new double[4, 16];
        dR[0, 0] = v[0];
        dR[0, 4] = v[1];
        dR[0, 8] = v[2];
        dR[0, 12] = v[3];
        dR[1, 1] = v[0];
        dR[1, 5] = v[1];
        dR[1, 9] = v[2];
        dR[1, 13] = v[3];
        dR[2, 2] = v[0];
        dR[2, 6] = v[1];
        dR[2, 10] = v[2];
        dR[2, 14] = v[3];
        dR[3, 3] = v[0];
        dR[3, 7] = v[1];
        dR[3, 11] = v[2];
        dR[3, 15] = v[3];

        var dv = new double[4, 4];
        dv[0, 0] = R[0, 0];
        dv[0, 1] = R[0, 1];
        dv[0, 2] = R[0, 2];
        dv[0, 3] = R[0, 3];
        dv[1, 0] = R[1, 0];
        dv[1, 1] = R[1, 1];
        dv[1, 2] = R[1, 2];
        dv[1, 3] = R[1, 3];
        dv[2, 0] = R[2, 0];
        dv[2, 1] = R[2, 1];
        dv[2, 2] = R[2, 2];
        dv[2, 3] = R[2, 3];
        dv[3, 0] = R[3, 0];
        dv[3, 1] = R[3, 1];
        dv[3, 2] = R[3, 2];
        dv[3, 3] = R[3, 3];

        return (y, dR, dv);
    }

    /// <summary>
    /// The VJP of y = R·v for a 3×3 R, written out: y, dR = seed·vᵀ, dv = Rᵀ·seed (buffers overwritten). The sums of dv
    /// run from the last row up, the order in which the reverse sweep accumulates them, so the two agree bit for bit.
    /// </summary>
    public static double[] Rotate3Vjp(double[,] R, double[] v, double[] seed, double[,] dR, double[] dv)
    {
        var y = new double[3];
        y[0] = R[0, 0] * v[0] + R[0, 1] * v[1] + R[0, 2] * v[2];
        y[1] = R[1, 0] * v[0] + R[1, 1] * v[1] + R[1, 2] * v[2];
        y[2] = R[2, 0] * v[0] + R[2, 1] * v[1] + R[2, 2] * v[2];

        double s0 = seed[0], s1 = seed[1], s2 = seed[2];
        dR[0, 0] = s0 * v[0];
        dR[0, 1] = s0 * v[1];
        dR[0, 2] = s0 * v[2];
        dR[1, 0] = s1 * v[0];
        dR[1, 1] = s1 * v[1];
        dR[1, 2] = s1 * v[2];
        dR[2, 0] = s2 * v[0];
        dR[2, 1] = s2 * v[1];
        dR[2, 2] = s2 * v[2];

        dv[0] = s2 * R[2, 0] + s1 * R[1, 0] + s0 * R[0, 0];
        dv[1] = s2 * R[2, 1] + s1 * R[1, 1] + s0 * R[0, 1];
        dv[2] = s2 * R[2, 2] + s1 * R[1, 2] + s0 * R[0, 2];

        return y;
    }

    /// <summary>
    /// The VJP of y = R·v for a 4×4 R, written out: y, dR = seed·vᵀ, dv = Rᵀ·seed (buffers overwritten). The sums of dv
    /// run from the last row up, the order in which the reverse sweep accumulates them, so the two agree bit for bit.
    /// </summary>
    public static double[] Rotate4Vjp(double[,] R, double[] v, double[] seed, double[,] dR, double[] dv)
    {
        var y = new double[4];
        y[0] = R[0, 0] * v[0] + R[0, 1] * v[1] + R[0, 2] * v[2] + R[0, 3] * v[3];
        y[1] = R[1, 0] * v[0] + R[1, 1] * v[1] + R[1, 2] * v[2] + R[1, 3] * v[3];
        y[2] = R[2, 0] * v[0] + R[2, 1] * v[1] + R[2, 2] * v[2] + R[2, 3] * v[3];
        y[3] = R[3, 0] * v[0] + R[3, 1] * v[1] + R[3, 2] * v[2] + R[3, 3] * v[3];

        double s0 = seed[0], s1 = seed[1], s2 = seed[2], s3 = seed[3];
        dR[0, 0] = s0 * v[0];
        dR[0, 1] = s0 * v[1];
        dR[0, 2] = s0 * v[2];
        dR[0, 3] = s0 * v[3];
        dR[1, 0] = s1 * v[0];
        dR[1, 1] = s1 * v[1];
        dR[1, 2] = s1 * v[2];
        dR[1, 3] = s1 * v[3];
        dR[2, 0] = s2 * v[0];
        dR[2, 1] = s2 * v[1];
        dR[2, 2] = s2 * v[2];
        dR[2, 3] = s2 * v[3];
        dR[3, 0] = s3 * v[0];
        dR[3, 1] = s3 * v[1];
        dR[3, 2] = s3 * v[2];
        dR[3, 3] = s3 * v[3];

        dv[0] = s3 * R[3, 0] + s2 * R[2, 0] + s1 * R[1, 0] + s0 * R[0, 0];
        dv[1] = s3 * R[3, 1] + s2 * R[2, 1] + s1 * R[1, 1] + s0 * R[0, 1];
        dv[2] = s3 * R[3, 2] + s2 * R[2, 2] + s1 * R[1, 2] + s0 * R[0, 2];
        dv[3] = s3 * R[3, 3] + s2 * R[2, 3] + s1 * R[1, 3] + s0 * R[0, 3];

        return y;
    }

    /// <summary>
    /// ∂/∂(x, M) of <see cref="Models.TransformZ"/>: z = x·(M₁₃, M₂₃, M₃₃) + M₄₃, so dx is the third column of M's upper
    /// 3×3 block and dM has x in rows 1–3 of column 3 and 1 in row 4.
    /// </summary>
    public static float TransformZGradient(Vector3 x, Matrix4x4 M, out Vector3 dx, out Matrix4x4 dM)
    {
        dx = new Vector3(M.M13, M.M23, M.M33);
        dM = default;
        dM.M13 = x.X;
        dM.M23 = x.Y;
        dM.M33 = x.Z;
        dM.M43 = 1f;
        return Vector3.Transform(x, M).Z;
    }

    /// <summary>
    /// ∂/∂(x, M, r) of <see cref="Models.SpringEnergy"/>, in float with System.Numerics: with d = p − r and s = |d| − 1,
    /// ∂E/∂p = s·d/|d|; then dx = M₃ₓ₃·∂E/∂p (p is x times M), dM = [x; 1]·(∂E/∂p)ᵀ in the first three columns, dr = −∂E/∂p.
    /// </summary>
    public static float SpringEnergyGradient(Vector3 x, Matrix4x4 M, Vector3 r, out Vector3 dx, out Matrix4x4 dM, out Vector3 dr)
    {
        var d = Vector3.Transform(x, M) - r;
        float length = d.Length();
        float stretch = length - 1f;
        var dp = d * (stretch / length);
        dx = new Vector3(
            M.M11 * dp.X + M.M12 * dp.Y + M.M13 * dp.Z,
            M.M21 * dp.X + M.M22 * dp.Y + M.M23 * dp.Z,
            M.M31 * dp.X + M.M32 * dp.Y + M.M33 * dp.Z);
        dM = new Matrix4x4(
            x.X * dp.X, x.X * dp.Y, x.X * dp.Z, 0f,
            x.Y * dp.X, x.Y * dp.Y, x.Y * dp.Z, 0f,
            x.Z * dp.X, x.Z * dp.Y, x.Z * dp.Z, 0f,
            dp.X, dp.Y, dp.Z, 0f);
        dr = -dp;
        return 0.5f * stretch * stretch;
    }
}
