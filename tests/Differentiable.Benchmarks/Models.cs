using System;
using System.Numerics;

namespace Differentiable.Benchmarks;

/// <summary>
/// The benchmark problems as plain C#, marked for the generator. Each is the same computation as the hand-written
/// derivative in <see cref="HandWritten"/> and as <c>shared/peers/peers.py</c> (JAX, PyTorch), so one run compares them.
/// </summary>
public static partial class Models
{
    /// <summary>Mean binary cross-entropy of a logistic model without bias (peers.py): rows of X are samples.</summary>
    [Differentiate(nameof(w))]
    public static double LogisticLoss(double[,] X, double[] y, double[] w)
    {
        int n = X.GetLength(0);
        int d = w.Length;
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
        }

        return loss / n;
    }

    /// <summary>Two-layer perceptron on one sample: ½‖tanh(W₂ tanh(W₁x + b₁) + b₂) − t‖².</summary>
    [Differentiate(nameof(W1), nameof(b1), nameof(W2), nameof(b2))]
    public static double MlpLoss(double[,] W1, double[] b1, double[,] W2, double[] b2, double[] x, double[] t)
    {
        int h = b1.Length;
        int din = x.Length;
        int o = b2.Length;
        double[] a1 = new double[h];
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
        for (int i = 0; i < o; i++)
        {
            double s = b2[i];
            for (int j = 0; j < h; j++)
            {
                s += W2[i, j] * a1[j];
            }

            double e = Math.Tanh(s) - t[i];
            loss += 0.5 * e * e;
        }

        return loss;
    }

    /// <summary>
    /// A two-layer tanh network's mean squared loss over a batch (the rows of X), its hidden layer kept in one array that
    /// every sample overwrites, as allocation-conscious C# is written.
    /// </summary>
    [Differentiate(nameof(W1), nameof(b1), nameof(W2))]
    public static double BatchLoss(double[,] X, double[,] T, double[,] W1, double[] b1, double[,] W2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = b1.Length;
        int o = W2.GetLength(0);
        double[] hidden = new double[h];
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
            }
        }

        return loss / n;
    }

    /// <summary>
    /// <see cref="BatchLoss"/> with each hidden unit summed in its own element and squashed in place
    /// (<c>hidden[i] = b1[i]; hidden[i] += …; hidden[i] = Math.Tanh(hidden[i])</c>), the other way such code is written.
    /// </summary>
    [Differentiate(nameof(W1), nameof(b1), nameof(W2))]
    public static double BatchLossInTheElement(double[,] X, double[,] T, double[,] W1, double[] b1, double[,] W2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = b1.Length;
        int o = W2.GetLength(0);
        double[] hidden = new double[h];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < h; i++)
            {
                hidden[i] = b1[i];
                for (int j = 0; j < d; j++)
                {
                    hidden[i] += W1[i, j] * X[s, j];
                }

                hidden[i] = Math.Tanh(hidden[i]);
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
            }
        }

        return loss / n;
    }

    /// <summary>
    /// Recurrent network, backpropagation through time (peers.py): s₀ = 0, s_t = tanh(W s_{t−1} + U x_t + b), loss
    /// ‖s_T − target‖². The state array is replaced each step, never written in place.
    /// </summary>
    [Differentiate(nameof(W), nameof(U), nameof(b))]
    public static double RnnLoss(double[,] W, double[,] U, double[] b, double[,] xs, double[] target)
    {
        int steps = xs.GetLength(0);
        int d = xs.GetLength(1);
        int h = b.Length;
        double[] s = new double[h];
        for (int t = 0; t < steps; t++)
        {
            double[] next = new double[h];
            for (int i = 0; i < h; i++)
            {
                double a = b[i];
                for (int j = 0; j < h; j++)
                {
                    a += W[i, j] * s[j];
                }

                for (int k = 0; k < d; k++)
                {
                    a += U[i, k] * xs[t, k];
                }

                next[i] = Math.Tanh(a);
            }

            s = next;
        }

        double loss = 0.0;
        for (int i = 0; i < h; i++)
        {
            double e = s[i] - target[i];
            loss += e * e;
        }

        return loss;
    }

    /// <summary>y = W·x, differentiated with respect to both (the VJP case).</summary>
    [Differentiate]
    public static double[] MatVec(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>y = W·x, differentiated with respect to W only: the Jacobian is xᵀ ⊗ Iₙ.</summary>
    [Differentiate(nameof(W))]
    public static double[] MatVecOfW(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>Σ 100(x[i+1] − x[i]²)² + (1 − x[i])².</summary>
    [Differentiate(Hessian = true)]
    public static double Rosenbrock(double[] x)
    {
        double f = 0.0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double a = x[i + 1] - x[i] * x[i];
            double c = 1.0 - x[i];
            f += 100.0 * a * a + c * c;
        }

        return f;
    }

    /// <summary>
    /// Screened-Coulomb (Yukawa) energy of n points in the plane, Σ over pairs i &lt; j of e^(−r)/r with r the pair's
    /// distance: a double loop over pairs whose inner iterations set scalars (dx, dy, r) the reverse sweep needs.
    /// </summary>
    [Differentiate]
    public static double PairEnergy(double[] px, double[] py)
    {
        double energy = 0.0;
        for (int i = 0; i < px.Length; i++)
        {
            for (int j = i + 1; j < px.Length; j++)
            {
                double dx = px[j] - px[i];
                double dy = py[j] - py[i];
                double r = Math.Sqrt(dx * dx + dy * dy);
                energy += Math.Exp(-r) / r;
            }
        }

        return energy;
    }

    /// <summary>
    /// Least squares of an exponential decay θ₀ + θ₁·e^(−θ₂·t) through the points (t, y): the loss whose 3×3 Hessian a
    /// Newton step on the fit needs.
    /// </summary>
    [Differentiate(nameof(theta), Hessian = true)]
    public static double DecayFit(double[] theta, double[] t, double[] y)
    {
        double loss = 0.0;
        for (int i = 0; i < t.Length; i++)
        {
            double r = theta[0] + theta[1] * Math.Exp(-theta[2] * t[i]) - y[i];
            loss += r * r;
        }

        return loss;
    }

    /// <summary>R·v with a 3×3 R: <c>const</c> loop bounds, so the generator unrolls both loops (9 iterations).</summary>
    [Differentiate]
    public static double[] Rotate3(double[,] R, double[] v)
    {
        const int N = 3;
        double[] y = new double[N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                y[i] += R[i, j] * v[j];
            }
        }

        return y;
    }

    /// <summary>R·v with a 4×4 R (a homogeneous transform applied to a point), unrolled (16 iterations).</summary>
    [Differentiate]
    public static double[] Rotate4(double[,] R, double[] v)
    {
        const int N = 4;
        double[] y = new double[N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                y[i] += R[i, j] * v[j];
            }
        }

        return y;
    }

    /// <summary>The body of <see cref="Rotate3"/>, with unrolling turned off: the companions keep the loops.</summary>
    [Differentiate(MaxUnroll = -1)]
    public static double[] Rotate3NotUnrolled(double[,] R, double[] v)
    {
        const int N = 3;
        double[] y = new double[N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                y[i] += R[i, j] * v[j];
            }
        }

        return y;
    }

    /// <summary>The body of <see cref="Rotate4"/>, with unrolling turned off.</summary>
    [Differentiate(MaxUnroll = -1)]
    public static double[] Rotate4NotUnrolled(double[,] R, double[] v)
    {
        const int N = 4;
        double[] y = new double[N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                y[i] += R[i, j] * v[j];
            }
        }

        return y;
    }

    /// <summary>The z coordinate of a point moved by a homogeneous transform (System.Numerics, float).</summary>
    [Differentiate]
    public static float TransformZ(Vector3 x, Matrix4x4 M) => Vector3.Transform(x, M).Z;

    /// <summary>
    /// ½(|p − r| − 1)² with p = x transformed by M: a spring of rest length 1 between a transformed point and an anchor r.
    /// </summary>
    [Differentiate]
    public static float SpringEnergy(Vector3 x, Matrix4x4 M, Vector3 r)
    {
        var p = Vector3.Transform(x, M);
        float stretch = Vector3.Distance(p, r) - 1f;
        return 0.5f * stretch * stretch;
    }
}
