using System;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Loops whose exp, log or tanh calls read an element of an array the loop itself writes. Where only iteration i
/// touches h[i], a block maps the calls ahead, reading h[i] as the loop found it or as the iteration stored it; where
/// another iteration may touch it (another index, another name for the array), the calls stay in the iteration.
/// </summary>
public static partial class OwnElementFunctions
{
    /// <summary>A state updated in place at every step, each element squashed twice (the second call reads the first's store).</summary>
    [Differentiate(nameof(x))]
    public static double UpdatedInPlace(double[] x, int steps)
    {
        int n = x.Length;
        double[] h = new double[n];
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++)
            {
                h[i] = Math.Tanh(h[i] + x[i]);
                h[i] = Math.Exp(-0.5 * h[i] * h[i]) + (0.5 * h[i]);
            }
        }

        double r = 0.0;
        for (int i = 0; i < n; i++)
        {
            r += h[i] * x[i];
        }

        return r;
    }

    /// <summary>The body of <see cref="UpdatedInPlace"/>, kept as written.</summary>
    [Differentiate(nameof(x), Vectorize = false)]
    public static double UpdatedInPlaceExact(double[] x, int steps)
    {
        int n = x.Length;
        double[] h = new double[n];
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < n; i++)
            {
                h[i] = Math.Tanh(h[i] + x[i]);
                h[i] = Math.Exp(-0.5 * h[i] * h[i]) + (0.5 * h[i]);
            }
        }

        double r = 0.0;
        for (int i = 0; i < n; i++)
        {
            r += h[i] * x[i];
        }

        return r;
    }

    /// <summary>
    /// Iteration i writes h[i + 1] under another name before iteration i + 1 squashes it: read ahead, h[i + 1] would be
    /// the value before that write.
    /// </summary>
    [Differentiate(nameof(x))]
    public static double WrittenUnderAnotherName(double[] x)
    {
        int n = x.Length;
        double[] h = new double[n];
        double[] g = h;
        for (int i = 0; i < n - 1; i++)
        {
            g[i + 1] += 0.5 * x[i];
            h[i] = Math.Tanh(h[i] + x[i]);
        }

        double r = 0.0;
        for (int i = 0; i < n; i++)
        {
            r += h[i] * x[i];
        }

        return r;
    }
}
