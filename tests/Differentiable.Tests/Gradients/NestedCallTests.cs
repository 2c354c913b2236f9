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

    [Fact]
    public void DoubleGradientAndTangentAgreeWithTheGradientByHand() =>
        Gen.Select(Coordinate, Coordinate, Coordinate, Coordinate).Sample((x, y, vx, vy) =>
        {
            var (ex, ey) = ByHand(x, y);
            var value = NestedCallFunctions.NestedGradient(x, y, out var dx, out var dy);
            Assert.Equal(NestedCallFunctions.Nested(x, y), value);
            Close("∂f/∂x", ex, dx, 1e-13);
            Close("∂f/∂y", ey, dy, 1e-13);
            var (jvpValue, tangent) = NestedCallFunctions.NestedJvp(x, y, vx, vy);
            Assert.Equal(value, jvpValue);
            Close("∇f·v", (ex * vx) + (ey * vy), tangent, 1e-13);
        }, iter: Iterations);

    [Fact]
    public void FloatGradientAndTangentAgreeWithTheGradientByHandToFloatPrecision() =>
        Gen.Select(Gen.Single[-1.5f, 1.5f], Gen.Single[-1.5f, 1.5f], Gen.Single[-1.5f, 1.5f], Gen.Single[-1.5f, 1.5f]).Sample((x, y, vx, vy) =>
        {
            var (ex, ey) = ByHand(x, y);
            var value = NestedCallFunctions.NestedSingleGradient(x, y, out var dx, out var dy);
            Assert.Equal(NestedCallFunctions.NestedSingle(x, y), value);
            Close("∂f/∂x", ex, dx, 1e-5);
            Close("∂f/∂y", ey, dy, 1e-5);
            var (jvpValue, tangent) = NestedCallFunctions.NestedSingleJvp(x, y, vx, vy);
            Assert.Equal(value, jvpValue);
            Close("∇f·v", (ex * vx) + (ey * vy), tangent, 1e-5);
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
}
