using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Calls;

/// <summary>Identities and signatures of called methods, shared by the method parser and the rule parser.</summary>
internal static class CallSymbols
{
    public static string TypeName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    public static string Key(IMethodSymbol method) =>
        $"{TypeName(method.ContainingType)}.{method.Name}({string.Join(", ", method.Parameters.Select(p => TypeName(p.Type)))})";

    public static string Invocation(IMethodSymbol method) => $"{TypeName(method.ContainingType)}.{method.Name}";

    /// <summary>Per parameter, whether the method's [Differentiate] companion differentiates it; empty without the attribute.</summary>
    public static EquatableArray<bool> Differentiated(IMethodSymbol method)
    {
        var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == "Differentiable.DifferentiateAttribute");
        if (attribute is null)
        {
            return EquatableArray<bool>.Empty;
        }

        var names = attribute.ConstructorArguments
            .SelectMany(a => a.Kind == TypedConstantKind.Array ? (a.IsNull ? Enumerable.Empty<string?>() : a.Values.Select(v => v.Value as string)) : new[] { a.Value as string })
            .Where(n => n is not null)
            .ToList();
        return method.Parameters
            .Select(p => MethodParser.Classify(p.Type)?.IsDifferentiable() == true && (names.Count == 0 || names.Contains(p.Name)))
            .ToEquatableArray();
    }
}
