using System;

namespace Differentiable.Benchmarks;

/// <summary>
/// The targets: derivatives written by hand as straightforward loops over <c>double[]</c> and <c>double[,]</c>, the way
/// <c>shared/peers/naive-csharp</c> writes them (no SIMD, no unsafe code). Where a method takes gradient buffers it
/// overwrites them, as the generated allocation-free companions do, so the two are timed doing the same work.
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
    /// Both Jacobians of y = R·v for an N×N matrix R, dense: ∂y/∂vec(R) = vᵀ ⊗ I (N × N²) and ∂y/∂v = R (a copy).
    /// </summary>
    public static (double[,] dR, double[,] dv) FixedSizeJacobians(double[,] R, double[] v)
    {
        int n = v.Length;
        var dR = new double[n, n * n];
        for (int i = 0; i < n; i++)
        {
            for (int q = 0; q < n; q++)
            {
                dR[i, i + q * n] = v[q];
            }
        }

        return (dR, (double[,])R.Clone());
    }
}
