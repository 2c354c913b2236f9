using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Differentiable.Generators.Diagnostics;

/// <summary>A source location as plain values (no syntax tree), so diagnostics can be cached with the model.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }

    public static LocationInfo From(SyntaxNode node) => From(node.GetLocation())!;

    public static LocationInfo From(SyntaxToken token) => From(token.GetLocation())!;

    /// <summary>Rebuilds a tree-based location when the tree is known, so #pragma suppression applies.</summary>
    public Location ToLocation(Compilation? compilation)
    {
        if (compilation is not null)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == FilePath)
                {
                    return Location.Create(tree, Span);
                }
            }
        }

        return Location.Create(FilePath, Span, LineSpan);
    }
}
