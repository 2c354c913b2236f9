using System;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Array-valued functions written in index notation, one per rule of the structure pass, plus a few the pass must
/// not recognize (softmax, partial loop ranges). The tests compare the generated <c>Jacobian</c>, <c>Vjp</c> and
/// <c>Jvp</c> companions against closed forms and central finite differences.
/// </summary>
public static partial class StructureFunctions
{
    /// <summary>
    /// y = sin(x) where W[0, 1] &gt; 0, else x: the result's values never read c, W or b (c feeds a local the result does
    /// not read, W a condition, b nothing), so their Jacobians are zero.
    /// </summary>
    [Differentiate]
    public static double[] SineIgnoringSome(double[] x, double c, double[,] W, double[] b)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double unused = W[0, 0] * c;
            y[i] = W[0, 1] > 0.0 ? Math.Sin(x[i]) : x[i];
        }

        return y;
    }

    /// <summary>A prefix sum (no index-notation structure: the dense path), beside an unread matrix.</summary>
    [Differentiate]
    public static double[] PrefixSumIgnoringW(double[] x, double[,] W)
    {
        var y = new double[x.Length];
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
            y[i] = s;
        }

        return y;
    }

    /// <summary>y = W·x, W n×m: ∂y/∂vec(W) = xᵀ ⊗ Iₙ, ∂y/∂x = W.</summary>
    [Differentiate]
    public static double[] MatVec(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>y = W·x differentiated with respect to W only (the large-size test: the Jacobian is n × n·m).</summary>
    [Differentiate(nameof(W))]
    public static double[] MatVecOfW(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>
    /// y = W[:, :k]·x[:k]: the inner loop stops at <paramref name="k"/>, which need not cover the columns of W, so a
    /// structured Jacobian would be wrong unless the runtime check sees k = columns.
    /// </summary>
    [Differentiate(nameof(W), nameof(x))]
    public static double[] MatVecPrefix(double[,] W, double[] x, int k)
    {
        int n = W.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < k; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>
    /// y = Wᵀ·x in row form, y[j] = Σᵢ x[i]·W[i, j], output loop outside: ∂y/∂x = Wᵀ, ∂y/∂vec(W) = Iₘ ⊗ xᵀ.
    /// </summary>
    [Differentiate]
    public static double[] RowVec(double[] x, double[,] W)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        var y = new double[m];
        for (int j = 0; j < m; j++)
        {
            for (int i = 0; i < n; i++)
            {
                y[j] += x[i] * W[i, j];
            }
        }

        return y;
    }

    /// <summary>The same row form with the reduction loop outside (W traversed row by row).</summary>
    [Differentiate]
    public static double[] RowVecRowMajor(double[] x, double[,] W)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        var y = new double[m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                y[j] += x[i] * W[i, j];
            }
        }

        return y;
    }

    /// <summary>Y = u·vᵀ: ∂vec(Y)/∂u = v ⊗ Iₘ, ∂vec(Y)/∂v = Iₙ ⊗ u.</summary>
    [Differentiate]
    public static double[,] Outer(double[] u, double[] v)
    {
        var y = new double[u.Length, v.Length];
        for (int i = 0; i < u.Length; i++)
        {
            for (int j = 0; j < v.Length; j++)
            {
                y[i, j] = u[i] * v[j];
            }
        }

        return y;
    }

    /// <summary>y[i] = exp(sin(x[i])): diagonal.</summary>
    [Differentiate]
    public static double[] Elementwise(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Exp(Math.Sin(x[i]));
        }

        return y;
    }

    /// <summary>y[i] = x[i]² + sin(x[i]): also elementwise, so also diagonal.</summary>
    [Differentiate]
    public static double[] ElementwisePolynomial(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] * x[i]) + Math.Sin(x[i]);
        }

        return y;
    }

    /// <summary>Y[i, j] = tanh(X[i, j]): diagonal over vec(X).</summary>
    [Differentiate]
    public static double[,] ElementwiseMatrix(double[,] X)
    {
        int m = X.GetLength(0);
        int n = X.GetLength(1);
        var y = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                y[i, j] = Math.Tanh(X[i, j]);
            }
        }

        return y;
    }

    /// <summary>y = a·x: ∂y/∂x = a·I, ∂y/∂a = x (one dense column).</summary>
    [Differentiate]
    public static double[] Scale(double a, double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = a * x[i];
        }

        return y;
    }

    /// <summary>Y = Xᵀ: the commutation matrix, a permutation.</summary>
    [Differentiate]
    public static double[,] Transpose(double[,] X)
    {
        int m = X.GetLength(0);
        int n = X.GetLength(1);
        var y = new double[n, m];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                y[i, j] = X[j, i];
            }
        }

        return y;
    }

    /// <summary>
    /// Y = A·X·B as one four-loop sum, output loops outside: ∂vec(Y)/∂vec(X) = Bᵀ ⊗ A,
    /// ∂vec(Y)/∂vec(A) = (X·B)ᵀ ⊗ I, ∂vec(Y)/∂vec(B) = I ⊗ (A·X).
    /// </summary>
    [Differentiate]
    public static double[,] Axb(double[,] A, double[,] X, double[,] B)
    {
        int p = A.GetLength(0);
        int m = A.GetLength(1);
        int n = X.GetLength(1);
        int q = B.GetLength(1);
        var y = new double[p, q];
        for (int i = 0; i < p; i++)
        {
            for (int l = 0; l < q; l++)
            {
                for (int j = 0; j < m; j++)
                {
                    for (int k = 0; k < n; k++)
                    {
                        y[i, l] += A[i, j] * X[j, k] * B[k, l];
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// A·X·B with its sums bounded by A's columns and B's rows: with no rows in A, the method reads nothing of X, whatever
    /// its shape, so neither may the factor (X·B)ᵀ of ∂Y/∂A.
    /// </summary>
    [Differentiate]
    public static double[,] AxbBoundedByTheOuterFactors(double[,] A, double[,] X, double[,] B)
    {
        int p = A.GetLength(0);
        int q = B.GetLength(1);
        var y = new double[p, q];
        for (int i = 0; i < p; i++)
        {
            for (int l = 0; l < q; l++)
            {
                for (int j = 0; j < A.GetLength(1); j++)
                {
                    for (int k = 0; k < B.GetLength(0); k++)
                    {
                        y[i, l] += A[i, j] * X[j, k] * B[k, l];
                    }
                }
            }
        }

        return y;
    }

    /// <summary>The same A·X·B with the loops in the order the indices appear: i, j, k, l.</summary>
    [Differentiate]
    public static double[,] AxbIndexOrder(double[,] A, double[,] X, double[,] B)
    {
        int p = A.GetLength(0);
        int m = A.GetLength(1);
        int n = X.GetLength(1);
        int q = B.GetLength(1);
        var y = new double[p, q];
        for (int i = 0; i < p; i++)
        {
            for (int j = 0; j < m; j++)
            {
                for (int k = 0; k < n; k++)
                {
                    for (int l = 0; l < q; l++)
                    {
                        y[i, l] += A[i, j] * X[j, k] * B[k, l];
                    }
                }
            }
        }

        return y;
    }

    /// <summary>y = tanh(W·x + b) with a scalar accumulator.</summary>
    [Differentiate]
    public static double[] TanhLayer(double[,] W, double[] x, double[] b)
    {
        var y = new double[b.Length];
        for (int i = 0; i < b.Length; i++)
        {
            double a = b[i];
            for (int j = 0; j < x.Length; j++)
            {
                a += W[i, j] * x[j];
            }

            y[i] = Math.Tanh(a);
        }

        return y;
    }

    /// <summary>y = a + b: identity with respect to both.</summary>
    [Differentiate]
    public static double[] Add(double[] a, double[] b)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }

        return y;
    }

    /// <summary>y = x + W·x: ∂y/∂x = I + W (a sum of structures), ∂y/∂vec(W) = xᵀ ⊗ I.</summary>
    [Differentiate]
    public static double[] Residual(double[,] W, double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i];
            for (int j = 0; j < x.Length; j++)
            {
                a += W[i, j] * x[j];
            }

            y[i] = a;
        }

        return y;
    }

    /// <summary>Softmax, which no structure rule covers: dense, diag(s) − s·sᵀ.</summary>
    [Differentiate]
    public static double[] Softmax(double[] x)
    {
        var e = new double[x.Length];
        double sum = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            e[i] = Math.Exp(x[i]);
            sum += e[i];
        }

        var s = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            s[i] = e[i] / sum;
        }

        return s;
    }
}
