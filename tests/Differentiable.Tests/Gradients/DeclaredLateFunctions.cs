using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Locals declared without a value inside a loop and assigned after: the generated code hoists them, so each iteration's
/// assignment overwrites the value the previous iteration's reverse reads, and must save it.
/// </summary>
public static partial class DeclaredLateFunctions
{
    /// <summary>An array declared, then allocated, in every step.</summary>
    [Differentiate(nameof(x))]
    public static double ArrayDeclaredLate(double[] x, int steps)
    {
        int n = x.Length;
        double r = 0.0;
        for (int t = 0; t < steps; t++)
        {
            double[] h;
            h = new double[n];
            h[0] = x[0];
            r += h[0] * x[1 % n];
            for (int i = 1; i < n; i++)
            {
                h[i] = Math.Sin(x[i] * (t + 1));
            }

            for (int i = 0; i < n; i++)
            {
                r += h[i] * h[i] * x[i];
            }
        }

        return r;
    }

    /// <summary>A scalar declared, then assigned, in every iteration.</summary>
    [Differentiate(nameof(x))]
    public static double ScalarDeclaredLate(double[] x)
    {
        double s = 0.0;
        for (int t = 0; t < x.Length; t++)
        {
            double a;
            a = Math.Sin((x[t] * s) + 0.3);
            s += a * a;
        }

        return s;
    }
}
