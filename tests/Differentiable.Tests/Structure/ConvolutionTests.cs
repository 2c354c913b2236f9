using System;
using System.Linq;
using Differentiable.Tests.Jacobians;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Correlations and convolutions: y[i] = Σ_j w[j]·x[i ± j]. Their Jacobians in x were dense (rows × columns doubles for
/// a band of kernel-many diagonals); each is now a <see cref="ToeplitzJacobian"/> holding the kernel once.
/// </summary>
public static partial class ConvolutionFunctions
{
    /// <summary>The "valid" correlation, n − K + 1 long: diagonals w from offset 0; in w, x[i + q].</summary>
    [Differentiate]
    public static double[] Correlate(double[] x, double[] w)
    {
        int n = x.Length - w.Length + 1;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < w.Length; j++)
            {
                y[i] += w[j] * x[i + j];
            }
        }

        return y;
    }

    /// <summary>A causal convolution through tanh, its first K − 1 rows 0: diag(tanh′)·T with w reversed, on a row window.</summary>
    [Differentiate(nameof(x))]
    public static double[] CausalConvolution(double[] x, double[] w)
    {
        var y = new double[x.Length];
        for (int i = w.Length - 1; i < x.Length; i++)
        {
            double s = 0.0;
            for (int j = 0; j < w.Length; j++)
            {
                s += w[j] * x[i - j];
            }

            y[i] = Math.Tanh(s);
        }

        return y;
    }

    /// <summary>A moving average over k samples given at run time: (1/k)·T with k diagonals of 1.</summary>
    [Differentiate(nameof(x))]
    public static double[] MovingAverage(double[] x, int k)
    {
        var y = new double[x.Length - k + 1];
        for (int i = 0; i < y.Length; i++)
        {
            for (int j = 0; j < k; j++)
            {
                y[i] += x[i + j] / k;
            }
        }

        return y;
    }

    /// <summary>A centred kernel of radius r ("same" size, both ends of y 0): diagonals exp(w) from offset −r, plus a residual x[i].</summary>
    [Differentiate]
    public static double[] CentredWithResidual(double[] x, double[] w, int r)
    {
        var y = new double[x.Length];
        for (int i = r; i < x.Length - r; i++)
        {
            double s = x[i];
            for (int j = 0; j < w.Length; j++)
            {
                s += Math.Exp(w[j]) * x[i + j - r];
            }

            y[i] = s;
        }

        return y;
    }

    /// <summary>A convolution read from an offset given at run time, scaled by c[i] per row: diag(c)·T, w reversed from k + 1 − K.</summary>
    [Differentiate(nameof(x))]
    public static double[] OffsetConvolution(double[] x, double[] w, double[] c, int k)
    {
        var y = new double[c.Length];
        for (int i = 0; i < c.Length; i++)
        {
            double s = 0.0;
            for (int j = 0; j < w.Length; j++)
            {
                s += w[j] * x[i - j + k];
            }

            y[i] = c[i] * s;
        }

        return y;
    }

    /// <summary>A convolution whose offset is a conditional, which binds looser than the + 1 − K of its first diagonal (a review's find: it was read as m > 2 ? m : 2 + 1 − K).</summary>
    [Differentiate(nameof(x))]
    public static double[] ConditionalOffsetConvolution(double[] x, double[] w, int m)
    {
        var y = new double[x.Length - w.Length + 1];
        for (int i = 0; i < y.Length; i++)
        {
            for (int j = 0; j < w.Length; j++)
            {
                y[i] += w[j] * x[i - j + (m > w.Length - 1 ? w.Length - 1 : m)];
            }
        }

        return y;
    }

    /// <summary>Row weights and a constant inside one product with the kernel: diag(c)·T with diagonals 2w (a helper's find: it was dense).</summary>
    [Differentiate(nameof(x))]
    public static double[] WeightedCorrelation(double[] x, double[] w, double[] c)
    {
        var y = new double[c.Length];
        for (int i = 0; i < c.Length; i++)
        {
            for (int j = 0; j < w.Length; j++)
            {
                y[i] += c[i] * 2.0 * w[j] * x[i + j];
            }
        }

        return y;
    }

    /// <summary>A band whose values vary along its diagonals (A[i, j]): not a Toeplitz band, so dense, and exact.</summary>
    [Differentiate(nameof(x))]
    public static double[] VaryingBand(double[,] a, double[] x)
    {
        var y = new double[a.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                y[i] += a[i, j] * x[i + j];
            }
        }

        return y;
    }

    /// <summary>The autocorrelation Σ_j x[j]·x[i + j]: x on both sides of the product, so dense, and exact.</summary>
    [Differentiate]
    public static double[] Autocorrelation(double[] x, int lags)
    {
        var y = new double[lags];
        for (int i = 0; i < lags; i++)
        {
            for (int j = 0; j < x.Length - lags; j++)
            {
                y[i] += x[j] * x[i + j];
            }
        }

        return y;
    }

    /// <summary>A kernel of k taps read from w, run only where y has rows: where it has none, w is never read.</summary>
    [Differentiate(nameof(x))]
    public static double[] Taps(double[] x, double[] w, int k)
    {
        var y = new double[Math.Max(0, x.Length - k + 1)];
        for (int i = 0; i < x.Length - k + 1; i++)
        {
            for (int j = 0; j < k; j++)
            {
                y[i] += w[j] * x[i + j];
            }
        }

        return y;
    }

    /// <summary>The "valid" 2-D correlation of an image: diagonals K in both indices; in K, X[i + p, j + q].</summary>
    [Differentiate]
    public static double[,] Filter(double[,] x, double[,] k)
    {
        int m = x.GetLength(0) - k.GetLength(0) + 1;
        int n = x.GetLength(1) - k.GetLength(1) + 1;
        var y = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                for (int a = 0; a < k.GetLength(0); a++)
                {
                    for (int b = 0; b < k.GetLength(1); b++)
                    {
                        y[i, j] += k[a, b] * x[i + a, j + b];
                    }
                }
            }
        }

        return y;
    }

    /// <summary>A "same" convolution through tanh, the border 0: diag(tanh′)·T with K flipped in both indices, on both windows.</summary>
    [Differentiate(nameof(x))]
    public static double[,] SameConvolution(double[,] x, double[,] k, double bias)
    {
        int r = k.GetLength(0) / 2;
        int s = k.GetLength(1) / 2;
        var y = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = r; i < x.GetLength(0) - r; i++)
        {
            for (int j = s; j < x.GetLength(1) - s; j++)
            {
                double t = bias;
                for (int a = 0; a < k.GetLength(0); a++)
                {
                    for (int b = 0; b < k.GetLength(1); b++)
                    {
                        t += k[a, b] * x[i - a + r, j - b + s];
                    }
                }

                y[i, j] = Math.Tanh(t);
            }
        }

        return y;
    }

    /// <summary>Each column of X filtered alone, and moved by one column: a band in the row index, a shift in the column index.</summary>
    [Differentiate(nameof(x))]
    public static double[,] ColumnFilter(double[,] x, double[] w)
    {
        var y = new double[x.GetLength(0) - w.Length + 1, x.GetLength(1) - 1];
        for (int j = 0; j < y.GetLength(1); j++)
        {
            for (int i = 0; i < y.GetLength(0); i++)
            {
                for (int a = 0; a < w.Length; a++)
                {
                    y[i, j] += w[a] * x[i + a, j + 1];
                }
            }
        }

        return y;
    }

    /// <summary>Each row of X filtered alone, beside X itself (a residual): a band in the column index plus a shift by 0.</summary>
    [Differentiate(nameof(x))]
    public static double[,] RowFilterWithResidual(double[,] x, double[] w)
    {
        var y = new double[x.GetLength(0), x.GetLength(1) - w.Length + 1];
        for (int i = 0; i < y.GetLength(0); i++)
        {
            for (int j = 0; j < y.GetLength(1); j++)
            {
                double t = x[i, j];
                for (int b = 0; b < w.Length; b++)
                {
                    t += w[b] * x[i, j + b];
                }

                y[i, j] = t;
            }
        }

        return y;
    }

    /// <summary>Indices swapped (X[j + a, i]): not a band of Y's indices in order, so dense, and exact.</summary>
    [Differentiate(nameof(x))]
    public static double[,] SwappedFilter(double[,] x, double[] w)
    {
        var y = new double[x.GetLength(1), x.GetLength(0) - w.Length + 1];
        for (int i = 0; i < y.GetLength(0); i++)
        {
            for (int j = 0; j < y.GetLength(1); j++)
            {
                for (int a = 0; a < w.Length; a++)
                {
                    y[i, j] += w[a] * x[j + a, i];
                }
            }
        }

        return y;
    }
}

