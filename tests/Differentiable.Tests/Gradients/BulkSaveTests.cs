using System;
using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Bulk saves of a scratch array against central differences, the <c>Vectorize = false</c> twin, and the method's own
/// exceptions: where the rule applies (a hidden layer reused by every sample, a loop over part of the array, from a start
/// that may be negative, to an end that may be past the array) and where it must not (the loop reads a neighbour, or
/// reads through a second name).
/// </summary>
public class BulkSaveTests
{
    private const long Iterations = 60;

    private static Gen<double[]> VectorOfLength(int minLength, int maxLength) =>
        Gen.Int[minLength, maxLength].SelectMany(n => Vector(n, -1.0, 1.0));

    [Fact]
    public void BatchLossAgainstCentralDifferencesAndItsScalarTwin() =>
        (from n in Gen.Int[1, 5]
         from d in Gen.Int[1, 6]
         from h in Gen.Int[1, 11]
         from o in Gen.Int[1, 3]
         from X in Matrix(n, d, -1.0, 1.0)
         from T in Matrix(n, o, -1.0, 1.0)
         from W1 in Matrix(h, d, -1.0, 1.0)
         from W2 in Matrix(o, h, -1.0, 1.0)
         select (X, T, W1, W2))
        .Sample((X, T, W1, W2) =>
        {
            var g = BulkSaveFunctions.BatchLossGradient(X, T, W1, W2);
            AssertGradient(nameof(BulkSaveFunctions.BatchLoss), a => BulkSaveFunctions.BatchLoss(X, T, (double[,])a[0], (double[,])a[1]), [W1, W2], g.Value, g.dW1, g.dW2);

            // The twin keeps every loop as written: its value is the method's bit for bit, its gradient the same up to the
            // order in which the vectorized code adds.
            var exact = BulkSaveFunctions.BatchLossExactGradient(X, T, W1, W2);
            Assert.Equal(BitConverter.DoubleToInt64Bits(BulkSaveFunctions.BatchLoss(X, T, W1, W2)), BitConverter.DoubleToInt64Bits(exact.Value));
            AssertClose(exact.dW1, g.dW1);
            AssertClose(exact.dW2, g.dW2);
        }, iter: Iterations);

