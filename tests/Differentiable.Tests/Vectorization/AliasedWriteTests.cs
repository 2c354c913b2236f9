using System;
using System.Linq;
using Xunit;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// <see cref="AliasedWriteFunctions"/>: each companion's value is the method's, and its derivative is the central
/// difference of the method (the method itself is the independent truth: the generator never rewrites it).
/// </summary>
public class AliasedWriteTests
{
    private static double[] Central(Func<double[], double> f, double[] at)
    {
        var gradient = new double[at.Length];
        for (var k = 0; k < at.Length; k++)
        {
            var (plus, minus) = ((double[])at.Clone(), (double[])at.Clone());
            plus[k] += 1e-6;
            minus[k] -= 1e-6;
            gradient[k] = (f(plus) - f(minus)) / 2e-6;
        }

        return gradient;
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) <= 1e-5 * Math.Max(1.0, Math.Abs(expected[k])), $"[{k}]: {actual[k]:R}, central differences give {expected[k]:R}");
        }
    }

    private static double Along(double[] gradient, double[] direction) => gradient.Zip(direction, (g, v) => g * v).Sum();

    /// <summary>The gradient's and the JVP's values are the method's; the gradient and the tangent its central differences.</summary>
    private static void AssertCompanionsAgree(
        Func<double[], double> method, Func<double[], (double Value, double[] Gradient)> gradient, Func<double[], double[], (double Value, double Tangent)> jvp, double[] x, double[] direction)
    {
        var value = method(x);
        var (gradientValue, dx) = gradient(x);
        var (jvpValue, tangent) = jvp(x, direction);
        Assert.Equal(value, gradientValue, 12);
        Assert.Equal(value, jvpValue, 12);
        var central = Central(method, x);
        AssertClose(central, dx);
        Assert.Equal(Along(central, direction), tangent, 5);
    }

    [Fact]
    public void SumReadingItsTarget_IsNotSplitIntoUpdatesThatSeeEachOther() =>
        AssertCompanionsAgree(
            AliasedWriteFunctions.SumReadingItsTarget,
            x => AliasedWriteFunctions.SumReadingItsTargetGradient(x),
            (x, v) => AliasedWriteFunctions.SumReadingItsTargetJvp(x, v),
            new[] { 0.5, -0.25, 1.0 },
            new[] { 1.0, -2.0, 0.5 });

    [Fact]
    public void RowIndexFromUpdatedVector_SeesTheUpdateBeforeIndexing()
    {
        var W = new double[,] { { 2, 1, 0.5 }, { 2, 0.25, 1 }, { 2, -1, 0.5 } };
        var x = new[] { 0.5, -0.25, 1.0 };
        var p = new[] { 1.0 };
        var value = AliasedWriteFunctions.RowIndexFromUpdatedVector(W, x, p);
        var (gradientValue, dp) = AliasedWriteFunctions.RowIndexFromUpdatedVectorGradient(W, x, p);
        Assert.Equal(value, gradientValue, 12);
        Assert.Equal(value / p[0], dp[0], 12);
        Assert.Equal(value, AliasedWriteFunctions.RowIndexFromUpdatedVectorJvp(W, x, p, new[] { 1.0 }).Value, 12);
    }

    [Fact]
    public void TanhLoopBoundedByStoredElement_MapsTheRowsItRan()
    {
        var x = Enumerable.Range(1, 10).Select(k => 0.3 * k).ToArray();
        var p = new[] { 1.0 };
        var value = AliasedWriteFunctions.TanhLoopBoundedByStoredElement(x, p);
        // Lowered by 3 each row, v[0] stops the loop after 3 rows (10, 7, 4 > i; 1 ≤ 3).
        Assert.Equal(Math.Tanh(0.3) + Math.Tanh(0.6) + Math.Tanh(0.9), value, 14);
        Assert.Equal(value, AliasedWriteFunctions.TanhLoopBoundedByStoredElementGradient(x, p).Value, 12);
        Assert.Equal(value, AliasedWriteFunctions.TanhLoopBoundedByStoredElementGradient(x, p).dp[0], 12);
        Assert.Equal(value, AliasedWriteFunctions.TanhLoopBoundedByStoredElementJvp(x, p, new[] { 1.0 }).Value, 12);
    }

    [Fact]
    public void ExpOfElementStoredUnderAnotherName_IsEvaluatedAtEachSite() =>
        AssertCompanionsAgree(
            AliasedWriteFunctions.ExpOfElementStoredUnderAnotherName,
            x => AliasedWriteFunctions.ExpOfElementStoredUnderAnotherNameGradient(x),
            (x, v) => AliasedWriteFunctions.ExpOfElementStoredUnderAnotherNameJvp(x, v),
            new[] { 0.5, -0.25, 1.0 },
            new[] { 0.25, 1.0, -1.0 });

    [Fact]
    public void LoopBoundedByElementStoredUnderAnotherName_RunsItsThreeIterationsBackwards()
    {
        var a = new[] { 1.5 };
        // Three iterations of s += a²: 3a², whose derivative is 6a = 9.
        Assert.Equal(3 * 1.5 * 1.5, AliasedWriteFunctions.LoopBoundedByElementStoredUnderAnotherName(a));
        var (value, da) = AliasedWriteFunctions.LoopBoundedByElementStoredUnderAnotherNameGradient(a);
        Assert.Equal(3 * 1.5 * 1.5, value);
        Assert.Equal(9.0, da[0], 12);
        Assert.Equal(9.0, AliasedWriteFunctions.LoopBoundedByElementStoredUnderAnotherNameJvp(a, new[] { 1.0 }).Tangent, 12);
    }
}
