using System;
using Differentiable;

namespace Rnn;

public static partial class Recurrent
{
    /// <summary>
    /// s_t = tanh(W·s_{t−1} + U·x_t + b) from s_0 = 0, loss = Σ_i (s_T[i] − target[i])². The state array is replaced
    /// every step, so the generated reverse sweep keeps one reference per step and one pre-activation per element.
    /// </summary>
    [Differentiate(nameof(W), nameof(U), nameof(b))]
    public static double Loss(double[,] W, double[,] U, double[] b, double[,] xs, double[] target)
    {
        int h = b.Length;
        int d = U.GetLength(1);
        var s = new double[h];
        for (int t = 0; t < xs.GetLength(0); t++)
        {
            var next = new double[h];
            for (int i = 0; i < h; i++)
            {
                double a = b[i];
                for (int j = 0; j < h; j++)
                    a += W[i, j] * s[j];
                for (int k = 0; k < d; k++)
                    a += U[i, k] * xs[t, k];
                next[i] = Math.Tanh(a);
            }

            s = next;
        }

        double loss = 0;
        for (int i = 0; i < h; i++)
            loss += (s[i] - target[i]) * (s[i] - target[i]);
        return loss;
    }
}
