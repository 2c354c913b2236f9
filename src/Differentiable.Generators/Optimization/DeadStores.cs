using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Scalar locals of a companion that nothing reads: their declarations and every assignment to them go. A
/// Hessian-vector product returns the tangent of the value, so the forward sweep's sum of the value itself
/// (<c>f += 100·a·a + c·c</c>) is computed and dropped; the pass removes it. Run to a fixed point: a local read only by
/// removed assignments is dead too.
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
        var candidates = IrWalker.Statements(body).OfType<Declare>()
            .Where(d => d.Type is IrType.Double or IrType.Int32 or IrType.Boolean or IrType.Single)
            .Select(d => d.Name)
            .ToList();
        var dead = new HashSet<string>(System.StringComparer.Ordinal);
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var name in candidates.Where(n => !dead.Contains(n)))
            {
                if (IsDead(body, name, dead))
                {
                    dead.Add(name);
                    changed = true;
                }
            }
        }

        return dead.Count == 0 ? body : Without(body, dead, 0);
    }

    /// <summary>
    /// Whether the local is read nowhere but in assignments to locals already dead or to itself, and every assignment to
    /// it is one the pass may drop.
    /// </summary>
    private static bool IsDead(Block body, string name, HashSet<string> dead)
    {
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare d when d.Name == name || dead.Contains(d.Name):
                    if (d.Name == name && d.Initializer is { } initial && !Droppable(initial))
                    {
                        return false;
                    }

                    continue;
                case Assign { Target: Variable v, Value: var value } when v.Name == name || dead.Contains(v.Name):
                    if (v.Name == name && !Droppable(value))
                    {
                        return false;
                    }

                    continue;
                case Verbatim v when v.Reads.Contains(name) || IrWalker.ContainsIdentifier(v.Code, name):
                    return false;
            }

            if (IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).Any(n => IrWalker.Names(n, name)))
            {
                return false;
            }
        }

        return true;
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
