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
/// <para>
/// Unrolled code gets the same treatment without loops: additions into elements at constant indices, in straight-line
/// statements, store the first time each element is reached; the clear becomes conditional when the elements reached
/// fill the box from 0 to their largest indices, and stays as it was otherwise.
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
                TryStore(statements, buffer, type.Rank(), types);
            }
        }

        return new Block(statements.ToEquatableArray());
    }

    /// <summary>The clear the reverse transform writes for a buffer (see ReverseModeTransform).</summary>
    internal static string ClearCode(string buffer) => $"global::System.Array.Clear({buffer}, 0, {buffer}.Length);";

    /// <summary>Whether the code is a buffer's clear: it writes that array's elements and nothing else.</summary>
    internal static bool IsClear(Verbatim code)
    {
        const string Start = "global::System.Array.Clear(";
        if (!code.Code.StartsWith(Start, System.StringComparison.Ordinal))
        {
            return false;
        }

        var comma = code.Code.IndexOf(',');
        return comma > Start.Length && code.Code == ClearCode(code.Code.Substring(Start.Length, comma - Start.Length));
    }

    private static void TryStore(List<Stmt> statements, string buffer, int rank, IReadOnlyDictionary<string, IrType> types)
    {
        var clear = statements.FindIndex(s => s is Verbatim v && v.Code == ClearCode(buffer));
        if (clear < 0)
        {
            return;
        }

        var first = statements.FindIndex(clear + 1, s => IrWalker.Mentions(s, buffer));
        if (first >= 0 && statements[first] is not For)
        {
            TryStoreStraightLine(statements, buffer, rank, clear, first);
            return;
        }

        if (first < 0 || statements[first] is not For nest)
        {
            return;
        }

        var touching = IrWalker.Statements(nest).Where(s => s is not (Block or For) && IrWalker.Mentions(s, buffer)).ToList();
        if (rank == 1 && touching.Count > 1)
        {
            TryStoreShifted(statements, buffer, clear, first, nest, touching, types);
            return;
        }

        if (touching.Count != 1 || touching[0] is not Assign { Target: ElementAccess target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum } update
            || target.Array != buffer || sum.Left != target || IrWalker.Nodes(sum.Right).Any(n => IrWalker.Names(n, buffer))
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
        PlaceCheck(statements, buffer, clear, first, partial, $"{buffer}: the loops below store each element once; cleared only if they do not cover it");
    }

    /// <summary>
    /// Replaces the buffer's clear by a clear run only where <paramref name="partial"/> holds. The check goes where the
    /// clear was when nothing up to the nest sets what it reads: a double local set before a call and read in a loop after
    /// it stays in memory through the loop (the JIT keeps no double in a register across a call), so the call goes
    /// first. Otherwise above the comments that introduce the nest.
    /// </summary>
    private static void PlaceCheck(List<Stmt> statements, string buffer, int clear, int first, Expr partial, string comment)
    {
        var check = new If(partial, new Block(EquatableArray.Create<Stmt>(new Verbatim(ClearCode(buffer)))), null);
        var note = new Comment(comment);
        var reads = new HashSet<string>(IrWalker.ReadNames(partial), System.StringComparer.Ordinal);
        if (!statements.Skip(clear + 1).Take(first - clear - 1).SelectMany(IrWalker.AssignedNames).Any(reads.Contains))
        {
            statements[clear] = check;
            statements.Insert(clear, note);
            return;
        }

        var at = first;
        while (at > clear + 1 && statements[at - 1] is Comment)
        {
            at--;
        }

        statements.Insert(at, check);
        statements.Insert(at, note);
        statements.RemoveAt(clear);
    }

    /// <summary>
    /// A loop whose iteration i adds into two neighbouring elements, <c>g[i + a]</c> and <c>g[i + a + 1]</c> (a stencil's
    /// gradient: Rosenbrock's <c>dx[i] -= …; dx[i + 1] += …</c>), in straight-line code. Element i + a + 1 gets its first
    /// contributions in iteration i and its last in iteration i + 1, so a local carries it from one iteration to the next
    /// and each element is stored once, when its last iteration ends: no clear, no load, and no store that the next
    /// iteration reads back. The same additions in the same order, from the same zero: bit-identical. The clear runs
    /// only where the loop does not reach every element (or does not run).
    /// </summary>
    private static void TryStoreShifted(List<Stmt> statements, string buffer, int clear, int first, For nest, List<Stmt> touching, IReadOnlyDictionary<string, IrType> types)
    {
        if (nest.Descending || !IsStraightLine(nest.Body))
        {
            return;
        }

        var offsets = new Dictionary<Stmt, int>(ReferenceComparer<Stmt>.Instance);
        foreach (var statement in touching)
        {
            if (statement is not Assign { Target: ElementAccess { Indices.Count: 1 } target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum }
                || target.Array != buffer || sum.Left != target || IrWalker.Nodes(sum.Right).Any(n => IrWalker.Names(n, buffer))
                || Offset(target.Indices[0], nest.Variable) is not { } offset)
            {
                return;
            }

            offsets[statement] = offset;
        }

        var low = offsets.Values.Min();
        if (offsets.Values.Distinct().Count() != 2 || offsets.Values.Max() != low + 1)
        {
            return;
        }

        // The bounds read nothing the body writes; the body never writes the loop's variable.
        var assigned = new HashSet<string>(IrWalker.AssignedNames(nest.Body), System.StringComparer.Ordinal);
        if (assigned.Contains(nest.Variable) || IrWalker.ReadNames(nest.Lower).Concat(IrWalker.ReadNames(nest.Upper)).Any(n => assigned.Contains(n) || n == nest.Variable)
            || new[] { nest.Lower, nest.Upper }.SelectMany(IrWalker.Nodes).Any(n => n is not (Variable or ArrayLength or Constant or Binary or Unary)))
        {
            return;
        }

        var names = Vectorization.FreshNames.Of(new Block(statements.ToEquatableArray()), types.Keys);
        var current = names.Fresh(buffer + "Current");
        var next = names.Fresh(buffer + "Next");
        Expr At(int offset) => Shift(new Variable(nest.Variable), offset);
        Stmt Carried(Stmt statement) => statement switch
        {
            _ when offsets.TryGetValue(statement, out var offset) && statement is Assign { Value: Binary sum } =>
                new Assign(new Variable(offset == low ? current : next), sum with { Left = new Variable(offset == low ? current : next) }),
            Block b => new Block(b.Statements.Select(Carried).ToEquatableArray()),
            _ => statement,
        };

        var body = new List<Stmt> { new Declare(next, IrType.Double, Constant.Zero) };
        body.AddRange(nest.Body.Statements.Select(Carried));
        body.Add(new Assign(new ElementAccess(buffer, EquatableArray.Create(At(low))), new Variable(current)));
        body.Add(new Assign(new Variable(current), new Variable(next)));
        var runs = new Binary(BinaryOperator.Less, nest.Lower, nest.Upper);
        var last = Shift(nest.Upper, low);
        statements[first] = new Block(EquatableArray.Create<Stmt>(
            new Declare(current, IrType.Double, Constant.Zero),
            nest with { Body = new Block(body.ToEquatableArray()) },
            new If(runs, new Block(EquatableArray.Create<Stmt>(new Assign(new ElementAccess(buffer, EquatableArray.Create(last)), new Variable(current)))), null)));

        // Stored: elements lower + a through upper + a, when the loop runs.
        var first0 = Shift(nest.Lower, low);
        Expr partial = new Binary(BinaryOperator.Or,
            new Binary(BinaryOperator.NotEqual, Shift(last, 1), new ArrayLength(buffer, -1)),
            new Binary(BinaryOperator.GreaterOrEqual, nest.Lower, nest.Upper));
        if (first0 is not Constant { Value: 0.0 })
        {
            partial = new Binary(BinaryOperator.Or, new Binary(BinaryOperator.NotEqual, first0, Constant.Int(0)), partial);
        }
        PlaceCheck(statements, buffer, clear, first, partial, $"{buffer}: each element is stored once, carried in {current} and {next} from the iteration that adds into it first to the one that adds last; cleared only if the loop does not reach them all");
    }

    /// <summary>e + k, folded where e is a constant or already adds or subtracts one, and printed e − |k| for k &lt; 0.</summary>
    private static Expr Shift(Expr e, int k) => e switch
    {
        _ when k == 0 => e,
        Constant { Type: IrType.Int32 } c => Constant.Int((int)c.Value + k),
        Binary { Operator: BinaryOperator.Add, Right: Constant { Type: IrType.Int32 } c } b => Shift(b.Left, (int)c.Value + k),
        Binary { Operator: BinaryOperator.Subtract, Right: Constant { Type: IrType.Int32 } c } b => Shift(b.Left, k - (int)c.Value),
        _ => k > 0 ? new Binary(BinaryOperator.Add, e, Constant.Int(k)) : new Binary(BinaryOperator.Subtract, e, Constant.Int(-k)),
    };

    /// <summary>k for an index <c>i</c>, <c>i + k</c> or <c>i - k</c> of the loop's variable i; null for any other.</summary>
    private static int? Offset(Expr index, string variable) => index switch
    {
        Variable v when v.Name == variable => 0,
        Binary { Operator: BinaryOperator.Add, Left: Variable v, Right: Constant { Type: IrType.Int32 } k } when v.Name == variable && System.Math.Abs(k.Value) < 1e6 => (int)k.Value,
        Binary { Operator: BinaryOperator.Subtract, Left: Variable v, Right: Constant { Type: IrType.Int32 } k } when v.Name == variable && System.Math.Abs(k.Value) < 1e6 => -(int)k.Value,
        _ => null,
    };

    /// <summary>
    /// Unrolled code: from the first statement that mentions the buffer on, every mention is an addition into an element
    /// at constant indices (<c>dR[2, 1] += t0 * v[1]</c>), in straight-line statements and blocks with no return among
    /// them. The first addition into each element becomes a store, in program order; when the elements stored fill a
    /// box from 0, the clear runs only if the buffer's shape is not that box.
    /// </summary>
    private static void TryStoreStraightLine(List<Stmt> statements, string buffer, int rank, int clear, int first)
    {
        var last = statements.FindLastIndex(s => IrWalker.Mentions(s, buffer));
        var region = statements.Skip(first).Take(last - first + 1).ToList();
        if (region.Any(s => !IsStraightLine(s) || IrWalker.ContainsReturn(s)))
        {
            return;
        }

        var elements = new List<int[]>();
        foreach (var statement in region.SelectMany(s => IrWalker.StatementsInOrder(s)).Where(s => s is not Block && IrWalker.Mentions(s, buffer)))
        {
            if (ConstantElement(statement, buffer, rank) is not { } element)
            {
                return;
            }

            elements.Add(element);
        }

        var seen = new HashSet<string>(System.StringComparer.Ordinal);
        for (var i = first; i <= last; i++)
        {
            statements[i] = FirstAdditionsStore(statements[i], buffer, rank, seen);
        }

        var extents = Enumerable.Range(0, rank).Select(d => elements.Max(e => e[d]) + 1).ToArray();
        if (seen.Count != extents.Aggregate(1, (a, b) => a * b))
        {
            return;
        }

        var partial = Enumerable.Range(0, rank)
            .Select(d => (Expr)new Binary(BinaryOperator.NotEqual, Constant.Int(extents[d]), new ArrayLength(buffer, rank == 1 ? -1 : d)))
            .Aggregate((a, b) => new Binary(BinaryOperator.Or, a, b));
        statements[clear] = new If(partial, new Block(EquatableArray.Create<Stmt>(new Verbatim(ClearCode(buffer)))), null);
        statements.Insert(clear, new Comment($"{buffer}: the statements below store each element once; cleared only if they do not cover it"));
    }

    private static bool IsStraightLine(Stmt statement) => statement switch
    {
        Block b => b.Statements.All(IsStraightLine),
        Declare or Assign or Comment or Evaluate or TapePush => true,
        _ => false,
    };

    /// <summary>The constant indices of <c>buffer[c…] ±= term</c> whose term does not read the buffer; null for any other mention.</summary>
    private static int[]? ConstantElement(Stmt statement, string buffer, int rank)
    {
        if (statement is not Assign { Target: ElementAccess target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum }
            || target.Array != buffer || sum.Left != target || target.Indices.Count != rank
            || IrWalker.Nodes(sum.Right).Any(n => IrWalker.Names(n, buffer))
            || target.Indices.Any(i => i is not Constant { Value: >= 0.0 and < 1e6 } c || c.Value != System.Math.Floor(c.Value)))
        {
            return null;
        }

        return target.Indices.Select(i => (int)((Constant)i).Value).ToArray();
    }

    /// <summary>The statement with each addition into an element not yet in <paramref name="seen"/> turned into a store, in order.</summary>
    private static Stmt FirstAdditionsStore(Stmt statement, string buffer, int rank, HashSet<string> seen)
    {
        switch (statement)
        {
            case Block b:
                return new Block(b.Statements.Select(s => FirstAdditionsStore(s, buffer, rank, seen)).ToEquatableArray());
            case Assign { Value: Binary sum } update when ConstantElement(update, buffer, rank) is { } element
                && seen.Add(string.Join(",", element.Select(e => e.ToString(System.Globalization.CultureInfo.InvariantCulture)))):
                return new Assign(update.Target, sum.Operator == BinaryOperator.Add ? sum.Right : new Unary(UnaryOperator.Negate, sum.Right));
            default:
                return statement;
        }
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
}
