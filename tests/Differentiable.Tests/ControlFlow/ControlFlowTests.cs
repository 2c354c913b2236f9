using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using Xunit.Sdk;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.ControlFlow;

/// <summary>
/// Gradients of functions with while, do-while, foreach, break, continue, early return and general for loops, against
/// central finite differences on random inputs, and their JVPs against gradient·direction. Where the exit of a loop
/// depends on the data, the inputs are kept at least a margin away from the points where the iteration count
/// changes (there the functions jump or kink, and no derivative exists).
/// </summary>
public class ControlFlowTests
{
    private const long Iterations = 100;

    /// <summary>Distance from an exit threshold, far beyond what a finite-difference step (~1e-6) can move.</summary>
    private const double Margin = 1e-3;

    private static Gen<double> Scalar(double min = -2.0, double max = 2.0) => Gen.Double[min, max];

    private static bool Far(double a, double b) => Math.Abs(a - b) > Margin;

    /// <summary>JVP value equals f, and its tangent is Σ gradient·direction.</summary>
    private static void AssertJvp(string function, double value, double expectedValue, double tangent, params (object Gradient, object Direction)[] pairs)
    {
        if (!Values.Agree(expectedValue, value))
        {
            throw new XunitException($"{function}Jvp: value {value:R}, the function returns {expectedValue:R}.");
        }

        var (dot, scale) = Dot(pairs);
        if (!(Math.Abs(tangent - dot) <= 1e-12 * Math.Max(1.0, scale)))
        {
            throw new XunitException($"{function}Jvp: tangent {tangent:R}, gradient·direction {dot:R}.");
        }
    }

