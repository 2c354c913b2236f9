using System;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary><c>Math.Clamp</c> over doubles and ints, in values, indices and loops.</summary>
public static partial class ClampFunctions
{
    [Differentiate(Hessian = true)]
    public static double ClampedProduct(double x, double low, double high) => Math.Clamp(x * x, low, high) * x;

    /// <summary>Gradient clipping's shape: each residual clipped to [−1, 1], then squared.</summary>
    [Differentiate(nameof(w))]
    public static double ClippedLoss(double[] w, double[] x, double[] t)
    {
        double loss = 0.0;
        for (int i = 0; i < w.Length; i++)
        {
            double r = Math.Clamp(w[i] * x[i] - t[i], -1.0, 1.0);
            loss += r * r;
        }

        return loss;
    }

    /// <summary>An int clamp as an index (the previous element, the first one at i = 0), and a clamp inside ?:.</summary>
    [Differentiate]
    public static double ClampedNeighbours(double[] x, double c)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i] * x[Math.Clamp(i - 1, 0, x.Length - 1)];
            s += i % 2 == 0 ? Math.Clamp(c * x[i], -0.5, 0.5) : 0.0;
        }

        return Math.Clamp(s, -10.0, 10.0);
    }

    /// <summary>A clamp behind || reads a[i] only where i is in range.</summary>
    [Differentiate(nameof(a))]
    public static double GuardedClamp(double[] a, int i) => i >= a.Length || Math.Clamp(a[i] * 2.0, 0.0, 1.0) > 0.5 ? a[0] * a[0] : a[0];

    /// <summary>Int clamps as loop bounds, ascending and descending.</summary>
    [Differentiate]
    public static double ClampedBounds(double[] a, double x)
    {
        double s = 0.0;
        for (int i = 0; i < Math.Clamp(a.Length - 1, 0, 3); i++)
        {
            s += a[i] * x;
        }

        for (int i = a.Length - 1; i >= Math.Clamp(a.Length - 3, 0, 5); i--)
        {
            s += a[i] * a[i];
        }

        return s;
    }

    [Differentiate]
    public static double[] ClampElements(double[] x, double bound)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Clamp(x[i], -bound, bound);
        }

        return y;
    }
}

