using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// One read-modify-write per element where the reverse sweep wrote several: <c>dx[i] -= dc; … dx[i] -= da·x[i];</c>
/// becomes <c>dx[i] -= dc + da·x[i];</c>. A reverse sweep adds each use's contribution separately, and in a scalar loop
/// every such addition is a load and a store the compiler cannot merge (it cannot prove the arrays distinct), on the
/// loop's critical path. The later term moves up to the first addition, so this holds when, in one block, the statements
/// between touch no element that may be the target (other arrays that may alias it, or the same array at an index that
/// is not provably different), write nothing the term or the index reads, and hold no control flow. Adding the terms
/// first reassociates the sum, so the pass runs only where vectorization (which reorders sums) is allowed.
/// </summary>
internal static class MergedAccumulations
{
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers)
    {
        var aliases = ArrayAliases.Of(body, types, buffers);
        return RewriteBlock(body, aliases, 0);
    }

    /// <summary>
    /// The merges of one loop's body with the method's alias classes: <c>LaneIterations</c> merges a block's iterations
    /// before it copies them into vectors, so that the rows it runs one by one and those it runs by lanes add alike.
    /// </summary>
    internal static Block Merge(Block block, ArrayAliases aliases) => RewriteBlock(block, aliases, 0);

    private static Block RewriteBlock(Block block, ArrayAliases aliases, int depth)
    {
        StackGuard.Enter(depth);
        var statements = block.Statements.Select(s => RewriteNested(s, aliases, depth + 1)).ToList();
        for (var k = 0; k < statements.Count; k++)
        {
            if (Accumulation(statements[k]) is not { } first)
            {
                continue;
            }

            for (var m = k + 1; m < statements.Count; m++)
            {
                if (Accumulation(statements[m]) is { } later && later.Target == first.Target && CanMoveUp(later.Term, first.Target, statements, k, m, aliases))
                {
                    var term = new Binary(later.Subtracts == first.Subtracts ? BinaryOperator.Add : BinaryOperator.Subtract, first.Term, later.Term);
                    first = first with { Term = term };
                    statements[k] = new Assign(first.Target, new Binary(first.Subtracts ? BinaryOperator.Subtract : BinaryOperator.Add, first.Target, term));
                    statements.RemoveAt(m);
                    m--;
                    continue;
                }

                if (!Transparent(statements[m], first.Target, aliases))
                {
                    break;
                }
            }
        }

        return new Block(statements.ToEquatableArray());
    }

    private static Stmt RewriteNested(Stmt statement, ArrayAliases aliases, int depth) =>
        IrWalker.WithNestedBlocks(statement, b => RewriteBlock(b, aliases, depth));

    private sealed record Update(ElementAccess Target, Expr Term, bool Subtracts);

    /// <summary><c>a[I] = a[I] ± t</c>, t not reading a.</summary>
    private static Update? Accumulation(Stmt statement) =>
        statement is Assign { Target: ElementAccess target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum }
            && sum.Left == target && !IrWalker.Nodes(sum.Right).Any(n => n is ElementAccess e && e.Array == target.Array)
            ? new Update(target, sum.Right, sum.Operator == BinaryOperator.Subtract)
            : null;

    /// <summary>Whether the term, evaluated before the statements k+1 … m−1 instead of after them, has the same value.</summary>
    private static bool CanMoveUp(Expr term, ElementAccess target, List<Stmt> statements, int k, int m, ArrayAliases aliases)
    {
        // The term and the index read no element the additions change (an index like k[k[0]] would move with them).
        var nodes = IrWalker.Nodes(term).ToList();
        var indexNodes = target.Indices.SelectMany(IrWalker.Nodes).ToList();
        if (nodes.Any(n => !IsPure(n))
            || nodes.Concat(indexNodes).OfType<ElementAccess>().Any(e => aliases.MayAlias(e.Array, target.Array)))
        {
            return false;
        }

        // Nothing between rebinds the target array, or writes what the term or the index reads.
        var reads = new HashSet<string>(IrWalker.ReadNames(term).Concat(target.Indices.SelectMany(IrWalker.ReadNames)), System.StringComparer.Ordinal) { target.Array };
        var arrays = nodes.Concat(indexNodes).OfType<ElementAccess>().Select(e => e.Array).ToList();
        for (var s = k + 1; s < m; s++)
        {
            foreach (var inner in IrWalker.Statements(statements[s]))
            {
                switch (inner)
                {
                    case Declare d when reads.Contains(d.Name):
                    case Assign { Target: Variable v } when reads.Contains(v.Name):
                        return false;
                    case Assign { Target: ElementAccess e } when arrays.Any(a => aliases.MayAlias(a, e.Array)):
                        return false;
                }
            }
        }

        return true;
    }

    /// <summary>Whether a statement between two additions leaves the target alone: plain stores, no control flow.</summary>
    private static bool Transparent(Stmt statement, ElementAccess target, ArrayAliases aliases)
    {
        foreach (var inner in IrWalker.Statements(statement))
        {
            if (inner is not (Block or Comment or Declare or Assign))
            {
                return false;
            }

            var touched = IrWalker.OwnExpressions(inner).SelectMany(IrWalker.Nodes).ToList();
            if (touched.Any(n => !IsPure(n))
                || touched.OfType<ElementAccess>().Any(e => aliases.MayAlias(e.Array, target.Array) && !(e.Array == target.Array && Differ(e, target))))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A node that reads values and has no effect (no user call, tape, allocation or code the pass cannot see).</summary>
    private static bool IsPure(Expr node) => node is Constant or Variable or ElementAccess or ArrayLength or Unary or Binary or Call or Convert or Conditional;

    /// <summary>Two accesses of one array that are different elements: in some dimension, v + c₁ against v + c₂ with c₁ ≠ c₂.</summary>
    private static bool Differ(ElementAccess a, ElementAccess b) =>
        a.Indices.Count == b.Indices.Count && a.Indices.Zip(b.Indices, (x, y) => (x, y)).Any(pair =>
            Offset(pair.x) is var (baseX, cx) && Offset(pair.y) is var (baseY, cy) && baseX == baseY && cx != cy);

    private static (Expr? Base, double Offset) Offset(Expr index) => index switch
    {
        Constant c => (null, c.Value),
        Binary { Operator: BinaryOperator.Add, Right: Constant c } b => (b.Left, c.Value),
        Binary { Operator: BinaryOperator.Add, Left: Constant c } b => (b.Right, c.Value),
        Binary { Operator: BinaryOperator.Subtract, Right: Constant c } b => (b.Left, -c.Value),
        _ => (index, 0.0),
    };
}
