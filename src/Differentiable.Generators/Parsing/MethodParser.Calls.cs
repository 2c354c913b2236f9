using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Parsing;

/// <summary>Calls to other methods: through their [Differentiate] companions, their bodies, or a [DerivativeOf] rule.</summary>
internal sealed partial class MethodParser
{
    /// <summary>Most methods nested through bodies: deeper call chains must be marked [Differentiate].</summary>
    private const int MaxHelperDepth = 8;

    private const string PassItIn = "compute the value outside the differentiated method and pass it in as a parameter";

    /// <summary>
    /// A call to a static method of the user's: differentiated through the callee's own [Differentiate] companion, its
    /// body, or a [DerivativeOf] rule, which the emit step resolves once every rule in the compilation is known. What
    /// no rule can fix (the call's shape) is DIFF007 here; what a rule could fix travels with the call, so that the emit
    /// step can say why when none turns up.
    /// </summary>
    private Expr ParseUserCall(InvocationExpressionSyntax invocation, IMethodSymbol target, int depth)
    {
        var display = target.ContainingType is null ? target.Name : target.ContainingType.Name + "." + target.Name;
        var parameterTypes = target.Parameters.Select(p => Classify(p.Type)).ToList();
        if (UnsupportedShape(invocation, target, parameterTypes) is { } shape)
        {
            Report(DiagnosticDescriptors.NoDerivativeForCall, invocation, display, shape);
            return Constant.Zero;
        }

        var arguments = new List<Expr>();
        for (var k = 0; k < target.Parameters.Length; k++)
        {
            var reported = diagnostics.Count;
            var argument = ParseExpression(invocation.ArgumentList.Arguments[k].Expression, depth + 1);
            if (parameterTypes[k]!.Value.IsArray() && argument is not Variable && diagnostics.Count == reported)
            {
                return Unsupported(invocation.ArgumentList.Arguments[k], "pass arrays to a differentiated call as a variable");
            }

            arguments.Add(argument);
        }

        // No [Differentiate]: differentiate through the body (a companion generated once for all callers), as Clad does.
        // A [DerivativeOf] rule, if one exists, still wins at emit time.
        var differentiated = Calls.CallSymbols.Differentiated(target);
        var key = Calls.CallSymbols.Key(target);
        var needs = EquatableArray<CallNeed>.Empty;
        string? unresolved = null;
        if (differentiated.Count == 0)
        {
            var helper = helpersInProgress.Contains(key) ? new HelperParse(null, null, EquatableArray<CallNeed>.Empty, null) : ParseHelper(target);
            if (helper.Why is { } why)
            {
                unresolved = $"{why}; declare a {RuleAttribute(target)} rule for it, or {PassItIn}";
            }
            else
            {
                if (helper.Model is { } model)
                {
                    AddHelper(model, helper.Nested!);
                }

                differentiated = parameterTypes.Select(t => t!.Value.IsDifferentiable()).ToEquatableArray();
                needs = helper.Needs;
            }
        }

        var declaration = target.Locations.FirstOrDefault(l => l.IsInSource);
        if (declaration?.SourceTree is { } declarationTree)
        {
            dependencies?.Add(new SourceRead(declarationTree, declaration.SourceSpan));
        }

        var callee = new Callee(
            key,
            Calls.CallSymbols.Invocation(target),
            display,
            parameterTypes.Select(t => t!.Value).ToEquatableArray(),
            differentiated,
            Locate(invocation),
            Locate(declaration),
            Needs: needs,
            Unresolved: unresolved,
            ParameterNames: target.Parameters.Select(p => p.Name).ToEquatableArray());
        return new UserCall(callee, arguments.ToEquatableArray());
    }