public class ConvolutionTests
{
    private static double[] Random(Random random, int length) => JacobianTestKit.RandomVector(random, length);

    /// <summary>Every entry against central differences, the indexer and the products against the dense matrix.</summary>
    private static void AssertJacobian(string what, Func<object[], object> f, object[] args, int parameter, Jacobian jacobian, int seed) =>
        StencilTests.AssertJacobian(what, f, args, parameter, jacobian, seed);

    /// <summary>The band inside the scales, row diagonals and sums around it.</summary>
    private static ToeplitzJacobian Band(Jacobian jacobian)
    {
        var pending = new System.Collections.Generic.Stack<Jacobian>();
        pending.Push(jacobian);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case ToeplitzJacobian band: return band;
                case ScaledJacobian scaled: pending.Push(scaled.Inner); break;
                case DiagonalProductJacobian product: pending.Push(product.Inner); break;
                case SumJacobian sum: foreach (var term in sum.Terms) { pending.Push(term); } break;
            }
        }

        throw new Xunit.Sdk.XunitException($"no Toeplitz band in a {jacobian.Structure} Jacobian");
    }

    [Fact]
    public void CorrelationsAndConvolutionsHaveToeplitzBandsWithTheEntriesOfTheirDerivatives()
    {
        var random = new Random(61);
        for (int trial = 0; trial < 12; trial++)
        {
            int kernel = 1 + random.Next(4);
            int n = kernel + random.Next(8);
            var x = Random(random, n);
            var w = Random(random, kernel);

            var (correlation, dx, dw) = ConvolutionFunctions.CorrelateJacobian(x, w);
            AssertClose("Correlate", ConvolutionFunctions.Correlate(x, w), correlation, 1e-15);
            var band = Assert.IsType<ToeplitzJacobian>(dx);
            Assert.Equal(w, band.Diagonals);
            Assert.Equal(0, band.FirstOffset);
            AssertJacobian("Correlate ∂x", a => ConvolutionFunctions.Correlate((double[])a[0], (double[])a[1]), [x, w], 0, dx, trial);
            AssertJacobian("Correlate ∂w", a => ConvolutionFunctions.Correlate((double[])a[0], (double[])a[1]), [x, w], 1, dw, trial);

            var (causal, dCausal) = ConvolutionFunctions.CausalConvolutionJacobian(x, w);
            // The value's sum may be a SIMD kernel, summed in another order.
            AssertClose("CausalConvolution", ConvolutionFunctions.CausalConvolution(x, w), causal, 1e-14);
            Assert.Equal(JacobianStructure.DiagonalProduct, dCausal.Structure);
            var reversed = Band(dCausal);
            Assert.Equal(w.Reverse(), reversed.Diagonals);
            Assert.Equal((1 - kernel, kernel - 1, n), (reversed.FirstOffset, reversed.FirstRow, reversed.EndRow));
            AssertJacobian("CausalConvolution", a => ConvolutionFunctions.CausalConvolution((double[])a[0], w), [x], 0, dCausal, trial);

            int k = 1 + random.Next(n);
            var (average, dAverage) = ConvolutionFunctions.MovingAverageJacobian(x, k);
            Assert.Equal(ConvolutionFunctions.MovingAverage(x, k), average);
            // Diagonals of 1, the 1/k outside them once.
            Assert.Equal(Enumerable.Repeat(1.0, k), Band(dAverage).Diagonals);
            AssertJacobian("MovingAverage", a => ConvolutionFunctions.MovingAverage((double[])a[0], k), [x], 0, dAverage, trial);

            // A kernel of 2r + 1 taps keeps every read inside x.
            int radius = random.Next(3);
            var centredKernel = Random(random, (2 * radius) + 1);
            var (centred, dxCentred, dwCentred) = ConvolutionFunctions.CentredWithResidualJacobian(x, centredKernel, radius);
            // The value gathers the sum apart from x[i] and adds it once: another rounding.
            AssertClose("CentredWithResidual", ConvolutionFunctions.CentredWithResidual(x, centredKernel, radius), centred, 1e-14);
            if (n > 2 * radius)
            {
                var centredBand = Band(dxCentred);
                Assert.Equal(centredKernel.Select(Math.Exp), centredBand.Diagonals);
                Assert.Equal((-radius, radius, n - radius), (centredBand.FirstOffset, centredBand.FirstRow, centredBand.EndRow));
            }

            AssertJacobian("CentredWithResidual ∂x", a => ConvolutionFunctions.CentredWithResidual((double[])a[0], centredKernel, radius), [x], 0, dxCentred, trial);
            AssertJacobian("CentredWithResidual ∂w", a => ConvolutionFunctions.CentredWithResidual(x, (double[])a[0], radius), [centredKernel], 0, dwCentred, trial);

            // Every read inside x: i − j + k in [0, n) for i < rows, j < K.
            int offset = kernel - 1 + random.Next(n - kernel + 1);
            var c = Random(random, n - offset);
            var (shifted, dShifted) = ConvolutionFunctions.OffsetConvolutionJacobian(x, w, c, offset);
            Assert.Equal(ConvolutionFunctions.OffsetConvolution(x, w, c, offset), shifted);
            Assert.Equal(offset + 1 - kernel, Band(dShifted).FirstOffset);
            AssertJacobian("OffsetConvolution", a => ConvolutionFunctions.OffsetConvolution((double[])a[0], w, c, offset), [x], 0, dShifted, trial);

            // m ≥ K − 1: the conditional is K − 1, every read inside x, the first diagonal on offset 0 (m itself, with the bug).
            int conditional = kernel - 1 + random.Next(3);
            var (conditionalValue, dConditional) = ConvolutionFunctions.ConditionalOffsetConvolutionJacobian(x, w, conditional);
            AssertClose("ConditionalOffsetConvolution", ConvolutionFunctions.ConditionalOffsetConvolution(x, w, conditional), conditionalValue, 1e-14);
            Assert.Equal(0, Band(dConditional).FirstOffset);
            AssertJacobian("ConditionalOffsetConvolution", a => ConvolutionFunctions.ConditionalOffsetConvolution((double[])a[0], w, conditional), [x], 0, dConditional, trial);

            var rowWeights = Random(random, n - kernel + 1);
            var (weighted, dWeighted) = ConvolutionFunctions.WeightedCorrelationJacobian(x, w, rowWeights);
            AssertClose("WeightedCorrelation", ConvolutionFunctions.WeightedCorrelation(x, w, rowWeights), weighted, 1e-14);
            Assert.Equal(JacobianStructure.DiagonalProduct, dWeighted.Structure);
            AssertJacobian("WeightedCorrelation", a => ConvolutionFunctions.WeightedCorrelation((double[])a[0], w, rowWeights), [x], 0, dWeighted, trial);
        }
    }

    [Fact]
    public void BandsThatAreNotToeplitzAreDenseAndExact()
    {
        var random = new Random(62);
        for (int trial = 0; trial < 6; trial++)
        {
            int n = 4 + random.Next(6);
            int width = 1 + random.Next(3);
            var a = JacobianTestKit.RandomMatrix(random, n - width + 1, width);
            var x = Random(random, n);
            var (varying, dVarying) = ConvolutionFunctions.VaryingBandJacobian(a, x);
            AssertClose("VaryingBand", ConvolutionFunctions.VaryingBand(a, x), varying, 1e-15);
            Assert.Equal(JacobianStructure.Dense, dVarying.Structure);
            AssertJacobian("VaryingBand", args => ConvolutionFunctions.VaryingBand(a, (double[])args[0]), [x], 0, dVarying, trial);

            int lags = 1 + random.Next(n - 1);
            var (auto, dAuto) = ConvolutionFunctions.AutocorrelationJacobian(x, lags);
            AssertClose("Autocorrelation", ConvolutionFunctions.Autocorrelation(x, lags), auto, 1e-15);
            Assert.Equal(JacobianStructure.Dense, dAuto.Structure);
            AssertJacobian("Autocorrelation", args => ConvolutionFunctions.Autocorrelation((double[])args[0], lags), [x, lags], 0, dAuto, trial);
        }
    }

    /// <summary>Where the loops never run, the method never reads w; nor may its Jacobian (k past w's end, a null w).</summary>
    [Fact]
    public void TheKernelIsReadOnlyWhereTheMethodReadIt()
    {
        var x = new[] { 0.5, -1.0, 2.0 };
        var (value, dx) = ConvolutionFunctions.TapsJacobian(x, null!, 5);
        Assert.Empty(value);
        Assert.Equal(JacobianStructure.Zero, dx.Structure);
        Assert.Throws<IndexOutOfRangeException>(() => ConvolutionFunctions.Taps(x, new[] { 1.0 }, 2));
        Assert.Throws<IndexOutOfRangeException>(() => ConvolutionFunctions.TapsJacobian(x, new[] { 1.0 }, 2));

        var w = new[] { 0.25, -2.0 };
        var (taps, dTaps) = ConvolutionFunctions.TapsJacobian(x, w, 2);
        Assert.Equal(ConvolutionFunctions.Taps(x, w, 2), taps);
        Assert.Equal(w, Band(dTaps).Diagonals);
        AssertJacobian("Taps", a => ConvolutionFunctions.Taps((double[])a[0], w, 2), [x], 0, dTaps, 0);
    }

    /// <summary>A kernel of 9 over a million samples: the Jacobian is the kernel (dense, 8 TB); its products match the VJP and JVP.</summary>
    [Fact]
    public void AMillionSampleConvolutionsJacobianIsItsKernel()
    {
        var random = new Random(63);
        const int n = 1_000_000;
        var x = Random(random, n);
        var w = Random(random, 9);
        var c = Random(random, n - 8);
        var (value, dx) = ConvolutionFunctions.OffsetConvolutionJacobian(x, w, c, 8);
        Assert.Equal((n - 8, n), (dx.Rows, dx.Columns));
        Assert.Equal(9, Band(dx).Diagonals.Length);

        var seed = Random(random, n - 8);
        var gradient = new double[n];
        ConvolutionFunctions.OffsetConvolutionVjp(x, w, c, 8, seed, gradient);
        var transposed = new double[n];
        dx.TransposeMultiply(seed, transposed);
        AssertClose("Jᵀ·u against the VJP", gradient, transposed, 1e-12);

        var tangent = Random(random, n);
        var (_, jvp) = ConvolutionFunctions.OffsetConvolutionJvp(x, w, c, 8, tangent);
        var product = new double[n - 8];
        dx.Multiply(tangent, product);
        AssertClose("J·v against the JVP", jvp, product, 1e-12);
        Assert.Equal(ConvolutionFunctions.OffsetConvolution(x, w, c, 8), value);
    }

    /// <summary>The 2-D band inside the scales, row diagonals and sums around it.</summary>
    private static MatrixToeplitzJacobian MatrixBand(Jacobian jacobian)
    {
        var pending = new System.Collections.Generic.Stack<Jacobian>();
        pending.Push(jacobian);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case MatrixToeplitzJacobian band: return band;
                case ScaledJacobian scaled: pending.Push(scaled.Inner); break;
                case DiagonalProductJacobian product: pending.Push(product.Inner); break;
                case SumJacobian sum: foreach (var term in sum.Terms) { pending.Push(term); } break;
            }
        }

        throw new Xunit.Sdk.XunitException($"no 2-D Toeplitz band in a {jacobian.Structure} Jacobian");
    }

    private static double[,] Flipped(double[,] kernel)
    {
        int rows = kernel.GetLength(0), columns = kernel.GetLength(1);
        var flipped = new double[rows, columns];
        for (int a = 0; a < rows; a++)
        {
            for (int b = 0; b < columns; b++)
            {
                flipped[rows - 1 - a, columns - 1 - b] = kernel[a, b];
            }
        }

        return flipped;
    }

    [Fact]
    public void ImageFiltersHave2DToeplitzBandsWithTheEntriesOfTheirDerivatives()
    {
        var random = new Random(64);
        for (int trial = 0; trial < 10; trial++)
        {
            int kernelRows = 1 + random.Next(3), kernelColumns = 1 + random.Next(3);
            int m = kernelRows + random.Next(4), n = kernelColumns + random.Next(4);
            var x = JacobianTestKit.RandomMatrix(random, m, n);
            var k = JacobianTestKit.RandomMatrix(random, kernelRows, kernelColumns);

            var (filtered, dx, dk) = ConvolutionFunctions.FilterJacobian(x, k);
            AssertClose("Filter", ConvolutionFunctions.Filter(x, k), filtered, 1e-14);
            var band = Assert.IsType<MatrixToeplitzJacobian>(dx);
            Assert.Equal(k, band.Kernel);
            Assert.Equal((0, 0), (band.RowOffset, band.ColumnOffset));
            AssertJacobian("Filter ∂x", a => ConvolutionFunctions.Filter((double[,])a[0], k), [x], 0, dx, trial);
            AssertJacobian("Filter ∂k", a => ConvolutionFunctions.Filter(x, (double[,])a[0]), [k], 0, dk, trial);

            // An odd kernel keeps every read inside x.
            var odd = JacobianTestKit.RandomMatrix(random, (2 * random.Next(2)) + 1, (2 * random.Next(2)) + 1);
            int r = odd.GetLength(0) / 2, s = odd.GetLength(1) / 2;
            double bias = random.NextDouble() - 0.5;
            var (same, dSame) = ConvolutionFunctions.SameConvolutionJacobian(x, odd, bias);
            AssertClose("SameConvolution", ConvolutionFunctions.SameConvolution(x, odd, bias), same, 1e-14);
            if (m > 2 * r && n > 2 * s)
            {
                var flipped = MatrixBand(dSame);
                Assert.Equal(Flipped(odd), flipped.Kernel);
                Assert.Equal((-r, -s, r, m - r, s, n - s), (flipped.RowOffset, flipped.ColumnOffset, flipped.FirstRow, flipped.EndRow, flipped.FirstColumn, flipped.EndColumn));
            }

            AssertJacobian("SameConvolution", a => ConvolutionFunctions.SameConvolution((double[,])a[0], odd, bias), [x], 0, dSame, trial);

            var w = Random(random, kernelRows);
            if (n > 1)
            {
                var (columns, dColumns) = ConvolutionFunctions.ColumnFilterJacobian(x, w);
                AssertClose("ColumnFilter", ConvolutionFunctions.ColumnFilter(x, w), columns, 1e-14);
                var columnBand = MatrixBand(dColumns);
                Assert.Equal((kernelRows, 1, 0, 1), (columnBand.Kernel.GetLength(0), columnBand.Kernel.GetLength(1), columnBand.RowOffset, columnBand.ColumnOffset));
                AssertJacobian("ColumnFilter", a => ConvolutionFunctions.ColumnFilter((double[,])a[0], w), [x], 0, dColumns, trial);
            }

            var v = Random(random, kernelColumns);
            var (rows, dRows) = ConvolutionFunctions.RowFilterWithResidualJacobian(x, v);
            AssertClose("RowFilterWithResidual", ConvolutionFunctions.RowFilterWithResidual(x, v), rows, 1e-14);
            Assert.Equal(JacobianStructure.Sum, dRows.Structure);
            Assert.Equal((1, kernelColumns), (MatrixBand(dRows).Kernel.GetLength(0), MatrixBand(dRows).Kernel.GetLength(1)));
            AssertJacobian("RowFilterWithResidual", a => ConvolutionFunctions.RowFilterWithResidual((double[,])a[0], v), [x], 0, dRows, trial);

            var (swapped, dSwapped) = ConvolutionFunctions.SwappedFilterJacobian(x, w);
            AssertClose("SwappedFilter", ConvolutionFunctions.SwappedFilter(x, w), swapped, 1e-14);
            Assert.Equal(JacobianStructure.Dense, dSwapped.Structure);
            AssertJacobian("SwappedFilter", a => ConvolutionFunctions.SwappedFilter((double[,])a[0], w), [x], 0, dSwapped, trial);
        }
    }

    /// <summary>A 3 × 3 filter of a 1000 × 1000 image: the Jacobian is its kernel (dense, 8 TB); its products match the VJP and JVP.</summary>
    [Fact]
    public void AMegapixelFiltersJacobianIsItsKernel()
    {
        var random = new Random(65);
        var x = JacobianTestKit.RandomMatrix(random, 1000, 1000);
        var k = JacobianTestKit.RandomMatrix(random, 3, 3);
        var (value, dx) = ConvolutionFunctions.SameConvolutionJacobian(x, k, 0.1);
        Assert.Equal((1_000_000, 1_000_000), (dx.Rows, dx.Columns));
        Assert.Equal(9, MatrixBand(dx).Kernel.Length);

        var seed = JacobianTestKit.RandomMatrix(random, 1000, 1000);
        var gradient = new double[1000, 1000];
        ConvolutionFunctions.SameConvolutionVjp(x, k, 0.1, seed, gradient);
        var transposed = new double[1_000_000];
        dx.TransposeMultiply(Vec(seed), transposed);
        AssertClose("Jᵀ·u against the VJP", Vec(gradient), transposed, 1e-12);

        var tangent = JacobianTestKit.RandomMatrix(random, 1000, 1000);
        var (_, jvp) = ConvolutionFunctions.SameConvolutionJvp(x, k, 0.1, tangent);
        var product = new double[1_000_000];
        dx.Multiply(Vec(tangent), product);
        AssertClose("J·v against the JVP", Vec(jvp), product, 1e-12);
        AssertClose("SameConvolution", ConvolutionFunctions.SameConvolution(x, k, 0.1), value, 1e-14);
    }
}
