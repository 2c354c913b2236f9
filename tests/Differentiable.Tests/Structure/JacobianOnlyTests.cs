using System;
using Differentiable.Tests.Jacobians;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Methods whose structured Jacobians <c>FJacobianOnly</c> builds without running their loops, and methods where it
/// must not: where the method would throw, it throws too, by taking the way through the value.
/// </summary>
public static partial class JacobianOnlyFunctions
{
    /// <summary>y = W·x + b: ∂y/∂W = xᵀ ⊗ I, ∂y/∂x = W, ∂y/∂b = I.</summary>
    [Differentiate]
    public static double[] Affine(double[,] W, double[] x, double[] b)
    {
        int n = W.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = b[i];
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>Y = A·X (p × q): ∂Y/∂A = Xᵀ ⊗ I, ∂Y/∂X = I ⊗ A, with the shape of a matrix result.</summary>
    [Differentiate]
    public static double[,] Product(double[,] A, double[,] X)
    {
        var Y = new double[A.GetLength(0), X.GetLength(1)];
        for (int i = 0; i < Y.GetLength(0); i++)
        {
            for (int k = 0; k < Y.GetLength(1); k++)
            {
                for (int j = 0; j < A.GetLength(1); j++)
                {
                    Y[i, k] += A[i, j] * X[j, k];
                }
            }
        }

        return Y;
    }

    /// <summary>
    /// y = tanh(W·x): its Jacobians read tanh′(u) = 1 − y² from the value, so skipping the value would mean computing u
    /// once per parameter; JacobianOnly takes the way through the value.
    /// </summary>
    [Differentiate]
    public static double[] TanhOfProduct(double[,] W, double[] x)
    {
        var y = new double[W.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
        {
            double u = 0.0;
            for (int j = 0; j < x.Length; j++)
            {
                u += W[i, j] * x[j];
            }

            y[i] = Math.Tanh(u);
        }

        return y;
    }

    /// <summary>y = x + b with respect to x alone: ∂y/∂x = I never reads b, but b too short makes the method throw.</summary>
    [Differentiate(nameof(x))]
    public static double[] PlusConstant(double[] x, double[] b)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] + b[i];
        }

        return y;
    }

    /// <summary>y = 2·x, after y = z, overwritten: z too short (or null) makes the method throw.</summary>
    [Differentiate(nameof(x))]
    public static double[] Overwritten(double[] x, double[] z)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = z[i];
            y[i] = 2.0 * x[i];
        }

        return y;
    }

    /// <summary>Y = a·bᵀ / (a.Length·b.Length), the count read from the result after its allocation.</summary>
    [Differentiate]
    public static double[,] OuterMean(double[] a, double[] b)
    {
        var Y = new double[a.Length, b.Length];
        int total = Y.Length;
        for (int i = 0; i < a.Length; i++)
        {
            for (int j = 0; j < b.Length; j++)
            {
                Y[i, j] = a[i] * b[j] / total;
            }
        }

        return Y;
    }

    /// <summary>y[i] = 2·x[i] on [1, x.Length), y of length n: past the largest array, the allocation throws.</summary>
    [Differentiate(nameof(x))]
    public static double[] Padded(double[] x, int n)
    {
        var y = new double[n];
        for (int i = 1; i < x.Length; i++)
        {
            y[i] = 2.0 * x[i];
        }

        return y;
    }

    /// <summary>y = 2·x, with a local reading z that the result never reads: z too short makes the method throw.</summary>
    [Differentiate(nameof(x))]
    public static double[] DeadRead(double[] x, double[] z)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double unused = z[i];
            y[i] = 2.0 * x[i];
        }

        return y;
    }

    /// <summary>y = x + (n / k)·c: the int quotient's derivative in x is 0, but at k = 0 the method throws.</summary>
    [Differentiate(nameof(x))]
    public static double[] IntQuotient(double[] x, double c, int n, int k)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] + (n / k) * c;
        }

        return y;
    }

    /// <summary>y = 3·x over the first m elements, y as long as m: m &lt; 0 throws at the allocation.</summary>
    [Differentiate(nameof(x))]
    public static double[] Prefix(double[] x, int m)
    {
        var y = new double[m];
        for (int i = 0; i < m; i++)
        {
            y[i] = 3.0 * x[i];
        }

        return y;
    }
}

