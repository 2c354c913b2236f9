using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Functions the generator differentiates at build time. Each one exercises a different part of the supported
/// language subset; the tests compare the generated companions against finite differences and closed forms.
/// </summary>
public static partial class TestFunctions
{
    /// <summary>Mean binary cross-entropy of a logistic model over a batch: rows of <paramref name="X"/> are samples.</summary>
    [Differentiate]
    public static double LogisticLoss(double[,] X, double[] y, double[] w, double b)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += X[i, j] * w[j];
            }

            double p = 1.0 / (1.0 + Math.Exp(-z));
            loss -= y[i] * Math.Log(p) + (1.0 - y[i]) * Math.Log(1.0 - p);
        }

        return loss / n;
    }

    /// <summary>xᵀAx.</summary>
    [Differentiate]
    public static double QuadraticForm(double[,] A, double[] x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                s += x[i] * A[i, j] * x[j];
            }
        }

        return s;
    }

    /// <summary>z = xW + b (x a row vector), L = ½‖z‖².</summary>
    [Differentiate]
    public static double RowLayer(double[] x, double[,] W, double[] b)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        double loss = 0.0;
        for (int j = 0; j < m; j++)
        {
            double z = b[j];
            for (int i = 0; i < n; i++)
            {
                z += x[i] * W[i, j];
            }

            loss += 0.5 * z * z;
        }

        return loss;
    }

    /// <summary>trace(A·X·B) with A m×n, X n×p, B p×m.</summary>
    [Differentiate]
    public static double TraceAXB(double[,] A, double[,] X, double[,] B)
    {
        int m = A.GetLength(0);
        int n = A.GetLength(1);
        int p = X.GetLength(1);
        double t = 0.0;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int k = 0; k < p; k++)
                {
                    t += A[i, j] * X[j, k] * B[k, i];
                }
            }
        }

        return t;
    }

    /// <summary>Branches (if/else, ?:) and the kinked functions Abs, Max, Min.</summary>
    [Differentiate]
    public static double Piecewise(double x, double y)
    {
        double r;
        if (x > 0.0)
        {
            r = x * y + Math.Exp(0.5 * x);
        }
        else
        {
            r = Math.Sin(x) - y * y;
        }

        double s = y > 0.5 ? y * y * y : -2.0 * y;
        r += s;
        r += Math.Abs(x - y) * y;
        r -= Math.Max(x, 2.0 * y) * x;
        r += Math.Min(x * x, y + 1.0);
        return r;
    }

    /// <summary>Huber loss: returns inside both arms of an if/else.</summary>
    [Differentiate]
    public static double Huber(double x, double delta)
    {
        double a = Math.Abs(x);
        if (a <= delta)
        {
            return 0.5 * x * x;
        }
        else
        {
            return delta * (a - 0.5 * delta);
        }
    }

    /// <summary>Every supported System.Math member, with arguments kept inside their domains for x, y ∈ [-2, 2].</summary>
    [Differentiate]
    public static double AllMath(double x, double y)
    {
        double t = Math.Tanh(x);
        double s = Math.Sin(x) + Math.Cos(y) + Math.Tan(0.5 * x);
        s += Math.Asin(t) + Math.Acos(0.5 * Math.Tanh(y)) + Math.Atan(x * y) + Math.Atan2(y, 1.0 + x * x);
        s += Math.Sinh(0.5 * x) + Math.Cosh(0.3 * y) + t * y;
        s += Math.Asinh(x * y) + Math.Acosh(2.0 + x * x) + Math.Atanh(0.5 * Math.Tanh(x * y));
        s += Math.Exp(0.3 * x) + Math.Log(1.0 + x * x) + Math.Log(2.0 + x * x, 2.0 + y * y);
        s += Math.Log2(3.0 + Math.Sin(x)) + Math.Log10(1.0 + y * y);
        s += Math.Sqrt(1.0 + x * x) + Math.Cbrt(x + 3.0) + Math.Cbrt(y - 3.0);
        s += Math.Pow(1.5 + Math.Sin(y), x) + Math.Pow(y, 3.0) + Math.Pow(x * x + 1.0, 0.5);
        s += Math.Abs(3.0 + x) * y + Math.Max(Math.Sin(x), Math.Cos(x) + 3.0) + Math.Min(x * y, 10.0 + x);
        s += Math.FusedMultiplyAdd(x, y, Math.Sin(x));
        // Piecewise-constant on purpose. Warnings are errors here, so this #pragma also proves that
        // generator diagnostics honor #pragma in a real build.
#pragma warning disable DIFF100
        s += y * Math.Floor(3.5 + 0.1 * Math.Sin(x)) + x * Math.Ceiling(3.5 + 0.1 * Math.Cos(y));
        s += y * Math.Round(3.2 + 0.1 * Math.Sin(x)) + x * Math.Truncate(-2.5 + 0.1 * Math.Sin(y));
        s += x * y * Math.Sign(2.0 + Math.Sin(x * y));
#pragma warning restore DIFF100
        return s;
    }

    /// <summary>Σ 100(x[i+1] − x[i]²)² + (1 − x[i])².</summary>
    [Differentiate]
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

    /// <summary>A local array written in a loop (prefix sums) and read back later.</summary>
    [Differentiate]
    public static double PrefixSumLoss(double[] x)
    {
        int n = x.Length;
        double[] s = new double[n];
        s[0] = x[0];
        for (int i = 1; i < n; i++)
        {
            s[i] = s[i - 1] + x[i];
        }

        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            loss += Math.Sin(s[i]) * s[i];
        }

        return loss;
    }

    /// <summary>One hidden tanh layer h = tanh(W·x), output o = v·h, loss ½(o − 1)² + 0.1‖h‖².</summary>
    [Differentiate]
    public static double HiddenLayerLoss(double[] x, double[,] W, double[] v)
    {
        int m = W.GetLength(0);
        int n = W.GetLength(1);
        double[] h = new double[m];
        for (int j = 0; j < m; j++)
        {
            double a = 0.0;
            for (int i = 0; i < n; i++)
            {
                a += W[j, i] * x[i];
            }

            h[j] = Math.Tanh(a);
        }

        double o = 0.0;
        double r = 0.0;
        for (int j = 0; j < m; j++)
        {
            o += v[j] * h[j];
            r += h[j] * h[j];
        }

        return 0.5 * (o - 1.0) * (o - 1.0) + 0.1 * r;
    }

    /// <summary>A local matrix written in a loop and read later: G = XᵀX, loss Σ sin(G[i,j]).</summary>
    [Differentiate]
    public static double GramLoss(double[,] X)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        double[,] G = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double g = 0.0;
                for (int k = 0; k < n; k++)
                {
                    g += X[k, i] * X[k, j];
                }

                G[i, j] = g;
            }
        }

        double loss = 0.0;
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                loss += Math.Sin(G[i, j]);
            }
        }

        return loss;
    }

    /// <summary>A scalar overwritten every iteration and used nonlinearly; the trip count is an int parameter.</summary>
    [Differentiate]
    public static double IteratedMap(double x, double r, int steps)
    {
        double s = x;
        for (int k = 0; k < steps; k++)
        {
            double t = Math.Sin(s);
            s = r * t + 0.1 * s * s;
            s /= 1.0 + 0.05 * s * s;
        }

        return s * s + s * x;
    }

    /// <summary>Expression-bodied.</summary>
    [Differentiate]
    public static double SoftplusMix(double x, double y) => Math.Log(1.0 + Math.Exp(x * y)) + x / (1.0 + y * y) - x * y * y;

    /// <summary>Horner's scheme: a counting-down loop over the coefficients, value at <paramref name="x"/>.</summary>
    [Differentiate]
    public static double Horner(double[] c, double x)
    {
        double r = 0.0;
        for (int i = c.Length - 1; i >= 0; i--)
        {
            r = r * x + c[i];
        }

        return r;
    }

    /// <summary>Only <paramref name="w"/> is active; <paramref name="c"/> and <paramref name="lambda"/> are constants here,
    /// and the int <paramref name="p"/> passes through as a loop bound: λ·Σ (w[i] − c[i])^p + Σ w[i]·c[i].</summary>
    [Differentiate(nameof(w))]
    public static double Penalized(double[] w, double[] c, double lambda, int p)
    {
        double s = 0.0;
        for (int i = 0; i < w.Length; i++)
        {
            double t = w[i] - c[i];
            double tp = 1.0;
            for (int k = 0; k < p; k++)
            {
                tp *= t;
            }

            s += lambda * tp + w[i] * c[i];
        }

        return s;
    }

    /// <summary>Kink convention checks.</summary>
    [Differentiate]
    public static double AbsOf(double x) => Math.Abs(x);

    [Differentiate]
    public static double MaxOf(double x, double y) => Math.Max(x, y);

    [Differentiate]
    public static double MinOf(double x, double y) => Math.Min(x, y);

