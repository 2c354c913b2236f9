using System;

namespace Differentiable.Tests.Structure;

public static partial class InPlace
{
    /// <summary>The result array is updated in place, so the reverse sweep restores its old elements.</summary>
    [Differentiate]
    public static double[] SquareTwice(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] + 1;
        for (int k = 0; k < 2; k++)
            for (int i = 0; i < x.Length; i++) y[i] = y[i] * y[i];
        return y;
    }
}

public sealed class InPlaceResultTests
{
    [Fact]
    public void VjpReturnsTheResultNotTheRestoredArray()
    {
        var x = new[] { 0.3, -0.5, 1.2 };
        var seed = new[] { 1.0, 2.0, -1.0 };
        var dx = new double[3];
        var value = InPlace.SquareTwiceVjp(x, seed, dx);
        Assert.Equal(InPlace.SquareTwice(x), value);
        for (int i = 0; i < 3; i++)
        {
            // y = (x + 1)⁴: ∂y/∂x = 4(x + 1)³
            Near.Equal(seed[i] * 4 * Math.Pow(x[i] + 1, 3), dx[i], 12);
        }
    }
}
