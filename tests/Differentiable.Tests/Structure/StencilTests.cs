using System;
using System.Linq;
using Differentiable.Tests.Jacobians;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Stencils: results read shifted or reversed elements of a vector (x[i + 1], x[i − 1], x[n − 1 − i], x[i + k]). Their
/// Jacobians were dense (rows × columns doubles, for a matrix with one or three entries per row); each shifted term is
/// now a <see cref="ShiftJacobian"/>, of any shape.
/// </summary>
public static partial class StencilFunctions
{
    /// <summary>The forward difference, n − 1 long: S(+1) − S(0), two shifts of a rectangular shape.</summary>
    [Differentiate]
    public static double[] ForwardDifference(double[] x)
    {
        var y = new double[x.Length - 1];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = x[i + 1] - x[i];
        }

        return y;
    }

    /// <summary>A central difference over a step h: (S(+2) − S(0))/(2h), and a dense column for h.</summary>
    [Differentiate]
    public static double[] CentralDifference(double[] x, double h)
    {
        int n = x.Length - 2;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = (x[i + 2] - x[i]) / (2.0 * h);
        }

        return y;
    }

    /// <summary>The reversal, an anti-diagonal: S reversed from n − 1.</summary>
    [Differentiate]
    public static double[] Reverse(double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = 2.0 * x[n - 1 - i];
        }

        return y;
    }

    /// <summary>A discrete Laplacian through tanh: diag(tanh′)·(S(0) − 2S(+1) + S(+2)).</summary>
    [Differentiate]
    public static double[] SmoothedLaplacian(double[] x)
    {
        var y = new double[x.Length - 2];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = Math.Tanh(x[i] - (2.0 * x[i + 1]) + x[i + 2]);
        }

        return y;
    }

    /// <summary>Products of shifted elements and weights: diagonals times shifts in x, a diagonal in w.</summary>
    [Differentiate]
    public static double[] WeightedProducts(double[] x, double[] w)
    {
        var y = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
        {
            y[i] = (w[i] * x[i + 1]) + (x[i] * x[i + 1]);
        }

        return y;
    }

    /// <summary>A lag k given at run time, read backwards too: S(+k) + S(n − 1 − i), reversed.</summary>
    [Differentiate(nameof(x))]
    public static double[] Lagged(double[] x, int k)
    {
        var y = new double[x.Length - k];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = x[i + k] - (0.5 * x[x.Length - i - 1]);
        }

        return y;
    }

    /// <summary>The discrete Laplacian as usually written, both ends of y left 0: S(−1) − 2S(0) + S(+1) on rows 1 … n − 2.</summary>
    [Differentiate]
    public static double[] Laplacian(double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 1; i < n - 1; i++)
        {
            y[i] = x[i - 1] - (2.0 * x[i]) + x[i + 1];
        }

        return y;
    }

    /// <summary>A nonlinear stencil on a window, counted down: diag(x[i − 1]·cos(…)) over the rows the loop writes.</summary>
    [Differentiate]
    public static double[] WindowedProducts(double[] x)
    {
        var y = new double[x.Length];
        for (int i = x.Length - 2; i >= 1; i--)
        {
            y[i] = (x[i - 1] * x[i + 1]) + Math.Sin(x[i]);
        }

        return y;
    }

    /// <summary>A loop that stops short of y's end (the last row 0), scaled: 3·(S(+1) − S(0)) on rows 0 … n − 2.</summary>
    [Differentiate]
    public static double[] PaddedDifference(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length - 1; i++)
        {
            y[i] = 3.0 * (x[i + 1] - x[i]);
        }

        return y;
    }

    /// <summary>A delay of k samples given at run time, its first k rows 0: S(−k) on rows k …; k past the end runs no row.</summary>
    [Differentiate(nameof(x))]
    public static double[] Delayed(double[] x, int k)
    {
        var y = new double[x.Length];
        for (int i = k; i < x.Length; i++)
        {
            y[i] = x[i - k] * x[i];
        }

        return y;
    }

    /// <summary>A plain elementwise map on a window: an identity with the row window, S(0) on rows 1 … n − 1.</summary>
    [Differentiate]
    public static double[] WindowedScale(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 1; i < x.Length; i++)
        {
            y[i] = 2.5 * x[i];
        }

        return y;
    }

    /// <summary>
    /// Offsets of several terms (k − 1 written i + k − 1 and i − 1 + k, one band), reversed ones (n − i − 1 + k), and
    /// folded constants (i + 2 − 1): S(k − 1)·diag + S reversed from n − 1 + k + S(1).
    /// </summary>
    [Differentiate(nameof(x))]
    public static double[] Blend(double[] x, int k)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 1; i < n - 1; i++)
        {
            y[i] = (x[i + k - 1] * x[n - i - 1 + k]) + x[i - 1 + k] + x[i + 2 - 1];
        }

        return y;
    }

    /// <summary>A loop bound read from a double local, which the Jacobian does not declare: dense (it was CS0103).</summary>
    [Differentiate(nameof(x))]
    public static double[] BoundFromADouble(double[] x, double h)
    {
        double c = h * 2.0;
        var y = new double[x.Length];
        for (int i = (int)c; i < x.Length; i++)
        {
            y[i] = x[i] * x[i - 1];
        }

        return y;
    }

    /// <summary>A lag read through an int made from a double local: dense (the copied int m = (int)c was CS0103).</summary>
    [Differentiate(nameof(x))]
    public static double[] LagFromADouble(double[] x, double h)
    {
        double c = h * 2.0;
        int m = (int)c;
        var y = new double[x.Length - m];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = x[i + m];
        }

        return y;
    }

    /// <summary>A scale (n / k) and a sum over w that the method computes only inside its loop, which may not run.</summary>
    [Differentiate(nameof(x))]
    public static double[] ScaledInsideTheLoop(double[] x, double[] w, int k, int m)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 1; i < n; i++)
        {
            double s = 0.0;
            for (int j = 0; j < m; j++)
            {
                s += w[j];
            }

            y[i] = x[i - 1] * (n / k) * s;
        }

        return y;
    }

    /// <summary>An offset x.Length / k the method computes only inside its loop.</summary>
    [Differentiate(nameof(x))]
    public static double[] OffsetDivision(double[] x, int k)
    {
        var y = new double[x.Length];
        for (int i = 0; i < k; i++)
        {
            y[i] = x[i + (x.Length / k)];
        }

        return y;
    }

    /// <summary>A scale Math.Abs(k), which throws at int.MinValue, computed by the method only inside its loop.</summary>
    [Differentiate(nameof(x))]
    public static double[] AbsScale(double[] x, int k)
    {
        var y = new double[x.Length];
        for (int i = 0; i < k; i++)
        {
            y[i] = x[i + 1] * Math.Abs(k);
        }

        return y;
    }

    /// <summary>An inner loop's bound x.GetLength(1) / k, computed by the method only where the outer loop runs.</summary>
    [Differentiate(nameof(x))]
    public static double[,] InnerBoundDivision(double[,] x, int k)
    {
        var y = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
        {
            for (int j = 0; j < x.GetLength(1) / k; j++)
            {
                y[i, j] = 2.0 * x[i, j];
            }
        }

        return y;
    }

    /// <summary>A sum's bound x.Length / k, computed by the method only where the loop around it runs.</summary>
    [Differentiate(nameof(x))]
    public static double[] SumBoundDivision(double[,] w, double[] x, int k, int m)
    {
        var y = new double[m];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < x.Length / k; j++)
            {
                y[i] += w[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>The 5-point Laplacian on a grid's interior, the border left 0: five matrix shifts on a window in both indices.</summary>
    [Differentiate]
    public static double[,] GridLaplacian(double[,] u)
    {
        int m = u.GetLength(0);
        int n = u.GetLength(1);
        var y = new double[m, n];
        for (int j = 1; j < n - 1; j++)
        {
            for (int i = 1; i < m - 1; i++)
            {
                y[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - (4.0 * u[i, j]);
            }
        }

        return y;
    }

    /// <summary>An image's gradient magnitude through its forward differences, smaller than the image: diagonals times shifts.</summary>
    [Differentiate]
    public static double[,] EdgeStrength(double[,] image, double eps)
    {
        var y = new double[image.GetLength(0) - 1, image.GetLength(1) - 1];
        for (int i = 0; i < y.GetLength(0); i++)
        {
            for (int j = 0; j < y.GetLength(1); j++)
            {
                double dx = image[i + 1, j] - image[i, j];
                double dy = image[i, j + 1] - image[i, j];
                y[i, j] = Math.Sqrt((dx * dx) + (dy * dy) + eps);
            }
        }

        return y;
    }

    /// <summary>A flip of the rows and a lag k in the columns, scaled by a weight matrix: S(m − 1 − i, j + k).</summary>
    [Differentiate(nameof(x))]
    public static double[,] FlipAndLag(double[,] x, double[,] w, int k)
    {
        int m = x.GetLength(0);
        var y = new double[m, w.GetLength(1)];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < w.GetLength(1); j++)
            {
                y[i, j] = w[i, j] * x[m - 1 - i, j + k];
            }
        }

        return y;
    }

    /// <summary>Neighbours named by int locals (int left = i − 1): read as the indices they name.</summary>
    [Differentiate]
    public static double[] NamedNeighbours(double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 1; i < n - 1; i++)
        {
            int left = i - 1;
            int right = i + 1;
            int here = i;
            y[i] = (x[left] * x[right]) - x[here];
        }

        return y;
    }

    /// <summary>A grid's neighbours named by int locals, in both indices.</summary>
    [Differentiate]
    public static double[,] NamedGridNeighbours(double[,] u)
    {
        var y = new double[u.GetLength(0), u.GetLength(1)];
        for (int i = 1; i < u.GetLength(0); i++)
        {
            int up = i - 1;
            for (int j = 0; j < u.GetLength(1) - 1; j++)
            {
                int east = j + 1;
                y[i, j] = u[up, j] - u[i, east];
            }
        }

        return y;
    }

    /// <summary>The Laplacian on a ring (periodic boundary): cyclic shifts (i + n − 1) % n and (i + 1) % n.</summary>
    [Differentiate]
    public static double[] PeriodicLaplacian(double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = x[(i + n - 1) % n] - (2.0 * x[i]) + x[(i + 1) % n];
        }

        return y;
    }

    /// <summary>A reflection on a ring, (n − i) % n, times a weight; and a remainder that may be negative (the method throws).</summary>
    [Differentiate(nameof(x))]
    public static double[] RingReflection(double[] x, int k)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = x[(n - i) % n] * x[(i + k) % n];
        }

        return y;
    }

    /// <summary>A torus: the grid's neighbours wrap around in both indices.</summary>
    [Differentiate]
    public static double[,] TorusDifference(double[,] u)
    {
        int m = u.GetLength(0);
        int n = u.GetLength(1);
        var y = new double[m, n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                y[i, j] = u[(i + 1) % m, j] - u[i, (j + n - 1) % n];
            }
        }

        return y;
    }

    /// <summary>A matrix–vector product on a window: not a shift, so the Jacobian stays dense (and exact).</summary>
    [Differentiate]
    public static double[] WindowedProduct(double[,] w, double[] x)
    {
        var y = new double[w.GetLength(0)];
        for (int i = 1; i < y.Length; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += w[i, j] * x[j];
            }
        }

        return y;
    }
}

