using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class PermutationJacobianTests
{
    [Theory]
    [InlineData(3, 4)]
    [InlineData(4, 3)]
    [InlineData(1, 1)]
    [InlineData(1, 5)]
    [InlineData(5, 1)]
    [InlineData(0, 3)]
    public void CommutationMatchesItsDefinition(int m, int n)
    {
        // vec(Xᵀ) = K·vec(X) for X m × n: Xᵀ[j, i] at j + i·n is X[i, j] at i + j·m.
        var expected = new double[m * n, m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                expected[j + (i * n), i + (j * m)] = 1.0;
            }
        }

        PermutationJacobian jacobian = PermutationJacobian.Commutation(m, n);

        Assert.Equal(JacobianStructure.Permutation, jacobian.Structure);
        Assert.Equal(TensorShape.Matrix(m, n), jacobian.InputShape);
        Assert.Equal(TensorShape.Matrix(n, m), jacobian.OutputShape);
        AssertMatches(expected, jacobian, seed: m + n);
    }

    [Fact]
    public void CommutationTransposesAVectorisedMatrix()
    {
        double[,] x = RandomMatrix(new Random(4), 3, 5);
        double[] vecX = Vec(x);
        var vecTransposed = new double[15];

        PermutationJacobian.Commutation(3, 5).Multiply(vecX, vecTransposed);

        Assert.Equal(Vec(Transpose(x)), vecTransposed);
    }

    [Fact]
    public void ExplicitPermutationMatchesItsMatrix()
    {
        int[] sources = { 2, 0, 3, 1 };
        var expected = new double[4, 4];
        for (int row = 0; row < 4; row++)
        {
            expected[row, sources[row]] = 1.0;
        }

        var jacobian = new PermutationJacobian(sources);

        Assert.Equal(3, jacobian.SourceColumn(2));
        AssertMatches(expected, jacobian);
    }

    [Fact]
    public void RejectsNonPermutations()
    {
        Assert.Throws<ArgumentException>("sourceColumns", () => new PermutationJacobian(new[] { 0, 0, 1 }));
        Assert.Throws<ArgumentException>("sourceColumns", () => new PermutationJacobian(new[] { 0, 3, 1 }));
        Assert.Throws<ArgumentException>("sourceColumns", () => new PermutationJacobian(new[] { -1 }));
        Assert.Throws<ArgumentNullException>("sourceColumns", () => new PermutationJacobian(null!));
        Assert.Throws<ArgumentOutOfRangeException>("rows", () => PermutationJacobian.Commutation(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>("row", () => PermutationJacobian.Commutation(2, 2).SourceColumn(4));
    }

    private static double[] Vec(double[,] matrix)
    {
        int rows = matrix.GetLength(0);
        var vec = new double[matrix.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < matrix.GetLength(1); j++)
            {
                vec[i + (j * rows)] = matrix[i, j];
            }
        }

        return vec;
    }
}
