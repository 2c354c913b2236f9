using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Stores instead of clearing and adding: a gradient buffer is cleared at entry, and where the first code that touches it
/// is a loop nest adding into each of its elements once (<c>dW[i, j] += t·x[j]</c> over i and j), the nest stores
/// (<c>dW[i, j] = t·x[j]</c>) and the clear runs only if the loops do not cover the whole buffer, a check on the bounds
/// made once before the nest. Adding to a cleared element is storing, so nothing changes but memory traffic: the buffer
/// is written once instead of cleared, read and written again.
/// <para>
/// Sound when: nothing between the clear and the nest mentions the buffer (gradient buffers share storage with nothing,
/// see conventions.md); in the nest one statement mentions it, an addition into it whose term does not read it, reached
/// from the outer loop through loops and blocks only (it runs on every iteration); those loops are exactly one per
/// dimension, each counting from 0, each indexing its own dimension by its variable alone, so every element is reached
/// exactly once when the bounds equal the dimensions; the bounds read nothing the nest writes nor another loop's
/// variable; and nothing in the nest jumps (break, continue, return, while).
/// </para>
/// </summary>
internal static class BufferStores
{
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers)
    {
        var statements = body.Statements.ToList();
        foreach (var buffer in buffers)
        {
            if (types.TryGetValue(buffer, out var type) && type is IrType.DoubleArray or IrType.DoubleMatrix)
            {
                TryStore(statements, buffer, type.Rank());
            }
        }

        return new Block(statements.ToEquatableArray());
    }

    /// <summary>The clear the reverse transform writes for a buffer (see ReverseModeTransform).</summary>
    internal static string ClearCode(string buffer) => $"global::System.Array.Clear({buffer}, 0, {buffer}.Length);";

    private static void TryStore(List<Stmt> statements, string buffer, int rank)
    {
        var clear = statements.FindIndex(s => s is Verbatim v && v.Code == ClearCode(buffer));
        if (clear < 0)
        {
            return;
        }

        var first = statements.FindIndex(clear + 1, s => Mentions(s, buffer));
        if (first < 0 || statements[first] is not For nest)
        {
            return;
        }

        var touching = IrWalker.Statements(nest).Where(s => s is not (Block or For) && Mentions(s, buffer)).ToList();
        if (touching.Count != 1 || touching[0] is not Assign { Target: ElementAccess target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum } update
            || target.Array != buffer || sum.Left != target || IrWalker.Nodes(sum.Right).Any(n => Names(n, buffer))
            || IrWalker.Statements(nest).Any(s => s is Break or Continue or Return or While or Verbatim)
            || LoopsAbove(nest, update) is not { } loops
            || loops.Count != rank || target.Indices.Count != rank)
        {
            return;
        }

        // Dimension d is indexed by the variable of one loop, each loop counting from 0 over a bound fixed for the nest.
        // Names the nest stores into (a loop's own counting aside, which the IR keeps to its header).
        var assigned = new HashSet<string>(
            IrWalker.Statements(nest.Body).SelectMany(s => s switch
            {
                Assign { Target: Variable v } => new[] { v.Name },
                Assign { Target: ElementAccess e } => new[] { e.Array },
                Declare d => new[] { d.Name },
                _ => System.Array.Empty<string>(),
            }),
            System.StringComparer.Ordinal);
        var variables = loops.Select(l => l.Variable).ToList();
        var covering = new List<Expr>();
        for (var d = 0; d < rank; d++)
        {
            var loop = target.Indices[d] is Variable index ? loops.FirstOrDefault(l => l.Variable == index.Name) : null;
            if (loop is null || loop.Lower is not Constant { Value: 0.0 }
                || IrWalker.Nodes(loop.Upper).Any(n => n is not (Variable or ArrayLength or Constant or Binary or Unary))
                || IrWalker.ReadNames(loop.Upper).Any(n => assigned.Contains(n) || variables.Contains(n)))
            {
                return;
            }

            covering.Add(new Binary(BinaryOperator.NotEqual, loop.Upper, new ArrayLength(buffer, rank == 1 ? -1 : d)));
        }

        if (target.Indices.Select(i => ((Variable)i).Name).Distinct().Count() != rank || variables.Any(assigned.Contains))
        {
            return;
        }

        var stored = new Assign(target, sum.Operator == BinaryOperator.Add ? sum.Right : new Unary(UnaryOperator.Negate, sum.Right));
        var partial = covering.Aggregate((a, b) => new Binary(BinaryOperator.Or, a, b));
        statements[first] = Replace(nest, update, stored);

        // The check goes above the comments that introduce the nest.
        var at = first;
        while (at > clear + 1 && statements[at - 1] is Comment)
        {
            at--;
        }

        statements.Insert(at, new If(partial, new Block(EquatableArray.Create<Stmt>(new Verbatim(ClearCode(buffer)))), null));
        statements.Insert(at, new Comment($"{buffer}: the loops below store each element once; cleared only if they do not cover it"));
        statements.RemoveAt(clear);
    }

    /// <summary>The loops from the nest down to the statement, when only loops and blocks lie between; else null.</summary>
    private static List<For>? LoopsAbove(For nest, Stmt statement)
    {
        var path = new List<For>();
        Stmt current = nest;
        while (true)
        {
            switch (current)
            {
                case For f:
                    path.Add(f);
                    current = f.Body;
                    continue;
                case Block b:
                    var next = b.Statements.FirstOrDefault(s => ReferenceEquals(s, statement) || IrWalker.Statements(s).Any(inner => ReferenceEquals(inner, statement)));
                    if (next is null)
                    {
                        return null;
                    }

                    if (ReferenceEquals(next, statement))
                    {
                        return path;
                    }

                    current = next;
                    continue;
                default:
                    return null;
            }
        }
    }

    private static Stmt Replace(Stmt statement, Stmt old, Stmt replacement) => statement switch
    {
        _ when ReferenceEquals(statement, old) => replacement,
        For f => f with { Body = (Block)Replace(f.Body, old, replacement) },
        Block b => new Block(b.Statements.Select(s => Replace(s, old, replacement)).ToEquatableArray()),
        _ => statement,
    };

    private static bool Mentions(Stmt statement, string buffer) =>
        IrWalker.Statements(statement).Any(s => (s is Verbatim v && (v.Reads.Contains(buffer) || v.Code.Contains(buffer)))
            || IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => Names(n, buffer)));

    private static bool Names(Expr node, string buffer) => node switch
    {
        Variable v => v.Name == buffer,
        ElementAccess e => e.Array == buffer,
        ArrayLength l => l.Array == buffer,
        OutArgument o => o.Name == buffer,
        _ => false,
    };
}
