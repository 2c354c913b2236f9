using System;

namespace Differentiable.Tests.Unrolling;

/// <summary>Fixed-size code whose loops the generator unrolls: checked against finite differences and closed forms.</summary>
public static partial class FixedSize
{
    private const int Joints = 4;

    /// <summary>E(q) = Σ (i+1)·q[i]² + Σ sin(q[i]·q[i−1]) over a const-bounded loop.</summary>
    [Differentiate]
    public static double Energy(double[] q)
    {
        double e = 0;
        for (int i = 0; i < Joints; i++)
        {
            double w = i + 1.0;
            e += w * q[i] * q[i];
            if (i > 0)
            {
                e += Math.Sin(q[i] * q[i - 1]);
            }
        }

        return e;
    }

    /// <summary>A homogeneous 4×4 transform of a point: y = M·(p, 1), then a perspective divide by y[3].</summary>
    [Differentiate]
    public static double[] Project(double[,] M, double[] p)
    {
        const int N = 4;
        var h = new double[N];
        for (int i = 0; i < N; i++)
        {
            h[i] = M[i, 3];
            for (int j = 0; j < 3; j++)
            {
                h[i] += M[i, j] * p[j];
            }
        }

        var y = new double[3];
        for (int i = 0; i < 3; i++)
        {
            y[i] = h[i] / h[3];
        }

        return y;
    }

    /// <summary>R·v with a 3×3 R, both loops unrolled: the VJP's adjoints live in locals (see ElementLocals).</summary>
    [Differentiate]
    public static double[] Rotate(double[,] R, double[] v)
    {
        const int N = 3;
        var y = new double[N];
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < N; j++)
            {
                y[i] += R[i, j] * v[j];
            }
        }

        return y;
    }

    /// <summary>
    /// Two state loops that each declare <c>next</c>: the parser names the second one next_2, and the first, unrolled,
    /// must not name its third iteration's copy next_2 as well.
    /// </summary>
    [Differentiate]
    public static double TwoStateLoops(double[,] W, double[] x)
    {
        int n = x.Length;
        double[] s = x;
        for (int t = 0; t < 3; t++)
        {
            double[] next = new double[n];
            for (int i = 0; i < n; i++)
            {
                double a = 0.5 * x[i];
                for (int j = 0; j < n; j++)
                {
                    a += W[i, j] * s[j];
                }

                next[i] = Math.Tanh(a);
            }

            s = next;
        }

        double[] u = x;
        for (int t = 0; t < n; t++)
        {
            double[] next = new double[n];
            for (int i = 0; i < n; i++)
            {
                next[i] = Math.Sin(u[i] + s[i]);
            }

            u = next;
        }

        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            loss += u[i] * s[i];
        }

        return loss;
    }

    /// <summary>
    /// A float local in an unrolled array-valued method: y[i] = cos(f)·x[i] with f = (float)x[i]. The straight-line
    /// Jacobian gave float locals no partials, so it dropped −sin(f)·x[i] (and all of a Vector3 local's components).
    /// </summary>
    [Differentiate]
    public static double[] FloatLocal(double[] x)
    {
        var y = new double[3];
        for (int i = 0; i < 3; i++)
        {
            float f = (float)x[i];
            y[i] = MathF.Cos(f) * x[i];
        }

        return y;
    }

    /// <summary>y[i] = (x[i] % 0.5 + x[i]) % 0.7: ∂y/∂x = 2 away from the jumps. The straight-line Jacobian had no rule for %.</summary>
    [Differentiate]
    public static double[] Remainders(double[] x)
    {
        var y = new double[3];
        for (int i = 0; i < 3; i++)
        {
            y[i] = (x[i] % 0.5) + x[i];
            y[i] %= 0.7;
        }

        return y;
    }
}

