using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Tests;

/// <summary>Edits that cannot change a [Differentiate] method leave the expensive steps cached.</summary>
public sealed class IncrementalTests
{
    private const string Model = """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate]
            public static double Loss(double[] w, double b)
            {
                double s = b;
                for (int i = 0; i < w.Length; i++) s += Math.Tanh(w[i]);
                return s * s;
            }

            public static int Unrelated(int k) => k + 1;
        }
        """;

    private const string Other = "public static class Other { public static int Value => 1; }";

    public static TheoryData<string, string> Edits() => new()
    {
        { "comment added at the end of the file", "\n// a comment\n" },
        { "body of a method without [Differentiate]", "k + 1;|k + 2;" },
        { "new unrelated method", "public static int Unrelated(int k)|public static int Another() => 3;\n    public static int Unrelated(int k)" },
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void EditInTheSameFileKeepsStepsCached(string description, string edit)
    {
        Assert.NotNull(description);
        var compilation = GeneratorHarness.Compile(Model, Other);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        var oldTree = compilation.SyntaxTrees.First();
        var text = oldTree.ToString();
        var newText = edit.Contains('|') ? text.Replace(edit.Split('|')[0], edit.Split('|')[1]) : text + edit;
        Assert.NotEqual(text, newText);
        var edited = compilation.ReplaceSyntaxTree(oldTree, CSharpSyntaxTree.ParseText(newText, GeneratorHarness.ParseOptions, oldTree.FilePath));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        AssertUnchanged(result, DifferentiateGenerator.Steps.Parse);
        AssertUnchanged(result, DifferentiateGenerator.Steps.Emit);
    }

    [Fact]
    public void EditInAnotherFileKeepsStepsCached()
    {
        var compilation = GeneratorHarness.Compile(Model, Other);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var otherTree = compilation.SyntaxTrees.Last();
        var edited = compilation.ReplaceSyntaxTree(otherTree, CSharpSyntaxTree.ParseText(Other.Replace("1;", "2;"), GeneratorHarness.ParseOptions, otherTree.FilePath));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        AssertUnchanged(result, DifferentiateGenerator.Steps.Parse);
        AssertUnchanged(result, DifferentiateGenerator.Steps.Emit);
    }

    /// <summary>
    /// Text typed above the method moves it: only its anchor changes, so the emit step keeps its output, and the
    /// method's warning (at <c>Math.Floor</c>, inside it) follows it to its new line.
    /// </summary>
    [Theory]
    [InlineData("using System;", "using System;\n// two\n// lines\n")]
    [InlineData("public static partial class Model", "public static partial class /* longer */ Model")]
    public void TextTypedAboveTheMethodMovesItWithoutEmittingAgain(string oldText, string newText)
    {
        var source = Model.Replace("s * s;", "s * s + Math.Floor(b);");
        var compilation = GeneratorHarness.Compile(source, Other);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var before = Assert.Single(driver.GetRunResult().Diagnostics);

        var tree = compilation.SyntaxTrees.First();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(source.Replace(oldText, newText), GeneratorHarness.ParseOptions, tree.FilePath));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        AssertUnchanged(result, DifferentiateGenerator.Steps.Emit);

        // The warning is where a fresh run puts it, which is where the moved text is.
        var after = Assert.Single(result.Diagnostics);
        var fresh = Assert.Single(GeneratorHarness.CreateDriver().RunGenerators(edited).GetRunResult().Diagnostics);
        Assert.Equal(fresh.ToString(), after.ToString());
        Assert.Equal(before.Id, after.Id);
        var moved = newText.Length - oldText.Length;
        Assert.Equal(before.Location.SourceSpan.Start + moved, after.Location.SourceSpan.Start);
        Assert.Equal("Math.Floor(b)", after.Location.SourceTree!.ToString().Substring(after.Location.SourceSpan.Start, after.Location.SourceSpan.Length));
    }

    [Fact]
    public void EditOfTheMethodRegeneratesIt()
    {
        var compilation = GeneratorHarness.Compile(Model);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(Model.Replace("s * s", "s * s * s"), GeneratorHarness.ParseOptions, tree.FilePath));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var reasons = result.TrackedSteps[DifferentiateGenerator.Steps.Emit].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
    }

    [Fact]
    public void EditOfACallerThatLeavesTheHelperAloneKeepsTheHelpersCached()
    {
        const string source = """
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static double Outer(double x) => Square(x) + x;

                [Differentiate]
                public static double Plain(double x) => x * x * 2.0;

                private static double Square(double x) => x * x;
            }
            """;
        var compilation = GeneratorHarness.Compile(source);
        var driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        var tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(source.Replace("Square(x) + x;", "Square(x) + 2.0 * x;"), GeneratorHarness.ParseOptions, tree.FilePath));

        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        AssertUnchanged(result, DifferentiateGenerator.Steps.Helpers);
    }

    [Fact]
    public void ModelHoldsNoRoslynObjects()
    {
        var compilation = GeneratorHarness.Compile(Model);
        var result = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation).GetRunResult().Results.Single();
        var outputs = result.TrackedSteps[DifferentiateGenerator.Steps.Parse].SelectMany(s => s.Outputs).Select(o => o.Value).ToList();
        Assert.NotEmpty(outputs);
        foreach (var output in outputs)
        {
            AssertNoRoslynObjects(output, new HashSet<object>(ReferenceEqualityComparer.Instance), "ParseResult");
        }
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        var first = GeneratorHarness.Run(Model).Sources.Single().SourceText.ToString();
        var second = GeneratorHarness.Run(Model).Sources.Single().SourceText.ToString();
        Assert.Equal(first, second);
    }

    private static void AssertUnchanged(GeneratorRunResult result, string step)
    {
        var reasons = result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
        Assert.NotEmpty(reasons);
        Assert.All(reasons, reason => Assert.True(
            reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"step {step} was {reason}"));
    }

    private static readonly Type[] Forbidden = { typeof(ISymbol), typeof(SyntaxNode), typeof(Compilation), typeof(SemanticModel), typeof(SyntaxTree), typeof(Location) };

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        var type = value.GetType();
        Assert.False(Forbidden.Any(f => f.IsAssignableFrom(type)), $"{path} holds a {type.Name}");
        if (type.GetProperty("IsDefault")?.GetValue(value) is true)
        {
            return; // A default ImmutableArray holds nothing (and cannot be enumerated).
        }

        if (value is IEnumerable sequence)
        {
            var i = 0;
            foreach (var item in sequence)
            {
                AssertNoRoslynObjects(item, seen, $"{path}[{i++}]");
            }
        }

        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            if (field.FieldType.IsPointer)
            {
                continue;
            }

            AssertNoRoslynObjects(field.GetValue(value), seen, path + "." + field.Name);
        }
    }
}
