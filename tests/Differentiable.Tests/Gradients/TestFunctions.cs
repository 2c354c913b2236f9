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
        s += y * Math.Floor(3.5 + 0.1 * Math.Sin(x)) + x * Math.Ceiling(3.5 + 0.1 * Math.Cos(y));
        s += y * Math.Round(3.2 + 0.1 * Math.Sin(x)) + x * Math.Truncate(-2.5 + 0.1 * Math.Sin(y));
        s += x * y * Math.Sign(2.0 + Math.Sin(x * y));
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

    /// <summary>Piecewise-constant functions: derivative 0 everywhere they are differentiated.</summary>
    [Differentiate]
    public static double Steps(double x) => Math.Floor(x) + Math.Ceiling(2.0 * x) + Math.Round(x) + Math.Truncate(x) + Math.Sign(x);

    /// <summary>x · Floor(y): the piecewise-constant factor still scales the derivative with respect to x.</summary>
    [Differentiate]
    public static double TimesFloor(double x, double y) => x * Math.Floor(y) + x * Math.Round(y) * Math.Sign(y);
}