public class ClampTests
{
    [Fact]
    public void GradientsMatchCentralDifferencesAwayFromTheBounds()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 40; trial++)
        {
            double x = 3.0 * random.NextDouble() - 1.5, low = 0.2 + random.NextDouble(), high = low + random.NextDouble();
            if (Math.Abs(x * x - low) < 1e-3 || Math.Abs(x * x - high) < 1e-3)
            {
                continue;
            }

            var args = new object[] { x, low, high };
            var (value, dx, dlow, dhigh) = ClampFunctions.ClampedProductGradient(x, low, high);
            Assert.Equal(ClampFunctions.ClampedProduct(x, low, high), value);
            double Call(object[] a) => ClampFunctions.ClampedProduct((double)a[0], (double)a[1], (double)a[2]);
            AssertClose("∂/∂x", Central(Call, args, 0, 0), dx, RelativeTolerance);
            AssertClose("∂/∂low", Central(Call, args, 1, 0), dlow, RelativeTolerance);
            AssertClose("∂/∂high", Central(Call, args, 2, 0), dhigh, RelativeTolerance);

            var (_, tangent) = ClampFunctions.ClampedProductJvp(x, low, high, 0.5, -1.0, 2.0);
            AssertClose("JVP", 0.5 * dx - dlow + 2.0 * dhigh, tangent, 1e-12);

            var (_, hessian) = ClampFunctions.ClampedProductHessian(x, low, high);
            for (int k = 0; k < 3; k++)
            {
                double Partial(object[] a) => ClampFunctions.ClampedProductGradient((double)a[0], (double)a[1], (double)a[2]) switch
                {
                    var g => k == 0 ? g.dx : k == 1 ? g.dlow : g.dhigh,
                };
                for (int l = 0; l < 3; l++)
                {
                    AssertClose($"H[{k}, {l}]", Central(Partial, args, l, 0), hessian[k, l], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void AtTheBoundsTheGradientGoesToTheClampedValue()
    {
        // x·x == low and x·x == high exactly: the value is x·x (the branch .NET's Clamp takes), so ∂/∂x = 3x², ∂/∂low = 0.
        foreach (var (x, low, high) in new[] { (1.5, 2.25, 4.0), (0.5, 0.0, 0.25), (-2.0, 1.0, 4.0) })
        {
            var (value, dx, dlow, dhigh) = ClampFunctions.ClampedProductGradient(x, low, high);
            Assert.Equal(Math.Clamp(x * x, low, high) * x, value);
            Assert.Equal(3.0 * x * x, dx, 12);
            Assert.Equal(0.0, dlow);
            Assert.Equal(0.0, dhigh);
        }

        // Below and above: the bound is the value, so its derivative is x and the other two are 0 (for x·x).
        var below = ClampFunctions.ClampedProductGradient(0.5, 1.0, 2.0);
        Assert.Equal((1.0 * 0.5, 1.0, 0.5, 0.0), below);
        var above = ClampFunctions.ClampedProductGradient(2.0, 1.0, 2.0);
        Assert.Equal((2.0 * 2.0, 2.0, 0.0, 2.0), above);
    }

    [Fact]
    public void ValuesKeepNegativeZeroAndNaNAsMathClamp()
    {
        var (negativeZero, _, _, _) = ClampFunctions.ClampedProductGradient(-0.0, 0.0, 1.0);
        Assert.Equal(BitConverter.DoubleToInt64Bits(ClampFunctions.ClampedProduct(-0.0, 0.0, 1.0)), BitConverter.DoubleToInt64Bits(negativeZero));
        var (nan, _, _, _) = ClampFunctions.ClampedProductGradient(double.NaN, 0.0, 1.0);
        Assert.True(double.IsNaN(nan));
    }

    [Fact]
    public void ClippedLossAndNeighboursMatchCentralDifferences()
    {
        var random = new Random(11);
        foreach (var n in new[] { 1, 2, 5, 12, 33 })
        {
            var w = Values(random, n, 2.0);
            var x = Values(random, n, 2.0);
            var t = Values(random, n, 1.0);
            var (value, dw) = ClampFunctions.ClippedLossGradient(w, x, t);
            Assert.Equal(ClampFunctions.ClippedLoss(w, x, t), value, 12);
            for (int i = 0; i < n; i++)
            {
                double r = w[i] * x[i] - t[i];
                double expected = Math.Abs(r) > 1.0 ? 0.0 : 2.0 * r * x[i];
                AssertClose($"n = {n}: ∂/∂w[{i}]", expected, dw[i], 1e-12);
            }

            double c = 0.3 + random.NextDouble();
            var (neighbours, dx, dc) = ClampFunctions.ClampedNeighboursGradient(x, c);
            AssertGradient($"ClampedNeighbours n = {n}", a => ClampFunctions.ClampedNeighbours((double[])a[0], (double)a[1]), new object[] { x, c }, neighbours, dx, dc);
        }
    }

    [Fact]
    public void ElementClampJacobianIsOneInsideAndOnTheBoundOutside()
    {
        var x = new[] { -3.0, -1.0, 0.25, 1.0, 2.5 };
        var (value, dx, dbound) = ClampFunctions.ClampElementsJacobian(x, 1.0);
        Assert.Equal(new[] { -1.0, -1.0, 0.25, 1.0, 1.0 }, value);
        for (int i = 0; i < x.Length; i++)
        {
            for (int k = 0; k < x.Length; k++)
            {
                Assert.Equal(i == k && Math.Abs(x[i]) <= 1.0 ? 1.0 : 0.0, dx[i, k]);
            }

            Assert.Equal(x[i] < -1.0 ? -1.0 : x[i] > 1.0 ? 1.0 : 0.0, dbound[i, 0]);
        }
    }

    [Fact]
    public void AClampBehindOrIsNotEvaluatedFirst()
    {
        // The clamp's operand a[i] was computed into a local before the statement: IndexOutOfRange at i = 7.
        var a = new[] { 0.3, -0.2, 0.9 };
        foreach (var i in new[] { 7, 2, 1 })
        {
            var (value, da) = ClampFunctions.GuardedClampGradient(a, i);
            Assert.Equal(ClampFunctions.GuardedClamp(a, i), value);
            bool square = i >= a.Length || Math.Clamp(a[i] * 2.0, 0.0, 1.0) > 0.5;
            Assert.Equal(new[] { square ? 2.0 * a[0] : 1.0, 0.0, 0.0 }, da);
            var (_, tangent) = ClampFunctions.GuardedClampJvp(a, i, new[] { 1.0, 0.0, 0.0 });
            Assert.Equal(square ? 2.0 * a[0] : 1.0, tangent);
        }
    }

    [Fact]
    public void ClampedLoopBoundsMatchCentralDifferences()
    {
        // A conditional bound was printed i < n - 1 < 0 ? 0 : … (CS0019) before it was parenthesized.
        var random = new Random(3);
        foreach (var n in new[] { 1, 2, 4, 9 })
        {
            var a = Values(random, n, 2.0);
            double x = 0.5 + random.NextDouble();
            var (value, da, dx) = ClampFunctions.ClampedBoundsGradient(a, x);
            AssertGradient($"ClampedBounds n = {n}", p => ClampFunctions.ClampedBounds((double[])p[0], (double)p[1]), new object[] { a, x }, value, da, dx);
        }
    }

    private static double[] Values(Random random, int n, double scale)
    {
        var values = new double[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = scale * (2.0 * random.NextDouble() - 1.0);
        }

        return values;
    }
}
