namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Functions whose loops the generator turns into SIMD kernels (dot products, axpy updates), or must not: sizes in the
/// tests reach past several vector widths, so the kernels' main loops and tails both run.
/// </summary>
public static partial class VectorizedFunctions
{
    /// <summary>Σᵢ (Σⱼ W[i, j]·x[j] + b[i])²: a dot per row forward; in reverse, two axpy updates per row.</summary>
    [Differentiate]
    public static double MatVecSquares(double[,] W, double[] x, double[] b)
    {
        double s = 0.0;
        for (int i = 0; i < W.GetLength(0); i++)
        {
            double z = b[i];
            for (int j = 0; j < x.Length; j++)
            {
                z += W[i, j] * x[j];
            }

            s += z * z;
        }

        return s;
    }

    /// <summary>The same computation with kernels turned off: the companions' value is the method's, bit for bit.</summary>
    [Differentiate(Vectorize = false)]
    public static double MatVecSquaresExact(double[,] W, double[] x, double[] b)
    {
        double s = 0.0;
        for (int i = 0; i < W.GetLength(0); i++)
        {
            double z = b[i];
            for (int j = 0; j < x.Length; j++)
            {
                z += W[i, j] * x[j];
            }

            s += z * z;
        }

        return s;
    }

    /// <summary>Runs that start past zero, a row offset from the loop's row, a subtracted dot, and a three-factor product (no kernel).</summary>
    [Differentiate]
    public static double OffsetRuns(double[,] A, double[] x, double c)
    {
        int n = x.Length;
        double s = 0.0;
        for (int i = 0; i + 1 < A.GetLength(0); i++)
        {
            double z = 0.0;
            for (int j = 1; j < n; j++)
            {
                z -= A[i + 1, j] * x[j];
            }

            for (int j = 1; j < n; j++)
            {
                z += c * A[i, j] * x[j];
            }

            s += z * z;
        }

        for (int j = 2; j < n; j++)
        {
            s += x[j] * x[j];
        }

        return s;
    }

    /// <summary>
    /// The accumulator's array is read through another name inside the loop: y[i] sees its own partial sum when j = i, so
    /// the loop is not a dot product and must stay a loop. (Passive, so the companions run it as written, untaped.)
    /// </summary>
    [Differentiate(nameof(w))]
    public static double AliasedAccumulator(double[] x, double w)
    {
        int n = x.Length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = x[i];
        }

        double[] view = y;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                y[i] += view[j] * x[j];
            }
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += y[i] * y[i];
        }

        return w * s;
    }

    /// <summary>A shifted recurrence, a[j + 1] += ½·a[j]: each element feeds the next, so it must stay sequential.</summary>
    [Differentiate]
    public static double ShiftedRecurrence(double[] x)
    {
        int n = x.Length;
        double[] a = new double[n];
        for (int j = 0; j < n; j++)
        {
            a[j] = x[j];
        }

        for (int j = 0; j + 1 < n; j++)
        {
            a[j + 1] += 0.5 * a[j];
        }

        double s = 0.0;
        for (int j = 0; j < n; j++)
        {
            s += a[j] * x[j];
        }

        return s;
    }

    /// <summary>y = W·x (array-valued): a dot per element of y forward, and the VJP's axpy updates.</summary>
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

    /// <summary>Running products: row i reads row i − 1, so the forward and reverse sweeps cannot run as one loop.</summary>
    [Differentiate]
    public static double[] PrefixProducts(double[] x)
    {
        double[] y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (i > 0 ? y[i - 1] : 1.0) * x[i];
        }

        return y;
    }
}