/// <summary>Stencils and convolutions: moved indices whose reach the conditions bound at the loops' corners.</summary>
public static partial class JacobianOnlyStencils
{
    /// <summary>y[i] = x[i + 1] − x[i] over the first m elements, y of length m: m = x.Length reads past x.</summary>
    [Differentiate(nameof(x))]
    public static double[] ForwardDifference(double[] x, int m)
    {
        var y = new double[m];
        for (int i = 0; i < m; i++)
        {
            y[i] = x[i + 1] - x[i];
        }

        return y;
    }

    /// <summary>y[i] = x[i + k] over the first m elements: near int.MaxValue, i + k wraps.</summary>
    [Differentiate(nameof(x))]
    public static double[] ShiftedBy(double[] x, int k, int m)
    {
        var y = new double[m];
        for (int i = 0; i < m; i++)
        {
            y[i] = x[i + k];
        }

        return y;
    }

    /// <summary>y[i] = c·x[k − i]: reversed, reaching past x where k ≥ x.Length or k − m + 1 &lt; 0.</summary>
    [Differentiate(nameof(x))]
    public static double[] Reversed(double[] x, int k, int m, double c)
    {
        var y = new double[m];
        for (int i = 0; i < m; i++)
        {
            y[i] = c * x[k - i];
        }

        return y;
    }

    /// <summary>y[i] = Σ_j w[j]·x[i + j − s]: a correlation, shifted by s (any s but 0 reads past x).</summary>
    [Differentiate]
    public static double[] Correlation(double[] x, double[] w, int s)
    {
        var y = new double[x.Length - w.Length + 1];
        for (int i = 0; i < y.Length; i++)
        {
            for (int j = 0; j < w.Length; j++)
            {
                y[i] += w[j] * x[i + j - s];
            }
        }

        return y;
    }

    /// <summary>The five-point Laplacian on the interior of an r × r grid, the border of Y zero: r past X's rows reads past X.</summary>
    [Differentiate(nameof(X))]
    public static double[,] Laplacian(double[,] X, int r)
    {
        var Y = new double[r, X.GetLength(1)];
        for (int i = 1; i < r - 1; i++)
        {
            for (int j = 1; j < X.GetLength(1) - 1; j++)
            {
                Y[i, j] = X[i - 1, j] + X[i + 1, j] + X[i, j - 1] + X[i, j + 1] - 4.0 * X[i, j];
            }
        }

        return Y;
    }

    /// <summary>Y[i, j] = Σ_a Σ_b K[a, b]·X[i + a, j + b]: a 2-D correlation, valid part.</summary>
    [Differentiate]
    public static double[,] Filter(double[,] X, double[,] K)
    {
        var Y = new double[X.GetLength(0) - K.GetLength(0) + 1, X.GetLength(1) - K.GetLength(1) + 1];
        for (int i = 0; i < Y.GetLength(0); i++)
        {
            for (int j = 0; j < Y.GetLength(1); j++)
            {
                for (int a = 0; a < K.GetLength(0); a++)
                {
                    for (int b = 0; b < K.GetLength(1); b++)
                    {
                        Y[i, j] += K[a, b] * X[i + a, j + b];
                    }
                }
            }
        }

        return Y;
    }

    /// <summary>y[i] = x[(i + 1) % n]: periodic, which no corners bound; the way through the value.</summary>
    [Differentiate]
    public static double[] Rotate(double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = x[(i + 1) % n];
        }

        return y;
    }
}

