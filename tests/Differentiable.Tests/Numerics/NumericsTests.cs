using System;
using System.Numerics;

namespace Differentiable.Tests.Numerics;

public static partial class Geometry
{
    /// <summary>½(|p − r| − 1)²: a spring of rest length 1.</summary>
    [Differentiate]
    public static float Spring(Vector3 p, Vector3 r)
    {
        float stretch = Vector3.Distance(p, r) - 1f;
        return 0.5f * stretch * stretch;
    }

    [Differentiate]
    public static float TransformZ(Vector3 x, Matrix4x4 M) => Vector3.Transform(x, M).Z;

    [Differentiate]
    public static float Floaty(float t) => MathF.Sin(t * t) + MathF.Log(t) + (float)Math.Exp(0.1 * t);

    /// <summary>
    /// ++ and -- on a float local, and a loop of constant trip count calling MathF (unrolled): the companions add a float
    /// 1 and keep MathF (a double 1.0, or a MathF call rebuilt as Math, did not assign back to the float: CS0266).
    /// </summary>
    [Differentiate]
    public static float Stepped(float t)
    {
        float s = t * t;
        s++;
        --s;
        s++;
        for (int i = 0; i < 2; i++)
        {
            s += MathF.Sin(t);
        }

        return s * t;
    }

    /// <summary>(x, y, z, 1)·M has four components: the W column read M44 and the others (it did not compile).</summary>
    [Differentiate]
    public static float HomogeneousW(Vector3 a, Matrix4x4 m) => Vector4.Transform(a, m).W;

    /// <summary>Most supported members at once.</summary>
    [Differentiate]
    public static float Mixed(Vector3 a, Vector3 b, Quaternion q, Vector2 u, Matrix3x2 m, float t)
    {
        var n = Vector3.Normalize(a + b * t);
        var c = Vector3.Cross(n, b) - 0.5f * a;
        var lerp = Vector3.Lerp(a, b, t);
        var rotated = Vector3.Transform(c, q);
        var clipped = Vector3.Max(Vector3.Min(lerp, new Vector3(2f)), -Vector3.One);
        var v = Vector2.Transform(u, m);
        float s = Vector3.Dot(rotated, clipped) + c.LengthSquared() + v.Length() + Vector3.Abs(a).X;
        s += Vector3.SquareRoot(Vector3.Abs(b) + Vector3.One).Y * MathF.Tanh(t);
        var w = rotated;
        w *= 0.5f;
        w.X = w.X + v.Y;
        return s + w.X * w.Z;
    }
}

public sealed class NumericsTests
{
    [Fact]
    public void SpringHasTheAnalyticGradient()
    {
        var random = new Random(3);
        for (int trial = 0; trial < 50; trial++)
        {
            var p = new Vector3(R(random), R(random), R(random));
            var r = new Vector3(R(random), R(random), R(random));
            var (value, dp, dr) = Geometry.SpringGradient(p, r);
            var d = p - r;
            var length = d.Length();
            var expected = (length - 1) * d / length; // ∂/∂p ½(|p − r| − 1)² = (|d| − 1)·d/|d|
            Near.Equal(Geometry.Spring(p, r), value, 5);
            AssertClose(expected, dp, 1e-5f);
            AssertClose(-expected, dr, 1e-5f);
        }
    }

    [Fact]
    public void TransformZHasTheAnalyticGradientWithRespectToTheMatrix()
    {
        var M = new Matrix4x4(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16) * 0.1f;
        var x = new Vector3(0.5f, -1f, 2f);
        var (value, dx, dM) = Geometry.TransformZGradient(x, M);
        Near.Equal(Vector3.Transform(x, M).Z, (float)value, 5);

        // z = x·M13 + y·M23 + z·M33 + M43: the gradient is that row of coefficients, and zero elsewhere.
        var expected = new Matrix4x4(0, 0, x.X, 0, 0, 0, x.Y, 0, 0, 0, x.Z, 0, 0, 0, 1, 0);
        Assert.Equal(expected, dM);
        Assert.Equal(new Vector3(M.M13, M.M23, M.M33), dx);
    }

    [Fact]
    public void AVector3PositionTransformedToAVector4HasItsWComponent()
    {
        var a = new Vector3(0.5f, -1f, 2f);
        var m = new Matrix4x4(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16) * 0.1f;
        var (value, da, dm) = Geometry.HomogeneousWGradient(a, m);
        Near.Equal(Vector4.Transform(a, m).W, value, 6);

        // W = x·M14 + y·M24 + z·M34 + M44.
        Assert.Equal(new Vector3(m.M14, m.M24, m.M34), da);
        Assert.Equal(new Matrix4x4(0, 0, 0, a.X, 0, 0, 0, a.Y, 0, 0, 0, a.Z, 0, 0, 0, 1), dm);
    }

