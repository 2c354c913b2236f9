using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// Before <see cref="RowBlocks"/>: a loop over steps whose body runs a loop over rows i making the row update
/// <c>Axpy(αᵢ, x, M, i, start, length)</c>, an outer product <c>M += α·xᵀ</c> per step (backpropagation through time's
/// ∂L/∂W += δₜ·sₜᵀ), stores each step's α and a copy of its x in batch buffers, and one
/// <c>Kernels.OuterProductsAdd</c> adds a batch of steps at once. A step's update reads and writes every element of M
/// (a 128 × 128 matrix: 128 KiB each way); the batch kernel loads a tile of M into registers, adds every step of the
/// batch, and stores it once.
/// <para>
/// Sound when nothing in the loop over steps sees M before the batch is added: M is named by no other statement of it,
/// is never rebound, and shares storage with no array it names (by the alias classes: gradient buffers alias nothing);
/// it has no return and no opaque generated text (its own bounds count: they are evaluated every step). The row loop has
/// no branch, loop or user call (every iteration makes the update once; a kernel's guard <c>if (upper &gt; lower)</c> on
/// names and constants is allowed, and an update of length upper − lower under it batched, as an empty update adds
/// nothing) and never assigns its variable; x is invariant in it and not written by it, its row and start being names
/// and constants (so the copy taken before it is what every row read), and its bounds, the update's columns and its
/// length read nothing the loop over steps assigns (and are computed from names and constants alone, as they are
/// evaluated before it). Each element adds the
/// steps in their order with one multiply and one add, as the axpys did: the result is bit-identical. An out-of-range
/// row or column throws when the batch is added rather than at its step.
/// </para>
/// </summary>
internal static class OuterProductBatches
{
    private const string Kernels = "global::Differentiable.Runtime.Kernels";

    /// <summary>Loops over fewer steps, known at compile time, stay as they are: there is no batch to gather.</summary>
    private const int MinimumSteps = 4;

