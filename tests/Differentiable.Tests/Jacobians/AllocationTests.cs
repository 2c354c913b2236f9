using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class AllocationTests
{
    [Theory]
    [InlineData("Dense")]
    [InlineData("Identity")]
    [InlineData("Diagonal")]
    [InlineData("Zero")]
    [InlineData("KroneckerRowVectorIdentity")]
    [InlineData("KroneckerIdentityMatrix")]
    [InlineData("KroneckerMatrixMatrix")]
    [InlineData("KroneckerTransposedMatrixMatrix")]
    [InlineData("Scaled")]
    [InlineData("Sum")]
    [InlineData("DiagonalProduct")]
    [InlineData("Commutation")]
    [InlineData("Shift")]
    [InlineData("ReversedShift")]
    [InlineData("WindowedShift")]
    [InlineData("MatrixShift")]
    [InlineData("Toeplitz")]
    [InlineData("WindowedToeplitz")]
    [InlineData("MatrixToeplitz")]
    public void ProductsAllocateNothingAfterWarmUp(string structure)
    {
        Jacobian jacobian = Create(structure, new Random(42));
        var random = new Random(7);
        double[] v = RandomVector(random, jacobian.Columns);
        double[] u = RandomVector(random, jacobian.Rows);
        var forward = new double[jacobian.Rows];
        var reverse = new double[jacobian.Columns];

        RunProducts(jacobian, v, u, forward, reverse);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 10; k++)
        {
            RunProducts(jacobian, v, u, forward, reverse);
        }

        Assert.Equal(0L, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RunProducts(Jacobian jacobian, double[] v, double[] u, double[] forward, double[] reverse)
    {
        jacobian.Multiply(v, forward);
        jacobian.TransposeMultiply(u, reverse);
        jacobian.MultiplyAdd(v, forward, 0.5);
        jacobian.TransposeMultiplyAdd(u, reverse, 0.5);
    }

    private static Jacobian Create(string structure, Random random) => structure switch
    {
        "Dense" => new DenseJacobian(RandomMatrix(random, 20, 30)),
        "Identity" => new IdentityJacobian(50),
        "Diagonal" => new DiagonalJacobian(RandomVector(random, 50)),
        "Zero" => new ZeroJacobian(20, 30),
        "KroneckerRowVectorIdentity" => KroneckerJacobian.ForMatrixVectorProduct(40, RandomVector(random, 30)),
        "KroneckerIdentityMatrix" => new KroneckerJacobian(KroneckerFactor.Identity(8), KroneckerFactor.Matrix(RandomMatrix(random, 5, 6))),
        "KroneckerMatrixMatrix" => new KroneckerJacobian(KroneckerFactor.Matrix(RandomMatrix(random, 7, 4)), KroneckerFactor.Matrix(RandomMatrix(random, 5, 6))),
        "KroneckerTransposedMatrixMatrix" => new KroneckerJacobian(KroneckerFactor.TransposedMatrix(RandomMatrix(random, 4, 7)), KroneckerFactor.Matrix(RandomMatrix(random, 6, 5))),
        "Scaled" => new ScaledJacobian(-3.0, new DiagonalJacobian(RandomVector(random, 50))),
        "Sum" => new SumJacobian(new IdentityJacobian(30), new DenseJacobian(RandomMatrix(random, 30, 30))),
        "DiagonalProduct" => new DiagonalProductJacobian(RandomVector(random, 40), KroneckerJacobian.ForMatrixVectorProduct(40, RandomVector(random, 30))),
        "Commutation" => PermutationJacobian.Commutation(6, 9),
        "Shift" => new ShiftJacobian(29, 30, 1),
        "ReversedShift" => new ShiftJacobian(30, 30, 29, reversed: true),
        "MatrixShift" => new MatrixShiftJacobian(new ShiftJacobian(6, 7, 1, reversed: false, firstRow: 1, endRow: 5), new ShiftJacobian(5, 5, 4, reversed: true)),
        "WindowedShift" => new ShiftJacobian(30, 30, -1, reversed: false, firstRow: 1, endRow: 29),
        "Toeplitz" => new ToeplitzJacobian(28, 30, [0.5, -1.0, 2.0], 0),
        "WindowedToeplitz" => new ToeplitzJacobian(30, 30, [0.5, -1.0, 2.0], -2, firstRow: 2, endRow: 30),
        "MatrixToeplitz" => new MatrixToeplitzJacobian(6, 5, 6, 5, new double[,] { { 0.5, -1.0 }, { 2.0, 0.25 } }, -1, 0, 1, 6, 0, 4),
        _ => throw new ArgumentOutOfRangeException(nameof(structure)),
    };
}