public class JacobianOnlyTests
{
    private static object Affine(object[] a) => JacobianOnlyFunctions.Affine((double[,])a[0], (double[])a[1], (double[])a[2]);

    [Fact]
    public void AnAffineMapsJacobiansAreTheClosedFormsWithoutTheValue()
    {
        var random = new Random(11);
        foreach (var (n, m) in new[] { (1, 1), (3, 5), (6, 2) })
        {
            double[,] W = JacobianTestKit.RandomMatrix(random, n, m);
            double[] x = JacobianTestKit.RandomVector(random, m), b = JacobianTestKit.RandomVector(random, n);
            var (dW, dx, db) = JacobianOnlyFunctions.AffineJacobianOnly(W, x, b);

            Assert.Equal(JacobianStructure.Kronecker, dW.Structure);
            Assert.Equal(JacobianStructure.Dense, dx.Structure);
            Assert.Equal(JacobianStructure.Identity, db.Structure);
            // J[i, p + q·n] = δ(i, p)·x[q]; ∂y/∂x = W; ∂y/∂b = I.
            AssertEntries(dW, n, n * m, (i, c) => i == c % n ? x[c / n] : 0.0);
            AssertEntries(dx, n, m, (i, j) => W[i, j]);
            AssertEntries(db, n, n, (i, j) => i == j ? 1.0 : 0.0);
            object[] args = [W, x, b];
            AssertClose("Affine ∂W vs central differences", CentralJacobian(Affine, args, 0), dW.ToDense(), RelativeTolerance);

            var withValue = JacobianOnlyFunctions.AffineJacobian(W, x, b);
            JacobianOnlyKit.AssertAgrees(nameof(JacobianOnlyFunctions.Affine), [withValue.dW, withValue.dx, withValue.db], [dW, dx, db]);
        }
    }

    [Fact]
    public void TheJacobiansCopyTheArgumentsTheyRead()
    {
        double[,] W = { { 1.0, 2.0 }, { 3.0, 4.0 } };
        double[] x = { 5.0, 6.0 }, b = { 0.0, 0.0 };
        var (dW, dx, _) = JacobianOnlyFunctions.AffineJacobianOnly(W, x, b);
        x[1] = -1.0;
        W[1, 0] = -1.0;
        Assert.Equal(6.0, dW[0, 2]);
        Assert.Equal(3.0, dx[1, 0]);
    }

    [Fact]
    public void AMatrixResultGetsItsShapeFromTheAllocation()
    {
        var random = new Random(12);
        double[,] A = JacobianTestKit.RandomMatrix(random, 3, 4), X = JacobianTestKit.RandomMatrix(random, 4, 2);
        var (dA, dX) = JacobianOnlyFunctions.ProductJacobianOnly(A, X);
        Assert.Equal(TensorShape.Matrix(3, 2), dA.OutputShape);
        Assert.Equal(JacobianStructure.Kronecker, dA.Structure);
        Assert.Equal(JacobianStructure.Kronecker, dX.Structure);
        object Product(object[] a) => JacobianOnlyFunctions.Product((double[,])a[0], (double[,])a[1]);
        AssertClose("Product ∂A vs central differences", CentralJacobian(Product, [A, X], 0), dA.ToDense(), RelativeTolerance);
        AssertClose("Product ∂X vs central differences", CentralJacobian(Product, [A, X], 1), dX.ToDense(), RelativeTolerance);
    }

