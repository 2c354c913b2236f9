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

    /// <summary>A windowed sum over x[i − 1], x[i], x[i + 2]: the Hessian is banded, |p − q| ≤ 3.</summary>
    [Differentiate(Hessian = true)]
    public static double Window(double[] x)
    {
        int n = x.Length;
        double f = 0.5;
        for (int i = 1; i < n - 2; i++)
        {
            double u = Math.Sin(x[i - 1]) * x[i];
            double w = x[i + 2] * x[i + 2];
            u = u + (w * x[i]);
            f += (u * u) - (0.25 * x[i - 1] * w);
        }

        return f;
    }

    /// <summary>Every access is x[i], but the product carries across iterations: the Hessian is dense.</summary>
    [Differentiate(Hessian = true)]
    public static double RunningProduct(double[] x)
    {
        double p = 1.0;
        for (int i = 0; i < x.Length; i++)
        {
            p = p * (1.0 + (0.5 * x[i]));
        }

        return p;
    }

    /// <summary>A sum of x[i]² terms scaled by x[0], read before the loop: row and column 0 are full.</summary>
    [Differentiate(Hessian = true)]
    public static double ScaledByFirst(double[] x)
    {
        double first = x[0];
        double f = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            f += first * x[i] * x[i];
        }

        return f;
    }

    /// <summary>A windowed sum whose result is then squared: the square couples every window with every other.</summary>
    [Differentiate(Hessian = true)]
    public static double SquaredSum(double[] x)
    {
        double f = 0.0;
        for (int i = 0; i < x.Length - 1; i++)
        {
            f += x[i] * x[i + 1];
        }

        f = f * f;
        return f;
    }
}
