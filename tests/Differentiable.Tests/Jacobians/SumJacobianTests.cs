using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class SumJacobianTests
{
    [Fact]
    public void MatchesTheSumOfItsTerms()
    {
        var random = new Random(11);
        double[,] dense = RandomMatrix(random, 6, 6);
        double[] diagonal = RandomVector(random, 6);
        double[,] a = RandomMatrix(random, 2, 3);
        double[,] b = RandomMatrix(random, 3, 2);
        var terms = new Jacobian[]
        {
            new DenseJacobian(dense),
            new DiagonalJacobian(diagonal),
            new IdentityJacobian(6),
            new KroneckerJacobian(KroneckerFactor.Matrix(a), KroneckerFactor.Matrix(b)),
            new ZeroJacobian(6, 6),
        };
        double[,] kronecker = Kronecker(a, b);
        var expected = new double[6, 6];
        for (int i = 0; i < 6; i++)
        {
            for (int j = 0; j < 6; j++)
            {
                expected[i, j] = dense[i, j] + (i == j ? diagonal[i] + 1.0 : 0.0) + kronecker[i, j];
            }
        }

        var jacobian = new SumJacobian(terms);

        Assert.Equal(JacobianStructure.Sum, jacobian.Structure);
        Assert.Equal(terms, jacobian.Terms);
        AssertMatches(expected, jacobian, seed: 3);
    }

    [Fact]
    public void OneByOneTermsAdd()
    {
        var jacobian = new SumJacobian(new DenseJacobian(new[,] { { 2.0 } }), new DiagonalJacobian(new[] { 3.0 }));
        AssertMatches(new[,] { { 5.0 } }, jacobian);
    }

    [Fact]
    public void TakesTheShapesOfTheFirstTerm()
    {
        var first = new ZeroJacobian(4, 6, TensorShape.Matrix(2, 2), TensorShape.Matrix(2, 3));
        var jacobian = new SumJacobian(first, new ZeroJacobian(4, 6));

        Assert.Equal(TensorShape.Matrix(2, 2), jacobian.OutputShape);
        Assert.Equal(TensorShape.Matrix(2, 3), jacobian.InputShape);
    }

    [Fact]
    public void RejectsBadTerms()
    {
        Assert.Throws<ArgumentException>("terms", () => new SumJacobian());
        Assert.Throws<ArgumentNullException>("terms", () => new SumJacobian(null!));
        Assert.Throws<ArgumentNullException>("terms", () => new SumJacobian(new IdentityJacobian(2), null!));
        Assert.Throws<ArgumentException>("terms", () => new SumJacobian(new IdentityJacobian(2), new ZeroJacobian(2, 3)));
    }
}
