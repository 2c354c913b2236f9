using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// An element a loop adds into at an index the loop does not change (<c>dx[i] += t·A[i, j]</c> in a loop over j, the
/// reverse of a row's sum) gathers its additions in a local, added into the element once after the loop. In the loop
/// each addition is a load and a store on the loop's critical path that the JIT cannot keep in a register, since it
/// cannot prove that no other access reaches the same element.
/// <para>
/// Sound when every access in the loop to the array, or to an array that may share its storage, is such an addition
/// (<c>x[k] = x[k] ± term</c>, with the term and the index reading none of them), and nothing in the loop binds those
/// arrays: additions commute, so the element's own additions can be summed apart and added at the end, even where
/// another addition happens to reach the same element (dx[j] at j = i). The index reads nothing the loop writes, and
/// neither do the bounds, so the sum is added only where the loop ran (an element a loop that does not run never
/// touched, maybe out of range, stays untouched). The loop is plain code (<see cref="IrWalker.IsPlain"/>). Summing
/// apart reassociates, so the pass runs only where vectorization (which reorders sums) is allowed.
/// </para>
/// </summary>
internal static class InvariantAccumulations
{
    /// <param name="declared">Receives the sums' names and types, for passes whose array classes were built before.</param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers, List<KeyValuePair<string, IrType>>? declared = null)
    {
        if (!IrWalker.Statements(body).Any(s => s is For))
        {
            return body;
        }

        return (Block)Rewrite(body, new LoopPassScope(body, types, buffers), 0, declared);
    }

    private static Stmt Rewrite(Stmt statement, LoopPassScope scope, int depth, List<KeyValuePair<string, IrType>>? declared)
    {
        StackGuard.Enter(depth);
        switch (statement)
        {
            case Block block:
                var statements = new List<Stmt>(block.Statements.Count);
                foreach (var child in block.Statements)
                {
                    var rewritten = Rewrite(child, scope, depth + 1, declared);
                    if (child is For && rewritten is Block { Statements: var parts } && parts.Count > 0 && parts[0] is Comment { Text: var text } && text.StartsWith(Marker, System.StringComparison.Ordinal))
                    {
                        // The sums' declarations, the loop and the additions after it stand in the loop's block.
                        statements.AddRange(parts);
                    }
                    else
                    {
                        statements.Add(rewritten);
                    }
                }

                return new Block(statements.ToEquatableArray());
            case If i:
                return new If(i.Condition, (Block)Rewrite(i.Then, scope, depth + 1, declared), i.Else is null ? null : (Block)Rewrite(i.Else, scope, depth + 1, declared));
            case While w:
                return w with { Body = (Block)Rewrite(w.Body, scope, depth + 1, declared) };
            case For f:
                // Inner loops first: a sum added after an inner loop may then be gathered by the outer one.
                var loop = f with { Body = (Block)Rewrite(f.Body, scope, depth + 1, declared) };
                return (Stmt?)Gather(loop, scope, declared) ?? loop;
            default:
                return statement;
        }
    }

    private const string Marker = "gathered: ";