    /// <summary>Why the call cannot pass derivatives whatever rules exist, with the fix; null when its shape is supported.</summary>
    private string? UnsupportedShape(InvocationExpressionSyntax invocation, IMethodSymbol target, List<IrType?> parameterTypes)
    {
        if (target.MethodKind == MethodKind.LocalFunction)
        {
            return $"local functions are not differentiated; make it a static method of a partial type, or {PassItIn}";
        }

        if (target.ReducedFrom is not null)
        {
            return target.ReducedFrom.Locations.Any(l => l.IsInSource)
                ? $"it is an extension method called on a value; call it as the static method {target.ReducedFrom.ContainingType.Name}.{target.Name}(…), or {PassItIn}"
                : $"it is an extension method of a referenced assembly, whose body cannot be read; write the computation as a loop, or {PassItIn}";
        }

        if (!target.IsStatic)
        {
            return $"it is an instance method; call a static method that takes what it reads as parameters, or {PassItIn}";
        }

        if (target.IsGenericMethod || target.MethodKind != MethodKind.Ordinary)
        {
            return $"only ordinary, non-generic static methods can be called; {PassItIn}";
        }

        if (target.ReturnType.SpecialType != SpecialType.System_Double)
        {
            if (target.ReturnType.SpecialType == SpecialType.System_Single)
            {
                // MathF.Tanh and float.Exp do pass derivatives: the message must not say that no float call does.
                return $"it returns float, and besides the built-in math functions (MathF's, float's and Math's float overloads) only calls returning double pass derivatives; give it a double result, or {PassItIn}";
            }

            var arrays = target.ReturnType is IArrayTypeSymbol ? " (an array-valued callee is not supported yet)" : string.Empty;
            return $"it returns {target.ReturnType.ToDisplayString()}, and only calls returning double pass derivatives{arrays}; {PassItIn}";
        }

        for (var k = 0; k < target.Parameters.Length; k++)
        {
            var parameter = target.Parameters[k];
            if (parameter.RefKind != RefKind.None || parameter.IsParams)
            {
                return $"its parameter '{parameter.Name}' is {(parameter.IsParams ? "params" : parameter.RefKind.ToString().ToLowerInvariant())}; calls pass arguments by value; {PassItIn}";
            }

            if (parameterTypes[k] == IrType.Single || (parameterTypes[k] is null && Fields(parameter.Type) is not null))
            {
                var marked = Calls.CallSymbols.Differentiated(target).Count > 0 ? ", even to a [Differentiate] method," : string.Empty;
                return $"its parameter '{parameter.Name}' is {parameter.Type.ToDisplayString()}, and calls{marked} pass derivatives through double, double[] and double[,] parameters only; give it double parameters, or {PassItIn}";
            }

            if (parameterTypes[k] is null)
            {
                return $"its parameter '{parameter.Name}' is {parameter.Type.ToDisplayString()}; calls take double, double[], double[,], int, bool and int[] parameters; {PassItIn}";
            }
        }

        var arguments = invocation.ArgumentList.Arguments;
        if (arguments.Any(a => a.NameColon is not null || a.RefKindKeyword != default) || arguments.Count != target.Parameters.Length)
        {
            return $"an argument is named, passed by ref, or left to its default; pass every argument positionally and by value, or {PassItIn}";
        }

        return null;
    }

    /// <summary>The attribute of a rule for <paramref name="target"/>, as the user would write it in the calling type.</summary>
    private string RuleAttribute(IMethodSymbol target)
    {
        if (SymbolEqualityComparer.Default.Equals(target.ContainingType, method.ContainingType))
        {
            return $"[DerivativeOf(nameof({target.Name}))]";
        }

        var type = target.ContainingType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        return $"[DerivativeOf(typeof({type}), nameof({type}.{target.Name}))]";
    }

    private void AddHelper(MethodModel helper, List<MethodModel> nested)
    {
        foreach (var untagged in nested.Prepend(helper))
        {
            var model = untagged with { Vectorize = vectorizeCompanions };
            if (!helpers.Contains(model))
            {
                helpers.Add(model);
            }
        }
    }

    /// <summary>A helper parsed for differentiation through its body, or why it cannot be (<see cref="Why"/>).</summary>
    /// <param name="Needs">Calls in its body (or its helpers' bodies) that only a [DerivativeOf] rule can differentiate.</param>
    private readonly record struct HelperParse(MethodModel? Model, List<MethodModel>? Nested, EquatableArray<CallNeed> Needs, string? Why);

