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
            Body = (Block)Rewrite(model.Body, Expand, 0),
            ZeroDerivativeSites = model.ZeroDerivativeSites.Select(s => s with { Operand = Expand(s.Operand) }).ToEquatableArray(),
        };
    }

    private static bool IsBuiltIn(Expr node) => node is UserCall { Callee.BuiltIn: not null };

    // Each statement's own expressions expanded; the blocks nested in it through IrWalker's walk of them.
    private static Stmt Rewrite(Stmt statement, System.Func<Expr, Expr> expand, int depth)
    {
        StackGuard.Enter(depth);
        var own = statement switch
        {
            Declare { Initializer: { } initializer } d => d with { Initializer = expand(initializer) },
            Assign a => new Assign(expand(a.Target), expand(a.Value)),
            For f => f with { Lower = expand(f.Lower), Upper = expand(f.Upper) },
            If i => i with { Condition = expand(i.Condition) },
            While w => w with { Condition = expand(w.Condition) },
            Return r => new Return(expand(r.Value)),
            TapePush p => p with { Value = expand(p.Value) },
            Evaluate e => new Evaluate(expand(e.Expression)),
            _ => statement,
        };
        return IrWalker.WithNestedBlocks(own, b => new Block(b.Statements.Select(s => Rewrite(s, expand, depth + 1)).ToEquatableArray()));
    }
}
