using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// After <see cref="MatrixVectorProducts"/>: a loop over rows i that takes row dot products <c>Dot(M, i, …)</c> with
/// operands it never writes, makes row updates <c>Axpy(α, M, i, …, y, …)</c> of a vector nothing else in it touches, or
/// calls exp, log or tanh with arguments the block can compute ahead (<see cref="BlockedCalls"/>), runs in blocks of rows
/// (<c>Kernels.RowsPerBlock</c>). Before each block one <c>MatVecAdd</c> takes the block's dots into scratch, and one SIMD
/// map per call evaluates the calls there; the iterations read both, and store their α in scratch, and one
/// <c>MatTVecAdd</c> after the block adds the rows into y. Both kernels take four rows per load of the vector, so a logistic regression's
/// iteration (a row's dot, scalar work, the row's axpy into the gradient) stops paying one vector pass per row twice;
/// a block's rows are still in cache for the second pass.
/// <para>
/// Sound when the body is straight-line code (no branch, loop, return, user call, tape or generated text, so every
/// iteration takes every dot and makes every update, and nothing the loop calls can use the scratch); the dots read
/// nothing the loop writes (no name it assigns, no array that may share storage with one it writes); and each updated
/// vector is named nowhere else in the body, shares storage with no other array the body names, and its matrix is
/// written nowhere in it. The dots are summed in <c>MatVecAdd</c>'s order (as <c>Dot</c>'s, another than the loop's);
/// the updates are added row by row in the loop's order, bit for bit. A row out of range throws before the block runs
/// rather than in its middle.
/// </para>
/// </summary>
internal static class RowBlocks
{
    private const string Kernels = "global::Differentiable.Runtime.Kernels";

    /// <summary>Scratch elements per block buffer: <c>Kernels.MaxBlockRows</c>, which bounds <c>Kernels.RowsPerBlock</c>.</summary>
    private const int Slot = 64;

    /// <summary>Loops of fewer rows, known at compile time, stay as they are.</summary>
    private const int MinimumRows = 8;

    /// <param name="aliases">Array classes of the body before kernels were introduced (see <see cref="FusedRowSweeps"/>),
    /// built on first need: most bodies have no loop worth blocking, and the classes cost a walk of the whole body.</param>
    public static Block Rewrite(Block body, System.Func<ArrayAliases> aliases)
    {
        ArrayAliases? classes = null;
        FreshNames? names = null;
        return IrWalker.RewriteLoops(body, (loop, _) =>
        {
            if (!HasCandidate(loop))
            {
                return null;
            }

            classes ??= aliases();
            names ??= FreshNames.Of(body, classes);
            return TryBlock(loop, classes, names);
        });
    }

