using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Scratch arrays reused by every step of an outer loop: a loop that overwrites one element per iteration, and touches the
/// array nowhere else, has the old elements saved in bulk before it and restored after its reverse (no tape traffic in the
/// loop itself). Each twin with <c>Vectorize = false</c> keeps every loop as written, for a bit-for-bit value.
/// </summary>
public static partial class BulkSaveFunctions
{
    /// <summary>A two-layer network's squared loss over a batch, the hidden layer in one array reused by every sample.</summary>
    [Differentiate(nameof(W1), nameof(W2))]
    public static double BatchLoss(double[,] X, double[,] T, double[,] W1, double[,] W2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = W1.GetLength(0);
        double[] hidden = new double[h];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < h; i++)
            {
                double a = 0.0;
                for (int j = 0; j < d; j++)
                {
                    a += W1[i, j] * X[s, j];
                }

                hidden[i] = Math.Tanh(a);
            }

            for (int q = 0; q < W2.GetLength(0); q++)
            {
                double a = 0.0;
                for (int i = 0; i < h; i++)
                {
                    a += W2[q, i] * hidden[i];
                }

                double e = a - T[s, q];
                loss += e * e;
            }
        }

        return loss / n;
    }

    /// <summary>The body of <see cref="BatchLoss"/>, kept as written.</summary>
    [Differentiate(nameof(W1), nameof(W2), Vectorize = false)]
    public static double BatchLossExact(double[,] X, double[,] T, double[,] W1, double[,] W2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = W1.GetLength(0);
        double[] hidden = new double[h];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < h; i++)
            {
                double a = 0.0;
                for (int j = 0; j < d; j++)
                {
                    a += W1[i, j] * X[s, j];
                }

                hidden[i] = Math.Tanh(a);
            }

            for (int q = 0; q < W2.GetLength(0); q++)
            {
                double a = 0.0;
                for (int i = 0; i < h; i++)
                {
                    a += W2[q, i] * hidden[i];
                }

                double e = a - T[s, q];
                loss += e * e;
            }
        }

        return loss / n;
    }

    /// <summary>
    /// The loop overwrites the inner elements only (from 1, to <paramref name="end"/>, which may run past the array): the
    /// ends are written by statements of their own, saved one by one, and the elements the loop never reaches keep their
    /// values. With end past the array's length the loop throws where the method's does.
    /// </summary>
    [Differentiate(nameof(x))]
    public static double InnerRange(double[] x, int end)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            y[0] = x[0] * (s + 1.0);
            for (int i = 1; i < end; i++)
            {
                y[i] = Math.Sin(x[i] * (t + 1) + 0.5 * s);
            }

            y[n - 1] = y[n - 1] + x[n - 1] * s;
            for (int i = 0; i < n; i++)
            {
                s += y[i] * y[i] * 0.25;
            }
        }

        return s;
    }

    /// <summary>A loop from a start that may be negative: it throws at its first iteration, as the method does.</summary>
    [Differentiate(nameof(x))]
    public static double FromStart(double[] x, int start)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 2; t++)
        {
            for (int i = start; i < n; i++)
            {
                y[i] = Math.Exp(x[i] * s - 0.5 * t);
            }

            for (int i = 0; i < n; i++)
            {
                s += y[i] * x[i];
            }
        }

        return s;
    }

    /// <summary>
    /// Not saved in bulk: the loop also reads the element after the one it stores (still the last step's value), which a
    /// bulk restore would leave holding this step's value during the loop's reverse.
    /// </summary>
    [Differentiate(nameof(x))]
    public static double ReadsItsNeighbour(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Math.Tanh(x[i] * (t + 1) + 0.1 * s);
                if (i + 1 < n)
                {
                    s += y[i + 1] * y[i + 1] * x[i];
                }
            }

            for (int i = 0; i < n; i++)
            {
                s += y[i] * x[i];
            }
        }

        return s;
    }

    /// <summary>Not saved in bulk: the loop reads the array through a second name, at the mirrored element.</summary>
    [Differentiate(nameof(x))]
    public static double ReadsThroughAnAlias(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double[] alias = y;
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = Math.Tanh(x[i] * (t + 1) + 0.1 * s);
                s += alias[n - 1 - i] * alias[n - 1 - i] * x[i];
            }

            for (int i = 0; i < n; i++)
            {
                s += y[i] * y[i];
            }
        }

        return s;
    }

    /// <summary>Not saved in bulk: each store reads the element it overwrites, whose old value its reverse needs.</summary>
    [Differentiate(nameof(x))]
    public static double UpdatedInPlace(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = y[i] * y[i] * 0.5 + x[i] * (t + 1) + 0.1 * s;
            }

            for (int i = 0; i < n; i++)
            {
                s += y[i] * x[i];
            }
        }

        return s;
    }

    /// <summary>
    /// An int division by zero at iteration <paramref name="zeroAt"/>: with <paramref name="end"/> past y too, the method
    /// throws <see cref="DivideByZeroException"/> there, before any index runs out, and so must the gradient (its bulk
    /// save stops at y's end rather than throwing before the loop).
    /// </summary>
    [Differentiate(nameof(x))]
    public static double DividesByZeroFirst(double[] x, int zeroAt, int end)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            y[i] = Math.Cos(x[i]);
        }

        for (int i = 0; i < n; i++)
        {
            s += y[i] * x[i];
        }

        for (int i = 0; i < end; i++)
        {
            y[i] = Math.Cos(x[i] + s) * (6 / (zeroAt - i));
        }

        for (int i = 0; i < n; i++)
        {
            s += y[i] * x[i];
        }

        return s;
    }

    /// <summary>
    /// <see cref="BatchLoss"/> with each hidden unit summed in its element (h[i] = 0; h[i] += …; h[i] = tanh(h[i])): the
    /// additions' saves are dead (nothing reads the partial sums back), so the element is saved once, in bulk.
    /// </summary>
    [Differentiate(nameof(W1), nameof(W2))]
    public static double SummedInTheElement(double[,] X, double[,] T, double[,] W1, double[,] W2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = W1.GetLength(0);
        double[] hidden = new double[h];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < h; i++)
            {
                hidden[i] = 0.0;
                for (int j = 0; j < d; j++)
                {
                    hidden[i] += W1[i, j] * X[s, j];
                }

                hidden[i] = Math.Tanh(hidden[i]);
                loss += 0.01 * hidden[i] * hidden[i];
            }

            for (int q = 0; q < W2.GetLength(0); q++)
            {
                double a = 0.0;
                for (int i = 0; i < h; i++)
                {
                    a += W2[q, i] * hidden[i];
                }

                double e = a - T[s, q];
                loss += e * e;
            }
        }

        return loss / n;
    }

    /// <summary>The body of <see cref="SummedInTheElement"/>, kept as written.</summary>
    [Differentiate(nameof(W1), nameof(W2), Vectorize = false)]
    public static double SummedInTheElementExact(double[,] X, double[,] T, double[,] W1, double[,] W2)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int h = W1.GetLength(0);
        double[] hidden = new double[h];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < h; i++)
            {
                hidden[i] = 0.0;
                for (int j = 0; j < d; j++)
                {
                    hidden[i] += W1[i, j] * X[s, j];
                }

                hidden[i] = Math.Tanh(hidden[i]);
                loss += 0.01 * hidden[i] * hidden[i];
            }

            for (int q = 0; q < W2.GetLength(0); q++)
            {
                double a = 0.0;
                for (int i = 0; i < h; i++)
                {
                    a += W2[q, i] * hidden[i];
                }

                double e = a - T[s, q];
                loss += e * e;
            }
        }

        return loss / n;
    }

    /// <summary>A partial sum read (squared) between the additions: its reverse needs it back, so the additions save.</summary>
    [Differentiate(nameof(x))]
    public static double PartialSumRead(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = 0.1 * Math.Tanh(s);
                y[i] += x[i] * (t + 1);
                s += 0.25 * y[i] * y[i];
                y[i] += Math.Sin(x[i]);
                y[i] = Math.Tanh(y[i]);
            }
        }

        return s;
    }

    /// <summary>An addition after the element's call: the call's reverse reads its result, which the addition changed.</summary>
    [Differentiate(nameof(x))]
    public static double AddedAfterTheCall(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 3; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = 0.1 * s + x[i] * (t + 1);
                y[i] = Math.Tanh(y[i]);
                y[i] += 0.5 * x[i];
                s += y[i] * y[i];
            }
        }

        return s;
    }

    /// <summary>One element replaced by a call on itself, read from its result in the reverse (h[i] = √h[i]).</summary>
    [Differentiate(nameof(x))]
    public static double CallOnItself(double[] x)
    {
        int n = x.Length;
        double[] y = new double[n];
        double s = 0.0;
        for (int t = 0; t < 2; t++)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] = 1.0 + x[i] * x[i] + 0.1 * s;
                y[i] = Math.Sqrt(y[i]);
            }

            for (int i = 0; i < n; i++)
            {
                s += y[i] * x[i];
            }
        }

        return s;
    }

    /// <summary>
    /// Softmax regression's logits kept in one array: each class's dot summed in a local, then copied into its element
    /// (a plain copy of a double local, which the alias classes once took for an array binding).
    /// </summary>
    [Differentiate(nameof(W))]
    public static double CopiedFromALocal(double[,] X, double[,] W)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        int k = W.GetLength(0);
        double[] z = new double[k];
        double loss = 0.0;
        for (int s = 0; s < n; s++)
        {
            for (int c = 0; c < k; c++)
            {
                double a = 0.0;
                for (int j = 0; j < d; j++)
                {
                    a += W[c, j] * X[s, j];
                }

                z[c] = a;
            }

            double sum = 0.0;
            for (int c = 0; c < k; c++)
            {
                sum += Math.Exp(z[c]);
            }

            loss += Math.Log(sum) - z[s % k];
        }

        return loss / n;
    }
}
