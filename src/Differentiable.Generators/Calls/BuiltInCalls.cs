using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Calls;

/// <summary>
/// System.Math methods that the parser keeps as calls, so that a [DerivativeOf] rule for them wins as for any callee,
/// and that the emit step otherwise expands into IR the transforms differentiate (today: <c>Math.Clamp</c> over doubles).
/// </summary>
internal static class BuiltInCalls
{
    public const string ClampName = "Clamp";

    /// <summary>
    /// <c>Math.Clamp(x, lo, hi)</c> as .NET computes it, <c>x &lt; lo ? lo : x &gt; hi ? hi : x</c>: the same value (−0 and
    /// NaN included; no exception where lo &gt; hi). Its derivative is the branch's: 1 to x on [lo, hi], bounds
    /// included (as PyTorch's clamp), and 1 to the bound outside.
    /// </summary>
    public static Expr Clamp(Expr x, Expr low, Expr high) =>
        new Conditional(new Binary(BinaryOperator.Less, x, low), low, new Conditional(new Binary(BinaryOperator.Greater, x, high), high, x));

    /// <summary>The model with every built-in call that no rule replaces expanded; the same instance when there is none.</summary>
    public static MethodModel Expand(MethodModel model, EquatableArray<RuleModel> rules)
    {
        if (!IrWalker.Statements(model.Body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Any(IsBuiltIn))
        {
            return model;
        }

        Expr? Replace(Expr node) =>
            node is UserCall { Callee.BuiltIn: ClampName } call && !rules.Any(r => r.TargetKey == call.Callee.Key)
                ? Clamp(Expand(call.Arguments[0]), Expand(call.Arguments[1]), Expand(call.Arguments[2]))
                : null;
        Expr Expand(Expr e) => IrWalker.Rewrite(e, Replace);

        return model with
        {
            Body = (Block)IrWalker.RewriteExpressions(model.Body, Expand),
            ZeroDerivativeSites = model.ZeroDerivativeSites.Select(s => s with { Operand = Expand(s.Operand) }).ToEquatableArray(),
        };
    }

    private static bool IsBuiltIn(Expr node) => node is UserCall { Callee.BuiltIn: not null };
}
