using System;
using CsCheck;
using Xunit.Sdk;

namespace Differentiable.Tests.Gradients;

/// <summary><see cref="NestedCallFunctions"/>'s gradients and tangents against the gradient worked out by hand.</summary>
public class NestedCallTests
{
    private const long Iterations = 200;

    private static Gen<double> Coordinate => Gen.Double[-1.5, 1.5];

    /// <summary>
    /// With ρ = √(x² + y² + 1), r = ρ − 1, e = exp(−r²), h = tanh(xy), c = ∛(x + 2) and f_r = −2r·e·h + c:
    /// ∂f/∂x = f_r·x/ρ + e·(1 − h²)·y + r/(3c²), ∂f/∂y = f_r·y/ρ + e·(1 − h²)·x.
    /// </summary>
    private static (double Dx, double Dy) ByHand(double x, double y)
    {
        double rho = Math.Sqrt((x * x) + (y * y) + 1.0);
        double r = rho - 1.0;
        double e = Math.Exp(-r * r);
        double h = Math.Tanh(x * y);
        double c = Math.Cbrt(x + 2.0);
        double fr = (-2.0 * r * e * h) + c;
        return ((fr * x / rho) + (e * (1.0 - (h * h)) * y) + (r / (3.0 * c * c)), (fr * y / rho) + (e * (1.0 - (h * h)) * x));
    }

    private static void Close(string what, double expected, double actual, double tolerance)
    {
        if (!(Math.Abs(expected - actual) <= tolerance * Math.Max(1.0, Math.Abs(expected))))
        {
            throw new XunitException($"{what}: {actual:R}, by hand {expected:R}");
        }
    }

    /// <summary>The value is the method's, the gradient and the tangent ∇f·v the gradient by hand's.</summary>
    private static void AssertByHand(double x, double y, double vx, double vy, double method, (double Value, double Dx, double Dy) gradient, (double Value, double Tangent) jvp, double tolerance)
    {
        var (ex, ey) = ByHand(x, y);
        Assert.Equal(method, gradient.Value);
        Close("∂f/∂x", ex, gradient.Dx, tolerance);
        Close("∂f/∂y", ey, gradient.Dy, tolerance);
        Assert.Equal(gradient.Value, jvp.Value);
        Close("∇f·v", (ex * vx) + (ey * vy), jvp.Tangent, tolerance);
    }

    [Fact]
    public void DoubleGradientAndTangentAgreeWithTheGradientByHand() =>
        Gen.Select(Coordinate, Coordinate, Coordinate, Coordinate).Sample((x, y, vx, vy) =>
            AssertByHand(x, y, vx, vy, NestedCallFunctions.Nested(x, y), NestedCallFunctions.NestedGradient(x, y), NestedCallFunctions.NestedJvp(x, y, vx, vy), 1e-13),
            iter: Iterations);

    [Fact]
    public void FloatGradientAndTangentAgreeWithTheGradientByHandToFloatPrecision() =>
        Gen.Select(Gen.Single[-1.5f, 1.5f], Gen.Single[-1.5f, 1.5f], Gen.Single[-1.5f, 1.5f], Gen.Single[-1.5f, 1.5f]).Sample((x, y, vx, vy) =>
        {
            var (value, dx, dy) = NestedCallFunctions.NestedSingleGradient(x, y);
            AssertByHand(x, y, vx, vy, NestedCallFunctions.NestedSingle(x, y), (value, dx, dy), NestedCallFunctions.NestedSingleJvp(x, y, vx, vy), 1e-5);
        }, iter: Iterations);

    /// <summary>f = e^(2x·q) with q = n / k in ints where k ≠ 0, f = x where k = 0: f′ = 2q·e^(2x·q), or 1.</summary>
    [Fact]
    public void ACallGuardedAgainstADivisionByZeroIsNotEvaluatedAheadOfItsGuard() =>
        Gen.Select(Coordinate, Gen.Int[-9, 9], Gen.Int[-3, 3], Coordinate).Sample((x, n, k, v) =>
        {
            int q = k != 0 ? n / k : 0;
            double expected = k != 0 ? 2.0 * q * Math.Exp(2.0 * x * q) : 1.0;
            foreach (var (name, function, gradient, jvp) in new (string, Func<double>, Func<(double, double)>, Func<(double, double)>)[]
            {
                ("GuardedDivision", () => NestedCallFunctions.GuardedDivision(x, n, k), () => NestedCallFunctions.GuardedDivisionGradient(x, n, k), () => NestedCallFunctions.GuardedDivisionJvp(x, n, k, v)),
                ("GuardedStatements", () => NestedCallFunctions.GuardedStatements(x, n, k), () => NestedCallFunctions.GuardedStatementsGradient(x, n, k), () => NestedCallFunctions.GuardedStatementsJvp(x, n, k, v)),
            })
            {
                var (value, dx) = gradient();
                Assert.Equal(function(), value);
                Close($"{name} at k = {k}: ∂f/∂x", expected, dx, 1e-13);
                var (jvpValue, tangent) = jvp();
                Assert.Equal(value, jvpValue);
                Close($"{name} at k = {k}: ∇f·v", expected * v, tangent, 1e-13);
            }
        }, iter: Iterations);

    /// <summary>1 − tanh²(x) = 1/cosh²(x), here with cosh in double: no cancellation at |x| up to 10.</summary>
    [Fact]
    public void AFloatTanhsDerivativeKeepsItsPrecisionWhereTheTanhSaturates() =>
        Gen.Single[-10f, 10f].Sample(x =>
        {
            double expected = 1.0 / (Math.Cosh(x) * Math.Cosh(x));
            var (_, dx) = NestedCallFunctions.SaturatedTanhGradient(x);
            var (_, tangent) = NestedCallFunctions.SaturatedTanhJvp(x, 1f);
            var (_, local) = NestedCallFunctions.SaturatedTanhLocalGradient(x);
            var (_, localTangent) = NestedCallFunctions.SaturatedTanhLocalJvp(x, 1f);
            foreach (var (what, actual) in new[] { ("gradient", dx), ("tangent", tangent), ("gradient through a float local", local), ("tangent through a float local", localTangent) })
            {
                if (!(Math.Abs(actual - expected) <= 1e-6 * expected))
                {
                    throw new XunitException($"{what} at x = {x:R}: {actual:R}, 1/cosh²(x) = {expected:R}");
                }
            }
        }, iter: Iterations);
}
