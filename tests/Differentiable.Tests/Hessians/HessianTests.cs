using System;
using System.Linq;
using CsCheck;
using Xunit;
using Xunit.Sdk;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Hessians;

/// <summary>
/// <c>FHessian</c> and both <c>FHvp</c> companions against the analytic Rosenbrock Hessian and against central
/// differences of the generated gradient.
/// </summary>
public class HessianTests
{
    private const long Iterations = 50;

    /// <summary>
    /// The Hessian of f(x) = Σ_{i&lt;n−1} 100·(x[i+1] − x[i]²)² + (1 − x[i])², derived term by term:
    /// the i-th term contributes 2 − 400·(x[i+1] − 3x[i]²) to H[i, i], 200 to H[i+1, i+1] and −400·x[i] to
    /// H[i, i+1] = H[i+1, i]. So H[i, i] = (2 − 400·(x[i+1] − 3x[i]²))·[i &lt; n−1] + 200·[i &gt; 0]: the last diagonal entry
    /// has no 2, because (1 − x[n−1])² is not a term.
    /// </summary>
    private static double[,] RosenbrockHessian(double[] x)
    {
        int n = x.Length;
        var h = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            if (i < n - 1)
            {
                h[i, i] += 2.0 - (400.0 * (x[i + 1] - (3.0 * x[i] * x[i])));
                h[i, i + 1] = -400.0 * x[i];
                h[i + 1, i] = -400.0 * x[i];
            }

            if (i > 0)
            {
                h[i, i] += 200.0;
            }
        }

