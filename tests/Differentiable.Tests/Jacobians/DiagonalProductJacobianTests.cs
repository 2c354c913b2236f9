using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class DiagonalProductJacobianTests
{
    [Theory]
    [InlineData(4, 3)]
    [InlineData(1, 1)]
    [InlineData(2, 6)]
    public void ScalesTheRowsOfTheInnerJacobian(int n, int m)
    {
        // tanh(W·x + b) with respect to W: diag(1 − s²)·(xᵀ ⊗ I).
        var random = new Random(n * 7 + m);
        double[] x = RandomVector(random, m);
        double[] diagonal = RandomVector(random, n);
        var inner = KroneckerJacobian.ForMatrixVectorProduct(n, x);
        double[,] expected = Kronecker(RowMatrix(x), IdentityMatrix(n));
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n * m; j++)
            {
                expected[i, j] *= diagonal[i];
            }
        }

        var jacobian = new DiagonalProductJacobian(diagonal, inner);

        Assert.Equal(JacobianStructure.DiagonalProduct, jacobian.Structure);
        Assert.Same(diagonal, jacobian.Diagonal);
        Assert.Same(inner, jacobian.Inner);
        AssertMatches(expected, jacobian, seed: m);
    }

    [Fact]
    public void ScalesAGeneralKroneckerProduct()
    {
        var random = new Random(21);
        double[,] a = RandomMatrix(random, 3, 2);
        double[,] b = RandomMatrix(random, 2, 4);
        double[] diagonal = RandomVector(random, 6);
        double[,] expected = Kronecker(a, b);
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                expected[i, j] *= diagonal[i];
            }
        }

        var inner = new KroneckerJacobian(KroneckerFactor.Matrix(a), KroneckerFactor.Matrix(b));
        AssertMatches(expected, new DiagonalProductJacobian(diagonal, inner));
    }

    [Fact]
    public void RejectsMismatchedArguments()
    {
        var inner = new IdentityJacobian(3);
        Assert.Throws<ArgumentException>("diagonal", () => new DiagonalProductJacobian(new double[2], inner));
        Assert.Throws<ArgumentNullException>("diagonal", () => new DiagonalProductJacobian(null!, inner));
        Assert.Throws<ArgumentNullException>("inner", () => new DiagonalProductJacobian(new double[3], null!));
    }
}