public class StencilTests
{
    private static double[] Random(Random random, int length) => JacobianTestKit.RandomVector(random, length);

    /// <summary>Every entry against central differences, the products against the dense matrix.</summary>
    internal static void AssertJacobian(string what, Func<object[], object> f, object[] args, int parameter, Jacobian jacobian, int seed)
    {
        var dense = jacobian.ToDense();
        AssertClose(what + " vs central differences", CentralJacobian(f, args, parameter), dense, RelativeTolerance);
        for (int r = 0; r < jacobian.Rows; r++)
        {
            for (int c = 0; c < jacobian.Columns; c++)
            {
                Assert.Equal(dense[r, c], jacobian[r, c]);
            }
        }

        JacobianTestKit.AssertMatches(dense, jacobian, seed);
    }

    /// <summary>The terms of a sum (or the one term), each through the scales and row diagonals around it and around the sum.</summary>
    private static System.Collections.Generic.List<Jacobian> Terms(Jacobian jacobian)
    {
        static Jacobian Unwrap(Jacobian j)
        {
            while (j is ScaledJacobian or DiagonalProductJacobian)
            {
                j = j is ScaledJacobian scaled ? scaled.Inner : ((DiagonalProductJacobian)j).Inner;
            }

            return j;
        }

        var outer = Unwrap(jacobian);
        return (outer is SumJacobian sum ? sum.Terms : new[] { outer }).Select(Unwrap).ToList();
    }