    /// <summary>
    /// Whether the loop has anything a block would change (a row dot, a row update, an exp, log or tanh call) and is
    /// longer than a few rows: a cheap look before the checks.
    /// </summary>
    private static bool HasCandidate(For loop)
    {
        // A loop of a few rows known at compile time gains nothing from four-row kernels and pays for the blocks.
        if (loop.Lower is Constant { Value: var lower } && loop.Upper is Constant { Value: var upper } && upper - lower < MinimumRows)
        {
            return false;
        }

        var row = new Variable(loop.Variable);
        return IrWalker.Statements(loop.Body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Any(node => node switch
        {
            Invoke { Method: Kernels + ".Dot" or Kernels + ".Axpy" } invoke => invoke.Arguments.Count > 2 && (invoke.Arguments[1] == row || invoke.Arguments[2] == row),
            _ => BlockedCalls.IsMapped(node),
        });
    }

    /// <summary>The blocked loop, or null when the loop has no row dot, row update or call that may run by block.</summary>
    private static Stmt[]? TryBlock(For loop, ArrayAliases aliases, FreshNames names)
    {
        var leaves = IrWalker.Statements(loop.Body).Where(s => s is not Block and not Comment).ToList();
        if (!leaves.All(l => IsStraightLine(l))
            || new[] { loop.Lower, loop.Upper }.SelectMany(IrWalker.Nodes).Any(IrWalker.ReadsMutableState))
        {
            return null;
        }

        var assigned = new HashSet<string>(IrWalker.AssignedNames(loop.Body), System.StringComparer.Ordinal) { loop.Variable };
        var written = leaves.SelectMany(s => WrittenArrays(s, aliases)).Distinct().ToList();
        var arrays = leaves.SelectMany(s => IrWalker.OwnExpressions(s).SelectMany(IrWalker.ReadNames)).Concat(written)
            .Where(name => IsArray(name, aliases)).Distinct().ToList();
        if (new[] { loop.Lower, loop.Upper }.SelectMany(IrWalker.ReadNames).Any(assigned.Contains)
            || leaves.SelectMany(s => IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes)).Any(n => (n is Variable v && !aliases.Types.ContainsKey(v.Name)) || MayDivideByZero(n, aliases.Types)))
        {
            return null;
        }

        bool Invariant(Expr e) => !IrWalker.ReadNames(e).Any(assigned.Contains);
        bool Unwritten(string array) => !written.Any(w => aliases.MayAlias(w, array));

        // Names the body binds (declares or assigns as a whole): an array named so cannot be compared with before the loop.
        var rebound = RunTimeChecks.Rebound(leaves);
        // Pairs of arrays the alias classes cannot tell apart (two arrays from the tape or the caller, or one bound to the
        // other outside the loop): the block runs only when each pair is two objects, which a reference comparison
        // settles, as arrays have no views.
        var guards = new List<(string Other, string Vector)>();

        var dots = new List<Invoke>();
        foreach (var dot in leaves.SelectMany(s => IrWalker.OwnExpressions(s)).SelectMany(Evaluated).OfType<Invoke>())
        {
            if (dot.Method == Kernels + ".Dot"
                && dot.Arguments.Count is 6 or 7
                && dot.Arguments[1] == new Variable(loop.Variable)
                && IsArray(dot.Arguments[0], IrType.DoubleMatrix, aliases)
                && dot.Arguments.Where((_, k) => k != 1).All(Invariant)
                && !dot.Arguments.SelectMany(IrWalker.Nodes).Any(IrWalker.ReadsMutableState)
                && !dots.Contains(dot))
            {
                // An operand the loop may write under another name: compared at run time, unless that name is rebound
                // in the loop (the operands themselves are invariant, so never written or rebound by name).
                var sharing = dot.Arguments.OfType<Variable>().Where(v => IsArray(v.Name, aliases))
                    .SelectMany(v => written.Where(w => aliases.MayAlias(w, v.Name)).Select(w => (w, v.Name))).Distinct().ToList();
                if (sharing.Any(p => rebound.Contains(p.w)))
                {
                    continue;
                }

                dots.Add(dot);
                guards.AddRange(sharing);
            }
        }

        var updates = new List<Evaluate>();
        foreach (var statement in leaves)
        {
            if (statement is Evaluate { Expression: Invoke { Method: Kernels + ".Axpy", Member: null, Arguments.Count: 7 } axpy } update
                && axpy.Arguments[2] == new Variable(loop.Variable)
                && axpy.Arguments[1] is Variable matrix && IsArray(matrix, IrType.DoubleMatrix, aliases)
                && axpy.Arguments[4] is Variable vector && IsArray(vector, IrType.DoubleArray, aliases)
                && axpy.Arguments.Skip(1).Where((_, k) => k != 1).All(Invariant)
                && !axpy.Arguments.Skip(1).SelectMany(IrWalker.Nodes).Any(IrWalker.ReadsMutableState)
                && Unwritten(matrix.Name)
                && !leaves.Any(other => !ReferenceEquals(other, statement) && IrWalker.Mentions(other, vector.Name)))
            {
                var sharing = arrays.Where(other => other != vector.Name && aliases.MayAlias(other, vector.Name)).ToList();
                if (sharing.Any(rebound.Contains))
                {
                    continue;
                }

                updates.Add(update);
                guards.AddRange(sharing.Select(other => (other, vector.Name)));
            }
        }

        // Slots of the block's buffers, in this order: dots, updates, calls. Until the names exist a slot is a placeholder.
        Expr Placeholder(int slot) => new ElementAccess(SlotPlaceholder, new Expr[] { Constant.Int(slot) }.ToEquatableArray());
        var calls = BlockedCalls.Find(
            loop,
            aliases.Types,
            assigned,
            Unwritten,
            OwnElements(loop, leaves, written, arrays, rebound, aliases),
            invoke => dots.IndexOf(invoke) is var k && k >= 0 ? Placeholder(k) : null,
            k => Placeholder(dots.Count + updates.Count + k));
        if (dots.Count == 0 && updates.Count == 0 && calls.Count == 0)
        {
            return null;
        }

        return Blocked(loop, dots, updates, calls, guards, names, aliases);
    }

