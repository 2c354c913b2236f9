using System;

namespace Differentiable.Tests.ControlFlow;

/// <summary>
/// Scalar functions whose bodies use while, do-while, foreach, break, continue, early return and general for loops.
/// Several exit on a data-dependent condition; the tests keep their inputs away from the points where the number of
/// iterations changes, where the functions are not differentiable.
/// </summary>
public static partial class ControlFlowFunctions
{
    /// <summary>A while loop with a data-independent exit: Σ x[i]·sin(x[i]).</summary>
    [Differentiate]
    public static double WhileCounted(double[] x)
    {
        double s = 0.0;
        int i = 0;
        while (i < x.Length)
        {
            s += x[i] * Math.Sin(x[i]);
            i++;
        }

        return s;
    }

    /// <summary>√a by Newton's iteration r ← (r + a/r)/2, from r = a, until a step no longer changes r.</summary>
    [Differentiate]
    public static double NewtonSqrt(double a)
    {
        double r = a;
        double previous = 0.0;
        while (Math.Abs(r - previous) > 1e-14 * r)
        {
            previous = r;
            r = 0.5 * (r + (a / r));
        }

        return r;
    }

    /// <summary>Adds x[k mod n]² + ½ until the sum reaches <paramref name="threshold"/>; returns s² · x[0].</summary>
    [Differentiate]
    public static double AccumulateUntil(double[] x, double threshold)
    {
        double s = 0.0;
        int k = 0;
        while (s < threshold)
        {
            double v = x[k % x.Length];
            s += (v * v) + 0.5;
            k++;
        }

        return s * s * x[0];
    }

    /// <summary>A do-while with a fixed trip count: y ← sin(y) + x/2, <paramref name="n"/> ≥ 1 times.</summary>
    [Differentiate]
    public static double DoWhileFixed(double x, int n)
    {
        double y = x;
        int k = 0;
        do
        {
            y = Math.Sin(y) + (0.5 * x);
            k++;
        }
        while (k < n);

        return y;
    }

    /// <summary>A do-while with a data-dependent exit: y ← 1.5·y + c/10 until y reaches 10 (at most 50 steps).</summary>
    [Differentiate]
    public static double DoWhileGrow(double x, double c)
    {
        double y = x;
        int steps = 0;
        do
        {
            y = (1.5 * y) + (0.1 * c);
            steps++;
        }
        while (y < 10.0 && steps < 50);

        return y * c;
    }

    /// <summary>foreach over a double[] (Σ v³) and over an int[] of indices (Σ cos(x[k])).</summary>
    [Differentiate]
    public static double Foreach(double[] x, int[] indices)
    {
        double s = 0.0;
        foreach (double v in x)
        {
            s += v * v * v;
        }

        foreach (int k in indices)
        {
            s += Math.Cos(x[k]) * x[0];
        }

        return s;
    }

    /// <summary>foreach over a local array computed from the input.</summary>
    [Differentiate]
    public static double ForeachLocal(double[] x)
    {
        var squares = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            squares[i] = x[i] * x[i];
        }

        double s = 1.0;
        foreach (double q in squares)
        {
            s = (s * 0.5) + Math.Exp(-q);
        }

        return s;
    }

    /// <summary>
    /// foreach over an array its body writes: each iteration reads the element as it is then (w[j + 1] gets a share of
    /// v before the loop reaches it). It was DIFF005, as if the body replaced the array.
    /// </summary>
    [Differentiate]
    public static double ForeachWritingItsArray(double[] x)
    {
        var w = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            w[i] = x[i];
        }

        double s = 0.0;
        int j = 0;
        foreach (double v in w)
        {
            if (j + 1 < w.Length)
            {
                w[j + 1] += 0.5 * Math.Sin(v);
            }

            w[0] = v * x[0];
            s += v * v;
            j++;
        }

        return s + w[0];
    }

    /// <summary>Σ exp(x[i]) until the sum exceeds <paramref name="limit"/> (break), times x[0].</summary>
    [Differentiate]
    public static double BreakAbove(double[] x, double limit)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Exp(x[i]);
            if (s > limit)
            {
                break;
            }
        }

        return s * x[0];
    }

    /// <summary>Σ over the non-negative elements of x[i]²·(1 + sin x[i]) (continue skips the negative ones).</summary>
    [Differentiate]
    public static double ContinueSkipNegative(double[] x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] < 0.0)
            {
                continue;
            }

            s += x[i] * x[i] * (1.0 + Math.Sin(x[i]));
        }

        return s;
    }

    /// <summary>Π (1 + x[i]²), returning log(p)·x[i] as soon as the product exceeds 5.</summary>
    [Differentiate]
    public static double EarlyReturn(double[] x)
    {
        double p = 1.0;
        for (int i = 0; i < x.Length; i++)
        {
            p *= 1.0 + (x[i] * x[i]);
            if (p > 5.0)
            {
                return Math.Log(p) * x[i];
            }
        }

        return p;
    }

    /// <summary>
    /// Nested loops: the inner one breaks at the first element above 1 in a row, the outer one when the running
    /// sum passes 8.
    /// </summary>
    [Differentiate]
    public static double NestedBreak(double[,] A)
    {
        double s = 0.0;
        for (int i = 0; i < A.GetLength(0); i++)
        {
            for (int j = 0; j < A.GetLength(1); j++)
            {
                if (A[i, j] > 1.0)
                {
                    break;
                }

                s += A[i, j] * A[i, j] * (i + 1);
            }

            s = (s * 0.9) + A[i, 0];
            if (s > 8.0)
            {
                break;
            }
        }

        return s;
    }

    /// <summary>Nested loops where only the inner one breaks: Σᵢ (Σ_{j before the first A[i, j] &gt; 1} A[i, j]·sin(A[i, j] + i))².</summary>
    [Differentiate]
    public static double NestedInnerBreak(double[,] A)
    {
        double s = 0.0;
        for (int i = 0; i < A.GetLength(0); i++)
        {
            double row = 0.0;
            for (int j = 0; j < A.GetLength(1); j++)
            {
                if (A[i, j] > 1.0)
                {
                    break;
                }

                row += A[i, j] * Math.Sin(A[i, j] + i);
            }

            s += row * row;
        }

        return s;
    }

    /// <summary>General for loops: a stride of 2 up, a stride of 3 down, and a data-dependent condition.</summary>
    [Differentiate]
    public static double StridedFor(double[] x)
    {
        double s = 0.0;
        for (int i = 1; i < x.Length; i += 2)
        {
            s += x[i] * x[i - 1];
        }

        for (int i = x.Length - 1; i >= 0; i -= 3)
        {
            s += Math.Sin(x[i]);
        }

        double t = 0.0;
        for (int i = 0; i < x.Length && t < 3.0; i++)
        {
            t += (x[i] * x[i]) + 0.25;
        }

        return s + (t * x[x.Length - 1]);
    }
}
