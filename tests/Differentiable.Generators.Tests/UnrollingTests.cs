using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>Loops with compile-time trip counts become straight-line derivatives; a budget keeps big loops loops.</summary>
public sealed class UnrollingTests
{
    private const string Rotation = """
        using System;
        using Differentiable;

        public static partial class Fixed
        {
            const int N = 3;

            [Differentiate]
            public static double[] Rotate(double[,] R, double[] v)
            {
                var y = new double[N];
                for (int i = 0; i < N; i++)
                    for (int j = 0; j < N; j++)
                        y[i] += R[i, j] * v[j];
                return y;
            }
        }
        """;

    [Fact]
    public void ConstantRotationIsStraightLineCode()
    {
        var run = GeneratorHarness.Run(Rotation);
        run.AssertClean();
        var source = run.Section("Fixed.Rotate");
        Assert.DoesNotContain("for (", source);
        Assert.DoesNotContain("while (", source);
        Assert.DoesNotContain("foreach", source);
        Assert.DoesNotContain("tape", source);
        Snapshot.Verify(source, "Fixed.Rotate");
    }

    /// <summary>
    /// A quaternion rotation of a Vector3, returned as three doubles written with their elements: the Jacobians with
    /// respect to the point (3 × 3) and the quaternion (3 × 4) are straight-line code, one column per float component.
    /// </summary>
    [Fact]
    public void QuaternionRotationOfAVectorIsStraightLineCode()
    {
        var run = GeneratorHarness.Run("""
            using System.Numerics;
            using Differentiable;

            public static partial class Fixed
            {
                [Differentiate]
                public static double[] Rotated(Vector3 p, Quaternion q)
                {
                    var r = Vector3.Transform(p, q);
                    return [r.X, r.Y, r.Z];
                }
            }
            """);
        run.AssertClean();
        var source = run.Section("Fixed.Rotated");
        Assert.Contains("var jp = new double[3, 3];", source);
        Assert.Contains("var jq = new double[3, 4];", source);
        var start = source.IndexOf("RotatedJacobian(", StringComparison.Ordinal);
        var jacobian = source.Substring(start, source.IndexOf("RotatedJvp(", start, StringComparison.Ordinal) - start);
        Assert.DoesNotContain("Jvp(", jacobian);
        Assert.DoesNotContain("Vjp(", jacobian);
        Snapshot.Verify(source, "Fixed.Rotated");
    }

    /// <summary>
    /// The unroller rebuilds each call with the iteration's values: a MathF call must stay one. Rebuilt as Math, it was
    /// computed in double and the companions assigned it to the float local (CS0266, the build broken).
    /// </summary>
    [Fact]
    public void AnUnrolledFloatLoopKeepsItsMathFCalls()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Differentiable;

