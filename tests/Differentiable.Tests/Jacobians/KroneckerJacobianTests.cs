using System;
using System.Collections.Generic;
using Xunit;
using static Differentiable.Tests.Jacobians.JacobianTestKit;

namespace Differentiable.Tests.Jacobians;

public class KroneckerJacobianTests
{
    private const int FactorKinds = 6;

    public static IEnumerable<object[]> FactorPairs()
    {
        for (int left = 0; left < FactorKinds; left++)
        {
            for (int right = 0; right < FactorKinds; right++)
            {
                yield return new object[] { left, right };
            }
        }
    }

    /// <summary>Every pair of factor kinds, which covers the identity fast paths and both general orders.</summary>
    [Theory]
    [MemberData(nameof(FactorPairs))]
    public void MatchesTheKroneckerProductOfItsFactors(int leftKind, int rightKind)
    {
        var random = new Random((leftKind * FactorKinds) + rightKind);
        (KroneckerFactor left, double[,] leftDense) = Factor(leftKind, random);
        (KroneckerFactor right, double[,] rightDense) = Factor(rightKind, random);

        var jacobian = new KroneckerJacobian(left, right);

        Assert.Equal(JacobianStructure.Kronecker, jacobian.Structure);
        Assert.Same(left, jacobian.Left);
        Assert.Same(right, jacobian.Right);
        AssertMatches(Kronecker(leftDense, rightDense), jacobian, seed: leftKind + rightKind);
    }

    [Theory]
    [InlineData(5, 2, 3, 6)]
    [InlineData(2, 5, 6, 3)]
    [InlineData(1, 7, 4, 4)]
    [InlineData(4, 4, 7, 1)]
    [InlineData(1, 1, 1, 1)]
    public void GeneralFactorsMatchInEitherEvaluationOrder(int pA, int qA, int pB, int qB)
    {
        var random = new Random(pA + (10 * qA) + (100 * pB) + (1000 * qB));
        double[,] a = RandomMatrix(random, pA, qA);
        double[,] b = RandomMatrix(random, pB, qB);

        AssertMatches(Kronecker(a, b), new KroneckerJacobian(KroneckerFactor.Matrix(a), KroneckerFactor.Matrix(b)));
        AssertMatches(
            Kronecker(Transpose(b), a),
            new KroneckerJacobian(KroneckerFactor.TransposedMatrix(b), KroneckerFactor.Matrix(a)));
    }

    [Theory]
    [InlineData(4, 3)]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    public void MatrixVectorProductWeightsFollowTheVecFormula(int n, int m)
    {
        var random = new Random(n * m);
        double[] x = RandomVector(random, m);

        // ∂(W·x)/∂vec(W) for W n × m: J[i, p + q·n] = δ(i, p)·x[q].
        var expected = new double[n, n * m];
        for (int i = 0; i < n; i++)
        {
            for (int q = 0; q < m; q++)
            {
                expected[i, i + (q * n)] = x[q];
            }
        }

        KroneckerJacobian jacobian = KroneckerJacobian.ForMatrixVectorProduct(n, x);

        Assert.Equal(TensorShape.Vector(n), jacobian.OutputShape);
        Assert.Equal(TensorShape.Matrix(n, m), jacobian.InputShape);
        Assert.Equal(KroneckerFactorKind.RowVector, jacobian.Left.Kind);
        Assert.Equal(KroneckerFactorKind.Identity, jacobian.Right.Kind);
        AssertMatches(expected, jacobian, seed: n);
        AssertMatches(expected, new KroneckerJacobian(KroneckerFactor.RowVector(x), KroneckerFactor.Identity(n)), seed: m);

        // The products in their closed forms: (J·v)[i] = Σ_q x[q]·v[i + q·n] and (Jᵀ·u)[i + q·n] = x[q]·u[i].
        double[] v = RandomVector(random, n * m);
        double[] u = RandomVector(random, n);
        var forward = new double[n];
        var reverse = new double[n * m];
        jacobian.Multiply(v, forward);
        jacobian.TransposeMultiply(u, reverse);
        for (int i = 0; i < n; i++)
        {
            double sum = 0.0;
            for (int q = 0; q < m; q++)
            {
                sum += x[q] * v[i + (q * n)];
                Assert.Equal(x[q] * u[i], reverse[i + (q * n)], 1e-12);
            }

            Assert.Equal(sum, forward[i], 1e-12);
        }
    }

    [Fact]
    public void WrapsTheFactorArraysWithoutCopying()
    {
        var x = new double[] { 1.0, 2.0 };
        KroneckerJacobian jacobian = KroneckerJacobian.ForMatrixVectorProduct(3, x);
        x[1] = 5.0;

        Assert.Equal(5.0, jacobian[2, 2 + 3]);
    }