    [Fact]
    public void IncrementedFloatLocalsHaveTheAnalyticDerivative()
    {
        foreach (var t in new[] { -1.2f, 0.3f, 0.7f, 2.2f })
        {
            var (value, dt) = Geometry.SteppedGradient(t);
            Assert.Equal(Geometry.Stepped(t), (float)value);
            // f = (t² + 1 + 2 sin t)·t, f′ = 3t² + 1 + 2 sin t + 2t cos t.
            var expected = (3.0 * t * t) + 1.0 + (2.0 * Math.Sin(t)) + (2.0 * t * Math.Cos(t));
            Near.Equal(expected, dt, 5);
            Near.Equal(expected, Geometry.SteppedJvp(t, 1f).Tangent, 5);
        }
    }

    [Fact]
    public void FloatFunctionHasTheAnalyticDerivative()
    {
        foreach (var t in new[] { 0.3f, 0.7f, 1.5f, 2.2f })
        {
            var (value, dt) = Geometry.FloatyGradient(t);
            Near.Equal(Geometry.Floaty(t), (float)value, 5);
            var expected = (Math.Cos(t * t) * 2 * t) + (1 / t) + (0.1 * Math.Exp(0.1 * t));
            Near.Equal(expected, dt, 4);
        }
    }

    [Fact]
    public void MixedMembersMatchFiniteDifferencesAndTheJvp()
    {
        var random = new Random(8);
        for (int trial = 0; trial < 20; trial++)
        {
            var a = new Vector3(R(random), R(random), R(random));
            var b = new Vector3(R(random), R(random), R(random));
            var q = Quaternion.Normalize(new Quaternion(R(random), R(random), R(random), 1f));
            var u = new Vector2(R(random), R(random));
            var m = new Matrix3x2(R(random), R(random), R(random), R(random), R(random), R(random));
            var t = 0.2f + (0.5f * (float)random.NextDouble());
            var (_, da, db, dq, du, dm, dt) = Geometry.MixedGradient(a, b, q, u, m, t);

            float F(Vector3 a1, Vector3 b1, Quaternion q1, Vector2 u1, Matrix3x2 m1, float t1) => Geometry.Mixed(a1, b1, q1, u1, m1, t1);
            const float h = 1e-3f;
            Check(da.X, (F(a + (h * Vector3.UnitX), b, q, u, m, t) - F(a - (h * Vector3.UnitX), b, q, u, m, t)) / (2 * h));
            Check(db.Z, (F(a, b + (h * Vector3.UnitZ), q, u, m, t) - F(a, b - (h * Vector3.UnitZ), q, u, m, t)) / (2 * h));
            Check(dq.W, (F(a, b, q + new Quaternion(0, 0, 0, h), u, m, t) - F(a, b, q - new Quaternion(0, 0, 0, h), u, m, t)) / (2 * h));
            Check(du.Y, (F(a, b, q, u + (h * Vector2.UnitY), m, t) - F(a, b, q, u - (h * Vector2.UnitY), m, t)) / (2 * h));
            var step = new Matrix3x2(0, 0, 0, 0, h, 0);
            Check(dm.M31, (F(a, b, q, u, m + step, t) - F(a, b, q, u, m - step, t)) / (2 * h));
            Check(dt, (F(a, b, q, u, m, t + h) - F(a, b, q, u, m, t - h)) / (2 * h));

            // Forward mode agrees with reverse mode along a direction.
            var direction = (a: Vector3.One, b: new Vector3(0.5f, -1f, 2f), q: new Quaternion(0.1f, 0.2f, -0.3f, 0.4f), u: Vector2.UnitX, m: new Matrix3x2(1, 0, 0, 1, 0.5f, -0.5f), t: 0.25f);
            var tangent = Geometry.MixedJvp(a, b, q, u, m, t, direction.a, direction.b, direction.q, direction.u, direction.m, direction.t).Tangent;
            var dot = Vector3.Dot(da, direction.a) + Vector3.Dot(db, direction.b) + (dq.X * direction.q.X) + (dq.Y * direction.q.Y) + (dq.Z * direction.q.Z) + (dq.W * direction.q.W)
                + Vector2.Dot(du, direction.u) + (dm.M11 * direction.m.M11) + (dm.M22 * direction.m.M22) + (dm.M31 * direction.m.M31) + (dm.M32 * direction.m.M32) + (dt * direction.t);
            Assert.True(Math.Abs(tangent - dot) <= 1e-4 * Math.Max(1, Math.Abs(dot)), $"JVP {tangent} vs gradient·direction {dot}");
        }
    }

    private static float R(Random random) => (float)((random.NextDouble() * 2) - 1);

    private static void Check(double generated, double finiteDifference) =>
        Assert.True(Math.Abs(generated - finiteDifference) <= 5e-3 * Math.Max(1, Math.Abs(finiteDifference)), $"generated {generated}, finite difference {finiteDifference}");

    private static void AssertClose(Vector3 expected, Vector3 actual, float tolerance) =>
        Assert.True(Vector3.Distance(expected, actual) <= tolerance * Math.Max(1, expected.Length()), $"expected {expected}, got {actual}");
}
