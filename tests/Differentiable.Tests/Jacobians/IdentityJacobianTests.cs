using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class IdentityJacobianTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void MatchesTheIdentityMatrix(int size)
    {
        var jacobian = new IdentityJacobian(size);

        Assert.Equal(JacobianStructure.Identity, jacobian.Structure);
        AssertMatches(IdentityMatrix(size), jacobian, seed: size);
    }

    [Fact]
    public void DescribesAReshape()
    {
        var reshape = new IdentityJacobian(6, TensorShape.Vector(6), TensorShape.Matrix(2, 3));

        Assert.Equal(TensorShape.Matrix(2, 3), reshape.InputShape);
        Assert.Equal(1.0, reshape.Partial(new[] { 3 }, new[] { 1, 1 }));
        Assert.Equal(0.0, reshape.Partial(new[] { 3 }, new[] { 0, 1 }));
        Assert.Throws<ArgumentOutOfRangeException>("rows", () => new IdentityJacobian(-1));
        Assert.Throws<ArgumentException>("inputShape", () => new IdentityJacobian(6, inputShape: TensorShape.Matrix(2, 2)));
    }
}