    [Fact]
    public void AnIdentitysZerosStayZeroBesideInfiniteAndNaNEntries()
    {
        // xᵀ ⊗ I₂ and I₂ ⊗ xᵀ with x = [∞, NaN]: only the identity's diagonal meets x; everything else is structurally 0.
        var x = new[] { double.PositiveInfinity, double.NaN };
        foreach (var jacobian in new[]
        {
            new KroneckerJacobian(KroneckerFactor.RowVector(x), KroneckerFactor.Identity(2)),
            new KroneckerJacobian(KroneckerFactor.Identity(2), KroneckerFactor.RowVector(x)),
        })
        {
            double[,] dense = jacobian.ToDense();
            bool leftIsIdentity = jacobian.Left.Kind == KroneckerFactorKind.Identity;
            for (int row = 0; row < jacobian.Rows; row++)
            {
                for (int column = 0; column < jacobian.Columns; column++)
                {
                    // Column c pairs identity column (I ⊗ xᵀ: c / 2, xᵀ ⊗ I: c % 2) with x's entry (the other one).
                    int identityColumn = leftIsIdentity ? column / 2 : column % 2;
                    int xIndex = leftIsIdentity ? column % 2 : column / 2;
                    double expected = row == identityColumn ? x[xIndex] : 0.0;
                    Assert.Equal(expected, jacobian[row, column]);
                    Assert.Equal(expected, dense[row, column]);
                }
            }
        }
    }

    [Fact]
    public void EmptyFactorGivesAnEmptyProduct()
    {
        var jacobian = new KroneckerJacobian(KroneckerFactor.RowVector(Array.Empty<double>()), KroneckerFactor.Identity(2));

        Assert.Equal(2, jacobian.Rows);
        Assert.Equal(0, jacobian.Columns);
        AssertMatches(new double[2, 0], jacobian);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        KroneckerFactor identity = KroneckerFactor.Identity(2);
        Assert.Throws<ArgumentNullException>("left", () => new KroneckerJacobian(null!, identity));
        Assert.Throws<ArgumentNullException>("right", () => new KroneckerJacobian(identity, null!));
        Assert.Throws<ArgumentException>("outputShape", () => new KroneckerJacobian(identity, identity, TensorShape.Vector(3)));
        Assert.Throws<ArgumentException>(() => new KroneckerJacobian(KroneckerFactor.Identity(100_000), KroneckerFactor.Identity(100_000)));
    }

    [Fact]
    public void LargeMatrixVectorWeightsStayFactored()
    {
        const int n = 3000, m = 3000;
        double[] x = RandomVector(new Random(3000), m);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var jacobian = new KroneckerJacobian(
            KroneckerFactor.RowVector(x), KroneckerFactor.Identity(n), TensorShape.Vector(n), TensorShape.Matrix(n, m));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1_000_000, $"Building the Jacobian allocated {allocated} bytes.");
        Assert.Equal(3000, jacobian.Rows);
        Assert.Equal(9_000_000, jacobian.Columns);
        Assert.Equal(x[7], jacobian[5, 5 + (7 * n)]);
        Assert.Equal(0.0, jacobian[5, 6 + (7 * n)]);
        Assert.Equal(x[2999], jacobian.Partial(2999, 2999, 2999));

        var random = new Random(1);
        double[] v = RandomVector(random, n * m);
        double[] u = RandomVector(random, n);
        var forward = new double[n];
        var reverse = new double[n * m];
        jacobian.Multiply(v, forward);
        jacobian.TransposeMultiply(u, reverse);
        foreach (int i in new[] { 0, 1234, 2999 })
        {
            double sum = 0.0;
            for (int q = 0; q < m; q++)
            {
                sum += x[q] * v[i + (q * n)];
            }

            Assert.Equal(sum, forward[i], 1e-9);
            Assert.Equal(x[17] * u[i], reverse[i + (17 * n)]);
        }
    }

    /// <summary>A factor of each kind, with its dense matrix built without the library.</summary>
    private static (KroneckerFactor Factor, double[,] Dense) Factor(int kind, Random random)
    {
        switch (kind)
        {
            case 0:
                return (KroneckerFactor.Identity(3), IdentityMatrix(3));
            case 1:
                return (KroneckerFactor.Scalar(2.5), new[,] { { 2.5 } });
            case 2:
                double[] row = RandomVector(random, 4);
                return (KroneckerFactor.RowVector(row), RowMatrix(row));
            case 3:
                double[] column = RandomVector(random, 2);
                return (KroneckerFactor.ColumnVector(column), ColumnMatrix(column));
            case 4:
                double[,] matrix = RandomMatrix(random, 2, 3);
                return (KroneckerFactor.Matrix(matrix), matrix);
            default:
                double[,] stored = RandomMatrix(random, 3, 2);
                return (KroneckerFactor.TransposedMatrix(stored), Transpose(stored));
        }
    }
}
