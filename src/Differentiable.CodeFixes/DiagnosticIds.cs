namespace Differentiable.CodeFixes;

/// <summary>The IDs of the generator's diagnostics that have a code fix (see docs/diagnostics).</summary>
internal static class DiagnosticIds
{
    /// <summary>A type that contains a [Differentiate] method is not partial.</summary>
    public const string TypeNotPartial = "DIFF001";

    /// <summary>A [Differentiate] method is not static.</summary>
    public const string MethodNotStatic = "DIFF002";

    /// <summary>A [Differentiate] method calls a method with no known derivative.</summary>
    public const string NoDerivativeForCall = "DIFF007";
}
