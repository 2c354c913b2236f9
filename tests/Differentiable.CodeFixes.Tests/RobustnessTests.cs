using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Text;
using static Differentiable.CodeFixes.Tests.Infrastructure.CodeFixHarness;

namespace Differentiable.CodeFixes.Tests;

/// <summary>A code fix must never throw: diagnostics at any span, or nowhere, register nothing rather than fail.</summary>
public sealed class RobustnessTests
{
    // Incomplete and unusual syntax on purpose: the IDE asks for fixes while the user types.
    private const string Source = """
        using System;
        using Differentiable;

        namespace Demo;

        public class Outer<T>
        {
            public delegate double Fn(double x);

            public static double G<U>(double x) => x;

            public double this[int i] => i;

            [Differentiate]
            public double F(double x, ref double y) => G<int>(x) + this[0] + Math.Sin(
        }

        class
        """;

    public static IEnumerable<object[]> Providers() => new[]
    {
        new object[] { new MakeTypePartialCodeFixProvider() },
        new object[] { new MakeMethodStaticCodeFixProvider() },
        new object[] { new AddDerivativeRuleCodeFixProvider() },
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DiagnosticsAnywhereNeverThrow(CodeFixProvider provider)
    {
        var document = CreateDocument(Source);
        var tree = (await document.GetSyntaxTreeAsync())!;
        var root = await tree.GetRootAsync();
        var spans = root.DescendantNodesAndTokens(descendIntoTrivia: true).Select(n => n.Span)
            .Append(new TextSpan(0, 0))
            .Append(new TextSpan(root.FullSpan.End, 0))
            .Distinct()
            .ToList();
        foreach (var id in provider.FixableDiagnosticIds)
        {
            var descriptor = new DiagnosticDescriptor(id, "title", "message", "Differentiable", DiagnosticSeverity.Error, isEnabledByDefault: true);
            var diagnostics = spans.Select(span => Diagnostic.Create(descriptor, Location.Create(tree, span)))
                .Append(Diagnostic.Create(descriptor, Location.None));
            foreach (var diagnostic in diagnostics)
            {
                foreach (var action in await RegisterAsync(provider, document, diagnostic))
                {
                    await action.GetOperationsAsync(CancellationToken.None);
                }
            }
        }
    }
}
