using System;
using System.Linq;
using System.Numerics;

namespace Differentiable.Tests.Numerics;

/// <summary>Array-valued methods differentiated with respect to float and System.Numerics parameters.</summary>
public static partial class Frames
{
    /// <summary>Straight-line (a result of constant size): a point rotated by a quaternion.</summary>
    [Differentiate]
    public static double[] Rotated(Vector3 p, Quaternion q)
    {
        var r = Vector3.Transform(p, q);
        return [r.X, r.Y, r.Z];
    }

    /// <summary>Straight-line, a matrix result: each element reads its own components, so the column order shows.</summary>
    [Differentiate]
    public static double[,] Laid(Matrix3x2 m, float t) => new double[,]
    {
        { m.M11 * t, m.M12 },
        { m.M21 * m.M22, t * t },
        { m.M31, m.M32 + m.M11 },
    };

    /// <summary>A Vector3 position as (x, y, z, 1)·M: four components of three (the W column was missing).</summary>
    [Differentiate]
    public static double[] Homogeneous(Vector3 a, Matrix4x4 m)
    {
        var w = Vector4.Transform(a, m);
        return [w.X, w.Y, w.Z, w.W];
    }

    /// <summary>Loops over x: the dense Jacobian, by JVPs (2 columns for a, n rows).</summary>
    [Differentiate]
    public static double[] Blend(double[] x, Vector2 a)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (a.X * x[i]) + (a.Y * x[i] * x[i]);
        }

        return y;
    }

    /// <summary>Loops over x: the dense Jacobian, one JVP per component of m (16 columns, 2 rows), VJPs for x.</summary>
    [Differentiate]
    public static double[] Moments(Matrix4x4 m, double[] x)
    {
        double s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
        }

        var y = new double[2];
        y[0] = (m.M11 * s) + m.M23;
        y[1] = (m.M44 * s * s) + (m.M32 * x[0]);
        return y;
    }

    /// <summary>A System.Numerics result: the rows of the Jacobian are its components.</summary>
    [Differentiate]
    public static Vector3 Rotate(Vector3 p, Quaternion q) => Vector3.Transform(p, q);

    /// <summary>Loops over xs (the dense Jacobian, by sweeps of array-valued local copies of the JVP and VJP).</summary>
    [Differentiate]
    public static Vector2 Centroid(double[] xs, float scale)
    {
        double sx = 0;
        double sy = 0;
        for (int i = 0; i + 1 < xs.Length; i += 2)
        {
            sx += xs[i];
            sy += xs[i + 1];
        }

        return new Vector2((float)sx * scale, (float)sy);
    }

    /// <summary>Two returns of a matrix result.</summary>
    [Differentiate]
    public static Matrix3x2 Scaled(Matrix3x2 m, float t)
    {
        if (t > 0)
        {
            return m * t;
        }

        return m * (t * t);
    }

    /// <summary>Three returns of a 4 × 4 result, one after a branch that falls through.</summary>
    [Differentiate]
    public static Matrix4x4 Chosen(Matrix4x4 a, Matrix4x4 b, float t)
    {
        if (t > 1)
        {
            return a * b;
        }

        if (t < -1)
        {
            b.M12 = b.M12 * t;
        }
        else
        {
            return b * t;
        }

        return a + (b * t);
    }

    /// <summary>Two returns of a vector, one of a parameter as it came.</summary>
    [Differentiate]
    public static Vector4 Picked(Vector4 a, float s)
    {
        if (s > 0)
        {
            return a;
        }

        return new Vector4(a.X * s, a.Y, a.Z * a.W, s);
    }

    /// <summary>A 4 × 4 result: its rows run in column-major vec order.</summary>
    [Differentiate]
    public static Matrix4x4 Product(Matrix4x4 a, Matrix4x4 b) => a * b;

    [Differentiate]
    public static Quaternion Spin(Vector3 axis, float angle) => new(axis * MathF.Sin(angle / 2), MathF.Cos(angle / 2));

    /// <summary>A result of default: zero, whatever the input.</summary>
    [Differentiate]
    public static Vector2 Clipped(Vector2 v) => v.X > 0 ? v : default;

    /// <summary>A float scale of a long vector: ∂/∂x is a scaled identity (it was a dense n × n, from n JVPs).</summary>
    [Differentiate]
    public static double[] Scaled(double[] x, float s, float t)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = s * t * x[i];
        }

        return y;
    }

    /// <summary>s·(t·x): the method multiplies in double; so must the structure's factor (it was s·t in float).</summary>
    [Differentiate]
    public static double[] Nested(double[] x, float s, Vector2 v)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = s * (v.X * x[i]) * v.Y;
        }

        return y;
    }

    /// <summary>A MathF factor stays dense (MathF rounds otherwise than the structure's double arithmetic would).</summary>
    [Differentiate]
    public static double[] SineScaled(double[] x, float s)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = MathF.Sin(s) * x[i];
        }

        return y;
    }

    [Differentiate]
    public static double[] Squashed(double[] x, float s, Vector2 v)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] / s) + (v.Y * Math.Tanh(x[i] * v.X));
        }

        return y;
    }

    [Differentiate]
    public static double[] Layer(double[,] w, double[] x, float s)
    {
        var y = new double[w.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += s * w[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>The direction only chooses a sign: its Jacobian is zero.</summary>
    [Differentiate]
    public static double[] Signed(double[] x, Vector2 direction)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = direction.X > 0 ? x[i] : -x[i];
        }

        return y;
    }
}