            public static partial class Fixed
            {
                [Differentiate]
                public static float Damped(float x, float y)
                {
                    float t = x;
                    for (int i = 0; i < 3; i++)
                    {
                        t = (0.5f * t) + (MathF.Tanh(y) * MathF.Sin(t + i));
                    }

                    return t;
                }
            }
            """);
        run.AssertClean();
        var source = run.Section("Fixed.Damped");
        Assert.DoesNotContain("for (", source);
        Assert.Contains("global::System.MathF.Sin(t + 2)", source);
        Assert.DoesNotContain("global::System.Math.Sin(t + ", source);
    }

    [Fact]
    public void ConstantRotationJacobianIsExactlyTheKroneckerForm()
    {
        var run = GeneratorHarness.Run(Rotation);
        var jacobian = run.Load().GetType("Fixed")!.GetMethod("RotateJacobian")!;
        var R = new double[,] { { 0.36, 0.48, -0.8 }, { -0.8, 0.6, 0.0 }, { 0.48, 0.64, 0.6 } };
        var v = new[] { 1.0, -2.0, 0.5 };
        var result = (System.Runtime.CompilerServices.ITuple)jacobian.Invoke(null, new object[] { R, v })!;
        var dR = (Jacobian)result[1]!;
        var dv = (Jacobian)result[2]!;
        for (int i = 0; i < 3; i++)
        {
            for (int p = 0; p < 3; p++)
            {
                for (int q = 0; q < 3; q++)
                {
                    Assert.Equal(i == p ? v[q] : 0.0, dR[i, p + (3 * q)]); // vᵀ ⊗ I₃, exactly
                }

                Assert.Equal(R[i, p], dv[i, p]); // ∂(Rv)/∂v = R, exactly
            }
        }
    }

    [Fact]
    public void HugeConstantLoopStaysALoop()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Big
            {
                [Differentiate]
                public static double Sum(double x)
                {
                    double s = 0;
                    for (int i = 0; i < 1000000; i++) s += x * i;
                    return s;
                }
            }
            """);
        run.AssertClean();
        var source = run.Section("Big.Sum");
        Assert.Contains("for (", source);
        Assert.True(source.Length < 20_000, $"generated {source.Length} characters");
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(4, true)]
    [InlineData(9, false)]
    public void MaxUnrollSetsTheBudget(int maxUnroll, bool staysALoop)
    {
        var run = GeneratorHarness.Run($$"""
            using Differentiable;
            public static partial class Budget
            {
                [Differentiate(MaxUnroll = {{maxUnroll}})]
                public static double Sum(double[] x)
                {
                    double s = 0;
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 3; j++)
                            s += x[i] * x[j];
                    return s;
                }
            }
            """);
        run.AssertClean();
        Assert.Equal(staysALoop, run.Section("Budget.Sum").Contains("for ("));
    }

    /// <summary>
    /// A cast to int or Math.Floor in an unrolled loop, of a value that reads the loop variable or a local of the body:
    /// the warning check read the operand against the unrolled method, where those names are gone (DIFF009,
    /// KeyNotFoundException). The warning goes where the operand depends on x, and the gradients are exact.
    /// </summary>
    [Fact]
    public void CastsAndFloorsInsideAnUnrolledLoopAreCheckedAsWritten()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Differentiable;
            public static partial class Sites
            {
                [Differentiate]
                public static double Counter(double[] x) { double s = 0; for (int i = 0; i < 3; i++) { int j = (int)(1.0 + i); s += x[i] * j; } return s; }

                [Differentiate]
                public static double Floored(double[] x) { double s = 0; for (int i = 0; i < 3; i++) s += x[i] * Math.Floor(x[i] + i); return s; }

                [Differentiate]
                public static double Local(double x) { double s = 0; for (int i = 0; i < 3; i++) { double d = x; int j = (int)d; s += x * j; } return s; }
            }
            """);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Empty(run.CompilationErrors);
        Assert.All(run.GeneratorDiagnostics, d => Assert.Equal("DIFF100", d.Id));
        Assert.Equal(2, run.GeneratorDiagnostics.Length);
        var sites = run.Load().GetType("Sites")!;
        double[] x = [0.3, 1.7, 2.2];
        var counter = new double[3];
        sites.GetMethod("CounterGradient", [typeof(double[]), typeof(double[])])!.Invoke(null, [x, counter]);
        Assert.Equal(new[] { 1.0, 2.0, 3.0 }, counter);
        var floored = new double[3];
        sites.GetMethod("FlooredGradient", [typeof(double[]), typeof(double[])])!.Invoke(null, [x, floored]);
        Assert.Equal(new[] { 0.0, 2.0, 4.0 }, floored);
        var arguments = new object?[] { 2.5, null };
        sites.GetMethod("LocalGradient", [typeof(double), typeof(double).MakeByRefType()])!.Invoke(null, arguments);
        Assert.Equal(6.0, (double)arguments[1]!);
    }

    /// <summary>
    /// A for loop that is no counted loop (j == n), nested in an unrolled one: its step (j += 1) kept the name the
    /// unroller had replaced (CS0103 in the generated file).
    /// </summary>
    [Fact]
    public void AGeneralLoopInsideAnUnrolledLoopHasItsStepRenamed()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class General
            {
                [Differentiate]
                public static double F(double[] x, int n)
                {
                    double s = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        for (int j = 0; j == n; j++) s += x[i] * x[j];
                    }

                    return s;
                }
            }
            """);
        run.AssertClean();
        Assert.Contains("j_2", run.Section("General.F"));
        var arguments = new object[] { new[] { 0.5, 1.5, 2.5 }, 0, new double[3] };
        run.Load().GetType("General")!.GetMethod("FGradient", [typeof(double[]), typeof(int), typeof(double[])])!.Invoke(null, arguments);
        // n = 0: s = Σ_i x[i]·x[0], so ∂s/∂x0 = Σ x + x0 and ∂s/∂x_i = x0.
        Assert.Equal(new[] { 5.0, 0.5, 0.5 }, (double[])arguments[2]);
    }

    /// <summary>
    /// A result of constant size past the unrolling budget is seeded by a loop: each of its elements was a statement of
    /// the VJP (30,000 statements, a 1.1 MB file and a 7-minute build at n = 30,000).
    /// </summary>
    [Fact]
    public void AConstantResultPastTheBudgetIsSeededByALoop()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Sized
            {
                [Differentiate]
                public static double[] Big(double[,] R, double[] v)
                {
                    const int N = 30000;
                    double[] y = new double[N];
                    for (int i = 0; i < N; i++)
                        for (int j = 0; j < N; j++)
                            y[i] += R[i, j] * v[j];
                    return y;
                }

                [Differentiate]
                public static double[] Small(double[,] R, double[] v)
                {
                    const int N = 70;
                    double[] y = new double[N];
                    for (int i = 0; i < N; i++)
                        for (int j = 0; j < N; j++)
                            y[i] += R[i, j] * v[j];
                    return y;
                }
            }
            """);
        run.AssertClean();
        Assert.True(run.Section("Sized.Big").Length < 40_000, $"{run.Section("Sized.Big").Length} characters");
        const int n = 70;
        var random = new Random(7);
        var r = new double[n, n];
        var v = new double[n];
        var seed = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = random.NextDouble();
            seed[i] = random.NextDouble();
            for (int j = 0; j < n; j++)
            {
                r[i, j] = random.NextDouble();
            }
        }

        var dr = new double[n, n];
        var dv = new double[n];
        run.Load().GetType("Sized")!.GetMethod("SmallVjp")!.Invoke(null, [r, v, seed, dr, dv]);
        for (int j = 0; j < n; j++)
        {
            double expected = 0;
            for (int i = 0; i < n; i++)
            {
                expected += r[i, j] * seed[i];
                Assert.Equal(seed[i] * v[j], dr[i, j], 12);
            }

            Assert.Equal(expected, dv[j], 12);
        }
    }
}
