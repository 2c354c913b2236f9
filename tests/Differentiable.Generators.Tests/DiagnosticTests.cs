using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Tests;

/// <summary>Each unsupported construct gets its DIFF error at the offending syntax, and the method gets no companions.</summary>
public sealed class DiagnosticTests
{
    private static (Diagnostic Diagnostic, GeneratorRun Run) AssertDiagnostic(string id, string markup, string? failingMethod = null)
    {
        var (source, span) = Markup.Parse("using System;\nusing System.Collections.Generic;\nusing Differentiable;\n" + markup);
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Result.Results.Single().Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.True(diagnostic.Location.IsInSource, "the diagnostic must point into the user's syntax tree (so #pragma applies)");
        if (failingMethod is null)
        {
            Assert.Empty(run.Sources);
        }
        else
        {
            Assert.False(run.HasSection(failingMethod), $"{failingMethod} has a diagnostic and must get no companions");
        }

        Assert.StartsWith("https://", diagnostic.Descriptor.HelpLinkUri);
        return (diagnostic, run);
    }

    /// <summary>The diagnostic's message contains each of <paramref name="fragments"/>.</summary>
    private static void AssertSays(Diagnostic diagnostic, params string[] fragments)
    {
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fragment in fragments)
        {
            Assert.Contains(fragment, message, System.StringComparison.Ordinal);
        }
    }

    [Fact]
    public void NonPartialClass() => AssertDiagnostic("DIFF001", """
        public static class [|Model|]
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """);

    [Fact]
    public void NonPartialOuterClass() => AssertDiagnostic("DIFF001", """
        public class [|Outer|]
        {
            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => x * x;
            }
        }
        """);

    [Fact]
    public void KeywordUsedAsAName() => AssertDiagnostic("DIFF015", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double[] [|@in|], double x)
            {
                double y = @in[0] * x;
                return y * @in[1];
            }
        }
        """);

    [Fact]
    public void FloatParameterAssigned() => AssertDiagnostic("DIFF015", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(float f)
            {
                [|f|] = f * f;
                return f;
            }
        }
        """);

    [Fact]
    public void NumericsParameterAssigned() => AssertDiagnostic("DIFF015", """
        using System.Numerics;
        public static partial class Model
        {
            [Differentiate]
            public static double F(Vector2 a)
            {
                [|a|] += Vector2.One;
                return a.X * a.Y;
            }
        }
        """);

    [Fact]
    public void CompanionWithTheSignatureOfAUserMethod() => AssertDiagnostic("DIFF015", """
        public static partial class Model
        {
            [Differentiate]
            public static double [|F|](double x) => x * x;

            public static double FGradient(double x, out double dx)
            {
                dx = 2.0 * x;
                return x * x;
            }
        }
        """, "F");

    // FJacobianOnly is a companion too: a user method of its name and parameters would be CS0111 in the generated file.
    [Fact]
    public void JacobianOnlyWithTheSignatureOfAUserMethod() => AssertSays(AssertDiagnostic("DIFF015", """
        public static partial class Model
        {
            [Differentiate]
            public static double[] [|F|](double[] x)
            {
                var y = new double[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    y[i] = 2.0 * x[i];
                }

                return y;
            }

            public static Jacobian FJacobianOnly(double[] x) => null!;
        }
        """, "F").Diagnostic, "FJacobianOnly(double[])");

    [Fact]
    public void OverloadsWhoseCompanionsShareASignatureAreBothReported()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double F(double[] a) => a[0] * a[0];

                [Differentiate]
                public static double F(double[] a, double[] b) => a[0] * b[0];

                [Differentiate]
                public static double F(double x) => x * x;
            }
            """);
        Assert.Null(run.Result.Results.Single().Exception);
        var diagnostics = run.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToList();
        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Equal("DIFF015", d.Id));
        Assert.Contains("FGradient(double[], double[])", diagnostics[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);

        // The third overload's companions clash with nothing: they are generated, and everything compiles.
        Assert.True(run.HasSection("F"), "F(double) keeps its companions");
        run.Load(optimized: true);
    }

    // A generic method of a companion's name and parameters is another signature: it was taken for a clash (DIFF015).
    [Fact]
    public void AGenericMethodOfACompanionsNameIsNoClash()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => x * x;

                public static double FGradient<T>(double x, out double dx)
                {
                    dx = 0;
                    return x;
                }
            }
            """);
        run.AssertClean();
        var arguments = new object?[] { 1.5, null };
        run.Load().GetType("Model")!.GetMethod("FGradient", 0, new[] { typeof(double), typeof(double).MakeByRefType() })!.Invoke(null, arguments);
        Assert.Equal(3.0, (double)arguments[1]!);
    }

    [Fact]
    public void KeywordUsedAsANameIsReportedOncePerName()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double F(double[] @in, double @base) => @in[0] * @base + @in[1] * @base;
            }
            """);
        Assert.Equal(new[] { "'@in'", "'@base'" }, run.GeneratorDiagnostics.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Split(' ')[0]));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void InstanceMethod() => AssertDiagnostic("DIFF002", """
        public partial class Model
        {
            [Differentiate]
            public double [|F|](double x) => x * x;
        }
        """);

    [Fact]
    public void ListNamedInWithRespectTo() => AssertDiagnostic("DIFF003", """
        public static partial class Model
        {
            [Differentiate("xs")]
            public static double F([|List<double>|] xs, double y) => y;
        }
        """);

    [Fact]
    public void RefParameter() => AssertDiagnostic("DIFF003", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(ref [|double|] x) => x;
        }
        """);

    [Fact]
    public void NonNumericReturn() => AssertDiagnostic("DIFF004", """
        public static partial class Model
        {
            [Differentiate]
            public static [|string|] F(double x) => x.ToString();
        }
        """);

    [Fact]
    public void TryCatch() => AssertDiagnostic("DIFF005", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double x)
            {
                double y = x;
                [|try { y = x * x; } catch (Exception) { }|]
                return y;
            }
        }
        """);

    [Fact]
    public void SwitchStatement() => AssertDiagnostic("DIFF005", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double x, int k)
            {
                [|switch (k) { case 0: x *= 2; break; default: break; }|]
                return x;
            }
        }
        """);

    [Fact]
    public void UserPropertyNamedLikeANumericsConstant() => AssertDiagnostic("DIFF006", """
        public static class Directions
        {
            public static System.Numerics.Vector3 UnitX => new System.Numerics.Vector3(0f, 0f, 1f);
        }

        public static partial class Model
        {
            [Differentiate]
            public static float F(System.Numerics.Vector3 v) => System.Numerics.Vector3.Dot(v, [|Directions.UnitX|]);
        }
        """);

    [Fact]
    public void DelegateCall() => AssertDiagnostic("DIFF006", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double x, Func<double, double> f) => [|f(x)|];
        }
        """);

    [Fact]
    public void CallWithoutDerivative() => AssertDiagnostic("DIFF007", """
        public static partial class Model
        {
            // Its body cannot be differentiated (a delegate call), and no rule is given.
            static double Helper(double x) => new Func<double, double>(Math.Sin)(x);

            [Differentiate]
            public static double F(double x) => 2 * [|Helper(x)|];
        }
        """, failingMethod: "F");

    // A rule for a function with a built-in derivative was ignored without a word (a review).
    [Fact]
    public void ARuleForABuiltInMathFunctionSaysItIsNeverCalled() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Rules
            {
                [DerivativeOf(typeof(Math), nameof(Math.Exp))]
                public static double [|ExpGradient|](double d, out double dd)
                {
                    dd = 7.0;
                    return Math.Exp(d);
                }
            }
            """).Diagnostic,
        "Math.Exp has a built-in derivative",
        "only Math.Clamp's over doubles can be replaced");

    // A float spelling's rule was told that its target returns float, and that array-valued methods are not
    // differentiated yet: neither the reason nor a fix.
    [Fact]
    public void ARuleForAFloatBuiltInSaysItIsNeverCalled() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Rules
            {
                [DerivativeOf(typeof(float), nameof(float.LogP1))]
                public static double [|LogP1Gradient|](float x, out float dx)
                {
                    dx = 1f / (1f + x);
                    return float.LogP1(x);
                }
            }
            """).Diagnostic,
        "float.LogP1 has a built-in derivative");

    // A rule in a file-local type was taken, and the generated call (in another file) could not name the type.
    [Fact]
    public void ARuleInAFileLocalTypeIsRefusedAtTheRule() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Functions
            {
                public static double Softly(double x) => Math.Log(1.0 + Math.Exp(x));
            }

            file static class Rules
            {
                [DerivativeOf(typeof(Functions), nameof(Functions.Softly))]
                public static double [|SoftlyGradient|](double x, out double dx)
                {
                    dx = 1.0 / (1.0 + Math.Exp(-x));
                    return Functions.Softly(x);
                }
            }
            """).Diagnostic,
        "'Rules' is a file-local type",
        "declare 'Rules' internal instead");

    [Fact]
    public void ARuleForAFloatMethodAsksForADoubleOne() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Opaque
            {
                public static float Square(float v) => v * v;
            }

            public static class Rules
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
                public static double [|SquareGradient|](float v, out float dv)
                {
                    dv = 2f * v;
                    return v * v;
                }
            }
            """).Diagnostic,
        "'Square' returns float, and rules replace only methods that return double; write the rule for a double overload");

    // The counted loop reads the variable each iteration, C# a copy of the reference taken once.
    [Fact]
    public void AForeachThatReplacesItsArrayIsRefused() => AssertSays(
        AssertDiagnostic("DIFF005", """
            public static partial class Model
            {
                [Differentiate]
                public static double F(double[] x)
                {
                    double s = 0.0;
                    var w = new double[x.Length];
                    [|foreach (double v in w)
                    {
                        s += v * x[0];
                        w = new double[3];
                    }|]

                    return s;
                }
            }
            """).Diagnostic,
        "must not replace the array it iterates");

    [Fact]
    public void ARuleForDoubleClampAsksForMathClamps() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Rules
            {
                [DerivativeOf(typeof(double), nameof(double.Clamp))]
                public static double [|ClampGradient|](double value, double min, double max, out double dvalue, out double dmin, out double dmax)
                {
                    (dvalue, dmin, dmax) = (7.0, 0.0, 0.0);
                    return Math.Clamp(value, min, max);
                }
            }
            """).Diagnostic,
        "[DerivativeOf(typeof(Math), nameof(Math.Clamp))]");

    // The rule's buffer db was bound by type to a, so x passed as a got 2·a·b for its derivative (a helper's hunt).
    [Fact]
    public void ARuleWhoseBufferIsNamedForTheOtherParameter() => AssertSays(
        AssertDiagnostic("DIFF017", """
            public static class Opaque
            {
                public static double Of(double a, double b) => a * b * b;
            }

            public static class Rules
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.Of))]
                public static double OfGradient(double a, double b, out double db)
                {
                    db = 2 * a * b;
                    return a * b * b;
                }
            }

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => [|Opaque.Of(x, 3.0)|];
            }
            """, failingMethod: "F").Diagnostic,
        "parameter 'a'");

    // Buffers that name parameters bind in parameter order: db before da is no companion's signature.
    [Fact]
    public void ARuleWithNamedBuffersOutOfOrder() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Opaque
            {
                public static double Of(double a, double b) => a * b * b;
            }

            public static class Rules
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.Of))]
                public static double [|OfGradient|](double a, double b, out double db, out double da)
                {
                    (da, db) = (b * b, 2 * a * b);
                    return a * b * b;
                }
            }
            """).Diagnostic,
        "double OfGradient(double a, double b, out double da, out double db)",
        "names each buffer d + the parameter's name");

    // The message asked for double AVjp(double[] v, double[] dv), which was refused again the same way.
    [Fact]
    public void ARuleForAnArrayValuedMethodSaysRulesTakeNone() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Opaque
            {
                public static double[] A(double[] v) => v;
            }

            public static class Rules
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.A))]
                public static double[] [|AVjp|](double[] v, double[] seed, double[] dv) => v;
            }
            """).Diagnostic,
        "returns double[], and rules replace only methods that return double");

    // Two rules for one target were both accepted, and calls used the first without a word about the second.
    [Fact]
    public void ASecondRuleForTheSameTarget() => AssertSays(
        AssertDiagnostic("DIFF016", """
            public static class Opaque
            {
                public static double Square(double v) => v * v;
            }

            public static class Rules
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
                public static double SquareGradient(double v, out double dv)
                {
                    dv = 2 * v;
                    return v * v;
                }
            }

            public static class MoreRules
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
                public static double [|SquareGradient|](double v, out double dv)
                {
                    dv = 1000.0;
                    return v * v;
                }
            }
            """).Diagnostic,
        "'Opaque.Square(double)' already has a rule, Rules.SquareGradient, which its calls use");

    [Fact]
    public void RuleWithWrongSignature() => AssertDiagnostic("DIFF016", """
        public static class Opaque
        {
            public static double Square(double v) => v * v;
        }

        public static class Rules
        {
            [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
            public static double [|SquareGradient|](double v, ref double dv)
            {
                dv = 2 * v;
                return v * v;
            }
        }
        """);

    [Fact]
    public void ArgumentToANonDifferentiatedParameter() => AssertDiagnostic("DIFF017", """
        public static partial class Model
        {
            [Differentiate(nameof(a))]
            public static double Scale(double a, double x) => a * x;

            [Differentiate]
            public static double F(double x) => [|Scale(2.0, x * x)|];
        }
        """, failingMethod: "F");

    [Fact]
    public void ArgumentToANonDifferentiatedParameterNamesTheParameterToAdd()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate(nameof(a))]
                public static double Scale(double a, double factor) => a * factor;

                [Differentiate]
                public static double F(double x) => Scale(2.0, x * x);
            }
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF017", diagnostic.Id);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("to parameter 'factor'", message, System.StringComparison.Ordinal);
        Assert.Contains("add nameof(factor) to the [Differentiate] list of 'Model.Scale'", message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void CallWithoutDerivativePointsAtTheCalleeToo()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                static double Helper(double x) => System.BitConverter.Int64BitsToDouble(System.BitConverter.DoubleToInt64Bits(x));

                [Differentiate]
                public static double F(double x) => 2 * Helper(x);
            }
            """);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF007", diagnostic.Id);
        var related = Assert.Single(diagnostic.AdditionalLocations);
        Assert.Equal("Helper", related.SourceTree!.ToString().Substring(related.SourceSpan.Start, related.SourceSpan.Length));
    }

    [Fact]
    public void UnknownWithRespectTo() => AssertDiagnostic("DIFF008", """
        public static partial class Model
        {
            [Differentiate([|"z"|])]
            public static double F(double x) => x;
        }
        """);

    [Fact]
    public void WriteToParameterArray() => AssertDiagnostic("DIFF013", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double[] x)
            {
                [|x[0]|] = 1;
                return x[0];
            }
        }
        """);

    [Fact]
    public void WriteThroughAnAliasOfAParameterArray() => AssertDiagnostic("DIFF013", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double[] x)
            {
                double[] y = x;
                [|y[0]|] = 1;
                return y[0] * x[0];
            }
        }
        """);

    [Fact]
    public void NoDifferentiableParameter() => AssertDiagnostic("DIFF014", """
        public static partial class Model
        {
            [Differentiate]
            public static double [|F|](int n) => n;
        }
        """);

    [Fact]
    public void UnsupportedLocalType() => AssertDiagnostic("DIFF005", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double x)
            {
                var [|list = new List<double>()|];
                return x;
            }
        }
        """);

    /// <summary>One DIFF100 warning, at the span marked, and the companions written and compiling.</summary>
    private static Diagnostic AssertWarning(string markup)
    {
        var (source, span) = Markup.Parse("using System;\nusing Differentiable;\n" + markup);
        var run = GeneratorHarness.Run(source);
        var warning = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF100", warning.Id);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(span, warning.Location.SourceSpan);
        Assert.Single(run.Sources);
        Assert.Empty(run.CompilationErrors);
        return warning;
    }

    [Fact]
    public void CastOfAnActiveValueToIntWarns() => AssertWarning("""
        public static partial class Model
        {
            [Differentiate(nameof(x))]
            public static double F(double x, double c)
            {
                int k = [|(int)(x * 3)|];
                int n = (int)c;
                return k * 2.0 + x + n;
            }
        }
        """);

    [Fact]
    public void FloorOfAnActiveValueWarns() => AssertWarning("""
        public static partial class Model
        {
            [Differentiate]
            public static double F(double x) => [|Math.Floor(x)|] + x;
        }
        """);

    // (int)Math.Floor(u) warned twice, at the Floor and at the cast.
    [Fact]
    public void ACastOfAFloorWarnsOnceAtTheFloor() => AssertWarning("""
        public static partial class Model
        {
            [Differentiate]
            public static double F(double[] x, double u)
            {
                int k = (int)([|Math.Floor(u * 2.0)|]);
                return x[k] * u;
            }
        }
        """);

    // DIFF100 named every rounding function Math's: Math.Floor for double.Floor or MathF.Floor.
    [Fact]
    public void ARoundingWarningNamesTheClassCalled() => AssertSays(
        AssertWarning("""
            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => [|double.Floor(x)|] + x;
            }
            """),
        "double.Floor of a value");

    [Fact]
    public void SyntaxErrorsReportOnlyTheCompilersErrors()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate]
                public static double F(double x)
                {
                    double y = x *
                    return y;
                }
            }
            """);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Sources);
        Assert.NotEmpty(run.CompilationErrors);
        Assert.All(run.CompilationErrors, e => Assert.StartsWith("CS", e.Id));
    }

    [Fact]
    public void DescriptorsAreUniqueAndDocumented()
    {
        var descriptors = Diagnostics.DiagnosticDescriptors.All;
        Assert.Equal(descriptors.Length, descriptors.Select(d => d.Id).Distinct().Count());
        var docs = System.IO.Path.Combine(RepositoryRoot(), "docs", "diagnostics");
        var unshipped = System.IO.File.ReadAllText(System.IO.Path.Combine(RepositoryRoot(), "src", "Differentiable.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in descriptors)
        {
            Assert.Matches("^DIFF[0-9]{3}$", descriptor.Id);
            Assert.EndsWith($"/docs/diagnostics/{descriptor.Id}.md", descriptor.HelpLinkUri);
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(docs, descriptor.Id + ".md")), $"docs/diagnostics/{descriptor.Id}.md is missing");
            Assert.Contains(descriptor.Id + " |", unshipped);
        }
    }

    internal static string RepositoryRoot()
    {
        var directory = System.AppContext.BaseDirectory;
        while (!System.IO.File.Exists(System.IO.Path.Combine(directory, "Generators.sln")))
        {
            directory = System.IO.Path.GetDirectoryName(directory)!;
        }

        return directory;
    }

    // Array.Copy was told to be removed, as a call whose result is discarded: the copy is the data flow.
    [Fact]
    public void ACallThatFillsAnArrayAsksForALoop() => AssertSays(
        AssertDiagnostic("DIFF005", """
            public static partial class Model
            {
                [Differentiate]
                public static double F(double[] x)
                {
                    var y = new double[x.Length];
                    [|Array.Copy(x, y, x.Length);|]
                    return y[0] * x[0];
                }
            }
            """).Diagnostic,
        "call statement 'Array.Copy'",
        "write a copy or fill as a loop");

    // One error, at the call: arr.Length of the local an out argument declared drew "only array lengths … can be read".
    [Fact]
    public void TheLengthOfALocalAnOutArgumentDeclaredIsNotReportedAgain() => AssertSays(
        AssertDiagnostic("DIFF005", """
            public static partial class Model
            {
                private static void Make(double[] x, out double[] copy) { copy = x; }

                [Differentiate]
                public static double F(double[] x)
                {
                    [|Make(x, out var arr);|]
                    return arr.Length * x[0] + arr[0];
                }
            }
            """).Diagnostic,
        "ref and out arguments are not supported");

    // One error, at the call: each read of a local its out arguments declared was "this name cannot be used" again.
    [Fact]
    public void ACallWithOutArgumentsIsReportedOnce() => AssertSays(
        AssertDiagnostic("DIFF005", """
            public static partial class Model
            {
                private static void Split(double x, out double a, out double b) { a = x; b = 2 * x; }

                [Differentiate]
                public static double F(double x)
                {
                    [|Split(x, out var a, out var b);|]
                    return a * b + a;
                }
            }
            """).Diagnostic,
        "ref and out arguments are not supported");

    // Arrays written with their elements are read in declarations, assignments and returns; a spread has no constant size.
    [Fact]
    public void ASpreadInACollectionExpressionIsRefused() => AssertSays(
        AssertDiagnostic("DIFF006", """
            public static partial class Model
            {
                [Differentiate]
                public static double[] F(double[] x)
                {
                    double[] y = [|[..x, 1.0]|];
                    return y;
                }
            }
            """).Diagnostic,
        "a spread ('..x')",
        "copy the elements in a loop");

    [Fact]
    public void AnArrayWrittenWithItsElementsAsAnArgumentIsRefused() => AssertSays(
        AssertDiagnostic("DIFF006", """
            public static partial class Model
            {
                static double Sum(double[] a) => a[0] + a[1];

                [Differentiate]
                public static double F(double x) => Sum([|new[] { x, x * x }|]);
            }
            """).Diagnostic,
        "in a declaration, an assignment or a return");

    // Read as a componentwise product, it gave another value than the method's and a diagonal Jacobian.
    [Fact]
    public void TheHamiltonProductOfTwoQuaternionsIsRefused() => AssertSays(
        AssertDiagnostic("DIFF006", """
            using System.Numerics;
            public static partial class Model
            {
                [Differentiate]
                public static float F(Quaternion p, Quaternion q) => [|Quaternion.Multiply(p, q)|].W;
            }
            """).Diagnostic,
        "Quaternion.Multiply is not supported yet");

    // A differentiated method may return a Vector3; one that calls it is told so, not that Vector3 lacks a member.
    [Fact]
    public void ACallReturningAVector3IsRefusedByName() => AssertSays(
        AssertDiagnostic("DIFF006", """
            using System.Numerics;
            public static partial class Model
            {
                [Differentiate]
                public static Vector3 Spun(Vector3 p) => new Vector3(p.Y, -p.X, p.Z);

                [Differentiate]
                public static float F(Vector3 p) => [|Spun(p)|].X;
            }
            """, failingMethod: "Model.F").Diagnostic,
        "'Model.Spun' returns a Vector3",
        "have the method return a double[] of the components");

    // Read by its name as Vector3.Lerp, a user's Lerp got Lerp's derivative (gb.X 0.5 where it is 0).
    [Fact]
    public void AUserMethodNamedLikeANumericsMemberIsNotTakenForIt() => AssertSays(
        AssertDiagnostic("DIFF006", """
            using System.Numerics;
            public static partial class Model
            {
                static Vector3 Lerp(Vector3 a, Vector3 b, float t) => a * t;

                [Differentiate]
                public static float F(Vector3 a, Vector3 b, float t) => [|Lerp(a, b, t)|].X;
            }
            """).Diagnostic,
        "'Model.Lerp' returns a Vector3");

    // q1 / q2 is q1·q2⁻¹; it was divided component by component.
    [Fact]
    public void TheQuotientOfTwoQuaternionsIsRefused() => AssertSays(
        AssertDiagnostic("DIFF006", """
            using System.Numerics;
            public static partial class Model
            {
                [Differentiate]
                public static float F(Quaternion a, Quaternion b) => ([|a / b|]).W;
            }
            """).Diagnostic,
        "the operator '/' on Quaternion is not supported");

    // It gave zeros, value and derivatives, without a word.
    [Fact]
    public void AVector2RotatedByAQuaternionIsRefused() => AssertSays(
        AssertDiagnostic("DIFF006", """
            using System.Numerics;
            public static partial class Model
            {
                [Differentiate]
                public static float F(Vector2 a, Quaternion q) => [|Vector2.Transform(a, q)|].X;
            }
            """).Diagnostic,
        "Vector2.Transform of a Vector2 by a Quaternion is not supported yet",
        "Vector3.Transform(new Vector3(v.X, v.Y, 0f), q)");

    // Two errors: "only casts between double, float and int" and "values of type 'object'" for the Clone.
    [Fact]
    public void ACloneOfAnArrayAsksForACopyLoopOnce() => AssertSays(
        AssertDiagnostic("DIFF006", """
            public static partial class Model
            {
                [Differentiate]
                public static double F(double[] x)
                {
                    var y = [|(double[])x.Clone()|];
                    return y[0] * x[0];
                }
            }
            """).Diagnostic,
        "arrays cannot be cloned",
        "copy it into a new array with a loop");

    // A tuple swap was "only locals, parameters and elements of local arrays can be assigned", of two parameters.
    [Fact]
    public void ATupleAssignmentAsksForOneStatementPerElement() => AssertSays(
        AssertDiagnostic("DIFF005", """
            public static partial class Model
            {
                [Differentiate]
                public static double F(double a, double b)
                {
                    [|(a, b)|] = (b, a + b);
                    return a * b;
                }
            }
            """).Diagnostic,
        "tuple deconstruction is not supported",
        "double t = a; a = b; b = t + b;");

    // DIFF014 listed double, double[] and double[,] only, for a float[] and a Vector3[] parameter.
    [Fact]
    public void NoDifferentiableParameterNamesEverySupportedTypeAndTheArraysThatAreNot() => AssertSays(
        AssertDiagnostic("DIFF014", """
            public static partial class Model
            {
                [Differentiate]
                public static double [|F|](float[] x, System.Numerics.Vector3[] v) => 1.0;
            }
            """).Diagnostic,
        "float, or a System.Numerics Vector2",
        "arrays of float or of vectors are not supported");

    // A prefix operator without a rule was refused as "assignments and ++/-- inside an expression".
    [Fact]
    public void BitwiseComplementNamesItsOperator() => AssertSays(
        AssertDiagnostic("DIFF006", """
            public static partial class Model
            {
                [Differentiate]
                public static double F(double x, int k) => x * [|~k|];
            }
            """).Diagnostic,
        "the operator '~' is not supported");

    // One error, at the declaration: each use of the long counter (i < n, x[i], i++) was reported again.
    [Fact]
    public void LocalOfAnUnsupportedTypeIsReportedOnce() => AssertDiagnostic("DIFF005", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double[] x)
            {
                double s = 0;
                for (long [|i = 0|]; i < x.Length; i++) s += x[i];
                return s;
            }
        }
        """);

    // One error, at the '!': w!.Length also reported "only array lengths … can be read", which is what it reads.
    [Fact]
    public void NullForgivingOperatorOnALength() => AssertDiagnostic("DIFF006", """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double[]? w, double b)
            {
                double s = b;
                for (int i = 0; i < [|w!|].Length; i++) s += b * i;
                return s;
            }
        }
        """);

    // An extension method called on a value was "an instance method"; called as a static method, it is differentiated.
    [Fact]
    public void ExtensionMethodCalledOnAValueNamesTheStaticCall()
    {
        var (diagnostic, run) = AssertDiagnostic("DIFF007", """
            public static partial class Ext
            {
                public static double Sq(this double x) => x * x;
            }

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => [|x.Sq()|];

                [Differentiate]
                public static double G(double x) => Ext.Sq(x) * x;
            }
            """, failingMethod: "F");
        AssertSays(diagnostic, "call it as the static method Ext.Sq(…)");
        Assert.True(run.HasSection("Model.G"));
    }

    // [Differentiate] where no companion can go was ignored without a word.
    [Theory]
    [InlineData("public static double F(double x)\n{\n    [Differentiate] static double [|G|](double y) => y * y;\n    return x * x;\n}")]
    [InlineData("public static System.Func<double, double> H = [Differentiate] [|(double x)|] => x * x;")]
    [InlineData("public double V;\n[Differentiate] public static Model operator [|+|](Model a, Model b) => new Model { V = a.V + b.V };")]
    [InlineData("public double V;\n[Differentiate] public static explicit operator [|double|](Model a) => a.V;")]
    [InlineData("public static double P { [Differentiate] [|get|] => 1.0; }")]
    public void AttributeWhereNoCompanionCanGo(string member) => AssertDiagnostic("DIFF015", "public partial class Model\n{\n" + member + "\n}\n");

    // The companions declare #nullable: below C# 8 they did not compile (CS8370 in the generated file).
    [Fact]
    public void LanguageVersionBelowEight()
    {
        var (source, span) = Markup.Parse("using Differentiable;\npublic static partial class Model\n{\n    [Differentiate]\n    public static double [|F|](double x) { return x * x; }\n}\n");
        var options = GeneratorHarness.ParseOptions.WithLanguageVersion(Microsoft.CodeAnalysis.CSharp.LanguageVersion.CSharp7_3);
        var compilation = GeneratorHarness.Compile(source);
        compilation = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(), Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(source, options, "File0.cs"))
            .WithOptions(compilation.Options.WithNullableContextOptions(NullableContextOptions.Disable));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("DIFF015", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Contains("need C# 8 or later", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
        Assert.DoesNotContain(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error && d.Id != "DIFF015");
    }

    // CS0102 or CS0542 in the generated file before: the clash check read only methods.
    [Theory]
    [InlineData("public static int GJvp;")]
    [InlineData("public static int GGradient => 1;")]
    [InlineData("public event System.Action? GGradient;")]
    [InlineData("public class GJvp { }")]
    public void CompanionNameTakenByAMemberThatIsNotAMethod(string member) => AssertDiagnostic("DIFF015", $$"""
        public partial class Model
        {
            {{member}}

            [Differentiate]
            public static double [|G|](double x) => x * x;
        }
        """, failingMethod: "G");

    [Fact]
    public void CompanionNameTakenByATypeParameter() => AssertDiagnostic("DIFF015", """
        public partial class Model<GGradient>
        {
            [Differentiate]
            public static double [|G|](double x) => x * x;
        }
        """);

    [Fact]
    public void CompanionNameTakenByTheContainingType() => AssertDiagnostic("DIFF015", """
        public partial class GGradient
        {
            [Differentiate]
            public static double [|G|](double x) => x * x;
        }
        """);

    // The companions went into another type of the same name: a file-local type cannot be reopened from another file.
    [Fact]
    public void FileLocalType() => AssertDiagnostic("DIFF015", """
        [|file|] static partial class Model
        {
            [Differentiate]
            public static double F(double x) => x * x * x;
        }
        """);

    // Before, the attribute on the definition part said "no body"; on the implementing part it was dropped silently.
    [Fact]
    public void AttributeOnThePartialMethodsDefinitionAsksForTheImplementingDeclaration() => AssertSays(
        AssertDiagnostic("DIFF015", """
            public static partial class Model
            {
                [Differentiate]
                public static partial double [|Q|](double x);
            }

            public static partial class Model
            {
                public static partial double Q(double x) => x * x * x;
            }
            """).Diagnostic,
        "put [Differentiate] there");

    // Before: the constructed method's parameters were not the names the body binds to ("'x' cannot be differentiated").
    [Fact]
    public void HelperInAGenericTypeAsksForTheAttribute() => AssertSays(
        AssertDiagnostic("DIFF007", """
            public partial class Cache<T>
            {
                public static double Square(double x) => 2 * x * x;
            }

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => [|Cache<int>.Square(x)|];
            }
            """, failingMethod: "F").Diagnostic,
        "generic type Cache<T>",
        "mark 'Square' [Differentiate]");
}