public sealed class UnrolledTests
{
    [Fact]
    public void FloatLocalsAndRemaindersHaveTheirPartialsInTheStraightLineJacobian()
    {
        var x = new[] { 0.33, 0.61, 0.12 };
        var floats = FixedSize.FloatLocalJacobian(x).dx.ToDense();
        var remainders = FixedSize.RemaindersJacobian(x).dx.ToDense();
        for (int i = 0; i < 3; i++)
        {
            var f = (float)x[i];
            for (int k = 0; k < 3; k++)
            {
                // cos and sin of the float f, in double: the value is computed in float, the derivative in double.
                var expected = i == k ? Math.Cos(f) - (Math.Sin(f) * x[i]) : 0.0;
                Assert.True(Math.Abs(floats[i, k] - expected) <= 1e-6, $"∂y[{i}]/∂x[{k}] is {floats[i, k]:R}, by hand {expected:R}");
                Assert.Equal(i == k ? 2.0 : 0.0, remainders[i, k]);
            }
        }
    }

    [Fact]
    public void EnergyGradientMatchesFiniteDifferences()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            var q = new double[4];
            for (int i = 0; i < 4; i++) q[i] = (random.NextDouble() * 2) - 1;
            var (value, dq) = FixedSize.EnergyGradient(q);
            Assert.Equal(FixedSize.Energy(q), value);
            for (int k = 0; k < 4; k++)
            {
                var analytic = (2 * (k + 1) * q[k])
                    + (k > 0 ? q[k - 1] * Math.Cos(q[k] * q[k - 1]) : 0)
                    + (k < 3 ? q[k + 1] * Math.Cos(q[k + 1] * q[k]) : 0);
                Near.Equal(analytic, dq[k], 12);
                Assert.True(Math.Abs(Central(FixedSize.Energy, q, k) - dq[k]) < 1e-6 * Math.Max(1, Math.Abs(dq[k])));
            }
        }
    }

    [Fact]
    public void UnrolledCopiesOfALocalKeepApartFromAnotherLocalOfTheSameName()
    {
        var random = new Random(23);
        foreach (var n in new[] { 1, 3, 6 })
        {
            var W = new double[n, n];
            var x = new double[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = (random.NextDouble() * 2) - 1;
                for (int j = 0; j < n; j++) W[i, j] = ((random.NextDouble() * 2) - 1) / n;
            }

            var (value, dW, dx) = FixedSize.TwoStateLoopsGradient(W, x);
            Near.Equal(FixedSize.TwoStateLoops(W, x), value, 12);

            // The tangent, which declares the loops' locals in their own scopes (where the clash failed to compile).
            var direction = new double[n];
            direction[n - 1] = 1.0;
            var (_, tangent) = FixedSize.TwoStateLoopsJvp(W, x, new double[n, n], direction);
            Near.Equal(dx[n - 1], tangent, 10);
            for (int k = 0; k < n; k++)
            {
                var central = Central(q => FixedSize.TwoStateLoops(W, q), x, k);
                Assert.True(Math.Abs(central - dx[k]) < 1e-6 * Math.Max(1, Math.Abs(dx[k])), $"n = {n}: dx[{k}] = {dx[k]:R}, central differences {central:R}");
            }

            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    var saved = W[i, j];
                    W[i, j] = saved + 1e-6;
                    var plus = FixedSize.TwoStateLoops(W, x);
                    W[i, j] = saved - 1e-6;
                    var minus = FixedSize.TwoStateLoops(W, x);
                    W[i, j] = saved;
                    var central = (plus - minus) / 2e-6;
                    Assert.True(Math.Abs(central - dW[i, j]) < 1e-6 * Math.Max(1, Math.Abs(dW[i, j])), $"n = {n}: dW[{i}, {j}] = {dW[i, j]:R}, central differences {central:R}");
                }
            }
        }
    }

    [Fact]
    public void UnrolledVjpOverwritesItsBuffersWithExactlyTheTransposedProduct()
    {
        // The reverse sweep keeps dv's sums in locals: the buffers, filled with NaN first, must receive every element,
        // and the sums the same bits as adding the rows' terms from the last row up, as the sweep does.
        var random = new Random(31);
        for (int trial = 0; trial < 20; trial++)
        {
            var R = new double[3, 3];
            var v = new double[3];
            var seed = new double[3];
            for (int i = 0; i < 3; i++)
            {
                v[i] = (random.NextDouble() * 2) - 1;
                seed[i] = (random.NextDouble() * 2) - 1;
                for (int j = 0; j < 3; j++) R[i, j] = (random.NextDouble() * 2) - 1;
            }

            var dR = new double[3, 3];
            var dv = new double[3];
            for (int i = 0; i < 3; i++)
            {
                dv[i] = double.NaN;
                for (int j = 0; j < 3; j++) dR[i, j] = double.NaN;
            }

            var value = FixedSize.RotateVjp(R, v, seed, dR, dv);
            Assert.Equal(FixedSize.Rotate(R, v), value);
            for (int c = 0; c < 3; c++)
            {
                Assert.Equal((seed[2] * R[2, c]) + (seed[1] * R[1, c]) + (seed[0] * R[0, c]), dv[c]);
                for (int i = 0; i < 3; i++) Assert.Equal(seed[i] * v[c], dR[i, c]);
            }
        }
    }

    [Fact]
    public void UnrolledProjectionVjpIsTheTransposedJacobianTimesTheSeed()
    {
        // Its adjoints of y, h and p live in locals through the reverse sweep; h's values are stored for it to read.
        var M = new double[,] { { 1.0, 0.1, -0.2, 0.5 }, { 0.0, 0.9, 0.3, -0.1 }, { 0.2, -0.4, 1.1, 2.0 }, { 0.05, 0.02, 0.1, 3.0 } };
        var p = new[] { 0.3, -0.5, 1.2 };
        var (y, jM, jp) = FixedSize.ProjectJacobian(M, p);
        var random = new Random(37);
        for (int trial = 0; trial < 10; trial++)
        {
            var seed = new[] { (random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1 };
            var dM = new double[4, 4];
            var dp = new[] { double.NaN, double.NaN, double.NaN };
            // The VJP adds each row's products in one sum (vectorization's reassociation): the value to rounding.
            var value = FixedSize.ProjectVjp(M, p, seed, dM, dp);
            for (int r = 0; r < 3; r++) Near.Equal(y[r], value[r], 14);
            for (int c = 0; c < 3; c++)
            {
                Near.Equal((seed[0] * jp[0, c]) + (seed[1] * jp[1, c]) + (seed[2] * jp[2, c]), dp[c], 12);
            }

            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    int column = i + (4 * j);
                    Near.Equal((seed[0] * jM[0, column]) + (seed[1] * jM[1, column]) + (seed[2] * jM[2, column]), dM[i, j], 12);
                }
            }
        }
    }

    [Fact]
    public void ProjectionJacobianMatchesFiniteDifferences()
    {
        var M = new double[,] { { 1.0, 0.1, -0.2, 0.5 }, { 0.0, 0.9, 0.3, -0.1 }, { 0.2, -0.4, 1.1, 2.0 }, { 0.05, 0.02, 0.1, 3.0 } };
        var p = new[] { 0.3, -0.5, 1.2 };
        var (y, dM, dp) = FixedSize.ProjectJacobian(M, p);
        Assert.Equal(FixedSize.Project(M, p), y);
        for (int c = 0; c < 3; c++)
        {
            var plus = (double[])p.Clone();
            var minus = (double[])p.Clone();
            plus[c] += 1e-6;
            minus[c] -= 1e-6;
            var fp = FixedSize.Project(M, plus);
            var fm = FixedSize.Project(M, minus);
            for (int r = 0; r < 3; r++) Assert.True(Math.Abs(((fp[r] - fm[r]) / 2e-6) - dp[r, c]) < 1e-6, $"dp[{r},{c}]");
        }

        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                var saved = M[i, j];
                M[i, j] = saved + 1e-6;
                var fp = FixedSize.Project(M, p);
                M[i, j] = saved - 1e-6;
                var fm = FixedSize.Project(M, p);
                M[i, j] = saved;
                for (int r = 0; r < 3; r++) Assert.True(Math.Abs(((fp[r] - fm[r]) / 2e-6) - dM[r, i + (4 * j)]) < 1e-6, $"dM[{r},{i + (4 * j)}]");
            }
        }
    }

    private static double Central(Func<double[], double> f, double[] x, int k)
    {
        var plus = (double[])x.Clone();
        var minus = (double[])x.Clone();
        plus[k] += 1e-6;
        minus[k] -= 1e-6;
        return (f(plus) - f(minus)) / 2e-6;
    }
}
