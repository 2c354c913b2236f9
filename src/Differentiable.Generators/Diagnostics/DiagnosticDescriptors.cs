using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Diagnostics;

/// <summary>Every diagnostic the generator reports. Each ID has a page at docs/diagnostics/DIFF###.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Differentiable";
    private const string HelpLinkBase = "https://github.com/differentiable-dotnet/differentiable/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor TypeNotPartial = Error(
        "DIFF001",
        "Containing type must be partial",
        "'{0}' contains the [Differentiate] method '{1}' but is not partial; add the 'partial' modifier to '{0}' (and to every type that contains it) so the generator can add the derivative companions");

    public static readonly DiagnosticDescriptor MethodNotStatic = Error(
        "DIFF002",
        "Differentiated method must be static",
        "[Differentiate] method '{0}' is not static; make it static (derivatives are generated as static companions and cannot depend on instance state)");

    public static readonly DiagnosticDescriptor UnsupportedParameter = Error(
        "DIFF003",
        "Parameter cannot be differentiated",
        "Parameter '{0}' of type '{1}' cannot be differentiated: {2}");

    public static readonly DiagnosticDescriptor UnsupportedReturnType = Error(
        "DIFF004",
        "Return type cannot be differentiated",
        "[Differentiate] method '{0}' returns '{1}'; a differentiated method must return double, float, double[], double[,] or a System.Numerics vector, quaternion or matrix");

    public static readonly DiagnosticDescriptor UnsupportedStatement = Error(
        "DIFF005",
        "Statement cannot be differentiated",
        "The {0} cannot be differentiated: {1}");

    public static readonly DiagnosticDescriptor UnsupportedExpression = Error(
        "DIFF006",
        "Expression cannot be differentiated",
        "The expression '{0}' cannot be differentiated: {1}");

    public static readonly DiagnosticDescriptor NoDerivativeForCall = Error(
        "DIFF007",
        "Called method has no known derivative",
        "The call to '{0}' has no known derivative: {1}");

    public static readonly DiagnosticDescriptor UnknownWithRespectTo = Error(
        "DIFF008",
        "Unknown parameter name",
        "[Differentiate] names '{0}', which is not a parameter of '{1}'; use nameof(parameter) with one of: {2}");

    public static readonly DiagnosticDescriptor InternalError = Error(
        "DIFF009",
        "The generator failed on this method",
        "The derivative of '{0}' could not be generated because of an internal error ({1}); please report it with the method's code. No companions were generated for it.");

    public static readonly DiagnosticDescriptor TooComplex = Error(
        "DIFF010",
        "Code nests too deeply",
        "'{0}' nests expressions or statements more than {1} levels deep; split the computation into local variables");

    public static readonly DiagnosticDescriptor WriteToParameterArray = Error(
        "DIFF013",
        "Parameter array is written",
        "'{0}' is a parameter array or refers to one; a differentiated method must not write into or replace a parameter array (the derivative would change the caller's data); copy it into a local array first");

    public static readonly DiagnosticDescriptor NoDifferentiableParameters = Error(
        "DIFF014",
        "Nothing to differentiate",
        "[Differentiate] method '{0}' has no differentiable parameter (double, double[], double[,], float, or a System.Numerics Vector2, Vector3, Vector4, Quaternion, Matrix3x2 or Matrix4x4; arrays of float or of vectors are not supported); add one or remove the attribute");

    public static readonly DiagnosticDescriptor UnsupportedFeature = Error(
        "DIFF015",
        "Feature not supported for this method",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidRule = Error(
        "DIFF016",
        "Derivative rule does not fit its target",
        "[DerivativeOf] method '{0}' cannot be used: {1}");

    public static readonly DiagnosticDescriptor ArgumentNotDifferentiated = Error(
        "DIFF017",
        "Argument's derivative would be dropped",
        "The call to '{0}' passes a value that carries a derivative to parameter '{1}', which '{0}' is not differentiated with respect to; add nameof({1}) to the [Differentiate] list of '{0}' (or to its [DerivativeOf] rule's buffers)");

    public static readonly DiagnosticDescriptor DerivativeDiscarded = Warning(
        "DIFF100",
        "Derivative is silently zero here",
        "{0} is piecewise constant: no derivative flows through it (the derivative there is 0). If that is intended, suppress DIFF100 here.");

    public static readonly ImmutableArray<DiagnosticDescriptor> All = ImmutableArray.Create(
        TypeNotPartial,
        MethodNotStatic,
        UnsupportedParameter,
        UnsupportedReturnType,
        UnsupportedStatement,
        UnsupportedExpression,
        NoDerivativeForCall,
        UnknownWithRespectTo,
        InternalError,
        TooComplex,
        WriteToParameterArray,
        NoDifferentiableParameters,
        UnsupportedFeature,
        InvalidRule,
        ArgumentNotDifferentiated,
        DerivativeDiscarded);

    private static readonly Dictionary<string, DiagnosticDescriptor> ByIdMap = BuildMap();

    public static DiagnosticDescriptor ById(string id) => ByIdMap[id];

    private static Dictionary<string, DiagnosticDescriptor> BuildMap()
    {
        var map = new Dictionary<string, DiagnosticDescriptor>();
        foreach (var descriptor in All)
        {
            map.Add(descriptor.Id, descriptor);
        }

        return map;
    }

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + id + ".md");
}
