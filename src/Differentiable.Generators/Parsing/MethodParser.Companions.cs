using System;
using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Ir;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Parsing;

/// <summary>The companions' signatures, so that two of them (or one and a user method) never share one.</summary>
internal sealed partial class MethodParser
{
    private const string DifferentiateAttributeName = "Differentiable.DifferentiateAttribute";

    /// <summary>
    /// A companion that would have the signature of another overload's companion (<c>F(double[] a)</c> and
    /// <c>F(double[] a, double[] b)</c> both make <c>FGradient(double[], double[])</c>) or of a method the type already
    /// has would not compile (CS0111): reported here instead. Only declarations are read, which the parse cache
    /// compares already.
    /// </summary>
    private void ReportCompanionClashes(string[] withRespectTo, bool hessian)
    {
        var own = CompanionSignatures(method, withRespectTo, hessian);
        var type = method.ContainingType;
        foreach (var name in own.Select(companion => companion.Name).Distinct())
        {
            // A name no method may take, whatever its parameters: the type's own (CS0542), a type parameter's or
            // another kind of member's (CS0102).
            var holder = name == type.Name ? $"its containing type {type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)} (CS0542)"
                : type.TypeParameters.Any(p => p.Name == name) ? $"a type parameter of {type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)} (CS0102)"
                : type.GetMembers(name).FirstOrDefault(m => m is not IMethodSymbol) is { } member ? $"the {MemberKind(member)} {member.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)} (CS0102)"
                : null;
            if (holder is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedFeature, syntax.Identifier, $"The companion {name} of '{method.Name}' would take the name of {holder}; rename one of the two");
                return;
            }
        }

        var taken = new List<(string Name, string Parameters, string Owner)>();
        foreach (var member in type.GetMembers().OfType<IMethodSymbol>())
        {
            if (SamePartialMethod(member, method))
            {
                continue;
            }

            // A generic method of a companion's name is another signature (the companions have no type parameters).
            if (member.Arity == 0 && own.Any(companion => companion.Name == member.Name))
            {
                taken.Add((member.Name, Signature(member.Parameters.Select(p => Key(p.Type, p.RefKind != RefKind.None))), $"the method {member.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}"));
            }

            if (member.Name == method.Name && member.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == DifferentiateAttributeName) is { } attribute)
            {
                var (otherWithRespectTo, otherHessian, _, _) = ReadAttribute(attribute);
                var owner = $"a companion of the overload {member.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}";
                taken.AddRange(CompanionSignatures(member, otherWithRespectTo, otherHessian).Select(c => (c.Name, c.Parameters, owner)));
            }
        }

        foreach (var companion in own)
        {
            if (taken.FirstOrDefault(t => t.Name == companion.Name && t.Parameters == companion.Parameters) is { Owner: not null } clash)
            {
                Report(DiagnosticDescriptors.UnsupportedFeature, syntax.Identifier, $"The companion {companion.Name}({companion.Parameters}) of '{method.Name}' would have the signature of {clash.Owner}; rename one of the two methods");
                return;
            }
        }
    }

    /// <summary>The same method, or the other part of the same partial method (the type lists only its definition).</summary>
    internal static bool SamePartialMethod(IMethodSymbol member, IMethodSymbol method) =>
        SymbolEqualityComparer.Default.Equals(member, method)
        || SymbolEqualityComparer.Default.Equals(member, method.PartialDefinitionPart)
        || SymbolEqualityComparer.Default.Equals(member, method.PartialImplementationPart);

    private static string MemberKind(ISymbol member) => member switch
    {
        IFieldSymbol { IsConst: true } => "constant",
        IFieldSymbol => "field",
        IPropertySymbol => "property",
        IEventSymbol => "event",
        INamedTypeSymbol => "nested type",
        _ => "member",
    };

    /// <summary>Every companion the emitters write for a method: its name and its parameter types, out ones marked.</summary>
    private static List<(string Name, string Parameters)> CompanionSignatures(IMethodSymbol target, string[] withRespectTo, bool hessian)
    {
        var parameters = target.Parameters.Select(p => Key(p.Type, false)).ToList();
        var active = target.Parameters.Where(p => IsActive(p, withRespectTo)).ToList();

        // Gradient buffers: arrays by value, scalars and System.Numerics values out; tangents by value.
        var buffers = active.Select(p => Key(p.Type, Classify(p.Type)?.IsArray() != true)).ToList();
        var tangents = active.Select(p => Key(p.Type, false)).ToList();
        var result = new List<(string, string)>();
        void Add(string suffix, IEnumerable<string> types) => result.Add((target.Name + suffix, Signature(types)));
        if (Classify(target.ReturnType) is IrType.Double or IrType.Single)
        {
            Add("Gradient", parameters.Concat(buffers));
            Add("Gradient", parameters);
            Add("Jvp", parameters.Concat(tangents));
            if (hessian)
            {
                Add("Hessian", parameters);
                // Float and System.Numerics parameters get no public Hvp (their Hessian runs a local one in double).
                if (active.All(p => Classify(p.Type) is IrType.Double or IrType.DoubleArray or IrType.DoubleMatrix))
                {
                    Add("Hvp", parameters.Concat(tangents).Concat(buffers));
                    Add("Hvp", parameters.Concat(tangents));
                }
            }
        }
        else
        {
            Add("Jacobian", parameters);
            Add("JacobianOnly", parameters);
            Add("Vjp", parameters.Append(Key(target.ReturnType, false)).Concat(buffers));
            Add("Jvp", parameters.Concat(tangents));
        }

        return result;
    }

    private static string Key(ITypeSymbol type, bool byReference) =>
        (byReference ? "out " : string.Empty) + type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private static string Signature(IEnumerable<string> types) => string.Join(", ", types);
}
