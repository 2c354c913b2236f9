using System;
using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Edit sequences after which a parse cache could answer from a stale entry (each of the first five did, before its
/// fix). After every step the warm driver must produce exactly what a fresh driver produces on the same compilation.
/// </summary>
public sealed class ParseCacheEdgeCaseTests
{
    /// <summary>
    /// Entries are found by span: a body edit above two identical methods in different namespaces moves the first one
    /// onto the span (same text, same line and column) where the second one was, and it gets the second one's model.
    /// </summary>
    [Fact]
    public void AnIdenticalMethodMovedOntoAnotherOnesSpanIsNotTakenForIt()
    {
        const string source = """
            using Differentiable;

            public static class Pad
            {
                public static int Count(int k)
                {
                    return k;
                }
            }

            namespace First
            {
                public static partial class Model
                {
                    [Differentiate]
                    public static double F(double x) => x * x;
                }
            }

            namespace Second
            {
                public static partial class Model
                {
                    [Differentiate]
                    public static double F(double x) => x * x;
                }
            }
            """;

        var first = source.IndexOf("[Differentiate]", StringComparison.Ordinal);
        var second = source.IndexOf("[Differentiate]", first + 1, StringComparison.Ordinal);
        var distance = second - first;
        var lines = source.Substring(first, distance).Count(c => c == '\n');
        var padding = "//" + new string('x', distance - lines - 2) + new string('\n', lines);
        Assert.Equal(distance, padding.Length);

        AssertWarmMatchesFresh(
            new[] { source },
            new[] { (0, "        return k;", padding + "        return k;") });
    }

    /// <summary>
    /// A body can change declarations: a struct's primary constructor parameter captured by a member body becomes a
    /// field, so the struct is no longer unmanaged and a constraint in the [Differentiate] method now fails to bind.
    /// </summary>
    [Fact]
    public void ABodyThatCapturesAPrimaryConstructorParameterChangesTheStruct()
    {
        const string declarations = """
            public struct Holder(object o)
            {
                public object Get() => null!;
            }

            public static class Unmanaged<T> where T : unmanaged
            {
                public const double Zero = 0.0;
            }
            """;

        const string methods = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => x * x + Unmanaged<Holder>.Zero;
            }
            """;

        AssertWarmMatchesFresh(
            new[] { methods, declarations },
            new[] { (1, "=> null!;", "=> o;   ") },
            new[] { (1, "=> o;   ", "=> null!;") });
    }

    /// <summary>
    /// The containing type's name is taken as the text of its type parameter list, trivia included; whitespace there
    /// is not a declaration change, and a compensating edit keeps the method at the same place.
    /// </summary>
    [Fact]
    public void WhitespaceInsideTheContainingTypesTypeParametersIsNotCopiedFromTheCache()
    {
        const string source = """
            using Differentiable;

            public static partial class Outer<T>  
            {
                [Differentiate]
                public static double F(double x) => x * x;
            }
            """;

        AssertWarmMatchesFresh(
            new[] { source },
            new[] { (0, "Outer<T>  ", "Outer< T> ") });
    }

    /// <summary>
    /// TypeNotPartial is reported at the containing type's identifier, outside the method: two body edits that cancel
    /// out keep the method in place but move the identifier.
    /// </summary>
    [Fact]
    public void ADiagnosticAtTheContainingTypeFollowsItWhenItMoves()
    {
        const string source = """
            using Differentiable;

            public static class Pad
            {
                public static int Count(int k)
                {
                    return k;
                }
            }

            public static class Model
            {
                public static int Other(int k)
                {
                    return k + 1;
                }

                [Differentiate]
                public static double F(double x) => x * x;
            }
            """;

        AssertWarmMatchesFresh(
            new[] { source },
            new[] { (0, "return k;", "return k+0;"), (0, "return k + 1;", "return k+1;") });
    }

    /// <summary>
    /// A helper is found by span too: a helper edited and moved away, with an identical helper of another class moved
    /// onto its old span (same text, same line and column), must not let the caller keep the old helper body.
    /// </summary>
    [Fact]
    public void AnIdenticalHelperMovedOntoAnotherOnesSpanIsNotTakenForIt()
    {
        const string methods = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => A.H(x);
            }
            """;

        var oldComment = "/*" + new string('.', 300) + new string('\n', 10) + "*/";
        var helpers = """
            public static class Pad
            {
                public static int Count(int k)
                {
                    COMMENT
                    return k;
                }
            }

            public static partial class A
            {
                public static double H(double x) => x * x;
            }

            public static partial class B
            {
                public static double H(double x) => x * x;
            }
            """.Replace("COMMENT", oldComment);

        // Shorten the comment in Pad's body by the distance from A.H to B.H, in characters and in lines: B.H then
        // starts where A.H started. A.H's body changes too (same length).
        var a = helpers.IndexOf("public static double H", StringComparison.Ordinal);
        var b = helpers.IndexOf("public static double H", a + 1, StringComparison.Ordinal);
        var removed = b - a;
        var lines = helpers.Substring(a, removed).Count(c => c == '\n');
        var newComment = "/*" + new string('.', 300 - removed + lines) + new string('\n', 10 - lines) + "*/";
        Assert.Equal(oldComment.Length - removed, newComment.Length);
        var edited = helpers.Replace(oldComment, newComment);
        Assert.Equal(a, edited.IndexOf("public static double H", a - removed + 1, StringComparison.Ordinal));
        Assert.Equal(helpers.Substring(0, a).Count(c => c == '\n'), edited.Substring(0, a).Count(c => c == '\n'));

        AssertWarmMatchesFresh(
            new[] { methods, helpers },
            new[] { (1, oldComment, newComment), (1, "class A\n{\n    public static double H(double x) => x * x;", "class A\n{\n    public static double H(double x) => x + x;") });
    }

    /// <summary>
    /// DIFF007 points at the call and, as its additional location, at the callee's declaration. An edit between them
    /// moves the call but not the declaration: the method must not keep the declaration's old place relative to itself.
    /// Then an edit above both moves both, which it may keep.
    /// </summary>
    [Fact]
    public void ACalleeDeclaredAboveTheEditStaysWhileTheCallMoves()
    {
        const string source = """
            using Differentiable;

            public static partial class Model
            {
                public static double Opaque(double x) { var a = new object(); return x * a.GetHashCode(); }

                public static int Count(int k)
                {
                    return k;
                }

                [Differentiate]
                public static double F(double x) => Opaque(x) * x;
            }
            """;

        AssertWarmMatchesFresh(
            new[] { source },
            new[] { (0, "return k;", "return k + 100;") },
            new[] { (0, "using Differentiable;", "using Differentiable;\n\n// moved") },
            new[] { (0, "return k + 100;", "return k;") });
    }

    /// <summary>[Differentiate] on the implementation of a partial method declared in another file.</summary>
    [Fact]
    public void APartialMethodsDefinitionInAnotherFileMoves()
    {
        const string implementation = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static partial double F(ref double x) { return x * x; }
            }
            """;

        const string definition = """
            public static class Pad
            {
                public static int Count(int k)
                {
                    return k;
                }
            }

            public static partial class Model
            {
                public static partial double F(ref double x);
            }
            """;

        AssertWarmMatchesFresh(
            new[] { implementation, definition },
            new[] { (1, "return k;", "return k + 100;") },
            new[] { (1, "return k + 100;", "\n\n    return k;") });
    }

    /// <summary>Global usings and aliases in another file are declarations: changing one reparses.</summary>
    [Fact]
    public void AGlobalAliasInAnotherFileChanges()
    {
        const string methods = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => x * K.Value;
            }
            """;

        const string usings = """
            global using K = Values.Two;
            global using static System.Math;

            namespace Values
            {
                public static class Two { public const double Value = 2.0; }
                public static class Three { public const double Value = 3.0; }
            }
            """;

        AssertWarmMatchesFresh(
            new[] { methods, usings },
            new[] { (1, "global using K = Values.Two;", "global using K = Values.Three;") },
            new[] { (1, "global using K = Values.Three;", "global using K = Values.Two;") });
    }

    /// <summary>
    /// A helper in another file gains a compile error and loses it: its caller's companions go and come back (the caller
    /// waits while the helper does not compile, and its parse must be redone once it does).
    /// </summary>
    [Fact]
    public void AHelperInAnotherFileBreaksAndIsMended()
    {
        const string caller = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => Helpers.Square(x) * x;
            }
            """;
        const string helpers = """
            public static partial class Helpers
            {
                public static double Square(double v) { return v * v; }
            }
            """;

        AssertWarmMatchesFresh(
            new[] { caller, helpers },
            new[] { (1, "{ return v * v; }", "{ int k = v; return k * v; }") },
            new[] { (1, "{ int k = v; return k * v; }", "{ return v * v; }") },
            new[] { (1, "{ return v * v; }", "{ return v * Undefined; }") },
            new[] { (1, "{ return v * Undefined; }", "{ return v * v * v; }") });
    }

    /// <summary>
    /// A stray token glued to a method's or a helper's last character, then deleted. The compiler reports it where the
    /// method ends, which the compiler-error screen counts; the cache compared only the method's own text, so a warm
    /// driver kept the companions while the token was there and, worse, stayed without them once it was deleted (found
    /// by a helper's fuzz of edits).
    /// </summary>
    [Fact]
    public void AStrayTokenGluedToAMethodsEndIsTypedAndDeleted()
    {
        const string caller = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double P(double a) => Helpers.Cube(a) * a;

                [Differentiate]
                public static double Q(double a) => a * a;
            }
            """;
        const string helpers = """
            public static partial class Helpers
            {
                public static double Cube(double y) => y * y * y;
            }
            """;

        AssertWarmMatchesFresh(
            new[] { caller, helpers },
            new[] { (0, "Cube(a) * a;", "Cube(a) * a;$") },
            new[] { (0, "Cube(a) * a;$", "Cube(a) * a;") },
            new[] { (0, "[Differentiate]\n    public static double Q", "$[Differentiate]\n    public static double Q") },
            new[] { (0, "$[Differentiate]\n    public static double Q", "[Differentiate]\n    public static double Q") },
            new[] { (1, "y * y * y;", "y * y * y;$") },
            new[] { (1, "y * y * y;$", "y * y * y;") },
            new[] { (1, "y * y * y;", "y * y * y;#if FOO") },
            new[] { (1, "y * y * y;#if FOO", "y * y * y;") });
    }

    /// <summary>
    /// Edits outside a method and the characters beside it that move a syntax error onto it or off it: a class whose
    /// closing brace is missing at the end of the file (the error sits at the end of its last method when a newline
    /// follows that method, else at the end of the file or past a token typed there), and a missing ';' before a method
    /// (on the method's '[' when no newline ends the line before). Found by a helper's fuzz of edits, after the check of
    /// the characters beside a region; the method's own text never changes.
    /// </summary>
    [Fact]
    public void ASyntaxErrorMovedOntoAMethodOrOffItFromAfar()
    {
        const string unclosed = "using Differentiable;\n\npublic static partial class T\n{\n    [Differentiate]\n    public static double K(double x) => x * x * x; /*c*/\n";
        const string helperUnclosed = "public static partial class H\n{\n    public static double Cube(double y) => y * y * y; /*h*/\n";
        const string caller = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double P(double a) => H.Cube(a) * a;
            }
            """;
        const string delegateBefore = "using Differentiable;\n\npublic static partial class D\n{\n    public delegate void Callback() /*c*/\n    [Differentiate]\n    public static double F(double x) => x * x;\n}\n";

        AssertWarmMatchesFresh(
            new[] { unclosed, helperUnclosed, caller, delegateBefore },
            new[] { (0, "/*c*/\n", "/*c*/") },
            new[] { (0, "/*c*/", "/*c*/\n") },
            new[] { (0, "/*c*/\n", "/*c*/\n$") },
            new[] { (0, "/*c*/\n$", "/*c*/\n") },
            new[] { (1, "/*h*/\n", "/*h*/") },
            new[] { (1, "/*h*/", "/*h*/\n") },
            new[] { (3, "() /*c*/\n    [", "() /*\n     */ [") },
            new[] { (3, "() /*\n     */ [", "() /*c*/\n    [") });
    }

    /// <summary>
    /// A doc comment's parameter name changed above a method the screen cannot vouch for (a switch expression), in a
    /// project that treats warnings as errors: the compiler's CS1573 lands inside the method, from trivia no cached
    /// region holds. The screen counted it, so warm and fresh drivers disagreed (a helper's fuzz of edits); warnings
    /// raised to errors no longer count, as the screen's own verdict never counted them.
    /// </summary>
    [Fact]
    public void AWarningRaisedToAnErrorByTriviaOutsideTheMethod()
    {
        const string source = """
            using Differentiable;

            /// <summary>Methods.</summary>
            public static partial class M
            {
                /// <summary>f</summary>
                /// <param name="x">a</param>
                /// <param name="y">b</param>
                /// <returns>r</returns>
                [Differentiate]
                public static double F(double x, double y) { return x switch { _ => x * y }; }

                /// <summary>g</summary>
                /// <param name="x">a</param>
                /// <returns>r</returns>
                [Differentiate]
                public static double G(double x) => H(x) * x;

                private static double H(double v) { return v switch { _ => v * v }; }
            }
            """;

        AssertWarmMatchesFresh(
            c => c.WithOptions(c.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error)),
            new[] { source },
            new[] { (0, "<param name=\"y\">", "<param name=\"z\">") },
            new[] { (0, "<param name=\"z\">", "<param name=\"y\">") },
            new[] { (0, "    private static double H", "    /// <summary>h</summary>\n    private static double H") },
            new[] { (0, "    /// <summary>h</summary>\n    private static double H", "    private static double H") });
    }

    /// <summary>
    /// Edits outside bodies that the declarations' tokens do not show: a stray token the parser skips in a constant's
    /// declaration (N = 3); has no constant value, so the loop it bounds is not unrolled; a name given to
    /// [Differentiate] through a constant loses its value the same way), and an auto-generated header, which turns the
    /// file's nullable annotations off (an oblivious int[] is int[]? in the companions). Found by a helper's fuzz of edits.
    /// </summary>
    [Fact]
    public void SkippedTokensAndAnAutoGeneratedHeaderChangeWhatAFileDeclares()
    {
        const string sizes = """
            public static class Sizes
            {
                public const int N = 3;
                public const string X = "x";
            }
            """;
        const string methods = """
            using Differentiable;

            public static partial class M
            {
                [Differentiate]
                public static double F(double x)
                {
                    double s = 0.0;
                    for (int i = 0; i < Sizes.N; i++)
                    {
                        s += x * i;
                    }

                    return s;
                }

                [Differentiate(Sizes.X)]
                public static double G(double x, int[] index) => x * index[0];
            }
            """;

        AssertWarmMatchesFresh(
            new[] { sizes, methods },
            new[] { (0, "N = 3;", "N = 3);") },
            new[] { (0, "N = 3);", "N = 3;") },
            new[] { (0, "X = \"x\";", "X = \"x\");") },
            new[] { (0, "X = \"x\");", "X = \"x\";") },
            new[] { (1, "using Differentiable;", "// <auto-generated/>\nusing Differentiable;") },
            new[] { (1, "// <auto-generated/>", "// <Auto-Generated/>") },
            new[] { (1, "// <Auto-Generated/>", "// <auto-generated/>") },
            new[] { (1, "// <auto-generated/>\nusing Differentiable;", "using Differentiable;") });
    }

    /// <summary>Two methods swap bodies (declarations unchanged), then everything is undone.</summary>
    [Fact]
    public void TwoMethodsSwapBodiesAndBack()
    {
        const string source = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) { return x * x; }

                [Differentiate]
                public static double G(double x) { return x + x; }
            }
            """;

        AssertWarmMatchesFresh(
            new[] { source },
            new[] { (0, "{ return x * x; }", "{ return X + X; }"), (0, "{ return x + x; }", "{ return x * x; }") },
            new[] { (0, "{ return X + X; }", "{ return x + x; }") },
            new[] { (0, "F(double x) { return x + x; }", "F(double x) { return Y + Y; }"), (0, "G(double x) { return x * x; }", "G(double x) { return x + x; }"), (0, "{ return Y + Y; }", "{ return x * x; }") });
    }

    /// <summary>A #define and #if in another file decide which declaration exists; text inside a disabled region of a body changes.</summary>
    [Fact]
    public void ConditionalCompilationAndDisabledTextInBodies()
    {
        const string methods = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x)
                {
            #if NEVER
                    return x;
            #endif
                    return x * Consts.K;
                }
            }
            """;

        const string consts = """
            public static class Consts
            {
            #if BIG
                public const double K = 10.0;
            #else
                public const double K = 1.0;
            #endif
            }
            """;

        AssertWarmMatchesFresh(
            new[] { methods, consts },
            new[] { (0, "        return x;\n#endif", "        return X;\n#endif") },
            new[] { (1, "public static class Consts", "#define BIG\npublic static class Consts") },
            new[] { (0, "#if NEVER", "#if !NEVER") });
    }

    /// <summary>Files added, removed and reordered: a callee's declaration moves between files.</summary>
    [Fact]
    public void FilesAddedRemovedAndReordered()
    {
        const string methods = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => Lib.H(x) + Lib.G(x);
            }
            """;

        const string lib = """
            public static partial class Lib
            {
                public static double H(double x) => x * x;
            }
            """;

        const string more = """
            public static partial class Lib
            {
                public static double G(double x) => System.Math.Sin(x);
            }
            """;

        var compilation = (Compilation)GeneratorHarness.Compile(methods, lib, more);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        AssertSame(driver, compilation, "start");

        var trees = compilation.SyntaxTrees.ToArray();
        var reordered = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(trees[0], trees[2], trees[1]);
        driver = driver.RunGenerators(reordered);
        AssertSame(driver, reordered, "reordered");

        var removed = reordered.RemoveSyntaxTrees(trees[2]);
        driver = driver.RunGenerators(removed);
        AssertSame(driver, removed, "G's file removed");

        var added = removed.AddSyntaxTrees(CSharpSyntaxTree.ParseText(more.Replace("Sin", "Cos"), GeneratorHarness.ParseOptions, "File9.cs"));
        driver = driver.RunGenerators(added);
        AssertSame(driver, added, "G's file back, edited");
    }

    /// <summary>The same compilation run again after others (an undo, or forks of one driver) answers for itself.</summary>
    [Fact]
    public void ACompilationSeenBeforeIsRunAgainAfterADeclarationChange()
    {
        const string methods = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double F(double x) => x * Consts.K;
            }
            """;

        const string consts = """
            public static class Consts { public const double K = 2.0; }
            public static class Pad { public static int Count(int k) { return k; } }
            """;

        var a = (Compilation)GeneratorHarness.Compile(methods, consts);
        var b = Edit(a, 1, "K = 2.0", "K = 3.0");
        var c = Edit(b, 1, "return k;", "return k + 1;");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(a);
        foreach (var (compilation, name) in new[] { (b, "b"), (a, "a again"), (c, "c"), (a, "a once more"), (b, "b again") })
        {
            driver = driver.RunGenerators(compilation);
            AssertSame(driver, compilation, name);
        }
    }

    private static void AssertWarmMatchesFresh(string[] sources, params (int File, string Old, string New)[][] steps) =>
        AssertWarmMatchesFresh(c => c, sources, steps);

    private static void AssertWarmMatchesFresh(Func<CSharpCompilation, CSharpCompilation> configure, string[] sources, params (int File, string Old, string New)[][] steps)
    {
        Compilation compilation = configure(GeneratorHarness.Compile(sources));
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        AssertSame(driver, compilation, "the start");
        for (var i = 0; i < steps.Length; i++)
        {
            foreach (var (file, oldText, newText) in steps[i])
            {
                compilation = Edit(compilation, file, oldText, newText);
            }

            driver = driver.RunGenerators(compilation);
            AssertSame(driver, compilation, $"step {i + 1}");
        }
    }

    private static void AssertSame(GeneratorDriver warm, Compilation compilation, string when)
    {
        var fresh = Output(GeneratorHarness.CreateDriver().RunGenerators(compilation));
        var actual = Output(warm);
        Assert.True(fresh == actual, $"after {when} the warm driver's output differs from a fresh driver's.\n--- fresh:\n{fresh}\n--- warm:\n{actual}");
    }

    private static Compilation Edit(Compilation compilation, int file, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.ElementAt(file);
        var text = tree.ToString();
        var at = text.IndexOf(oldText, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{oldText}' not found in file {file}");
        var edited = text.Substring(0, at) + newText + text.Substring(at + oldText.Length);
        return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, tree.FilePath));
    }

    /// <summary>Every generated file, every diagnostic with its place, and any exception, as one string.</summary>
    private static string Output(GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        var sources = result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => $"// {s.HintName}\n{s.SourceText}");
        // With the additional locations (DIFF007 points at the callee's declaration too), which ToString leaves out.
        var diagnostics = result.Diagnostics
            .Select(d => d + string.Concat(d.AdditionalLocations.Select(l => " also " + l.GetLineSpan())))
            .OrderBy(d => d, StringComparer.Ordinal);
        var exception = result.Exception is null ? Array.Empty<string>() : new[] { "exception: " + result.Exception.GetType().Name };
        return string.Join("\n", sources.Concat(diagnostics).Concat(exception));
    }
}