    [Fact]
    public void WhileCounted() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         from v in Vector(n)
         select (x, v))
        .Sample((x, v) =>
        {
            var g = ControlFlowFunctions.WhileCountedGradient(x);
            AssertGradient(nameof(ControlFlowFunctions.WhileCounted), a => ControlFlowFunctions.WhileCounted((double[])a[0]), [x], g.Value, g.dx);

            // Closed form: d/dx x·sin x = sin x + x·cos x.
            AssertClose("WhileCounted gradient", x.Select(t => Math.Sin(t) + (t * Math.Cos(t))).ToArray(), g.dx, 1e-14);

            var j = ControlFlowFunctions.WhileCountedJvp(x, v);
            AssertJvp(nameof(ControlFlowFunctions.WhileCounted), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    [Fact]
    public void NewtonSqrt() =>
        Gen.Double[0.05, 100.0]
        .Sample(a =>
        {
            var g = ControlFlowFunctions.NewtonSqrtGradient(a);
            Assert.Equal(Math.Sqrt(a), g.Value, 1e-14 * Math.Sqrt(a));

            // The derivative of the converged iterate is that of √a: 1/(2√a).
            Assert.Equal(0.5 / Math.Sqrt(a), g.da, 1e-12 * Math.Max(1.0, 0.5 / Math.Sqrt(a)));
            AssertGradient(nameof(ControlFlowFunctions.NewtonSqrt), args => ControlFlowFunctions.NewtonSqrt((double)args[0]), [a], g.Value, g.da);

            var j = ControlFlowFunctions.NewtonSqrtJvp(a, 0.75);
            AssertJvp(nameof(ControlFlowFunctions.NewtonSqrt), j.Value, g.Value, j.Tangent, (g.da, 0.75));
        }, iter: Iterations);

    /// <summary>The partial sums AccumulateUntil forms before it stops, computed independently.</summary>
    private static List<double> PartialSums(double[] x, double threshold)
    {
        var sums = new List<double>();
        double s = 0.0;
        int k = 0;
        while (s < threshold)
        {
            double v = x[k % x.Length];
            s += (v * v) + 0.5;
            sums.Add(s);
            k++;
        }

        return sums;
    }

    [Fact]
    public void AccumulateUntil() =>
        (from n in Gen.Int[1, 4]
         from x in Vector(n, -1.5, 1.5)
         from threshold in Scalar(0.1, 8.0)
         from v in Vector(n)
         from vt in Scalar()
         where PartialSums(x, threshold).All(s => Far(s, threshold))
         select (x, threshold, v, vt))
        .Sample((x, threshold, v, vt) =>
        {
            var g = ControlFlowFunctions.AccumulateUntilGradient(x, threshold);
            AssertGradient(nameof(ControlFlowFunctions.AccumulateUntil),
                a => ControlFlowFunctions.AccumulateUntil((double[])a[0], (double)a[1]), [x, threshold], g.Value, g.dx, g.dthreshold);

            // The threshold only decides when to stop: away from the jumps its derivative is zero.
            Assert.Equal(0.0, g.dthreshold);

            var j = ControlFlowFunctions.AccumulateUntilJvp(x, threshold, v, vt);
            AssertJvp(nameof(ControlFlowFunctions.AccumulateUntil), j.Value, g.Value, j.Tangent, (g.dx, v), (g.dthreshold, vt));
        }, iter: Iterations);

    [Fact]
    public void DoWhileFixed() =>
        (from x in Scalar()
         from n in Gen.Int[1, 6]
         from v in Scalar()
         select (x, n, v))
        .Sample((x, n, v) =>
        {
            var g = ControlFlowFunctions.DoWhileFixedGradient(x, n);
            AssertGradient(nameof(ControlFlowFunctions.DoWhileFixed),
                a => ControlFlowFunctions.DoWhileFixed((double)a[0], (int)a[1]), [x, n], g.Value, g.dx, null);

            // Forward recurrence for the derivative: y′ ← cos(y)·y′ + ½.
            double y = x, dy = 1.0;
            int k = 0;
            do
            {
                dy = (Math.Cos(y) * dy) + 0.5;
                y = Math.Sin(y) + (0.5 * x);
                k++;
            }
            while (k < n);
            Assert.Equal(y, g.Value);
            Assert.Equal(dy, g.dx, 1e-14);

            var j = ControlFlowFunctions.DoWhileFixedJvp(x, n, v);
            AssertJvp(nameof(ControlFlowFunctions.DoWhileFixed), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    /// <summary>The iterates DoWhileGrow compares with 10, computed independently.</summary>
    private static List<double> Iterates(double x, double c)
    {
        var iterates = new List<double>();
        double y = x;
        int steps = 0;
        do
        {
            y = (1.5 * y) + (0.1 * c);
            iterates.Add(y);
            steps++;
        }
        while (y < 10.0 && steps < 50);
        return iterates;
    }

    [Fact]
    public void DoWhileGrow() =>
        (from x in Scalar(0.05, 12.0)
         from c in Scalar(0.0, 3.0)
         from vx in Scalar()
         from vc in Scalar()
         where Iterates(x, c).All(y => Far(y, 10.0))
         select (x, c, vx, vc))
        .Sample((x, c, vx, vc) =>
        {
            var g = ControlFlowFunctions.DoWhileGrowGradient(x, c);
            AssertGradient(nameof(ControlFlowFunctions.DoWhileGrow),
                a => ControlFlowFunctions.DoWhileGrow((double)a[0], (double)a[1]), [x, c], g.Value, g.dx, g.dc);

            // After k steps y = 1.5ᵏ·x + 0.1·c·(1.5ᵏ − 1)/0.5, and the result is y·c.
            int k = Iterates(x, c).Count;
            double grow = Math.Pow(1.5, k);
            double y = (grow * x) + (0.2 * c * (grow - 1.0));
            Assert.Equal(grow * c, g.dx, 1e-12 * Math.Max(1.0, grow * c));
            Assert.Equal(y + (0.2 * c * (grow - 1.0)), g.dc, 1e-12 * Math.Max(1.0, Math.Abs(y)));

            var j = ControlFlowFunctions.DoWhileGrowJvp(x, c, vx, vc);
            AssertJvp(nameof(ControlFlowFunctions.DoWhileGrow), j.Value, g.Value, j.Tangent, (g.dx, vx), (g.dc, vc));
        }, iter: Iterations);

    [Fact]
    public void Foreach() =>
        (from n in Gen.Int[1, 5]
         from x in Vector(n)
         from indices in Gen.Int[0, n - 1].Array[0, 6]
         from v in Vector(n)
         select (x, indices, v))
        .Sample((x, indices, v) =>
        {
            var g = ControlFlowFunctions.ForeachGradient(x, indices);
            AssertGradient(nameof(ControlFlowFunctions.Foreach),
                a => ControlFlowFunctions.Foreach((double[])a[0], (int[])a[1]), [x, indices], g.Value, g.dx, null);

            // Closed form: 3x[i]² + Σ_{k ∈ indices} (−sin x[k]·x[0]·[i = k] + cos x[k]·[i = 0]).
            var expected = x.Select(t => 3.0 * t * t).ToArray();
            foreach (int k in indices)
            {
                expected[k] -= Math.Sin(x[k]) * x[0];
                expected[0] += Math.Cos(x[k]);
            }

            AssertClose("Foreach gradient", expected, g.dx, 1e-13);

            var j = ControlFlowFunctions.ForeachJvp(x, indices, v);
            AssertJvp(nameof(ControlFlowFunctions.Foreach), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    [Fact]
    public void ForeachLocal() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         from v in Vector(n)
         select (x, v))
        .Sample((x, v) =>
        {
            var g = ControlFlowFunctions.ForeachLocalGradient(x);
            AssertGradient(nameof(ControlFlowFunctions.ForeachLocal), a => ControlFlowFunctions.ForeachLocal((double[])a[0]), [x], g.Value, g.dx);
            var j = ControlFlowFunctions.ForeachLocalJvp(x, v);
            AssertJvp(nameof(ControlFlowFunctions.ForeachLocal), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    [Fact]
    public void ForeachWritingItsArray() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         from v in Vector(n)
         select (x, v))
        .Sample((x, v) =>
        {
            var g = ControlFlowFunctions.ForeachWritingItsArrayGradient(x);
            Assert.Equal(ControlFlowFunctions.ForeachWritingItsArray(x), g.Value);
            AssertGradient(nameof(ControlFlowFunctions.ForeachWritingItsArray), a => ControlFlowFunctions.ForeachWritingItsArray((double[])a[0]), [x], g.Value, g.dx);
            var j = ControlFlowFunctions.ForeachWritingItsArrayJvp(x, v);
            AssertJvp(nameof(ControlFlowFunctions.ForeachWritingItsArray), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    /// <summary>The running sums BreakAbove compares with the limit.</summary>
    private static List<double> RunningExpSums(double[] x)
    {
        var sums = new List<double>();
        double s = 0.0;
        foreach (double t in x)
        {
            s += Math.Exp(t);
            sums.Add(s);
        }

        return sums;
    }

    [Fact]
    public void BreakAbove() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         from limit in Scalar(0.5, 15.0)
         from v in Vector(n)
         from vl in Scalar()
         where RunningExpSums(x).All(s => Far(s, limit))
         select (x, limit, v, vl))
        .Sample((x, limit, v, vl) =>
        {
            var g = ControlFlowFunctions.BreakAboveGradient(x, limit);
            AssertGradient(nameof(ControlFlowFunctions.BreakAbove),
                a => ControlFlowFunctions.BreakAbove((double[])a[0], (double)a[1]), [x, limit], g.Value, g.dx, g.dlimit);
            Assert.Equal(0.0, g.dlimit);

            // Closed form: the loop stops after the first k elements; f = s·x[0] with s = Σ_{i<k} exp(x[i]).
            var sums = RunningExpSums(x);
            int k = sums.FindIndex(s => s > limit) is var first and >= 0 ? first + 1 : x.Length;
            double sum = sums[k - 1];
            var expected = new double[x.Length];
            for (int i = 0; i < k; i++)
            {
                expected[i] = Math.Exp(x[i]) * x[0];
            }

            expected[0] += sum;
            AssertClose("BreakAbove gradient", expected, g.dx, 1e-13);

            var j = ControlFlowFunctions.BreakAboveJvp(x, limit, v, vl);
            AssertJvp(nameof(ControlFlowFunctions.BreakAbove), j.Value, g.Value, j.Tangent, (g.dx, v), (g.dlimit, vl));
        }, iter: Iterations);

    [Fact]
    public void ContinueSkipNegative() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         from v in Vector(n)
         where x.All(t => Far(t, 0.0))
         select (x, v))
        .Sample((x, v) =>
        {
            var g = ControlFlowFunctions.ContinueSkipNegativeGradient(x);
            AssertGradient(nameof(ControlFlowFunctions.ContinueSkipNegative),
                a => ControlFlowFunctions.ContinueSkipNegative((double[])a[0]), [x], g.Value, g.dx);

            // Closed form: 2x(1 + sin x) + x²·cos x for x ≥ 0, exactly 0 for the skipped ones.
            var expected = x.Select(t => t < 0.0 ? 0.0 : (2.0 * t * (1.0 + Math.Sin(t))) + (t * t * Math.Cos(t))).ToArray();
            AssertClose("ContinueSkipNegative gradient", expected, g.dx, 1e-13);
            for (int i = 0; i < x.Length; i++)
            {
                if (x[i] < 0.0)
                {
                    Assert.Equal(0.0, g.dx[i]);
                }
            }

            var j = ControlFlowFunctions.ContinueSkipNegativeJvp(x, v);
            AssertJvp(nameof(ControlFlowFunctions.ContinueSkipNegative), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    /// <summary>The running products EarlyReturn compares with 5.</summary>
    private static List<double> RunningProducts(double[] x)
    {
        var products = new List<double>();
        double p = 1.0;
        foreach (double t in x)
        {
            p *= 1.0 + (t * t);
            products.Add(p);
        }

        return products;
    }

    [Fact]
    public void EarlyReturn() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n, -1.5, 1.5)
         from v in Vector(n)
         where RunningProducts(x).All(p => Far(p, 5.0))
         select (x, v))
        .Sample((x, v) =>
        {
            // Closed form: returning at k, f = log(p_k)·x[k], ∂/∂x[i] = 2x[i]/(1 + x[i]²)·x[k] (i ≤ k) + log(p_k)·[i = k];
            // running to the end, f = p_n, ∂/∂x[i] = p_n·2x[i]/(1 + x[i]²).
            var products = RunningProducts(x);
            int k = products.FindIndex(p => p > 5.0);
            var expected = new double[x.Length];
            if (k >= 0)
            {
                for (int i = 0; i <= k; i++)
                {
                    expected[i] = 2.0 * x[i] / (1.0 + (x[i] * x[i])) * x[k];
                }

                expected[k] += Math.Log(products[k]);
            }
            else
            {
                for (int i = 0; i < x.Length; i++)
                {
                    expected[i] = products[^1] * 2.0 * x[i] / (1.0 + (x[i] * x[i]));
                }
            }

            // Forward mode first, against the closed form.
            var j = ControlFlowFunctions.EarlyReturnJvp(x, v);
            Assert.Equal(ControlFlowFunctions.EarlyReturn(x), j.Value);
            var (dot, scale) = Dot((expected, v));
            Assert.True(Math.Abs(j.Tangent - dot) <= 1e-12 * Math.Max(1.0, scale), $"EarlyReturnJvp: tangent {j.Tangent:R}, expected {dot:R}.");

            // Reverse mode.
            var g = ControlFlowFunctions.EarlyReturnGradient(x);
            AssertGradient(nameof(ControlFlowFunctions.EarlyReturn),
                a => ControlFlowFunctions.EarlyReturn((double[])a[0]), [x], g.Value, g.dx);
            AssertClose("EarlyReturn gradient", expected, g.dx, 1e-13);
            AssertJvp(nameof(ControlFlowFunctions.EarlyReturn), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    /// <summary>The loop runs to its end without returning: the value comes from the final <c>return p</c>.</summary>
    [Fact]
    public void EarlyReturn_LoopRunsToTheEnd()
    {
        double[] x = [0.1, -0.2, 0.3];
        var g = ControlFlowFunctions.EarlyReturnGradient(x);
        AssertGradient(nameof(ControlFlowFunctions.EarlyReturn), a => ControlFlowFunctions.EarlyReturn((double[])a[0]), [x], g.Value, g.dx);
    }

    /// <summary>The loop returns from its second iteration.</summary>
    [Fact]
    public void EarlyReturn_ReturnsFromTheLoop()
    {
        double[] x = [1.5, 1.5, 0.3];
        var g = ControlFlowFunctions.EarlyReturnGradient(x);
        AssertGradient(nameof(ControlFlowFunctions.EarlyReturn), a => ControlFlowFunctions.EarlyReturn((double[])a[0]), [x], g.Value, g.dx);
    }

    /// <summary>
    /// Whether every decision NestedBreak takes is robust: no element within the margin of 1, no running sum within
    /// the margin of 8.
    /// </summary>
    private static bool NestedBreakIsRobust(double[,] A)
    {
        double s = 0.0;
        for (int i = 0; i < A.GetLength(0); i++)
        {
            for (int j = 0; j < A.GetLength(1); j++)
            {
                if (!Far(A[i, j], 1.0))
                {
                    return false;
                }

                if (A[i, j] > 1.0)
                {
                    break;
                }

                s += A[i, j] * A[i, j] * (i + 1);
            }

            s = (s * 0.9) + A[i, 0];
            if (!Far(s, 8.0))
            {
                return false;
            }

            if (s > 8.0)
            {
                break;
            }
        }

        return true;
    }

    [Fact]
    public void NestedBreak() =>
        (from rows in Gen.Int[1, 4]
         from columns in Gen.Int[1, 4]
         from A in Matrix(rows, columns)
         from V in Matrix(rows, columns)
         where NestedBreakIsRobust(A)
         select (A, V))
        .Sample((A, V) =>
        {
            var g = ControlFlowFunctions.NestedBreakGradient(A);
            AssertGradient(nameof(ControlFlowFunctions.NestedBreak),
                a => ControlFlowFunctions.NestedBreak((double[,])a[0]), [A], g.Value, g.dA);
            var j = ControlFlowFunctions.NestedBreakJvp(A, V);
            AssertJvp(nameof(ControlFlowFunctions.NestedBreak), j.Value, g.Value, j.Tangent, (g.dA, V));
        }, iter: Iterations);

    [Fact]
    public void NestedInnerBreak() =>
        (from rows in Gen.Int[1, 4]
         from columns in Gen.Int[1, 4]
         from A in Matrix(rows, columns)
         from V in Matrix(rows, columns)
         where A.Cast<double>().All(a => Far(a, 1.0))
         select (A, V))
        .Sample((A, V) =>
        {
            var g = ControlFlowFunctions.NestedInnerBreakGradient(A);
            AssertGradient(nameof(ControlFlowFunctions.NestedInnerBreak),
                a => ControlFlowFunctions.NestedInnerBreak((double[,])a[0]), [A], g.Value, g.dA);

            // Closed form: row i stops before its first element above 1; ∂/∂A[i, j] = 2·row_i·(sin(a + i) + a·cos(a + i)).
            for (int i = 0; i < A.GetLength(0); i++)
            {
                double row = 0.0;
                int stop = 0;
                while (stop < A.GetLength(1) && A[i, stop] <= 1.0)
                {
                    row += A[i, stop] * Math.Sin(A[i, stop] + i);
                    stop++;
                }

                for (int j = 0; j < A.GetLength(1); j++)
                {
                    double expected = j < stop ? 2.0 * row * (Math.Sin(A[i, j] + i) + (A[i, j] * Math.Cos(A[i, j] + i))) : 0.0;
                    Assert.Equal(expected, g.dA[i, j], 1e-13 * Math.Max(1.0, Math.Abs(expected)));
                }
            }

            var jvp = ControlFlowFunctions.NestedInnerBreakJvp(A, V);
            AssertJvp(nameof(ControlFlowFunctions.NestedInnerBreak), jvp.Value, g.Value, jvp.Tangent, (g.dA, V));
        }, iter: Iterations);

    /// <summary>The running values of t in StridedFor's data-dependent loop.</summary>
    private static List<double> StridedRunningT(double[] x)
    {
        var values = new List<double>();
        double t = 0.0;
        for (int i = 0; i < x.Length && t < 3.0; i++)
        {
            t += (x[i] * x[i]) + 0.25;
            values.Add(t);
        }

        return values;
    }

    [Fact]
    public void StridedFor() =>
        (from n in Gen.Int[1, 9]
         from x in Vector(n)
         from v in Vector(n)
         where StridedRunningT(x).All(t => Far(t, 3.0))
         select (x, v))
        .Sample((x, v) =>
        {
            var g = ControlFlowFunctions.StridedForGradient(x);
            AssertGradient(nameof(ControlFlowFunctions.StridedFor),
                a => ControlFlowFunctions.StridedFor((double[])a[0]), [x], g.Value, g.dx);

            // Closed form, loop by loop.
            int n = x.Length;
            var expected = new double[n];
            for (int i = 1; i < n; i += 2)
            {
                expected[i] += x[i - 1];
                expected[i - 1] += x[i];
            }

            for (int i = n - 1; i >= 0; i -= 3)
            {
                expected[i] += Math.Cos(x[i]);
            }

            var running = StridedRunningT(x);
            for (int i = 0; i < running.Count; i++)
            {
                expected[i] += 2.0 * x[i] * x[n - 1];
            }

            expected[n - 1] += running[^1];
            AssertClose("StridedFor gradient", expected, g.dx, 1e-13);

            var j = ControlFlowFunctions.StridedForJvp(x, v);
            AssertJvp(nameof(ControlFlowFunctions.StridedFor), j.Value, g.Value, j.Tangent, (g.dx, v));
        }, iter: Iterations);

    [Fact]
    public void GradientBuffersAreOverwrittenNotAccumulated()
    {
        double[] x = [0.3, -0.7, 1.1, 0.2];
        var dx = new double[] { double.NaN, 5.0, -3.0, double.NaN };
        double value = ControlFlowFunctions.StridedForGradient(x, dx);
        var fresh = ControlFlowFunctions.StridedForGradient(x);
        Assert.Equal(fresh.Value, value);
        Assert.Equal(fresh.dx, dx);

        var dA = new double[,] { { double.NaN, 1.0 }, { 2.0, double.NaN } };
        var A = new double[,] { { 0.5, 0.2 }, { -0.4, 0.9 } };
        ControlFlowFunctions.NestedBreakGradient(A, dA);
        Assert.Equal(ControlFlowFunctions.NestedBreakGradient(A).dA, dA);
    }
}
