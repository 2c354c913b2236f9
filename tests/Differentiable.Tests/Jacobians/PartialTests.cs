using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class PartialTests
{
    [Theory]
    [InlineData(3, 4)]
    [InlineData(1, 1)]
    [InlineData(5, 2)]
    public void MatrixVectorProductWeightsFollowTheKroneckerDelta(int n, int m)
    {
        double[] x = RandomVector(new Random(n + m), m);
        KroneckerJacobian jacobian = KroneckerJacobian.ForMatrixVectorProduct(n, x);

        // ∂(W·x)_i/∂W_pq = δ_ip·x_q.
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < n; p++)
            {
                for (int q = 0; q < m; q++)
                {
                    double expected = i == p ? x[q] : 0.0;
                    Assert.Equal(expected, jacobian.Partial(i, p, q));
                    Assert.Equal(expected, jacobian.Partial(new[] { i }, new[] { p, q }));
                    Assert.Equal(expected, jacobian[i, p + (q * n)]);
                }
            }
        }
    }

    [Fact]
    public void CompositesKeepTheInnerShapes()
    {
        var random = new Random(8);
        double[] x = RandomVector(random, 3);
        double[] slope = RandomVector(random, 2);
        var jacobian = new DiagonalProductJacobian(slope, KroneckerJacobian.ForMatrixVectorProduct(2, x));

        // tanh(W·x) with slope 1 − s²: ∂y_i/∂W_pq = slope_i·δ_ip·x_q.
        Assert.Equal(slope[1] * x[2], jacobian.Partial(1, 1, 2));
        Assert.Equal(0.0, jacobian.Partial(0, 1, 2));
    }

    [Fact]
    public void VectorToVectorReadsTheMatrix()
    {
        double[,] a = RandomMatrix(new Random(2), 3, 4);
        var jacobian = new DenseJacobian(a);

        for (int i = 0; i < 3; i++)
        {
            for (int p = 0; p < 4; p++)
            {
                Assert.Equal(a[i, p], jacobian.Partial(i, p));
            }
        }
    }

    [Fact]
    public void MatrixToMatrixFollowsTheVecConvention()
    {
        // Elementwise f on a 2 × 3 matrix: ∂Y_ij/∂X_pq = δ_ip·δ_jq·f'(X_ij), f' stored at vec index i + 2j.
        double[] slopes = RandomVector(new Random(6), 6);
        var elementwise = new DiagonalJacobian(slopes, TensorShape.Matrix(2, 3), TensorShape.Matrix(2, 3));

        // Transpose of a 2 × 3 matrix, Y = Xᵀ (3 × 2): ∂Y_ab/∂X_pq = δ_aq·δ_bp.
        PermutationJacobian transpose = PermutationJacobian.Commutation(2, 3);

        for (int p = 0; p < 2; p++)
        {
            for (int q = 0; q < 3; q++)
            {
                for (int i = 0; i < 2; i++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        Assert.Equal(i == p && j == q ? slopes[i + (2 * j)] : 0.0, elementwise.Partial(i, j, p, q));
                    }
                }

                for (int a = 0; a < 3; a++)
                {
                    for (int b = 0; b < 2; b++)
                    {
                        double expected = a == q && b == p ? 1.0 : 0.0;
                        Assert.Equal(expected, transpose.Partial(a, b, p, q));
                        Assert.Equal(expected, transpose.Partial(new[] { a, b }, new[] { p, q }));
                    }
                }
            }
        }
    }

    [Fact]
    public void ScalarOutputUsesTheGeneralForm()
    {
        double[,] gradient = { { 1.5, -2.0, 4.0 } };
        var jacobian = new DenseJacobian(gradient, TensorShape.Scalar);

        Assert.Equal(-2.0, jacobian.Partial(ReadOnlySpan<int>.Empty, new[] { 1 }));
        Assert.Throws<InvalidOperationException>(() => jacobian.Partial(0, 1));
    }

    [Fact]
    public void RejectsShapesTheOverloadDoesNotTake()
    {
        var vectorToVector = new IdentityJacobian(4);
        KroneckerJacobian vectorToMatrix = KroneckerJacobian.ForMatrixVectorProduct(2, new double[3]);
        PermutationJacobian matrixToMatrix = PermutationJacobian.Commutation(2, 2);

        Assert.Throws<InvalidOperationException>(() => vectorToVector.Partial(0, 0, 0));
        Assert.Throws<InvalidOperationException>(() => vectorToVector.Partial(0, 0, 0, 0));
        Assert.Throws<InvalidOperationException>(() => vectorToMatrix.Partial(0, 0));
        Assert.Throws<InvalidOperationException>(() => vectorToMatrix.Partial(0, 0, 0, 0));
        Assert.Throws<InvalidOperationException>(() => matrixToMatrix.Partial(0, 0));
        Assert.Throws<InvalidOperationException>(() => matrixToMatrix.Partial(0, 0, 0));
        Assert.Throws<ArgumentException>("outputIndex", () => vectorToMatrix.Partial(new[] { 0, 0 }, new[] { 0, 0 }));
        Assert.Throws<ArgumentException>("inputIndex", () => vectorToMatrix.Partial(new[] { 0 }, new[] { 0 }));
    }

    [Fact]
    public void RejectsIndicesOutOfRange()
    {
        KroneckerJacobian jacobian = KroneckerJacobian.ForMatrixVectorProduct(2, new double[3]);

        Assert.Throws<ArgumentOutOfRangeException>("i", () => jacobian.Partial(2, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>("i", () => jacobian.Partial(0, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>("j", () => jacobian.Partial(0, 0, 3));
        Assert.Throws<ArgumentOutOfRangeException>("i", () => new IdentityJacobian(2).Partial(0, -1));
    }
}
