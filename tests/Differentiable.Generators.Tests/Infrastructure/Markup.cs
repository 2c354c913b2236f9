using Microsoft.CodeAnalysis.Text;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>Source with one span marked <c>[|like this|]</c>: the place a diagnostic must point at.</summary>
internal static class Markup
{
    public static (string Source, TextSpan Span) Parse(string markup)
    {
        var start = markup.IndexOf("[|", System.StringComparison.Ordinal);
        var end = markup.IndexOf("|]", System.StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "markup needs one [| |] span");
        var source = markup.Remove(end, 2).Remove(start, 2);
        return (source, new TextSpan(start, end - start - 2));
    }
}
