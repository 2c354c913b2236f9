using System;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Generic math's spellings (<c>double.Exp</c>, <c>float.Tanh</c>, <c>double.Clamp</c>), Math's float overloads
/// (<c>Math.Max(float, float)</c>, <c>Math.Clamp(float, …)</c>) and the number tests (<c>double.IsNaN</c> and its kin) as
/// guards: each was DIFF007 ("only calls returning double pass derivatives") and is now the function it names.
/// </summary>
public static partial class NumberClassFunctions
{
    /// <summary>A log guarded against NaN and overflow, as numerical code writes it.</summary>
    [Differentiate]
    public static double GuardedLog(double x, double c)
    {
        double y = Math.Log(x) * c;
        if (double.IsNaN(y))
        {
            return 0.0;
        }

        if (!double.IsFinite(y * x) || double.IsInfinity(c) || double.IsPositiveInfinity(x) || double.IsNegativeInfinity(y))
        {
            return 1.0;
        }

        return y * y;
    }

    [Differentiate(Hessian = true)]
    public static double GenericMath(double x, double y) =>
        double.Exp(x) * double.Max(y, 0.5) + double.Clamp(x * y, -1.0, 1.0) + double.Pow(x, 3.0) + double.Abs(y) * double.Sin(x)
        + double.Atan2(y, x) + double.Log(x, 2.0) + double.Sqrt(x * x + y * y);

    [Differentiate]
    public static float FloatOverloads(float t, float u)
    {
        float c = Math.Clamp(t * u, 0f, 1f);
        if (float.IsNaN(u) || !float.IsFinite(t))
        {
            return 0f;
        }

        return Math.Max(c, u) * float.Tanh(t) + Math.Abs(u) + float.Clamp(u, -1f, 1f) + Math.Min(t, u) * float.Exp(-t);
    }
}

/// <summary>Found by a helper's hunt of the spellings above, most of them older than the spellings.</summary>
public static partial class NumberClassFindings
{
    /// <summary>Named arguments: Math.Pow(y: 3.0, x: x) was read as written, 3^x.</summary>
    [Differentiate]
    public static double NamedArguments(double x) =>
        double.Pow(y: 3.0, x: x) + Math.Atan2(x: 1.0, y: x) + double.Log(newBase: 2.0, x: x) + Math.Clamp(max: 1.0, value: x, min: 0.5);

    /// <summary>∂/∂x = f·f in double, as the method computes x·f·f: the folded seed left f·f to float.</summary>
    [Differentiate(nameof(x))]
    public static double FloatFactors(double x, float f) => (x * f * f) - (x * f * f * f);

    /// <summary>∂/∂x = n·n in double, as the method computes x·n·n: the folded seed left n·n to int (overflow at 10⁵).</summary>
    [Differentiate(nameof(x))]
    public static double IntFactors(double x, int n) => (x * n * n) - (x * n * 2 * n);

    /// <summary>∂/∂x = −n − m in double: the seed −1 folded against n printed dx = -n, which wraps at int.MinValue.</summary>
    [Differentiate(nameof(x))]
    public static double NegatedIntFactors(double x, int n, int m) => -(x * n) - (x * m);

    /// <summary>The straight-line Jacobian of a constant-size result: the same products, in float and in int.</summary>
    [Differentiate(nameof(x))]
    public static double[] ConstantSizeProducts(double[] x, int n)
    {
        var v = new System.Numerics.Vector3(0.1f);
        var y = new double[2];
        y[0] = x[0] * v.X * v.X;
        y[1] = x[1] * n * n;
        return y;
    }

    /// <summary>Named arguments of a System.Numerics constructor: new Vector4(w: 5f, value: a) was read as written.</summary>
    [Differentiate]
    public static double NamedConstructorArguments(System.Numerics.Vector3 a, float f)
    {
        var v = new System.Numerics.Vector4(w: 5f * f, value: a);
        var u = new System.Numerics.Vector3(z: 0f, y: 0f, x: f);
        return (v.W * 1.0) + v.X + (u.X * 2.0);
    }

    /// <summary>A guard inside a ?:'s condition: z[i] was read ahead of i &lt; z.Length by the JVP and the Jacobian.</summary>
    [Differentiate]
    public static double[] GuardedProducts(double[] x, double[] z)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = i < z.Length && !double.IsNaN(z[i]) ? x[i] * z[i] : x[i];
        }

        return y;
    }
}

public class NumberClassTests
{
    [Fact]
    public void NamedArgumentsBindToTheirParameters()
    {
        foreach (var x in new[] { 0.3, 0.7, 1.9 })
        {
            var (value, dx) = NumberClassFindings.NamedArgumentsGradient(x);
            Assert.Equal(Math.Pow(x, 3.0) + Math.Atan2(x, 1.0) + Math.Log(x, 2.0) + Math.Clamp(x, 0.5, 1.0), value);
            Near.Equal((3.0 * x * x) + (1.0 / (1.0 + (x * x))) + (1.0 / (x * Math.Log(2.0))) + (x >= 0.5 && x <= 1.0 ? 1.0 : 0.0), dx, 13);
        }
    }

