using System.Numerics;

namespace Differentiable.Tests.ControlFlow;

/// <summary>Gradients, Hessians and VJPs of methods that overwrite a parameter, against their closed forms.</summary>
public sealed class ReassignedParameterTests
{
    [Theory]
    [InlineData(0.8, 1.3)]
    [InlineData(-1.7, 0.4)]
    public void ScalarGradientsMatchTheClosedForms(double x, double y)
    {
        var a = ReassignedParameterFunctions.OverwrittenByTheOtherGradient(x, y);
        Assert.Equal((0.0, 2 * y), (a.dx, a.dy));

        var b = ReassignedParameterFunctions.BothOverwrittenGradient(x, y);
        Assert.Equal((0.0, 3.0), (b.dx, b.dy));

        var c = ReassignedParameterFunctions.UpdatedThenOverwrittenGradient(x, y);
        Near.Equal(4 * (x + y), c.dx, 13);
        Near.Equal(4 * (x + y), c.dy, 13);

        var d = ReassignedParameterFunctions.SwappedGradient(x, y);
        Near.Equal(y * y, d.dx, 13);
        Near.Equal(2 * x * y, d.dy, 13);

        var e = ReassignedParameterFunctions.OverwrittenInABranchGradient(x, y);
        Assert.Equal(x > 0.5 ? (0.0, 2 * y) : (y, x), (e.dx, e.dy));

        var f = ReassignedParameterFunctions.ThroughAHelperGradient(x, y);
        Assert.Equal((1.0, 2 * y), (f.dx, f.dy));

        var tangent = ReassignedParameterFunctions.UpdatedThenOverwrittenJvp(x, y, 0.3, -0.6).Tangent;
        Near.Equal((0.3 * c.dx) - (0.6 * c.dy), tangent, 13);
    }

    [Fact]
    public void HessiansMatchTheClosedForms()
    {
        var h = ReassignedParameterFunctions.OverwrittenByTheOtherHessian(0.8, 1.3).Hessian;
        Assert.Equal(new[,] { { 0.0, 0.0 }, { 0.0, 2.0 } }, h);

        var g = ReassignedParameterFunctions.UpdatedThenOverwrittenHessian(0.8, 1.3).Hessian;
        Assert.Equal(new[,] { { 4.0, 4.0 }, { 4.0, 4.0 } }, g);
    }

    [Fact]
    public void AnOverwrittenComponentHasNoGradient()
    {
        var (_, dv) = ReassignedParameterFunctions.ComponentOverwrittenGradient(new Vector2(0.4f, 0.8f));
        Assert.Equal(new Vector2(0f, 1.6f), dv);
    }

    [Fact]
    public void VectorJacobianProductOfAnArrayValuedMethod()
    {
        double[] w = [0.7, 0.9];
        double[] seed = [1.5, -2.0];
        var dw = new double[2];
        ReassignedParameterFunctions.ArrayValuedVjp(0.5, w, seed, out var dx, dw);
        Assert.Equal(0.0, dx);
        Near.Equal((seed[0] * w[1]) + seed[1], dw[0], 14);
        Near.Equal(seed[0] * w[0], dw[1], 14);
    }
}