#pragma warning disable DIFF100 // The derivative of these is zero by design: they test that convention.
    /// <summary>Piecewise-constant functions: derivative 0 everywhere they are differentiated.</summary>
    [Differentiate]
    public static double Steps(double x) => Math.Floor(x) + Math.Ceiling(2.0 * x) + Math.Round(x) + Math.Truncate(x) + Math.Sign(x);

    /// <summary>x · Floor(y): the piecewise-constant factor still scales the derivative with respect to x.</summary>
    [Differentiate]
    public static double TimesFloor(double x, double y) => x * Math.Floor(y) + x * Math.Round(y) * Math.Sign(y);
#pragma warning restore DIFF100
    // ---- Harder shapes of the supported subset ----

    /// <summary>log Σ exp(x[i]) with a running maximum (a scalar overwritten through Max in a loop).</summary>
    [Differentiate]
    public static double LogSumExp(double[] x)
    {
        double m = x[0];
        for (int i = 1; i < x.Length; i++)
        {
            m = Math.Max(m, x[i]);
        }

        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Exp(x[i] - m);
        }

        return m + Math.Log(s);
    }

    /// <summary>In-place (Gauss–Seidel) diffusion steps on a local array with a cubic reaction term: array elements
    /// overwritten many times, compound assignments to array elements.</summary>
    [Differentiate]
    public static double Diffusion(double[] u0, double k, int steps)
    {
        int n = u0.Length;
        double[] u = new double[n];
        for (int i = 0; i < n; i++)
        {
            u[i] = u0[i];
        }

        for (int t = 0; t < steps; t++)
        {
            for (int i = 1; i < n - 1; i++)
            {
                u[i] += k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
                u[i] -= 0.1 * u[i] * u[i] * u[i];
            }

            u[0] *= 0.9;
            u[n - 1] /= 1.0 + k * k;
        }

        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            loss += u[i] * u[i];
        }

        return loss;
    }

    /// <summary>Softmax cross-entropy of logits Wx against an int label (an int parameter used as an index).</summary>
    [Differentiate]
    public static double SoftmaxCrossEntropy(double[,] W, double[] x, int label)
    {
        int c = W.GetLength(0);
        int d = W.GetLength(1);
        double[] z = new double[c];
        for (int i = 0; i < c; i++)
        {
            for (int j = 0; j < d; j++)
            {
                z[i] += W[i, j] * x[j];
            }
        }

        double m = z[0];
        for (int i = 1; i < c; i++)
        {
            m = z[i] > m ? z[i] : m;
        }

        double[] p = new double[c];
        double total = 0.0;
        for (int i = 0; i < c; i++)
        {
            p[i] = Math.Exp(z[i] - m);
            total += p[i];
        }

        for (int i = 0; i < c; i++)
        {
            p[i] /= total;
        }

        return -Math.Log(p[label]);
    }

    /// <summary>Branches on active values inside a loop, each arm overwriting the same scalar nonlinearly.</summary>
    [Differentiate]
    public static double BranchyLoop(double[] x)
    {
        double s = 0.5;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] > 0.0)
            {
                s = s * x[i] + x[i] * x[i];
            }
            else
            {
                s = Math.Sin(s) - x[i];
            }

            double f = x[i] < -1.0 ? Math.Exp(x[i]) : -x[i] * s;
            s += 0.25 * f;
        }

        return s * s;
    }

    /// <summary>Remainder, compound division, unary minus and bool locals.</summary>
    [Differentiate]
    public static double RemainderMix(double x, double y)
    {
        double r = x % y;
        bool bigger = x > y;
        double q = -r;
        q /= 1.0 + y * y;
        q *= bigger ? x : y;
        return q + r * r + (-x) * y;
    }

    /// <summary>Loops followed by returns in both arms of an if/else, with a local declared in one arm.</summary>
    [Differentiate]
    public static double ReturnAfterLoop(double[] x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * Math.Cos(x[i]);
        }

        if (s > 0.0)
        {
            return s * s;
        }
        else
        {
            double t = -s;
            return Math.Exp(t) * t;
        }
    }

    /// <summary>User locals and parameters named like things generated code may use (dx, value, tape, t0, ds).</summary>
    [Differentiate]
    public static double CollidingNames(double x, double value, double[] tape)
    {
        double dx = x * value;
        double t0 = dx * dx + tape[0];
        double ds = 0.0;
        for (int i = 0; i < tape.Length; i++)
        {
            double dvalue = tape[i] * t0;
            ds += Math.Sin(dvalue) * dx;
        }

        double t1 = ds + value;
        return t1 * t0;
    }

    /// <summary>Frobenius norm² of C = A·B built in a local matrix with += in a triple loop.</summary>
    [Differentiate]
    public static double ProductNorm(double[,] A, double[,] B)
    {
        int m = A.GetLength(0);
        int n = A.GetLength(1);
        int p = B.GetLength(1);
        double[,] C = new double[m, p];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < p; j++)
            {
                for (int k = 0; k < n; k++)
                {
                    C[i, j] += A[i, k] * B[k, j];
                }
            }
        }

        double s = 0.0;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < p; j++)
            {
                s += C[i, j] * C[i, j];
            }
        }

        return s;
    }

    /// <summary>A backward recurrence on a local array, counting down.</summary>
    [Differentiate]
    public static double BackwardRecurrence(double[] x)
    {
        int n = x.Length;
        double[] b = new double[n];
        b[n - 1] = x[n - 1];
        for (int i = n - 2; i >= 0; i--)
        {
            b[i] = x[i] + 0.5 * Math.Tanh(b[i + 1]) * x[i];
        }

        double s = 0.0;
        for (int i = n - 1; i >= 0; i--)
        {
            s += b[i] * b[i];
        }

        return s;
    }

    /// <summary>A triangular double loop (inner bound from the outer index) and int arithmetic in indices.</summary>
    [Differentiate]
    public static double PairInteraction(double[] x)
    {
        double e = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i + 1; j < x.Length; j++)
            {
                double r = x[i] - x[j];
                e += x[i] * x[j] * Math.Exp(-r * r);
            }
        }

        for (int i = 0; i < x.Length / 2; i++)
        {
            int k = 2 * i + 1;
            e += x[k] * x[k - 1];
        }

        return e;
    }

    /// <summary>A recurrence on a local array starting at index 2.</summary>
    [Differentiate]
    public static double Recurrence(double a, double b, int n)
    {
        double[] f = new double[n];
        f[0] = a;
        f[1] = b;
        for (int i = 2; i < n; i++)
        {
            f[i] = 0.5 * f[i - 1] + Math.Sin(f[i - 2]) * b;
        }

        return f[n - 1];
    }

    /// <summary>A scalar parameter reassigned in the body.</summary>
    [Differentiate]
    public static double ReassignedParameter(double x, double y)
    {
        x = x * y + 1.0;
        y = Math.Sin(x) * y;
        x += y;
        return x * y;
    }

    /// <summary>An active parameter the result does not depend on, and one used only through a comparison.</summary>
    [Differentiate]
    public static double UnusedAndComparedOnly(double x, double unused, double threshold) =>
        x > threshold ? x * x : 3.0 * x;

    // ---- Ints, bools, early returns, arrays allocated in loops ----

    /// <summary>An int local reassigned between loops whose bounds read it.</summary>
    [Differentiate]
    public static double IntReassigned(double[] x)
    {
        int n = x.Length;
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += x[i] * x[i] * x[i];
        }

        n = n / 2;
        for (int i = 0; i < n; i++)
        {
            s += Math.Sin(x[i]) * s;
        }

        return s;
    }

    /// <summary>An int local overwritten every iteration and used as an index.</summary>
    [Differentiate]
    public static double IntInLoop(double[] x)
    {
        int k = 0;
        double s = 1.0;
        for (int i = 0; i < 2 * x.Length; i++)
        {
            k = (k + 3) % x.Length;
            s = s * Math.Cos(x[k]) + x[k];
        }

        return s;
    }

    /// <summary>A bool local overwritten every iteration and branched on in the next.</summary>
    [Differentiate]
    public static double BoolInLoop(double[] x)
    {
        bool up = true;
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            if (up)
            {
                s = s * x[i] + 1.0;
            }
            else
            {
                s = Math.Exp(-s) * x[i];
            }

            up = s > 0.0;
        }

        return s;
    }

    /// <summary>A local array allocated inside a loop (explicit time stepping with a scratch buffer).</summary>
    [Differentiate]
    public static double ArrayPerIteration(double[] u0, int steps)
    {
        int n = u0.Length;
        double[] u = new double[n];
        for (int i = 0; i < n; i++)
        {
            u[i] = u0[i];
        }

        for (int t = 0; t < steps; t++)
        {
            double[] v = new double[n];
            for (int i = 0; i < n; i++)
            {
                double left = i > 0 ? u[i - 1] : 0.0;
                double right = i < n - 1 ? u[i + 1] : 0.0;
                v[i] = u[i] + 0.2 * (left + right - 2.0 * u[i]) + 0.1 * Math.Sin(u[i]);
            }

            for (int i = 0; i < n; i++)
            {
                u[i] = v[i];
            }
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += u[i] * u[i] * (i + 1);
        }

        return s;
    }

    /// <summary>Early returns: an if without else, then an if/else-if chain, then a final return.</summary>
    [Differentiate]
    public static double EarlyReturn(double x, double y)
    {
        if (x < 0.0)
            return -x * y;

        if (y > 1.0)
        {
            return Math.Sin(x * y);
        }
        else if (y < -1.0)
        {
            double t = x + y;
            return t * t * t;
        }

        return x * x + y;
    }

    /// <summary>
    /// Length and GetLength of local arrays as loop bounds, also for loops whose bodies write those arrays' elements,
    /// and index arithmetic between a local array and a local matrix.
    /// </summary>
    [Differentiate]
    public static double LocalLength(double[] x)
    {
        double[] y = new double[2 * x.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = x[i / 2] * (i + 1);
        }

        double[,] M = new double[x.Length, 3];
        for (int i = 0; i < M.GetLength(0); i++)
        {
            for (int j = 0; j < M.GetLength(1); j++)
            {
                M[i, j] = y[2 * i] * j - x[i];
            }
        }

        double s = 0.0;
        for (int i = 0; i < M.GetLength(0); i++)
        {
            for (int j = 0; j < M.GetLength(1); j++)
            {
                s += M[i, j] * M[i, j];
            }
        }

        for (int i = 0; i < y.Length; i++)
        {
            s += Math.Sin(y[i]);
        }

        return s;
    }

    /// <summary>Inclusive (i &lt;= n) and strict-positive (i &gt; 0) loop bounds.</summary>
    [Differentiate]
    public static double InclusiveBounds(double[] x)
    {
        double s = 0.0;
        for (int i = 1; i <= x.Length - 1; i++)
        {
            s += x[i] * x[i - 1];
        }

        for (int i = x.Length - 1; i > 0; i--)
        {
            s = s * 0.5 + Math.Sin(x[i]) * x[i - 1];
        }

        return s;
    }
}
