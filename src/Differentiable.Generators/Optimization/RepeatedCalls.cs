using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Evaluates a math call once where a straight-line block evaluates it more than once. A chain rule repeats what the
/// primal computed (the reverse of <c>p = 1/(1 + exp(−z))</c> needs exp(−z) for the quotient and again for exp′), and
/// transcendental functions cost tens of cycles each. Only blocks without control flow are touched, and only calls
/// whose arguments read nothing the block assigns (no array it stores into under any name), so the first evaluation
/// has the value of every later one.
/// <para>
/// Across nested blocks too: a fused loop iteration is <c>{ forward } { reverse }</c>, and the reverse block repeats
/// exp(−z) or tanh(s) that the forward block computed after assigning z or s. Across a block and the blocks nested in
/// it (loops and branches inside are barriers that only end the runs of calls reading what they assign), a call whose
/// arguments read only scalars is evaluated once into a local at its first evaluation, and that local replaces every
/// later evaluation until something assigns what the call reads. Math functions are deterministic, so this is bit-exact.
/// </para>
/// </summary>
internal static class RepeatedCalls
{
    /// <param name="aliases">
    /// Array classes of the body, built on first need (a block that stores into one array and repeats a call reading
    /// another); without them any two arrays may be one.
    /// </param>
    /// <param name="types">The types of the body's names (those it declares are read from it).</param>
    /// <param name="reserved">More names a local must not take: parameters without an IR type (a <c>Vector3</c> p, read as p.X).</param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, System.Func<Analysis.ArrayAliases>? aliases = null, IEnumerable<string>? reserved = null)
    {
        var used = new HashSet<string>(types.Keys.Concat(IrWalker.DeclaredNames(body)).Concat(reserved ?? Enumerable.Empty<string>()), System.StringComparer.Ordinal);
        Analysis.ArrayAliases? classes = null;
        bool MayAlias(string a, string b) => a == b || aliases is null || (classes ??= aliases()).MayAlias(a, b);

        // Int names: a division of ints throws on a zero divisor, a division of doubles never does.
        var integers = new HashSet<string>(types.Where(t => t.Value is IrType.Int32 or IrType.Int32Array).Select(t => t.Key), System.StringComparer.Ordinal);
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare { Type: IrType.Int32 or IrType.Int32Array } d:
                    integers.Add(d.Name);
                    break;
                case For f:
                    integers.Add(f.Variable);
                    break;
            }
        }

        bool MayBeInteger(string name) => integers.Contains(name) || !used.Contains(name);
        var counter = 0;
        return (Block)Rewrite(body, new Scope(used, MayAlias, call => MayThrow(call, MayBeInteger)), ref counter, 0);
    }

    /// <summary>What the rewrite of one body shares: the names in use, the alias test and the calls that may throw.</summary>
    private sealed record Scope(HashSet<string> Used, System.Func<string, string, bool> MayAlias, System.Func<Call, bool> MayThrow);

    /// <summary>
    /// A call whose arguments may throw: an int division or remainder (by zero, or int.MinValue by −1), int arithmetic
    /// or a conversion to int (overflow, in a checked build), an element or a length (an index out of range, a null
    /// array). Evaluated into a local ahead of a branch that guards it (<c>k != 0 ? exp(n / k)·exp(n / k) : x</c>), it
    /// would throw where the method does not; so it is shared only where its first evaluation is unconditional, and
    /// then throws only where the method would.
    /// </summary>
    private static bool MayThrow(Call call, System.Func<string, bool> mayBeInteger) => IrWalker.Nodes(call).Any(node => node switch
    {
        ElementAccess or ArrayLength => true,
        Binary { Operator: BinaryOperator.Divide or BinaryOperator.Remainder } b =>
            IsInteger(b.Left, mayBeInteger, 0) && IsInteger(b.Right, mayBeInteger, 0) && b.Right is not Constant { Value: not (0.0 or -1.0) },
        // Under CheckForOverflowUnderflow, int arithmetic and conversions to int throw on overflow.
        Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply } b => IsInteger(b, mayBeInteger, 0),
        Unary { Operator: UnaryOperator.Negate } u => IsInteger(u.Operand, mayBeInteger, 0),
        Convert { Type: IrType.Int32 } => true,
        _ => false,
    });

    /// <summary>
    /// Whether an expression may be int-typed; past a depth it is taken to be. Not <c>TypeEnvironment.TypeOf</c>: that
    /// recursion has no bound, and this one runs on every node of a shared call (a long sum inside an exp).
    /// </summary>
    private static bool IsInteger(Expr expression, System.Func<string, bool> mayBeInteger, int depth) => depth > 32 || expression switch
    {
        Constant c => c.Type == IrType.Int32,
        Variable v => mayBeInteger(v.Name),
        ArrayLength => true,
        ElementAccess e => mayBeInteger(e.Array),
        Convert c => c.Type == IrType.Int32,
        Unary { Operator: UnaryOperator.Negate } u => IsInteger(u.Operand, mayBeInteger, depth + 1),
        Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder } b =>
            IsInteger(b.Left, mayBeInteger, depth + 1) && IsInteger(b.Right, mayBeInteger, depth + 1),
        Conditional c => IsInteger(c.WhenTrue, mayBeInteger, depth + 1) || IsInteger(c.WhenFalse, mayBeInteger, depth + 1),
        Call { Function: MathFunction.Sign } => true,
        Call { Function: MathFunction.Abs or MathFunction.Max or MathFunction.Min or MathFunction.Round } c => c.Arguments.All(a => IsInteger(a, mayBeInteger, depth + 1)),
        _ => false,
    };

    /// <summary>The nodes an expression evaluates whenever it is evaluated: not those in a conditional's branches or after && and ||.</summary>
    internal static HashSet<Expr> Unconditional(Expr expression)
    {
        var nodes = new HashSet<Expr>(ReferenceComparer<Expr>.Instance);
        var stack = new Stack<Expr>();
        stack.Push(expression);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            nodes.Add(node);
            switch (node)
            {
                case Conditional c:
                    stack.Push(c.Condition);
                    break;
                case Binary { Operator: BinaryOperator.And or BinaryOperator.Or } b:
                    stack.Push(b.Left);
                    break;
                default:
                    foreach (var child in IrWalker.Children(node))
                    {
                        stack.Push(child);
                    }

                    break;
            }
        }

        return nodes;
    }

    /// <param name="inRegion">A block nested directly in a block: the outermost block of the region shares across it.</param>
    private static Stmt Rewrite(Stmt statement, Scope scope, ref int counter, int depth, bool inRegion = false)
    {
        StackGuard.Enter(depth);
        switch (statement)
        {
            case Block b:
                Block rewritten;
                if (b.Statements.All(s => s is Declare or Assign or Comment))
                {
                    rewritten = Hoist(b, scope, ref counter);
                }
                else
                {
                    var statements = new List<Stmt>(b.Statements.Count);
                    foreach (var child in b.Statements)
                    {
                        statements.Add(Rewrite(child, scope, ref counter, depth + 1, inRegion: child is Block));
                    }

                    rewritten = new Block(statements.ToEquatableArray());
                }

                return inRegion ? rewritten : ShareAcrossBlocks(rewritten, scope, ref counter);
            case For f:
                return f with { Body = (Block)Rewrite(f.Body, scope, ref counter, depth + 1) };
            case While w:
                return w with { Body = (Block)Rewrite(w.Body, scope, ref counter, depth + 1) };
            case If i:
                return new If(i.Condition, (Block)Rewrite(i.Then, scope, ref counter, depth + 1), i.Else is null ? null : (Block)Rewrite(i.Else, scope, ref counter, depth + 1));
            default:
                return statement;
        }
    }

    private static Block Hoist(Block block, Scope scope, ref int counter)
    {
        var (used, mayAlias) = (scope.Used, scope.MayAlias);
        var assigned = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in block.Statements)
        {
            assigned.UnionWith(IrWalker.AssignedNames(statement));
        }

        // An element the call reads may be stored into under another name (d = c; d[0] = …; exp(c[0])).
        var stored = block.Statements.OfType<Assign>().Select(a => a.Target).OfType<ElementAccess>().Select(e => e.Array).Distinct().ToList();
        bool ReadsStored(Call call) => stored.Count > 0 && IrWalker.ElementArrays(call).Any(read => stored.Any(array => mayAlias(array, read)));

        // Occurrences of each call, counted once per node in program order.
        var counts = new Dictionary<Call, int>();
        var order = new List<Call>();
        // The statement that evaluates each call first, and whether it does outside any branch.
        var first = new Dictionary<Call, int>();
        var evaluatedAlways = new HashSet<Call>();
        for (var index = 0; index < block.Statements.Count; index++)
        {
            foreach (var expression in Expressions(block.Statements[index]))
            {
                HashSet<Expr>? always = null;
                foreach (var node in IrWalker.Nodes(expression))
                {
                    if (node is Call call && Shareable(call) && !IrWalker.ReadNames(call).Any(assigned.Contains) && !IrWalker.Nodes(call).Any(n => n is TapePop or UserCall or Invoke) && !ReadsStored(call))
                    {
                        if (!counts.TryGetValue(call, out var count))
                        {
                            order.Add(call);
                            first[call] = index;
                        }

                        counts[call] = count + 1;
                        if (first[call] == index && (always ??= Unconditional(expression)).Contains(node))
                        {
                            evaluatedAlways.Add(call);
                        }
                    }
                }
            }
        }

        // A call that may throw is evaluated just before the first statement that evaluates it, and only if that
        // statement does so outside a branch: then it throws where the method would. Others go to the block's start.
        var repeated = order.Where(call => counts[call] > 1 && (!scope.MayThrow(call) || evaluatedAlways.Contains(call))).ToList();
        if (repeated.Count == 0)
        {
            return block;
        }

        var names = new Dictionary<Call, string>();
        var statements = new List<Stmt>();
        var before = new Dictionary<int, List<Stmt>>();
        // Pre-order lists an outer call before the calls inside it: define the inner ones first, so the outer reads them
        // (an inner call that may throw is evaluated first no later than the outer one, which then may throw too).
        repeated.Reverse();
        foreach (var call in repeated)
        {
            var name = Fresh(used, ref counter);
            var declaration = new Declare(name, LocalType(call), Replace(call, names, outermost: false));
            if (scope.MayThrow(call))
            {
                if (!before.TryGetValue(first[call], out var list))
                {
                    before[first[call]] = list = new List<Stmt>();
                }

                list.Add(declaration);
            }
            else
            {
                statements.Add(declaration);
            }

            names[call] = name;
        }

        for (var index = 0; index < block.Statements.Count; index++)
        {
            var statement = block.Statements[index];
            if (before.TryGetValue(index, out var declarations))
            {
                statements.AddRange(declarations);
            }

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
    /// <summary>
    /// A call worth a local: not the cheap ones that may be int-typed (<c>Math.Sign</c> always is, and
    /// <c>Abs</c>, <c>Max</c>, <c>Min</c> and <c>Round</c> may take ints), where a double local would turn
    /// <c>1 / Math.Abs(-2)</c>, an int division giving 0, into 0.5.
    /// </summary>
    private static bool Shareable(Call call) =>
        call.Function is not (MathFunction.Abs or MathFunction.Max or MathFunction.Min or MathFunction.Sign or MathFunction.Round
            or MathFunction.Floor or MathFunction.Ceiling or MathFunction.Truncate);

    /// <summary>A float local for a <c>MathF</c> call: it holds the call's value exactly and keeps the arithmetic around it in float.</summary>
    private static IrType LocalType(Call call) => call.Single ? IrType.Single : IrType.Double;

    private static Expr Replace(Expr expression, Dictionary<Call, string> names, bool outermost) =>
        IrWalker.Rewrite(expression, node =>
            node is Call call && names.TryGetValue(call, out var name) && (outermost || !ReferenceEquals(node, expression)) ? new Variable(name) : null);

    /// <summary>
    /// A statement of a block or of its nested blocks, and the path of child indices that leads to it. A barrier (a loop,
    /// a branch, opaque code) is not searched for calls; it only ends the runs of calls that read what it assigns.
    /// </summary>
    private sealed record Site(Stmt Statement, int[] Path, bool Barrier);

    /// <summary>
    /// The repeated-call sharing across nested blocks. Each round shares every repeated call that neither contains nor
    /// is contained in a larger one shared in the same round (the largest first, so a call and the calls inside it are
    /// shared as one); the next round sees what is left, up to a fixed number of rounds.
    /// </summary>
    private static Block ShareAcrossBlocks(Block block, Scope scope, ref int counter)
    {
        var used = scope.Used;
        const int MaxRounds = 8;
        for (var round = 0; round < MaxRounds; round++)
        {
            var sites = new List<Site>();
            Linearize(block, new List<int>(), sites, 0);

            // Most blocks evaluate no math call twice: leave them before the walk that tracks assignments.
            if (sites.Where(s => !s.Barrier).SelectMany(s => IrWalker.OwnExpressions(s.Statement)).SelectMany(IrWalker.Nodes).OfType<Call>().Take(2).Count() < 2)
            {
                return block;
            }

            var chosen = new List<(Call Call, List<Site> Sites, string Name)>();
            foreach (var run in RepeatedRuns(sites, scope.MayThrow).OrderByDescending(run => IrWalker.Nodes(run.Call).Count()).ThenBy(run => run.Sites[0], SiteOrder.Instance))
            {
                if (chosen.All(c => c.Call == run.Call || (!IrWalker.Nodes(c.Call).Contains(run.Call) && !IrWalker.Nodes(run.Call).Contains(c.Call))))
                {
                    chosen.Add((run.Call, run.Sites, Fresh(used, ref counter)));
                }
            }

            if (chosen.Count == 0)
            {
                return block;
            }

            block = Share(block, chosen);
        }

        return block;
    }

    private static void Linearize(Block block, List<int> path, List<Site> into, int depth)
    {
        StackGuard.Enter(depth);
        for (var i = 0; i < block.Statements.Count; i++)
        {
            path.Add(i);
            switch (block.Statements[i])
            {
                case Block nested:
                    Linearize(nested, path, into, depth + 1);
                    break;
                case Declare or Assign or Evaluate or Return:
                    into.Add(new Site(block.Statements[i], path.ToArray(), Barrier: false));
                    break;
                case Comment:
                    break;
                default:
                    into.Add(new Site(block.Statements[i], path.ToArray(), Barrier: true));
                    break;
            }

            path.RemoveAt(path.Count - 1);
        }
    }

    /// <summary>
    /// Each call evaluated more than once (at one site or several) with nothing assigning what it reads in between: the call and its sites
    /// in program order. A call qualifies when it reads scalars only (no elements, tape, user code or kernels).
    /// </summary>
    private static IEnumerable<(Call Call, List<Site> Sites)> RepeatedRuns(List<Site> sites, System.Func<Call, bool> mayThrow)
    {
        var open = new Dictionary<Call, List<Site>>();
        var readers = new Dictionary<string, List<Call>>(System.StringComparer.Ordinal);
        var runs = new List<(Call, List<Site>)>();
        // Evaluations per run, counted per node: one statement may evaluate the call twice (a tangent's returned tuple).
        var evaluations = new Dictionary<List<Site>, int>(ReferenceComparer<List<Site>>.Instance);
        // Runs whose first site evaluates the call outside any branch: the local just ahead of it throws only where that site would.
        var evaluatedAlways = new HashSet<List<Site>>(ReferenceComparer<List<Site>>.Instance);
        foreach (var site in sites)
        {
            if (site.Statement is Verbatim { Reads.Count: 0 })
            {
                open.Clear();
                readers.Clear();
                continue;
            }

            foreach (var expression in site.Barrier ? Enumerable.Empty<Expr>() : IrWalker.OwnExpressions(site.Statement))
            {
                HashSet<Expr>? always = null;
                foreach (var node in IrWalker.Nodes(expression))
                {
                    if (node is Call call && Shareable(call) && !IrWalker.Nodes(call).Any(n => n is ElementAccess or TapePop or UserCall or Invoke or OutArgument))
                    {
                        if (!open.TryGetValue(call, out var run))
                        {
                            open[call] = run = new List<Site>();
                            runs.Add((call, run));
                            foreach (var read in IrWalker.ReadNames(call).Distinct())
                            {
                                if (!readers.TryGetValue(read, out var calls))
                                {
                                    readers[read] = calls = new List<Call>();
                                }

                                calls.Add(call);
                            }
                        }

                        if (run.Count == 0 || !ReferenceEquals(run[run.Count - 1], site))
                        {
                            run.Add(site);
                        }

                        evaluations[run] = evaluations.TryGetValue(run, out var count) ? count + 1 : 1;
                        if (ReferenceEquals(run[0], site) && (always ??= Unconditional(expression)).Contains(node))
                        {
                            evaluatedAlways.Add(run);
                        }
                    }
                }
            }

            // What the statement assigns ends the run of every call that reads it (a later evaluation starts a new run).
            if (open.Count == 0)
            {
                continue;
            }

            var assigned = IrWalker.AssignedNames(site.Statement)
                .Concat(IrWalker.Statements(site.Statement).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).OfType<OutArgument>().Select(o => o.Name));
            foreach (var name in assigned)
            {
                if (readers.TryGetValue(name, out var calls))
                {
                    foreach (var call in calls)
                    {
                        open.Remove(call);
                    }

                    readers.Remove(name);
                }
            }
        }

        return runs.Where(run => evaluations[run.Item2] > 1 && (evaluatedAlways.Contains(run.Item2) || !mayThrow(run.Item1)));
    }

    /// <summary>
    /// Evaluates each call into its local just before its first site and reads the local at every site. The local is
    /// declared in the innermost block holding all the sites, so each of them sees it.
    /// </summary>
    private static Block Share(Block block, List<(Call Call, List<Site> Sites, string Name)> runs)
    {
        var inserts = new Dictionary<string, List<Stmt>>(System.StringComparer.Ordinal);
        var rewritten = new Dictionary<string, Dictionary<Call, string>>(System.StringComparer.Ordinal);
        void Insert(string key, Stmt statement)
        {
            if (!inserts.TryGetValue(key, out var list))
            {
                inserts[key] = list = new List<Stmt>();
            }

            list.Add(statement);
        }

        foreach (var (call, sites, name) in runs)
        {
            var first = sites[0].Path;
            var common = 0;
            while (sites.All(s => s.Path.Length - 1 > common && s.Path[common] == first[common]))
            {
                common++;
            }

            if (first.Length - 1 == common)
            {
                Insert(Key(first), new Declare(name, LocalType(call), call));
            }
            else
            {
                Insert(Key(first.Take(common + 1)), new Declare(name, LocalType(call), null));
                Insert(Key(first) + "/assign", new Assign(new Variable(name), call));
            }

            foreach (var site in sites)
            {
                var key = Key(site.Path);
                if (!rewritten.TryGetValue(key, out var calls))
                {
                    rewritten[key] = calls = new Dictionary<Call, string>();
                }

                calls[call] = name;
            }
        }

        return Rebuild(block, new List<int>(), inserts, rewritten, 0);
    }

    private static Block Rebuild(Block block, List<int> path, Dictionary<string, List<Stmt>> inserts, Dictionary<string, Dictionary<Call, string>> rewritten, int depth)
    {
        StackGuard.Enter(depth);
        var statements = new List<Stmt>(block.Statements.Count + 1);
        for (var i = 0; i < block.Statements.Count; i++)
        {
            path.Add(i);
            var key = Key(path);
            if (inserts.TryGetValue(key, out var declarations))
            {
                statements.AddRange(declarations);
            }

            if (inserts.TryGetValue(key + "/assign", out var assignments))
            {
                statements.AddRange(assignments);
            }

            var statement = block.Statements[i];
            rewritten.TryGetValue(key, out var calls);
            statements.Add(statement switch
            {
                Block nested => Rebuild(nested, path, inserts, rewritten, depth + 1),
                _ when calls is null => statement,
                Declare { Initializer: { } value } d => d with { Initializer = ReplaceCalls(value, calls) },
                Assign a => new Assign(a.Target, ReplaceCalls(a.Value, calls)),
                Evaluate e => new Evaluate(ReplaceCalls(e.Expression, calls)),
                Return r => new Return(ReplaceCalls(r.Value, calls)),
                _ => statement,
            });
            path.RemoveAt(path.Count - 1);
        }

        return new Block(statements.ToEquatableArray());
    }

    private static Expr ReplaceCalls(Expr expression, Dictionary<Call, string> calls) =>
        IrWalker.Rewrite(expression, node => node is Call c && calls.TryGetValue(c, out var name) ? new Variable(name) : null);

    private static string Key(IEnumerable<int> path) =>
        string.Join("/", path.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Program order of sites: lexicographic on their paths.</summary>
    private sealed class SiteOrder : IComparer<Site>
    {
        public static readonly SiteOrder Instance = new();

        public int Compare(Site? x, Site? y)
        {
            var (a, b) = (x!.Path, y!.Path);
            for (var i = 0; i < a.Length && i < b.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return a[i].CompareTo(b[i]);
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}
