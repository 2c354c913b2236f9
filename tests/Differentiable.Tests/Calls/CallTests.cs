using System;

namespace Differentiable.Tests.Calls;

public static partial class Chained
{
    [Differentiate]
    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    [Differentiate]
    public static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    /// <summary>−log σ(w·x) + 0.01·w·w, each piece its own [Differentiate] method.</summary>
    [Differentiate(nameof(w))]
    public static double Loss(double[] w, double[] x) => -Math.Log(Sigmoid(Dot(w, x))) + (0.01 * Dot(w, w));

    /// <summary>A body without [Differentiate]: differentiated through its body.</summary>
    private static double Softplus(double z) => Math.Log(1 + Math.Exp(z));

    [Differentiate]
    public static double ThroughBody(double a, double b) => Softplus(a * b) + Softplus(a - b);

    /// <summary>Uses a function the generator cannot see through, with a rule declared in another type.</summary>
    [Differentiate]
    public static double UsesBitTrick(double y) => Math.Sin(Opaque.Square(y)) + (3 * y);

    /// <summary>
    /// A ruled function called only where k ≠ 0: the JVP evaluates the rule's gradient ahead of the statement, and
    /// must do so under the same guard (unguarded, its argument divided by k = 0).
    /// </summary>
    [Differentiate(nameof(y))]
    public static double GuardedRule(double y, int k) => k != 0 ? Opaque.Square(y * (10 / k)) : y;

    /// <summary>Σ a[i]·tanh(b[i]) / n, differentiated through its body.</summary>
    private static double Weighted(double[] a, double[] b, int n)
    {
        double s = 0.0;
        for (int i = 0; i < n; i++)
        {
            s += a[i] * Math.Tanh(b[i]);
        }

        return s / n;
    }

    /// <summary>
    /// An array handed to a call, then overwritten in place: the call's reverse must see the elements as they were at
    /// the call, so the overwrite saves them.
    /// </summary>
    [Differentiate]
    public static double OverwrittenAfterCall(double[] x)
    {
        int n = x.Length;
        double[] t = new double[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = x[i] * x[i];
        }

        double p = Weighted(t, x, n);
        for (int i = 0; i < n; i++)
        {
            t[i] = (2.0 * t[i]) + 1.0;
        }

        double sum = p;
        for (int i = 0; i < n; i++)
        {
            sum += 0.25 * t[i] * t[i];
        }

        return sum;
    }
}

/// <summary>Squares by way of the bit pattern: nothing the generator can differentiate.</summary>
public static class Opaque
{
    public static double Square(double v) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(v)) * v;
}

public static class OpaqueRules
{
    [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
    public static double SquareGradient(double v, out double dv)
    {
        dv = 2 * v;
        return v * v;
    }
}

public sealed class CallTests
{
    [Fact]
    public void ChainedDifferentiateMethodsMatchFiniteDifferences()
    {
        var random = new Random(4);
        for (int trial = 0; trial < 30; trial++)
        {
            var w = new double[4];
            var x = new double[4];
            for (int i = 0; i < 4; i++)
            {
                w[i] = (random.NextDouble() * 2) - 1;
                x[i] = (random.NextDouble() * 2) - 1;
            }

            var (value, dw) = Chained.LossGradient(w, x);
            Assert.True(Values.Agree(Chained.Loss(w, x), value), "value");
            for (int k = 0; k < 4; k++)
            {
                var plus = (double[])w.Clone();
                var minus = (double[])w.Clone();
                plus[k] += 1e-6;
                minus[k] -= 1e-6;
                var fd = (Chained.Loss(plus, x) - Chained.Loss(minus, x)) / 2e-6;
                Assert.True(Math.Abs(fd - dw[k]) <= 1e-6 * Math.Max(1, Math.Abs(fd)), $"dw[{k}] = {dw[k]}, fd {fd}");

                // Closed form: (σ(w·x) − 1)·x + 0.02·w
                var s = 1 / (1 + Math.Exp(-Chained.Dot(w, x)));
                Near.Equal(((s - 1) * x[k]) + (0.02 * w[k]), dw[k], 12);
            }

            var direction = new[] { 1.0, -2.0, 0.5, 3.0 };
            Near.Equal(Chained.Dot(dw, direction), Chained.LossJvp(w, x, direction).Tangent, 12);
        }
    }

    [Fact]
    public void CallsWithoutDifferentiateAreDifferentiatedThroughTheirBodies()
    {
        foreach (var (a, b) in new[] { (0.5, -1.2), (2.0, 0.3), (-0.7, -0.7) })
        {
            var (_, da, db) = Chained.ThroughBodyGradient(a, b);
            double Sig(double z) => 1 / (1 + Math.Exp(-z));
            Near.Equal((Sig(a * b) * b) + Sig(a - b), da, 12);
            Near.Equal((Sig(a * b) * a) - Sig(a - b), db, 12);
        }
    }

    [Fact]
    public void AnArrayOverwrittenAfterACallIsSeenByTheCallsReverseAsItWas()
    {
        var random = new Random(8);
        foreach (var n in new[] { 1, 2, 5, 9 })
        {
            var x = new double[n];
            for (int i = 0; i < n; i++) x[i] = (random.NextDouble() * 2) - 1;
            var (value, dx) = Chained.OverwrittenAfterCallGradient(x);
            Near.Equal(Chained.OverwrittenAfterCall(x), value, 12);
            for (int k = 0; k < n; k++)
            {
                // d/dx_k of Σ x_i² tanh(x_i) / n + ¼ Σ (2x_i² + 1)², in closed form.
                var t = x[k] * x[k];
                var analytic = (((2 * x[k] * Math.Tanh(x[k])) + (t * (1 - (Math.Tanh(x[k]) * Math.Tanh(x[k]))))) / n) + (((2 * t) + 1) * 2 * x[k]);
                Near.Equal(analytic, dx[k], 11);
            }
        }
    }

    [Fact]
    public void ARuledCallUnderAGuardIsDifferentiatedOnlyWhereTheGuardHolds()
    {
        foreach (var (y, k) in new[] { (0.7, 0), (-1.5, 0), (0.7, 3), (-1.5, -4) })
        {
            var scale = k != 0 ? 10 / k : 0;
            var expected = k != 0 ? 2.0 * y * scale * scale : 1.0;
            var (value, dy) = Chained.GuardedRuleGradient(y, k);
            var (jvpValue, tangent) = Chained.GuardedRuleJvp(y, k, 1.0);
            Assert.Equal(Chained.GuardedRule(y, k), value);
            Assert.Equal(value, jvpValue);
            Near.Equal(expected, dy, 14);
            Near.Equal(expected, tangent, 14);
        }
    }

    [Fact]
    public void DerivativeOfRuleIsUsedExactly()
    {
        foreach (var y in new[] { -1.5, 0.0, 0.7, 2.7 })
        {
            var (value, dy) = Chained.UsesBitTrickGradient(y);
            Assert.Equal(Chained.UsesBitTrick(y), value);
            Near.Equal((Math.Cos(y * y) * 2 * y) + 3, dy, 14);
            Near.Equal(dy, Chained.UsesBitTrickJvp(y, 1.0).Tangent, 14);
        }
    }
}