public sealed class NumericsJacobianTests
{
    [Fact]
    public void RotationJacobianIsTheRotationAndMatchesFiniteDifferencesInTheQuaternion()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            var p = new Vector3(R(random), R(random), R(random));
            var q = new Quaternion(R(random), R(random), R(random), R(random));
            var (value, dp, dq) = Frames.RotatedJacobian(p, q);
            // The companions compute the value per component; .NET may order the float operations otherwise.
            var rotated = Frames.Rotated(p, q);
            for (int row = 0; row < 3; row++)
            {
                Near.Equal(rotated[row], value[row], 6);
            }

            Assert.Equal((3, 3), (dp.Rows, dp.Columns));
            Assert.Equal((3, 4), (dq.Rows, dq.Columns));

            // Linear in p: column k is q·e_k·q̄. In q, central differences of the same product in double.
            double[] qd = [q.X, q.Y, q.Z, q.W];
            double[] pd = [p.X, p.Y, p.Z];
            for (int k = 0; k < 3; k++)
            {
                var unit = new double[3];
                unit[k] = 1;
                var column = Sandwich(unit, qd);
                for (int row = 0; row < 3; row++)
                {
                    Near.Equal(column[row], dp[row, k], 5);
                }
            }

            for (int k = 0; k < 4; k++)
            {
                const double h = 1e-6;
                var plus = (double[])qd.Clone();
                var minus = (double[])qd.Clone();
                plus[k] += h;
                minus[k] -= h;
                var (up, down) = (Sandwich(pd, plus), Sandwich(pd, minus));
                for (int row = 0; row < 3; row++)
                {
                    Near.Equal((up[row] - down[row]) / (2 * h), dq[row, k], 5);
                }
            }

            // The products agree with the Jacobian: J·v from the JVP, Jᵀ·u from the VJP (narrowed to float once).
            var tp = new Vector3(R(random), R(random), R(random));
            var tq = new Quaternion(R(random), R(random), R(random), R(random));
            var tangent = Frames.RotatedJvp(p, q, tp, tq).Tangent;
            double[] u = [R(random), R(random), R(random)];
            Frames.RotatedVjp(p, q, u, out var up2, out var uq);
            for (int row = 0; row < 3; row++)
            {
                var expected = (dp[row, 0] * tp.X) + (dp[row, 1] * tp.Y) + (dp[row, 2] * tp.Z)
                    + (dq[row, 0] * tq.X) + (dq[row, 1] * tq.Y) + (dq[row, 2] * tq.Z) + (dq[row, 3] * tq.W);
                Near.Equal(expected, tangent[row], 12);
            }

