using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Stores into a fresh array whose old value (0) the reverse sweep may or may not need. The first store of a fresh,
/// untouched array saves nothing; each function here breaks one condition of that rule, so the old value must be saved
/// and restored, or the gradient is wrong.
/// </summary>
public static partial class FirstStoreFunctions
{
    /// <summary>Allocated once, filled again every step: the later fills overwrite values an earlier step's reverse reads.</summary>
    [Differentiate]
    public static double RefilledEachStep(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Math.Tanh(x[i] * (t + 1) + 0.1 * s);
            }

            for (int i = 0; i < n; i++)
            {
                s += y[i] * y[i];
            }
        }

        return s;
    }

    /// <summary>An element read (as 0) before the fill: its reverse must see the 0 again.</summary>
    [Differentiate]
    public static double ReadBeforeFill(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = y[0] * x[0];
        for (int i = 0; i < n; i++)
        {
            y[i] = Math.Exp(x[i]);
        }

        for (int i = 0; i < n; i++)
        {
            s += y[i] * x[i];
        }

        return s;
    }

    /// <summary>The filling loop reads the next element, still 0 when it is read (except where the index wraps).</summary>
    [Differentiate]
    public static double ReadAheadInFill(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            y[i] = Math.Tanh(x[i]);
            s += y[(i + 1) % n] * x[i];
        }

        return s;
    }

    /// <summary>The rule applies: each element filled once, read only after its loop (a layer, as a VJP).</summary>
    [Differentiate]
    public static double[] FilledOnce(double[,] W, double[] x)
    {
        double[] y = new double[W.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
        {
            double a = 0.0;
            for (int j = 0; j < x.Length; j++)
            {
                a += W[i, j] * x[j];
            }

            y[i] = Math.Tanh(a);
        }

        return y;
    }
}
