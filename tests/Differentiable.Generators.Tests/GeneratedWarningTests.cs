using System;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Methods whose companions did not compile, or raised warnings that fail a build treating warnings as errors (with
/// documentation files on, as libraries build): each now compiles cleanly and computes the right derivative.
/// </summary>
public sealed class GeneratedWarningTests
{
    private const string Usings = "using System;\nusing System.Numerics;\nusing Differentiable;\n\n/// <summary>Test methods.</summary>\npublic static partial class M\n{\n";

    [Fact]
    public void AFloatMethodWithAnEarlyReturn()
    {
        // The result local was declared float result = 0.0; (CS0664).
        var m = Load("""
                /// <summary>x² above 0, −x below.</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static float F(float x)
                {
                    if (x > 0f)
                    {
                        return x * x;
                    }

                    return -x;
                }
            """);
        Assert.Equal((4f, 4f), Gradient<float>(m, "F", 2f));
        Assert.Equal((1f, -1f), Gradient<float>(m, "F", -1f));
    }

    [Fact]
    public void ABranchOnAConstantConditionThatEndsInAReturn()
    {
        // The companions fold -0.5 < 0.5 to if (true) and keep its else: CS0162 in them, none in the method, whose
        // last return is reached through the then-branch.
        var m = Load("""
                /// <summary>3x when n > 2, else x² + x.</summary>
                /// <param name="x">The argument.</param>
                /// <param name="n">A switch.</param>
                /// <returns>The value.</returns>
                [Differentiate(nameof(x))]
                public static double F(double x, int n)
                {
                    double t = x;
                    if ((-0.5) < 0.5)
                    {
                        if (n > 2)
                        {
                            return 3.0 * t;
                        }

                        t *= x;
                    }

                    return t + x;
                }
            """);
        var gradient = m.GetMethod("FGradient", new[] { typeof(double), typeof(int) })!;
        Assert.Equal((6.0, 3.0), Pair((ITuple)gradient.Invoke(null, new object[] { 2.0, 3 })!));
        Assert.Equal((6.0, 5.0), Pair((ITuple)gradient.Invoke(null, new object[] { 2.0, 1 })!));

        static (double, double) Pair(ITuple tuple) => ((double)tuple[0]!, (double)tuple[1]!);
    }

    [Fact]
    public void ALocalVectorBesideAParameterNamedLikeItsComponent()
    {
        // var p (Vector2) took the components p_X, p_Y beside the parameter p_X (CS0136).
        var m = Load("""
                /// <summary>2a.X·p_X + 2a.Y.</summary>
                /// <param name="a">A vector.</param>
                /// <param name="p_X">A scale.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static float F(Vector2 a, float p_X)
                {
                    var p = a * 2f;
                    return p.X * p_X + p.Y;
                }
            """);
        var method = m.GetMethod("FGradient", new[] { typeof(Vector2), typeof(float) })!;
        var result = (ITuple)method.Invoke(null, new object[] { new Vector2(3f, 5f), 0.5f })!;
        Assert.Equal(2f * 3f * 0.5f + 2f * 5f, (double)result[0]!, 5);
        Assert.Equal(new Vector2(2f * 0.5f, 2f), (Vector2)result[1]!);
        Assert.Equal(2f * 3f, (float)result[2]!);
    }

    [Fact]
    public void TwoOverloadsOfAHelper()
    {
        // Each helper got a tuple overload: H(double[] a)'s had the signature of H(double[] a, double[] b)'s gradient (CS0111).
        var m = Load("""
                static double H(double[] a) => a[0];

                static double H(double[] a, double[] b) => a[0] * b[0];

                /// <summary>x₀ + x₀².</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static double F(double[] x) => H(x) + H(x, x);
            """);
        var result = (ITuple)m.GetMethod("FGradient", new[] { typeof(double[]) })!.Invoke(null, new object[] { new[] { 3.0, 7.0 } })!;
        Assert.Equal(3.0 + 9.0, (double)result[0]!);
        Assert.Equal(new[] { 1.0 + 6.0, 0.0 }, (double[])result[1]!);
    }

    [Theory]
    [InlineData("""
                /// <summary>The larger of a and a.</summary>
                /// <param name="a">The argument.</param>
                /// <returns>The value.</returns>
                [Differentiate(Hessian = true)]
                public static double F(double a) => Math.Max(a, a) * a;
        """)]
    [InlineData("""
                /// <summary>Components never read, and a constant left by unrolling.</summary>
                /// <param name="x">The argument.</param>
                /// <param name="w">The weights.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static float F(float x, double[] w)
                {
                    var v = new Vector2(x, 1f);
                    var c = Vector3.Zero;
                    double s = 0.0;
                    for (int i = 0; i < 3; i++)
                    {
                        int m = i + 1;
                        s += w[i];
                    }

                    return v.X * v.X * (float)s;
                }
        """)]
    [InlineData("""
                [Obsolete("old")]
                static double Old(double x) => x * x;

        #pragma warning disable CS0612, CS0618, CS1718
                /// <summary>A NaN test and an obsolete helper, their warnings silenced where the author wrote them.</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static double F(double x) => x != x ? 0.0 : Old(x);
        #pragma warning restore CS0612, CS0618, CS1718
        """)]
    public void MethodsWhoseCompanionsRaisedWarnings(string method) => Load(method);

    [Fact]
    public void ANullableArrayResultIsDiff004()
    {
        // It compiled with Shape(value) of a double[]? value (CS8604); a result that may be null has no Jacobian.
        var (source, span) = Markup.Parse(Usings + """
                /// <summary>Squares.</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The squares.</returns>
                [Differentiate]
                public static [|double[]?|] F(double[] x)
                {
                    var r = new double[x.Length];
                    for (int i = 0; i < x.Length; i++)
                    {
                        r[i] = x[i] * x[i];
                    }

                    return r;
                }
            }
            """);
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF004", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Empty(run.CompilationErrors);
    }

    [Fact]
    public void LocalsOnlyEverStoredConstantsAreNotWritten()
    {
        // float v_Y = 1f; and an unrolled int m_0 = 1; were written, unread (CS0219, silenced since, but noise).
        var run = GeneratorHarness.Run(Usings + """
                /// <summary>A vector's unread component, and a constant left by unrolling.</summary>
                /// <param name="x">The argument.</param>
                /// <param name="w">The weights.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static float F(float x, double[] w)
                {
                    var v = new Vector2(x, 1f);
                    double s = 0.0;
                    for (int i = 0; i < 3; i++)
                    {
                        int m = i + 1;
                        s += w[i];
                    }

                    return v.X * v.X * (float)s;
                }
            }
            """);
        run.AssertClean();
        var section = run.Section("F");
        Assert.DoesNotContain("v_Y", section, StringComparison.Ordinal);
        Assert.DoesNotContain("m_0", section, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNullForgivingOperatorSaysWhatToDo()
    {
        var (source, span) = Markup.Parse(Usings + """
                /// <summary>x₀·x₁.</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static double F(double[]? x) => [|x!|][0] * x[1];
            }
            """);
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF006", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Contains("null-forgiving operator", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("declare 'x' non-nullable (double[] x)", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void TheNullForgivingOperatorNamesTheDeclarationToChange()
    {
        // The message said "(double[] x)" whatever the operand was: here a matrix named w.
        var (source, span) = Markup.Parse(Usings + """
                /// <summary>w₀₀·x₀.</summary>
                /// <param name="x">The argument.</param>
                /// <param name="w">The weights.</param>
                /// <returns>The value.</returns>
                [Differentiate]
                public static double F(double[] x, double[,]? w) => [|w!|][0, 0] * x[0];
            }
            """);
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF006", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Contains("declare 'w' non-nullable (double[,] w) and drop the '!'", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void AConditionalOnALiteralOrAConstBool()
    {
        // The reverse sweep wrote if (false) { … } for the branch's adjoint: unreachable code (CS0162). Found by the
        // random element-Hessian programs at seed 62.
        var m = Load("""
                private const bool Squared = true;

                /// <summary>cos(x) + x² (the const picks x²; the literal false picks cos(x)).</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The value.</returns>
                [Differentiate(Hessian = true)]
                public static double F(double x)
                {
                    double a = Math.Cos(false ? x * x : x);
                    return a + (Squared ? x * x : x);
                }
            """);
        foreach (var x in new[] { -1.3, 0.4, 2.0 })
        {
            var (value, derivative) = Gradient<double>(m, "F", x);
            Assert.Equal(Math.Cos(x) + (x * x), value, 14);
            Assert.Equal(-Math.Sin(x) + (2.0 * x), derivative, 14);
        }
    }

    [Fact]
    public void NullablePassThroughParametersKeepTheirQuestionMark()
    {
        // The companions declared string tag and int[] index: a caller passing null, as it may to the method, got CS8625.
        // A body that reads such a parameter repeats the user's own warning, which the generated file must not add to.
        var run = GeneratorHarness.Run(Usings + """
                /// <summary>Σ x² · index[0], or Σ x² without an index.</summary>
                /// <param name="x">The argument.</param>
                /// <param name="tag">A label the method ignores.</param>
                /// <param name="index">Scales, or null.</param>
                /// <param name="scale">An optional scale.</param>
                /// <returns>The value.</returns>
                [Differentiate(nameof(x))]
                public static double F(double[] x, string? tag, int[]? index, double? scale)
                {
                    double s = 0.0;
                    for (int i = 0; i < x.Length; i++)
                    {
                        s += x[i] * x[i] * index[0];
                    }

                    return s;
                }

                /// <summary>Calls every companion with null where the method takes null.</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The sum of the results.</returns>
                public static double Caller(double[] x)
                {
                    var index = new[] { 2 };
                    var dx = new double[x.Length];
                    var (value, gradient) = FGradient(x, null, index, null);
                    var (_, tangent) = FJvp(x, null, index, null, x);
                    return value + gradient[0] + tangent + FGradient(x, null, index, null, dx);
                }
            }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Empty(run.GeneratedWarnings);
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id is "CS8625" or "CS8604");
        Assert.Contains("string? tag, int[]? index, double? scale", run.Section("F"), StringComparison.Ordinal);

        // The user's own warning at index[0] stays, once, at their code.
        var dereference = Assert.Single(run.Output.GetDiagnostics(), d => d.Id == "CS8602");
        Assert.StartsWith("File", dereference.Location.SourceTree!.FilePath, StringComparison.Ordinal);

        var m = run.Load().GetType("M")!;
        var x = new[] { 0.5, -1.5 };
        var value = 2 * ((0.5 * 0.5) + (1.5 * 1.5));
        var gradient0 = 4 * 0.5;
        var tangentAlongX = 4 * ((0.5 * 0.5) + (1.5 * 1.5));
        Assert.Equal(value + gradient0 + tangentAlongX + value, (double)m.GetMethod("Caller")!.Invoke(null, new object[] { x })!, 12);
    }

    [Fact]
    public void PassThroughParametersDeclaredWithoutNullableAnnotationsTakeNull()
    {
        // A parameter declared where annotations are off takes null without a warning; its companions' did not (CS8625).
        var run = GeneratorHarness.Run(Usings + """
            #nullable disable
                /// <summary>x² · index.Length.</summary>
                /// <param name="x">The argument.</param>
                /// <param name="tag">A label the method ignores.</param>
                /// <returns>The value.</returns>
                [Differentiate(nameof(x))]
                public static double F(double x, string tag) => x * x;
            #nullable enable

                /// <summary>Calls the companions with null for the tag.</summary>
                /// <param name="x">The argument.</param>
                /// <returns>The sum of the results.</returns>
                public static double Caller(double x) => FGradient(x, null).Value + FJvp(x, null, 1.0).Tangent;
            }
            """);
        run.AssertClean();
        Assert.DoesNotContain(run.Output.GetDiagnostics(), d => d.Id is "CS8625" or "CS8604");
        Assert.Contains("string? tag", run.Section("F"), StringComparison.Ordinal);
    }

    [Fact]
    public void AComparisonOfABoolWithItself()
    {
        // The printer wrote every v != v as double.IsNaN(v), the parser's form of the test: CS1503 for a bool.
        var run = GeneratorHarness.Run(Usings + """
                /// <summary>x², or 0 where b differs from itself (never).</summary>
                /// <param name="x">The argument.</param>
                /// <param name="b">A flag.</param>
                /// <returns>The value.</returns>
                [Differentiate(nameof(x))]
                public static double F(double x, bool b)
                {
            #pragma warning disable CS1718
                    if (b != b)
                    {
                        return 0.0;
                    }
            #pragma warning restore CS1718

                    return x * x;
                }
            }
            """);
        run.AssertClean();
        var m = run.Load().GetType("M")!;
        var result = (ITuple)m.GetMethod("FGradient", new[] { typeof(double), typeof(bool) })!.Invoke(null, new object[] { 1.5, true })!;
        Assert.Equal((2.25, 3.0), ((double)result[0]!, (double)result[1]!));
    }

    private static Type Load(string members)
    {
        var run = GeneratorHarness.Run(Usings + members + "\n}\n");
        run.AssertClean();
        return run.Load().GetType("M")!;
    }

    private static (T Value, T Derivative) Gradient<T>(Type m, string name, T x)
    {
        var result = (ITuple)m.GetMethod(name + "Gradient", new[] { typeof(T) })!.Invoke(null, new object[] { x! })!;
        return ((T)Convert.ChangeType(result[0]!, typeof(T), System.Globalization.CultureInfo.InvariantCulture), (T)result[1]!);
    }
}
