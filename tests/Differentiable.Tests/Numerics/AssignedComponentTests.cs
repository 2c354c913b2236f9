using System;
using System.Numerics;

namespace Differentiable.Tests.Numerics;

/// <summary>
/// Methods that assign a component of a System.Numerics parameter. The JVP kept the component's tangent in the float
/// field of the tangent parameter and stored a double tangent into it: dv.X = 0.0 (CS0664) or = Math.Cos(v.Y)·dv.Y
/// (CS0266) broke the build. The component's tangent now lives in a double local.
/// </summary>
public static partial class AssignedComponents
{
    /// <summary>Y·Z.</summary>
    [Differentiate]
    public static float SetToZero(Vector3 v)
    {
        v.X = 0;
        return v.X + (v.Y * v.Z);
    }

    /// <summary>sin(Y)·Z.</summary>
    [Differentiate]
    public static float SetToASine(Vector3 v)
    {
        v.X = MathF.Sin(v.Y);
        return v.X * v.Z;
    }

    /// <summary>s²·Z.</summary>
    [Differentiate]
    public static float SetFromAFloat(Vector3 v, float s)
    {
        v.X = s * s;
        return v.X * v.Z;
    }

    /// <summary>y·Z, y taken to float.</summary>
    [Differentiate]
    public static double SetFromADouble(Vector3 v, double y)
    {
        v.X = (float)y;
        return v.X * v.Z;
    }

    /// <summary>Y²·X: X and Y swapped.</summary>
    [Differentiate]
    public static float Swapped(Vector3 v)
    {
        float t = v.X;
        v.X = v.Y;
        v.Y = t;
        return v.X * v.X * v.Y;
    }

    /// <summary>2X·Y.</summary>
    [Differentiate]
    public static float QuaternionW(Quaternion q)
    {
        q.W = q.X * 2;
        return q.W * q.Y;
    }

    /// <summary>
    /// b is not differentiated, but its X takes a differentiated value: b.X·a.X·b.Y·a.Z·a.Y. Its tangent was never
    /// declared (CS0103 in the JVP, and the Hessian's generator threw).
    /// </summary>
    [Differentiate(nameof(a))]
    public static float Carried(Vector3 a, Vector3 b)
    {
        b.X = b.X * a.X;
        return b.X * b.Y * a.Z * a.Y;
    }

    /// <summary>The same through a System.Numerics result: (b.X·a.X, b.Y, b.Z).</summary>
    [Differentiate(nameof(a))]
    public static Vector3 CarriedVector(Vector3 a, Vector3 b)
    {
        b.X = b.X * a.X;
        return b;
    }

    /// <summary>The transform of v by m with M11 cleared: its X·Y.</summary>
    [Differentiate]
    public static float MatrixElement(Matrix4x4 m, Vector3 v)
    {
        m.M11 = 0;
        var t = Vector3.Transform(v, m);
        return t.X * t.Y;
    }
}

public sealed class AssignedComponentTests
{
    private static readonly Vector3 V = new(0.3f, 0.7f, -0.4f);
    private static readonly Vector3 T = new(0.5f, -0.2f, 0.9f);

    [Fact]
    public void GradientsMatchTheClosedForms()
    {
        Assert.Equal(new Vector3(0, V.Z, V.Y), AssignedComponents.SetToZeroGradient(V).dv);
        var sine = AssignedComponents.SetToASineGradient(V).dv;
        Assert.Equal(0f, sine.X);
        Assert.Equal(MathF.Cos(V.Y) * V.Z, sine.Y, 6);
        Assert.Equal(MathF.Sin(V.Y), sine.Z, 6);
        var (_, dv, ds) = AssignedComponents.SetFromAFloatGradient(V, 0.6f);
        Assert.Equal(new Vector3(0, 0, 0.36f), dv);
        Assert.Equal(2 * 0.6f * V.Z, ds, 6);
        var swapped = AssignedComponents.SwappedGradient(V).dv;
        Assert.Equal(new Vector3(V.Y * V.Y, 2 * V.Y * V.X, 0), swapped);
        var q = new Quaternion(0.3f, 0.5f, -0.2f, 0.8f);
        Assert.Equal(new Quaternion(2 * q.Y, 2 * q.X, 0, 0), AssignedComponents.QuaternionWGradient(q).dq);
    }

