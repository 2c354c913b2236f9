using System.Collections.Generic;
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

        var names = WithRespectTo(attribute);
        return method.Parameters
            .Select(p => MethodParser.Classify(p.Type)?.IsDifferentiable() == true && (names.Count == 0 || names.Contains(p.Name)))
            .ToEquatableArray();
    }

    /// <summary>The parameter names a [Differentiate] attribute lists; none for every parameter, and for [Differentiate(null)].</summary>
    public static List<string> WithRespectTo(AttributeData attribute)
    {
        var names = new List<string>();
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Array)
            {
                // A null array (Values would throw) names nothing.
                if (!argument.IsNull)
                {
                    names.AddRange(argument.Values.Select(v => v.Value).OfType<string>());
                }
            }
            else if (argument.Value is string name)
            {
                names.Add(name);
            }
        }

        return names;
    }
}