        return h;
    }

    private static double[] Multiply(double[,] matrix, double[] v)
    {
        var result = new double[matrix.GetLength(0)];
        for (int i = 0; i < result.Length; i++)
        {
            for (int j = 0; j < v.Length; j++)
            {
                result[i] += matrix[i, j] * v[j];
            }
        }

        return result;
    }

    /// <summary>|actual − expected| ≤ relative · max(1, |expected|) entry by entry.</summary>
    private static void AssertMatrixClose(string what, double[,] expected, double[,] actual, double relative)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                if (!(Math.Abs(actual[i, j] - expected[i, j]) <= relative * Math.Max(1.0, Math.Abs(expected[i, j]))))
                {
                    throw new XunitException($"{what}: [{i}, {j}] is {actual[i, j]:R}, expected {expected[i, j]:R}.");
                }
            }
        }
    }

    private static void AssertExactlySymmetric(string what, double[,] h)
    {
        Assert.Equal(h.GetLength(0), h.GetLength(1));
        for (int i = 0; i < h.GetLength(0); i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (!h[i, j].Equals(h[j, i]))
                {
                    throw new XunitException($"{what}: H[{i}, {j}] = {h[i, j]:R} but H[{j}, {i}] = {h[j, i]:R}.");
                }
            }
        }
    }

    [Fact]
    public void Rosenbrock_FiveDimensions_HessianIsTheAnalyticTridiagonal() =>
        Vector(5).Sample(x =>
        {
            var (value, hessian) = HessianFunctions.RosenbrockHessian(x);
            Assert.Equal(HessianFunctions.Rosenbrock(x), value);
            double[,] expected = RosenbrockHessian(x);
            AssertMatrixClose("Rosenbrock Hessian", expected, hessian, 1e-10);
            AssertExactlySymmetric("Rosenbrock Hessian", hessian);

            // Tridiagonal: everything beyond the first off-diagonals is exactly zero.
            for (int i = 0; i < 5; i++)
            {
                for (int j = 0; j < 5; j++)
                {
                    if (Math.Abs(i - j) > 1)
                    {
                        Assert.Equal(0.0, hessian[i, j]);
                    }
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Rosenbrock_AtTheMinimum()
    {
        // At x = 1: H[i, i] = 802 + 200·[i > 0] for i < n − 1, 200 for the last; H[i, i+1] = −400.
        double[] ones = [1, 1, 1, 1, 1];
        var (value, hessian) = HessianFunctions.RosenbrockHessian(ones);
        Assert.Equal(0.0, value);
        double[,] expected =
        {
            { 802, -400, 0, 0, 0 },
            { -400, 1002, -400, 0, 0 },
            { 0, -400, 1002, -400, 0 },
            { 0, 0, -400, 1002, -400 },
            { 0, 0, 0, -400, 200 },
        };
        AssertMatrixClose("Rosenbrock Hessian at the minimum", expected, hessian, 1e-12);
    }

    [Fact]
    public void Rosenbrock_HvpIsHessianTimesDirection() =>
        (from n in Gen.Int[1, 7]
         from x in Vector(n)
         from v in Vector(n)
         select (x, v))
        .Sample((x, v) =>
        {
            double[,] h = RosenbrockHessian(x);
            double[] expected = Multiply(h, v);

            // Caller buffers: H·v written (over garbage), ∇f·v returned.
            var hv = Enumerable.Repeat(double.NaN, x.Length).ToArray();
            double directional = HessianFunctions.RosenbrockHvp(x, v, hv);
            AssertClose("Rosenbrock H·v", expected, hv, 1e-10);
            var gradient = HessianFunctions.RosenbrockGradient(x);
            var (dot, scale) = Dot((gradient.dx, v));
            Assert.True(Math.Abs(directional - dot) <= 1e-12 * Math.Max(1.0, scale), $"∇f·v: {directional:R}, expected {dot:R}.");

            // Allocating form: the value and H·v.
            var (value, dx) = HessianFunctions.RosenbrockHvp(x, v);
            Assert.Equal(HessianFunctions.Rosenbrock(x), value);
            Assert.Equal(hv, dx);

            // FHessian for every n, against the same analytic form.
            var (_, hessian) = HessianFunctions.RosenbrockHessian(x);
            AssertMatrixClose($"Rosenbrock Hessian, n = {x.Length}", h, hessian, 1e-10);
        }, iter: Iterations);

    /// <summary>Whether every branch decision of Mixed is at least a margin away from z[i] = 0.</summary>
    private static bool MixedIsRobust(double[] x, double t) =>
        x.All(xi => Math.Abs(Math.Sin(t * xi) + (xi * xi)) > 1e-2);

    private static double[] MixedGradientVector(double[] x, double t)
    {
        var g = HessianFunctions.MixedGradient(x, t);
        return g.dx.Append(g.dt).ToArray();
    }

    [Fact]
    public void Mixed_HessianMatchesCentralDifferencesOfTheGradient() =>
        (from n in Gen.Int[1, 5]
         from x in Vector(n, -1.5, 1.5)
         from t in Gen.Double[-1.5, 1.5]
         where MixedIsRobust(x, t)
         select (x, t))
        .Sample((x, t) =>
        {
            int n = x.Length;
            var (value, hessian) = HessianFunctions.MixedHessian(x, t);
            Assert.Equal(HessianFunctions.Mixed(x, t), value);
            Assert.Equal(n + 1, hessian.GetLength(0));
            Assert.Equal(n + 1, hessian.GetLength(1));
            AssertExactlySymmetric("Mixed Hessian", hessian);

            // Columns 0 … n−1 over vec(x), column n over t: central differences of the generated gradient.
            object[] args = [x, t];
            Func<object[], object> gradient = a => MixedGradientVector((double[])a[0], (double)a[1]);
            double[,] byX = CentralJacobian(gradient, args, 0);
            double[,] byT = CentralJacobian(gradient, args, 1);
            var expected = new double[n + 1, n + 1];
            for (int r = 0; r <= n; r++)
            {
                for (int c = 0; c < n; c++)
                {
                    expected[r, c] = byX[r, c];
                }

                expected[r, n] = byT[r, 0];
            }

            AssertMatrixClose("Mixed Hessian vs central differences of the gradient", expected, hessian, 1e-5);
        }, iter: Iterations);

    [Fact]
    public void Mixed_HvpIsHessianTimesDirection() =>
        (from n in Gen.Int[1, 5]
         from x in Vector(n, -1.5, 1.5)
         from t in Gen.Double[-1.5, 1.5]
         from vx in Vector(n)
         from vt in Gen.Double[-2.0, 2.0]
         where MixedIsRobust(x, t)
         select (x, t, vx, vt))
        .Sample((x, t, vx, vt) =>
        {
            int n = x.Length;
            var (_, hessian) = HessianFunctions.MixedHessian(x, t);
            double[] v = vx.Append(vt).ToArray();
            double[] expected = Multiply(hessian, v);
            double[] scale = new double[n + 1];
            for (int i = 0; i <= n; i++)
            {
                for (int j = 0; j <= n; j++)
                {
                    scale[i] += Math.Abs(hessian[i, j] * v[j]);
                }
            }

            var hx = Enumerable.Repeat(double.NaN, n).ToArray();
            double directional = HessianFunctions.MixedHvp(x, t, vx, vt, hx, out double ht);
            double[] actual = hx.Append(ht).ToArray();
            for (int i = 0; i <= n; i++)
            {
                // The Hessian is symmetrized from Hessian-vector products, so they agree up to rounding.
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 * Math.Max(1.0, scale[i]),
                    $"Mixed H·v element {i}: {actual[i]:R}, Hessian·v gives {expected[i]:R}.");
            }

            var g = HessianFunctions.MixedGradient(x, t);
            var (dot, dotScale) = Dot((g.dx, vx), (g.dt, vt));
            Assert.True(Math.Abs(directional - dot) <= 1e-12 * Math.Max(1.0, dotScale), $"∇f·v: {directional:R}, expected {dot:R}.");

            var (value, dx, dt) = HessianFunctions.MixedHvp(x, t, vx, vt);
            Assert.Equal(HessianFunctions.Mixed(x, t), value);
            Assert.Equal(hx, dx);
            Assert.Equal(ht, dt);
        }, iter: Iterations);

    /// <summary>Each one-vector function's Hessian against central differences of its generated gradient.</summary>
    public static TheoryData<string> OneVectorFunctions => new() { "Window", "RunningProduct", "ScaledByFirst", "SquaredSum" };

    [Theory]
    [MemberData(nameof(OneVectorFunctions))]
    public void BandedAndDenseLookAlikes_HessianMatchesCentralDifferencesOfTheGradient(string name)
    {
        static (Func<double[], double>, Func<double[], (double, double[,])>, Func<double[], double[]>) Case(
            Func<double[], double> function, Func<double[], (double, double[,])> hessian, Func<double[], double[]> gradient) => (function, hessian, gradient);
        var (function, hessianOf, gradientOf) = name switch
        {
            "Window" => Case(HessianFunctions.Window, x => HessianFunctions.WindowHessian(x), x => HessianFunctions.WindowGradient(x).dx),
            "RunningProduct" => Case(HessianFunctions.RunningProduct, x => HessianFunctions.RunningProductHessian(x), x => HessianFunctions.RunningProductGradient(x).dx),
            "ScaledByFirst" => Case(HessianFunctions.ScaledByFirst, x => HessianFunctions.ScaledByFirstHessian(x), x => HessianFunctions.ScaledByFirstGradient(x).dx),
            _ => Case(HessianFunctions.SquaredSum, x => HessianFunctions.SquaredSumHessian(x), x => HessianFunctions.SquaredSumGradient(x).dx),
        };

        // Sizes well past the band (the window needs n ≥ 12 for columns to share a product).
        (from n in Gen.Int[1, 14]
         from x in Vector(n, -1.5, 1.5)
         select x)
        .Sample(x =>
        {
            var (value, hessian) = hessianOf(x);
            Assert.Equal(function(x), value);
            AssertExactlySymmetric(name + " Hessian", hessian);
            var expected = CentralJacobian(a => gradientOf((double[])a[0]), [x], 0);
            AssertMatrixClose(name + " Hessian vs central differences of the gradient", expected, hessian, 1e-5);
        }, iter: Iterations);
    }
}
