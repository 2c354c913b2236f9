using System;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class ScaledJacobianTests
{
    [Theory]
    [InlineData(3, 4, -2.0)]
    [InlineData(1, 1, 0.5)]
    [InlineData(5, 2, 0.0)]
    public void MatchesTheScaledMatrix(int n, int m, double scale)
    {
        var random = new Random(n + m);
        double[] x = RandomVector(random, m);
        var inner = KroneckerJacobian.ForMatrixVectorProduct(n, x);
        double[,] expected = Kronecker(RowMatrix(x), IdentityMatrix(n));
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n * m; j++)
            {
                expected[i, j] *= scale;
            }
        }

        var jacobian = new ScaledJacobian(scale, inner);

        Assert.Equal(JacobianStructure.Scaled, jacobian.Structure);
        Assert.Equal(scale, jacobian.Scale);
        Assert.Same(inner, jacobian.Inner);
        Assert.Equal(inner.InputShape, jacobian.InputShape);
        Assert.Equal(inner.OutputShape, jacobian.OutputShape);
        AssertMatches(expected, jacobian, seed: n);
    }

    [Fact]
    public void RejectsANullInner() =>
        Assert.Throws<ArgumentNullException>("inner", () => new ScaledJacobian(1.0, null!));
}
