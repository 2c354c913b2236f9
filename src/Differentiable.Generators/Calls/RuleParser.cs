using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Calls;

/// <summary>
/// Reads a [DerivativeOf] rule: finds its target and checks that the rule has exactly the signature of the target's
/// gradient companion — the target's parameters, then one gradient buffer (out double, double[], double[,]) per
/// differentiated parameter, in declaration order, returning the value.
/// </summary>
internal static class RuleParser
{
    public static RuleResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not IMethodSymbol rule || context.TargetNode is not MethodDeclarationSyntax syntax || context.Attributes.Length == 0)
        {
            return new RuleResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        var location = LocationInfo.From(syntax.Identifier);
        try
        {
            var attribute = context.Attributes[0];
            var arguments = attribute.ConstructorArguments;
            var targetType = arguments.Length == 2 ? arguments[0].Value as INamedTypeSymbol : rule.ContainingType;
            var targetName = arguments.Length > 0 ? arguments[arguments.Length - 1].Value as string : null;
            if (targetType is null || targetName is null)
            {
                return Failed(location, rule.Name, "the attribute must name the target method: [DerivativeOf(nameof(F))] or [DerivativeOf(typeof(T), nameof(F))]");
            }

            var candidates = targetType.GetMembers(targetName).OfType<IMethodSymbol>().Where(m => m.IsStatic && !ReferenceEquals(m, rule)).ToList();
            if (candidates.Count == 0)
            {
                return Failed(location, rule.Name, $"'{targetType.Name}' has no static method named '{targetName}'");
            }

            foreach (var target in candidates)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Match(rule, target) is { } differentiated)
                {
                    if (BuiltIn(target) is { } builtIn)
                    {
                        return Failed(location, rule.Name, builtIn);
                    }

                    if (FileLocalContainer(rule) is { } fileLocal)
                    {
                        return Failed(location, rule.Name, $"'{fileLocal.Name}' is a file-local type (declared with 'file'), and the generated code that calls the rule lives in another file, where it cannot be named; declare '{fileLocal.Name}' internal instead");
                    }

                    return new RuleResult(new RuleModel(CallSymbols.Key(target), CallSymbols.Invocation(rule), differentiated, VisibleWithin(rule)), EquatableArray<DiagnosticInfo>.Empty, location);
                }
            }

            // A built-in function's rule is never called, whatever its signature (float.LogP1's was told it returns float).
            if (candidates.Select(BuiltIn).FirstOrDefault(why => why is not null) is { } unused)
            {
                return Failed(location, rule.Name, unused);
            }

            var target0 = candidates[0];
            if (candidates.All(c => c.ReturnType.SpecialType != SpecialType.System_Double))
            {
                // The signature the message below would spell out (a gradient's) is refused for such a target too.
                return Failed(location, rule.Name, target0.ReturnType is IArrayTypeSymbol
                    ? $"'{target0.Name}' returns {target0.ReturnType.ToDisplayString()}, and rules replace only methods that return double: calls to array-valued methods are not differentiated yet (DIFF007), with or without a rule; compute the array in the calling method"
                    : $"'{target0.Name}' returns {target0.ReturnType.ToDisplayString()}, and rules replace only methods that return double; write the rule for a double overload (or a double method of your own that wraps it), and call that");
            }

            var expected = string.Join(", ", target0.Parameters.Select(p => $"{p.Type.ToDisplayString()} {p.Name}")
                .Concat(Companion(target0).Select(i => target0.Parameters[i])
                    .Select(p => MethodParser.Classify(p.Type) == IrType.Double ? $"out double d{p.Name}" : $"{p.Type.ToDisplayString()} d{p.Name}")));
            return Failed(location, rule.Name, $"its signature must be that of {target0.Name}'s gradient companion: double {rule.Name}({expected}); a rule for some parameters only names each buffer d + the parameter's name, in parameter order");
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            return new RuleResult(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, rule.Name, exception.GetType().Name + ": " + exception.Message)));
        }
    }

    /// <summary>
    /// Why a rule for a math function the parser differentiates itself would never be called (it was ignored without
    /// a word: a rule for Math.Exp, or for double.Clamp, whose calls take the built-in rule or Math.Clamp's); null
    /// for Math.Clamp over doubles, the one built-in a rule replaces, and for anything else.
    /// </summary>
    private static string? BuiltIn(IMethodSymbol target)
    {
        var type = target.ContainingType;
        if (MethodParser.MathClassOf(target) is null || !target.Parameters.All(p => p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Single or SpecialType.System_Int32))
        {
            return null;
        }

        var overDoubles = target.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Double);
        if (target.Name == BuiltInCalls.ClampName && overDoubles)
        {
            return MethodParser.MathClassOf(target) == SpecialType.System_Object
                ? null
                : "double.Clamp calls Math.Clamp, and [Differentiate] methods differentiate both as Math.Clamp; write the rule for it: [DerivativeOf(typeof(Math), nameof(Math.Clamp))]";
        }

        if (target.Name == BuiltInCalls.ClampName || Enum.TryParse<MathFunction>(target.Name, out _))
        {
            // As the user spells it: float.LogP1, not Single.LogP1.
            var spelled = type.SpecialType switch { SpecialType.System_Single => "float", SpecialType.System_Double => "double", _ => type.Name };
            return $"{spelled}.{target.Name} has a built-in derivative, which [Differentiate] methods use whatever rules exist (only Math.Clamp's over doubles can be replaced); remove the rule, or call a method of your own that wraps {target.Name} and write the rule for that";
        }

        return null;
    }

    /// <summary>
    /// DIFF016 for each rule after the first for the same target, in the order the calls resolve them (the first wins):
    /// two rules were accepted without a word, and one of them silently ignored (a helper's hunt of rules).
    /// </summary>
    public static EquatableArray<DiagnosticInfo> SecondRules(IEnumerable<RuleResult> results)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var result in results)
        {
            if (result.Rule is not { } rule || result.Location is not { } location)
            {
                continue;
            }

            var name = rule.Invocation.Replace("global::", string.Empty);
            if (first.TryGetValue(rule.TargetKey, out var winner))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRule, location, name, $"'{rule.TargetKey.Replace("global::", string.Empty)}' already has a rule, {winner}, which its calls use; remove one of the two"));
            }
            else
            {
                first[rule.TargetKey] = name;
            }
        }

        return diagnostics.ToEquatableArray();
    }

    /// <summary>
    /// The type whose body alone may call the rule: the container of the innermost private or protected symbol among the
    /// rule and its containing types (protected is taken as private: a derived caller is rare, and told to widen it).
    /// A private rule in another type was taken, and the generated call to it failed to compile (CS0122).
    /// </summary>
    private static string? VisibleWithin(IMethodSymbol rule)
    {
        for (ISymbol? symbol = rule; symbol?.ContainingType is { } container; symbol = container)
        {
            if (symbol.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
            {
                return CallSymbols.TypeName(container);
            }
        }

        return null;
    }

    /// <summary>The file-local type the rule is declared in (or within), which no generated file can name (it was CS0246 there).</summary>
    private static INamedTypeSymbol? FileLocalContainer(IMethodSymbol rule)
    {
        for (var type = rule.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal)
            {
                return type;
            }
        }

        return null;
    }

    private static RuleResult Failed(LocationInfo location, string rule, string reason) =>
        new(null, EquatableArray.Create(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRule, location, rule, reason)));

    /// <summary>Per target parameter, whether the rule has its gradient buffer; null when the signature does not fit.</summary>
    private static EquatableArray<bool>? Match(IMethodSymbol rule, IMethodSymbol target)
    {
        var k = target.Parameters.Length;
        if (rule.ReturnType.SpecialType != SpecialType.System_Double || target.ReturnType.SpecialType != SpecialType.System_Double || rule.Parameters.Length <= k)
        {
            return null;
        }

        for (var i = 0; i < k; i++)
        {
            if (!SymbolEqualityComparer.Default.Equals(rule.Parameters[i].Type, target.Parameters[i].Type) || rule.Parameters[i].RefKind != RefKind.None)
            {
                return null;
            }
        }

        var buffers = rule.Parameters.Skip(k).ToList();

        // Buffers named d + a parameter's name (db for b) bind by name, in parameter order: a rule may cover some
        // parameters only. Others bind by position to the parameters the target's gradient companion differentiates
        // (its [Differentiate] list, else every differentiable one). Bound by type alone, in order, the buffer db of
        // F(double a, double b) was taken for da, and a rule for [Differentiate(nameof(b))] G(a, b) gave ∂/∂b as ∂/∂a
        // (a helper's hunt).
        var named = buffers.Select(b => IndexOf(target, b.Name.Length > 1 && b.Name[0] == 'd' ? b.Name.Substring(1) : null)).ToList();
        var bound = named.All(i => i >= 0) ? named : Companion(target);
        if (bound.Count != buffers.Count)
        {
            return null;
        }

        var flags = new bool[k];
        for (var b = 0; b < buffers.Count; b++)
        {
            var parameter = target.Parameters[bound[b]];
            var type = MethodParser.Classify(parameter.Type);
            if ((b > 0 && bound[b] <= bound[b - 1]) || type?.IsDifferentiable() != true
                || !SymbolEqualityComparer.Default.Equals(buffers[b].Type, parameter.Type)
                || buffers[b].RefKind != (type == IrType.Double ? RefKind.Out : RefKind.None))
            {
                return null;
            }

            flags[bound[b]] = true;
        }

        return flags.ToEquatableArray();
    }

    private static int IndexOf(IMethodSymbol target, string? name)
    {
        for (var i = 0; i < target.Parameters.Length; i++)
        {
            if (target.Parameters[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The parameters the target's allocation-free gradient companion has buffers for, in order.</summary>
    private static List<int> Companion(IMethodSymbol target)
    {
        var differentiated = CallSymbols.Differentiated(target);
        return Enumerable.Range(0, target.Parameters.Length)
            .Where(i => differentiated.Count > 0 ? differentiated[i] : MethodParser.Classify(target.Parameters[i].Type)?.IsDifferentiable() == true)
            .ToList();
    }
}
