using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.FindSymbols;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace Differentiable.CodeFixes;

/// <summary>
/// DIFF002: makes a [Differentiate] method static — offered only when its body uses no instance state (no <c>this</c>,
/// no <c>base</c>, no instance member of the containing type) and nothing else needs it to be an instance method
/// (virtual, override, interface implementation, partial). Calls through an instance (<c>this.F(x)</c>,
/// <c>model.F(x)</c>) are rewritten to <c>Type.F(x)</c> across the solution.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeMethodStaticCodeFixProvider)), Shared]
public sealed class MakeMethodStaticCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence-key prefix; the method's name follows it.</summary>
    public const string EquivalenceKeyPrefix = "Differentiable.MakeMethodStatic.";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.MethodNotStatic);

    /// <summary>No Fix All: each method needs its own semantic check, and making methods static in bulk is rarely intended.</summary>
    public override FixAllProvider? GetFixAllProvider() => null;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        var semanticModel = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (semanticModel is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Location.IsInSource || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
            {
                continue;
            }

            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            if (token.Parent is not MethodDeclarationSyntax method || method.Identifier != token)
            {
                continue;
            }

            if (semanticModel.GetDeclaredSymbol(method, context.CancellationToken) is not IMethodSymbol symbol
                || !CanBeStatic(method, symbol)
                || UsesInstance(semanticModel, method, context.CancellationToken))
            {
                continue;
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Make '{symbol.Name}' static",
                    cancellationToken => MakeStaticAsync(document, method, symbol, cancellationToken),
                    EquivalenceKeyPrefix + symbol.Name),
                diagnostic);
        }
    }

    /// <summary>Whether the declaration itself allows <c>static</c>: not virtual, abstract, override, partial, extern or an interface member.</summary>
    private static bool CanBeStatic(MethodDeclarationSyntax method, IMethodSymbol symbol)
    {
        if (symbol.IsStatic || symbol.IsAbstract || symbol.IsVirtual || symbol.IsOverride || symbol.IsExtern
            || symbol.MethodKind != MethodKind.Ordinary || symbol.PartialDefinitionPart is not null || symbol.PartialImplementationPart is not null
            || method.Modifiers.Any(SyntaxKind.PartialKeyword)
            || method.ExplicitInterfaceSpecifier is not null || !symbol.ExplicitInterfaceImplementations.IsEmpty
            || (method.Body is null && method.ExpressionBody is null)
            || symbol.ContainingType is not { TypeKind: TypeKind.Class or TypeKind.Struct } type)
        {
            return false;
        }

        // An implicit implementation of an interface member would stop implementing it.
        foreach (var @interface in type.AllInterfaces)
        {
            foreach (var member in @interface.GetMembers(symbol.Name))
            {
                if (SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(member), symbol))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether the body reads <c>this</c> or <c>base</c>, explicitly or implicitly (an instance field, property, method or event).</summary>
    internal static bool UsesInstance(SemanticModel semanticModel, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        SyntaxNode body = (SyntaxNode?)method.Body ?? method.ExpressionBody!;
        if (body.DescendantNodesAndSelf().Any(n => n is ThisExpressionSyntax or BaseExpressionSyntax))
        {
            return true;
        }

        if (semanticModel.GetOperation(method, cancellationToken) is not { } operation)
        {
            return true;
        }

        foreach (var descendant in operation.DescendantsAndSelf())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (descendant is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            {
                return true;
            }

            // An erroneous body may hide what it refers to: do not guess.
            if (descendant is IInvalidOperation)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<Solution> MakeStaticAsync(Document document, MethodDeclarationSyntax method, IMethodSymbol symbol, CancellationToken cancellationToken)
    {
        var solution = document.Project.Solution;
        var editor = new SolutionEditor(solution);

        // Calls through an instance (this.F(x), model.F(x)) would become CS0176: call through the type instead.
        var references = await SymbolFinder.FindReferencesAsync(symbol, solution, cancellationToken).ConfigureAwait(false);
        foreach (var group in references.SelectMany(r => r.Locations).Where(l => l.Location.IsInSource && !l.IsImplicit).GroupBy(l => l.Document.Id))
        {
            if (solution.GetDocument(group.Key) is null)
            {
                continue;
            }

            // The editor's own root and model, so the nodes found below are the ones it edits.
            var documentEditor = await editor.GetDocumentEditorAsync(group.Key, cancellationToken).ConfigureAwait(false);
            var root = documentEditor.OriginalRoot;
            var semanticModel = documentEditor.SemanticModel;
            foreach (var location in group)
            {
                if (root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true) is SimpleNameSyntax name
                    && name.Parent is MemberAccessExpressionSyntax access && access.Name == name
                    && IsDroppableReceiver(access.Expression)
                    && semanticModel.GetSymbolInfo(access.Expression, cancellationToken).Symbol is not (INamespaceOrTypeSymbol or IAliasSymbol))
                {
                    var typeName = SyntaxFactory.ParseTypeName(symbol.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat))
                        .WithTriviaFrom(access.Expression)
                        .WithAdditionalAnnotations(Simplifier.Annotation);
                    documentEditor.ReplaceNode(access.Expression, typeName);
                }
            }
        }

        // Registered last, on the current node, so that edits to calls inside the method itself are kept.
        var declaringEditor = await editor.GetDocumentEditorAsync(document.Id, cancellationToken).ConfigureAwait(false);
        if (declaringEditor.OriginalRoot.FindToken(method.Identifier.SpanStart).Parent is not MethodDeclarationSyntax declaration)
        {
            return solution;
        }

        declaringEditor.ReplaceNode(declaration, (current, _) => current is MethodDeclarationSyntax m ? AddStatic(m) : current);
        return editor.GetChangedSolution();
    }

    /// <summary>
    /// A receiver whose evaluation can be dropped without losing side effects: <c>this</c>, <c>base</c>, a name, or a
    /// member access or parenthesized form of those. Anything else (<c>Create().F(x)</c>) is left for the user.
    /// </summary>
    private static bool IsDroppableReceiver(ExpressionSyntax expression) => expression switch
    {
        ThisExpressionSyntax or BaseExpressionSyntax or IdentifierNameSyntax => true,
        MemberAccessExpressionSyntax access => IsDroppableReceiver(access.Expression),
        ParenthesizedExpressionSyntax parenthesized => IsDroppableReceiver(parenthesized.Expression),
        _ => false,
    };

    /// <summary>
    /// Adds <c>static</c> after the accessibility modifiers (<c>public static double F</c>), the order the .NET style uses, and
    /// drops <c>readonly</c>, which a static method cannot have. The declaration's leading trivia stays first.
    /// </summary>
    internal static MethodDeclarationSyntax AddStatic(MethodDeclarationSyntax method)
    {
        var staticToken = SyntaxFactory.Token(SyntaxKind.StaticKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (method.Modifiers.Count == 0)
        {
            var first = method.ReturnType.GetFirstToken();
            return method
                .ReplaceToken(first, first.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(staticToken.WithLeadingTrivia(first.LeadingTrivia)));
        }

        var leading = method.Modifiers[0].LeadingTrivia;
        var modifiers = new List<SyntaxToken>();
        foreach (var modifier in method.Modifiers)
        {
            if (!modifier.IsKind(SyntaxKind.ReadOnlyKeyword))
            {
                modifiers.Add(modifier.WithLeadingTrivia(SyntaxFactory.TriviaList()));
            }
        }

        var index = 0;
        while (index < modifiers.Count && IsAccessibility(modifiers[index].Kind()))
        {
            index++;
        }

        modifiers.Insert(index, staticToken);
        modifiers[0] = modifiers[0].WithLeadingTrivia(leading);
        return method.WithModifiers(SyntaxFactory.TokenList(modifiers));
    }

    private static bool IsAccessibility(SyntaxKind kind) =>
        kind is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.ProtectedKeyword or SyntaxKind.InternalKeyword or SyntaxKind.FileKeyword;
}
