using System;

namespace Differentiable.Tests.Gradients;

/// <summary>Arrays written with their elements: <c>[a, b]</c>, <c>new[] { a, b }</c>, <c>{ { a, b }, { c, d } }</c>.</summary>
public static partial class Initialized
{
    [Differentiate]
    public static double[] Polar(double r, double t) => [r * Math.Cos(t), r * Math.Sin(t)];

    [Differentiate]
    public static double[,] Products(double[] a)
    {
        double[,] m = { { a[0] * a[0], a[0] * a[1] }, { a[1] * a[2], 2 } };
        return m;
    }

    /// <summary>The new array's elements read the old one: [a2, a0²·a1].</summary>
    [Differentiate]
    public static double[] Swapped(double[] a)
    {
        var w = new[] { a[0] * a[1], a[2] };
        w = new double[2] { w[1], w[0] * a[0] };
        return w;
    }

    /// <summary>Σ_k w_k·x[order_k]², with the weights and the order written out.</summary>
    [Differentiate]
    public static double Weighted(double[] x)
    {
        int[] order = { 2, 0, 1 };
        double[] w = new[] { 0.5, 1.5, -2.0 };
        double s = 0;
        for (int k = 0; k < order.Length; k++)
        {
            s += w[k] * x[order[k]] * x[order[k]];
        }

        return s;
    }

    /// <summary>Σ_i x_i·x_i², through a pair made anew in each iteration, returned by one of two returns.</summary>
    [Differentiate]
    public static double[] Cubes(double[] x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double[] pair = [x[i], x[i] * x[i]];
            s += pair[0] * pair[1];
        }

        if (s > 0)
        {
            return [s, 1.0];
        }

        return new[] { 2 * s, 0.0 };
    }

    /// <summary>A local referring to the caller's array, replaced by a new one its elements read: writing into it is fine.</summary>
    [Differentiate]
    public static double Replaced(double[] x, double a)
    {
        double[] y = x;
        y = ([y[1], y[0] * a]);
        y[0] *= 2;
        return y[0] * y[1];
    }

    [Differentiate(Hessian = true)]
    public static double Quadratic(double[] x)
    {
        double[] c = [1.0, 2.0];
        return (c[0] * x[0] * x[0]) + (c[1] * x[0] * x[1]);
    }
}

public sealed class InitializerTests
{
    [Fact]
    public void APairReturnedWithItsElementsHasTheAnalyticJacobian()
    {
        foreach (var (r, t) in new[] { (1.5, 0.3), (-0.5, 2.0), (2.0, -1.1) })
        {
            var (value, dr, dt) = Initialized.PolarJacobian(r, t);
            Assert.Equal(Initialized.Polar(r, t), value);
            Assert.Equal(new[,] { { Math.Cos(t) }, { Math.Sin(t) } }, dr.ToDense());
            Near.Equal(-r * Math.Sin(t), dt[0, 0], 14);
            Near.Equal(r * Math.Cos(t), dt[1, 0], 14);
        }
    }

    [Fact]
    public void AMatrixWrittenByRowsHasTheAnalyticJacobianInVecOrder()
    {
        double[] a = [0.5, -1.5, 2.5];
        var (value, da) = Initialized.ProductsJacobian(a);
        Assert.Equal(new[,] { { a[0] * a[0], a[0] * a[1] }, { a[1] * a[2], 2 } }, value);

        // vec rows: [0,0], [1,0], [0,1], [1,1].
        var expected = new double[4, 3];
        expected[0, 0] = 2 * a[0];
        expected[1, 1] = a[2];
        expected[1, 2] = a[1];
        expected[2, 0] = a[1];
        expected[2, 1] = a[0];
        Assert.Equal(expected, da.ToDense());
    }

    [Fact]
    public void ElementsThatReadTheArrayTheyReplaceReadItsOldValues()
    {
        double[] a = [0.5, -1.5, 2.5];
        var (value, da) = Initialized.SwappedJacobian(a);
        Assert.Equal(new[] { a[2], a[0] * a[1] * a[0] }, value);
        Assert.Equal(new[,] { { 0, 0, 1 }, { 2 * a[0] * a[1], a[0] * a[0], 0 } }, da.ToDense());
    }

    [Fact]
    public void WrittenOutWeightsAndOrderGiveTheAnalyticGradient()
    {
        double[] x = [0.7, -1.2, 2.0];
        var gradient = new double[3];
        var value = Initialized.WeightedGradient(x, gradient);
        Near.Equal((0.5 * x[2] * x[2]) + (1.5 * x[0] * x[0]) - (2.0 * x[1] * x[1]), value, 14);
        Assert.Equal(new[] { 3.0 * x[0], -4.0 * x[1], x[2] }, gradient);
    }

    [Fact]
    public void AnArrayMadeInEachIterationAndReturnedFromTwoPlacesIsDifferentiated()
    {
        foreach (var x in new[] { new[] { 0.5, 1.5 }, new[] { -0.5, -1.5, 0.25 } })
        {
            var (value, dx) = Initialized.CubesJacobian(x);
            var s = 0.0;
            foreach (var e in x)
            {
                s += e * e * e;
            }

            Assert.Equal(s > 0 ? new[] { s, 1.0 } : new[] { 2 * s, 0.0 }, value);
            for (int i = 0; i < x.Length; i++)
            {
                Near.Equal((s > 0 ? 3 : 6) * x[i] * x[i], dx[0, i], 14);
                Assert.Equal(0, dx[1, i]);
            }

            // The VJP pulls the seed back through the same branch.
            var seed = new[] { 0.75, -2.0 };
            var gx = new double[x.Length];
            Initialized.CubesVjp(x, seed, gx);
            for (int i = 0; i < x.Length; i++)
            {
                Near.Equal(seed[0] * dx[0, i], gx[i], 14);
            }
        }
    }

    [Fact]
    public void ALocalReplacedByANewArrayNoLongerRefersToTheParameter()
    {
        double[] x = [1.5, -0.5];
        const double a = 0.75;
        var dx = new double[2];
        var value = Initialized.ReplacedGradient(x, a, dx, out var da);
        Assert.Equal(new[] { 1.5, -0.5 }, x);

        // 2·x1·x0·a: ∂/∂x0 = 2·x1·a, ∂/∂x1 = 2·x0·a, ∂/∂a = 2·x1·x0.
        Near.Equal(2 * x[1] * x[0] * a, value, 14);
        Near.Equal(2 * x[1] * a, dx[0], 14);
        Near.Equal(2 * x[0] * a, dx[1], 14);
        Near.Equal(2 * x[1] * x[0], da, 14);
    }

    [Fact]
    public void WrittenOutCoefficientsGiveTheAnalyticHessian()
    {
        var (value, hessian) = Initialized.QuadraticHessian([1.5, -0.5]);
        Near.Equal((1.5 * 1.5) + (2 * 1.5 * -0.5), value, 14);
        Assert.Equal(new double[,] { { 2, 2 }, { 2, 0 } }, hessian);
    }
}
