using System;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Methods whose loops write what they read, under the same name or another: each once made a pass (or the parser)
/// read a value before the write the method had made it see. Found by an audit; the values must stay the method's.
/// </summary>
public static partial class AliasedWriteFunctions
{
    /// <summary>g[j] += 2x[j] + 3g[j]: split into one update per product, the second would read the first's result.</summary>
    [Differentiate(nameof(x))]
    public static double SumReadingItsTarget(double[] x)
    {
        int n = x.Length;
        double[] g = new double[n];
        for (int j = 0; j < n; j++)
        {
            g[j] = 1.0;
        }

        for (int j = 0; j < n; j++)
        {
            g[j] += x[j] * 2.0 + g[j] * 3.0;
        }

        double s = 0.0;
        for (int j = 0; j < n; j++)
        {
            s += g[j];
        }

        return s;
    }

    /// <summary>A row's dot, then u += W's row/2, then M[(int)u[0], ·] += x/2: the row index must see u's update.</summary>
    [Differentiate(nameof(p))]
    public static double RowIndexFromUpdatedVector(double[,] W, double[] x, double[] p)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        double[] u = new double[m];
        double[,] M = new double[n + 8, m];
        double total = 0.0;
        for (int i = 0; i < n; i++)
        {
            double s = 0.0;
            for (int j = 0; j < m; j++)
            {
                s += W[i, j] * x[j];
            }

            if (m > 0)
            {
                for (int j = 0; j < m; j++)
                {
                    u[j] += 0.5 * W[i, j];
                }

                for (int j = 0; j < m; j++)
                {
                    M[(int)u[0], j] += 0.5 * x[j];
                }
            }

            total += s * s;
        }

        for (int r = 0; r < n + 8; r++)
        {
            for (int j = 0; j < m; j++)
            {
                total += (r + 1) * M[r, j] * M[r, j];
            }
        }

        return total * p[0];
    }

    /// <summary>A tanh loop bounded by v[0], which it lowers through w (= v): its map must cover the rows it ran.</summary>
    [Differentiate(nameof(p))]
    public static double TanhLoopBoundedByStoredElement(double[] x, double[] p)
    {
        int n = x.Length;
        double[] v = new double[1];
        double[] w = v;
        v[0] = 10.0;
        double[] a = new double[n];
        for (int i = 0; i < (int)v[0]; i++)
        {
            w[0] = w[0] - 3.0;
            a[i] = Math.Tanh(x[i]);
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += a[i];
        }

        return s * p[0];
    }

    /// <summary>exp(c[0]) before and after d[0] = x[i], with d = c: the two calls see different arguments.</summary>
    [Differentiate(nameof(x))]
    public static double ExpOfElementStoredUnderAnotherName(double[] x)
    {
        int n = x.Length;
        double[] c = new double[1];
        double[] d = c;
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            double y = Math.Exp(c[0]);
            d[0] = x[i];
            double z = Math.Exp(c[0]);
            s += y * z;
        }

        return s;
    }

    /// <summary>A loop bounded by c[0], which it lowers through w (= c): 3 iterations, not 10 and not 1.</summary>
    [Differentiate(nameof(a))]
    public static double LoopBoundedByElementStoredUnderAnotherName(double[] a)
    {
        double[] c = new double[1];
        double[] w = c;
        c[0] = 10.0;
        double s = 0.0;
        for (int t = 0; t < (int)c[0]; t++)
        {
            w[0] = w[0] - 3.0;
            s += a[0] * a[0];
        }

        return s;
    }
}
