using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>Code that could take a naive generator down: huge expressions, deep nesting.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void ThreeThousandTermSumBuildsAndDifferentiatesExactly()
    {
        const int terms = 3000;
        var sum = new StringBuilder("x[0] * 1.0");
        for (var i = 1; i < terms; i++)
        {
            sum.Append(i % 2 == 0 ? " + " : " - ").Append("x[").Append(i).Append("] * ").Append(i + 1).Append(".0");
        }

        var source = $$"""
            using Differentiable;
            public static partial class Big
            {
                [Differentiate]
                public static double Sum(double[] x) => {{sum}};
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertClean();

        var gradient = run.Load().GetType("Big")!.GetMethods().Single(m => m.Name == "SumGradient" && m.GetParameters().Length == 2);
        var x = Enumerable.Range(0, terms).Select(i => Math.Sin(i)).ToArray();
        var dx = new double[terms];
        gradient.Invoke(null, new object[] { x, dx });
        for (var i = 0; i < terms; i++)
        {
            var expected = (i % 2 == 0 || i == 0 ? 1.0 : -1.0) * (i + 1);
            Assert.Equal(expected, dx[i]);
        }
    }

    /// <summary>
    /// 12,000 terms in an expression body: the parser binds every 128 links to a local, as in a return statement, so no
    /// pass after it recurses through the chain (an expression body bound none, and 10,000 terms overflowed the stack).
    /// </summary>
    [Theory]
    [InlineData("public static double Sum(double[] x) => {0};")]
    [InlineData("public static double Sum(double[] x) {{ double s; s = {0}; return s; }}")]
    public void TwelveThousandTermExpressionBodyBuildsAndDifferentiatesExactly(string method)
    {
        const int terms = 12000;
        var sum = new StringBuilder("x[0] * 1.0");
        for (var i = 1; i < terms; i++)
        {
            sum.Append(" + x[").Append(i % 7).Append("] * ").Append(i + 1).Append(".0");
        }

        // The second form also takes the compiler-error screen's definite-assignment walk, which must not recurse 12,000 deep.
        var run = GeneratorHarness.Run("using Differentiable;\npublic static partial class Big\n{\n    [Differentiate]\n    "
            + string.Format(System.Globalization.CultureInfo.InvariantCulture, method, sum) + "\n}\n");
        run.AssertClean();

        var gradient = run.Load().GetType("Big")!.GetMethods().Single(m => m.Name == "SumGradient" && m.GetParameters().Length == 2);
        var dx = new double[7];
        gradient.Invoke(null, new object[] { new double[7], dx });
        for (var k = 0; k < 7; k++)
        {
            // ∂/∂x[k] = Σ (i + 1) over the terms i with i mod 7 = k: exact in doubles.
            var expected = Enumerable.Range(0, terms).Where(i => i % 7 == k).Sum(i => (double)(i + 1));
            Assert.Equal(expected, dx[k]);
        }
    }

    /// <summary>A chain whose partial results cannot become locals (floats, a loop condition) gets DIFF010 past 400 links, not a stack overflow.</summary>
    [Theory]
    [InlineData("public static float F(float a) => {0};", " + ", "a")]
    [InlineData("public static double F(double[] x) {{ int k = 0; while ({0}) k++; return x[0] * k; }}", " && ", "k < x.Length")]
    public void UnbindableLongChainsGetADiagnosticNotACrash(string method, string link, string term)
    {
        var chain = string.Join(link, Enumerable.Repeat(term, 12000));
        var run = GeneratorHarness.Run("using Differentiable;\npublic static partial class Big\n{\n    [Differentiate]\n    " + string.Format(System.Globalization.CultureInfo.InvariantCulture, method, chain) + "\n}\n");
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Equal("DIFF010", Assert.Single(run.GeneratorDiagnostics).Id);
        Assert.Empty(run.Sources);
    }

    /// <summary>
    /// Statements nested 3,000 deep: Roslyn builds a body's operations, and its semantic model's nullable walk, recursively,
    /// so the compiler-error screen or the compiler's check it falls back on overflowed the stack (a crash of the compiler;
    /// 3,000 nested fors also ran for over ten minutes in flow analysis). Now DIFF010, before either runs. Only the generator
    /// runs here, on a large stack (<see cref="GeneratorHarness.RunDeep"/>): Roslyn's own compile of such a body needs
    /// more stack than a test thread is sure to have, and its flow analysis of 3,000 nested fors takes minutes.
    /// </summary>
    [Theory]
    [InlineData("if (x > {0}) {{ r += x; ")]
    [InlineData("for (var i{0} = 0; i{0} < 2; i{0}++) {{ r += x; ")]
    public void StatementsNestedThreeThousandDeepGetADiagnosticNotACrash(string level)
    {
        const int depth = 3000;
        var body = string.Concat(Enumerable.Range(0, depth).Select(i => string.Format(System.Globalization.CultureInfo.InvariantCulture, level, i)));
        var source = "using Differentiable;\npublic static partial class Deep\n{\n    [Differentiate]\n    public static double F(double x) { double r = 0; "
            + body + new string('}', depth) + " return r; }\n}\n";
        var result = GeneratorHarness.OnLargeStack(() =>
        {
            var compilation = GeneratorHarness.Compile(source);
            return GeneratorHarness.CreateDriver().RunGenerators(compilation.WithOptions(compilation.Options.WithConcurrentBuild(false))).GetRunResult().Results.Single();
        });
        Assert.Null(result.Exception);
        Assert.Equal("DIFF010", Assert.Single(result.Diagnostics).Id);
        Assert.Empty(result.GeneratedSources);
    }

    [Fact]
    public void ThousandNestedParenthesesBuild()
    {
        var source = $$"""
            using Differentiable;
            public static partial class Deep
            {
                [Differentiate]
                public static double Square(double x) => {{new string('(', 1000)}}x * x{{new string(')', 1000)}};
            }
            """;
        GeneratorHarness.OnLargeStack(() =>
        {
            GeneratorHarness.RunDeep(source).AssertClean();
            return true;
        });
    }

    [Fact]
    public void ThousandNestedCallsGetADiagnosticNotACrash()
    {
        var call = NestedSines(1000);

        var source = $$"""
            using Differentiable;
            public static partial class Deep
            {
                [Differentiate]
                public static double Nested(double x) => {{call}};
            }
            """;
        var run = GeneratorHarness.RunDeep(source);
        Assert.Null(run.Result.Results.Single().Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF010", diagnostic.Id);
        Assert.Empty(run.Sources);
    }

    /// <summary>[Differentiate(null)] passes a null name array: as [Differentiate], for it and its callers (DIFF009 before).</summary>
    [Fact]
    public void ANullNameArrayMeansEveryParameter()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate(null)]
                public static double Inner(double x, double y) => x * y;

                [Differentiate]
                public static double Outer(double x) => Inner(x, x) + x;
            }
            """);
        run.AssertClean();
        var arguments = new object?[] { 1.5, null };
        run.Load().GetType("Model")!.GetMethod("OuterGradient", [typeof(double), typeof(double).MakeByRefType()])!.Invoke(null, arguments);
        Assert.Equal(4.0, (double)arguments[1]!);
    }

    /// <summary>
    /// A constant negative index (which throws, in the method and its companions alike) was spelled into a local's name,
    /// ds_-1 (CS1002 in the generated file).
    /// </summary>
    [Fact]
    public void AConstantNegativeIndexMakesAValidName()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double F(double[] x)
                {
                    var s = new double[2];
                    s[0 - 1] = x[0];
                    double loss = 0;
                    for (int i = 0; i < x.Length; i++) loss += Math.Sin(s[0]) * x[i];
                    return loss;
                }
            }
            """);
        run.AssertClean();
        var gradient = run.Load().GetType("Model")!.GetMethod("FGradient", [typeof(double[]), typeof(double[])])!;
        var thrown = Assert.Throws<System.Reflection.TargetInvocationException>(() => gradient.Invoke(null, [new[] { 0.5, 1.5 }, new double[2]]));
        Assert.IsType<IndexOutOfRangeException>(thrown.InnerException);
    }

    /// <summary>
    /// Two DIFF009s a mutation fuzz found: a result indexed by a dimension rather than a loop variable (y[i, p]) was read
    /// as index notation with p as an index of no loop, and a Math.Sign in a loop after the return (in no body at all)
    /// was checked for DIFF100 against names no body declares.
    /// </summary>
    [Fact]
    public void ADimensionAsAnIndexAndCodeAfterTheReturnGetCompanions()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double[,] Column(double[,] A)
                {
                    int p = A.GetLength(0);
                    var y = new double[p + 1, p + 1];
                    for (int i = 0; i < p; i++)
                        for (int j = 0; j < p; j++)
                            y[i, p] += A[i, j];
                    return y;
                }

                [Differentiate]
                public static double AfterReturn(double[] x)
                {
                    double s = x[0];
                    return s;
                    for (int i = 0; i < 3; i++) s += x[Math.Sign(i)];
                }
            }
            """);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        var jacobian = run.Load().GetType("Model")!.GetMethod("ColumnJacobian")!.Invoke(null, [new double[,] { { 1, 2 }, { 3, 4 } }])!;
        var dense = ((Jacobian)((System.Runtime.CompilerServices.ITuple)jacobian)[1]!).ToDense();
        // y[i, 2] = Σ_j A[i, j]: vec index i + 2·3 of y, vec index i + j·2 of A.
        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(1.0, dense[i + 6, i + (j * 2)]);
            }
        }

        Assert.Equal(4.0, dense.Cast<double>().Sum());
    }

    /// <summary>sin(sin(… sin(x) …)), <paramref name="depth"/> calls deep.</summary>
    private static string NestedSines(int depth)
    {
        var call = new StringBuilder("x");
        for (var i = 0; i < depth; i++)
        {
            call.Insert(0, "System.Math.Sin(").Append(')');
        }

        return call.ToString();
    }

    /// <summary>Too deep inside a helper: DIFF007 at the call, which names the reason; it was DIFF010 at the caller's name.</summary>
    [Fact]
    public void ThousandNestedCallsInAHelperGetADiagnosticAtTheCall()
    {
        var call = NestedSines(1000);

        var source = $$"""
            using Differentiable;
            public static partial class Deep
            {
                static double Helper(double x) => {{call}};

                [Differentiate]
                public static double Caller(double x) => 2 * Helper(x);

                [Differentiate]
                public static double Other(double x) => x * x;
            }
            """;
        var run = GeneratorHarness.RunDeep(source);
        Assert.Null(run.Result.Results.Single().Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF007", diagnostic.Id);
        Assert.Equal("Helper(x)", diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains("nests more than 400 levels deep", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.False(run.HasSection("Deep.Caller"));
        Assert.True(run.HasSection("Deep.Other"));
    }

    [Fact]
    public void MethodsWithoutDifferentiateAreDifferentiatedThroughTheirBodiesOnce()
    {
        var source = """
            using System;
            using Differentiable;
            public static partial class Model
            {
                static double Square(double a) => a * a;
                static double Power(int n, double a) => n <= 1 ? a : a * Power(n - 1, a);

                [Differentiate]
                public static double F(double x) => Square(x) + Power(3, x);

                [Differentiate]
                public static double G(double x, double y) => Square(x * y) + Math.Sin(Square(y));
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertClean();
        Assert.Single(run.Sections, s => s.Method == "Model.Square");
        Assert.Single(run.Sections, s => s.Method == "Model.Power");

        var model = run.Load().GetType("Model")!;
        var f = model.GetMethods().Single(m => m.Name == "FGradient" && m.GetParameters().Length == 2);
        var arguments = new object?[] { 1.5, null };
        var value = (double)f.Invoke(null, arguments)!;
        Assert.Equal((1.5 * 1.5) + (1.5 * 1.5 * 1.5), value, tolerance: 1e-12);
        Assert.Equal((2 * 1.5) + (3 * 1.5 * 1.5), (double)arguments[1]!, tolerance: 1e-12);
    }

    [Fact]
    public void OverloadsGetASectionEachInTheirTypesFile()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => x * x;

                [Differentiate]
                public static double F(double[] x) => x[0] * x[1];
            }
            """);
        run.AssertClean();
        var file = Assert.Single(run.Sources);
        Assert.Equal("Model.g.cs", file.HintName);
        Assert.Equal(2, run.Sections.Count(s => s.Method == "Model.F"));
        Assert.Contains(run.Sections, s => s.Text.Contains("FGradient(double x)", System.StringComparison.Ordinal));
        Assert.Contains(run.Sections, s => s.Text.Contains("FGradient(double[] x, double[] dx)", System.StringComparison.Ordinal));
    }
}
