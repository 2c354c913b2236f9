using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// After <see cref="ElementwiseMaps"/>: a loop over rows i whose body is <c>a = init; a += Dot(M, i, …); …; y[i] = a;</c>
/// (a layer's <c>y = M·v + b</c>, whose tanh the map has moved after the loop) keeps only <c>y[i] = init</c>, and one
/// matrix–vector kernel per dot adds <c>M·v</c> into the run of y after it. The kernel takes four rows at a time, so
/// each load of v serves four rows: about twice as fast as a dot product per row (docs/benchmarks-history.md, session 8).
/// <para>
/// Sound when the dots are independent of the loop: the matrix, vector, columns and length read nothing the loop
/// assigns, and y is fresh (allocated just before the loop, so neither M nor v is y under another name). The sums keep
/// their order, <c>(init + M₁v₁) + M₂v₂</c>; each dot is added in the kernel's own order, as <c>Dot</c>'s already is.
/// The accumulator must be read nowhere else in the body: after the rewrite it ends the loop holding init, not the sum.
/// The initialization, which now runs before every dot rather than between them, must call nothing (a call could write
/// what a dot reads).
/// </para>
/// </summary>
internal static class MatrixVectorProducts
{
    private const string Kernels = "global::Differentiable.Runtime.Kernels";

    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types) => IrWalker.RewriteLoops(body, (loop, before) => TryDistribute(loop, before, body, types));

    /// <summary>The loop without its dots and one kernel call per dot after it, or null when the loop is not such a layer.</summary>
    /// <param name="before">The statements of the block before the loop, already rewritten.</param>
    private static Stmt[]? TryDistribute(For loop, List<Stmt> before, Block root, IReadOnlyDictionary<string, IrType> types)
    {
        var body = loop.Body.Statements.Where(s => s is not Comment).ToList();
        if (body.Count < 3
            || Initialized(body[0]) is not { } accumulator
            || body[body.Count - 1] is not Assign { Target: ElementAccess { Indices.Count: 1 } store, Value: Variable stored }
            || stored.Name != accumulator
            || store.Indices[0] != new Variable(loop.Variable)
            || !types.TryGetValue(store.Array, out var storeType) || storeType != IrType.DoubleArray
            || !types.TryGetValue(accumulator, out var accumulatorType) || accumulatorType != IrType.Double)
        {
            return null;
        }

        // Everything between the initialization and the store adds one row's dot product.
        var dots = new List<EquatableArray<Expr>>();
        for (var k = 1; k < body.Count - 1; k++)
        {
            if (RowDot(body[k], accumulator, loop.Variable) is not { } arguments)
            {
                return null;
            }

            dots.Add(arguments);
        }

        var assigned = new HashSet<string>(IrWalker.AssignedNames(loop.Body), System.StringComparer.Ordinal) { loop.Variable };
        var y = store.Array;
        var initializer = body[0] is Declare declare ? declare.Initializer! : ((Assign)body[0]).Value;
        if (dots.SelectMany(d => d.Where((_, i) => i != 1)).Concat(new[] { loop.Lower, loop.Upper }).SelectMany(IrWalker.ReadNames).Any(assigned.Contains)
            || IrWalker.Nodes(initializer).Any(n => IrWalker.Names(n, y) || IrWalker.Names(n, accumulator) || n is UserCall or Invoke or OutArgument)
            || !ElementwiseMaps.IsFresh(y, before)
            || Reads(root, accumulator) != Reads(loop, accumulator))
        {
            return null;
        }

        var rows = loop.Lower is Constant { Value: 0.0 } ? loop.Upper : new Binary(BinaryOperator.Subtract, loop.Upper, loop.Lower);
        // The comments go with the statements they precede: those of the dots leave with them.
        var kept = new List<Stmt>();
        var pending = new List<Stmt>();
        foreach (var statement in loop.Body.Statements)
        {
            if (statement is Comment)
            {
                pending.Add(statement);
                continue;
            }

            if (ReferenceEquals(statement, body[0]) || ReferenceEquals(statement, body[body.Count - 1]))
            {
                kept.AddRange(pending);
                kept.Add(statement);
            }

            pending.Clear();
        }

        kept.AddRange(pending);
        var statements = new List<Stmt>
        {
            loop with { Body = new Block(kept.ToEquatableArray()) },
            new Comment($"vectorized: the row dot products of the loop over {loop.Variable} are {(dots.Count == 1 ? "a matrix–vector product" : dots.Count + " matrix–vector products")} into {y} (SIMD kernel, four rows at a time; partial sums in another order)"),
        };
        foreach (var dot in dots)
        {
            // Dot(M, i, start, v…, length) → MatVecAdd(M, lower, start, v…, length, y, lower, rows).
            var arguments = new List<Expr> { dot[0], loop.Lower };
            arguments.AddRange(dot.Skip(2));
            arguments.Add(new Variable(y));
            arguments.Add(loop.Lower);
            arguments.Add(rows);
            statements.Add(new Evaluate(new Invoke(Kernels + ".MatVecAdd", arguments.ToEquatableArray())));
        }

        return statements.ToArray();
    }

    /// <summary>The local a statement sets to a value that does not read it: <c>a = e</c> or <c>double a = e</c>.</summary>
    private static string? Initialized(Stmt statement) => statement switch
    {
        Declare { Initializer: { } value } d when !IrWalker.ReadNames(value).Contains(d.Name) => d.Name,
        Assign { Target: Variable v, Value: var value } when !IrWalker.ReadNames(value).Contains(v.Name) => v.Name,
        _ => null,
    };

    /// <summary>
    /// The arguments of <c>a += Kernels.Dot(M, i, …)</c>, a row of a matrix along the loop's row i against a vector or a
    /// run of another matrix's row; null for anything else.
    /// </summary>
    private static EquatableArray<Expr>? RowDot(Stmt statement, string accumulator, string row)
    {
        if (statement is Assign { Target: Variable target, Value: Binary { Operator: BinaryOperator.Add, Left: Variable left, Right: Invoke { Member: null } dot } }
            && target.Name == accumulator
            && left.Name == accumulator
            && dot.Method == Kernels + ".Dot"
            && dot.Arguments.Count is 6 or 7
            && dot.Arguments[1] == new Variable(row))
        {
            return dot.Arguments;
        }

        return null;
    }

    /// <summary>How often the statement reads the local (an assignment to it reads only its value); generated code that names it counts as a read.</summary>
    private static int Reads(Stmt statement, string name)
    {
        var count = 0;
        foreach (var s in IrWalker.Statements(statement))
        {
            var expressions = s switch
            {
                Assign { Target: Variable v, Value: var value } when v.Name == name => new[] { value },
                Verbatim v when v.Reads.Contains(name) || IrWalker.ContainsIdentifier(v.Code, name) => null,
                _ => IrWalker.OwnExpressions(s),
            };
            count += expressions is null ? 1 : expressions.SelectMany(IrWalker.Nodes).Count(n => IrWalker.Names(n, name));
        }

        return count;
    }
}
