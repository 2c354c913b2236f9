using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;

namespace Differentiable.Generators.Calls;

/// <summary>A user-written derivative: a [DerivativeOf] method with the signature of the target's gradient companion.</summary>
/// <param name="TargetKey">The target method's identity (see <see cref="Ir.Callee.Key"/>).</param>
/// <param name="Invocation">The rule's fully qualified name.</param>
/// <param name="Differentiated">Per target parameter, whether the rule has a gradient buffer for it.</param>
/// <param name="VisibleWithin">The fully qualified type whose body alone may call the rule (it, or a type containing
/// it, is private or protected); null when the whole assembly may.</param>
internal sealed record RuleModel(string TargetKey, string Invocation, EquatableArray<bool> Differentiated, string? VisibleWithin = null)
{
    /// <summary>Whether code in the given type (fully qualified, as <see cref="VisibleWithin"/>) may call the rule.</summary>
    public bool IsVisibleFrom(string type) =>
        VisibleWithin is null || type == VisibleWithin || type.StartsWith(VisibleWithin + ".", System.StringComparison.Ordinal);
}

/// <param name="Location">Where a rule that fits is declared, to report a second rule for the same target there; the
/// emit steps read <see cref="Rule"/> alone, so moving a rule's text re-runs no method's emit.</param>
internal sealed record RuleResult(RuleModel? Rule, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? Location = null);

/// <summary>How a call is differentiated: the companion (or rule) that gives its gradient, and its JVP if one exists.</summary>
internal sealed record CallDerivative(string Gradient, string? Jvp, EquatableArray<bool> Differentiated, bool IsRule);
