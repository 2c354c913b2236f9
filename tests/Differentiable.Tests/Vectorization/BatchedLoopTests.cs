using System;
using System.Linq;
using CsCheck;
using Xunit;
using Xunit.Sdk;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Gradients whose loops over samples add one outer product per sample into ∂L/∂W, stored and added by batches of
/// steps (<c>OuterProductBatches</c>), against closed forms over enough samples for several batches and a partial
/// last one (a batch holds at most 32 steps).
/// </summary>
public class BatchedLoopTests
{
    private const long Iterations = 40;

    private static void AssertClose(double[,] expected, double[,] actual)
    {
        var scale = Math.Max(1.0, expected.Cast<double>().Max(Math.Abs));
        for (var i = 0; i < expected.GetLength(0); i++)
        {
            for (var j = 0; j < expected.GetLength(1); j++)
            {
                if (!(Math.Abs(expected[i, j] - actual[i, j]) <= 1e-11 * scale))
                {
                    throw new XunitException($"dW[{i}, {j}]: {actual[i, j]:R}, the closed form gives {expected[i, j]:R}");
                }
            }
        }
    }

    [Fact]
    public void LayerLoss_OverManySamples_GradientIsTheSumOfDeltaTimesSampleTransposed() =>
        (from samples in Gen.Int[1, 80]
         from outputs in Gen.Int[1, 12]
         from inputs in Gen.Int[1, 40]
         from W in Matrix(outputs, inputs, -0.5, 0.5)
         from X in Matrix(samples, inputs, -1.0, 1.0)
         from Y in Matrix(samples, outputs, -1.0, 1.0)
         select (W, X, Y))
        .Sample((W, X, Y) =>
        {
            var (samples, outputs, inputs) = (X.GetLength(0), W.GetLength(0), W.GetLength(1));
            // ∂/∂W[i, j] Σₙ (tanh(aₙᵢ) − Yₙᵢ)² = Σₙ 2(tanh(aₙᵢ) − Yₙᵢ)(1 − tanh²(aₙᵢ))·X[n, j].
            var expected = new double[outputs, inputs];
            for (var n = 0; n < samples; n++)
            {
                for (var i = 0; i < outputs; i++)
                {
                    var y = Math.Tanh(Enumerable.Range(0, inputs).Sum(j => W[i, j] * X[n, j]));
                    var delta = 2.0 * (y - Y[n, i]) * (1.0 - (y * y));
                    for (var j = 0; j < inputs; j++)
                    {
                        expected[i, j] += delta * X[n, j];
                    }
                }
            }

            var dW = new double[outputs, inputs];
            var value = BatchedFunctions.LayerLossGradient(W, X, Y, dW);
            Assert.True(Values.Agree(BatchedFunctions.LayerLoss(W, X, Y), value), $"value {value:R}, the method gives {BatchedFunctions.LayerLoss(W, X, Y):R}");
            AssertClose(expected, dW);
        }, iter: Iterations);

    [Fact]
    public void OffsetLoss_RowsFromOneColumnsFromFirst_GradientIsZeroOutsideThem() =>
        (from samples in Gen.Int[1, 80]
         from rows in Gen.Int[1, 9]
         from width in Gen.Int[1, 20]
         from first in Gen.Int[0, width + 1]
         from W in Matrix(rows, width, -0.5, 0.5)
         from x in Matrix(samples, width, -1.0, 1.0)
         select (W, x, first))
        .Sample((W, x, first) =>
        {
            var (samples, rows, width) = (x.GetLength(0), W.GetLength(0), W.GetLength(1));
            // ∂/∂W[i, j] Σₙ aₙᵢ²/2 = Σₙ aₙᵢ·x[n, j] for rows i ≥ 1 and columns j ≥ first; nothing elsewhere.
            var expected = new double[rows, width];
            for (var n = 0; n < samples; n++)
            {
                for (var i = 1; i < rows; i++)
                {
                    var a = 0.0;
                    for (var j = first; j < width; j++)
                    {
                        a += W[i, j] * x[n, j];
                    }

                    for (var j = first; j < width; j++)
                    {
                        expected[i, j] += a * x[n, j];
                    }
                }
            }

            // NaN in the buffer: the gradient overwrites it, including the rows and columns no step touches.
            var dW = new double[rows, width];
            for (var i = 0; i < rows; i++)
            {
                for (var j = 0; j < width; j++)
                {
                    dW[i, j] = double.NaN;
                }
            }

            BatchedFunctions.OffsetLossGradient(W, x, first, dW);
            AssertClose(expected, dW);
        }, iter: Iterations);

    /// <summary>
    /// Two loops a review found batched wrongly: the vector's row read from an array the row loop writes under another
    /// name, and a loop over steps bounded by an element of the matrix it accumulates. Each companion's value is the
    /// method's, and the gradient matches central differences.
    /// </summary>
    [Fact]
    public void LoopsWhoseRowsOrStepsReadWhatTheyWrite_KeepTheMethodsValue()
    {
        // Quarters and halves: every sum is exact in any order, so the companions' values equal the method's bit for bit.
        var X = new double[12, 3];
        for (var r = 0; r < 12; r++)
        {
            for (var j = 0; j < 3; j++)
            {
                X[r, j] = (r + 1) * (j + 2) * 0.25;
            }
        }

        var a = new[] { 0.5, -1.25, 2.0 };
        var shifting = BatchedFunctions.ShiftingRowLoss(a, X, 4);
        Assert.Equal(shifting, BatchedFunctions.ShiftingRowLossGradient(a, X, 4).Value);
        Assert.Equal(shifting, BatchedFunctions.ShiftingRowLossJvp(a, X, 4, new[] { 1.0, 0.0, 0.0 }).Value);
        var gradient = BatchedFunctions.ShiftingRowLossGradient(a, X, 4).da;
        for (var k = 0; k < a.Length; k++)
        {
            var (plus, minus) = ((double[])a.Clone(), (double[])a.Clone());
            plus[k] += 1e-6;
            minus[k] -= 1e-6;
            var central = (BatchedFunctions.ShiftingRowLoss(plus, X, 4) - BatchedFunctions.ShiftingRowLoss(minus, X, 4)) / 2e-6;
            Assert.Equal(central, gradient[k], 1e-4 * Math.Max(1.0, Math.Abs(central)));
        }

        // a = x = (1, 1): M[0, 0] reaches 5 after 5 steps, when the loop stops (10 − 5 = 5): Σ M² = 4·25.
        var ones = new[] { 1.0, 1.0 };
        Assert.Equal(100.0, BatchedFunctions.SelfLimitingLoss(ones, ones));
        Assert.Equal(100.0, BatchedFunctions.SelfLimitingLossGradient(ones, ones).Value);
        Assert.Equal(100.0, BatchedFunctions.SelfLimitingLossJvp(ones, ones, new[] { 1.0, 0.0 }).Value);
    }
}
