using System;
using System.Linq;
using System.Numerics;

namespace Differentiable.Tests.Numerics;

/// <summary>Scalar methods of float and System.Numerics parameters with <c>Hessian = true</c>.</summary>
public static partial class Energies
{
    /// <summary>A spring of rest length 1 between two points: ½·k·(|a − b| − 1)².</summary>
    [Differentiate(Hessian = true)]
    public static float Spring(Vector3 a, Vector3 b, float k)
    {
        float d = Vector3.Distance(a, b) - 1f;
        return 0.5f * k * d * d;
    }

    /// <summary>A 2-D point through an affine map, then a cubic: the rows of m run column by column.</summary>
    [Differentiate(Hessian = true)]
    public static float Warped(Matrix3x2 m, Vector2 u)
    {
        var w = Vector2.Transform(u, m);
        return (w.X * w.X) + (3 * w.Y * w.Y * w.X);
    }

    /// <summary>A 4 × 4 matrix and a 4-vector: rows over vec(m), column-major, then w.</summary>
    [Differentiate(Hessian = true)]
    public static float Bilinear(Matrix4x4 m, Vector4 w)
    {
        var t = Vector4.Transform(w, m);
        return (t.X * t.Y) + (t.Z * t.Z * t.W);
    }

    /// <summary>An array, a vector and a float together, through a loop.</summary>
    [Differentiate(Hessian = true)]
    public static double Mixed(double[] x, Vector2 v, float s)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += (x[i] * x[i] * v.X) + (Math.Sin(s * x[i]) * v.Y);
        }

        return sum * s;
    }

    /// <summary>Components assigned before they are read again.</summary>
    [Differentiate(Hessian = true)]
    public static float Assigned(Vector3 a, float s)
    {
        a.X = a.X * s;
        a.Y += a.Z * a.X;
        return (a.X * a.Y) + (s * a.Z * a.Z);
    }

    /// <summary>A component assigned in a loop: the Hessian's sweeps wrote into their own input and drifted.</summary>
    [Differentiate(Hessian = true)]
    public static float Compounded(Vector4 a)
    {
        float s = 0;
        for (int i = 0; i < 4; i++)
        {
            s += a.X * a.Y * i;
            a.Z = a.Z * 1.5f;
        }

        return s * a.Z;
    }

    /// <summary>A differentiated parameter's component assigned from one that is not.</summary>
    [Differentiate(nameof(b), Hessian = true)]
    public static float ScaledBy(Vector3 a, Vector3 b)
    {
        b.X = b.X * a.X;
        return b.X * b.Y * a.Z;
    }

    /// <summary>A parameter not differentiated whose component takes a differentiated value.</summary>
    [Differentiate(nameof(a), Hessian = true)]
    public static float Carried(Vector3 a, Vector3 b)
    {
        b.X = b.X * a.X;
        return b.X * b.Y * a.Z * a.Y;
    }

    /// <summary>Only some parameters differentiated: the Hessian runs over b's components alone.</summary>
    [Differentiate(nameof(b), Hessian = true)]
    public static float Partial(Vector3 a, Vector3 b) => Vector3.Dot(a, b) * b.LengthSquared();
}

