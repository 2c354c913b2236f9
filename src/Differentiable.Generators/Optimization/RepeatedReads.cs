using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// An element a loop iteration reads again after a store (<c>A[i, j]</c> in a fused iteration's forward sweep, and twice
/// in its reverse, around the store into dA[i, j]) is read once into a local at the top of the iteration. The JIT,
/// which cannot tell that the stores go to other arrays, reads the element again after each store, with its bounds
/// checks; where no store lies between the reads it reads it once by itself.
/// <para>
/// Sound when nothing in the loop writes the array or an array that may share its storage, nothing binds either, the
/// index reads nothing the loop assigns, and the first read is in a statement every iteration runs (reached through
/// blocks only, not under <c>?:</c>, <c>&amp;&amp;</c> or <c>||</c>): the element then has one value through the
/// iteration, which the iteration reads anyway. The loop is plain code (<see cref="IrWalker.IsPlain"/>). The same
/// values: bit-identical.
/// </para>
/// </summary>
internal static class RepeatedReads
{
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers)
    {
        if (!IrWalker.Statements(body).Any(s => s is For))
        {
            return body;
        }

        return (Block)Rewrite(body, new LoopPassScope(body, types, buffers), 0);
    }

    private static Stmt Rewrite(Stmt statement, LoopPassScope context, int depth)
    {
        StackGuard.Enter(depth);
        switch (statement)
        {
            case Block block:
                var statements = block.Statements.Select(s => Rewrite(s, context, depth + 1)).ToList();
                return statements.Select((s, k) => ReferenceEquals(s, block.Statements[k])).All(same => same) ? block : new Block(statements.ToEquatableArray());
            case If i:
                var then = (Block)Rewrite(i.Then, context, depth + 1);
                var otherwise = i.Else is null ? null : (Block)Rewrite(i.Else, context, depth + 1);
                return ReferenceEquals(then, i.Then) && ReferenceEquals(otherwise, i.Else) ? i : new If(i.Condition, then, otherwise);
            case While w:
                var whileBody = (Block)Rewrite(w.Body, context, depth + 1);
                return ReferenceEquals(whileBody, w.Body) ? w : w with { Body = whileBody };
            case For f:
                var body = (Block)Rewrite(f.Body, context, depth + 1);
                return Shared(ReferenceEquals(body, f.Body) ? f : f with { Body = body }, context);
            default:
                return statement;
        }
    }

    /// <summary>The loop with the elements its iterations read more than once read into locals at the top of its body.</summary>
    private static For Shared(For loop, LoopPassScope context)
    {
        // Where each element is first and last read (targets of stores are not reads), and where the stores are.
        var reads = new Dictionary<ElementAccess, (int First, int Last)>();
        var order = new List<ElementAccess>();
        var stores = new List<int>();
        var k = 0;
        foreach (var statement in IrWalker.StatementsInOrder(loop.Body).Where(s => s is not Block))
        {
            var expressions = statement is Assign { Target: ElementAccess target } a
                ? target.Indices.Append(a.Value)
                : IrWalker.OwnExpressions(statement);
            foreach (var read in expressions.SelectMany(IrWalker.Nodes).OfType<ElementAccess>())
            {
                if (!reads.TryGetValue(read, out var span))
                {
                    order.Add(read);
                    span = (k, k);
                }

                reads[read] = (span.First, k);
            }

            if (statement is Assign { Target: ElementAccess })
            {
                stores.Add(k);
            }

            k++;
        }

        // Only elements read again after a store (one in the statement of the first read counts, since it stores after
        // reading): elsewhere the JIT reads an element once by itself. Most loops have none, and cost no more than this.
        var again = order.Where(e => reads[e] is var span && stores.Any(p => p >= span.First && p < span.Last)).ToList();
        if (again.Count == 0 || !IrWalker.IsPlain(loop.Body))
        {
            return loop;
        }

        var inLoop = IrWalker.Statements(loop.Body).ToList();

        // What the body assigns (the loop's own variable is fixed through an iteration; inner loops' count).
        var assigned = new HashSet<string>(IrWalker.AssignedNames(loop.Body), System.StringComparer.Ordinal);
        var written = inLoop.OfType<Assign>().Select(a => a.Target).OfType<ElementAccess>().Select(e => e.Array).Distinct().ToList();
        var rebound = inLoop.SelectMany(s => s switch
        {
            Declare d => new[] { d.Name },
            Assign { Target: Variable v } => new[] { v.Name },
            _ => System.Array.Empty<string>(),
        }).ToList();

        var aliases = context.Aliases;
        bool Readable(ElementAccess e) =>
            aliases.Types.TryGetValue(e.Array, out var type) && type is IrType.DoubleArray or IrType.DoubleMatrix
            && !written.Any(w => aliases.MayAlias(w, e.Array))
            && !rebound.Any(name => aliases.MayAlias(name, e.Array))
            && !e.Indices.SelectMany(IrWalker.Nodes).Any(n => n is ElementAccess || IrWalker.ReadNames(n).Any(assigned.Contains));

        var shared = again.Where(e => Readable(e) && FirstReadRunsEveryIteration(loop.Body, e)).ToList();
        if (shared.Count == 0)
        {
            return loop;
        }

        var locals = shared.ToDictionary(e => e, e => context.Names.Fresh(Preferred(e)));
        var rewritten = (Block)Replace(loop.Body, locals, 0);
        var statements = new List<Stmt>
        {
            new Comment("read once per iteration: " + string.Join(", ", shared.Select(e => locals[e])) + " (stores into other arrays between the reads would make the JIT read them again)"),
        };
        statements.AddRange(shared.Select(e => new Declare(locals[e], IrType.Double, e)));
        statements.AddRange(rewritten.Statements);
        return loop with { Body = new Block(statements.ToEquatableArray()) };
    }

    /// <summary>Whether the first statement that reads the element runs in every iteration, and reads it unconditionally.</summary>
    private static bool FirstReadRunsEveryIteration(Block body, ElementAccess element)
    {
        var first = IrWalker.StatementsInOrder(body).FirstOrDefault(s => s is not Block && IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Contains(element));
        return first is Declare or Assign && IrWalker.IsDirect(body, first) && IrWalker.OwnExpressions(first).All(e => ReadUnconditionally(e, element));
    }

    /// <summary>Whether the expression reads the element outside every branch of <c>?:</c> and right side of <c>&amp;&amp;</c>/<c>||</c>, or not at all.</summary>
    // The walk goes on into a ?:'s condition: the rewrite that kept each condition as it was did not cut the && inside
    // one (i < n && a[i] > 0 ? … : … read a[i] ahead of the guard, IndexOutOfRangeException where the method returns;
    // a helper's hunt).
    private static bool ReadUnconditionally(Expr expression, ElementAccess element) =>
        !IrWalker.Nodes(expression).Contains(element) || RepeatedCalls.Unconditional(expression).Any(node => node.Equals(element));

    private static Stmt Replace(Stmt statement, Dictionary<ElementAccess, string> locals, int depth)
    {
        StackGuard.Enter(depth);
        Expr R(Expr e) => IrWalker.Rewrite(e, node => node is ElementAccess a && locals.TryGetValue(a, out var name) ? new Variable(name) : null);
        return statement switch
        {
            Block b => new Block(b.Statements.Select(s => Replace(s, locals, depth + 1)).ToEquatableArray()),
            Declare d => d with { Initializer = d.Initializer is null ? null : R(d.Initializer) },
            Assign { Target: ElementAccess target } a => new Assign(target with { Indices = target.Indices.Select(R).ToEquatableArray() }, R(a.Value)),
            Assign a => new Assign(a.Target, R(a.Value)),
            If i => new If(R(i.Condition), (Block)Replace(i.Then, locals, depth + 1), i.Else is null ? null : (Block)Replace(i.Else, locals, depth + 1)),
            For f => new For(f.Variable, R(f.Lower), R(f.Upper), f.Descending, (Block)Replace(f.Body, locals, depth + 1)),
            _ => statement,
        };
    }

    /// <summary>A[i, j] → A_ij, x[i + 1] → x_at: a name that says what it holds where it can.</summary>
    private static string Preferred(ElementAccess e) =>
        e.Indices.All(i => i is Variable) ? e.Array + "_" + string.Join(string.Empty, e.Indices.Cast<Variable>().Select(v => v.Name)) : e.Array + "_at";
}
