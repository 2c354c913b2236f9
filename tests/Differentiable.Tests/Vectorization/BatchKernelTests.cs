using System;
using System.Linq;
using CsCheck;
using Differentiable.Runtime;
using Xunit;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Vectorization.VectorizationTests;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// The kernels of batched outer products against what they replace: <c>OuterProductsAdd</c> against the steps' row
/// axpys one after another (bit for bit), the copies of a step's vector, and the batch sizes and buffers.
/// </summary>
public class BatchKernelTests
{
    private const long Iterations = 100;

    private static double[] Flat(double[,] matrix) => matrix.Cast<double>().ToArray();

    [Fact]
    public void OuterProductsAdd_IsTheStepsRowAxpysInTheStepsOrder_BitForBit() =>
        (from block in RowsOfAMatrix
         let M = block.M
         let first = block.First
         let rows = block.Rows
         from run in Run(M.GetLength(1))
         from steps in Gen.Int[0, 9]
         from alpha in Vector((steps * rows) + 2)
         from x in Vector((steps * run.Length) + 3)
         select (M, first, rows, run, steps, alpha, x))
        .Sample(sample =>
        {
            var (M, first, rows, run, steps, alpha, x) = sample;
            var expected = (double[,])M.Clone();
            for (var s = 0; s < steps; s++)
            {
                for (var r = 0; r < rows; r++)
                {
                    Kernels.Axpy(alpha[(s * rows) + r], x, s * run.Length, expected, first + r, run.Start, run.Length);
                }
            }

            var actual = (double[,])M.Clone();
            Kernels.OuterProductsAdd(alpha, x, steps, actual, first, run.Start, rows, run.Length);
            AssertBitIdentical(Flat(expected), Flat(actual));
        }, iter: Iterations);

    [Fact]
    public void OuterProductsAdd_EdgesAreThoseOfTheAxpys()
    {
        var M = new double[3, 4];
        M[0, 0] = -0.0;
        var alpha = new double[6];
        var x = new double[8];

        // No steps, rows or columns: nothing is added (−0 stays −0), and nothing is checked.
        Kernels.OuterProductsAdd(alpha, x, 0, M, 0, 0, 3, 4);
        Kernels.OuterProductsAdd(alpha, x, 2, M, 0, 0, 0, 4);
        Kernels.OuterProductsAdd(alpha, x, 2, M, 0, 0, 3, 0);
        Kernels.OuterProductsAdd(null!, null!, -1, M, 9, 9, 3, 4);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(M[0, 0]));

        // Buffers shorter than steps × rows or steps × columns, and rows or columns outside the matrix, throw.
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.OuterProductsAdd(alpha, x, 3, M, 0, 0, 3, 2));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.OuterProductsAdd(alpha, x, 2, M, 0, 0, 3, 4 + 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.OuterProductsAdd(alpha, x, 2, M, 1, 0, 3, 4));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.OuterProductsAdd(alpha, x, 2, M, -1, 0, 1, 4));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.OuterProductsAdd(alpha, x, 2, M, 0, 1, 3, 4));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.OuterProductsAdd(alpha, x, 1, M, 0, -1, 1, 2));
        Assert.Throws<NullReferenceException>(() => Kernels.OuterProductsAdd(null!, x, 1, M, 0, 0, 1, 1));
        Assert.Throws<NullReferenceException>(() => Kernels.OuterProductsAdd(alpha, null!, 1, M, 0, 0, 1, 1));
        Assert.Throws<NullReferenceException>(() => Kernels.OuterProductsAdd(alpha, x, 1, null!, 0, 0, 1, 1));
    }

    [Fact]
    public void Copy_CopiesTheRunOnly() =>
        (from rows in Gen.Int[1, 4]
         from n in ArrayLength
         from M in Matrix(rows, n)
         from row in Gen.Int[0, rows - 1]
         from run in Run(n)
         from at in Gen.Int[0, 3]
         select (M, row, run, at))
        .Sample((M, row, run, at) =>
        {
            var fromMatrix = Enumerable.Repeat(7.0, run.Length + at + 2).ToArray();
            Kernels.Copy(M, row, run.Start, fromMatrix, at, run.Length);
            var vector = Enumerable.Range(0, M.GetLength(1)).Select(j => M[row, j]).ToArray();
            var fromVector = Enumerable.Repeat(7.0, run.Length + at + 2).ToArray();
            Kernels.Copy(vector, run.Start, fromVector, at, run.Length);
            for (var k = 0; k < fromMatrix.Length; k++)
            {
                var expected = k >= at && k < at + run.Length ? M[row, run.Start + k - at] : 7.0;
                Assert.Equal(expected, fromMatrix[k]);
                Assert.Equal(expected, fromVector[k]);
            }
        }, iter: Iterations);

    [Fact]
    public void Copy_ChecksItsRunsAsTheAxpyWould()
    {
        var M = new double[2, 3];
        var v = new double[3];
        var y = new double[4];
        Kernels.Copy(M, 9, 9, y, 9, 0);
        Kernels.Copy(v, -1, y, 9, -2);
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Copy(M, 2, 0, y, 0, 1));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Copy(M, 0, 1, y, 0, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Copy(M, 0, 0, y, 2, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Copy(v, 1, y, 0, 3));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.Copy(v, 0, y, -1, 1));
        Assert.Throws<NullReferenceException>(() => Kernels.Copy((double[])null!, 0, y, 0, 1));
    }

    [Fact]
    public void StepsPerBatch_KeepsEachBufferWithinThirtyTwoKibibytes()
    {
        foreach (var elements in new[] { -5, 0, 1, 8, 32, 127, 128, 129, 512, 1024, 1025, 100000, int.MaxValue })
        {
            var steps = Kernels.StepsPerBatch(elements);
            Assert.InRange(steps, 4, Kernels.MaxBatchSteps);
            Assert.True(steps == 4 || (long)steps * elements * sizeof(double) <= 32768, $"{elements}: {steps} steps");
        }

        Assert.Equal(Kernels.MaxBatchSteps, Kernels.StepsPerBatch(128));
        Assert.Equal(8, Kernels.StepsPerBatch(512));
    }

    [Fact]
    public void RentBatch_GivesAtLeastTheLengthAskedFor()
    {
        foreach (var length in new[] { -3, 0, 1, 100, 4096 })
        {
            var buffer = Kernels.RentBatch(length);
            Assert.True(buffer.Length >= Math.Max(1, length), $"{length}: {buffer.Length}");
            Kernels.ReturnBatch(buffer);
        }
    }
}
