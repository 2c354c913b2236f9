using System;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// The numerically careful functions losses and geometry are written with: <c>double.LogP1</c> (softplus, log-loss),
/// <c>double.ExpM1</c>, <c>double.Hypot</c> (a norm without overflow) and <c>Math.CopySign</c>, in double and float.
/// Each was DIFF007, which told the user to write a rule.
/// </summary>
public static partial class StableFunctions
{
    /// <summary>Softplus, a log-loss term, a distance and a signed magnitude, with a Hessian.</summary>
    [Differentiate(Hessian = true)]
    public static double Mixed(double x, double y) =>
        double.LogP1(double.Exp(x)) + (y * double.ExpM1(0.5 * x)) + double.Hypot(x, 2.0 * y) + Math.CopySign(x * x, y - 0.25)
        + double.CopySign(y, x);

    [Differentiate]
    public static double ExpM1Only(double u) => double.ExpM1(u);

    [Differentiate]
    public static float Single(float x, float y) => float.LogP1(x * x) + float.ExpM1(y) * float.Hypot(x, y) + MathF.CopySign(x, y);

    /// <summary>Elementwise over an array: a diagonal Jacobian.</summary>
    [Differentiate]
    public static double[] Softplus(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = double.LogP1(double.Exp(x[i])) + double.ExpM1(-x[i]);
        }

        return y;
    }

    /// <summary>Σ hypot(x[i], z[i]), a sum of norms.</summary>
    [Differentiate]
    public static double Norms(double[] x, double[] z)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += double.Hypot(x[i], z[i]);
        }

        return s;
    }
}

public class StableFunctionTests
{
    private static double Sign(double v) => v >= 0.0 ? 1.0 : -1.0;

    [Fact]
    public void MixedMatchesItsAnalyticGradientAndAFiniteDifferenceHessian()
    {
        var random = new Random(31);
        for (int trial = 0; trial < 40; trial++)
        {
            double x = (4.0 * random.NextDouble()) - 2.0, y = (4.0 * random.NextDouble()) - 2.0;
            if (Math.Abs(y - 0.25) < 1e-3 || Math.Abs(x) < 1e-3)
            {
                continue;
            }

            var (value, dx, dy) = StableFunctions.MixedGradient(x, y);
            Assert.Equal(StableFunctions.Mixed(x, y), value);
            double h = Math.Sqrt((x * x) + (4.0 * y * y)), sigmoid = 1.0 / (1.0 + Math.Exp(-x));
            double expectedDx = sigmoid + (0.5 * y * Math.Exp(0.5 * x)) + (x / h) + (2.0 * x * Sign(y - 0.25));
            double expectedDy = double.ExpM1(0.5 * x) + (4.0 * y / h) + (Sign(y) * Sign(x));
            Near.Equal(expectedDx, dx, 12);
            Near.Equal(expectedDy, dy, 12);
            var (_, tangent) = StableFunctions.MixedJvp(x, y, 0.5, -2.0);
            Near.Equal((0.5 * dx) - (2.0 * dy), tangent, 12);

            var (_, hessian) = StableFunctions.MixedHessian(x, y);
            var args = new object[] { x, y };
            for (int k = 0; k < 2; k++)
            {
                double Partial(object[] a) => StableFunctions.MixedGradient((double)a[0], (double)a[1]) switch
                {
                    var g => k == 0 ? g.dx : g.dy,
                };
                for (int l = 0; l < 2; l++)
                {
                    AssertClose($"H[{k}, {l}]", Central(Partial, args, l, 0), hessian[k, l], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void AtTheOriginHypotsDerivativeIsZeroAndCopySignsIsItsSigns()
    {
        // hypot at (0, 0) takes the least-norm subgradient, 0; copysign(x, y) is sign(x)·sign(y) in x (1 at x = 0, as |x|′).
        var (_, dx, dz) = StableFunctions.NormsGradient(new[] { 0.0, 3.0 }, new[] { 0.0, -4.0 });
        Assert.Equal(new[] { 0.0, 0.6 }, dx);
        Assert.Equal(new[] { 0.0, -0.8 }, dz);
        // Mixed at (0, 1): ∂y = expm1(0) + 4y/hypot(0, 2y) + sign(y)·sign(0) = 0 + 2 + 1.
        Assert.Equal(3.0, StableFunctions.MixedGradient(0.0, 1.0).dy);

        // Single at (0, −1): ∂x = 0 + 0 + sign(0)·sign(−1).
        Assert.Equal(-1f, StableFunctions.SingleGradient(0f, -1f).dx);
    }

    [Fact]
    public void ExpM1sDerivativeKeepsItsPrecisionForNegativeArguments()
    {
        // exp(u), not expm1(u) + 1, which cancels: 0 at u = −40 for 4.2e-18.
        foreach (var u in new[] { -1.0, -20.0, -30.0, -40.0 })
        {
            var (value, du) = StableFunctions.ExpM1OnlyGradient(u);
            Assert.Equal(double.ExpM1(u), value);
            Assert.Equal(Math.Exp(u), du);
        }
    }

    [Fact]
    public void HypotOfHugeArgumentsHasAFiniteGradient()
    {
        // x² overflows past 1.3e154: the derivative is read from hypot's value, not from √(x² + z²).
        var (value, dx, dz) = StableFunctions.NormsGradient(new[] { 3e200 }, new[] { -4e200 });
        Assert.Equal(5e200, value, 1e186);
        Assert.Equal(0.6, dx[0], 14);
        Assert.Equal(-0.8, dz[0], 14);
    }

    [Fact]
    public void FloatSpellingsMatchTheDoubleFunctionDifferentiatedByHand()
    {
        var random = new Random(37);
        for (int trial = 0; trial < 30; trial++)
        {
            float x = (float)((3.0 * random.NextDouble()) - 1.5), y = (float)((3.0 * random.NextDouble()) - 1.5);
            if (Math.Abs(y) < 1e-2)
            {
                continue;
            }

            var (value, dx, dy) = StableFunctions.SingleGradient(x, y);
            Assert.Equal(StableFunctions.Single(x, y), value);
            double xd = x, yd = y, h = Math.Sqrt((xd * xd) + (yd * yd)), e = double.ExpM1(yd);
            Assert.Equal((2.0 * xd / (1.0 + (xd * xd))) + (e * xd / h) + (Sign(xd) * Sign(yd)), dx, 1e-4);
            Assert.Equal(((e + 1.0) * h) + (e * yd / h), dy, 1e-4);
        }
    }

    [Fact]
    public void AnElementwiseMapHasADiagonalJacobianAgainstFiniteDifferences()
    {
        var random = new Random(41);
        var x = new double[7];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (4.0 * random.NextDouble()) - 2.0;
        }

        var (value, dx) = StableFunctions.SoftplusJacobian(x);
        Assert.Equal(StableFunctions.Softplus(x), value);
        Assert.Equal(JacobianStructure.Diagonal, dx.Structure);
        var expected = CentralJacobian(a => StableFunctions.Softplus((double[])a[0]), new object[] { x }, 0);
        for (int i = 0; i < x.Length; i++)
        {
            Near.Equal((1.0 / (1.0 + Math.Exp(-x[i]))) - Math.Exp(-x[i]), dx[i, i], 12);
            for (int j = 0; j < x.Length; j++)
            {
                AssertClose($"J[{i}, {j}]", expected[i, j], dx[i, j], 1e-6);
            }
        }
    }
}