    /// <summary>The shift of each term, in order.</summary>
    private static void AssertShifts(Jacobian jacobian, params (int Offset, bool Reversed)[] expected) => AssertShifts(jacobian, true, expected);

    /// <summary>
    /// The shift of each term, in order, where the loops ran; where they ran no iteration, the zero Jacobian (the
    /// companion computes nothing the loops would have: an offset i − k, a bound n − 1, may overflow in a checked build).
    /// </summary>
    private static void AssertShifts(Jacobian jacobian, bool ran, params (int Offset, bool Reversed)[] expected)
    {
        if (!ran)
        {
            Assert.Equal(JacobianStructure.Zero, jacobian.Structure);
            return;
        }

        var terms = Terms(jacobian);
        Assert.Equal(expected.Length, terms.Count);
        for (int t = 0; t < expected.Length; t++)
        {
            var shift = Assert.IsType<ShiftJacobian>(terms[t]);
            Assert.Equal(expected[t], (shift.Offset, shift.Reversed));
        }
    }

    [Fact]
    public void StencilsHaveShiftJacobiansWithTheEntriesOfTheirDerivatives()
    {
        var random = new Random(43);
        for (int trial = 0; trial < 12; trial++)
        {
            int n = 3 + random.Next(8);
            var x = Random(random, n);

            var (forward, dForward) = StencilFunctions.ForwardDifferenceJacobian(x);
            Assert.Equal(StencilFunctions.ForwardDifference(x), forward);
            AssertShifts(dForward, (1, false), (0, false));
            AssertJacobian("ForwardDifference", a => StencilFunctions.ForwardDifference((double[])a[0]), [x], 0, dForward, trial);

            double h = 0.1 + random.NextDouble();
            var (central, dx, dh) = StencilFunctions.CentralDifferenceJacobian(x, h);
            Assert.Equal(StencilFunctions.CentralDifference(x, h), central);
            AssertShifts(dx, (2, false), (0, false));
            AssertJacobian("CentralDifference ∂x", a => StencilFunctions.CentralDifference((double[])a[0], (double)a[1]), [x, h], 0, dx, trial);
            AssertJacobian("CentralDifference ∂h", a => StencilFunctions.CentralDifference((double[])a[0], (double)a[1]), [x, h], 1, dh, trial);

            var (reversed, dReversed) = StencilFunctions.ReverseJacobian(x);
            Assert.Equal(StencilFunctions.Reverse(x), reversed);
            AssertShifts(dReversed, (n - 1, true));
            AssertJacobian("Reverse", a => StencilFunctions.Reverse((double[])a[0]), [x], 0, dReversed, trial);

            var (laplacian, dLaplacian) = StencilFunctions.SmoothedLaplacianJacobian(x);
            Assert.Equal(StencilFunctions.SmoothedLaplacian(x), laplacian);
            // tanh′ once, outside the three bands.
            Assert.Equal(JacobianStructure.DiagonalProduct, dLaplacian.Structure);
            Assert.Equal(JacobianStructure.Sum, ((DiagonalProductJacobian)dLaplacian).Inner.Structure);
            AssertShifts(dLaplacian, (0, false), (1, false), (2, false));
            AssertJacobian("SmoothedLaplacian", a => StencilFunctions.SmoothedLaplacian((double[])a[0]), [x], 0, dLaplacian, trial);

            var w = Random(random, n - 1);
            var (products, dxProducts, dw) = StencilFunctions.WeightedProductsJacobian(x, w);
            Assert.Equal(StencilFunctions.WeightedProducts(x, w), products);
            Assert.Equal(JacobianStructure.Diagonal, dw.Structure);
            AssertShifts(dxProducts, (1, false), (0, false)); // w[i]·S(1) and x[i]·S(1) on one band
            AssertJacobian("WeightedProducts ∂x", a => StencilFunctions.WeightedProducts((double[])a[0], (double[])a[1]), [x, w], 0, dxProducts, trial);
            AssertJacobian("WeightedProducts ∂w", a => StencilFunctions.WeightedProducts((double[])a[0], (double[])a[1]), [x, w], 1, dw, trial);

            int k = random.Next(n);
            var (lagged, dLagged) = StencilFunctions.LaggedJacobian(x, k);
            Assert.Equal(StencilFunctions.Lagged(x, k), lagged);
            AssertShifts(dLagged, (k, false), (n - 1, true));
            AssertJacobian("Lagged", a => StencilFunctions.Lagged((double[])a[0], k), [x, k], 0, dLagged, trial);
        }
    }

