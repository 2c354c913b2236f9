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

namespace Differentiable.CodeFixes;

/// <summary>DIFF001: adds the <c>partial</c> modifier to a type that contains a [Differentiate] method.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeTypePartialCodeFixProvider)), Shared]
public sealed class MakeTypePartialCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of every action of this provider, so that Fix All groups them.</summary>
    public const string EquivalenceKey = "Differentiable.MakeTypePartial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TypeNotPartial);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (FindType(root, diagnostic) is not { } type)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Make '{type.Identifier.ValueText}' partial",
                    cancellationToken => MakePartialAsync(context.Document, type, cancellationToken),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The non-partial class, struct, record or interface whose name the diagnostic is reported at; null otherwise.</summary>
    private static TypeDeclarationSyntax? FindType(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Location.IsInSource || !root.FullSpan.Contains(diagnostic.Location.SourceSpan))
        {
            return null;
        }

        var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
        return token.Parent is TypeDeclarationSyntax type
            && type.Identifier == token
            && type is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax or InterfaceDeclarationSyntax
            && !type.Modifiers.Any(SyntaxKind.PartialKeyword)
                ? type
                : null;
    }

    private static async Task<Document> MakePartialAsync(Document document, TypeDeclarationSyntax type, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindToken(type.Identifier.SpanStart).Parent is not TypeDeclarationSyntax current || current.Modifiers.Any(SyntaxKind.PartialKeyword))
        {
            return document;
        }

        return document.WithSyntaxRoot(root.ReplaceNode(current, AddPartial(current)));
    }

    /// <summary>
    /// Adds <c>partial</c> as the last modifier, right before the type keyword (<c>public static partial class</c>), which is
    /// where C# requires it. With no modifiers, the keyword's leading trivia (indentation, comments) moves to <c>partial</c>.
    /// </summary>
    internal static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count > 0)
        {
            return type.WithModifiers(type.Modifiers.Add(partial));
        }

        var keyword = type.Keyword;
        return type
            .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
    }
}
