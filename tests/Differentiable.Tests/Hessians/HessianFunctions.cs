using System;

namespace Differentiable.Tests.Hessians;

/// <summary>Scalar functions marked <c>Hessian = true</c>.</summary>
public static partial class HessianFunctions
{
    /// <summary>Σ_{i &lt; n−1} 100·(x[i+1] − x[i]²)² + (1 − x[i])².</summary>
    [Differentiate(Hessian = true)]
    public static double Rosenbrock(double[] x)
    {
        double f = 0.0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            double a = x[i + 1] - (x[i] * x[i]);
            double b = 1.0 - x[i];
            f += (100.0 * a * a) + (b * b);
        }

        return f;
    }

    /// <summary>
    /// Mixed blocks (a vector and a scalar), a loop, a local array and a branch:
    /// z[i] = sin(t·x[i]) + x[i]²; Σ (z[i] &gt; 0 ? t·z[i]² : x[i]·exp(z[i])) + t³.
    /// </summary>
    [Differentiate(Hessian = true)]
    public static double Mixed(double[] x, double t)
    {
        var z = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            z[i] = Math.Sin(t * x[i]) + (x[i] * x[i]);
        }

        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            if (z[i] > 0.0)
            {
                s += t * z[i] * z[i];
            }
            else
            {
                s += x[i] * Math.Exp(z[i]);
            }
        }

        return s + (t * t * t);
    }
}