    [Fact]
    public void AResultsCountReadAfterItsAllocationIsTheProductOfItsExtents()
    {
        var random = new Random(18);
        double[] a = JacobianTestKit.RandomVector(random, 3), b = JacobianTestKit.RandomVector(random, 4);
        var (da, db) = JacobianOnlyFunctions.OuterMeanJacobianOnly(a, b);
        object OuterMean(object[] args) => JacobianOnlyFunctions.OuterMean((double[])args[0], (double[])args[1]);
        AssertClose("OuterMean ∂a vs central differences", CentralJacobian(OuterMean, [a, b], 0), da.ToDense(), RelativeTolerance);
        AssertClose("OuterMean ∂b vs central differences", CentralJacobian(OuterMean, [a, b], 1), db.ToDense(), RelativeTolerance);
        var withValue = JacobianOnlyFunctions.OuterMeanJacobian(a, b);
        JacobianOnlyKit.AssertAgrees(nameof(JacobianOnlyFunctions.OuterMean), [withValue.da, withValue.db], [da, db]);
        var padded = JacobianOnlyFunctions.PaddedJacobianOnly(a, 5);
        JacobianOnlyKit.AssertAgrees(nameof(JacobianOnlyFunctions.Padded), [JacobianOnlyFunctions.PaddedJacobian(a, 5).dx], [padded]);
    }

    [Fact]
    public void AnElementwiseFunctionOfASumAgreesWithTheJacobiansBesideTheValue()
    {
        var random = new Random(13);
        double[,] W = JacobianTestKit.RandomMatrix(random, 4, 3);
        double[] x = JacobianTestKit.RandomVector(random, 3);
        var (dW, dx) = JacobianOnlyFunctions.TanhOfProductJacobianOnly(W, x);
        object Tanh(object[] a) => JacobianOnlyFunctions.TanhOfProduct((double[,])a[0], (double[])a[1]);
        AssertClose("tanh(W·x) ∂W vs central differences", CentralJacobian(Tanh, [W, x], 0), dW.ToDense(), RelativeTolerance);
        AssertClose("tanh(W·x) ∂x vs central differences", CentralJacobian(Tanh, [W, x], 1), dx.ToDense(), RelativeTolerance);
        var withValue = JacobianOnlyFunctions.TanhOfProductJacobian(W, x);
        JacobianOnlyKit.AssertAgrees(nameof(JacobianOnlyFunctions.TanhOfProduct), [withValue.dW, withValue.dx], [dW, dx]);
    }

    // Where the loops do not cover whole dimensions, or do not run, the structure does not apply: the dense Jacobians
    // computed with the value, as FJacobian's.
    [Fact]
    public void ArgumentsTheStructureDoesNotCoverTakeTheWayThroughTheValue()
    {
        var random = new Random(14);
        // x shorter than W's rows: the method reads part of W.
        double[,] W = JacobianTestKit.RandomMatrix(random, 3, 4);
        double[] x = JacobianTestKit.RandomVector(random, 2), b = JacobianTestKit.RandomVector(random, 3);
        var withValue = JacobianOnlyFunctions.AffineJacobian(W, x, b);
        var (dW, dx, db) = JacobianOnlyFunctions.AffineJacobianOnly(W, x, b);
        Assert.Equal(JacobianStructure.Dense, dW.Structure);
        JacobianOnlyKit.AssertAgrees(nameof(JacobianOnlyFunctions.Affine), [withValue.dW, withValue.dx, withValue.db], [dW, dx, db]);
        AssertClose("Affine ∂W (x short) vs central differences", CentralJacobian(Affine, [W, x, b], 0), dW.ToDense(), RelativeTolerance);

        // No rows: the loops never run.
        var empty = JacobianOnlyFunctions.AffineJacobianOnly(new double[0, 3], new double[3], new double[0]);
        Assert.Equal(0, empty.dW.Rows);
        Assert.Equal(0, empty.db.Rows);
    }

