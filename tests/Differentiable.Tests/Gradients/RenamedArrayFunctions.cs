using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Array names that change what they point at: an adjoint array follows its primal's reference, so a name made to point
/// elsewhere after its elements were read must be restored in the reverse sweep, even where the sweep never reads those
/// elements again (the read was linear). Without the restore, the adjoint of <c>s[i] += t[i]</c> lands in the array
/// the name points at last.
/// </summary>
public static partial class RenamedArrayFunctions
{
    /// <summary>Two buffers swapped, one added into the other, then both names on the same array.</summary>
    [Differentiate]
    public static double SwappedAddedAliased(double[] x, double c)
    {
        int n = x.Length;
        double[] t0 = new double[n];
        double[] t1 = new double[n];
        for (int i = 0; i < n; i++)
        {
            t0[i] = c * x[i];
        }

        for (int i = 0; i < n; i++)
        {
            t1[i] = Math.Tanh(0.5 + (0.3 * t0[i]));
        }

        double[] swap = t0;
        t0 = t1;
        t1 = swap;
        for (int i = 0; i < n; i++)
        {
            t0[i] += t1[i];
        }

        t1 = t0;
        double sum = 0.0;
        for (int i = 0; i < n; i++)
        {
            sum += (-0.875 * t0[i]) + (1.375 * t1[i]) + Math.Sin(x[i]);
        }

        return sum;
    }

    /// <summary>A name read linearly, then pointed at the array it was added into.</summary>
    [Differentiate]
    public static double AddedThenRenamed(double[] x, double[] y)
    {
        int n = x.Length;
        double[] s = new double[n];
        double[] t = y;
        for (int i = 0; i < n; i++)
        {
            s[i] = x[i] * x[i];
        }

        for (int i = 0; i < n; i++)
        {
            s[i] += t[i];
        }

        t = s;
        double sum = 0.0;
        for (int i = 0; i < n; i++)
        {
            sum += t[i] * (i + 1);
        }

        return sum;
    }

    /// <summary>The first function's shape, array-valued (its VJP).</summary>
    [Differentiate]
    public static double[] SwappedAddedAliasedVector(double[] x, double c)
    {
        int n = x.Length;
        double[] t0 = new double[n];
        double[] t1 = new double[n];
        for (int i = 0; i < n; i++)
        {
            t0[i] = c * x[i];
        }

        for (int i = 0; i < n; i++)
        {
            t1[i] = Math.Tanh(0.5 + (0.3 * t0[i]));
        }

        double[] swap = t0;
        t0 = t1;
        t1 = swap;
        for (int i = 0; i < n; i++)
        {
            t0[i] += t1[i];
        }

        t1 = t0;
        double[] result = new double[n];
        for (int i = 0; i < n; i++)
        {
            result[i] = (-0.875 * t0[i]) + (1.375 * t1[i]) + Math.Sin(x[i]);
        }

        return result;
    }
}
