using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class ZeroJacobianTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 9)]
    [InlineData(9, 4)]
    [InlineData(0, 2)]
    public void MatchesTheZeroMatrix(int rows, int columns)
    {
        var jacobian = new ZeroJacobian(rows, columns);

        Assert.Equal(JacobianStructure.Zero, jacobian.Structure);
        AssertMatches(new double[rows, columns], jacobian, seed: rows * columns);
    }

    [Fact]
    public void RejectsNegativeDimensions()
    {
        Assert.Throws<ArgumentOutOfRangeException>("rows", () => new ZeroJacobian(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>("columns", () => new ZeroJacobian(2, -1));
    }
}
