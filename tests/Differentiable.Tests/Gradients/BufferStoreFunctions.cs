using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Gradients whose first touch of a buffer is a loop nest adding into it, which the generator turns into stores when
/// the loops cover the buffer (and a clear when they do not). Each function lets a caller make the loops cover only part.
/// </summary>
public static partial class BufferStoreFunctions
{
    /// <summary>y = W·x over the first x.Length columns of W: dW is covered only when x.Length equals W's column count.</summary>
    [Differentiate]
    public static double[] LeadingColumns(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        double[] y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * Math.Sin(x[j]);
            }
        }

        return y;
    }

    /// <summary>
    /// y = R[0..3, 0..3]·sin(v[0..3]), unrolled (const N): every element of dR and dv is stored once when R is 3×3 and v has
    /// 3 elements, and only the leading block otherwise.
    /// </summary>
    [Differentiate]
    public static double[] Corner3(double[,] R, double[] v)
    {
        const int N = 3;
        double[] y = new double[N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                y[i] += R[i, j] * Math.Sin(v[j]);
            }
        }

        return y;
    }

    /// <summary>Σ_{i &lt; m} w[i]·x[i]²: dw is covered only when m equals its length.</summary>
    [Differentiate(nameof(w))]
    public static double LeadingTerms(double[] w, double[] x, int m)
    {
        double s = 0.0;
        for (int i = 0; i < m; i++)
        {
            s += w[i] * (x[i] * x[i]);
        }

        return s;
    }

    /// <summary>Σ_{j ≤ i} A[i, j]²: the inner bound depends on the outer variable, so the loops never cover dA.</summary>
    [Differentiate]
    public static double LowerTriangle(double[,] A)
    {
        double s = 0.0;
        for (int i = 0; i < A.GetLength(0); i++)
        {
            for (int j = 0; j < i + 1; j++)
            {
                s += A[i, j] * A[i, j];
            }
        }

        return s;
    }

    /// <summary>
    /// Rosenbrock's chain over i in [from, to): iteration i adds into dx[i] and dx[i + 1], which the generated gradient
    /// carries in locals and stores once each; dx is covered only when from = 0 and to = x.Length − 1.
    /// </summary>
    [Differentiate(Hessian = true)]
    public static double Chain(double[] x, int from, int to)
    {
        double f = 0.0;
        for (int i = from; i < to; i++)
        {
            double a = x[i + 1] - x[i] * x[i];
            double c = 1.0 - x[i];
            f += 100.0 * a * a + c * c;
        }

        return f;
    }

    /// <summary>Neighbours behind: iteration i adds into dx[i − 1] (twice) and dx[i], and dw[i] once.</summary>
    [Differentiate]
    public static double Behind(double[] x, double[] w)
    {
        double s = 0.0;
        for (int i = 1; i < x.Length; i++)
        {
            double d = x[i] - x[i - 1];
            s += w[i] * Math.Sin(d) + x[i - 1] * x[i - 1] * d;
        }

        return s;
    }
}
