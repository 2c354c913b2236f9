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
        var taken = new List<(string Name, string Parameters, string Owner)>();
        foreach (var member in method.ContainingType.GetMembers().OfType<IMethodSymbol>())
        {
            if (SymbolEqualityComparer.Default.Equals(member, method))
            {
                continue;
            }

            if (own.Any(companion => companion.Name == member.Name))
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
                Add("Hvp", parameters.Concat(tangents).Concat(buffers));
                Add("Hvp", parameters.Concat(tangents));
            }
        }
        else
        {
            Add("Jacobian", parameters);
            Add("Vjp", parameters.Append(Key(target.ReturnType, false)).Concat(buffers));
            Add("Jvp", parameters.Concat(tangents));
        }

        return result;
    }

    private static string Key(ITypeSymbol type, bool byReference) =>
        (byReference ? "out " : string.Empty) + type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);

    private static string Signature(IEnumerable<string> types) => string.Join(", ", types);
}
