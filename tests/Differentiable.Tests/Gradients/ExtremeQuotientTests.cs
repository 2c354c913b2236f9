using System;
namespace Differentiable.Tests.Gradients;

/// <summary>
/// Quotients whose denominators lie past 1e±154, where r·r overflows or underflows: ∂(l/r)/∂r = −l/r² must be computed
/// without squaring r. A sigmoid 1/(1 + e^−z) scored at z = −400 is such a quotient (1 + e⁴⁰⁰ ≈ 5e173).
/// </summary>
public static partial class ExtremeQuotientFunctions
{
    [Differentiate]
    public static double Quotient(double l, double r) => l / r;

    [Differentiate(nameof(r), Hessian = true)]
    public static double QuotientOfDenominator(double l, double r) => l / r;

    [Differentiate]
    public static double SigmoidCrossEntropy(double[] z, double[] y)
    {
        double loss = 0.0;
        for (int i = 0; i < z.Length; i++)
        {
            double p = 1.0 / (1.0 + Math.Exp(-z[i]));
            loss -= y[i] * Math.Log(p);
        }

        return loss;
    }

    /// <summary>Element-wise quotients: a diagonal Jacobian from the structure pass.</summary>
    [Differentiate]
    public static double[] ElementQuotients(double[] a, double[] b)
    {
        var q = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            q[i] = a[i] / b[i];
        }

        return q;
    }

    /// <summary>Straight-line quotients: a Jacobian written entry by entry.</summary>
    [Differentiate]
    public static double[] TwoQuotients(double[] x)
    {
        var q = new double[2];
        q[0] = x[0] / x[1];
        q[1] = x[2] / x[1];
        return q;
    }
}

public class ExtremeQuotientTests
{
    private const double Tolerance = 1e-14;

    // (l, r) with r·r out of range (or denormal) while l/r and l/r² are ordinary numbers.
    public static TheoryData<double, double> Quotients => new()
    {
        { 1e-170, 1e-170 },
        { 3e-170, -2e-160 },
        { 1e-300, 1e-160 },
        { 1e170, 1e170 },
        { -5e200, 2e160 },
        { 0.0, 1e-170 },
        { 2.5, 4.0 },
    };

    [Theory]
    [MemberData(nameof(Quotients))]
    public void QuotientGradientAndTangentAreFiniteAndExact(double l, double r)
    {
        var (value, dl, dr) = ExtremeQuotientFunctions.QuotientGradient(l, r);
        AssertRelative("l/r", l / r, value);
        AssertRelative("∂(l/r)/∂l = 1/r", 1.0 / r, dl);
        AssertRelative("∂(l/r)/∂r = −l/r²", -(l / r) / r, dr);

        double tl = 0.75, tr = -1.25;
        var (_, tangent) = ExtremeQuotientFunctions.QuotientJvp(l, r, tl, tr);
        AssertRelative("JVP", (tl - (l / r) * tr) / r, tangent);
    }

    [Theory]
    [InlineData(1e-300, 1e-160)]
    [InlineData(-5e200, 2e160)]
    [InlineData(2.5, 4.0)]
    public void QuotientHessianIsExactWhereRSquaredIsOutOfRange(double l, double r)
    {
        var (_, hessian) = ExtremeQuotientFunctions.QuotientOfDenominatorHessian(l, r);
        AssertRelative("∂²(l/r)/∂r² = 2l/r³", 2.0 * ((l / r) / r) / r, hessian[0, 0]);
    }

    [Fact]
    public void SigmoidFarOnTheWrongSideKeepsItsGradient()
    {
        // z from −700 to 3 (e^−z stays finite), labels 1 and 0; ∂L/∂zᵢ = σ(zᵢ)·(…) − yᵢ(1 − σ(zᵢ)) = −yᵢ(1 − σ(zᵢ)).
        var random = new Random(20);
        foreach (var n in new[] { 1, 3, 9, 17 })
        {
            var z = new double[n];
            var y = new double[n];
            for (int i = 0; i < n; i++)
            {
                z[i] = i % 3 == 2 ? 3.0 * random.NextDouble() - 1.0 : -160.0 - 540.0 * random.NextDouble();
                y[i] = i % 4 == 3 ? 0.0 : 1.0;
            }

            var (value, dz, dy) = ExtremeQuotientFunctions.SigmoidCrossEntropyGradient(z, y);
            double expectedValue = 0.0;
            for (int i = 0; i < n; i++)
            {
                double p = 1.0 / (1.0 + Math.Exp(-z[i]));
                expectedValue -= y[i] * Math.Log(p);
                AssertRelative($"n = {n}: ∂L/∂z[{i}] at z = {z[i]:R}", -y[i] * (1.0 - p), dz[i]);
                AssertRelative($"n = {n}: ∂L/∂y[{i}]", -Math.Log(p), dy[i]);
            }

            AssertRelative($"n = {n}: value", expectedValue, value);
        }
    }

    [Theory]
    [MemberData(nameof(Quotients))]
    public void ElementQuotientJacobianVjpAndJvpAreFiniteAndExact(double l, double r)
    {
        var a = new[] { l, 2.0 * l, 1.0 };
        var b = new[] { r, r, 3.0 };
        var (_, da, db) = ExtremeQuotientFunctions.ElementQuotientsJacobian(a, b);
        var seed = new[] { 0.5, -2.0, 1.5 };
        var (vjpA, vjpB) = (new double[3], new double[3]);
        ExtremeQuotientFunctions.ElementQuotientsVjp(a, b, seed, vjpA, vjpB);
        var (_, tangent) = ExtremeQuotientFunctions.ElementQuotientsJvp(a, b, seed, seed);
        for (int i = 0; i < 3; i++)
        {
            double q = a[i] / b[i];
            for (int k = 0; k < 3; k++)
            {
                AssertRelative($"∂q[{i}]/∂a[{k}]", i == k ? 1.0 / b[i] : 0.0, da[i, k]);
                AssertRelative($"∂q[{i}]/∂b[{k}]", i == k ? -(q / b[i]) : 0.0, db[i, k]);
            }

            AssertRelative($"VJP a[{i}]", seed[i] / b[i], vjpA[i]);
            AssertRelative($"VJP b[{i}]", -(seed[i] / b[i]) * q, vjpB[i]);
            AssertRelative($"JVP [{i}]", (seed[i] - q * seed[i]) / b[i], tangent[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Quotients))]
    public void StraightLineQuotientJacobianIsFiniteAndExact(double l, double r)
    {
        var x = new[] { l, r, -l };
        var (_, dx) = ExtremeQuotientFunctions.TwoQuotientsJacobian(x);
        double q = l / r;
        var expected = new double[,] { { 1.0 / r, -(q / r), 0.0 }, { 0.0, q / r, 1.0 / r } };
        for (int i = 0; i < 2; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                AssertRelative($"∂q[{i}]/∂x[{k}] ({dx.Structure})", expected[i, k], dx[i, k]);
            }
        }
    }

    private static void AssertRelative(string what, double expected, double actual)
    {
        Assert.True(double.IsFinite(expected), $"{what}: the expected value {expected:R} is not finite; the test's inputs are wrong");
        double error = Math.Abs(actual - expected);
        Assert.True(error <= Tolerance * Math.Abs(expected) || error <= double.Epsilon, $"{what}: {actual:R}, expected {expected:R}");
    }
}
