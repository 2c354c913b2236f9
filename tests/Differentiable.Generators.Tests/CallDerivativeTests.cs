using System;
using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Calls differentiated through a helper's body that itself calls something only a [DerivativeOf] rule can
/// differentiate, and DIFF007's message: why the call has no derivative, and the fix that applies.
/// </summary>
public sealed class CallDerivativeTests
{
    private const string Opaque = """
        using System;
        using Differentiable;

        // Not partial, and its body opaque to the generator: only a rule gives its derivative.
        public static class Opaque
        {
            public static double Square(double v) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(v * v));
        }

        """;

    private const string Rule = """

        public static class Rules
        {
            [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
            public static double SquareGradient(double v, out double dv)
            {
                dv = 2.0 * v;
                return v * v;
            }
        }
        """;

    private const string Callers = """
        public static partial class Model
        {
            static double Inner(double x) => 3.0 * Opaque.Square(x);

            static double Outer(double x) => Inner(x) + x;

            [Differentiate]
            public static double F(double x) => [|Outer(x)|] * x;
        }
        """;

    // A helper in a referenced project (a CompilationReference, as an IDE and tests hand the generator) was DIFF009:
    // "SyntaxTree is not part of the compilation", from a semantic model asked of the other compilation's tree.
    [Fact]
    public void AHelperInAReferencedProjectIsRefusedWithAReason()
    {
        var library = GeneratorHarness.Compile("public static class Library { public static double Square(double v) => v * v; }")
            .WithAssemblyName("Library");
        var (source, span) = Markup.Parse("""
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => [|Library.Square(x)|] * x;
            }
            """);
        var compilation = GeneratorHarness.Compile(source).AddReferences(library.ToMetadataReference());
        var run = GeneratorHarness.Run(compilation);
        Assert.Null(run.Result.Results.Single().Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF007", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Contains("in a referenced project", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void HelpersCallingARuledMethodUseTheRule()
    {
        var (source, _) = Markup.Parse(Opaque + Callers + Rule);
        var run = GeneratorHarness.Run(source);
        run.AssertClean();
        var model = run.Load().GetType("Model")!;
        foreach (var x in new[] { -1.5, 0.25, 2.0 })
        {
            // F = (3x² + x)·x: F' = 9x² + 2x.
            var arguments = new object?[] { x, null };
            var value = (double)model.GetMethod("FGradient", new[] { typeof(double), typeof(double).MakeByRefType() })!.Invoke(null, arguments)!;
            Assert.Equal(((3.0 * x * x) + x) * x, value, 12);
            Assert.Equal((9.0 * x * x) + (2.0 * x), (double)arguments[1]!, 12);
        }
    }

    // A private rule in another type was taken, and the companion's call to it failed to compile (CS0122): the rule is
    // refused at the call, where the companion would have been written.
    [Theory]
    [InlineData("private", "", "Rules.Nested")]
    [InlineData("protected", "", "Rules.Nested")]
    [InlineData("public", "private ", "Rules")]
    public void ARuleTheCallerCannotSeeIsRefusedAtTheCall(string ruleAccess, string nestedAccess, string within)
    {
        var (source, span) = Markup.Parse(Opaque + $$"""
            public partial class Rules
            {
                {{nestedAccess}}class Nested
                {
                    [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
                    {{ruleAccess}} static double SquareGradient(double v, out double dv)
                    {
                        dv = 2.0 * v;
                        return v * v;
                    }
                }
            }

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => [|Opaque.Square(x)|] * x;
            }
            """);
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Empty(run.CompilationErrors);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF016", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"only code inside '{within}' may call it", message, StringComparison.Ordinal);
        Assert.Contains("generated into 'Model'; make the rule internal or public", message, StringComparison.Ordinal);
        Assert.False(run.HasSection("Model.F"));
    }

    // A helper in another type calls the target of a private rule: the helper's companion, in the helper's type, cannot
    // call the rule, and the caller went on to call that companion (CS0117 in the generated code, no diagnostic).
    [Fact]
    public void AHelperThatCannotSeeAPrivateRuleIsRefusedAtTheCallToIt()
    {
        var (source, span) = Markup.Parse(Opaque + """
            public static partial class Model
            {
                [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
                private static double SquareGradient(double v, out double dv)
                {
                    dv = 2.0 * v;
                    return v * v;
                }

                [Differentiate]
                public static double F(double x) => [|Helpers.G(x)|] * x;
            }

            public static partial class Helpers
            {
                public static double G(double x) => Opaque.Square(x) + x;
            }
            """);
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Result.Results.Single().Exception);
        Assert.Empty(run.CompilationErrors);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF016", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("'Helpers.G' calls 'Opaque.Square", message, StringComparison.Ordinal);
        Assert.Contains("generated into 'Helpers', but only code inside 'Model' may call the rule", message, StringComparison.Ordinal);
    }

    // Inside the type that may see it, a private rule is used as any other: by the type's own methods, by methods of
    // types nested in it, and from a private nested type of the caller's own type.
    [Theory]
    [InlineData("Model", "")]
    [InlineData("Model.Inner", "")]
    [InlineData("Model", "private static class Hidden { [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))] internal static double SquareGradient(double v, out double dv) { dv = 2.0 * v; return v * v; } }")]
    public void APrivateRuleIsUsedWhereItIsVisible(string caller, string hidden)
    {
        var rule = hidden.Length > 0 ? hidden : """
            [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))]
            private static double SquareGradient(double v, out double dv)
            {
                dv = 2.0 * v;
                return v * v;
            }
            """;
        var method = """
            [Differentiate]
            public static double F(double x) => Opaque.Square(x) * x;
            """;
        var source = Opaque + $$"""
            public static partial class Model
            {
                {{rule}}

                {{(caller == "Model" ? method : string.Empty)}}

                public static partial class Inner
                {
                    {{(caller == "Model.Inner" ? method : string.Empty)}}
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertClean();
        var type = run.Load().GetType(caller.Replace('.', '+'))!;
        foreach (var x in new[] { -1.5, 0.25, 2.0 })
        {
            // F = x³ through the rule: F' = 3x².
            var arguments = new object?[] { x, null };
            var value = (double)type.GetMethod("FGradient", new[] { typeof(double), typeof(double).MakeByRefType() })!.Invoke(null, arguments)!;
            Assert.Equal(x * x * x, value, 12);
            Assert.Equal(3.0 * x * x, (double)arguments[1]!, 12);
        }
    }

    [Fact]
    public void WithoutTheRuleTheCallToTheHelperSaysWhichCallInItsBodyNeedsOne()
    {
        var (source, span) = Markup.Parse(Opaque + Callers);
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF007", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("The call to 'Model.Outer' has no known derivative: its body calls 'Opaque.Square' (in 'Model.Inner')", message, StringComparison.Ordinal);
        Assert.Contains("declare a [DerivativeOf(typeof(Opaque), nameof(Opaque.Square))] rule for it", message, StringComparison.Ordinal);
        Assert.Contains("'Opaque' is not partial, so the companion of its body cannot be added to it", message, StringComparison.Ordinal);
        Assert.DoesNotContain("[Differentiate] method", message, StringComparison.Ordinal);
        // Neither F's companions nor the helpers' (which would call the missing rule) are written: nothing fails to compile.
        Assert.False(run.HasSection("F"));
        Assert.Empty(run.CompilationErrors);
    }

    /// <summary>
    /// A chain of eight helpers reached from a valid method, and from one more helper by a method past the depth limit
    /// (DIFF007). The helpers parsed from the deeper caller leave their last call unresolved; when that caller's file
    /// came first, those models were the ones kept, their companions were not written, and the valid method's companions
    /// called companions that did not exist (CS0117). Both file orders now give the DIFF007 alone.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AHelperChainPastTheDepthLimitLeavesAValidCallerOfTheSameChainAlone(bool deepCallerFirst)
    {
        var chain = string.Concat(Enumerable.Range(1, 7).Select(k => $"    public static double N{k}(double t) => N{k + 1}(t) * 1.1;\n"));
        var valid = $$"""
            using System;
            using Differentiable;

            public static partial class Programs
            {
            {{chain}}    public static double N8(double t) => Math.Sin(t) * t;

                [Differentiate]
                public static double S8(double t) => N1(t);
            }
            """;
        var (deep, span) = Markup.Parse("""
            using Differentiable;

            public static partial class Programs
            {
                public static double N0(double t) => N1(t) * 1.1;

                [Differentiate]
                public static double E2(double t) => t * [|N0(2.0 * t)|];
            }
            """);
        var run = deepCallerFirst ? GeneratorHarness.Run(deep, valid) : GeneratorHarness.Run(valid, deep);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("DIFF007", diagnostic.Id);
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        Assert.Empty(run.CompilationErrors);
        Assert.True(run.HasSection("S8"));
    }

    [Theory]
    [InlineData(
        "static double Helper(double x) => new Func<double, double>(Math.Sin)(x);",
        "[|Helper(x)|]",
        "its body cannot be differentiated (The expression",
        "declare a [DerivativeOf(nameof(Helper))] rule for it")]
    [InlineData(
        "",
        "[|Math.ScaleB(x, 2)|]",
        "it is in a referenced assembly, so its body cannot be read",
        "declare a [DerivativeOf(typeof(Math), nameof(Math.ScaleB))] rule for it")]
    [InlineData(
        "[Differentiate] public static double G(float a, double b) => a * b;",
        "[|G(1.5f, x)|]",
        "its parameter 'a' is float, and calls, even to a [Differentiate] method, pass derivatives through double, double[] and double[,] parameters only",
        "give it double parameters")]
    [InlineData(
        "static double[] Twice(double x) { var y = new double[1]; y[0] = 2.0 * x; return y; }",
        "[|Twice(x)|][0]",
        "it returns double[], and only calls returning double pass derivatives",
        "compute the value outside the differentiated method and pass it in as a parameter")]
    [InlineData(
        "static double Scaled(double x, double s = 2.0) => s * x;",
        "[|Scaled(x)|]",
        "an argument is named, passed by ref, or left to its default",
        "compute the value outside")]
    public void TheMessageSaysWhyAndHowToFixIt(string member, string call, string why, string fix)
    {
        var (source, span) = Markup.Parse($$"""
            using System;
            using Differentiable;

            public static partial class Model
            {
                {{member}}

                [Differentiate]
                public static double F(double x) => 2.0 * {{call}};
            }
            """);
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "DIFF007");
        Assert.Equal(span, diagnostic.Location.SourceSpan);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(why, message, StringComparison.Ordinal);
        Assert.Contains(fix, message, StringComparison.Ordinal);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Id != "DIFF007" && d.Location.SourceSpan.Start > span.Start);
    }
}
