using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Calls;

/// <summary>
/// Decides how each call to a user method is differentiated: a [DerivativeOf] rule always wins, then the callee's
/// own [Differentiate] companions; a call with neither gets DIFF007 at the call, and an argument whose derivative
/// the callee would drop gets DIFF017.
/// </summary>
internal static class CallResolver
{
    public static Dictionary<string, CallDerivative> Resolve(MethodModel model, EquatableArray<RuleModel> rules, ActivityAnalysis activity, List<DiagnosticInfo> diagnostics)
    {
        var resolved = new Dictionary<string, CallDerivative>(System.StringComparer.Ordinal);
        var callerType = CallerType(model);
        foreach (var call in Calls(model.Body))
        {
            var callee = call.Callee;
            var rule = rules.FirstOrDefault(r => r.TargetKey == callee.Key);
            if (rule is not null && !rule.IsVisibleFrom(callerType))
            {
                // The companions are emitted into the caller's type, where the call to the rule would not compile (CS0122).
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRule, callee.Location, Plain(rule.Invocation),
                    $"only code inside '{Plain(rule.VisibleWithin!)}' may call it (it, or a type containing it, is private or protected), and the companions of '{model.Name}' are generated into '{Plain(callerType)}'; make the rule internal or public"));
                continue;
            }

            CallDerivative? derivative = rule is not null
                ? new CallDerivative(rule.Invocation, null, rule.Differentiated, IsRule: true)
                : callee.Differentiated.Count > 0
                    ? new CallDerivative(callee.Invocation + "Gradient", callee.Invocation + "Jvp", callee.Differentiated, IsRule: false)
                    : null;
            if (derivative is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoDerivativeForCall, callee.Location, callee.Display, callee.Unresolved ?? "no rule or companion gives it").WithAdditionalLocation(callee.Declaration));
                continue;
            }

            // Through the body: every call in it that needs a rule must have one, or the body's companion cannot be written.
            if (!derivative.IsRule && callee.Needs.FirstOrDefault(need => !rules.Any(r => r.TargetKey == need.Key)) is { } missing)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoDerivativeForCall, callee.Location, callee.Display, $"its body calls '{missing.Display}'{(missing.Within is null ? string.Empty : $" (in '{missing.Within}')")}, which has none: {missing.Why}").WithAdditionalLocation(callee.Declaration));
                continue;
            }

            // The helper's companion, generated into the helper's type, calls the rule: a rule it cannot see leaves the
            // helper without a companion, and this call without one to make (CS0117 in the generated code).
            // (Every need has a rule by now: the check above.)
            if (!derivative.IsRule && callee.Needs.Select(need => (Need: need, Rule: rules.First(r => r.TargetKey == need.Key)))
                .FirstOrDefault(p => !p.Rule.IsVisibleFrom(p.Need.CallerType)) is { Rule: { } unseen, Need: var hidden })
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidRule, callee.Location, Plain(unseen.Invocation),
                    $"'{callee.Display}' calls '{hidden.Display}'{(hidden.Within is null ? string.Empty : $" (in '{hidden.Within}')")}, whose companion is generated into '{Plain(hidden.CallerType)}', but only code inside '{Plain(unseen.VisibleWithin!)}' may call the rule (it, or a type containing it, is private or protected); make the rule internal or public").WithAdditionalLocation(callee.Declaration));
                continue;
            }

            if (model.Hessian)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedFeature, callee.Location, $"Hessian = true is not supported yet for methods that call other methods ('{callee.Display}'); differentiate the gradient companion or inline the call"));
                continue;
            }

            for (var k = 0; k < call.Arguments.Count; k++)
            {
                if (!derivative.Differentiated[k] && callee.ParameterTypes[k].IsDifferentiable() && activity.DependsOnActive(call.Arguments[k]))
                {
                    var parameter = k < callee.ParameterNames.Count ? callee.ParameterNames[k] : "#" + (k + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ArgumentNotDifferentiated, callee.Location, callee.Display, parameter).WithAdditionalLocation(callee.Declaration));
                }
            }

            resolved[callee.Key] = derivative;
        }

        return resolved;
    }

    /// <summary>The fully qualified type the method's companions are generated into (its key without the method).</summary>
    internal static string CallerType(MethodModel model)
    {
        var end = model.Key.IndexOf("." + model.Name + "(", System.StringComparison.Ordinal);
        return end > 0 ? model.Key.Substring(0, end) : model.Key;
    }

    private static string Plain(string qualified) => qualified.Replace("global::", string.Empty);

    /// <summary>Every user call in a body, in source order.</summary>
    public static IEnumerable<UserCall> Calls(Block body)
    {
        foreach (var statement in IrWalker.Statements(body))
        {
            foreach (var call in IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<UserCall>())
            {
                yield return call;
            }
        }
    }
}