    /// <summary>
    /// Parses a called method that has no [Differentiate], with every differentiable parameter active, so it can be
    /// differentiated through its body.
    /// </summary>
    private HelperParse ParseHelper(IMethodSymbol target)
    {
        if (helpersInProgress.Count > MaxHelperDepth)
        {
            return Fails($"it is called through more than {MaxHelperDepth} methods without [Differentiate]; mark one of them [Differentiate]");
        }

        if (target.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not MethodDeclarationSyntax helperSyntax)
        {
            return Fails(target.Locations.Any(l => l.IsInSource) ? "its body is not in source" : "it is in a referenced assembly, so its body cannot be read");
        }

        // A project reference's source is another compilation's (an IDE's, or a test's CompilationReference): this
        // compilation has no semantic model for it (ArgumentException, DIFF009), and a build reads the assembly anyway.
        if (!semanticModel.Compilation.ContainsSyntaxTree(helperSyntax.SyntaxTree))
        {
            return Fails("it is in a referenced project, so its body cannot be differentiated from here; mark it [Differentiate] in its project");
        }

        // Each construction (Gen<int>.F, Gen<double>.F) would want its own helper companion in the one type Gen<T>.
        for (var type = target.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsGenericType)
            {
                return Fails($"it is declared in the generic type {type.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)}, whose methods are differentiated only when marked; mark '{target.Name}' [Differentiate] (its companions serve every type argument)");
            }
        }

        dependencies?.Add(new SourceRead(helperSyntax.SyntaxTree, helperSyntax.Span));
        var helperModel = SemanticModels.For(semanticModel.Compilation, helperSyntax.SyntaxTree);

        // A helper the compiler rejects would carry its error into the caller's companions (int k = v: CS0266 in the
        // generated file) or draw a DIFF error on top of the compiler's: the caller waits, as a method with errors does.
        if (CompilerErrorScreen.HasErrors(semanticModel.Compilation.GetSemanticModel(helperSyntax.SyntaxTree), helperModel, target, helperSyntax, cancellationToken))
        {
            throw new CompilerErrorsInHelperException();
        }

        var helperAnchor = MethodAnchor.Of(Calls.CallSymbols.Key(target), helperSyntax);
        var nested = new HashSet<string>(helpersInProgress, StringComparer.Ordinal) { helperAnchor.Key };
        ParseResult result;
        try
        {
            result = new MethodParser(helperModel, target, helperSyntax, helperAnchor, cancellationToken, dependencies, nested).Run(ImmutableArray<AttributeData>.Empty);
        }
        catch (Exception exception) when (exception is CodeTooComplexException or InsufficientExecutionStackException)
        {
            // Reported at the call (DIFF007), not as DIFF010 at the caller's name, which nests nothing.
            return Fails($"its body nests more than {StackGuard.MaxDepth} levels deep; split it into smaller methods");
        }

        if (result.Model is null || result.Diagnostics.Count > 0)
        {
            if (result.Diagnostics.Count > 0 && result.Diagnostics[0].Id == DiagnosticDescriptors.TypeNotPartial.Id)
            {
                // DIFF001's own text speaks of a [Differentiate] method, which a helper is not.
                return Fails($"'{result.Diagnostics[0].Arguments[0]}' is not partial, so the companion of its body cannot be added to it (make it partial)");
            }

            var first = result.Diagnostics.Count > 0 ? result.Diagnostics[0].Message() : "it cannot be parsed";
            return Fails($"its body cannot be differentiated ({first})");
        }

        // A call in the body with no companion of its own needs a rule; if none turns up, the caller gets DIFF007 at its
        // call to this helper, and the helper's companion (which would call the missing rule) is not written.
        var needs = new List<CallNeed>();
        var helperType = Calls.CallResolver.CallerType(result.Model);
        foreach (var call in Calls.CallResolver.Calls(result.Model.Body))
        {
            var found = call.Callee.Differentiated.Count == 0
                ? new[] { new CallNeed(call.Callee.Key, call.Callee.Display, call.Callee.Unresolved ?? string.Empty, CallerType: helperType) }
                : call.Callee.Needs.Select(n => n with { Within = n.Within ?? call.Callee.Display });
            needs.AddRange(found.Where(n => !needs.Any(m => m.Key == n.Key && m.CallerType == n.CallerType)));
        }

        return new HelperParse(result.Model, result.Helpers.ToList(), needs.ToEquatableArray(), null);

        static HelperParse Fails(string why) => new(null, null, EquatableArray<CallNeed>.Empty, why);
    }
}

/// <summary>A helper the caller reaches has compile errors: the caller gets no companions and no diagnostic of ours.</summary>
internal sealed class CompilerErrorsInHelperException : Exception
{
    public CompilerErrorsInHelperException()
        : base("a helper has compile errors")
    {
    }
}