    [Fact]
    public void FloatFactorsMultiplyInDouble()
    {
        foreach (var f in new[] { 0.1f, 0.3f, 1.7f })
        {
            double fd = f;
            var (_, dx) = NumberClassFindings.FloatFactorsGradient(2.0, f);
            Assert.Equal((fd * fd) - (fd * fd * fd), dx);
            Assert.Equal(dx, NumberClassFindings.FloatFactorsJvp(2.0, f, 1.0).Tangent);
        }
    }

    [Fact]
    public void IntFactorsMultiplyInDouble()
    {
        Assert.Equal(4294967296.0, NumberClassFindings.NegatedIntFactorsGradient(1.0, int.MinValue, int.MinValue).dx);
        foreach (var n in new[] { 3, 46_341, 100_000 })
        {
            double nd = n;
            var (_, dx) = NumberClassFindings.IntFactorsGradient(1.0, n);
            Assert.Equal((nd * nd) - (nd * 2 * nd), dx);
            Assert.Equal(dx, NumberClassFindings.IntFactorsJvp(1.0, n, 1.0).Tangent);
        }
    }

    [Fact]
    public void AStraightLineJacobianMultipliesFloatAndIntFactorsInDouble()
    {
        double f = 0.1f, n = 100_000;
        var (_, dx) = NumberClassFindings.ConstantSizeProductsJacobian(new[] { 2.0, 3.0 }, 100_000);
        Assert.Equal(f * f, dx[0, 0]);
        Assert.Equal(n * n, dx[1, 1]);
        Assert.Equal(0.0, dx[0, 1]);
        Assert.Equal(0.0, dx[1, 0]);
    }

    [Fact]
    public void NamedConstructorArgumentsBindToTheirParameters()
    {
        var a = new System.Numerics.Vector3(1f, 2f, 3f);
        var (value, da, df) = NumberClassFindings.NamedConstructorArgumentsGradient(a, 0.5f);
        Assert.Equal(NumberClassFindings.NamedConstructorArguments(a, 0.5f), value);
        Assert.Equal((5.0 * 0.5f) + 1.0 + (0.5f * 2.0), value, 6);
        Assert.Equal(new System.Numerics.Vector3(1f, 0f, 0f), da);
        Assert.Equal(5f + 2f, df);
    }

    [Fact]
    public void AGuardInsideAConditionalsConditionKeepsItsOrder()
    {
        double[] x = { 0.3, -1.2, 2.0, 0.7, -0.4 }, z = { 0.5, double.NaN, -0.3 };
        var expected = NumberClassFindings.GuardedProducts(x, z);
        var (value, dx, dz) = NumberClassFindings.GuardedProductsJacobian(x, z);
        Assert.Equal(expected, value);
        var (jvpValue, tangent) = NumberClassFindings.GuardedProductsJvp(x, z, new double[] { 1, 1, 1, 1, 1 }, new double[] { 1, 0, 1 });
        Assert.Equal(expected, jvpValue);
        for (int i = 0; i < x.Length; i++)
        {
            bool product = i < z.Length && !double.IsNaN(z[i]);
            Assert.Equal(product ? z[i] : 1.0, dx[i, i]);
            Assert.Equal(product ? z[i] + x[i] : 1.0, tangent[i]);
            for (int k = 0; k < z.Length; k++)
            {
                Assert.Equal(product && k == i ? x[i] : 0.0, dz[i, k]);
            }
        }
    }

