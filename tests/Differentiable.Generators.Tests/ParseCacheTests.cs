using System;
using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Tests;

/// <summary>
/// The parse cache answers for methods an edit cannot change without binding them again, and never answers wrongly:
/// after every edit a driver that has run before must produce exactly what a fresh driver produces.
/// </summary>
public sealed class ParseCacheTests
{
    private const string Methods = """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate]
            public static double ScaledSquare(double x) => Constants.K * Helpers.Square(x);

            [Differentiate]
            public static double Plain(double[] w)
            {
                double s = 0.0;
                for (int i = 0; i < w.Length; i++) s += w[i] * w[i];
                return s;
            }

            [Differentiate]
            public static double Calls(double x) => Overloads.F(x);

            [Differentiate]
            public static double Floored(double x) => Math.Floor(x) * x;

            [Differentiate]
            public static double Local(double x) => Twice(x) + 1.0;

            [Differentiate]
            public static double Unrolled(double[] v)
            {
                double s = 0.0;
                for (int i = 0; i < Sizes.N; i++) s += v[i] * v[i];
                return s;
            }

            private static double Twice(double x) => 2.0 * x;
        }
        """;

    private const string Declarations = """
        public static class Constants { public const double K = 2.0; }

        public static class Sizes { public const int N = 3; }

        public static partial class Helpers
        {
            public static double Square(double x) => x * x;
        }

        public static partial class Overloads
        {
            public static double F(double x) => x * x;
        }

        public static class Other
        {
            public static int Value => 1;

            public static int Count(int k)
            {
                return k + 1;
            }
        }
        """;

    /// <summary>
    /// Edits in order, each applied to the result of the one before: what, in which file (-1: back to the start), the
    /// text replaced, and whether a fresh driver's output changes with it.
    /// </summary>
    private static readonly (string Name, int File, string Old, string New, bool Changes)[] Edits =
    {
        ("a constant another file declares", 1, "K = 2.0", "K = 3.0", true),
        ("a loop bound another file declares", 1, "N = 3", "N = 4", true),
        ("the body of a helper in another file", 1, "Square(double x) => x * x", "Square(double x) => x * x * x", true),
        ("a callee's signature", 1, "F(double x) => x * x", "F(double x, double y = 3.0) => x * x * y", true),
        ("an unrelated body in another file", 1, "k + 1", "k + 2", false),
        ("a directive inside an unrelated body", 1, "        return k + 2;", "#nullable disable\n        return k + 2;", false),
        ("lines above every method", 0, "using System;", "// moved\n// down\nusing System;", true),
        ("one method's body", 0, "s += w[i] * w[i]", "s += w[i] * w[i] * w[i]", true),
        ("a helper in the same file", 0, "2.0 * x", "3.0 * x", true),
        ("the body of a method with a warning", 0, "Math.Floor(x) * x", "Math.Floor(x) * x * x", true),
        ("a method becomes undifferentiable", 0, "Twice(x) + 1.0", "Twice(x) + Other.Value", true),
        ("everything back", -1, "", "", true),
    };

    [Fact]
    public void EveryEditGivesWhatAFreshDriverGives()
    {
        Compilation original = GeneratorHarness.Compile(Methods, Declarations);
        var compilation = original;
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        foreach (var (name, file, oldText, newText, changes) in Edits)
        {
            var before = Output(GeneratorHarness.CreateDriver().RunGenerators(compilation));
            compilation = file < 0 ? original : Edit(compilation, file, oldText, newText);
            driver = driver.RunGenerators(compilation);

            var fresh = Output(GeneratorHarness.CreateDriver().RunGenerators(compilation));
            Assert.True(fresh == Output(driver), $"after '{name}' the warm driver's output differs from a fresh driver's");

            // An edit that should change the output and does not would test nothing.
            Assert.True(changes == (fresh != before), $"'{name}' {(changes ? "did not change" : "changed")} the output");
        }
    }

