using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;

namespace Differentiable.Generators.Calls;

/// <summary>A user-written derivative: a [DerivativeOf] method with the signature of the target's gradient companion.</summary>
/// <param name="TargetKey">The target method's identity (see <see cref="Ir.Callee.Key"/>).</param>
/// <param name="Invocation">The rule's fully qualified name.</param>
/// <param name="Differentiated">Per target parameter, whether the rule has a gradient buffer for it.</param>
internal sealed record RuleModel(string TargetKey, string Invocation, EquatableArray<bool> Differentiated);

internal sealed record RuleResult(RuleModel? Rule, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>How a call is differentiated: the companion (or rule) that gives its gradient, and its JVP if one exists.</summary>
internal sealed record CallDerivative(string Gradient, string? Jvp, EquatableArray<bool> Differentiated, bool IsRule);