    /// <summary>
    /// The double arrays the loop writes whose every mention in it is the element at the loop's row (<c>h[i]</c>: no other
    /// index, no use of the array itself, never rebound) and that share storage with no other array it names. Only
    /// iteration i touches <c>h[i]</c>, so a block may read it ahead for any of its rows, and a call's argument may read
    /// through what the iteration stored in it (<c>h[i] = dot; h[i] = Math.Tanh(h[i])</c>, a reused layer).
    /// </summary>
    private static HashSet<string> OwnElements(For loop, List<Stmt> leaves, List<string> written, List<string> arrays, HashSet<string> rebound, ArrayAliases aliases)
    {
        var row = EquatableArray.Create<Expr>(new Variable(loop.Variable));
        var nodes = leaves.SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).ToList();
        return new HashSet<string>(
            written.Where(array => aliases.Types.TryGetValue(array, out var type) && type == IrType.DoubleArray
                && !rebound.Contains(array)
                && !arrays.Any(other => other != array && aliases.MayAlias(other, array))
                && nodes.All(node => node switch
                {
                    Variable v => v.Name != array,
                    ElementAccess e => e.Array != array || e.Indices.Equals(row),
                    _ => true,
                })),
            System.StringComparer.Ordinal);
    }

    /// <summary>
    /// An int division or remainder by anything but a nonzero constant. A block evaluates its rows' dots and call
    /// arguments before their iterations run, so an index out of range in a later row would be thrown before the
    /// DivideByZeroException an earlier row throws as written (found by a review); the only other exception
    /// straight-line code can throw is that index's own.
    /// </summary>
    private static bool MayDivideByZero(Expr node, IReadOnlyDictionary<string, IrType> types) =>
        node is Binary { Operator: BinaryOperator.Divide or BinaryOperator.Remainder } division
        && Analysis.TypeEnvironment.TypeOf(division, types) is not (IrType.Double or IrType.Single)
        && division.Right is not Constant { Type: IrType.Int32, Value: not 0.0 };

    /// <summary>Stands for the block's scratch in a slot read until the blocked loop has names.</summary>
    private const string SlotPlaceholder = "\u0000slot";

    private static Stmt[] Blocked(For loop, List<Invoke> dots, List<Evaluate> updates, List<BlockedCalls.Hoisted> calls, List<(string Other, string Vector)> guards, FreshNames names, ArrayAliases aliases)
    {
        var scratch = names.Fresh("rowBlock");
        var blockRows = names.Fresh("blockRows");
        var low = names.Fresh("blockLow");
        var size = names.Fresh("blockSize");
        var bound = names.Fresh(loop.Descending ? "blockTop" : "blockEnd");
        var i = new Variable(loop.Variable);
        Expr Offset(int slot) => slot == 0
            ? new Binary(BinaryOperator.Subtract, i, new Variable(low))
            : new Binary(BinaryOperator.Add, Constant.Int(slot * Slot), new Binary(BinaryOperator.Subtract, i, new Variable(low)));

        // The iterations read their dots and calls from the block's buffers and store their α into another.
        var dotSlots = dots.Select((dot, k) => (dot, k)).ToDictionary(p => p.dot, p => p.k);
        var updateSlots = updates.Select((update, k) => (update, k: dots.Count + k)).ToDictionary(p => (Stmt)p.update, p => p.k, ReferenceComparer<Stmt>.Instance);
        var callSlots = calls.SelectMany((call, k) => call.Sharing.Prepend(call.Call).Select(c => (Call: c, k: dots.Count + updates.Count + k))).ToDictionary(p => p.Call, p => p.k, ReferenceComparer<Call>.Instance);
        Expr SlotRead(int slot) => new ElementAccess(scratch, new[] { Offset(slot) }.ToEquatableArray());
        Expr ReadBlock(Expr e) => IrWalker.Rewrite(e, node => node switch
        {
            Invoke invoke when dotSlots.TryGetValue(invoke, out var slot) => SlotRead(slot),
            Call call when callSlots.TryGetValue(call, out var slot) => SlotRead(slot),
            _ => null,
        });
        Expr FromPlaceholders(Expr e) => IrWalker.Rewrite(e, node => node is ElementAccess { Array: SlotPlaceholder } read ? SlotRead((int)((Constant)read.Indices[0]).Value) : null);
        Stmt RewriteStatement(Stmt statement) => statement switch
        {
            Block nested => RewriteBody(nested),
            Evaluate update when updateSlots.TryGetValue(update, out var slot) =>
                new Assign(SlotRead(slot), ReadBlock(((Invoke)update.Expression).Arguments[0])),
            // Statements reading no dot or call stay the same objects.
            Declare { Initializer: { } value } d when ReadBlock(value) is var read && !ReferenceEquals(read, value) => d with { Initializer = read },
            Assign a when ReadBlock(a.Value) is var read && !ReferenceEquals(read, a.Value) => new Assign(a.Target, read),
            Evaluate e when ReadBlock(e.Expression) is var read && !ReferenceEquals(read, e.Expression) => new Evaluate(read),
            _ => statement,
        };
        Block RewriteBody(Block block)
        {
            var statements = new List<Stmt>();
            var pending = new List<Stmt>();
            foreach (var statement in block.Statements)
            {
                if (statement is Comment)
                {
                    pending.Add(statement);
                    continue;
                }

                var rewritten = RewriteStatement(statement);
                var readsDot = statement is not Block && !updateSlots.ContainsKey(statement)
                    && IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).Any(n => n is Invoke invoke && dotSlots.ContainsKey(invoke));
                // The kernel comment before a statement that now reads the block's buffer says so instead.
                statements.AddRange(pending.Select(c => readsDot && ((Comment)c).Text.StartsWith("vectorized: the loop over", System.StringComparison.Ordinal)
                    ? new Comment("blocked: this row's dot product, from the block's matrix–vector product")
                    : c));
                pending.Clear();
                if (updateSlots.ContainsKey(statement))
                {
                    statements.Add(new Comment($"blocked: α of this row's update of {((Variable)((Invoke)((Evaluate)statement).Expression).Arguments[4]).Name}, added by the block's transposed product"));
                }

                statements.Add(rewritten);
            }

            statements.AddRange(pending);
            return new Block(statements.ToEquatableArray());
        }

        var blockSize = new Variable(size);
        var blockLow = new Variable(low);
        var blockBound = new Variable(bound);
        // Ascending, blocks from the bottom up: rows [low, low + size) up to the end. Descending, from the top down:
        // rows [top − size, top) down to the start, each iterated top − 1 … low as the loop did.
        var far = loop.Descending ? names.Fresh("blockStart") : low;
        var inBlock = new List<Stmt>
        {
            new Verbatim($"int {size} = (int)global::System.Math.Min((long){bound} - {far}, {blockRows});", new[] { bound, far, blockRows }.ToEquatableArray()),
        };
        if (loop.Descending)
        {
            inBlock.Add(new Declare(low, IrType.Int32, new Binary(BinaryOperator.Subtract, blockBound, blockSize)));
        }

        foreach (var (dot, slot) in dotSlots)
        {
            // Dot(M, i, start, v…, length) → MatVecAdd(M, low, start, v…, length, scratch, slot, size) into a cleared run.
            inBlock.Add(new Evaluate(new Invoke("global::System.Array.Clear", new Expr[] { new Variable(scratch), Constant.Int(slot * Slot), blockSize }.ToEquatableArray())));
            var arguments = new List<Expr> { dot.Arguments[0], blockLow };
            arguments.AddRange(dot.Arguments.Skip(2));
            arguments.AddRange(new Expr[] { new Variable(scratch), Constant.Int(slot * Slot), blockSize });
            inBlock.Add(new Evaluate(new Invoke(Kernels + ".MatVecAdd", arguments.ToEquatableArray())));
        }

        var top = loop.Descending ? (Expr)blockBound : new Binary(BinaryOperator.Add, blockLow, blockSize);
        foreach (var level in calls.Select(c => c.Level).Distinct().OrderBy(l => l))
        {
            // The arguments of this level's calls (they read the dots and the earlier levels), then one map per call.
            var atLevel = calls.Where(c => c.Level == level).ToList();
            var arguments = new List<Stmt>();
            var computed = new Dictionary<Expr, Expr>();
            foreach (var call in atLevel)
            {
                // An argument that contains an earlier one of this round (log(p) and log(1 − p)) reads it from its slot,
                // where the iteration has just stored exactly that value.
                var argument = IrWalker.Rewrite(FromPlaceholders(call.Argument), node => node is Binary or Unary or Call && computed.TryGetValue(node, out var stored) ? stored : null);
                arguments.Add(new Assign(SlotRead(callSlots[call.Call]), argument));
                computed[FromPlaceholders(call.Argument)] = SlotRead(callSlots[call.Call]);
            }

            // Arguments are arithmetic on the slots more often than not (σ's 1 / (1 + e)): by vectors of rows where they are.
            var round = new For(loop.Variable, blockLow, top, false, new Block(arguments.ToEquatableArray()));
            inBlock.AddRange(LaneIterations.Rewrite(round, scratch, aliases.Types, names, aliases.MayAlias) ?? new Stmt[] { round });
            foreach (var call in atLevel.Where(c => !c.Stored))
            {
                var map = call.Call.Function switch { MathFunction.Exp => "Exp", MathFunction.Log => "Log", _ => "Tanh" };
                inBlock.Add(new Evaluate(new Invoke(Kernels + "." + map, new Expr[] { new Variable(scratch), Constant.Int(callSlots[call.Call] * Slot), blockSize }.ToEquatableArray())));
            }
        }

        // The iterations, by vectors of rows where they are arithmetic (scratch slots are Slot apart, blocks at most Slot
        // rows); their additions into one element merged first, as the last pass would merge the rows run one by one.
        var iterations = loop with { Lower = blockLow, Upper = top, Body = Optimization.MergedAccumulations.Merge(RewriteBody(loop.Body), aliases) };
        inBlock.AddRange(LaneIterations.Rewrite(iterations, scratch, aliases.Types, names, aliases.MayAlias) ?? new Stmt[] { iterations });
        foreach (var update in updates)
        {
            // Axpy(α, M, i, start, y, yStart, length) → MatTVecAdd(scratch, slot, M, low, start, y, yStart, length, size, descending).
            var axpy = (Invoke)update.Expression;
            var arguments = new List<Expr> { new Variable(scratch), Constant.Int(updateSlots[update] * Slot), axpy.Arguments[1], blockLow };
            arguments.AddRange(axpy.Arguments.Skip(3));
            arguments.Add(blockSize);
            arguments.Add(new Constant(loop.Descending ? 1 : 0, IrType.Boolean));
            inBlock.Add(new Evaluate(new Invoke(Kernels + ".MatTVecAdd", arguments.ToEquatableArray())));
        }

        inBlock.Add(loop.Descending ? new Assign(blockBound, blockLow) : new Assign(blockLow, new Binary(BinaryOperator.Add, blockLow, blockSize)));
        // Rows as long as the longest dot's or update's (the calls alone: a row of one element, the largest block).
        var lengths = dots.Select(dot => dot.Arguments[dot.Arguments.Count - 1]).Concat(updates.Select(u => ((Invoke)u.Expression).Arguments[6])).Distinct().ToList();
        var length = lengths.Count == 0
            ? Constant.Int(1)
            : lengths.Aggregate((a, b) => new Call(MathFunction.Max, new[] { a, b }.ToEquatableArray()));
        var setup = new List<Stmt>
        {
            new Declare(scratch, IrType.DoubleArray, new Invoke(Kernels + ".Scratch", new Expr[] { Constant.Int((dots.Count + updates.Count + calls.Count) * Slot) }.ToEquatableArray())),
            new Declare(blockRows, IrType.Int32, new Invoke(Kernels + ".RowsPerBlock", new[] { length }.ToEquatableArray())),
            new Declare(loop.Descending ? bound : low, IrType.Int32, loop.Descending ? loop.Upper : loop.Lower),
            new Declare(loop.Descending ? far : bound, IrType.Int32, loop.Descending ? loop.Lower : loop.Upper),
            new While(
                loop.Descending ? new Binary(BinaryOperator.Greater, blockBound, new Variable(far)) : new Binary(BinaryOperator.Less, blockLow, blockBound),
                new Block(inBlock.ToEquatableArray())),
        };

        var comment = Description(loop, dots, updates, calls);
        if (guards.Count == 0)
        {
            return new Stmt[] { comment, new Block(setup.ToEquatableArray()) };
        }

        // Versioned: the blocked loop when no pair is one array, the loop as written otherwise.
        guards = guards.Distinct().ToList();
        return new Stmt[]
        {
            comment,
            new Comment($"checked at run time: {RunTimeChecks.Describe(guards.Select(g => (g.Vector, g.Other)))} (otherwise the loop runs as written)"),
            new If(RunTimeChecks.AllDistinct(guards.Select(g => (g.Other, g.Vector))), new Block(setup.ToEquatableArray()), new Block(new Stmt[] { loop }.ToEquatableArray())),
        };
    }

    /// <summary>The comment that says what the blocked loop does, and what it gives up (sums in another order, map ulps).</summary>
    private static Comment Description(For loop, List<Invoke> dots, List<Evaluate> updates, List<BlockedCalls.Hoisted> calls)
    {
        var parts = new List<string>();
        if (dots.Count > 0)
        {
            parts.Add($"its row dot products are {(dots.Count == 1 ? "a matrix–vector product" : dots.Count + " matrix–vector products")} before each block");
        }

        var mapped = calls.Where(c => !c.Stored).ToList();
        if (mapped.Count > 0)
        {
            var functions = string.Join(", ", mapped.Select(c => c.Call.Function.ToString().ToLowerInvariant()).Distinct());
            parts.Add($"its {functions} {(mapped.Count == 1 ? "call is a SIMD map" : "calls are " + mapped.Count + " SIMD maps")} over the block's arguments{(calls.Max(c => c.Level) > 1 ? ", in " + calls.Max(c => c.Level) + " rounds" : "")}");
        }

        var stored = calls.Where(c => c.Stored).ToList();
        if (stored.Count > 0)
        {
            // Said so that the iteration's read of the slot, where its code had the call, is not a surprise.
            var functions = string.Join(", ", stored.Select(c => c.Call.Function.ToString().ToLowerInvariant()).Distinct());
            parts.Add($"its {functions} {(stored.Count == 1 ? "call, which a map's argument reads, is" : "calls, which maps' arguments read, are")} computed once, with the arguments");
        }

        if (updates.Count > 0)
        {
            var vectors = string.Join(", ", updates.Select(u => ((Variable)((Invoke)u.Expression).Arguments[4]).Name));
            parts.Add($"its row updates of {vectors} are {(updates.Count == 1 ? "one transposed product" : updates.Count + " transposed products")} after it");
        }

        var rowKernels = dots.Count + updates.Count > 0;
        var notes = new List<string> { "SIMD kernels" };
        notes.AddRange(new[]
        {
            rowKernels ? "four rows at a time" : null,
            dots.Count > 0 ? "dots summed in another order" : null,
            mapped.Count > 0 ? "maps within 2 ulp of Math" : null,
        }.OfType<string>());
        var listed = parts.Count == 1 ? parts[0] : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[parts.Count - 1];
        return new Comment($"blocked: the loop over {loop.Variable} runs in blocks of {(rowKernels ? "rows" : "iterations")}; {listed} ({string.Join("; ", notes)})");
    }

    /// <summary>
    /// A statement of a body that may run by block: straight-line, calling no user code (whose callee could write an
    /// array passed to it) and only known kernels. A blocked loop also refuses the tape and allocations;
    /// <paramref name="tapeAndAllocations"/> allows them where no per-thread scratch is live (a batch's row loop).
    /// </summary>
    internal static bool IsStraightLine(Stmt statement, bool tapeAndAllocations = false) =>
        statement switch
        {
            Declare or Assign { Target: Variable or ElementAccess } => true,
            TapePush => tapeAndAllocations,
            Evaluate { Expression: Invoke { Member: null } invoke } => invoke.Method.StartsWith(Kernels + ".", System.StringComparison.Ordinal),
            _ => false,
        }
        && IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).All(node => node switch
        {
            UserCall or OutArgument => false,
            TapePop or NewArray => tapeAndAllocations,
            Invoke invoke => invoke.Member is null && invoke.Method.StartsWith(Kernels + ".", System.StringComparison.Ordinal),
            _ => true,
        });

    /// <summary>The nodes of an expression that run whenever it does: not those under a conditional or a short-circuit.</summary>
    internal static IEnumerable<Expr> Evaluated(Expr expression)
    {
        var stack = new Stack<Expr>();
        stack.Push(expression);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            if (node is Conditional conditional)
            {
                stack.Push(conditional.Condition);
                continue;
            }

            if (node is Binary { Operator: BinaryOperator.And or BinaryOperator.Or } logical)
            {
                stack.Push(logical.Left);
                continue;
            }

            foreach (var child in IrWalker.Children(node))
            {
                stack.Push(child);
            }
        }
    }

    /// <summary>
    /// The arrays a straight-line statement may write: those it stores elements of, and a kernel's destinations (for
    /// <c>Axpy</c> and <c>Scale</c> the run after the source; for any other kernel but <c>Dot</c>, every array passed).
    /// </summary>
    internal static IEnumerable<string> WrittenArrays(Stmt statement, ArrayAliases aliases)
    {
        foreach (var name in IrWalker.AssignedNames(statement).Where(name => IsArray(name, aliases)))
        {
            yield return name;
        }

        foreach (var invoke in IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<Invoke>())
        {
            if (invoke.Method == Kernels + ".Dot")
            {
                continue;
            }

            if (invoke.Method is Kernels + ".Axpy" or Kernels + ".Scale")
            {
                // (α, x, [row,] start, y, [row,] start, length): y follows x's operand.
                var y = IsArray(invoke.Arguments[1], IrType.DoubleMatrix, aliases) ? 4 : 3;
                if (invoke.Arguments[y] is Variable destination)
                {
                    yield return destination.Name;
                    continue;
                }
            }

            foreach (var argument in invoke.Arguments.OfType<Variable>().Where(v => IsArray(v.Name, aliases)))
            {
                yield return argument.Name;
            }
        }
    }

    internal static bool IsArray(string name, ArrayAliases aliases) => aliases.Types.TryGetValue(name, out var type) && type.IsArray();

    internal static bool IsArray(Expr expression, IrType type, ArrayAliases aliases) =>
        expression is Variable v && aliases.Types.TryGetValue(v.Name, out var actual) && actual == type;
}