    [Fact]
    public void AnEditInAnotherFilesBodyParsesNothingAgain()
    {
        var (parsed, generator) = Observed();
        var compilation = GeneratorHarness.Compile(Methods, Declarations);
        var driver = Driver(generator).RunGenerators(compilation);
        Assert.Equal(6, parsed.Count);

        parsed.Clear();
        driver.RunGenerators(Edit(compilation, 1, "k + 1", "k + 2"));
        Assert.True(parsed.Count == 0, string.Join(",", parsed));
    }

    [Fact]
    public void AnEditInsideOneMethodParsesThatMethodOnly()
    {
        var (parsed, generator) = Observed();
        var compilation = GeneratorHarness.Compile(Methods, Declarations);
        var driver = Driver(generator).RunGenerators(compilation);

        parsed.Clear();
        driver.RunGenerators(Edit(compilation, 0, "s += w[i] * w[i]", "s += w[i] + w[i]"));
        // Local reads Twice's body in the same file, below the edit: kept, since Twice did not move.
        Assert.Equal(new[] { "Plain" }, parsed);
    }

    [Fact]
    public void LinesTypedAboveTheMethodsMoveThemWithoutParsingThemAgain()
    {
        var (parsed, generator) = Observed();
        var compilation = GeneratorHarness.Compile(Methods, Declarations);
        var driver = Driver(generator).RunGenerators(compilation);

        parsed.Clear();
        var moved = Edit(compilation, 0, "using System;", "// moved\n// down\nusing System;");
        driver = driver.RunGenerators(moved);
        Assert.True(parsed.Count == 0, string.Join(",", parsed));
        Assert.Equal(Output(GeneratorHarness.CreateDriver().RunGenerators(moved)), Output(driver));

        // A body that grows moves the methods below it: only the edited one is parsed again (Local reads Twice, below
        // it as well, and both moved as far).
        parsed.Clear();
        driver.RunGenerators(Edit(moved, 0, "s += w[i] * w[i];", "s += w[i] * w[i] * 1.5;"));
        Assert.Equal(new[] { "Plain" }, parsed);
    }

    [Theory]
    [InlineData("a constant", 1, "K = 2.0", "K = 3.0")]
    [InlineData("a helper's body", 1, "Square(double x) => x * x", "Square(double x) => x * x * x")]
    public void EditsThatCanChangeAMethodParseItAgain(string what, int file, string oldText, string newText)
    {
        Assert.NotNull(what);
        var (parsed, generator) = Observed();
        var compilation = GeneratorHarness.Compile(Methods, Declarations);
        var driver = Driver(generator).RunGenerators(compilation);

        parsed.Clear();
        driver.RunGenerators(Edit(compilation, file, oldText, newText));
        Assert.Contains("ScaledSquare", parsed);
    }

    private static (List<string> Parsed, DifferentiateGenerator Generator) Observed()
    {
        var parsed = new List<string>();
        return (parsed, new DifferentiateGenerator(name =>
        {
            lock (parsed)
            {
                parsed.Add(name);
            }
        }));
    }

    private static GeneratorDriver Driver(DifferentiateGenerator generator) =>
        CSharpGeneratorDriver.Create(new[] { generator.AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions);

    private static Compilation Edit(Compilation compilation, int file, string oldText, string newText)
    {
        var tree = compilation.SyntaxTrees.ElementAt(file);
        var text = tree.ToString();
        Assert.Contains(oldText, text);
        return compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(text.Replace(oldText, newText), GeneratorHarness.ParseOptions, tree.FilePath));
    }

    /// <summary>Every generated file and every diagnostic with its place, as one string.</summary>
    private static string Output(GeneratorDriver driver)
    {
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        var sources = result.GeneratedSources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => $"// {s.HintName}\n{s.SourceText}");
        var diagnostics = result.Diagnostics.Select(d => d.ToString()).OrderBy(d => d, StringComparer.Ordinal);
        return string.Join("\n", sources.Concat(diagnostics));
    }
}
