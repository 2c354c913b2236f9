using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Analysis;

/// <summary>Hands out identifiers derived from the user's (dW for W) that clash with nothing the method uses.</summary>
internal sealed class NameScope
{
    private readonly HashSet<string> used;

    public NameScope(IEnumerable<string> reserved)
    {
        used = new HashSet<string>(reserved, System.StringComparer.Ordinal);
    }

    public bool IsUsed(string name) => used.Contains(name);

    public string Fresh(string preferred)
    {
        var name = preferred;
        for (var suffix = 2; used.Contains(name) || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None; suffix++)
        {
            name = preferred + suffix.ToString(CultureInfo.InvariantCulture);
        }

        used.Add(name);
        return name;
    }

    /// <summary>The adjoint (or tangent) name of a primal: <c>d</c> + name, with dots of qualified names dropped.</summary>
    public string Derivative(string primal) => Fresh("d" + primal);

    /// <summary>
    /// A tuple element the contract names <c>d</c> + parameter (<c>dW</c>), escaped where that spells a keyword
    /// (parameter <c>o</c>: <c>@do</c>, still the element <c>do</c>).
    /// </summary>
    public static string DerivativeElement(string parameter)
    {
        var name = "d" + parameter;
        return SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
    }
}
