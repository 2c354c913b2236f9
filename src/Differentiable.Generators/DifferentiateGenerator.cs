using System;
using System.Collections.Immutable;
using System.Globalization;
using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Emit;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Model;
using Differentiable.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators;

/// <summary>
/// Generates derivative companions for every method marked <c>[Differentiate]</c>:
/// parse (Roslyn → equatable model and IR) → transform (reverse and forward mode on the IR) → emit (C# text).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DifferentiateGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        /// <summary>Roslyn syntax and semantics → <c>ParseResult</c>.</summary>
        public const string Parse = "Parse";

        /// <summary><c>ParseResult</c> → generated source.</summary>
        public const string Emit = "Emit";

        /// <summary>[DerivativeOf] method → rule model.</summary>
        public const string Rules = "Rules";

        /// <summary>Called methods differentiated through their bodies, collected from every caller.</summary>
        public const string Helpers = "Helpers";
    }

    private readonly Action<string>? onParse;

    /// <summary>The generator the compiler loads.</summary>
    public DifferentiateGenerator()
    {
    }

    /// <summary>For tests of the parse cache: <paramref name="onParse"/> is told each method actually parsed.</summary>
    internal DifferentiateGenerator(Action<string> onParse) => this.onParse = onParse;

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One cache per driver: Roslyn reruns this transform for every method on every edit (the compilation changed);
        // the cache answers for the methods the edit cannot have changed without binding them again.
        var cache = new ParseCache(onParse);
        var parsed = context.SyntaxProvider.ForAttributeWithMetadataName(
                "Differentiable.DifferentiateAttribute",
                // Local functions, lambdas, operators and accessors too: they get a diagnostic rather than silence.
                static (node, _) => node is MethodDeclarationSyntax or LocalFunctionStatementSyntax or ParenthesizedLambdaExpressionSyntax
                    or OperatorDeclarationSyntax or ConversionOperatorDeclarationSyntax or AccessorDeclarationSyntax,
                (syntaxContext, cancellationToken) => cache.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(Steps.Parse);

        // [DerivativeOf] rules anywhere in the compilation: every call resolves against all of them at emit time.
        var rules = context.SyntaxProvider.ForAttributeWithMetadataName(
                "Differentiable.DerivativeOfAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                static (syntaxContext, cancellationToken) => Calls.RuleParser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(Steps.Rules);
        var allRules = rules
            .Select(static (result, _) => result.Rule)
            .Where(static rule => rule is not null)
            .Collect()
            .Select(static (array, _) => array.Select(rule => rule!).OrderBy(rule => rule.TargetKey, StringComparer.Ordinal).ToEquatableArray());

        // Text typed above a method moves it and changes only its anchor: without the anchor the result compares equal,
        // so the emit step keeps its output. The anchors go to the diagnostics' output on their own.
        var emitted = parsed
            .Select(static (result, _) => result.Anchor is null ? result : result with { Anchor = null })
            .Combine(allRules)
            .Select(static (pair, cancellationToken) => EmitSafely(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(Steps.Emit);

        // Methods without [Differentiate] that are called from one: differentiated through their bodies, one
        // companion file each however many callers, unless a rule replaces them.
        var helpers = parsed
            .SelectMany(static (result, _) => result.Helpers)
            .Collect()
            .Combine(allRules)
            .WithTrackingName(Steps.Helpers);
        var helperMethods = helpers
            .Select(static (pair, cancellationToken) =>
            {
                var methods = new List<EmittedMethod>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                // A helper reached through more helpers than the depth limit allows is parsed with its deepest call left
                // unresolved; reached from a shallower caller, the same helper resolves. Of its models, the one with
                // fewest calls left to rules is written, whichever file its caller sits in.
                foreach (var candidate in pair.Left.OrderBy(h => h.Key, StringComparer.Ordinal).ThenBy(UnresolvedCalls))
                {
                    if (!seen.Add(candidate.Key) || pair.Right.Any(rule => rule.TargetKey == candidate.Key))
                    {
                        continue;
                    }

                    // Vectorized only if every caller allows it (Vectorize = false keeps values exact).
                    var helper = candidate with { Vectorize = pair.Left.Where(h => h.Key == candidate.Key).All(h => h.Vectorize) };
                    methods.Add(EmitSafely(new ParseResult(helper, EquatableArray<DiagnosticInfo>.Empty), pair.Right, cancellationToken));
                }

                return methods.ToEquatableArray();
            });

        var ruleDiagnostics = rules
            .Select(static (result, _) => result.Diagnostics)
            .Where(static d => d.Count > 0)
            .Combine(context.CompilationProvider);
        var secondRules = rules
            .Collect()
            .Select(static (results, _) => Calls.RuleParser.SecondRules(results))
            .Combine(context.CompilationProvider);
        context.RegisterSourceOutput(secondRules, static (output, pair) =>
        {
            foreach (var diagnostic in pair.Left)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic(pair.Right));
            }
        });
        context.RegisterSourceOutput(ruleDiagnostics, static (output, pair) =>
        {
            foreach (var diagnostic in pair.Left)
            {
                output.ReportDiagnostic(diagnostic.ToDiagnostic(pair.Right));
            }
        });

        // One file per containing type, for the [Differentiate] methods and the helpers alike.
        var files = new GeneratedFiles();
        var withSource = emitted
            .Where(static method => method.Source is not null)
            .Collect()
            .Combine(helperMethods);
        context.RegisterSourceOutput(withSource, (output, pair) => files.Add(output, pair.Left.Concat(pair.Right)));

        // Diagnostics are rebuilt against the compilation's own trees so that #pragma and .editorconfig apply; places in a
        // method's own file are relative to the method, placed by its current anchor.
        var anchors = parsed
            .Select(static (result, _) => result.Anchor)
            .Where(static anchor => anchor is not null)
            .Collect();
        var diagnostics = emitted
            .Where(static file => file.Diagnostics.Count > 0)
            .Select(static (file, _) => (file.Key, file.Diagnostics))
            .Collect()
            .Combine(anchors)
            .Combine(context.CompilationProvider);
        context.RegisterSourceOutput(diagnostics, static (output, pair) =>
        {
            var ((files, anchors), compilation) = pair;
            if (files.IsEmpty)
            {
                return;
            }

            var byKey = new Dictionary<string, MethodAnchor>(StringComparer.Ordinal);
            foreach (var anchor in anchors)
            {
                if (!byKey.ContainsKey(anchor!.Key))
                {
                    byKey.Add(anchor.Key, anchor);
                }
            }

            foreach (var file in files)
            {
                var anchor = byKey.TryGetValue(file.Key, out var found) ? found : null;
                foreach (var diagnostic in file.Diagnostics)
                {
                    output.ReportDiagnostic(diagnostic.ToDiagnostic(compilation, anchor));
                }
            }
        });
    }

    /// <summary>The calls of a helper's body that wait for a rule: unresolved ones, and what resolved ones still need.</summary>
    private static int UnresolvedCalls(MethodModel helper) =>
        Calls.CallResolver.Calls(helper.Body).Sum(call => (call.Callee.Unresolved is null ? 0 : 1) + call.Callee.Needs.Count);

    private static EmittedMethod EmitSafely(ParseResult result, EquatableArray<Calls.RuleModel> rules, System.Threading.CancellationToken cancellationToken)
    {
        if (result.Model is not { } model)
        {
            return new EmittedMethod(string.Empty, string.Empty, null, result.Diagnostics) { Key = result.Key };
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (source, diagnostics) = CompanionEmitter.Emit(model, rules);
            var all = result.Diagnostics.AsImmutableArray().AddRange(diagnostics);
            return new EmittedMethod(model.FileName, model.SectionKey, source, new EquatableArray<DiagnosticInfo>(all)) { Key = result.Key };
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception) when (exception is CodeTooComplexException or InsufficientExecutionStackException)
        {
            return Failed(result, DiagnosticInfo.Create(DiagnosticDescriptors.TooComplex, result.Identifier, model.Name, StackGuard.MaxDepth.ToString(CultureInfo.InvariantCulture)));
        }
        catch (Exception exception)
        {
            return Failed(result, DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, result.Identifier, model.Name, exception.GetType().Name + ": " + exception.Message));
        }
    }

    private static EmittedMethod Failed(ParseResult result, DiagnosticInfo diagnostic) =>
        new(string.Empty, string.Empty, null, new EquatableArray<DiagnosticInfo>(result.Diagnostics.AsImmutableArray().Add(diagnostic))) { Key = result.Key };
}

/// <summary>
/// The emit step's output for one method: its companions (or none), the file of its type they go to, their place in
/// that file, and the diagnostics to report.
/// </summary>
internal sealed record EmittedMethod(string FileName, string SectionKey, string? Source, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The method's identity (<see cref="ParseResult.Key"/>): its anchor places the diagnostics.</summary>
    public string Key { get; init; } = string.Empty;
}
