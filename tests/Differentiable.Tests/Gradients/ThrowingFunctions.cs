using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Methods whose forward sweep pushes onto the tape (doubles, a recorded branch, replaced arrays) and then throws: the
/// generated code must leave the thread's tape as it found it.
/// </summary>
public static partial class ThrowingFunctions
{
    /// <summary>Throws <see cref="IndexOutOfRangeException"/> after the loop when <paramref name="at"/> lies past x.</summary>
    [Differentiate(nameof(x))]
    public static double PushesThenReads(double[] x, int at)
    {
        int n = x.Length;
        double[] s = new double[n];
        double r = 1.0;
        for (int t = 0; t < n; t++)
        {
            double[] next = new double[n];
            for (int i = 0; i < n; i++)
            {
                next[i] = Math.Tanh(s[i] + x[i]);
            }

            s = next;
            if (s[t] > 0.25)
            {
                r = r * (1.0 + s[t]);
            }
            else
            {
                r = r + s[t];
            }
        }

        return r + x[at];
    }

    /// <summary>Throws <see cref="DivideByZeroException"/> inside the loop, at step <paramref name="zeroAt"/>.</summary>
    [Differentiate(nameof(x))]
    public static double DividesInTheLoop(double[] x, int zeroAt)
    {
        double r = 0.5;
        for (int t = 0; t < x.Length; t++)
        {
            int k = 1 + (x.Length / (zeroAt - t));
            r = Math.Sin(r * x[t]) + (0.25 * k * x[t]);
        }

        return r;
    }
}
