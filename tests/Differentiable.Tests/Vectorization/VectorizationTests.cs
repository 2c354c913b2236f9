using System;
using System.Linq;
using CsCheck;
using Differentiable.Runtime;
using Differentiable.Tests.Gradients;
using Xunit;
using Xunit.Sdk;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// The SIMD kernels against the loops they replace, and the companions that call them against finite differences,
/// closed forms and (with <c>Vectorize = false</c>) the method's own result bit for bit.
/// </summary>
public class VectorizationTests
{
    private const long Iterations = 100;

    /// <summary>
    /// Array lengths: short ones (tails, fewer elements than a vector), and long ones whose runs reach the 512-bit paths
    /// the kernels take from 256 elements on where the processor has AVX-512.
    /// </summary>
    internal static readonly Gen<int> ArrayLength = Gen.OneOf(Gen.Int[1, 70], Gen.Int[256, 600]);

    /// <summary>A matrix of 1–11 rows, each <see cref="ArrayLength"/> long, and a range of its rows (possibly none).</summary>
    internal static readonly Gen<(double[,] M, int First, int Rows)> RowsOfAMatrix =
        from matrixRows in Gen.Int[1, 11]
        from n in ArrayLength
        from M in Matrix(matrixRows, n)
        from first in Gen.Int[0, matrixRows - 1]
        from rows in Gen.Int[0, matrixRows - first]
        select (M, first, rows);

    /// <summary>A run of length ≥ 0 inside an array of the given length: (start, length).</summary>
    internal static Gen<(int Start, int Length)> Run(int arrayLength) =>
        from start in Gen.Int[0, arrayLength - 1]
        from length in Gen.Int[0, arrayLength - start]
        select (start, length);