/// <summary>
/// The Hessians of float and System.Numerics parameters: the Hessian of the method's steps taken in double, rows and
/// columns over each parameter's components in vec order (vectors by field, matrices column by column). Checked against
/// the analytic Hessian of the spring, and against central second differences of each method written again in double
/// over the flat vector of its components in that order.
/// </summary>
public sealed class NumericsHessianTests
{
    [Fact]
    public void TheSpringsHessianIsTheAnalyticOne()
    {
        var random = new Random(21);
        for (int trial = 0; trial < 10; trial++)
        {
            var a = new Vector3(R(random), R(random), R(random));
            var b = new Vector3(R(random), R(random), R(random)) * 2;
            float k = 1 + R(random);
            var (value, hessian) = Energies.SpringHessian(a, b, k);
            Assert.Equal(Energies.Spring(a, b, k), value, 6);
            Assert.Equal((7, 7), (hessian.GetLength(0), hessian.GetLength(1)));

            // r = a − b, L = |r|, d = L − 1, u = r / L: ∂²/∂a² = k·(u·uᵀ + d·(I − u·uᵀ)/L) = −∂²/∂a∂b = ∂²/∂b²; ∂²/∂a∂k = d·u.
            double[] r = [a.X - b.X, a.Y - b.Y, a.Z - b.Z];
            double length = Math.Sqrt(r.Sum(c => c * c));
            double d = length - 1;
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    double uu = r[i] * r[j] / (length * length);
                    double block = k * (uu + (d * ((i == j ? 1 : 0) - uu) / length));
                    Close(block, hessian[i, j]);
                    Close(-block, hessian[i, 3 + j]);
                    Close(-block, hessian[3 + i, j]);
                    Close(block, hessian[3 + i, 3 + j]);
                }

                Close(d * r[i] / length, hessian[i, 6]);
                Close(-d * r[i] / length, hessian[3 + i, 6]);
                Close(d * r[i] / length, hessian[6, i]);
            }

