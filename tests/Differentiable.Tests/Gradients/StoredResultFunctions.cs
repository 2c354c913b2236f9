using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Element stores y[i] = tanh(u), exp(u), √u whose reverse reads the stored result instead of computing f again: the
/// element must still hold f(u) when its reverse runs, even where later statements overwrite it or read it elsewhere.
/// </summary>
public static partial class StoredResultFunctions
{
    /// <summary>Each stored result is overwritten afterwards (and read through a neighbour first).</summary>
    [Differentiate]
    public static double Overwritten(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = Math.Tanh(x[i]);
        }

        double[] z = new double[n];
        for (int i = 0; i < n; i++)
        {
            z[i] = Math.Exp(0.5 * y[i]);
            y[i] = y[i] * z[i] + y[(i + 1) % n];
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            z[i] = Math.Sqrt(1.0 + y[i] * y[i]);
            s += z[i] * x[i];
        }

        return s;
    }

    /// <summary>A state replaced each step, as in backpropagation through time, with the stored results read next step.</summary>
    [Differentiate]
    public static double Recurrent(double[] x, double[] w)
    {
        int n = x.Length;
        double[] state = new double[n];
        for (int t = 0; t < 4; t++)
        {
            double[] next = new double[n];
            for (int i = 0; i < n; i++)
            {
                next[i] = Math.Tanh(w[i] * state[(i + 1) % n] + x[i]);
            }

            state = next;
        }

        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += state[i] * state[i];
        }

        return s;
    }
}
