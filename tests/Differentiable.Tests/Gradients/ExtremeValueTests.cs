using System;
namespace Differentiable.Tests.Gradients;

/// <summary>
/// Derivatives whose textbook formulas square a value past 1e±154 (x/(x² + y²), l/r², 1/√(x² + 1)) or take the
/// reciprocal of a subnormal, while the derivative itself is an ordinary number. A sigmoid 1/(1 + e^−z) scored at
/// z = −400 is such a quotient (1 + e⁴⁰⁰ ≈ 5e173).
/// </summary>
public static partial class ExtremeValueFunctions
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

    [Differentiate(Hessian = true)]
    public static double Angle(double y, double x) => Math.Atan2(y, x);

    [Differentiate]
    public static double InverseHyperbolic(double a, double c) => Math.Asinh(a) + Math.Acosh(c);

    [Differentiate(Hessian = true)]
    public static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    [Differentiate(Hessian = true)]
    public static double Softplus(double z) => Math.Log(1.0 + Math.Exp(z));

    [Differentiate]
    public static double EntropyTerm(double x) => x * Math.Log(x);

    /// <summary>Straight-line sigmoids: a Jacobian written entry by entry.</summary>
    [Differentiate]
    public static double[] ThreeSigmoids(double[] z)
    {
        var p = new double[3];
        p[0] = 1.0 / (1.0 + Math.Exp(-z[0]));
        p[1] = 1.0 / (1.0 + Math.Exp(-z[1]));
        p[2] = 1.0 / (1.0 + Math.Exp(-z[2]));
        return p;
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

public class ExtremeValueTests
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
        var (value, dl, dr) = ExtremeValueFunctions.QuotientGradient(l, r);
        AssertRelative("l/r", l / r, value);
        AssertRelative("∂(l/r)/∂l = 1/r", 1.0 / r, dl);
        AssertRelative("∂(l/r)/∂r = −l/r²", -(l / r) / r, dr);

        double tl = 0.75, tr = -1.25;
        var (_, tangent) = ExtremeValueFunctions.QuotientJvp(l, r, tl, tr);
        AssertRelative("JVP", (tl - (l / r) * tr) / r, tangent);
    }

    [Theory]
    [InlineData(1e-300, 1e-160)]
    [InlineData(-5e200, 2e160)]
    [InlineData(2.5, 4.0)]
    public void QuotientHessianIsExactWhereRSquaredIsOutOfRange(double l, double r)
    {
        var (_, hessian) = ExtremeValueFunctions.QuotientOfDenominatorHessian(l, r);
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

            var (value, dz, dy) = ExtremeValueFunctions.SigmoidCrossEntropyGradient(z, y);
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
        var (_, da, db) = ExtremeValueFunctions.ElementQuotientsJacobian(a, b);
        var seed = new[] { 0.5, -2.0, 1.5 };
        var (vjpA, vjpB) = (new double[3], new double[3]);
        ExtremeValueFunctions.ElementQuotientsVjp(a, b, seed, vjpA, vjpB);
        var (_, tangent) = ExtremeValueFunctions.ElementQuotientsJvp(a, b, seed, seed);
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
        var (_, dx) = ExtremeValueFunctions.TwoQuotientsJacobian(x);
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

    [Theory]
    [InlineData(1e200, 1e200)]
    [InlineData(1e-200, 1e-200)]
    [InlineData(3e-170, 4e-170)]
    [InlineData(-3e-100, 4e-100)]
    [InlineData(1e300, 1.0)]
    [InlineData(2.5, -4.0)]
    public void Atan2GradientTangentAndHessianNeverSquareTheArguments(double y, double x)
    {
        // Closed forms evaluated on y/s and x/s for a power of two s (exact), then scaled back.
        double s = Math.ScaleB(1.0, Math.ILogB(Math.Max(Math.Abs(x), Math.Abs(y))));
        double ys = y / s, xs = x / s, r2 = (xs * xs) + (ys * ys);
        var (value, dy, dx) = ExtremeValueFunctions.AngleGradient(y, x);
        Assert.Equal(Math.Atan2(y, x), value);
        AssertRelative("∂atan2/∂y = x/(x² + y²)", xs / r2 / s, dy);
        AssertRelative("∂atan2/∂x = −y/(x² + y²)", -ys / r2 / s, dx);
        var (_, tangent) = ExtremeValueFunctions.AngleJvp(y, x, 0.5, 0.5);
        AssertRelative("JVP", 0.5 * (xs - ys) / r2 / s, tangent);
        double scaledSquare = s * s;
        if (double.IsNormal(1.0 / (r2 * r2 * scaledSquare)) && double.IsNormal(r2 * r2 * scaledSquare))
        {
            var (_, hessian) = ExtremeValueFunctions.AngleHessian(y, x);
            AssertRelative("∂²/∂y² = −2xy/(x² + y²)²", -2.0 * xs * ys / (r2 * r2) / scaledSquare, hessian[0, 0]);
            AssertRelative("∂²/∂x² = 2xy/(x² + y²)²", 2.0 * xs * ys / (r2 * r2) / scaledSquare, hessian[1, 1]);
            AssertRelative("∂²/∂y∂x = (y² − x²)/(x² + y²)²", ((ys * ys) - (xs * xs)) / (r2 * r2) / scaledSquare, hessian[0, 1]);
        }
    }

    [Theory]
    [InlineData(1.0, 0.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(-0.0, -1.0)]
    [InlineData(1.0, -1.0)]
    [InlineData(0.3, 2.0)]
    public void Atan2HessianOnTheAxesAndDiagonals(double y, double x)
    {
        // H = [[−2xy, y² − x²], [y² − x², 2xy]]/(x² + y²)²: 1/(x + y·(y/x)) alone gave ∞·0 = NaN on the axis x = 0.
        var (_, hessian) = ExtremeValueFunctions.AngleHessian(y, x);
        double r4 = ((x * x) + (y * y)) * ((x * x) + (y * y));
        var expected = new[,] { { -2.0 * x * y / r4, ((y * y) - (x * x)) / r4 }, { ((y * y) - (x * x)) / r4, 2.0 * x * y / r4 } };
        for (int k = 0; k < 2; k++)
        {
            for (int l = 0; l < 2; l++)
            {
                Assert.True(Math.Abs(hessian[k, l] - expected[k, l]) <= 1e-12, $"H[{k}, {l}] at (y, x) = ({y}, {x}): {hessian[k, l]:R}, expected {expected[k, l]:R}");
            }
        }
    }

    [Theory]
    [InlineData(1e160, 1e200)]
    [InlineData(-1e300, 3e160)]
    [InlineData(0.75, 1.25)]
    public void InverseHyperbolicGradientsPastTheSquaresRange(double a, double c)
    {
        var (_, da, dc) = ExtremeValueFunctions.InverseHyperbolicGradient(a, c);
        // 1/√(a² + 1) and 1/√(c² − 1), equal to 1/|a| and 1/c to double precision past 2²⁷.
        AssertRelative("∂asinh/∂a", Math.Abs(a) > 1e8 ? 1.0 / Math.Abs(a) : 1.0 / Math.Sqrt((a * a) + 1.0), da);
        AssertRelative("∂acosh/∂c", c > 1e8 ? 1.0 / c : 1.0 / Math.Sqrt((c * c) - 1.0), dc);
    }

    [Theory]
    [InlineData(-400.0)]
    [InlineData(-700.0)]
    [InlineData(-30.0)]
    [InlineData(0.5)]
    public void SigmoidHessianAndJacobianFarOnTheWrongSide(double z)
    {
        // σ″ = σ(1 − σ)(1 − 2σ); σ′ = σ(1 − σ). At z = −400, σ ≈ e⁻⁴⁰⁰ ≈ 1.9e-174.
        double p = 1.0 / (1.0 + Math.Exp(-z));
        var (_, hessian) = ExtremeValueFunctions.SigmoidHessian(z);
        AssertRelative("σ″", p * (1.0 - p) * (1.0 - (2.0 * p)), hessian[0, 0], 1e-12);
        var (_, dz) = ExtremeValueFunctions.ThreeSigmoidsJacobian(new[] { z, 0.0, -z });
        AssertRelative($"∂σ/∂z ({dz.Structure})", p * (1.0 - p), dz[0, 0], 1e-12);
    }

    [Theory]
    [InlineData(400.0)]
    [InlineData(700.0)]
    public void SoftplusHessianFarOnTheFlatSideIsTiny(double z)
    {
        // σ(z)(1 − σ(z)) ≈ e⁻ᶻ: below 1e-170. It was 1, from (u/v)/v underflowing where vₖ = e⁴⁰⁰ brings it back.
        var (_, hessian) = ExtremeValueFunctions.SoftplusHessian(z);
        Assert.True(Math.Abs(hessian[0, 0]) < 1e-170, $"softplus″({z}) = {hessian[0, 0]:R}");
    }

    [Theory]
    [InlineData(1e-310)]
    [InlineData(double.Epsilon)]
    [InlineData(1e-300)]
    [InlineData(2.0)]
    public void EntropyTermGradientAtSubnormalArguments(double x)
    {
        // ∂(x ln x) = ln x + 1: the seed over x, never the seed times 1/x (∞ for a subnormal x).
        var (_, dx) = ExtremeValueFunctions.EntropyTermGradient(x);
        AssertRelative("∂(x ln x)/∂x", Math.Log(x) + 1.0, dx, 1e-12);
    }

    private static void AssertRelative(string what, double expected, double actual, double tolerance)
    {
        Assert.True(double.IsFinite(expected), $"{what}: the expected value {expected:R} is not finite; the test's inputs are wrong");
        double error = Math.Abs(actual - expected);
        Assert.True(error <= tolerance * Math.Abs(expected), $"{what}: {actual:R}, expected {expected:R}");
    }

    private static void AssertRelative(string what, double expected, double actual)
    {
        Assert.True(double.IsFinite(expected), $"{what}: the expected value {expected:R} is not finite; the test's inputs are wrong");
        double error = Math.Abs(actual - expected);
        Assert.True(error <= Tolerance * Math.Abs(expected) || error <= double.Epsilon, $"{what}: {actual:R}, expected {expected:R}");
    }
}
