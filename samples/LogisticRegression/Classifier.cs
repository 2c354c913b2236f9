using System;
using Differentiable;

namespace LogisticRegression;

public static partial class Classifier
{
    /// <summary>
    /// Mean logistic loss over the batch plus an L2 penalty (λ/2)·‖w‖²:
    /// L(w, b) = (1/N) Σ_i [log(1 + e^{z_i}) − y_i·z_i] + (λ/2) Σ_j w_j², with z_i = b + Σ_j X[i, j]·w[j].
    /// Only w and b are differentiated; the data X, y and λ pass through. The generator emits
    /// LossGradient(X, y, w, b, lambda) → (Value, dw, db), the allocation-free
    /// LossGradient(X, y, w, b, lambda, dw, out db) and LossJvp.
    /// </summary>
    [Differentiate(nameof(w), nameof(b))]
    public static double Loss(double[,] X, double[] y, double[] w, double b, double lambda)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        double total = 0.0;
        for (int i = 0; i < n; i++)
        {
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += X[i, j] * w[j];
            }

            // log(1 + eᶻ) without overflow: for z > 0 it is z + log(1 + e⁻ᶻ).
            double softplus = z > 0 ? z + Math.Log(1.0 + Math.Exp(-z)) : Math.Log(1.0 + Math.Exp(z));
            total += softplus - y[i] * z;
        }

        double penalty = 0.0;
        foreach (double weight in w)
        {
            penalty += weight * weight;
        }

        return total / n + 0.5 * lambda * penalty;
    }
}
