using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class DenseJacobianTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 5)]
    [InlineData(6, 2)]
    [InlineData(0, 3)]
    [InlineData(3, 0)]
    public void MatchesItsMatrix(int rows, int columns)
    {
        double[,] matrix = RandomMatrix(new Random(rows * 31 + columns), rows, columns);
        var jacobian = new DenseJacobian(matrix);

        Assert.Equal(JacobianStructure.Dense, jacobian.Structure);
        Assert.Equal(TensorShape.Vector(rows), jacobian.OutputShape);
        Assert.Equal(TensorShape.Vector(columns), jacobian.InputShape);
        AssertMatches(matrix, jacobian, seed: rows + columns);
    }

    [Fact]
    public void WrapsTheMatrixWithoutCopying()
    {
        var matrix = new double[2, 2];
        var jacobian = new DenseJacobian(matrix);
        matrix[1, 0] = 7.0;

        Assert.Same(matrix, jacobian.Matrix);
        Assert.Equal(7.0, jacobian[1, 0]);
    }

    [Fact]
    public void AcceptsShapesOfMatchingLengthOnly()
    {
        var jacobian = new DenseJacobian(new double[6, 2], TensorShape.Matrix(2, 3), TensorShape.Vector(2));
        Assert.Equal(TensorShape.Matrix(2, 3), jacobian.OutputShape);

        Assert.Throws<ArgumentException>("outputShape", () => new DenseJacobian(new double[6, 2], TensorShape.Matrix(2, 2)));
        Assert.Throws<ArgumentException>("inputShape", () => new DenseJacobian(new double[6, 2], inputShape: TensorShape.Scalar));
        Assert.Throws<ArgumentNullException>("matrix", () => new DenseJacobian(null!));
    }
}
