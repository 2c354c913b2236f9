using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Tests;

/// <summary>
/// What the editor sees while a user types: real [Differentiate] methods with tokens deleted, inserted, duplicated,
/// swapped, or cut off. No exception may escape the generator and it must never report an internal error; for every
/// mutant whose user code compiles, the generated code must compile too. A failure prints the
/// seed and the mutant: rerun with DIFFERENTIABLE_FUZZ_SEED=&lt;seed&gt; to replay it.
/// </summary>
public sealed class FuzzTests
{
    private const int DefaultMutations = 10_000;

    private static readonly string[] Seeds =
    {
        """
        [Differentiate]
        public static double Loss(double[,] X, double[] y, double[] w, double b)
        {
            double loss = 0;
            for (int i = 0; i < y.Length; i++)
            {
                double z = b;
                for (int j = 0; j < w.Length; j++) z += X[i, j] * w[j];
                double p = 1.0 / (1.0 + Math.Exp(-z));
                loss -= y[i] * Math.Log(p) + (1 - y[i]) * Math.Log(1 - p);
            }
            return loss / y.Length;
        }
        """,
        """
        [Differentiate(nameof(W))]
        public static double Recurrent(double[,] W, double[] s0, int steps)
        {
            double[] s = s0;
            for (int t = 0; t < steps; t++)
            {
                var next = new double[s.Length];
                for (int i = 0; i < s.Length; i++)
                {
                    double a = 0;
                    for (int j = 0; j < s.Length; j++) a += W[i, j] * s[j];
                    next[i] = Math.Tanh(a);
                }
                s = next;
            }
            double loss = 0;
            foreach (var v in s) loss += v * v;
            return loss;
        }
        """,
        """
        [Differentiate]
        public static double[] Layer(double[,] W, double[] x, double[] b)
        {
            var y = new double[b.Length];
            for (int i = 0; i < b.Length; i++)
            {
                double a = b[i];
                for (int j = 0; j < x.Length; j++) a += W[i, j] * x[j];
                y[i] = Math.Tanh(a);
            }
            return y;
        }
        """,
        """
        [Differentiate(Hessian = true)]
        public static double Piecewise(double x, double y)
        {
            double s = 0;
            int k = 0;
            while (k < 5 && s < 3) { s += x * x + Math.Abs(y); k++; if (s > 2) break; }
            if (x > y) return Math.Max(s, x) * y;
            return x < 0 ? -x : Math.Pow(x, 3) + Helper(y);
        }

        [Differentiate]
        public static double Helper(double v) => Math.Sin(v) / (1 + v * v);
        """,
    };

    private static readonly string[] Vocabulary =
    {
        "(", ")", "{", "}", "[", "]", ";", ",", ".", "=", "+=", "-", "+", "*", "/", "%", "<", "<=", ">", "==", "!", "&&", "||", "?", ":",
        "x", "y", "i", "j", "w", "s", "0", "1", "2.5", "double", "int", "var", "new", "return", "if", "else", "for", "while", "break",
        "continue", "Math.Exp", "Math", "Sin", "[Differentiate]", "static", "partial", "nameof(x)", "\"", "'", "/*", "//", "#if", "@",
    };

    [Fact]
    public void MutatedMethodsNeverBreakTheGenerator()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_FUZZ_SEED"), out var s) ? s : 20261122;
        var mutations = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_FUZZ_MUTATIONS"), out var m) ? m : DefaultMutations;
        var random = new Random(seed);
        var stopwatch = Stopwatch.StartNew();

        var compilation = GeneratorHarness.Compile(Wrap(Seeds[0]));
        GeneratorDriver driver = GeneratorHarness.CreateDriver();
        var tree = compilation.SyntaxTrees.Single();
        var compiled = 0;
        for (var n = 0; n < mutations; n++)
        {
            var mutationSeed = random.Next();
            var text = Wrap(Mutate(Seeds[n % Seeds.Length], new Random(mutationSeed)));
            var edited = compilation.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, tree.FilePath));
            tree = edited.SyntaxTrees.Single();
            compilation = edited;

            driver = driver.RunGeneratorsAndUpdateCompilation(edited, out var output, out var diagnostics);
            var result = driver.GetRunResult().Results.Single();
            string Replay() => $"mutation {n} (DIFFERENTIABLE_FUZZ_SEED={seed}, mutation seed {mutationSeed}):\n{text}";
            Assert.True(result.Exception is null, $"generator threw {result.Exception} on {Replay()}");
            var fault = diagnostics.FirstOrDefault(d => d.Id is "CS8785" or "AD0001" or "DIFF009");
            Assert.True(fault is null, $"{fault} on {Replay()}");

            // Whenever the user's code compiles, the generated code must compile too (syntax errors are filtered cheaply first).
            if (!tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error) && !edited.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error))
            {
                compiled++;
                var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                Assert.True(errors.Count == 0, $"generated code does not compile: {string.Join("\n", errors)} on {Replay()}");
            }
        }

        Assert.True(compiled > 0, "no mutant compiled: the fuzz test checks less than it claims");
        Console.WriteLine($"Fuzz: {mutations} mutations ({compiled} compiled and checked) in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    private static string Wrap(string methods) => $$"""
        using System;
        using Differentiable;

        public static partial class Fuzzed
        {
        {{methods}}
        }
        """;

    /// <summary>One to three token-level edits, or a truncation.</summary>
    private static string Mutate(string source, Random random)
    {
        var tokens = SyntaxFactory.ParseTokens(source).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToList();
        var texts = tokens.Select(t => t.ToFullString()).ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits && texts.Count > 1; e++)
        {
            var at = random.Next(texts.Count);
            switch (random.Next(6))
            {
                case 0:
                    texts.RemoveAt(at);
                    break;
                case 1:
                    texts.Insert(at, " " + Vocabulary[random.Next(Vocabulary.Length)] + " ");
                    break;
                case 2:
                    texts.Insert(at, texts[at]);
                    break;
                case 3 when at + 1 < texts.Count:
                    (texts[at], texts[at + 1]) = (texts[at + 1], texts[at]);
                    break;
                case 4:
                    texts[at] = " " + Vocabulary[random.Next(Vocabulary.Length)] + " ";
                    break;
                default:
                    // What the editor sees mid-typing: everything after some point is not written yet.
                    texts.RemoveRange(at, texts.Count - at);
                    return string.Concat(texts);
            }
        }

        return string.Concat(texts);
    }
}
