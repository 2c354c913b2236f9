using System;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Methods whose gradients add one outer product per step of a loop into a matrix (<c>OuterProductBatches</c>): a tanh
/// layer fitted to a batch of samples (∂L/∂W = Σₙ δₙ·xₙᵀ, the vector a row of X), and a layer whose rows start at 1 and
/// whose columns are a part of each sample.
/// </summary>
public static partial class BatchedFunctions
{
    /// <summary>Σₙ Σᵢ (tanh(Σⱼ W[i, j]·X[n, j]) − Y[n, i])².</summary>
    [Differentiate(nameof(W))]
    public static double LayerLoss(double[,] W, double[,] X, double[,] Y)
    {
        int samples = X.GetLength(0);
        int outputs = W.GetLength(0);
        int inputs = W.GetLength(1);
        double loss = 0.0;
        for (int n = 0; n < samples; n++)
        {
            for (int i = 0; i < outputs; i++)
            {
                double a = 0.0;
                for (int j = 0; j < inputs; j++)
                {
                    a += W[i, j] * X[n, j];
                }

                double e = Math.Tanh(a) - Y[n, i];
                loss += e * e;
            }
        }

        return loss;
    }

    /// <summary>
    /// Σₙ Σᵢ₌₁ (Σⱼ₌first W[i, j]·x[n, j])² / 2, rows from 1 and columns from <paramref name="first"/>: the rows' offset and
    /// the columns' start reach the batch kernel.
    /// </summary>
    [Differentiate(nameof(W))]
    public static double OffsetLoss(double[,] W, double[,] x, int first)
    {
        int samples = x.GetLength(0);
        int rows = W.GetLength(0);
        int width = W.GetLength(1);
        double loss = 0.0;
        for (int n = 0; n < samples; n++)
        {
            for (int i = 1; i < rows; i++)
            {
                double a = 0.0;
                for (int j = first; j < width; j++)
                {
                    a += W[i, j] * x[n, j];
                }

                loss += 0.5 * a * a;
            }
        }

        return loss;
    }

    /// <summary>
    /// Σ M² after M[i, ·] += a[i]·X[row, ·] for every step and row, where row = (int)u[0] and each row stores into v,
    /// which is u: the vector's row changes from row to row, so the updates cannot be batched (a review found them were).
    /// </summary>
    [Differentiate(nameof(a))]
    public static double ShiftingRowLoss(double[] a, double[,] X, int steps)
    {
        int n = a.Length;
        int m = X.GetLength(1);
        double[,] M = new double[n, m];
        double[] u = new double[1];
        double[] v = u;
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    M[i, j] += a[i] * X[(int)u[0], j];
                }

                v[0] = v[0] + 1.0;
            }
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                s += M[i, j] * M[i, j];
            }
        }

        return s;
    }

#pragma warning disable DIFF100 // the step count reads M, which depends on a: intended, it is what is tested
    /// <summary>
    /// Σ M² where the loop over steps runs while 10 − M[0, 0] (read through B, which is M) exceeds its counter: every step
    /// must see the previous steps' updates.
    /// </summary>
    [Differentiate(nameof(a))]
    public static double SelfLimitingLoss(double[] a, double[] x)
    {
        int n = a.Length;
        int m = x.Length;
        double[,] M = new double[n, m];
        double[,] B = M;
        for (int t = 0; t < 10 - (int)B[0, 0]; t++)
        {
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    M[i, j] += a[i] * x[j];
                }
            }
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                s += M[i, j] * M[i, j];
            }
        }

        return s;
    }
#pragma warning restore DIFF100
}
