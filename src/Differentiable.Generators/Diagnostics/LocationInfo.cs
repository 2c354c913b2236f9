using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Differentiable.Generators.Diagnostics;

/// <summary>A source location as plain values (no syntax tree), so diagnostics can be cached with the model.</summary>
/// <param name="Start">The offset of the first character.</param>
/// <param name="StartLine">Zero-based, as <see cref="LinePosition"/>; columns likewise.</param>
/// <param name="RelativeToMethod">
/// True for a place in the differentiated method's own file: <paramref name="Start"/> and the lines then count from the
/// method's <see cref="MethodAnchor"/> (they may be negative; columns stay absolute). Text typed above the method moves
/// the method, not its model, so the parse cache and the emit step keep both; the anchor is applied at output.
/// </param>
internal sealed record LocationInfo(
    string FilePath,
    int Start,
    int Length,
    int StartLine,
    int StartColumn,
    int EndLine,
    int EndColumn,
    bool RelativeToMethod = false)
{
    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        var lines = location.GetLineSpan().Span;
        return new LocationInfo(
            location.SourceTree.FilePath,
            location.SourceSpan.Start,
            location.SourceSpan.Length,
            lines.Start.Line,
            lines.Start.Character,
            lines.End.Line,
            lines.End.Character);
    }

    public static LocationInfo From(SyntaxNode node) => From(node.GetLocation())!;

    public static LocationInfo From(SyntaxToken token) => From(token.GetLocation())!;

    /// <summary>This place measured from <paramref name="anchor"/> (which must be in the same file).</summary>
    public LocationInfo RelativeTo(MethodAnchor anchor) => RelativeToMethod
        ? this
        : this with { Start = Start - anchor.Position, StartLine = StartLine - anchor.Line, EndLine = EndLine - anchor.Line, RelativeToMethod = true };

    /// <summary>
    /// Rebuilds a tree-based location when the tree is known, so #pragma suppression applies. A place relative to its
    /// method needs the method's <paramref name="anchor"/>; without one it has no place (it is reported without).
    /// </summary>
    public Location ToLocation(Compilation? compilation, MethodAnchor? anchor = null)
    {
        var (start, startLine, endLine) = (Start, StartLine, EndLine);
        if (RelativeToMethod)
        {
            if (anchor is null)
            {
                return Location.None;
            }

            (start, startLine, endLine) = (start + anchor.Position, startLine + anchor.Line, endLine + anchor.Line);
        }

        if (start < 0 || startLine < 0 || endLine < startLine)
        {
            return Location.None;
        }

        var span = new TextSpan(start, Length);
        if (compilation is not null)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == FilePath && tree.Length >= span.End)
                {
                    return Location.Create(tree, span);
                }
            }
        }

        return Location.Create(FilePath, span, new LinePositionSpan(new LinePosition(startLine, StartColumn), new LinePosition(endLine, EndColumn)));
    }
}

/// <summary>
/// Where a differentiated method starts in its file (the first character of its declaration, attributes included):
/// the origin of its model's <see cref="LocationInfo.RelativeToMethod"/> places.
/// </summary>
/// <param name="Key">The method's identity (<see cref="Calls.CallSymbols.Key"/>), which moving it does not change.</param>
internal sealed record MethodAnchor(string Key, string FilePath, int Position, int Line)
{
    public static MethodAnchor Of(string key, SyntaxNode declaration) =>
        new(key, declaration.SyntaxTree.FilePath, declaration.SpanStart, declaration.SyntaxTree.GetText().Lines.GetLinePosition(declaration.SpanStart).Line);
}
