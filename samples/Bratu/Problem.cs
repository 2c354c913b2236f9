using System;
using Differentiable;

/// <summary>The Bratu problem u″ + λ·eᵘ = 0 on (0, 1), u(0) = u(1) = 0, discretized on a uniform grid.</summary>
public static partial class Problem
{
    /// <summary>
    /// The residual at the interior points of u (u[0] and u[n − 1] are the boundary values): the second difference
    /// over h² plus λ·eᵘ. Its Jacobian is a stencil's: three shifts, the middle one times λ·eᵘ, returned structured.
    /// </summary>
    [Differentiate(nameof(u))]
    public static double[] Residual(double[] u, double lambda)
    {
        int n = u.Length;
        double h = 1.0 / (n - 1);
        var r = new double[n];
        for (int i = 1; i < n - 1; i++)
        {
            r[i] = ((u[i - 1] - (2.0 * u[i]) + u[i + 1]) / (h * h)) + (lambda * Math.Exp(u[i]));
        }

        return r;
    }
}
