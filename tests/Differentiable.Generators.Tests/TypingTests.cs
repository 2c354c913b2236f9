using System;
using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Tests;

/// <summary>What the editor sees while a user types: every prefix of a method must leave the generator standing.</summary>
public sealed class TypingTests
{
    private const string Prefix = """
        using System;
        using Differentiable;

        public static partial class Model
        {

        """;

    private const string Method = """
            [Differentiate(nameof(w), Hessian = false)]
            public static double Loss(double[,] X, double[] y, double[] w, double b)
            {
                double loss = 0;
                var h = new double[y.Length];
                for (int i = 0; i < y.Length; i++)
                {
                    double z = b;
                    for (int j = 0; j < w.Length; j++) z += X[i, j] * w[j];
                    h[i] = z > 0 ? Math.Log(1 + Math.Exp(-z)) : -z + Math.Log(1 + Math.Exp(z));
                    if (y[i] > 0.5) loss += h[i]; else loss -= Math.Max(h[i], 0.1) / 2;
                }
                return loss / y.Length;
            }
        """;

    [Fact]
    public void EveryPrefixOfAHalfTypedMethodIsHandled()
    {
        var compilation = GeneratorHarness.Compile(Prefix + Method + "\n}\n");
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        var tree = compilation.SyntaxTrees.Single();
        for (var length = 0; length <= Method.Length; length++)
        {
            var text = Prefix + Method.Substring(0, length) + "\n}\n";
            var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, tree.FilePath));
            driver = driver.RunGeneratorsAndUpdateCompilation(edited, out var output, out var diagnostics);
            var result = driver.GetRunResult().Results.Single();
            Assert.True(result.Exception is null, $"prefix of length {length} threw {result.Exception}");
            Assert.DoesNotContain(diagnostics, d => d.Id is "CS8785" or "AD0001" || d.Id == "DIFF009");

            // A method the compiler rejects gets the compiler's errors only: no DIFF diagnostic, no companion.
            var editedTree = edited.SyntaxTrees.Single();
            var methodSpan = editedTree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>().FirstOrDefault()?.Span;
            if (methodSpan is { } span && edited.GetSemanticModel(editedTree).GetDiagnostics(span).Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                Assert.True(
                    result.GeneratedSources.IsEmpty && !diagnostics.Any(d => d.Id.StartsWith("DIFF", StringComparison.Ordinal)),
                    $"prefix of length {length}: the compiler rejects the method, yet the generator added {string.Join(", ", diagnostics.Select(d => d.Id))} and {result.GeneratedSources.Length} sources");
            }

            // Whatever was generated must compile whenever the user's own code does.
            if (!edited.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                Assert.True(errors.Count == 0, $"prefix of length {length}: generated code does not compile: {string.Join(Environment.NewLine, errors)}");
            }
        }
    }
}
