using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Scalar locals of a companion that nothing reads: their declarations and every assignment to them go. A
/// Hessian-vector product returns the tangent of the value, so the forward sweep's sum of the value itself
/// (<c>f += 100·a·a + c·c</c>) is computed and dropped; the pass removes it. Liveness propagates from the locals read
/// outright through what their assignments read, so a local read only by removed assignments is dead too. Names, not
/// declarations, are tracked: two locals of one name in sibling blocks live or die together.
/// <para>
/// Sound because an assignment whose value calls nothing (no user code, kernel, tape pop or allocation) has no effect
/// but the local's new value; a read anywhere (another statement, a return, a tape push, generated text naming it)
/// keeps the local. Locals only: parameters and out parameters are never declared in the body.
/// </para>
/// </summary>
internal static class DeadStores
{
    public static Block Rewrite(Block body)
    {
        var candidates = new HashSet<string>(
            IrWalker.Statements(body).OfType<Declare>().Where(d => d.Type is IrType.Double or IrType.Int32 or IrType.Boolean or IrType.Single).Select(d => d.Name),
            System.StringComparer.Ordinal);
        if (candidates.Count == 0)
        {
            return body;
        }

        // One walk: what each candidate's assignments read (needed only if it is live), and what is read outright.
        var live = new HashSet<string>(System.StringComparer.Ordinal);
        var feeds = new Dictionary<string, List<string>>(System.StringComparer.Ordinal);
        void ReadBy(string? target, Expr value)
        {
            foreach (var name in IrWalker.ReadNames(value).Concat(IrWalker.Nodes(value).OfType<OutArgument>().Select(o => o.Name)))
            {
                if (target is null)
                {
                    live.Add(name);
                    continue;
                }

                if (!feeds.TryGetValue(target, out var list))
                {
                    feeds[target] = list = new List<string>();
                }

                list.Add(name);
            }
        }

        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare { Initializer: { } value } d when candidates.Contains(d.Name):
                    ReadBy(d.Name, value);
                    if (!Droppable(value))
                    {
                        live.Add(d.Name);
                    }

                    continue;
                case Assign { Target: Variable v, Value: var value } when candidates.Contains(v.Name):
                    ReadBy(v.Name, value);
                    if (!Droppable(value))
                    {
                        live.Add(v.Name);
                    }

                    continue;
                case Verbatim v:
                    live.UnionWith(candidates.Where(name => v.Reads.Contains(name) || IrWalker.ContainsIdentifier(v.Code, name)));
                    continue;
            }

            foreach (var expression in IrWalker.OwnExpressions(statement))
            {
                ReadBy(null, expression);
            }
        }

        // A live local keeps alive what its assignments read.
        var pending = new Stack<string>(live);
        while (pending.Count > 0)
        {
            if (feeds.TryGetValue(pending.Pop(), out var reads))
            {
                foreach (var name in reads.Where(live.Add))
                {
                    pending.Push(name);
                }
            }
        }

        candidates.ExceptWith(live);
        return candidates.Count == 0 ? body : Without(body, candidates, 0);
    }

    /// <summary>A value whose evaluation has no effect but its result (a thrown exception aside).</summary>
    private static bool Droppable(Expr value) =>
        !IrWalker.Nodes(value).Any(n => n is UserCall or Invoke or TapePop or NewArray or OutArgument);

    private static Block Without(Block block, HashSet<string> dead, int depth)
    {
        StackGuard.Enter(depth);
        var statements = new List<Stmt>(block.Statements.Count);
        foreach (var statement in block.Statements)
        {
            switch (statement)
            {
                case Declare d when dead.Contains(d.Name):
                case Assign { Target: Variable v } when dead.Contains(v.Name):
                    continue;
                default:
                    statements.Add(IrWalker.WithNestedBlocks(statement, b => Without(b, dead, depth + 1)));
                    break;
            }
        }

        return new Block(statements.ToEquatableArray());
    }
}