    [Fact]
    public void TangentsMatchTheGradients()
    {
        Near.Equal(Vector3.Dot(AssignedComponents.SetToZeroGradient(V).dv, T), AssignedComponents.SetToZeroJvp(V, T).Tangent, 6);
        Near.Equal(Vector3.Dot(AssignedComponents.SetToASineGradient(V).dv, T), AssignedComponents.SetToASineJvp(V, T).Tangent, 6);
        var f = AssignedComponents.SetFromAFloatGradient(V, 0.6f);
        Near.Equal(Vector3.Dot(f.dv, T) + (f.ds * 0.3), AssignedComponents.SetFromAFloatJvp(V, 0.6f, T, 0.3f).Tangent, 6);
        var d = AssignedComponents.SetFromADoubleGradient(V, 0.6);
        Near.Equal(Vector3.Dot(d.dv, T) + (d.dy * 0.3), AssignedComponents.SetFromADoubleJvp(V, 0.6, T, 0.3).Tangent, 6);
        Near.Equal(Vector3.Dot(AssignedComponents.SwappedGradient(V).dv, T), AssignedComponents.SwappedJvp(V, T).Tangent, 6);

        var q = new Quaternion(0.3f, 0.5f, -0.2f, 0.8f);
        var tq = new Quaternion(0.1f, 0.2f, 0.3f, 0.4f);
        var gq = AssignedComponents.QuaternionWGradient(q).dq;
        Near.Equal((gq.X * tq.X) + (gq.Y * tq.Y) + (gq.Z * tq.Z) + (gq.W * tq.W), AssignedComponents.QuaternionWJvp(q, tq).Tangent, 6);

        var m = new Matrix4x4(0.9f, 0.1f, -0.3f, 0, 0.2f, 1.1f, 0.4f, 0, -0.5f, 0.3f, 0.8f, 0, 0.1f, -0.2f, 0.3f, 1);
        var tm = new Matrix4x4(0.3f, -0.1f, 0.2f, 0.05f, 0.1f, 0.2f, -0.3f, 0.1f, 0.4f, 0.1f, 0.2f, -0.2f, 0.3f, 0.2f, 0.1f, 0.4f);
        var (_, dm, dvm) = AssignedComponents.MatrixElementGradient(m, V);
        Assert.Equal(0f, dm.M11);
        var expected = Vector3.Dot(dvm, T);
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                expected += dm[r, c] * tm[r, c];
            }
        }

        Near.Equal(expected, AssignedComponents.MatrixElementJvp(m, V, tm, T).Tangent, 6);
    }

    [Fact]
    public void AComponentOfAParameterNotDifferentiatedCarriesTheTangentItIsAssigned()
    {
        // f = b.X·a.X·b.Y·a.Z·a.Y: ∂f/∂a = (b.X·b.Y·a.Z·a.Y, b.X·a.X·b.Y·a.Z, b.X·a.X·b.Y·a.Y).
        var (value, da) = AssignedComponents.CarriedGradient(V, T);
        Assert.Equal(AssignedComponents.Carried(V, T), value, 6);
        Near.Equal(T.X * T.Y * V.Z * V.Y, da.X, 6);
        Near.Equal(T.X * V.X * T.Y * V.Z, da.Y, 6);
        Near.Equal(T.X * V.X * T.Y * V.Y, da.Z, 6);
        var direction = new Vector3(0.25f, -0.5f, 0.75f);
        Near.Equal(Vector3.Dot(da, direction), AssignedComponents.CarriedJvp(V, T, direction).Tangent, 6);

        // (b.X·a.X, b.Y, b.Z): only the X row depends on a, through a.X.
        var (vector, tangent) = AssignedComponents.CarriedVectorJvp(V, T, direction);
        Assert.Equal(new Vector3(T.X * V.X, T.Y, T.Z), vector);
        Assert.Equal(new Vector3(T.X * direction.X, 0, 0), tangent);
        var (_, jacobian) = AssignedComponents.CarriedVectorJacobian(V, T);
        Assert.Equal(new double[,] { { T.X, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }, jacobian.ToDense());
    }
}
