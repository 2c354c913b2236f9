using System.Text;

namespace Differentiable.Generators.Emit;

/// <summary>An indenting text writer with fixed "\n" line endings, so output is byte-identical on every OS.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder builder = new();
    private int indentation;

    public void Indent() => indentation++;

    public void Unindent() => indentation--;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            builder.Append(' ', indentation * 4).Append(text);
        }

        builder.Append('\n');
    }

    /// <summary>Writes another writer's lines, each indented further as this writer is.</summary>
    public void Append(CodeWriter other)
    {
        var text = other.ToString();
        if (text.Length == 0)
        {
            return;
        }

        foreach (var line in text.Substring(0, text.Length - (text.EndsWith("\n", System.StringComparison.Ordinal) ? 1 : 0)).Split('\n'))
        {
            Line(line);
        }
    }

    public override string ToString() => builder.ToString();
}
