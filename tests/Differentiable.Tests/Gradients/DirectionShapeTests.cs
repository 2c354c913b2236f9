using System;
using Differentiable.Tests.Hessians;
using Differentiable.Tests.Structure;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// A JVP's tangents and an H·v's directions of the wrong length or shape throw ArgumentException naming the parameter,
/// before anything is computed: a shorter one used to throw IndexOutOfRangeException part-way, a longer one was read in
/// part and gave a derivative along another direction without a word.
/// </summary>
public class DirectionShapeTests
{
    private static void AssertRejected(string parameter, string message, Action call)
    {
        var exception = Assert.Throws<ArgumentException>(call);
        Assert.Equal(parameter, exception.ParamName);
        Assert.StartsWith(message, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AVectorTangentOfAnotherLengthIsRejected()
    {
        double[] x = [0.5, -0.2, 1.1, 0.3];
        AssertRejected("dx", "The tangent must have the length of 'x'.", () => TestFunctions.RosenbrockJvp(x, new double[3]));
        AssertRejected("dx", "The tangent must have the length of 'x'.", () => TestFunctions.RosenbrockJvp(x, new double[5]));
        AssertRejected("dx", "The tangent must have the length of 'x'.", () => TestFunctions.RosenbrockJvp(x, null!));
    }

    [Fact]
    public void AMatrixTangentOfAnotherShapeIsRejected()
    {
        var X = new double[3, 2];
        double[] y = [1.0, 0.0, 1.0];
        double[] w = [0.3, -0.4];
        AssertRejected("dX", "The tangent must have the shape of 'X'.", () => TestFunctions.LogisticLossJvp(X, y, w, 0.1, new double[2, 2], new double[3], new double[2], 0.0));
        AssertRejected("dX", "The tangent must have the shape of 'X'.", () => TestFunctions.LogisticLossJvp(X, y, w, 0.1, new double[3, 3], new double[3], new double[2], 0.0));
        AssertRejected("dy", "The tangent must have the length of 'y'.", () => TestFunctions.LogisticLossJvp(X, y, w, 0.1, new double[3, 2], new double[4], new double[2], 0.0));
        AssertRejected("dw", "The tangent must have the length of 'w'.", () => TestFunctions.LogisticLossJvp(X, y, w, 0.1, new double[3, 2], new double[3], new double[1], 0.0));
        AssertRejected("dB", "The tangent must have the shape of 'B'.", () => TestFunctions.TraceAXBJvp(
            new double[2, 3], new double[3, 4], new double[4, 2], new double[2, 3], new double[3, 4], new double[2, 4]));
    }

    [Fact]
    public void AnArrayValuedMethodsTangentIsCheckedToo()
    {
        var W = new double[3, 2];
        double[] x = [1.0, 2.0];
        AssertRejected("dW", "The tangent must have the shape of 'W'.", () => StructureFunctions.MatVecJvp(W, x, new double[3, 3], new double[2]));
        AssertRejected("dx", "The tangent must have the length of 'x'.", () => StructureFunctions.MatVecJvp(W, x, new double[3, 2], new double[3]));
    }

    [Fact]
    public void AnHvpDirectionOfAnotherLengthIsRejected()
    {
        double[] x = [0.5, -0.2, 1.1, 0.3];
        AssertRejected("dx", "The direction must have the length of 'x'.", () => HessianFunctions.RosenbrockHvp(x, new double[3], new double[4]));
        AssertRejected("dx", "The direction must have the length of 'x'.", () => HessianFunctions.RosenbrockHvp(x, new double[5]));
        AssertRejected("dx", "The direction must have the length of 'x'.", () => HessianFunctions.MixedHvp(x, 0.5, new double[5], 1.0, new double[4], out _));
    }

    [Fact]
    public void DirectionsOfTheRightShapeStillGiveTheDerivative()
    {
        // The checks sit in front of the body: the right shapes still give ∇f·v (against the gradient) and H·v.
        double[] x = [0.5, -0.2, 1.1, 0.3];
        double[] v = [1.0, -2.0, 0.5, 0.25];
        var (_, gradient) = TestFunctions.RosenbrockGradient(x);
        double expected = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            expected += gradient[i] * v[i];
        }

        Assert.Equal(expected, TestFunctions.RosenbrockJvp(x, v).Tangent, 12);
        var (_, hessian) = HessianFunctions.RosenbrockHessian(x);
        var (_, hv) = HessianFunctions.RosenbrockHvp(x, v);
        for (int i = 0; i < x.Length; i++)
        {
            double row = 0.0;
            for (int j = 0; j < x.Length; j++)
            {
                row += hessian[i, j] * v[j];
            }

            Assert.Equal(row, hv[i], 10);
        }
    }
}
