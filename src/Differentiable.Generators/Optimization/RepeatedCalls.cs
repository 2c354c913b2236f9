using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Evaluates a math call once where a straight-line block evaluates it more than once. A chain rule repeats what the
/// primal computed (the reverse of <c>p = 1/(1 + exp(−z))</c> needs exp(−z) for the quotient and again for exp′), and
/// transcendental functions cost tens of cycles each. Only blocks without control flow are touched, and only calls
/// whose arguments read nothing the block assigns, so the first evaluation has the value of every later one.
/// </summary>
internal static class RepeatedCalls
{
    public static Block Rewrite(Block body, IEnumerable<string> parameterNames)
    {
        var used = new HashSet<string>(parameterNames, System.StringComparer.Ordinal);
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare d:
                    used.Add(d.Name);
                    break;
                case For f:
                    used.Add(f.Variable);
                    break;
            }
        }

        var counter = 0;
        return (Block)Rewrite(body, used, ref counter, 0);
    }

    private static Stmt Rewrite(Stmt statement, HashSet<string> used, ref int counter, int depth)
    {
        StackGuard.Enter(depth);
        switch (statement)
        {
            case Block b when b.Statements.All(s => s is Declare or Assign or Comment):
                return Hoist(b, used, ref counter);
            case Block b:
                var statements = new List<Stmt>(b.Statements.Count);
                foreach (var child in b.Statements)
                {
                    statements.Add(Rewrite(child, used, ref counter, depth + 1));
                }

                return new Block(statements.ToEquatableArray());
            case For f:
                return f with { Body = (Block)Rewrite(f.Body, used, ref counter, depth + 1) };
            case While w:
                return w with { Body = (Block)Rewrite(w.Body, used, ref counter, depth + 1) };
            case If i:
                return new If(i.Condition, (Block)Rewrite(i.Then, used, ref counter, depth + 1), i.Else is null ? null : (Block)Rewrite(i.Else, used, ref counter, depth + 1));
            default:
                return statement;
        }
    }

    private static Block Hoist(Block block, HashSet<string> used, ref int counter)
    {
        var assigned = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in block.Statements)
        {
            assigned.UnionWith(IrWalker.AssignedNames(statement));
        }

        // Occurrences of each double-precision call, counted once per node in program order.
        var counts = new Dictionary<Call, int>();
        var order = new List<Call>();
        foreach (var expression in block.Statements.SelectMany(Expressions))
        {
            foreach (var node in IrWalker.Nodes(expression))
            {
                if (node is Call { Single: false } call && !IrWalker.ReadNames(call).Any(assigned.Contains) && !IrWalker.Nodes(call).Any(n => n is TapePop or UserCall or Invoke))
                {
                    if (!counts.TryGetValue(call, out var count))
                    {
                        order.Add(call);
                    }

                    counts[call] = count + 1;
                }
            }
        }

        var repeated = order.Where(call => counts[call] > 1).ToList();
        if (repeated.Count == 0)
        {
            return block;
        }

        var names = new Dictionary<Call, string>();
        var statements = new List<Stmt>();
        // Pre-order lists an outer call before the calls inside it: define the inner ones first, so the outer reads them.
        repeated.Reverse();
        foreach (var call in repeated)
        {
            var name = Fresh(used, ref counter);
            statements.Add(new Declare(name, IrType.Double, Replace(call, names, outermost: false)));
            names[call] = name;
        }

        foreach (var statement in block.Statements)
        {
            statements.Add(statement switch
            {
                Declare { Initializer: { } value } d => d with { Initializer = Replace(value, names, outermost: true) },
                Assign a => new Assign(a.Target, Replace(a.Value, names, outermost: true)),
                _ => statement,
            });
        }

        return new Block(statements.ToEquatableArray());
    }

    /// <summary>The values a straight-line statement computes: only these are rewritten (targets stay as written).</summary>
    private static IEnumerable<Expr> Expressions(Stmt statement) => statement switch
    {
        Declare { Initializer: { } value } => new[] { value },
        Assign a => new[] { a.Value },
        _ => System.Array.Empty<Expr>(),
    };

    private static string Fresh(HashSet<string> used, ref int counter)
    {
        string name;
        do
        {
            name = "f" + counter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            counter++;
        }
        while (!used.Add(name));
        return name;
    }

    /// <summary>The expression with every hoisted call replaced by its local (the call itself too, unless it is the root being defined).</summary>
    private static Expr Replace(Expr expression, Dictionary<Call, string> names, bool outermost) =>
        IrWalker.Rewrite(expression, node =>
            node is Call call && names.TryGetValue(call, out var name) && (outermost || !ReferenceEquals(node, expression)) ? new Variable(name) : null);
}