            Assert.Equal(0.0, hessian[6, 6]);
        }
    }

    [Fact]
    public void MatrixHessiansRunOverVecInColumnMajorOrder()
    {
        var random = new Random(22);
        for (int trial = 0; trial < 5; trial++)
        {
            var m = new Matrix3x2(R(random), R(random), R(random), R(random), R(random), R(random));
            var u = new Vector2(R(random), R(random));
            // vec(m) = M11, M21, M31, M12, M22, M32; then u.
            double[] at = [m.M11, m.M21, m.M31, m.M12, m.M22, m.M32, u.X, u.Y];
            var (value, hessian) = Energies.WarpedHessian(m, u);
            Assert.Equal(Energies.Warped(m, u), value, 5);
            ExpectSecondDifferences(p =>
            {
                // w = (u.X·M11 + u.Y·M21 + M31, u.X·M12 + u.Y·M22 + M32).
                double wx = (p[6] * p[0]) + (p[7] * p[1]) + p[2];
                double wy = (p[6] * p[3]) + (p[7] * p[4]) + p[5];
                return (wx * wx) + (3 * wy * wy * wx);
            }, at, hessian);

            var m4 = new Matrix4x4(R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random));
            var w = new Vector4(R(random), R(random), R(random), R(random));
            // vec(m4): element (row i, column j), zero-based, at i + 4·j; then w.
            var at4 = Enumerable.Range(0, 16).Select(k => (double)m4[k % 4, k / 4]).Concat([w.X, w.Y, w.Z, w.W]).ToArray();
            var (value4, hessian4) = Energies.BilinearHessian(m4, w);
            Assert.Equal(Energies.Bilinear(m4, w), value4, 5);
            ExpectSecondDifferences(p =>
            {
                // t_j = Σ_i w_i·M_ij (a row vector times the matrix).
                var t = Enumerable.Range(0, 4).Select(j => Enumerable.Range(0, 4).Sum(i => p[16 + i] * p[i + (4 * j)])).ToArray();
                return (t[0] * t[1]) + (t[2] * t[2] * t[3]);
            }, at4, hessian4);
        }
    }

    [Fact]
    public void ArraysVectorsFloatsAndAssignedComponentsTogether()
    {
        var random = new Random(23);
        for (int trial = 0; trial < 5; trial++)
        {
            double[] x = [R(random), R(random), R(random)];
            var v = new Vector2(R(random), R(random));
            float s = R(random);
            var (value, hessian) = Energies.MixedHessian(x, v, s);
            Assert.Equal(Energies.Mixed(x, v, s), value, 12);
            ExpectSecondDifferences(p =>
            {
                double sum = 0;
                for (int i = 0; i < 3; i++)
                {
                    sum += (p[i] * p[i] * p[3]) + (Math.Sin(p[5] * p[i]) * p[4]);
                }

                return sum * p[5];
            }, [x[0], x[1], x[2], v.X, v.Y, s], hessian);

            var a = new Vector3(R(random), R(random), R(random));
            var (assigned, assignedHessian) = Energies.AssignedHessian(a, s);
            Assert.Equal(Energies.Assigned(a, s), assigned, 6);
            ExpectSecondDifferences(p =>
            {
                double ax = p[0] * p[3];
                double ay = p[1] + (p[2] * ax);
                return (ax * ay) + (p[3] * p[2] * p[2]);
            }, [a.X, a.Y, a.Z, s], assignedHessian);

            var (partial, partialHessian) = Energies.PartialHessian(a, v.X * a);
            Assert.Equal(Energies.Partial(a, v.X * a), partial, 6);
            var fixedA = new[] { (double)a.X, a.Y, a.Z };
            var bb = v.X * a;
            ExpectSecondDifferences(p => (fixedA[0] * p[0] + fixedA[1] * p[1] + fixedA[2] * p[2]) * ((p[0] * p[0]) + (p[1] * p[1]) + (p[2] * p[2])), [bb.X, bb.Y, bb.Z], partialHessian);
        }
    }

    [Fact]
    public void AssignedComponentsLeaveTheHessiansInputsAsTheyWere()
    {
        var random = new Random(24);
        for (int trial = 0; trial < 5; trial++)
        {
            var a = new Vector4(R(random), R(random), R(random), R(random));
            var (value, hessian) = Energies.CompoundedHessian(a);
            Assert.Equal(Energies.Compounded(a), value, 5);
            // s = 6·X·Y; Z·1.5⁴ at the end: f = 6·1.5⁴·X·Y·Z.
            ExpectSecondDifferences(p => 6 * Math.Pow(1.5, 4) * p[0] * p[1] * p[2], [a.X, a.Y, a.Z, a.W], hessian);

            var b = new Vector3(R(random), R(random), R(random));
            var c = new Vector3(R(random), R(random), R(random));
            var (scaled, scaledHessian) = Energies.ScaledByHessian(b, c);
            Assert.Equal(Energies.ScaledBy(b, c), scaled, 6);
            ExpectSecondDifferences(p => p[0] * b.X * p[1] * b.Z, [c.X, c.Y, c.Z], scaledHessian);
            var (carried, carriedHessian) = Energies.CarriedHessian(b, c);
            Assert.Equal(Energies.Carried(b, c), carried, 6);
            ExpectSecondDifferences(p => c.X * p[0] * c.Y * p[2] * p[1], [b.X, b.Y, b.Z], carriedHessian);
        }
    }

    /// <summary>Each entry against central second differences of the function in double (h = 1e-4), symmetric.</summary>
    private static void ExpectSecondDifferences(Func<double[], double> f, double[] at, double[,] hessian)
    {
        int n = at.Length;
        Assert.Equal((n, n), (hessian.GetLength(0), hessian.GetLength(1)));
        const double h = 1e-4;
        double F(int i, double di, int j, double dj)
        {
            var p = (double[])at.Clone();
            p[i] += di;
            p[j] += dj;
            return f(p);
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double expected = (F(i, h, j, h) - F(i, h, j, -h) - F(i, -h, j, h) + F(i, -h, j, -h)) / (4 * h * h);
                Assert.True(
                    Math.Abs(hessian[i, j] - expected) <= 1e-4 * (1 + Math.Abs(expected)),
                    $"H[{i}, {j}] = {hessian[i, j]:R}, central differences {expected:R}");
                Assert.Equal(hessian[i, j], hessian[j, i]);
            }
        }
    }

    /// <summary>The float method's Hessian against the double one, to float rounding of its terms.</summary>
    private static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{actual:R}, analytic {expected:R}");

    private static float R(Random random) => (float)((random.NextDouble() * 2) - 1);
}