    /// <summary>The row window of each term's shift, where the loop ran; the zero Jacobian where it did not.</summary>
    private static void AssertWindows(Jacobian jacobian, int firstRow, int endRow)
    {
        if (firstRow >= endRow && jacobian.Structure == JacobianStructure.Zero)
        {
            return;
        }

        var pending = new System.Collections.Generic.Stack<Jacobian>();
        pending.Push(jacobian);
        int shifts = 0;
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case ScaledJacobian scaled: pending.Push(scaled.Inner); break;
                case DiagonalProductJacobian product: pending.Push(product.Inner); break;
                case SumJacobian sum: foreach (var term in sum.Terms) { pending.Push(term); } break;
                case ShiftJacobian shift:
                    Assert.Equal((firstRow, endRow), (shift.FirstRow, shift.EndRow));
                    shifts++;
                    break;
                case var other: Assert.Fail($"a {other.Structure} term"); break;
            }
        }

        Assert.True(shifts > 0);
    }

    [Fact]
    public void StencilLoopsThatLeaveRowsOfYZeroHaveShiftJacobiansWithARowWindow()
    {
        var random = new Random(44);
        for (int trial = 0; trial < 12; trial++)
        {
            int n = 2 + random.Next(9);
            var x = Random(random, n);

            var (laplacian, dLaplacian) = StencilFunctions.LaplacianJacobian(x);
            Assert.Equal(StencilFunctions.Laplacian(x), laplacian);
            AssertShifts(dLaplacian, n > 2, (-1, false), (0, false), (1, false));
            AssertWindows(dLaplacian, 1, n - 1);
            AssertJacobian("Laplacian", a => StencilFunctions.Laplacian((double[])a[0]), [x], 0, dLaplacian, trial);

            var (products, dProducts) = StencilFunctions.WindowedProductsJacobian(x);
            Assert.Equal(StencilFunctions.WindowedProducts(x), products);
            AssertWindows(dProducts, 1, n - 1);
            AssertJacobian("WindowedProducts", a => StencilFunctions.WindowedProducts((double[])a[0]), [x], 0, dProducts, trial);

            var (padded, dPadded) = StencilFunctions.PaddedDifferenceJacobian(x);
            Assert.Equal(StencilFunctions.PaddedDifference(x), padded);
            AssertShifts(dPadded, (1, false), (0, false));
            AssertWindows(dPadded, 0, n - 1);
            AssertJacobian("PaddedDifference", a => StencilFunctions.PaddedDifference((double[])a[0]), [x], 0, dPadded, trial);

            // k = 0 reads x[i]·x[i]; k ≥ n runs no row, and the Jacobian is 0.
            int k = random.Next(n + 2);
            var (delayed, dDelayed) = StencilFunctions.DelayedJacobian(x, k);
            Assert.Equal(StencilFunctions.Delayed(x, k), delayed);
            AssertWindows(dDelayed, Math.Min(k, n), n);
            AssertJacobian("Delayed", a => StencilFunctions.Delayed((double[])a[0], k), [x, k], 0, dDelayed, trial);

            var (scaled, dScaled) = StencilFunctions.WindowedScaleJacobian(x);
            Assert.Equal(StencilFunctions.WindowedScale(x), scaled);
            AssertShifts(dScaled, (0, false));
            AssertWindows(dScaled, 1, n);
            AssertJacobian("WindowedScale", a => StencilFunctions.WindowedScale((double[])a[0]), [x], 0, dScaled, trial);

            // k ∈ {0, 1} keeps every read inside x.
            int shift = random.Next(2);
            var (blend, dBlend) = StencilFunctions.BlendJacobian(x, shift);
            Assert.Equal(StencilFunctions.Blend(x, shift), blend);
            AssertShifts(dBlend, n > 2, (shift - 1, false), (n - 1 + shift, true), (1, false));
            AssertWindows(dBlend, 1, n - 1);
            AssertJacobian("Blend", a => StencilFunctions.Blend((double[])a[0], shift), [x, shift], 0, dBlend, trial);

            var w = JacobianTestKit.RandomMatrix(random, n, n);
            var (product, dw, dx) = StencilFunctions.WindowedProductJacobian(w, x);
            // The value's dot products are SIMD kernels, summed in another order.
            AssertClose("WindowedProduct", StencilFunctions.WindowedProduct(w, x), product, 1e-12);
            Assert.Equal(JacobianStructure.Dense, dx.Structure);
            AssertJacobian("WindowedProduct ∂x", a => StencilFunctions.WindowedProduct((double[,])a[0], (double[])a[1]), [w, x], 1, dx, trial);
            AssertJacobian("WindowedProduct ∂W", a => StencilFunctions.WindowedProduct((double[,])a[0], (double[])a[1]), [w, x], 0, dw, trial);
        }
    }

    [Fact]
    public void BoundsAndIntsReadFromDoubleLocalsAreDenseAndExact()
    {
        var random = new Random(46);
        for (int trial = 0; trial < 6; trial++)
        {
            int n = 3 + random.Next(6);
            var x = Random(random, n);
            double h = 0.5 + random.NextDouble(); // c = 2h in [1, 3): the loop starts at 1 or 2

            var (bounded, dBounded) = StencilFunctions.BoundFromADoubleJacobian(x, h);
            Assert.Equal(StencilFunctions.BoundFromADouble(x, h), bounded);
            AssertJacobian("BoundFromADouble", a => StencilFunctions.BoundFromADouble((double[])a[0], h), [x, h], 0, dBounded, trial);

            var (lagged, dLagged) = StencilFunctions.LagFromADoubleJacobian(x, h);
            Assert.Equal(StencilFunctions.LagFromADouble(x, h), lagged);
            AssertJacobian("LagFromADouble", a => StencilFunctions.LagFromADouble((double[])a[0], h), [x, h], 0, dLagged, trial);
        }
    }

    /// <summary>Where the loop never runs, the method computes neither n / k nor Σ_j w[j]; nor may its Jacobian.</summary>
    [Fact]
    public void WhatTheLoopWouldHaveComputedIsNotComputedWhereItNeverRuns()
    {
        // One element: the loop from 1 never runs, so k = 0 and m past w's end do not throw in the method.
        var one = new[] { 1.5 };
        var w = new[] { 1.0, 2.0 };
        Assert.Equal(new double[1], StencilFunctions.ScaledInsideTheLoop(one, w, 0, 5));
        var (value, dx) = StencilFunctions.ScaledInsideTheLoopJacobian(one, w, 0, 5);
        Assert.Equal(new double[1], value);
        Assert.Equal(JacobianStructure.Zero, dx.Structure);
        Assert.Equal((1, 1), (dx.Rows, dx.Columns));

        // Where it runs, the method throws and so does the Jacobian; and with good arguments, S(−1)·(n / k)·Σw.
        var x = new[] { 0.5, -1.0, 2.0, 0.25 };
        Assert.Throws<DivideByZeroException>(() => StencilFunctions.ScaledInsideTheLoopJacobian(x, w, 0, 2));
        Assert.Throws<IndexOutOfRangeException>(() => StencilFunctions.ScaledInsideTheLoopJacobian(x, w, 1, 5));
        var (scaled, dScaled) = StencilFunctions.ScaledInsideTheLoopJacobian(x, w, 3, 2);
        Assert.Equal(StencilFunctions.ScaledInsideTheLoop(x, w, 3, 2), scaled);
        AssertShifts(dScaled, (-1, false));
        AssertJacobian("ScaledInsideTheLoop", a => StencilFunctions.ScaledInsideTheLoop((double[])a[0], w, 3, 2), [x], 0, dScaled, 0);
    }

    /// <summary>Offsets, scales and loop bounds that throw are computed only where the method computed them.</summary>
    [Fact]
    public void WhatThrowsIsComputedOnlyWhereTheMethodComputedIt()
    {
        var x = new[] { 0.5, -1.0, 2.0, 0.25 };
        var (offset, dOffset) = StencilFunctions.OffsetDivisionJacobian(x, 0);
        Assert.Equal(new double[4], offset);
        Assert.Equal(JacobianStructure.Zero, dOffset.Structure);
        var (_, dOffset2) = StencilFunctions.OffsetDivisionJacobian(x, 2);
        AssertShifts(dOffset2, (2, false));
        AssertJacobian("OffsetDivision", a => StencilFunctions.OffsetDivision((double[])a[0], 2), [x], 0, dOffset2, 0);

        var (abs, dAbs) = StencilFunctions.AbsScaleJacobian(x, int.MinValue);
        Assert.Equal(new double[4], abs);
        Assert.Equal(JacobianStructure.Zero, dAbs.Structure);
        var (_, dAbs2) = StencilFunctions.AbsScaleJacobian(x, 3);
        AssertJacobian("AbsScale", a => StencilFunctions.AbsScale((double[])a[0], 3), [x], 0, dAbs2, 0);

        // No rows: the inner bound is never computed; with rows, k = 0 throws in both.
        var empty = new double[0, 3];
        var (inner, dInner) = StencilFunctions.InnerBoundDivisionJacobian(empty, 0);
        Assert.Equal(StencilFunctions.InnerBoundDivision(empty, 0), inner);
        Assert.Equal((0, 0), (dInner.Rows, dInner.Columns));
        var square = JacobianTestKit.RandomMatrix(new Random(5), 2, 3);
        Assert.Throws<DivideByZeroException>(() => StencilFunctions.InnerBoundDivision(square, 0));
        Assert.Throws<DivideByZeroException>(() => StencilFunctions.InnerBoundDivisionJacobian(square, 0));
        var (_, dInner2) = StencilFunctions.InnerBoundDivisionJacobian(square, 1);
        AssertJacobian("InnerBoundDivision", a => StencilFunctions.InnerBoundDivision((double[,])a[0], 1), [square], 0, dInner2, 0);

        var w = JacobianTestKit.RandomMatrix(new Random(6), 3, 4);
        var (sum, dSum) = StencilFunctions.SumBoundDivisionJacobian(w, x, 0, 0);
        Assert.Equal(new double[0], sum);
        Assert.Equal((0, 4), (dSum.Rows, dSum.Columns));
        Assert.Throws<DivideByZeroException>(() => StencilFunctions.SumBoundDivisionJacobian(w, x, 0, 3));
        var (_, dSum2) = StencilFunctions.SumBoundDivisionJacobian(w, x, 1, 3);
        Assert.Equal(JacobianStructure.Dense, dSum2.Structure);
        AssertJacobian("SumBoundDivision", a => StencilFunctions.SumBoundDivision(w, (double[])a[0], 1, 3), [x], 0, dSum2, 0);
    }

    /// <summary>The shifts of each index of each term, in order.</summary>
    private static void AssertMatrixShifts(Jacobian jacobian, params (int RowOffset, bool RowReversed, int ColumnOffset, bool ColumnReversed)[] expected) =>
        AssertMatrixShifts(jacobian, true, expected);

    /// <summary>The shifts of each index of each term where the loops ran; the zero Jacobian where they did not.</summary>
    private static void AssertMatrixShifts(Jacobian jacobian, bool ran, params (int RowOffset, bool RowReversed, int ColumnOffset, bool ColumnReversed)[] expected)
    {
        if (!ran)
        {
            Assert.Equal(JacobianStructure.Zero, jacobian.Structure);
            return;
        }

        var terms = Terms(jacobian);
        Assert.Equal(expected.Length, terms.Count);
        for (int t = 0; t < expected.Length; t++)
        {
            var shift = Assert.IsType<MatrixShiftJacobian>(terms[t]);
            Assert.Equal(expected[t], (shift.RowShift.Offset, shift.RowShift.Reversed, shift.ColumnShift.Offset, shift.ColumnShift.Reversed));
        }
    }

    [Fact]
    public void GridStencilsHaveMatrixShiftJacobians()
    {
        var random = new Random(47);
        for (int trial = 0; trial < 8; trial++)
        {
            int m = 1 + random.Next(5);
            int n = 1 + random.Next(5);
            var u = JacobianTestKit.RandomMatrix(random, m, n);

            var (laplacian, dLaplacian) = StencilFunctions.GridLaplacianJacobian(u);
            Assert.Equal(StencilFunctions.GridLaplacian(u), laplacian);
            AssertMatrixShifts(dLaplacian, m > 2 && n > 2, (-1, false, 0, false), (1, false, 0, false), (0, false, -1, false), (0, false, 1, false), (0, false, 0, false));
            AssertJacobian("GridLaplacian", a => StencilFunctions.GridLaplacian((double[,])a[0]), [u], 0, dLaplacian, trial);

            var image = JacobianTestKit.RandomMatrix(random, m + 1, n + 1);
            double eps = 0.1 + random.NextDouble();
            var (edges, dImage, dEps) = StencilFunctions.EdgeStrengthJacobian(image, eps);
            Assert.Equal(StencilFunctions.EdgeStrength(image, eps), edges);
            Assert.Equal(JacobianStructure.Sum, dImage.Structure); // three bands, each diag(√′·…)·S
            AssertMatrixShifts(dImage, (1, false, 0, false), (0, false, 0, false), (0, false, 1, false));
            AssertJacobian("EdgeStrength ∂image", a => StencilFunctions.EdgeStrength((double[,])a[0], (double)a[1]), [image, eps], 0, dImage, trial);
            AssertJacobian("EdgeStrength ∂eps", a => StencilFunctions.EdgeStrength((double[,])a[0], (double)a[1]), [image, eps], 1, dEps, trial);

            int k = random.Next(3);
            var x = JacobianTestKit.RandomMatrix(random, m, n + k);
            var w = JacobianTestKit.RandomMatrix(random, m, n);
            var (flipped, dx) = StencilFunctions.FlipAndLagJacobian(x, w, k);
            Assert.Equal(StencilFunctions.FlipAndLag(x, w, k), flipped);
            AssertMatrixShifts(dx, (m - 1, true, k, false));
            AssertJacobian("FlipAndLag", a => StencilFunctions.FlipAndLag((double[,])a[0], w, k), [x], 0, dx, trial);
        }
    }

    [Fact]
    public void IndicesNamedByIntLocalsAreShifts()
    {
        var random = new Random(48);
        for (int trial = 0; trial < 6; trial++)
        {
            int n = 1 + random.Next(6);
            var x = Random(random, n);
            var (named, dNamed) = StencilFunctions.NamedNeighboursJacobian(x);
            Assert.Equal(StencilFunctions.NamedNeighbours(x), named);
            AssertShifts(dNamed, n > 2, (-1, false), (1, false), (0, false));
            AssertWindows(dNamed, 1, Math.Max(1, n - 1));
            AssertJacobian("NamedNeighbours", a => StencilFunctions.NamedNeighbours((double[])a[0]), [x], 0, dNamed, trial);

            var u = JacobianTestKit.RandomMatrix(random, n, 1 + random.Next(4));
            var (grid, dGrid) = StencilFunctions.NamedGridNeighboursJacobian(u);
            Assert.Equal(StencilFunctions.NamedGridNeighbours(u), grid);
            AssertMatrixShifts(dGrid, n > 1 && u.GetLength(1) > 1, (-1, false, 0, false), (0, false, 1, false));
            AssertJacobian("NamedGridNeighbours", a => StencilFunctions.NamedGridNeighbours((double[,])a[0]), [u], 0, dGrid, trial);
        }
    }

    [Fact]
    public void PeriodicStencilsHaveCyclicShifts()
    {
        var random = new Random(49);
        for (int trial = 0; trial < 8; trial++)
        {
            int n = 1 + random.Next(7);
            var x = Random(random, n);
            var (ring, dRing) = StencilFunctions.PeriodicLaplacianJacobian(x);
            Assert.Equal(StencilFunctions.PeriodicLaplacian(x), ring);
            AssertShifts(dRing, (n - 1, false), (0, false), (1, false));
            AssertJacobian("PeriodicLaplacian", a => StencilFunctions.PeriodicLaplacian((double[])a[0]), [x], 0, dRing, trial);

            int k = random.Next(2 * n);
            var (reflected, dReflected) = StencilFunctions.RingReflectionJacobian(x, k);
            Assert.Equal(StencilFunctions.RingReflection(x, k), reflected);
            AssertShifts(dReflected, (n, true), (k, false));
            AssertJacobian("RingReflection", a => StencilFunctions.RingReflection((double[])a[0], k), [x, k], 0, dReflected, trial);
            // (i + k) % n < 0 at i = 0 for k < 0: the method throws, and so does its Jacobian.
            Assert.Throws<IndexOutOfRangeException>(() => StencilFunctions.RingReflection(x, -1));
            Assert.Throws<IndexOutOfRangeException>(() => StencilFunctions.RingReflectionJacobian(x, -1));

            var u = JacobianTestKit.RandomMatrix(random, n, 1 + random.Next(5));
            var (torus, dTorus) = StencilFunctions.TorusDifferenceJacobian(u);
            Assert.Equal(StencilFunctions.TorusDifference(u), torus);
            AssertMatrixShifts(dTorus, (1, false, 0, false), (0, false, u.GetLength(1) - 1, false));
            AssertJacobian("TorusDifference", a => StencilFunctions.TorusDifference((double[,])a[0]), [u], 0, dTorus, trial);
        }
    }

    [Fact]
    public void AGridLaplacianOfAMegapixelIsKilobytes()
    {
        // 1000 × 1000: dense, 10⁶ × 10⁶ doubles (8 TB); five shifts hold a few ints each.
        var u = new double[1000, 1000];
        var (_, du) = StencilFunctions.GridLaplacianJacobian(u);
        Assert.Equal((1_000_000, 1_000_000), (du.Rows, du.Columns));
        Assert.Equal(-4.0, du[1 + (1 * 1000), 1 + (1 * 1000)]);
        Assert.Equal(1.0, du[1 + (1 * 1000), 2 + (1 * 1000)]);
        Assert.Equal(0.0, du[0, 0]); // the border is not written
        var v = new double[1_000_000];
        v[5 + (5 * 1000)] = 1.0;
        var r = new double[1_000_000];
        du.Multiply(v, r);
        Assert.Equal((-4.0, 1.0, 1.0, 0.0), (r[5 + (5 * 1000)], r[4 + (5 * 1000)], r[5 + (6 * 1000)], r[6 + (6 * 1000)]));
    }

    [Fact]
    public void AShiftJacobianIsKilobytesWhereDenseWouldBeGigabytes()
    {
        // 20,000 × 20,001 dense would be 3.2 GB; two shifts hold four ints.
        var x = new double[20_001];
        var (_, dx) = StencilFunctions.ForwardDifferenceJacobian(x);
        Assert.Equal((20_000, 20_001), (dx.Rows, dx.Columns));
        Assert.Equal(JacobianStructure.Sum, dx.Structure);
        Assert.Equal(1.0, dx[19_999, 20_000]);
        Assert.Equal(-1.0, dx[19_999, 19_999]);
        Assert.Equal(0.0, dx[0, 2]);
    }
}
