using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace Differentiable.CodeFixes;

/// <summary>
/// DIFF007: for a call to a static method <c>G(p1 … pk)</c> returning <c>double</c>, adds to the calling method's type a
/// stub <c>[DerivativeOf]</c> rule with the signature the generator expects — <c>G</c>'s parameters, then one gradient
/// buffer per differentiable parameter (<c>out double dp</c>, <c>double[] dp</c>, <c>double[,] dp</c>) — whose body
/// zeroes the buffers and throws until the user writes the derivative.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddDerivativeRuleCodeFixProvider)), Shared]
public sealed class AddDerivativeRuleCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence-key prefix; the target's identity follows it.</summary>
    public const string EquivalenceKeyPrefix = "Differentiable.AddDerivativeRule.";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NoDerivativeForCall);

    /// <summary>No Fix All: two calls to the same method would get two rules, which the generator cannot choose between.</summary>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || semanticModel is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var span = diagnostic.Location.SourceSpan;
            if (!diagnostic.Location.IsInSource || !root.FullSpan.Contains(span))
            {
                continue;
            }

            var invocation = root.FindNode(span, getInnermostNodeForTie: true)
                .AncestorsAndSelf()
                .OfType<InvocationExpressionSyntax>()
                .FirstOrDefault(i => i.Span == span);
            if (invocation?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { Parent: TypeDeclarationSyntax type } caller
                || semanticModel.GetSymbolInfo(invocation, context.CancellationToken).Symbol is not IMethodSymbol target
                || !IsRuleCandidate(target, invocation)
                || semanticModel.GetDeclaredSymbol(type, context.CancellationToken) is not { } containingType
                || IsGeneric(containingType))
            {
                continue;
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Add a [DerivativeOf] rule for '{target.Name}'",
                    cancellationToken => AddRuleAsync(document, caller, target, containingType, cancellationToken),
                    EquivalenceKeyPrefix + target.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)),
                diagnostic);
        }
    }

    /// <summary>
    /// Whether a rule can stand in for the call: the generator accepts rules for ordinary, non-generic static methods
    /// returning double over double, double[], double[,], int, bool and int[] value parameters, called positionally, with at
    /// least one differentiable parameter (otherwise the rule would have no buffer and the call no derivative to give).
    /// </summary>
    private static bool IsRuleCandidate(IMethodSymbol target, InvocationExpressionSyntax invocation) =>
        target.IsStatic
        && target.MethodKind == MethodKind.Ordinary
        && !target.IsGenericMethod
        && target.ReducedFrom is null
        && target.ReturnType.SpecialType == SpecialType.System_Double
        && target.ContainingType is { } owner
        && !IsGeneric(owner)
        && target.Parameters.All(p => p.RefKind == RefKind.None && !p.IsParams && Classify(p.Type) != ParameterKind.Unsupported)
        && target.Parameters.Any(p => Classify(p.Type) is ParameterKind.Double or ParameterKind.Array)
        && invocation.ArgumentList.Arguments.Count == target.Parameters.Length
        && invocation.ArgumentList.Arguments.All(a => a.NameColon is null && a.RefKindKeyword.IsKind(SyntaxKind.None));

    private static bool IsGeneric(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType)
            {
                return true;
            }
        }

        return false;
    }

    private enum ParameterKind
    {
        Unsupported,
        PassThrough,
        Double,
        Array,
    }

    /// <summary>The generator's parameter classes: double (out buffer), double[] and double[,] (array buffer), int, bool and int[] (no buffer).</summary>
    private static ParameterKind Classify(ITypeSymbol type) => type switch
    {
        { SpecialType: SpecialType.System_Double } => ParameterKind.Double,
        { SpecialType: SpecialType.System_Int32 or SpecialType.System_Boolean } => ParameterKind.PassThrough,
        IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Double, Rank: 1 or 2 } => ParameterKind.Array,
        IArrayTypeSymbol { ElementType.SpecialType: SpecialType.System_Int32, Rank: 1 } => ParameterKind.PassThrough,
        _ => ParameterKind.Unsupported,
    };

    private static async Task<Document> AddRuleAsync(Document document, MethodDeclarationSyntax caller, IMethodSymbol target, INamedTypeSymbol containingType, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindToken(caller.Identifier.SpanStart).Parent is not MethodDeclarationSyntax { Parent: TypeDeclarationSyntax type } method)
        {
            return document;
        }

        // Laid out here rather than by the formatter, which would use its own line ending instead of the document's.
        var text = await document.GetTextAsync(cancellationToken).ConfigureAwait(false);
        var newLine = text.ToString().Contains("\r\n") ? "\r\n" : "\n";
        var memberIndent = Indentation(text, method.SpanStart);
        var typeIndent = Indentation(text, type.SpanStart);
        var unit = memberIndent.Length > typeIndent.Length && memberIndent.StartsWith(typeIndent, System.StringComparison.Ordinal)
            ? memberIndent.Substring(typeIndent.Length)
            : "    ";
        var ruleName = UniqueName(target.Name + "Gradient", containingType);
        var sameType = SymbolEqualityComparer.Default.Equals(target.ContainingType, containingType);
        var source = RuleSource(target, ruleName, sameType, new Layout(newLine, memberIndent, memberIndent + unit));
        if (SyntaxFactory.ParseMemberDeclaration(source) is not MethodDeclarationSyntax rule || rule.ContainsDiagnostics)
        {
            return document;
        }

        rule = rule
            .WithLeadingTrivia(rule.GetLeadingTrivia().Insert(0, SyntaxFactory.EndOfLine(newLine)))
            .WithAdditionalAnnotations(Simplifier.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(type, type.InsertNodesAfter(method, new[] { rule })));
    }

    /// <summary>The whitespace that starts the line holding <paramref name="position"/>.</summary>
    private static string Indentation(Microsoft.CodeAnalysis.Text.SourceText text, int position)
    {
        var line = text.Lines.GetLineFromPosition(position);
        var end = line.Start;
        while (end < line.End && text[end] is ' ' or '\t')
        {
            end++;
        }

        return text.ToString(Microsoft.CodeAnalysis.Text.TextSpan.FromBounds(line.Start, end));
    }

    /// <summary>The document's line ending, and the indentation of the rule's declaration and of its body.</summary>
    private sealed class Layout
    {
        public Layout(string newLine, string member, string body)
        {
            NewLine = newLine;
            Member = member;
            Body = body;
        }

        public string NewLine { get; }

        public string Member { get; }

        public string Body { get; }
    }

    /// <summary><paramref name="preferred"/>, or with a numeric suffix if the type already has a member of that name.</summary>
    private static string UniqueName(string preferred, INamedTypeSymbol type)
    {
        var taken = new HashSet<string>(type.MemberNames) { type.Name };
        var name = preferred;
        for (var suffix = 2; taken.Contains(name); suffix++)
        {
            name = preferred + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return name;
    }

    /// <summary>The rule's source text, laid out for its place in the type; the simplifier shortens its names afterwards.</summary>
    private static string RuleSource(IMethodSymbol target, string ruleName, bool sameType, Layout layout)
    {
        var owner = target.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var display = target.ContainingType.Name + "." + target.Name;
        var used = new HashSet<string>(target.Parameters.Select(p => p.Name));
        var parameters = new List<string>();
        var buffers = new List<(string Parameter, string Buffer, bool IsOut)>();
        foreach (var parameter in target.Parameters)
        {
            parameters.Add(parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + " " + Escape(parameter.Name));
        }

        foreach (var parameter in target.Parameters)
        {
            var kind = Classify(parameter.Type);
            if (kind is not (ParameterKind.Double or ParameterKind.Array))
            {
                continue;
            }

            var buffer = "d" + parameter.Name;
            for (var suffix = 2; used.Contains(buffer); suffix++)
            {
                buffer = "d" + parameter.Name + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            used.Add(buffer);
            buffers.Add((parameter.Name, buffer, kind == ParameterKind.Double));
            var type = parameter.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            parameters.Add((kind == ParameterKind.Double ? "out " : string.Empty) + type + " " + Escape(buffer));
        }

        var source = new StringBuilder();
        void Member(string line) => source.Append(layout.Member).Append(line).Append(layout.NewLine);
        void Body(string line) => source.Append(layout.Body).Append(line).Append(layout.NewLine);

        Member(sameType
            ? $"[global::Differentiable.DerivativeOf(nameof({Escape(target.Name)}))]"
            : $"[global::Differentiable.DerivativeOf(typeof({owner}), nameof({owner}.{Escape(target.Name)}))]");
        Member($"internal static double {ruleName}({string.Join(", ", parameters)})");
        Member("{");
        var call = $"{display}({string.Join(", ", target.Parameters.Select(p => Escape(p.Name)))})";
        Body($"// TODO: the generator calls this rule instead of differentiating {display}. Write each");
        Body($"// partial derivative into its buffer, then replace the throw with: return {call};");
        foreach (var (parameter, buffer, isOut) in buffers)
        {
            Body(isOut ? $"//   {buffer} = ∂{target.Name}/∂{parameter}" : $"//   {buffer}[…] = ∂{target.Name}/∂{parameter}[…]");
        }

        foreach (var (_, buffer, isOut) in buffers)
        {
            Body(isOut ? $"{Escape(buffer)} = 0.0;" : $"global::System.Array.Clear({Escape(buffer)}, 0, {Escape(buffer)}.Length);");
        }

        var into = string.Join(", ", buffers.Select(b => $"∂{target.Name}/∂{b.Parameter} into {b.Buffer}"));
        Body($"throw new global::System.NotImplementedException(\"Write the derivative of {display} here: {into}, then return its value.\");");
        Member("}");
        return source.ToString();
    }

    /// <summary>A parameter name as it must be written in source (<c>@in</c> for <c>in</c>).</summary>
    private static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