    internal static void AssertBitIdentical(double[] expected, double[] actual)
    {
        for (var k = 0; k < expected.Length; k++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[k]) != BitConverter.DoubleToInt64Bits(actual[k]))
            {
                throw new XunitException($"element {k}: {actual[k]:R}, the loop gives {expected[k]:R}");
            }
        }
    }

    /// <summary>A reordered sum of products stays within the classic bound n·ε·Σ|aₖbₖ| of the sequential one.</summary>
    private static void AssertDotClose(double sequential, double absolute, int length, double kernel)
    {
        var bound = 2.0 * length * 1.1102230246251565e-16 * absolute;
        if (!(Math.Abs(kernel - sequential) <= bound))
        {
            throw new XunitException($"dot of {length}: kernel {kernel:R}, sequential {sequential:R}, bound {bound:R}");
        }
    }

    [Fact]
    public void Axpy_VectorToVector_IsTheLoopBitForBit() =>
        (from n in ArrayLength
         from x in Vector(n)
         from y in Vector(n)
         from run in Run(n)
         from yStart in Gen.Int[0, n - run.Length]
         from alpha in Gen.Double[-3.0, 3.0]
         select (x, y, run, yStart, alpha))
        .Sample((x, y, run, yStart, alpha) =>
        {
            var expected = (double[])y.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expected[yStart + k] += alpha * x[run.Start + k];
            }

            var actual = (double[])y.Clone();
            Kernels.Axpy(alpha, x, run.Start, actual, yStart, run.Length);
            AssertBitIdentical(expected, actual);

            // The same array on both sides, same place: each element read, then written.
            expected = (double[])y.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expected[run.Start + k] += alpha * expected[run.Start + k];
            }

            actual = (double[])y.Clone();
            Kernels.Axpy(alpha, actual, run.Start, actual, run.Start, run.Length);
            AssertBitIdentical(expected, actual);
        }, iter: Iterations);

    [Fact]
    public void Axpy_RowsAndVectors_AreTheLoopBitForBit() =>
        (from rows in Gen.Int[1, 4]
         from n in ArrayLength
         from X in Matrix(rows, n)
         from Y in Matrix(rows, n)
         from v in Vector(n)
         from xRow in Gen.Int[0, rows - 1]
         from yRow in Gen.Int[0, rows - 1]
         from run in Run(n)
         from alpha in Gen.Double[-3.0, 3.0]
         select (X, Y, v, xRow, yRow, run, alpha))
        .Sample((X, Y, v, xRow, yRow, run, alpha) =>
        {
            // Row to row.
            var expected = (double[,])Y.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expected[yRow, run.Start + k] += alpha * X[xRow, run.Start + k];
            }

            var actual = (double[,])Y.Clone();
            Kernels.Axpy(alpha, X, xRow, run.Start, actual, yRow, run.Start, run.Length);
            AssertBitIdentical(Flatten(expected), Flatten(actual));

            // Vector into a row (the outer-product update dW[i, j] += t·x[j]).
            expected = (double[,])Y.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expected[yRow, run.Start + k] += alpha * v[run.Start + k];
            }

            actual = (double[,])Y.Clone();
            Kernels.Axpy(alpha, v, run.Start, actual, yRow, run.Start, run.Length);
            AssertBitIdentical(Flatten(expected), Flatten(actual));

            // A row into a vector (the transposed product dx[j] += t·W[i, j]).
            var expectedVector = (double[])v.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expectedVector[run.Start + k] += alpha * X[xRow, run.Start + k];
            }

            var actualVector = (double[])v.Clone();
            Kernels.Axpy(alpha, X, xRow, run.Start, actualVector, run.Start, run.Length);
            AssertBitIdentical(expectedVector, actualVector);
        }, iter: Iterations);

    [Fact]
    public void Scale_AllOperandKinds_AreTheLoopBitForBit() =>
        (from rows in Gen.Int[1, 4]
         from n in ArrayLength
         from X in Matrix(rows, n)
         from Y in Matrix(rows, n)
         from u in Vector(n)
         from v in Vector(n)
         from xRow in Gen.Int[0, rows - 1]
         from yRow in Gen.Int[0, rows - 1]
         from run in Run(n)
         from alpha in Gen.Double[-3.0, 3.0]
         select (X, Y, u, v, xRow, yRow, run, alpha))
        .Sample((X, Y, u, v, xRow, yRow, run, alpha) =>
        {
            // Stores: what was there before is gone, what lies outside the run is untouched.
            var expectedVector = (double[])v.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expectedVector[run.Start + k] = alpha * u[run.Start + k];
            }

            var actualVector = (double[])v.Clone();
            Kernels.Scale(alpha, u, run.Start, actualVector, run.Start, run.Length);
            AssertBitIdentical(expectedVector, actualVector);

            expectedVector = (double[])v.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expectedVector[run.Start + k] = alpha * X[xRow, run.Start + k];
            }

            actualVector = (double[])v.Clone();
            Kernels.Scale(alpha, X, xRow, run.Start, actualVector, run.Start, run.Length);
            AssertBitIdentical(expectedVector, actualVector);

            var expected = (double[,])Y.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expected[yRow, run.Start + k] = alpha * u[run.Start + k];
            }

            var actual = (double[,])Y.Clone();
            Kernels.Scale(alpha, u, run.Start, actual, yRow, run.Start, run.Length);
            AssertBitIdentical(Flatten(expected), Flatten(actual));

            expected = (double[,])Y.Clone();
            for (var k = 0; k < run.Length; k++)
            {
                expected[yRow, run.Start + k] = alpha * X[xRow, run.Start + k];
            }

            actual = (double[,])Y.Clone();
            Kernels.Scale(alpha, X, xRow, run.Start, actual, yRow, run.Start, run.Length);
            AssertBitIdentical(Flatten(expected), Flatten(actual));
        }, iter: Iterations);

    [Fact]
    public void Dot_AllOperandKinds_AgreeWithTheSequentialSum() =>
        (from rows in Gen.Int[1, 4]
         from n in ArrayLength
         from A in Matrix(rows, n)
         from B in Matrix(rows, n)
         from u in Vector(n)
         from v in Vector(n)
         from aRow in Gen.Int[0, rows - 1]
         from bRow in Gen.Int[0, rows - 1]
         from run in Run(n)
         select (A, B, u, v, aRow, bRow, run))
        .Sample((A, B, u, v, aRow, bRow, run) =>
        {
            double Sequential(Func<int, double> a, Func<int, double> b, out double absolute)
            {
                double sum = 0.0;
                absolute = 0.0;
                for (var k = run.Start; k < run.Start + run.Length; k++)
                {
                    sum += a(k) * b(k);
                    absolute += Math.Abs(a(k) * b(k));
                }

                return sum;
            }

            var vv = Sequential(k => u[k], k => v[k], out var abs1);
            AssertDotClose(vv, abs1, run.Length, Kernels.Dot(u, run.Start, v, run.Start, run.Length));
            var mv = Sequential(k => A[aRow, k], k => v[k], out var abs2);
            AssertDotClose(mv, abs2, run.Length, Kernels.Dot(A, aRow, run.Start, v, run.Start, run.Length));
            var mm = Sequential(k => A[aRow, k], k => B[bRow, k], out var abs3);
            AssertDotClose(mm, abs3, run.Length, Kernels.Dot(A, aRow, run.Start, B, bRow, run.Start, run.Length));
        }, iter: Iterations);

    [Fact]
    public void MatVecAdd_AddsEachRowsDotToItsElementOnly() =>
        (from matrixRows in Gen.Int[1, 9]
         from n in ArrayLength
         from M in Matrix(matrixRows, n)
         from V in Matrix(2, n)
         from first in Gen.Int[0, matrixRows - 1]
         from rows in Gen.Int[0, matrixRows - first]
         from run in Run(n)
         from vRow in Gen.Int[0, 1]
         from yStart in Gen.Int[0, 3]
         from y in Vector(rows + 6)
         select (M, V, first, rows, run, vRow, yStart, y))
        .Sample((M, V, first, rows, run, vRow, yStart, y) =>
        {
            var v = Enumerable.Range(0, V.GetLength(1)).Select(k => V[vRow, k]).ToArray();
            var fromVector = (double[])y.Clone();
            var fromRow = (double[])y.Clone();
            Kernels.MatVecAdd(M, first, run.Start, v, run.Start, run.Length, fromVector, yStart, rows);
            Kernels.MatVecAdd(M, first, run.Start, V, vRow, run.Start, run.Length, fromRow, yStart, rows);
            AssertBitIdentical(fromVector, fromRow);
            for (var e = 0; e < y.Length; e++)
            {
                var r = e - yStart;
                if (r < 0 || r >= rows)
                {
                    // Outside the rows: untouched.
                    Assert.Equal(BitConverter.DoubleToInt64Bits(y[e]), BitConverter.DoubleToInt64Bits(fromVector[e]));
                    continue;
                }

                double sum = 0.0, absolute = 0.0;
                for (var k = run.Start; k < run.Start + run.Length; k++)
                {
                    sum += M[first + r, k] * v[k];
                    absolute += Math.Abs(M[first + r, k] * v[k]);
                }

                // The row's sum in another order, then one rounding of the addition into y.
                var bound = 2.0 * run.Length * 1.1102230246251565e-16 * absolute + 2.220446049250313e-16 * (Math.Abs(y[e]) + absolute);
                if (!(Math.Abs(fromVector[e] - (y[e] + sum)) <= bound))
                {
                    throw new XunitException($"row {r} of {rows}, run {run}: {fromVector[e]:R}, the loop gives {y[e] + sum:R}");
                }
            }
        }, iter: Iterations);

    [Fact]
    public void MatVecAdd_EdgesAreThoseOfTheLoop()
    {
        var M = new double[3, 4];
        var v = new double[4];
        var y = new[] { -0.0, -0.0, 5.0 };

        // No columns: each row's dot is 0.0, and y += 0.0 turns −0 into +0 as the loop's addition did.
        Kernels.MatVecAdd(M, 0, 0, v, 0, 0, y, 0, 2);
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(y[0]));
        Assert.Equal(0L, BitConverter.DoubleToInt64Bits(y[1]));
        Assert.Equal(5.0, y[2]);

        // No rows: nothing runs, so nothing is checked.
        Kernels.MatVecAdd(M, 7, 9, v, 99, 4, y, -3, 0);
        Kernels.MatVecAdd(M, 7, 9, M, 7, 99, 4, y, -3, -1);

        // Any row, column, vector element or element of y outside its array throws, as the loop would.
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, 1, 0, v, 0, 4, y, 0, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, -1, 0, v, 0, 4, y, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, 0, 1, v, 0, 4, y, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, 0, 0, v, 1, 4, y, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, 0, 0, v, 0, 4, y, 1, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, 0, 0, M, 3, 0, 4, y, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatVecAdd(M, 0, 0, v, 0, 0, y, 2, 2));
    }

    [Fact]
    public void DotAxpyScaleAndDotAxpyAxpy_AreTheThreeKernelsInOneSweep() =>
        (from rows in Gen.Int[1, 4]
         from n in Gen.Int[1, 70]
         from A in Matrix(rows, n)
         from Y in Matrix(rows, n)
         from b in Vector(n)
         from y in Vector(n)
         from aRow in Gen.Int[0, rows - 1]
         from yRow in Gen.Int[0, rows - 1]
         from run in Run(n)
         from bStart in Gen.Int[0, n - run.Length]
         from yStart in Gen.Int[0, n - run.Length]
         from YStart in Gen.Int[0, n - run.Length]
         from alpha in Gen.Double[-3.0, 3.0]
         select (A, Y, b, y, aRow, yRow, run, bStart, yStart, YStart, alpha))
        .Sample(sample =>
        {
            var (A, Y, b, y, aRow, yRow, run, bStart, yStart, YStart, alpha) = sample;
            foreach (var store in new[] { true, false })
            {
                // The loop the three kernels replace, element by element.
                var expectedY = (double[])y.Clone();
                var expectedRows = (double[,])Y.Clone();
                double sum = 0.0, absolute = 0.0;
                for (var k = 0; k < run.Length; k++)
                {
                    var ak = A[aRow, run.Start + k];
                    var bk = b[bStart + k];
                    sum += ak * bk;
                    absolute += Math.Abs(ak * bk);
                    expectedY[yStart + k] += alpha * ak;
                    expectedRows[yRow, YStart + k] = store ? alpha * bk : expectedRows[yRow, YStart + k] + (alpha * bk);
                }

                var actualY = (double[])y.Clone();
                var actualRows = (double[,])Y.Clone();
                var dot = store
                    ? Kernels.DotAxpyScale(A, aRow, run.Start, b, bStart, alpha, actualY, yStart, actualRows, yRow, YStart, run.Length)
                    : Kernels.DotAxpyAxpy(A, aRow, run.Start, b, bStart, alpha, actualY, yStart, actualRows, yRow, YStart, run.Length);
                AssertDotClose(sum, absolute, run.Length, dot);
                AssertBitIdentical(expectedY, actualY);
                AssertBitIdentical(Flatten(expectedRows), Flatten(actualRows));
            }
        }, iter: Iterations);

    [Fact]
    public void Tanh_IsWithinTwoUlpOfMathTanh_OnItsRunOnly() =>
        (from n in ArrayLength
         from exponents in Gen.Double[-12.0, 2.5].Array[n]
         from signs in Gen.Bool.Array[n]
         from fractions in Gen.Double[0.1, 1.0].Array[n]
         from run in Run(n)
         select (values: exponents.Select((e, k) => (signs[k] ? -1 : 1) * fractions[k] * Math.Pow(10, e)).ToArray(), run))
        .Sample(sample =>
        {
            var (values, run) = sample;
            var actual = (double[])values.Clone();
            Kernels.Tanh(actual, run.Start, run.Length);
            for (var k = 0; k < values.Length; k++)
            {
                var inRun = k >= run.Start && k < run.Start + run.Length;
                var expected = inRun ? Math.Tanh(values[k]) : values[k];
                var ulps = Math.Abs(BitConverter.DoubleToInt64Bits(actual[k]) - BitConverter.DoubleToInt64Bits(expected));
                if (ulps > (inRun ? 2 : 0))
                {
                    throw new XunitException($"element {k} ({values[k]:R}, in run: {inRun}): {actual[k]:R}, expected {expected:R} ({ulps} ulp)");
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Tanh_SpecialValues_AreThoseOfMathTanh()
    {
        // Longer than a vector, so every value goes through the SIMD path as well as the scalar tail.
        double[] special = [0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 700.0, -700.0, 20.0, -20.0, 0.625, -0.625, 1e-300, -5e-324, double.Epsilon];
        foreach (var offset in new[] { 0, 1, 3 })
        {
            var values = new double[offset].Concat(special).ToArray();
            var actual = (double[])values.Clone();
            Kernels.Tanh(actual, offset, special.Length);
            for (var k = offset; k < values.Length; k++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(Math.Tanh(values[k])), BitConverter.DoubleToInt64Bits(actual[k]));
            }
        }

        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Tanh(new double[4], 2, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Tanh(new double[4], -1, 1));
        Kernels.Tanh(new double[4], 9, 0);
    }

    [Fact]
    public void Kernels_RunsOutsideTheirArray_ThrowAsTheLoopWould()
    {
        var v = new double[5];
        var M = new double[2, 5];
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Dot(v, 0, v, 1, 5));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Dot(v, -1, v, 0, 2));
        // A row run must not spill into the next row, as MemoryMarshal would let it.
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Dot(M, 0, 1, v, 0, 5));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Dot(M, 2, 0, v, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Axpy(1.0, v, 0, M, 1, 3, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Axpy(1.0, M, -1, 0, v, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.DotAxpyScale(M, 0, 1, v, 0, 1.0, v, 0, M, 1, 0, 5));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.DotAxpyAxpy(M, 0, 0, v, 0, 1.0, v, 1, M, 1, 0, 5));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.DotAxpyScale(M, 0, 0, v, 0, 1.0, v, 0, M, 2, 0, 1));

        // An empty run is a loop that never runs: no check, no effect.
        Assert.Equal(0.0, Kernels.Dot(M, 7, 9, v, 99, 0));
        Kernels.Axpy(2.0, v, 99, v, -4, 0);
        Assert.Equal(0.0, Kernels.DotAxpyScale(M, 7, 9, v, 99, 1.0, v, -1, M, 5, 5, 0));
    }

    [Fact]
    public void MatVecSquares_GradientMatchesFiniteDifferencesAndClosedForm() =>
        (from rows in Gen.Int[1, 6]
         from n in Gen.Int[1, 40]
         from W in Matrix(rows, n)
         from x in Vector(n)
         from b in Vector(rows)
         select (W, x, b))
        .Sample((W, x, b) =>
        {
            var g = VectorizedFunctions.MatVecSquaresGradient(W, x, b);
            AssertGradient(nameof(VectorizedFunctions.MatVecSquares),
                a => VectorizedFunctions.MatVecSquares((double[,])a[0], (double[])a[1], (double[])a[2]),
                [W, x, b], g.Value, g.dW, g.dx, g.db);

            // Closed form: with r = Wx + b, ∂/∂W = 2 r xᵀ, ∂/∂x = 2 Wᵀ r, ∂/∂b = 2 r.
            var rows = W.GetLength(0);
            for (var i = 0; i < rows; i++)
            {
                var r = b[i];
                for (var j = 0; j < x.Length; j++)
                {
                    r += W[i, j] * x[j];
                }

                Near.Equal(2.0 * r, g.db[i], 10);
                for (var j = 0; j < x.Length; j++)
                {
                    Near.Equal(2.0 * r * x[j], g.dW[i, j], 10);
                }
            }
        }, iter: Iterations);

    [Fact]
    public void VectorizeFalse_KeepsTheValueBitIdenticalAndTheGradientEqual() =>
        (from rows in Gen.Int[1, 6]
         from n in Gen.Int[8, 40]
         from W in Matrix(rows, n)
         from x in Vector(n)
         from b in Vector(rows)
         select (W, x, b))
        .Sample((W, x, b) =>
        {
            var exact = VectorizedFunctions.MatVecSquaresExactGradient(W, x, b);
            var expected = VectorizedFunctions.MatVecSquaresExact(W, x, b);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(exact.Value));
            Assert.Equal(
                BitConverter.DoubleToInt64Bits(expected),
                BitConverter.DoubleToInt64Bits(VectorizedFunctions.MatVecSquaresExactJvp(W, x, b, new double[W.GetLength(0), x.Length], new double[x.Length], new double[W.GetLength(0)]).Value));

            var vectorized = VectorizedFunctions.MatVecSquaresGradient(W, x, b);
            Assert.True(Values.Agree(expected, vectorized.Value));
            AssertGradient(nameof(VectorizedFunctions.MatVecSquaresExact),
                a => VectorizedFunctions.MatVecSquaresExact((double[,])a[0], (double[])a[1], (double[])a[2]),
                [W, x, b], exact.Value, exact.dW, exact.dx, exact.db);
        }, iter: Iterations);

    [Fact]
    public void OffsetRuns_GradientMatchesFiniteDifferences() =>
        (from rows in Gen.Int[2, 5]
         from n in Gen.Int[1, 30]
         from A in Matrix(rows, n)
         from x in Vector(n)
         from c in Gen.Double[-2.0, 2.0]
         select (A, x, c))
        .Sample((A, x, c) =>
        {
            var g = VectorizedFunctions.OffsetRunsGradient(A, x, c);
            AssertGradient(nameof(VectorizedFunctions.OffsetRuns),
                a => VectorizedFunctions.OffsetRuns((double[,])a[0], (double[])a[1], (double)a[2]),
                [A, x, c], g.Value, g.dA, g.dx, g.dc);
        }, iter: Iterations);

    [Fact]
    public void AliasedAccumulator_StaysSequential() =>
        (from x in Gen.Int[2, 24].SelectMany(n => Vector(n))
         from w in Gen.Double[-2.0, 2.0]
         select (x, w))
        .Sample((x, w) =>
        {
            var g = VectorizedFunctions.AliasedAccumulatorGradient(x, w);
            AssertGradient(nameof(VectorizedFunctions.AliasedAccumulator),
                a => VectorizedFunctions.AliasedAccumulator((double[])a[0], (double)a[1]),
                [x, w], g.Value, null, g.dw);
        }, iter: Iterations);

    [Fact]
    public void ShiftedRecurrence_StaysSequential() =>
        Gen.Int[1, 30].SelectMany(n => Vector(n))
        .Sample(x =>
        {
            var g = VectorizedFunctions.ShiftedRecurrenceGradient(x);
            AssertGradient(nameof(VectorizedFunctions.ShiftedRecurrence),
                a => VectorizedFunctions.ShiftedRecurrence((double[])a[0]),
                [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void MatVec_VjpIsWTransposeSeedAndOuterProduct() =>
        (from rows in Gen.Int[1, 8]
         from n in Gen.Int[1, 40]
         from W in Matrix(rows, n)
         from x in Vector(n)
         from seed in Vector(rows)
         select (W, x, seed))
        .Sample((W, x, seed) =>
        {
            var n = x.Length;
            var dW = new double[W.GetLength(0), n];
            var dx = new double[n];
            var y = VectorizedFunctions.MatVecVjp(W, x, seed, dW, dx);
            var expectedY = VectorizedFunctions.MatVec(W, x);
            for (var i = 0; i < y.Length; i++)
            {
                Assert.True(Values.Agree(expectedY[i], y[i]));
                for (var j = 0; j < n; j++)
                {
                    // ∂L/∂W = seed·xᵀ exactly: one product per element.
                    Assert.Equal(seed[i] * x[j], dW[i, j]);
                }
            }

            for (var j = 0; j < n; j++)
            {
                double expected = 0.0;
                for (var i = 0; i < y.Length; i++)
                {
                    expected += W[i, j] * seed[i];
                }

                Near.Equal(expected, dx[j], 12);
            }
        }, iter: Iterations);

    [Fact]
    public void PrefixProducts_VjpMatchesFiniteDifferences() =>
        (from n in Gen.Int[1, 8]
         from x in Vector(n, 0.5, 1.5)
         from seed in Vector(n)
         select (x, seed))
        .Sample((x, seed) =>
        {
            var dx = new double[x.Length];
            var y = VectorizedFunctions.PrefixProductsVjp(x, seed, dx);
            double Pulled(object[] a) => VectorizedFunctions.PrefixProducts((double[])a[0]).Select((v, i) => v * seed[i]).Sum();
            FiniteDifference.AssertGradient(nameof(VectorizedFunctions.PrefixProducts), Pulled, [x], y.Select((v, i) => v * seed[i]).Sum(), dx);
        }, iter: Iterations);

    private static double[] Flatten(double[,] matrix)
    {
        var flat = new double[matrix.Length];
        Buffer.BlockCopy(matrix, 0, flat, 0, flat.Length * sizeof(double));
        return flat;
    }
}