    [Fact]
    public void WhereTheMethodThrowsSoDoesTheCompanion()
    {
        var random = new Random(15);
        double[] x = JacobianTestKit.RandomVector(random, 4);

        // x longer than W's rows: the method reads past W.
        double[,] W = JacobianTestKit.RandomMatrix(random, 2, 3);
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.Affine(W, x, new double[2]));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.AffineJacobianOnly(W, x, new double[2]));
        // b shorter than W's rows, though ∂y/∂W and ∂y/∂x never read b.
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.AffineJacobianOnly(JacobianTestKit.RandomMatrix(random, 3, 4), x, new double[2]));

        // An array no Jacobian reads, too short.
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.PlusConstant(x, new double[3]));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.PlusConstantJacobianOnly(x, new double[3]));
        Assert.Equal(JacobianStructure.Identity, JacobianOnlyFunctions.PlusConstantJacobianOnly(x, new double[5]).Structure);

        // A value of y overwritten, reading past z or from a null z.
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.Overwritten(x, new double[3]));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.OverwrittenJacobianOnly(x, new double[3]));
        Assert.Throws<NullReferenceException>(() => JacobianOnlyFunctions.OverwrittenJacobianOnly(x, null!));

        // A result the runtime cannot allocate (past Array.MaxLength: thrown before any memory is taken).
        Assert.Throws<OutOfMemoryException>(() => JacobianOnlyFunctions.Padded(x, int.MaxValue));
        Assert.Throws<OutOfMemoryException>(() => JacobianOnlyFunctions.PaddedJacobianOnly(x, int.MaxValue));
        Assert.Throws<OverflowException>(() => JacobianOnlyFunctions.PaddedJacobianOnly(x, -1));

        // A local the result never reads, reading past z.
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.DeadRead(x, new double[3]));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.DeadReadJacobianOnly(x, new double[3]));
        Assert.Equal(2.0, JacobianOnlyFunctions.DeadReadJacobianOnly(x, new double[4])[1, 1]);

        // An int quotient whose derivative is 0, by zero.
        Assert.Throws<DivideByZeroException>(() => JacobianOnlyFunctions.IntQuotient(x, 1.5, 7, 0));
        Assert.Throws<DivideByZeroException>(() => JacobianOnlyFunctions.IntQuotientJacobianOnly(x, 1.5, 7, 0));
        Assert.Equal(JacobianStructure.Identity, JacobianOnlyFunctions.IntQuotientJacobianOnly(x, 1.5, 7, 2).Structure);

        // A negative length at the allocation; a length past x.
        Assert.Throws<OverflowException>(() => JacobianOnlyFunctions.Prefix(x, -1));
        Assert.Throws<OverflowException>(() => JacobianOnlyFunctions.PrefixJacobianOnly(x, -1));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyFunctions.PrefixJacobianOnly(x, 5));
        var prefix = JacobianOnlyFunctions.PrefixJacobianOnly(x, 3);
        AssertEntries(prefix, 3, 4, (i, j) => i == j ? 3.0 : 0.0);
    }

    [Fact]
    public void StencilsAndCorrelationsAgreeWithTheJacobiansBesideTheValue()
    {
        var random = new Random(16);
        double[] x = JacobianTestKit.RandomVector(random, 7), w = JacobianTestKit.RandomVector(random, 3);
        double[,] X = JacobianTestKit.RandomMatrix(random, 5, 6), K = JacobianTestKit.RandomMatrix(random, 2, 3);

        foreach (var m in new[] { 1, 4, 6 })
        {
            AssertAgrees(nameof(JacobianOnlyStencils.ForwardDifference), [x, m], [JacobianOnlyStencils.ForwardDifferenceJacobian(x, m).dx], 0, a => JacobianOnlyStencils.ForwardDifference((double[])a[0], m));
        }

        foreach (var (k, m) in new[] { (6, 7), (3, 4), (6, 2) })
        {
            AssertAgrees(nameof(JacobianOnlyStencils.Reversed), [x, k, m, 1.5], [JacobianOnlyStencils.ReversedJacobian(x, k, m, 1.5).dx], 0, a => JacobianOnlyStencils.Reversed((double[])a[0], k, m, 1.5));
        }

        var c = JacobianOnlyStencils.CorrelationJacobian(x, w, 0);
        AssertAgrees(nameof(JacobianOnlyStencils.Correlation), [x, w, 0], [c.dx, c.dw], 0, a => JacobianOnlyStencils.Correlation((double[])a[0], (double[])a[1], 0));

        foreach (var r in new[] { 3, 5 })
        {
            AssertAgrees(nameof(JacobianOnlyStencils.Laplacian), [X, r], [JacobianOnlyStencils.LaplacianJacobian(X, r).dX], 0, a => JacobianOnlyStencils.Laplacian((double[,])a[0], r));
        }

        var f = JacobianOnlyStencils.FilterJacobian(X, K);
        AssertAgrees(nameof(JacobianOnlyStencils.Filter), [X, K], [f.dX, f.dK], 1, a => JacobianOnlyStencils.Filter((double[,])a[0], (double[,])a[1]));
        AssertAgrees(nameof(JacobianOnlyStencils.Rotate), [x], [JacobianOnlyStencils.RotateJacobian(x).dx], 0, a => JacobianOnlyStencils.Rotate((double[])a[0]));
    }

    [Fact]
    public void WhereAStencilReadsPastItsArraySoDoesTheCompanionThrow()
    {
        var random = new Random(17);
        double[] x = JacobianTestKit.RandomVector(random, 5), w = JacobianTestKit.RandomVector(random, 3);
        double[,] X = JacobianTestKit.RandomMatrix(random, 4, 4);
        foreach (Action call in new Action[]
        {
            () => JacobianOnlyStencils.ForwardDifference(x, 5),
            () => JacobianOnlyStencils.Reversed(x, 5, 2, 1.0),
            () => JacobianOnlyStencils.Reversed(x, 2, 4, 1.0),
            () => JacobianOnlyStencils.Correlation(x, w, 1),
            () => JacobianOnlyStencils.Correlation(x, w, -1),
            () => JacobianOnlyStencils.Laplacian(X, 6),
        })
        {
            Assert.Throws<IndexOutOfRangeException>(call);
        }

        // Corners whose int sums wrap (a helper's find): x[i + int.MaxValue] at i = 1 is x[int.MinValue], and
        // m − 1 + k passed "< x.Length".
        foreach (var (k, m) in new[] { (int.MaxValue, 2), (int.MaxValue - 1, 3) })
        {
            Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.ShiftedBy(x, k, m));
            Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.ShiftedByJacobianOnly(x, k, m));
        }

        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.ReversedJacobianOnly(x, int.MinValue, 2, 1.0));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.CorrelationJacobianOnly(x, w, int.MinValue + 1));
        Assert.Equal(JacobianStructure.Shift, JacobianOnlyStencils.ShiftedByJacobianOnly(x, 2, 3).Structure);

        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.ForwardDifferenceJacobianOnly(x, 5));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.ReversedJacobianOnly(x, 5, 2, 1.0));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.ReversedJacobianOnly(x, 2, 4, 1.0));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.CorrelationJacobianOnly(x, w, 1));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.CorrelationJacobianOnly(x, w, -1));
        Assert.Throws<IndexOutOfRangeException>(() => JacobianOnlyStencils.LaplacianJacobianOnly(X, 6));
    }

    /// <summary>JacobianOnly against the Jacobians beside the value, and parameter <paramref name="central"/>'s against central differences.</summary>
    private static void AssertAgrees(string method, object[] args, Jacobian[] withValue, int central, Func<object[], object> f)
    {
        JacobianOnlyKit.AssertAgrees(typeof(JacobianOnlyStencils), method, args, withValue);
        AssertClose($"{method} ∂{central} vs central differences", CentralJacobian(f, args, central), withValue[central].ToDense(), RelativeTolerance);
    }

    private static void AssertEntries(Jacobian jacobian, int rows, int columns, Func<int, int, double> expected)
    {
        Assert.Equal(rows, jacobian.Rows);
        Assert.Equal(columns, jacobian.Columns);
        var dense = jacobian.ToDense();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(expected(r, c), dense[r, c]);
                Assert.Equal(expected(r, c), jacobian[r, c]);
            }
        }
    }
}