    /// <param name="aliases">Array classes of the body before kernels (see <see cref="RowBlocks"/>), built on first need.</param>
    /// <param name="fresh">Receives the names and types of the locals the rewrite declares, for the passes after it.</param>
    public static Block Rewrite(Block body, System.Func<ArrayAliases> aliases, List<KeyValuePair<string, IrType>> fresh)
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
            return TryBatch(loop, classes, names, fresh);
        });
    }

    /// <summary>An outer-product update found in a row loop: the statement, its parts, and the row loop.</summary>
    /// <param name="Guards">Arrays the row loop writes that may be the vector under another name: compared at run time.</param>
    private sealed record Update(Evaluate Statement, For Rows, Expr Alpha, Expr[] Vector, string Matrix, Expr Start, Expr Length, List<string> Guards)
    {
        /// <summary>The vector's array: the first of its operand (array, [row,] start).</summary>
        public string VectorArray => ((Variable)Vector[0]).Name;
    }

    /// <summary>The loops over rows run once per step: those in the body's blocks, not under a branch or another loop.</summary>
    private static IEnumerable<For> RowLoops(Block body)
    {
        foreach (var statement in body.Statements)
        {
            switch (statement)
            {
                case For rows:
                    yield return rows;
                    break;
                case Block nested:
                    foreach (var rows in RowLoops(nested))
                    {
                        yield return rows;
                    }

                    break;
            }
        }
    }

    /// <summary>A cheap look before the checks: a row loop with an axpy into row i of something.</summary>
    private static bool HasCandidate(For loop) =>
        !(loop.Lower is Constant { Value: var lower } && loop.Upper is Constant { Value: var upper } && upper - lower < MinimumSteps)
        && RowLoops(loop.Body).Any(rows => IrWalker.Statements(rows.Body).Any(s => s is Evaluate { Expression: Invoke { Method: Kernels + ".Axpy", Arguments.Count: 7 or 8 } axpy }
            && axpy.Arguments[axpy.Arguments.Count - 3] == new Variable(rows.Variable)));

    /// <summary>
    /// <c>if (upper &gt; lower) { … }</c> with no else and no branch inside: how <see cref="ContractionKernels"/> wraps a
    /// kernel whose α it hoisted out of the loop (<c>double t0 = dh[i]; Axpy(t0, …)</c>), so that the hoisted read runs
    /// only when the loop would have. An update under it is made when its length is positive, and an empty update adds
    /// nothing, so the batch may take it when the test is its own length's.
    /// </summary>
    /// <remarks>
    /// Its test compares names and constants only: a call there (a user's <c>if</c> kept as written) could write an
    /// array or a bound between rows, which no other check would see (found by a review).
    /// </remarks>
    private static bool IsKernelGuard(Stmt statement) =>
        statement is If { Else: null, Condition: Binary { Operator: BinaryOperator.Greater } test } guard
        && IsSimple(test.Left)
        && IsSimple(test.Right)
        && !IrWalker.Statements(guard.Then).Skip(1).Any(s => s is If or For or While);

    /// <summary>The parts of <c>Axpy(α, x, [xRow,] xStart, M, i, start, length)</c> with M a matrix; null for other axpys.</summary>
    private static Update? Parse(Stmt statement, For rows, ArrayAliases aliases)
    {
        if (statement is not Evaluate { Expression: Invoke { Method: Kernels + ".Axpy", Member: null } axpy } update)
        {
            return null;
        }

        var arguments = axpy.Arguments;
        var vectorLength = arguments.Count == 7 && RowBlocks.IsArray(arguments[1], IrType.DoubleArray, aliases) ? 2
            : arguments.Count == 8 && RowBlocks.IsArray(arguments[1], IrType.DoubleMatrix, aliases) ? 3
            : 0;
        if (vectorLength == 0
            || arguments[vectorLength + 1] is not Variable matrix
            || !RowBlocks.IsArray(matrix, IrType.DoubleMatrix, aliases)
            || arguments[vectorLength + 2] != new Variable(rows.Variable))
        {
            return null;
        }

        return new Update(update, rows, arguments[0], arguments.Skip(1).Take(vectorLength).ToArray(), matrix.Name, arguments[vectorLength + 3], arguments[vectorLength + 4], new List<string>());
    }

    /// <summary>An integer computed from names and constants alone: safe to evaluate before the loop over steps.</summary>
    private static bool IsSimple(Expr expression) => IrWalker.Nodes(expression).All(node => node switch
    {
        Constant or Variable => true,
        Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply } => true,
        _ => false,
    });

    private static Stmt[]? TryBatch(For loop, ArrayAliases aliases, FreshNames names, List<KeyValuePair<string, IrType>> fresh)
    {
        // The loop itself is one of them: its bounds are evaluated every step (the ascending upper, the descending lower).
        var statements = IrWalker.Statements(loop).ToList();
        if (IrWalker.ContainsReturn(loop.Body) || statements.Any(s => s is Verbatim { Reads.Count: 0 }))
        {
            return null;
        }

        var assigned = new HashSet<string>(IrWalker.AssignedNames(loop.Body), System.StringComparer.Ordinal) { loop.Variable };
        bool Fixed(Expr e) => IsSimple(e) && !IrWalker.ReadNames(e).Any(assigned.Contains);
        var rebound = RunTimeChecks.Rebound(statements);
        var arrays = statements.SelectMany(s => IrWalker.OwnExpressions(s).SelectMany(IrWalker.ReadNames).Concat(IrWalker.AssignedNames(s)))
            .Concat(statements.OfType<Verbatim>().SelectMany(v => v.Reads))
            .Where(name => RowBlocks.IsArray(name, aliases)).Distinct().ToList();

        var updates = new List<Update>();
        foreach (var rows in RowLoops(loop.Body))
        {
            var leaves = IrWalker.StatementsInOrder(rows.Body).Where(s => s is not Block and not Comment).ToList();
            var inRows = new HashSet<string>(IrWalker.AssignedNames(rows.Body), System.StringComparer.Ordinal);
            // Every row runs every statement (no branch, loop or return), so makes its update once, or, under a kernel's
            // guard, whenever its length is positive; the tape is fine, as the batch keeps no scratch that a pop could disturb.
            if (!leaves.All(l => IsKernelGuard(l) || RowBlocks.IsStraightLine(l, tapeAndAllocations: true)) || inRows.Contains(rows.Variable) || !Fixed(rows.Lower) || !Fixed(rows.Upper))
            {
                continue;
            }

            var guardOf = new Dictionary<Stmt, If>(ReferenceComparer<Stmt>.Instance);
            foreach (var guard in leaves.OfType<If>())
            {
                foreach (var inside in IrWalker.Statements(guard.Then))
                {
                    guardOf[inside] = guard;
                }
            }

            inRows.Add(rows.Variable);
            var reboundInRows = RunTimeChecks.Rebound(leaves);
            var written = leaves.SelectMany(s => RowBlocks.WrittenArrays(s, aliases)).Distinct().ToList();
            foreach (var statement in leaves)
            {
                // The vector's row and start are read once per step, before the rows: names and constants only (an
                // element read there could change from row to row through a kernel or another name). One statement
                // object standing twice (a pass may share nodes) would make two updates through one α slot.
                if (Parse(statement, rows, aliases) is not { } update
                    || leaves.Count(other => ReferenceEquals(other, statement)) > 1
                    || (guardOf.TryGetValue(statement, out var guardedBy) && !FusedRowSweeps.IsRunsTest(guardedBy.Condition, update.Length))
                    || !update.Vector.Skip(1).All(IsSimple)
                    || update.Vector.SelectMany(IrWalker.ReadNames).Any(inRows.Contains)
                    || !Fixed(update.Start)
                    || !Fixed(update.Length)
                    || rebound.Contains(update.Matrix)
                    || new[] { update.Alpha }.Concat(update.Vector).SelectMany(IrWalker.Nodes).Any(n => IrWalker.Names(n, update.Matrix))
                    || statements.Any(s => !ReferenceEquals(s, statement) && MentionsHere(s, update.Matrix))
                    || arrays.Any(other => other != update.Matrix && aliases.MayAlias(other, update.Matrix)))
                {
                    continue;
                }

                // An array the row loop writes that may be the vector under another name (two arrays from the tape): the
                // step is batched when they are two objects, which a reference comparison settles, as arrays have no
                // views. Not when the loop writes the vector itself, or rebinds the other name.
                var sharing = written.Where(w => aliases.MayAlias(w, update.VectorArray)).ToList();
                if (sharing.Contains(update.VectorArray) || sharing.Any(reboundInRows.Contains))
                {
                    continue;
                }

                update.Guards.AddRange(sharing);
                updates.Add(update);
            }
        }

        // A step checked at run time falls back to its row loop as written, after adding the batch so far: one row loop
        // only, so that no other loop of the step has stored its α yet.
        if (updates.Any(u => u.Guards.Count > 0) && updates.Select(u => u.Rows).Distinct(ReferenceComparer<For>.Instance).Count() > 1)
        {
            updates = updates.Where(u => u.Guards.Count == 0).ToList();
        }

        return updates.Count == 0 ? null : Batched(loop, updates, names, fresh);
    }

    /// <summary>Whether the statement itself (not what is nested in it) names the array.</summary>
    private static bool MentionsHere(Stmt statement, string name) => statement switch
    {
        Declare d when d.Name == name => true,
        Verbatim v => v.Reads.Contains(name) || IrWalker.ContainsIdentifier(v.Code, name),
        _ => IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).Any(n => IrWalker.Names(n, name)),
    };

    private static Stmt[] Batched(For loop, List<Update> updates, FreshNames names, List<KeyValuePair<string, IrType>> fresh)
    {
        var steps = names.Fresh("batchSteps");
        var step = names.Fresh("batchStep");
        fresh.Add(new(steps, IrType.Int32));
        fresh.Add(new(step, IrType.Int32));
        var buffers = updates.Select(u => (Alphas: names.Fresh(u.Matrix + "Alphas"), Vectors: names.Fresh(u.Matrix + "Vectors"))).ToList();
        foreach (var (alphas, vectors) in buffers)
        {
            fresh.Add(new(alphas, IrType.DoubleArray));
            fresh.Add(new(vectors, IrType.DoubleArray));
        }

        static Expr Invoke(string kernel, params Expr[] arguments) => new Invoke(Kernels + "." + kernel, arguments.ToEquatableArray());
        static Expr Count(For rows) => rows.Lower is Constant { Value: 0 } ? rows.Upper : new Binary(BinaryOperator.Subtract, rows.Upper, rows.Lower);
        static Expr Times(Expr a, Expr b) => new Binary(BinaryOperator.Multiply, a, b);
        var batchStep = new Variable(step);

        // Before the loop: the batch's size, from its longest vector (rows or columns), and its buffers.
        var longest = updates.SelectMany(u => new[] { Count(u.Rows), u.Length }).Distinct()
            .Aggregate((a, b) => new Call(MathFunction.Max, new[] { a, b }.ToEquatableArray()));
        var setup = new List<Stmt>
        {
            Description(updates),
            new Declare(steps, IrType.Int32, Invoke("StepsPerBatch", longest)),
        };
        for (var k = 0; k < updates.Count; k++)
        {
            setup.Add(new Declare(buffers[k].Alphas, IrType.DoubleArray, Invoke("RentBatch", Times(new Variable(steps), Count(updates[k].Rows)))));
            setup.Add(new Declare(buffers[k].Vectors, IrType.DoubleArray, Invoke("RentBatch", Times(new Variable(steps), updates[k].Length))));
        }

        setup.Add(new Declare(step, IrType.Int32, Constant.Int(0)));

        // The batch's additions: OuterProductsAdd(alphas, vectors, steps, M, low, start, rows, length).
        Stmt[] Flush() => updates.Select((u, k) => (Stmt)new Evaluate(Invoke(
            "OuterProductsAdd", new Variable(buffers[k].Alphas), new Variable(buffers[k].Vectors), batchStep, new Variable(u.Matrix), u.Rows.Lower, u.Start, Count(u.Rows), u.Length))).ToArray();

        var index = updates.Select((u, k) => (u, k)).ToDictionary(p => (Stmt)p.u.Statement, p => p.k, ReferenceComparer<Stmt>.Instance);
        var guards = updates.SelectMany(u => u.Guards.Select(other => (Other: other, Vector: u.VectorArray))).Distinct().ToList();
        var rowLoops = updates.Select(u => u.Rows).Distinct(ReferenceComparer<For>.Instance).ToList();

        // Each row stores its α at its place in the step's run: alphas[step·rows + (i − low)].
        Block RewriteRows(Block block) => new(block.Statements.SelectMany(statement =>
        {
            if (statement is Block nested)
            {
                return new Stmt[] { RewriteRows(nested) };
            }

            if (statement is If guard)
            {
                return new Stmt[] { guard with { Then = RewriteRows(guard.Then) } };
            }

            if (!index.TryGetValue(statement, out var k))
            {
                return new[] { statement };
            }

            var update = updates[k];
            Expr row = update.Rows.Lower is Constant { Value: 0 } ? new Variable(update.Rows.Variable) : new Binary(BinaryOperator.Subtract, new Variable(update.Rows.Variable), update.Rows.Lower);
            var at = new Binary(BinaryOperator.Add, Times(batchStep, Count(update.Rows)), row);
            return new Stmt[]
            {
                new Comment($"batched: α of this row's outer-product update of {update.Matrix}, added with the step's batch"),
                new Assign(new ElementAccess(buffers[k].Alphas, new Expr[] { at }.ToEquatableArray()), update.Alpha),
            };
        }).ToEquatableArray());

        // Before each row loop: the step's vectors, copied while they hold what every row reads (only when a row runs:
        // the copy checks the run, as the first axpy would have).
        Block RewriteSteps(Block block) => new(block.Statements.SelectMany(statement =>
        {
            if (statement is Block nested)
            {
                return new Stmt[] { RewriteSteps(nested) };
            }

            if (statement is not For rows || !rowLoops.Contains(rows, ReferenceComparer<For>.Instance))
            {
                return new[] { statement };
            }

            var copies = updates.Select((u, k) => (u, k)).Where(p => ReferenceEquals(p.u.Rows, rows)).Select(p => (Stmt)new Evaluate(Invoke(
                "Copy", p.u.Vector.Concat(new Expr[] { new Variable(buffers[p.k].Vectors), Times(batchStep, p.u.Length), p.u.Length }).ToArray()))).ToArray();
            var count = Count(rows);
            var copy = count is Constant { Value: > 0 }
                ? (Stmt)new Block(copies.ToEquatableArray())
                : new If(new Binary(BinaryOperator.Greater, count, Constant.Int(0)), new Block(copies.ToEquatableArray()), null);
            var batchedRows = new Stmt[] { new Comment("batched: this step's vectors of the outer products"), copy, rows with { Body = RewriteRows(rows.Body) } };
            if (guards.Count == 0)
            {
                return batchedRows;
            }

            // Versioned: the step batched when no pair is one array; otherwise the batch so far is added and the row
            // loop runs as written.
            return new Stmt[]
            {
                new Comment($"checked at run time: {RunTimeChecks.Describe(guards.Select(g => (g.Vector, g.Other)))} (otherwise this step adds the batch so far and its row loop runs as written)"),
                new If(RunTimeChecks.AllDistinct(guards.Select(g => (g.Vector, g.Other))), new Block(batchedRows.Concat(Counted()).ToEquatableArray()), new Block(Flush().Append(new Assign(batchStep, Constant.Int(0))).Append(rows).ToEquatableArray())),
            };
        }).ToEquatableArray());

        // After the step: count it, and add the batch when it is full (in the batched branch when the step is checked).
        Stmt[] Counted() => new Stmt[]
        {
            new Assign(batchStep, new Binary(BinaryOperator.Add, batchStep, Constant.Int(1))),
            new If(new Binary(BinaryOperator.Equal, batchStep, new Variable(steps)), new Block(Flush().Append(new Assign(batchStep, Constant.Int(0))).ToEquatableArray()), null),
        };
        var body = RewriteSteps(loop.Body).Statements.ToList();
        if (guards.Count == 0)
        {
            body.AddRange(Counted());
        }

        var after = new List<Stmt> { new Comment("batched: the last steps' outer products") };
        after.AddRange(Flush());
        after.AddRange(buffers.SelectMany(b => new[] { b.Alphas, b.Vectors }).Select(buffer => (Stmt)new Evaluate(Invoke("ReturnBatch", new Variable(buffer)))));
        return setup.Append(loop with { Body = new Block(body.ToEquatableArray()) }).Concat(after).ToArray();
    }

    private static Comment Description(List<Update> updates)
    {
        var matrices = string.Join(" and ", updates.Select(u => u.Matrix));
        return new Comment($"batched: the row updates of {matrices} are outer products α·xᵀ; the steps store their α and x, and one kernel adds each batch of steps "
            + "(a tile of the matrix in registers over the batch; bit for bit the axpys, in the steps' order)");
    }
}
