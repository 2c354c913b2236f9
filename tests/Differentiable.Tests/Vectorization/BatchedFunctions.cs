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
}
