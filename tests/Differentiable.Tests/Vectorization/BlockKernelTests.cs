using System;
using System.Linq;
using CsCheck;
using Differentiable.Runtime;
using Xunit;
using Xunit.Sdk;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Vectorization.VectorizationTests;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// The kernels of blocked loops against what they replace: <c>MatTVecAdd</c> against the loop's axpys one row at a time
/// (bit for bit), the exp and log maps against <see cref="Math.Exp"/> and <see cref="Math.Log"/> (in ulps, over the
/// whole range of doubles), and the block sizes and scratch the generated code relies on.
/// </summary>
public class BlockKernelTests
{
    private const long Iterations = 100;

    [Fact]
    public void MatTVecAdd_IsTheAxpysOfItsRowsInTheLoopsOrder_BitForBit() =>
        (from block in RowsOfAMatrix
         let M = block.M
         let first = block.First
         let rows = block.Rows
         from run in Run(M.GetLength(1))
         from alphaStart in Gen.Int[0, 2]
         from alpha in Vector(rows + 3)
         from yStart in Gen.Int[0, 3]
         from y in Vector(run.Length + 4)
         from downward in Gen.Bool
         select (M, first, rows, run, alphaStart, alpha, yStart, y, downward))
        .Sample(sample =>
        {
            var (M, first, rows, run, alphaStart, alpha, yStart, y, downward) = sample;
            var expected = (double[])y.Clone();
            for (var step = 0; step < rows; step++)
            {
                var r = downward ? rows - 1 - step : step;
                for (var k = 0; k < run.Length; k++)
                {
                    expected[yStart + k] += alpha[alphaStart + r] * M[first + r, run.Start + k];
                }
            }

            var actual = (double[])y.Clone();
            Kernels.MatTVecAdd(alpha, alphaStart, M, first, run.Start, actual, yStart, run.Length, rows, downward);
            AssertBitIdentical(expected, actual);
        }, iter: Iterations);