    [Fact]
    public void InnerRangeAgainstCentralDifferences() =>
        (from x in VectorOfLength(2, 9)
         from end in Gen.Int[1, x.Length]
         select (x, end))
        .Sample((x, end) =>
        {
            var g = BulkSaveFunctions.InnerRangeGradient(x, end);
            AssertGradient(nameof(BulkSaveFunctions.InnerRange), a => BulkSaveFunctions.InnerRange((double[])a[0], end), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ALoopPastTheArrayThrowsAsTheMethodDoes()
    {
        var x = new[] { 0.3, -0.2, 0.7 };
        Assert.Throws<IndexOutOfRangeException>(() => BulkSaveFunctions.InnerRange(x, 4));
        Assert.Throws<IndexOutOfRangeException>(() => BulkSaveFunctions.InnerRangeGradient(x, 4));
        Assert.Throws<IndexOutOfRangeException>(() => BulkSaveFunctions.FromStart(x, -1));
        Assert.Throws<IndexOutOfRangeException>(() => BulkSaveFunctions.FromStartGradient(x, -1));

        // The failed sweeps reset the tape (ThrowingTests checks the counts); the next call's gradient is right.
        var g = BulkSaveFunctions.InnerRangeGradient(x, 3);
        AssertGradient(nameof(BulkSaveFunctions.InnerRange), a => BulkSaveFunctions.InnerRange((double[])a[0], 3), [x], g.Value, g.dx);
    }

    [Fact]
    public void FromStartAgainstCentralDifferences() =>
        (from x in VectorOfLength(1, 9)
         from start in Gen.Int[0, x.Length]
         select (x, start))
        .Sample((x, start) =>
        {
            var g = BulkSaveFunctions.FromStartGradient(x, start);
            AssertGradient(nameof(BulkSaveFunctions.FromStart), a => BulkSaveFunctions.FromStart((double[])a[0], start), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ReadsItsNeighbourAgainstCentralDifferences() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = BulkSaveFunctions.ReadsItsNeighbourGradient(x);
            AssertGradient(nameof(BulkSaveFunctions.ReadsItsNeighbour), a => BulkSaveFunctions.ReadsItsNeighbour((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ReadsThroughAnAliasAgainstCentralDifferences() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = BulkSaveFunctions.ReadsThroughAnAliasGradient(x);
            AssertGradient(nameof(BulkSaveFunctions.ReadsThroughAnAlias), a => BulkSaveFunctions.ReadsThroughAnAlias((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void UpdatedInPlaceAgainstCentralDifferences() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = BulkSaveFunctions.UpdatedInPlaceGradient(x);
            AssertGradient(nameof(BulkSaveFunctions.UpdatedInPlace), a => BulkSaveFunctions.UpdatedInPlace((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ADivisionByZeroBeforeTheEndThrowsAsInTheMethod()
    {
        var x = new[] { 0.3, -0.2, 0.7 };
        Assert.Throws<DivideByZeroException>(() => BulkSaveFunctions.DividesByZeroFirst(x, 1, 5));
        Assert.Throws<DivideByZeroException>(() => BulkSaveFunctions.DividesByZeroFirstGradient(x, 1, 5));
        Assert.Throws<IndexOutOfRangeException>(() => BulkSaveFunctions.DividesByZeroFirstGradient(x, 4, 5));

        var g = BulkSaveFunctions.DividesByZeroFirstGradient(x, 7, 3);
        AssertGradient(nameof(BulkSaveFunctions.DividesByZeroFirst), a => BulkSaveFunctions.DividesByZeroFirst((double[])a[0], 7, 3), [x], g.Value, g.dx);
    }

    [Fact]
    public void SummedInTheElementAgainstCentralDifferencesAndItsScalarTwin() =>
        (from n in Gen.Int[1, 4]
         from d in Gen.Int[1, 6]
         from h in Gen.Int[1, 11]
         from o in Gen.Int[1, 3]
         from X in Matrix(n, d, -1.0, 1.0)
         from T in Matrix(n, o, -1.0, 1.0)
         from W1 in Matrix(h, d, -1.0, 1.0)
         from W2 in Matrix(o, h, -1.0, 1.0)
         select (X, T, W1, W2))
        .Sample((X, T, W1, W2) =>
        {
            var g = BulkSaveFunctions.SummedInTheElementGradient(X, T, W1, W2);
            AssertGradient(nameof(BulkSaveFunctions.SummedInTheElement), a => BulkSaveFunctions.SummedInTheElement(X, T, (double[,])a[0], (double[,])a[1]), [W1, W2], g.Value, g.dW1, g.dW2);
            var exact = BulkSaveFunctions.SummedInTheElementExactGradient(X, T, W1, W2);
            Assert.Equal(BitConverter.DoubleToInt64Bits(BulkSaveFunctions.SummedInTheElement(X, T, W1, W2)), BitConverter.DoubleToInt64Bits(exact.Value));
            AssertGradient(nameof(BulkSaveFunctions.SummedInTheElementExact), a => BulkSaveFunctions.SummedInTheElementExact(X, T, (double[,])a[0], (double[,])a[1]), [W1, W2], exact.Value, exact.dW1, exact.dW2);
            AssertClose(exact.dW1, g.dW1);
            AssertClose(exact.dW2, g.dW2);
        }, iter: Iterations);

    [Fact]
    public void SummedInTheElementWithNoInputsMatchesItsScalarTwin() =>
        (from n in Gen.Int[1, 5]
         from h in Gen.Int[1, 11]
         from T in Matrix(n, 2, -1.0, 1.0)
         from W2 in Matrix(2, h, -1.0, 1.0)
         select (n, h, T, W2))
        .Sample((n, h, T, W2) =>
        {
            // d = 0: every hidden unit is tanh(0), and the batched dW1 updates are empty runs that store no α.
            var (X, W1) = (new double[n, 0], new double[h, 0]);
            var g = BulkSaveFunctions.SummedInTheElementGradient(X, T, W1, W2);
            var exact = BulkSaveFunctions.SummedInTheElementExactGradient(X, T, W1, W2);
            Assert.Equal(exact.Value, g.Value, 12);
            Assert.Empty(g.dW1);
            AssertClose(exact.dW2, g.dW2);
        }, iter: Iterations);

    [Fact]
    public void CopiedFromALocalAgainstCentralDifferences() =>
        (from n in Gen.Int[1, 4]
         from d in Gen.Int[1, 5]
         from k in Gen.Int[1, 11]
         from X in Matrix(n, d, -1.0, 1.0)
         from W in Matrix(k, d, -1.0, 1.0)
         select (X, W))
        .Sample((X, W) =>
        {
            var g = BulkSaveFunctions.CopiedFromALocalGradient(X, W);
            AssertGradient(nameof(BulkSaveFunctions.CopiedFromALocal), a => BulkSaveFunctions.CopiedFromALocal(X, (double[,])a[0]), [W], g.Value, g.dW);
        }, iter: Iterations);

    [Fact]
    public void PartialSumReadAgainstCentralDifferences() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = BulkSaveFunctions.PartialSumReadGradient(x);
            AssertGradient(nameof(BulkSaveFunctions.PartialSumRead), a => BulkSaveFunctions.PartialSumRead((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void AddedAfterTheCallAgainstCentralDifferences() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = BulkSaveFunctions.AddedAfterTheCallGradient(x);
            AssertGradient(nameof(BulkSaveFunctions.AddedAfterTheCall), a => BulkSaveFunctions.AddedAfterTheCall((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void CallOnItselfAgainstCentralDifferences() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = BulkSaveFunctions.CallOnItselfGradient(x);
            AssertGradient(nameof(BulkSaveFunctions.CallOnItself), a => BulkSaveFunctions.CallOnItself((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    private static void AssertClose(double[,] expected, double[,] actual)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                double scale = Math.Max(1.0, Math.Abs(expected[i, j]));
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= 1e-12 * scale, $"[{i}, {j}]: {actual[i, j]:R} against the twin's {expected[i, j]:R}");
            }
        }
    }
}
