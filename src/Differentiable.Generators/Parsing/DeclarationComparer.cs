using System;
using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Whether two versions of a file declare the same: the same tokens everywhere except inside member bodies, and the same
/// preprocessor directives. An edit that passes leaves every symbol of the compilation as it was, so it can change the
/// binding of no method but the ones whose bodies it touched (see <see cref="ParseCache"/>).
/// </summary>
/// <remarks>
/// Stricter than Roslyn's top-level equivalence on purpose: field, property and parameter initializers, attributes,
/// accessor bodies and global statements are compared too (a constant's value can be folded into a caller), and so are
/// directives inside bodies (<c>#nullable</c> applies to the rest of the file). Comments and whitespace are ignored.
/// </remarks>
internal static class DeclarationComparer
{
    public static bool SameOutsideBodies(SyntaxNode before, SyntaxNode after, CancellationToken cancellationToken)
    {
        if (before is not CSharpSyntaxNode beforeRoot || after is not CSharpSyntaxNode afterRoot)
        {
            return false;
        }

        using (var left = before.DescendantNodesAndTokens(IsNotBody).GetEnumerator())
        using (var right = after.DescendantNodesAndTokens(IsNotBody).GetEnumerator())
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var hasLeft = left.MoveNext();
                if (hasLeft != right.MoveNext())
                {
                    return false;
                }

                if (!hasLeft)
                {
                    break;
                }

                var (a, b) = (left.Current, right.Current);
                if (a.RawKind != b.RawKind || (a.IsToken && a.AsToken().Text != b.AsToken().Text))
                {
                    return false;
                }
            }
        }

        var (x, y) = (beforeRoot.GetFirstDirective(), afterRoot.GetFirstDirective());
        while (x is not null && y is not null)
        {
            if (!x.IsEquivalentTo(y))
            {
                return false;
            }

            (x, y) = (x.GetNextDirective(), y.GetNextDirective());
        }

        return x is null && y is null;
    }

    /// <summary>
    /// Where each member declaration (namespace, type, member) of a file starts, in order. Two versions that declare the
    /// same have the same members in the same order, so an equal count before a position means the same declaration.
    /// </summary>
    public static int[] MemberStarts(SyntaxNode root)
    {
        var starts = new List<int>();
        foreach (var node in root.DescendantNodes(IsNotBody))
        {
            if (node is MemberDeclarationSyntax)
            {
                starts.Add(node.SpanStart);
            }
        }

        return starts.ToArray();
    }

    /// <summary>How many of <paramref name="starts"/> (sorted; no two declarations start at the same place) lie before <paramref name="position"/>.</summary>
    public static int CountBefore(int[] starts, int position)
    {
        var index = Array.BinarySearch(starts, position);
        return index < 0 ? ~index : index;
    }

    /// <summary>
    /// Bodies of methods, constructors and operators are not walked, unless their type has a primary constructor: a body
    /// that captures one of its parameters adds a field to the type. Accessor bodies are always walked (C# 14's
    /// <c>field</c> declares a backing field from inside one).
    /// </summary>
    private static bool IsNotBody(SyntaxNode node) =>
        node.Parent is not BaseMethodDeclarationSyntax member
        || (node != member.Body && node != member.ExpressionBody)
        || member.Parent is TypeDeclarationSyntax { ParameterList: not null };
}