    [Fact]
    public void MatTVecAdd_EdgesAreThoseOfTheLoop()
    {
        var M = new double[3, 4];
        var alpha = new double[3];
        var y = new[] { -0.0, 1.0, 2.0, 3.0 };

        // No rows or no columns: no axpy adds anything (−0 stays −0), and nothing is checked.
        Kernels.MatTVecAdd(alpha, 0, M, 0, 0, y, 0, 4, 0, false);
        Kernels.MatTVecAdd(alpha, 0, M, 0, 0, y, 0, 0, 3, true);
        Kernels.MatTVecAdd(alpha, 9, M, 7, 9, y, -3, 4, -1, false);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-0.0), BitConverter.DoubleToInt64Bits(y[0]));

        // Any α, row, column or element of y outside its array throws, as the loop would.
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatTVecAdd(alpha, 1, M, 0, 0, y, 0, 4, 3, false));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatTVecAdd(alpha, 0, M, 1, 0, y, 0, 4, 3, false));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatTVecAdd(alpha, 0, M, -1, 0, y, 0, 4, 1, true));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatTVecAdd(alpha, 0, M, 0, 1, y, 0, 4, 1, false));
        Assert.Throws<IndexOutOfRangeException>(() => Kernels.MatTVecAdd(alpha, 0, M, 0, 0, y, 1, 4, 1, false));
        Assert.Throws<NullReferenceException>(() => Kernels.MatTVecAdd(null!, 0, M, 0, 0, y, 0, 4, 1, false));
    }

    /// <summary>Doubles of every magnitude: a sign, a mantissa in [1, 2) and a binary exponent from the range given.</summary>
    private static Gen<double[]> Doubles(int length, int minExponent, int maxExponent, bool negative) =>
        from mantissas in Gen.Double[1.0, 2.0].Array[length]
        from exponents in Gen.Int[minExponent, maxExponent].Array[length]
        from signs in Gen.Bool.Array[length]
        select mantissas.Select((m, k) => (negative && signs[k] ? -1 : 1) * Math.ScaleB(m, exponents[k])).ToArray();

    /// <summary>Doubles between two of the same sign (0 for equal ones, ±0 included; the most for opposite signs).</summary>
    private static long Ulps(double a, double b) =>
        a == b ? 0 : double.IsNaN(a) || double.IsNaN(b) || double.IsNegative(a) != double.IsNegative(b) ? long.MaxValue : Math.Abs(BitConverter.DoubleToInt64Bits(a) - BitConverter.DoubleToInt64Bits(b));

    private static void AssertWithinUlps(Func<double, double> reference, double[] values, double[] actual, (int Start, int Length) run, int ulps)
    {
        for (var k = 0; k < values.Length; k++)
        {
            var inRun = k >= run.Start && k < run.Start + run.Length;
            var expected = inRun ? reference(values[k]) : values[k];
            var distance = Ulps(expected, actual[k]);
            if (distance > (inRun ? ulps : 0))
            {
                throw new XunitException($"element {k} ({values[k]:R}, in run: {inRun}): {actual[k]:R}, expected {expected:R} ({distance} ulp)");
            }
        }
    }

    /// <summary>A map against its Math function on random runs of random doubles: within the ulps inside the run, untouched outside.</summary>
    private static void AssertMapWithinUlps(Action<double[], int, int> map, Func<double, double> reference, Gen<double[]> doubles, int ulps) =>
        (from values in doubles
         from run in Run(values.Length)
         select (values, run))
        .Sample((values, run) =>
        {
            var actual = (double[])values.Clone();
            map(actual, run.Start, run.Length);
            AssertWithinUlps(reference, values, actual, run, ulps);
        }, iter: Iterations);

    [Fact]
    public void Exp_IsWithinTwoUlpOfMathExp_OnItsRunOnly() =>
        // Arguments from 2⁻⁴⁰ to 2⁹ of either sign cover overflow (above 709.78), subnormal results (below −708.4) and 0.
        AssertMapWithinUlps(Kernels.Exp, Math.Exp, ArrayLength.SelectMany(n => Doubles(n, -40, 9, negative: true)), 2);

    [Fact]
    public void Log_IsWithinTwoUlpOfMathLog_OnItsRunOnly() =>
        // Every binary exponent, subnormals (below 2⁻¹⁰²²) included.
        AssertMapWithinUlps(Kernels.Log, Math.Log, ArrayLength.SelectMany(n => Doubles(n, -1074, 1023, negative: false)), 2);

    [Fact]
    public void ExpAndLog_SpecialValues_AreThoseOfMath()
    {
        double[] special =
        [
            0.0, -0.0, 1.0, -1.0, 0.5, Math.E, double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.Epsilon,
            double.MaxValue, -double.MaxValue, 2.2250738585072014E-308, 709.782712893384, 709.79, -708.4, -745.1, -745.2, -746.0,
            0.7071067811865476, 1e-310, -1e-310,
        ];

        // Longer than a vector, so every value goes through the SIMD path as well as the scalar tail.
        foreach (var (map, reference) in new (Action<double[], int, int>, Func<double, double>)[] { (Kernels.Exp, Math.Exp), (Kernels.Log, Math.Log) })
        {
            for (var offset = 0; offset < 4; offset++)
            {
                var values = new double[offset].Concat(special).ToArray();
                var actual = (double[])values.Clone();
                map(actual, offset, special.Length);
                for (var k = offset; k < values.Length; k++)
                {
                    var expected = reference(values[k]);
                    Assert.True(Ulps(expected, actual[k]) <= 2 || (double.IsNaN(expected) && double.IsNaN(actual[k])), $"{values[k]:R}: {actual[k]:R}, expected {expected:R}");
                }
            }

            Assert.Throws<IndexOutOfRangeException>(() => map(new double[4], 2, 3));
            Assert.Throws<IndexOutOfRangeException>(() => map(new double[4], -1, 1));
            map(new double[4], 9, 0);
        }
    }

    [Fact]
    public void RowsPerBlock_KeepsABlockWithinSixteenKibibytes_InMultiplesOfFour()
    {
        foreach (var length in new[] { -5, 0, 1, 8, 32, 127, 128, 129, 512, 2048, 4096, 100000, int.MaxValue })
        {
            var rows = Kernels.RowsPerBlock(length);
            Assert.InRange(rows, 4, Kernels.MaxBlockRows);
            Assert.Equal(0, rows % 4);
            Assert.True(rows == 4 || (long)rows * length * sizeof(double) <= 16384, $"{length}: {rows} rows");
        }

        Assert.Equal(Kernels.MaxBlockRows, Kernels.RowsPerBlock(32));
        Assert.Equal(4, Kernels.RowsPerBlock(512));
        Assert.Equal(16, Kernels.RowsPerBlock(128));
    }

    [Fact]
    public void Scratch_IsOneArrayPerThread_GrownOnDemand()
    {
        var first = Kernels.Scratch(10);
        Assert.Same(first, Kernels.Scratch(first.Length));
        var larger = Kernels.Scratch(first.Length + 1);
        Assert.True(larger.Length > first.Length);
        Assert.Same(larger, Kernels.Scratch(1));
        double[]? other = null;
        var thread = new System.Threading.Thread(() => other = Kernels.Scratch(1));
        thread.Start();
        thread.Join();
        Assert.NotSame(larger, other);
    }
}