    /// <summary>The loop with its invariant additions gathered in locals (in a block with their declarations and the additions after it), or null.</summary>
    private static Block? Gather(For loop, LoopPassScope scope, List<KeyValuePair<string, IrType>>? declared)
    {
        // Most loops add into no element: they cost one walk.
        var inLoop = IrWalker.StatementsInOrder(loop.Body).ToList();
        var additions = inLoop.OfType<Assign>().Where(IsAddition).ToList();
        if (additions.Count == 0 || !IrWalker.IsPlain(new Block(EquatableArray.Create<Stmt>(loop))))
        {
            return null;
        }

        var assigned = new HashSet<string>(IrWalker.AssignedNames(loop), System.StringComparer.Ordinal);
        if (IrWalker.Nodes(loop.Lower).Concat(IrWalker.Nodes(loop.Upper)).Any(n => n is ElementAccess || IrWalker.ReadNames(n).Any(assigned.Contains)))
        {
            return null;
        }

        // Every element access in the loop but the additions' own.
        var others = new List<ElementAccess>();
        foreach (var statement in inLoop)
        {
            var expressions = statement is Assign a && IsAddition(a)
                ? ((ElementAccess)a.Target).Indices.Append(((Binary)a.Value).Right)
                : IrWalker.OwnExpressions(statement);
            others.AddRange(expressions.SelectMany(IrWalker.Nodes).OfType<ElementAccess>());
        }

        var rebound = inLoop.SelectMany(s => s switch
        {
            Declare d => new[] { d.Name },
            Assign { Target: Variable v } => new[] { v.Name },
            _ => System.Array.Empty<string>(),
        }).ToList();

        var aliases = scope.Aliases;
        bool Gatherable(ElementAccess target) =>
            aliases.Types.TryGetValue(target.Array, out var type) && type is IrType.DoubleArray or IrType.DoubleMatrix
            && !target.Indices.SelectMany(IrWalker.Nodes).Any(n => n is ElementAccess || IrWalker.ReadNames(n).Any(assigned.Contains))
            && !others.Any(o => aliases.MayAlias(o.Array, target.Array))
            && !rebound.Any(name => aliases.MayAlias(name, target.Array));

        var targets = additions.Select(a => (ElementAccess)a.Target).Distinct().Where(Gatherable).ToList();
        if (targets.Count == 0)
        {
            return null;
        }

        var sums = targets.ToDictionary(t => t, t => scope.Names.Fresh(Preferred(t)));
        declared?.AddRange(targets.Select(t => new KeyValuePair<string, IrType>(sums[t], IrType.Double)));
        var body = (Block)Replace(loop.Body, sums, 0);
        var statements = new List<Stmt>
        {
            new Comment(Marker + "the loop's additions into " + string.Join(", ", targets.Select(CSharpText)) + " (at an index it does not change) summed in "
                + string.Join(", ", targets.Select(t => sums[t])) + ", added once after it"),
        };
        statements.AddRange(targets.Select(t => new Declare(sums[t], IrType.Double, Constant.Zero)));
        statements.Add(loop with { Body = body });
        var ran = new Binary(BinaryOperator.Less, loop.Lower, loop.Upper);
        statements.Add(new If(ran, new Block(targets.Select(t => (Stmt)new Assign(t, new Binary(BinaryOperator.Add, t, new Variable(sums[t])))).ToEquatableArray()), null));
        return new Block(statements.ToEquatableArray());
    }

    private static bool IsAddition(Assign assign) =>
        assign.Target is ElementAccess target && assign.Value is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Left: var left } && left == target;

    private static Stmt Replace(Stmt statement, Dictionary<ElementAccess, string> sums, int depth)
    {
        StackGuard.Enter(depth);
        return statement switch
        {
            Assign a when IsAddition(a) && sums.TryGetValue((ElementAccess)a.Target, out var sum) =>
                new Assign(new Variable(sum), ((Binary)a.Value) with { Left = new Variable(sum) }),
            Block b => new Block(b.Statements.Select(s => Replace(s, sums, depth + 1)).ToEquatableArray()),
            If i => new If(i.Condition, (Block)Replace(i.Then, sums, depth + 1), i.Else is null ? null : (Block)Replace(i.Else, sums, depth + 1)),
            For f => f with { Body = (Block)Replace(f.Body, sums, depth + 1) },
            _ => statement,
        };
    }

    /// <summary>dx[i] → dx_i, dθ[2] → dθ_2, dW[i, k + 1] → dW_sum: a name that says what it sums where it can.</summary>
    private static string Preferred(ElementAccess target) =>
        target.Indices.All(i => Plain(i) is not null) ? target.Array + "_" + string.Join("_", target.Indices.Select(Plain)) : target.Array + "_sum";

    private static string CSharpText(ElementAccess target) =>
        target.Array + "[" + string.Join(", ", target.Indices.Select(i => Plain(i) ?? "…")) + "]";

    /// <summary>A variable's name or a whole number's digits; null for anything else.</summary>
    private static string? Plain(Expr index) => index switch
    {
        Variable v => v.Name,
        Constant { Value: >= 0 and < 1e9 } c when c.Value == System.Math.Floor(c.Value) => ((long)c.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    };
}
