using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class DiagonalJacobianTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(0)]
    public void MatchesTheDiagonalMatrix(int size)
    {
        double[] diagonal = RandomVector(new Random(size), size);
        var expected = new double[size, size];
        for (int i = 0; i < size; i++)
        {
            expected[i, i] = diagonal[i];
        }

        var jacobian = new DiagonalJacobian(diagonal);

        Assert.Equal(JacobianStructure.Diagonal, jacobian.Structure);
        Assert.Same(diagonal, jacobian.Diagonal);
        AssertMatches(expected, jacobian, seed: size);
    }

    [Fact]
    public void WrapsTheDiagonalWithoutCopying()
    {
        var diagonal = new double[3];
        var jacobian = new DiagonalJacobian(diagonal);
        diagonal[2] = -4.0;

        Assert.Equal(-4.0, jacobian[2, 2]);
        Assert.Throws<ArgumentNullException>("diagonal", () => new DiagonalJacobian(null!));
    }
}