            Near.Equal(Dot(u, dp, 0), up2.X, 6);
            Near.Equal(Dot(u, dp, 2), up2.Z, 6);
            Near.Equal(Dot(u, dq, 3), uq.W, 6);
        }
    }

    [Fact]
    public void MatrixParameterColumnsRunInColumnMajorVecOrder()
    {
        var m = new Matrix3x2(0.5f, -1.5f, 2f, 0.25f, -0.75f, 3f);
        const float t = 1.25f;
        var (value, dm, dt) = Frames.LaidJacobian(m, t);
        Assert.Equal(Frames.Laid(m, t), value);
        Assert.Equal((6, 6), (dm.Rows, dm.Columns));
        Assert.Equal((6, 1), (dt.Rows, dt.Columns));

        // Rows: vec(result) = [0,0], [1,0], [2,0], [0,1], [1,1], [2,1]. Columns: M11, M21, M31, M12, M22, M32.
        var expected = new double[6, 6];
        expected[0, 0] = t;                 // [0,0] = M11·t
        expected[1, 1] = m.M22;             // [1,0] = M21·M22
        expected[1, 4] = m.M21;
        expected[2, 2] = 1;                 // [2,0] = M31
        expected[3, 3] = 1;                 // [0,1] = M12
        expected[5, 0] = 1;                 // [2,1] = M32 + M11
        expected[5, 5] = 1;
        Assert.Equal(expected, dm.ToDense());
        Assert.Equal(new double[,] { { m.M11 }, { 0 }, { 0 }, { 0 }, { 2.0 * t }, { 0 } }, dt.ToDense());
    }

    [Fact]
    public void AHomogeneousTransformHasAllFourRowsOfTheMatrix()
    {
        var random = new Random(14);
        var a = new Vector3(R(random), R(random), R(random));
        var m = new Matrix4x4(R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random));
        var (value, da, dm) = Frames.HomogeneousJacobian(a, m);
        var expected = Vector4.Transform(a, m);
        double[] components = [expected.X, expected.Y, expected.Z, expected.W];
        float[,] rows = { { m.M11, m.M12, m.M13, m.M14 }, { m.M21, m.M22, m.M23, m.M24 }, { m.M31, m.M32, m.M33, m.M34 }, { m.M41, m.M42, m.M43, m.M44 } };
        double[] position = [a.X, a.Y, a.Z, 1];
        for (int j = 0; j < 4; j++)
        {
            Near.Equal(components[j], value[j], 6);

            // w_j = Σ_i position_i·M(i+1)(j+1): ∂w_j/∂a_i = M(i+1)(j+1); ∂w_j/∂Mrc = δ(c, j+1)·position_(r−1), column (r−1) + 4(c−1).
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(rows[i, j], da[j, i]);
            }

            for (int column = 0; column < 16; column++)
            {
                var (r, c) = (column % 4, column / 4);
                Assert.Equal(c == j ? position[r] : 0, dm[j, column]);
            }
        }
    }

    [Fact]
    public void VectorParameterOfALoopHasTheAnalyticJacobianByJvps()
    {
        var random = new Random(12);
        double[] x = [R(random), R(random), R(random), R(random), R(random)];
        var a = new Vector2(R(random), R(random));
        var (value, dx, da) = Frames.BlendJacobian(x, a);
        Assert.Equal(Frames.Blend(x, a), value);
        Assert.Equal((5, 2), (da.Rows, da.Columns));
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(x[i], da[i, 0]);
            Assert.Equal(x[i] * x[i], da[i, 1]);
            Near.Equal(a.X + (2.0 * a.Y * x[i]), dx[i, i], 14);
        }
    }

    [Fact]
    public void MatrixParameterOfALoopHasTheAnalyticJacobian()
    {
        var random = new Random(13);
        var m = new Matrix4x4(R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random));
        double[] x = [R(random), R(random), R(random)];
        var s = x[0] + x[1] + x[2];
        var (value, dm, dx) = Frames.MomentsJacobian(m, x);
        Assert.Equal(Frames.Moments(m, x), value);
        Assert.Equal((2, 16), (dm.Rows, dm.Columns));

        // Column of Mrc: (r − 1) + 4·(c − 1).
        var expected = new double[2, 16];
        expected[0, 0] = s;         // M11
        expected[0, 9] = 1;         // M23
        expected[1, 15] = s * s;    // M44
        expected[1, 6] = x[0];      // M32
        var actual = dm.ToDense();
        for (int row = 0; row < 2; row++)
        {
            for (int column = 0; column < 16; column++)
            {
                Near.Equal(expected[row, column], actual[row, column], 14);
            }
        }

        for (int i = 0; i < 3; i++)
        {
            Near.Equal(m.M11, dx[0, i], 14);
            Near.Equal((2.0 * m.M44 * s) + (i == 0 ? m.M32 : 0), dx[1, i], 14);
        }
    }

    [Fact]
    public void FloatAndComponentFactorsKeepTheStructureOfAnArrayParameter()
    {
        var x = new double[5000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = Math.Sin(i);
        }

        const float s = 1.5f;
        const float t = -0.3f;
        var (value, dx, ds, dt) = Frames.ScaledJacobian(x, s, t);
        Assert.Equal(Frames.Scaled(x, s, t), value);
        Assert.Equal(JacobianStructure.Scaled, dx.Structure); // (s·t)·I
        for (int i = 0; i < x.Length; i += 499)
        {
            Assert.Equal(s * t, dx[i, i]); // the float product, as the method computes it
            Assert.Equal(0, dx[i, (i + 1) % x.Length]);
            Near.Equal(t * x[i], ds[i, 0], 14);
            Near.Equal(s * x[i], dt[i, 0], 14);
        }

        var (_, blended, _) = Frames.BlendJacobian([0.5, -1.5, 2.0], new Vector2(0.25f, -2f));
        Assert.Equal(JacobianStructure.Diagonal, blended.Structure);

        // Products the method computes in double stay in double: 1.1f·1.3f·0.7f rounded to float is off by 2e-8.
        var v = new Vector2(1.3f, 0.7f);
        var (_, nested, _, _) = Frames.NestedJacobian(x, 1.1f, v);
        Assert.Equal(JacobianStructure.Scaled, nested.Structure);
        Assert.Equal((double)1.1f * v.X * v.Y, nested[3, 3]);
        var (overflowing, large, _, _) = Frames.NestedJacobian([1e-30], 1e30f, new Vector2(1e30f, 1f));
        Assert.True(double.IsFinite(overflowing[0]));
        Assert.Equal((double)1e30f * 1e30f, large[0, 0]); // in float, ∞
    }

    [Fact]
    public void StructuresWithFloatFactorsMatchCentralDifferences()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 5; trial++)
        {
            var x = Jacobians.JacobianTestKit.RandomVector(random, 6);
            var w = Jacobians.JacobianTestKit.RandomMatrix(random, 4, 6);
            var s = 0.5f + (float)random.NextDouble();
            var v = new Vector2(R(random), R(random));

            var (_, sine, _) = Frames.SineScaledJacobian(x, s);
            Assert.Equal(JacobianStructure.Dense, sine.Structure);
            Gradients.FiniteDifference.AssertClose("∂SineScaled/∂x", Gradients.FiniteDifference.CentralJacobian(a => Frames.SineScaled((double[])a[0], s), [x], 0), sine.ToDense(), 1e-6);

            var (_, squashed, _, _) = Frames.SquashedJacobian(x, s, v);
            Assert.Equal(JacobianStructure.Diagonal, squashed.Structure);
            Gradients.FiniteDifference.AssertClose("∂Squashed/∂x", Gradients.FiniteDifference.CentralJacobian(a => Frames.Squashed((double[])a[0], s, v), [x], 0), squashed.ToDense(), 1e-6);

            var (_, dw, dx, _) = Frames.LayerJacobian(w, x, s);
            Assert.Equal(JacobianStructure.Kronecker, dx.Structure);
            Gradients.FiniteDifference.AssertClose("∂Layer/∂x", Gradients.FiniteDifference.CentralJacobian(a => Frames.Layer(w, (double[])a[0], s), [x], 0), dx.ToDense(), 1e-6);
            Gradients.FiniteDifference.AssertClose("∂Layer/∂w", Gradients.FiniteDifference.CentralJacobian(a => Frames.Layer((double[,])a[0], x, s), [w], 0), dw.ToDense(), 1e-6);
        }
    }

    [Fact]
    public void AParameterOnlyAConditionReadsHasAZeroJacobianOfItsShape()
    {
        var (_, _, direction) = Frames.SignedJacobian([1.0, -2.0, 3.0], new Vector2(1f, 0f));
        Assert.Equal(JacobianStructure.Zero, direction.Structure);
        Assert.Equal((3, 2), (direction.Rows, direction.Columns));
    }

    [Fact]
    public void AVector3ResultHasTheJacobianOfItsComponents()
    {
        var random = new Random(15);
        for (int trial = 0; trial < 10; trial++)
        {
            var p = new Vector3(R(random), R(random), R(random));
            var q = new Quaternion(R(random), R(random), R(random), R(random));
            var (value, dp, dq) = Frames.RotateJacobian(p, q);
            var (array, arrayDp, arrayDq) = Frames.RotatedJacobian(p, q);

            // The array-valued twin is checked against the analytic rotation above: the same derivative, the same value.
            Assert.Equal(new Vector3((float)array[0], (float)array[1], (float)array[2]), value);
            Assert.Equal(arrayDp.ToDense(), dp.ToDense());
            Assert.Equal(arrayDq.ToDense(), dq.ToDense());
            Assert.Equal(TensorShape.Vector(3), dp.OutputShape);

            var seed = new Vector3(R(random), R(random), R(random));
            Assert.Equal(value, Frames.RotateVjp(p, q, seed, out var gp, out var gq));
            Near.Equal(Dot([seed.X, seed.Y, seed.Z], dp, 1), gp.Y, 6);
            Near.Equal(Dot([seed.X, seed.Y, seed.Z], dq, 3), gq.W, 6);
            var (jvpValue, tangent) = Frames.RotateJvp(p, q, Vector3.UnitY, default);
            Assert.Equal(value, jvpValue);
            Assert.Equal(new Vector3((float)dp[0, 1], (float)dp[1, 1], (float)dp[2, 1]), tangent);
        }
    }

    [Fact]
    public void AVector2ResultOfALoopHasTheAnalyticJacobian()
    {
        double[] xs = [0.5, -1.25, 2.0, 0.75, 3.0];
        const float scale = 1.5f;
        var (value, dxs, dscale) = Frames.CentroidJacobian(xs, scale);
        Assert.Equal(Frames.Centroid(xs, scale), value);
        Assert.Equal((2, 5), (dxs.Rows, dxs.Columns));

        // X = (x0 + x2)·scale, Y = x1 + x3; x4 has no pair.
        Assert.Equal(new double[,] { { scale, 0, scale, 0, 0 }, { 0, 1, 0, 1, 0 } }, dxs.ToDense());
        Assert.Equal(new double[,] { { (float)(xs[0] + xs[2]) }, { 0 } }, dscale.ToDense());
        var gxs = new double[5];
        Frames.CentroidVjp(xs, scale, new Vector2(2f, -1f), gxs, out var gscale);
        Assert.Equal(new double[] { 2 * scale, -1, 2 * scale, -1, 0 }, gxs);
        Assert.Equal(2 * (float)(xs[0] + xs[2]), gscale);
    }

    [Fact]
    public void AMatrixResultFromEitherReturnHasTheAnalyticJacobian()
    {
        var m = new Matrix3x2(0.5f, -1.5f, 2f, 0.25f, -0.75f, 3f);
        foreach (var t in new[] { 1.25f, -0.5f })
        {
            var (value, dm, dt) = Frames.ScaledJacobian(m, t);
            Assert.Equal(Frames.Scaled(m, t), value);
            Assert.Equal(TensorShape.Matrix(3, 2), dm.OutputShape);

            // Each element times f(t) = t or t²: ∂/∂m = f·I, ∂/∂t = f′·vec(m).
            double f = t > 0 ? t : t * t;
            double slope = t > 0 ? 1 : 2 * t;
            float[] vec = [m.M11, m.M21, m.M31, m.M12, m.M22, m.M32];
            for (int row = 0; row < 6; row++)
            {
                for (int column = 0; column < 6; column++)
                {
                    Near.Equal(row == column ? f : 0, dm[row, column], 14);
                }

                Near.Equal(vec[row] * slope, dt[row, 0], 14);
            }
        }
    }

    [Fact]
    public void AMatrixProductHasTheJacobianOfEachFactorInVecOrder()
    {
        var random = new Random(16);
        var a = new Matrix4x4(R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random));
        var b = new Matrix4x4(R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random));
        var (value, da, db) = Frames.ProductJacobian(a, b);
        var product = a * b;
        for (int k = 0; k < 16; k++)
        {
            Near.Equal(product[k % 4, k / 4], value[k % 4, k / 4], 6);
        }

        // (AB)ij = Σk Aik·Bkj: ∂/∂Aik = Bkj, ∂/∂Bkj = Aik; vec index of (i, j) is i + 4j.
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                for (int k = 0; k < 4; k++)
                {
                    for (int l = 0; l < 4; l++)
                    {
                        Assert.Equal(k == i ? b[l, j] : 0, da[i + (4 * j), k + (4 * l)]);
                        Assert.Equal(l == j ? a[i, k] : 0, db[i + (4 * j), k + (4 * l)]);
                    }
                }
            }
        }
    }

    [Fact]
    public void AQuaternionResultHasTheAnalyticJacobian()
    {
        var axis = new Vector3(0.6f, -0.8f, 0.25f);
        const float angle = 1.2f;
        var (value, daxis, dangle) = Frames.SpinJacobian(axis, angle);
        Assert.Equal(Frames.Spin(axis, angle), value);

        // (axis·sin(θ/2), cos(θ/2)), with sin and cos in float as the method computes them.
        double s = MathF.Sin(angle / 2);
        double c = MathF.Cos(angle / 2);
        Assert.Equal(new double[,] { { s, 0, 0 }, { 0, s, 0 }, { 0, 0, s }, { 0, 0, 0 } }, daxis.ToDense());
        double[] expected = [axis.X * Math.Cos(angle / 2.0) / 2, axis.Y * Math.Cos(angle / 2.0) / 2, axis.Z * Math.Cos(angle / 2.0) / 2, -Math.Sin(angle / 2.0) / 2];
        for (int row = 0; row < 4; row++)
        {
            Near.Equal(expected[row], dangle[row, 0], 7);
        }
    }

    [Fact]
    public void ADefaultResultIsZeroWithAZeroJacobian()
    {
        var (value, dv) = Frames.ClippedJacobian(new Vector2(-1f, 2f));
        Assert.Equal(Vector2.Zero, value);
        Assert.Equal(new double[2, 2], dv.ToDense());
        (value, dv) = Frames.ClippedJacobian(new Vector2(1f, 2f));
        Assert.Equal(new Vector2(1f, 2f), value);
        Assert.Equal(new double[,] { { 1, 0 }, { 0, 1 } }, dv.ToDense());
    }

    /// <summary>
    /// The VJPs and JVPs of System.Numerics results compute in locals and return the value itself (the Jacobians sweep
    /// array-valued copies of them): each must be the Jacobian's product, Jᵀ·seed and J·direction, narrowed to float.
    /// </summary>
    [Fact]
    public void VjpsAndJvpsOfNumericsResultsAreTheJacobiansProducts()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 8; trial++)
        {
            var a = RandomMatrix4x4(random);
            var b = RandomMatrix4x4(random);
            var (product, da, db) = Frames.ProductJacobian(a, b);
            var seed = RandomMatrix4x4(random);
            Assert.Equal(product, Frames.ProductVjp(a, b, seed, out var ga, out var gb));
            ExpectPullback(Vec(seed), da, Vec(ga));
            ExpectPullback(Vec(seed), db, Vec(gb));
            var (ta, tb) = (RandomMatrix4x4(random), RandomMatrix4x4(random));
            var (productValue, productTangent) = Frames.ProductJvp(a, b, ta, tb);
            Assert.Equal(product, productValue);
            ExpectPushforward([(da, Vec(ta)), (db, Vec(tb))], Vec(productTangent));

            var axis = new Vector3(R(random), R(random), R(random));
            float angle = 3 * R(random);
            var (spin, daxis, dangle) = Frames.SpinJacobian(axis, angle);
            var spinSeed = new Quaternion(R(random), R(random), R(random), R(random));
            Assert.Equal(spin, Frames.SpinVjp(axis, angle, spinSeed, out var gaxis, out var gangle));
            ExpectPullback(Vec(spinSeed), daxis, Vec(gaxis));
            ExpectPullback(Vec(spinSeed), dangle, [gangle]);
            var (taxis, tangle) = (new Vector3(R(random), R(random), R(random)), R(random));
            var (spinValue, spinTangent) = Frames.SpinJvp(axis, angle, taxis, tangle);
            Assert.Equal(spin, spinValue);
            ExpectPushforward([(daxis, Vec(taxis)), (dangle, [tangle])], Vec(spinTangent));

            // Returns joined in one result: two of a Matrix3x2, three of a Matrix4x4 (each branch taken), two of a Vector4.
            var m = new Matrix3x2(R(random), R(random), R(random), R(random), R(random), R(random));
            float t = R(random);
            var (scaled, dm, dt) = Frames.ScaledJacobian(m, t);
            var scaledSeed = new Matrix3x2(R(random), R(random), R(random), R(random), R(random), R(random));
            Assert.Equal(scaled, Frames.ScaledVjp(m, t, scaledSeed, out var gm, out var gt));
            ExpectPullback(Vec(scaledSeed), dm, Vec(gm));
            ExpectPullback(Vec(scaledSeed), dt, [gt]);
            var (tm, tt) = (new Matrix3x2(R(random), R(random), R(random), R(random), R(random), R(random)), R(random));
            var (scaledValue, scaledTangent) = Frames.ScaledJvp(m, t, tm, tt);
            Assert.Equal(scaled, scaledValue);
            ExpectPushforward([(dm, Vec(tm)), (dt, [tt])], Vec(scaledTangent));
            foreach (var branch in new[] { 2 * (1 + R(random)), -2 * (1 + R(random)), R(random) / 2 })
            {
                var (chosen, dca, dcb, dct) = Frames.ChosenJacobian(a, b, branch);
                Assert.Equal(chosen, Frames.ChosenVjp(a, b, branch, seed, out var gca, out var gcb, out var gct));
                ExpectPullback(Vec(seed), dca, Vec(gca));
                ExpectPullback(Vec(seed), dcb, Vec(gcb));
                ExpectPullback(Vec(seed), dct, [gct]);
                var (chosenValue, chosenTangent) = Frames.ChosenJvp(a, b, branch, ta, tb, tt);
                Assert.Equal(chosen, chosenValue);
                ExpectPushforward([(dca, Vec(ta)), (dcb, Vec(tb)), (dct, [tt])], Vec(chosenTangent));
            }

            var p4 = new Vector4(R(random), R(random), R(random), R(random));
            foreach (var s4 in new[] { 1 + R(random), -1 - R(random) })
            {
                var (picked, dp4, ds4) = Frames.PickedJacobian(p4, s4);
                var pickedSeed = new Vector4(R(random), R(random), R(random), R(random));
                Assert.Equal(picked, Frames.PickedVjp(p4, s4, pickedSeed, out var gp4, out var gs4));
                ExpectPullback(Vec(pickedSeed), dp4, Vec(gp4));
                ExpectPullback(Vec(pickedSeed), ds4, [gs4]);
                var (tp4, ts4) = (new Vector4(R(random), R(random), R(random), R(random)), R(random));
                var (pickedValue, pickedTangent) = Frames.PickedJvp(p4, s4, tp4, ts4);
                Assert.Equal(picked, pickedValue);
                ExpectPushforward([(dp4, Vec(tp4)), (ds4, [ts4])], Vec(pickedTangent));
            }

            // A loop over an array (the VJP keeps a tape).
            var xs = Enumerable.Range(0, 7).Select(_ => (double)R(random)).ToArray();
            float scale = 2 * R(random);
            var (centroid, dxs, dscale) = Frames.CentroidJacobian(xs, scale);
            var centroidSeed = new Vector2(R(random), R(random));
            var gxs = new double[xs.Length];
            Assert.Equal(centroid, Frames.CentroidVjp(xs, scale, centroidSeed, gxs, out var gscale));
            ExpectPullback([centroidSeed.X, centroidSeed.Y], dxs, gxs.Select(g => (float)g).ToArray());
            ExpectPullback([centroidSeed.X, centroidSeed.Y], dscale, [gscale]);
            var txs = Enumerable.Range(0, 7).Select(_ => (double)R(random)).ToArray();
            float tscale = R(random);
            var (centroidValue, centroidTangent) = Frames.CentroidJvp(xs, scale, txs, tscale);
            Assert.Equal(centroid, centroidValue);
            ExpectPushforward([(dxs, txs.Select(x => (float)x).ToArray()), (dscale, [tscale])], [centroidTangent.X, centroidTangent.Y]);
        }
    }

    /// <summary>Where the method allocates nothing, neither does the VJP or the JVP of its System.Numerics result.</summary>
    [Fact]
    public void VjpsAndJvpsOfNumericsResultsAllocateNothing()
    {
        var random = new Random(18);
        var p = new Vector3(R(random), R(random), R(random));
        var q = new Quaternion(R(random), R(random), R(random), R(random));
        var a = RandomMatrix4x4(random);
        var b = RandomMatrix4x4(random);
        var v = new Vector2(R(random), R(random));
        double[] xs = [0.5, -1.25, 2.0, 0.75, 3.0];
        var gxs = new double[xs.Length];
        float sink = 0;
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.RotateVjp(p, q, p, out var gp, out var gq).X + gp.Y + gq.W));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.RotateJvp(p, q, p, q).Tangent.Z));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ProductVjp(a, b, a, out var ga, out var gb).M43 + ga.M12 + gb.M21));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ProductJvp(a, b, b, a).Tangent.M34));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.SpinVjp(p, 0.5f, q, out var gaxis, out var gangle).W + gaxis.X + gangle));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ClippedVjp(v, v, out var gv).Y + gv.X));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ClippedJvp(v, v).Tangent.Y));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.CentroidVjp(xs, 1.5f, v, gxs, out var gscale).X + gscale));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.CentroidJvp(xs, 1.5f, xs, 1f).Tangent.Y));
        // Several returns joined in one result.
        var m = new Matrix3x2(R(random), R(random), R(random), R(random), R(random), R(random));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ScaledVjp(m, 0.5f, m, out var gm, out var gt).M21 + gm.M32 + gt));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ScaledJvp(m, -0.5f, m, 1f).Tangent.M11));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ChosenVjp(a, b, -2f, a, out var ga, out var gb, out var gt).M14 + ga.M41 + gb.M12 + gt));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.ChosenJvp(a, b, 0.5f, b, a, 1f).Tangent.M22));
        var w = new Vector4(R(random), R(random), R(random), R(random));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.PickedVjp(w, -1f, w, out var gw, out var gs).W + gw.Z + gs));
        Assert.Equal(0L, Gradients.AllocationTests.AllocatedBytes(() => sink += Frames.PickedJvp(w, 1f, w, 1f).Tangent.X));
        Assert.True(float.IsFinite(sink));
    }

    /// <summary>The gradient an out value received against Jᵀ·seed, to the float rounding of its entries.</summary>
    private static void ExpectPullback(float[] seed, Jacobian jacobian, float[] gradient)
    {
        Assert.Equal((seed.Length, gradient.Length), (jacobian.Rows, jacobian.Columns));
        for (int column = 0; column < jacobian.Columns; column++)
        {
            double expected = 0;
            double magnitude = 0;
            for (int row = 0; row < jacobian.Rows; row++)
            {
                expected += seed[row] * jacobian[row, column];
                magnitude += Math.Abs(seed[row] * jacobian[row, column]);
            }

            Assert.True(Math.Abs(gradient[column] - expected) <= 1e-6 * (1 + magnitude), $"column {column}: {gradient[column]:R}, Jᵀ·seed {expected:R}");
        }
    }

    /// <summary>The tangent against Σ J·direction over the parameters, to float rounding.</summary>
    private static void ExpectPushforward((Jacobian Jacobian, float[] Direction)[] parts, float[] tangent)
    {
        for (int row = 0; row < tangent.Length; row++)
        {
            double expected = 0;
            double magnitude = 0;
            foreach (var (jacobian, direction) in parts)
            {
                Assert.Equal((tangent.Length, direction.Length), (jacobian.Rows, jacobian.Columns));
                for (int column = 0; column < jacobian.Columns; column++)
                {
                    expected += jacobian[row, column] * direction[column];
                    magnitude += Math.Abs(jacobian[row, column] * direction[column]);
                }
            }

            Assert.True(Math.Abs(tangent[row] - expected) <= 1e-6 * (1 + magnitude), $"row {row}: {tangent[row]:R}, J·direction {expected:R}");
        }
    }

    /// <summary>Components in the Jacobians' vec order: vectors by field, matrices column by column.</summary>
    private static float[] Vec(Matrix4x4 m) => Enumerable.Range(0, 16).Select(k => m[k % 4, k / 4]).ToArray();

    private static float[] Vec(Matrix3x2 m) => [m.M11, m.M21, m.M31, m.M12, m.M22, m.M32];

    private static float[] Vec(Quaternion q) => [q.X, q.Y, q.Z, q.W];

    private static float[] Vec(Vector4 v) => [v.X, v.Y, v.Z, v.W];

    private static float[] Vec(Vector3 v) => [v.X, v.Y, v.Z];

    private static Matrix4x4 RandomMatrix4x4(Random random) =>
        new(R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random), R(random));

    private static double[] Sandwich(double[] v, double[] q)
    {
        // q·(0, v)·q̄ with q = (x, y, z, w), in double.
        var (x, y, z, w) = (q[0], q[1], q[2], q[3]);
        var (tw, tx, ty, tz) = (-(x * v[0]) - (y * v[1]) - (z * v[2]), (w * v[0]) + (y * v[2]) - (z * v[1]), (w * v[1]) + (z * v[0]) - (x * v[2]), (w * v[2]) + (x * v[1]) - (y * v[0]));
        return
        [
            (tx * w) - (tw * x) - (ty * z) + (tz * y),
            (ty * w) - (tw * y) - (tz * x) + (tx * z),
            (tz * w) - (tw * z) - (tx * y) + (ty * x),
        ];
    }

    private static double Dot(double[] u, Jacobian jacobian, int column) =>
        (u[0] * jacobian[0, column]) + (u[1] * jacobian[1, column]) + (u[2] * jacobian[2, column]);

    private static float R(Random random) => (float)((random.NextDouble() * 2) - 1);
}
