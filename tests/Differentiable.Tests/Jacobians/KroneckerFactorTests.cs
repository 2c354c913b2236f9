using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class KroneckerFactorTests
{
    [Fact]
    public void EachKindReadsAsItsMatrix()
    {
        var random = new Random(5);
        double[] values = RandomVector(random, 4);
        double[,] matrix = RandomMatrix(random, 2, 3);

        AssertFactor(IdentityMatrix(3), KroneckerFactor.Identity(3), KroneckerFactorKind.Identity);
        AssertFactor(new[,] { { -1.5 } }, KroneckerFactor.Scalar(-1.5), KroneckerFactorKind.Scalar);
        AssertFactor(RowMatrix(values), KroneckerFactor.RowVector(values), KroneckerFactorKind.RowVector);
        AssertFactor(ColumnMatrix(values), KroneckerFactor.ColumnVector(values), KroneckerFactorKind.ColumnVector);
        AssertFactor(matrix, KroneckerFactor.Matrix(matrix), KroneckerFactorKind.Matrix);
        AssertFactor(Transpose(matrix), KroneckerFactor.TransposedMatrix(matrix), KroneckerFactorKind.TransposedMatrix);
    }

    [Fact]
    public void TransposedMatrixIsAViewNotACopy()
    {
        var matrix = new double[2, 3];
        KroneckerFactor transposed = KroneckerFactor.TransposedMatrix(matrix);
        matrix[0, 2] = 9.0;

        Assert.Equal(9.0, transposed[2, 0]);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>("size", () => KroneckerFactor.Identity(-1));
        Assert.Throws<ArgumentNullException>("values", () => KroneckerFactor.RowVector(null!));
        Assert.Throws<ArgumentNullException>("values", () => KroneckerFactor.ColumnVector(null!));
        Assert.Throws<ArgumentNullException>("matrix", () => KroneckerFactor.Matrix(null!));
        Assert.Throws<ArgumentNullException>("matrix", () => KroneckerFactor.TransposedMatrix(null!));
        Assert.Throws<ArgumentOutOfRangeException>("row", () => KroneckerFactor.Identity(2)[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>("column", () => KroneckerFactor.Scalar(1.0)[0, 1]);
    }

    private static void AssertFactor(double[,] expected, KroneckerFactor factor, KroneckerFactorKind kind)
    {
        Assert.Equal(kind, factor.Kind);
        Assert.Equal(expected.GetLength(0), factor.Rows);
        Assert.Equal(expected.GetLength(1), factor.Columns);
        for (int i = 0; i < factor.Rows; i++)
        {
            for (int j = 0; j < factor.Columns; j++)
            {
                Assert.Equal(expected[i, j], factor[i, j]);
            }
        }
    }
}