    [Fact]
    public void AGuardedLogTakesTheBranchTheMethodTakes()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 30; trial++)
        {
            double x = 0.05 + (3.0 * random.NextDouble()), c = (4.0 * random.NextDouble()) - 2.0;
            var (value, dx, dc) = NumberClassFunctions.GuardedLogGradient(x, c);
            Assert.Equal(NumberClassFunctions.GuardedLog(x, c), value);
            double y = Math.Log(x) * c;
            Near.Equal(2.0 * y * c / x, dx, 12);
            Near.Equal(2.0 * y * Math.Log(x), dc, 12);
            var (_, tangent) = NumberClassFunctions.GuardedLogJvp(x, c, 0.5, -1.0);
            Near.Equal((0.5 * dx) - dc, tangent, 12);
        }

        // Below 0 the log is NaN: the first guard returns 0. At +∞ (x = ∞, c = 1) y·x is ∞: the second returns 1. A
        // constant returned has no derivative: the tangent is 0 (the reverse sweep's 0·∞ is NaN, as in any reverse mode).
        foreach (var (x, c, expected) in new[] { (-1.0, 2.0, 0.0), (double.PositiveInfinity, 1.0, 1.0), (2.0, double.PositiveInfinity, 1.0), (double.NaN, 1.0, 0.0) })
        {
            Assert.Equal(expected, NumberClassFunctions.GuardedLog(x, c));
            Assert.Equal(expected, NumberClassFunctions.GuardedLogGradient(x, c).Value);
            Assert.Equal((expected, 0.0), NumberClassFunctions.GuardedLogJvp(x, c, 1.0, 1.0));
        }
    }

    [Fact]
    public void GenericMathIsMathsFunctions()
    {
        var random = new Random(23);
        for (int trial = 0; trial < 30; trial++)
        {
            double x = 0.2 + (2.0 * random.NextDouble()), y = (4.0 * random.NextDouble()) - 2.0;
            if (Math.Abs(y - 0.5) < 1e-3 || Math.Abs(Math.Abs(x * y) - 1.0) < 1e-3 || Math.Abs(y) < 1e-3)
            {
                continue;
            }

            var (value, dx, dy) = NumberClassFunctions.GenericMathGradient(x, y);
            Assert.Equal(NumberClassFunctions.GenericMath(x, y), value);
            double r = Math.Sqrt((x * x) + (y * y)), inside = Math.Abs(x * y) < 1.0 ? 1.0 : 0.0, atan = 1.0 / ((x * x) + (y * y));
            double expectedDx = (Math.Exp(x) * Math.Max(y, 0.5)) + (inside * y) + (3.0 * x * x) + (Math.Abs(y) * Math.Cos(x))
                - (y * atan) + (1.0 / (x * Math.Log(2.0))) + (x / r);
            double expectedDy = (y > 0.5 ? Math.Exp(x) : 0.0) + (inside * x) + (Math.Sign(y) * Math.Sin(x)) + (x * atan) + (y / r);
            Near.Equal(expectedDx, dx, 12);
            Near.Equal(expectedDy, dy, 12);

            var (_, hessian) = NumberClassFunctions.GenericMathHessian(x, y);
            var args = new object[] { x, y };
            for (int k = 0; k < 2; k++)
            {
                double Partial(object[] a) => NumberClassFunctions.GenericMathGradient((double)a[0], (double)a[1]) switch
                {
                    var g => k == 0 ? g.dx : g.dy,
                };
                for (int l = 0; l < 2; l++)
                {
                    AssertClose($"H[{k}, {l}]", Central(Partial, args, l, 0), hessian[k, l], 1e-5);
                }
            }
        }
    }

    [Fact]
    public void FloatOverloadsAreMathFsFunctions()
    {
        var random = new Random(29);
        for (int trial = 0; trial < 30; trial++)
        {
            float t = (float)((3.0 * random.NextDouble()) - 1.5), u = (float)((3.0 * random.NextDouble()) - 1.5);
            float c = Math.Clamp(t * u, 0f, 1f);
            if (Math.Abs(c - u) < 1e-2 || Math.Abs(t - u) < 1e-2 || Math.Abs(Math.Abs(u) - 1f) < 1e-2 || Math.Abs(u) < 1e-2
                || Math.Abs(t * u) < 1e-2 || Math.Abs((t * u) - 1f) < 1e-2)
            {
                continue;
            }

            var (value, dt, du) = NumberClassFunctions.FloatOverloadsGradient(t, u);
            Assert.Equal(NumberClassFunctions.FloatOverloads(t, u), value);

            // The same function in double, by its definition, differentiated by hand.
            double td = t, ud = u, cd = Math.Clamp(td * ud, 0.0, 1.0), inClamp = td * ud > 0.0 && td * ud < 1.0 ? 1.0 : 0.0;
            double tanh = Math.Tanh(td), max = Math.Max(cd, ud), dMaxDc = cd > ud ? 1.0 : 0.0, dMaxDu = cd > ud ? 0.0 : 1.0;
            double minT = td < ud ? 1.0 : 0.0, min = Math.Min(td, ud), e = Math.Exp(-td);
            double expectedDt = (dMaxDc * inClamp * ud * tanh) + (max * (1.0 - (tanh * tanh))) + (minT * e) - (min * e);
            double expectedDu = (((dMaxDc * inClamp * td) + dMaxDu) * tanh) + Math.Sign(ud) + (Math.Abs(ud) < 1.0 ? 1.0 : 0.0) + ((1.0 - minT) * e);
            Assert.Equal(expectedDt, dt, 1e-4);
            Assert.Equal(expectedDu, du, 1e-4);
        }

        // The guards' branch, as the method takes it (the derivatives there carry NaN·0 and ∞·0 from the clamp's reverse).
        Assert.Equal(0.0, NumberClassFunctions.FloatOverloadsGradient(0.5f, float.NaN).Value);
        Assert.Equal(0.0, NumberClassFunctions.FloatOverloadsGradient(float.PositiveInfinity, 0.5f).Value);
        Assert.NotEqual(0.0, NumberClassFunctions.FloatOverloadsGradient(0.5f, 0.25f).Value);
    }
}
