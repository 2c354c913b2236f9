using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Fusion;

/// <summary>
/// Runs the forward and the reverse sweep of one loop in a single pass where the reverse needs nothing that a later
/// forward iteration computes: <c>for i ↑ { F(i) } … M … for i ↓ { R(i) }</c> becomes <c>M; for i ↑ { F(i); R(i) }</c>.
/// In a VJP the seed is known before the loop runs, so the last loop of the method and the first loop of the reverse
/// sweep meet: y = W·x then reads W once, not twice, with row i still in cache for its adjoint.
/// <para>
/// Sound when (checked on read and write sets, arrays through <see cref="ArrayAliases"/>): what of M goes ahead of F
/// touches nothing F touches, what stays behind F (a gradient's value) is independent of R; F and R share only arrays
/// both index by the loop variable (iteration i touches row i alone); R's iterations commute (each writes its own row,
/// or adds into a target nothing else in R reads, element or scalar); scalars R alone writes return to their value
/// before the loop by the end of every iteration, unless R only adds into them; scalars F writes and R mentions are set
/// by F before F reads them, read by R only after R sets them or through a tape pair (removed), and seen nowhere outside
/// the loops; and nothing is opaque (no calls, no code the pass cannot read). Reversing R's order changes the order in
/// which additions into a shared target happen, so the pass runs only where vectorization (which reorders sums) is
/// allowed.
/// </para>
/// </summary>
internal static class SweepFusion
{
    /// <summary>Fuses every such pair of top-level loops in a companion body, and then the pairs of loops nested in a fused iteration.</summary>
    /// <param name="buffers">Gradient buffers: cleared before the method runs, so they share storage with nothing else.</param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers)
    {
        var aliases = ArrayAliases.Of(body, types, buffers);
        return new Block(FuseIn(body.Statements.ToList(), aliases, NoneHeld, 0).ToEquatableArray());
    }

    private static readonly IReadOnlyDictionary<string, Constant> NoneHeld = new Dictionary<string, Constant>(System.StringComparer.Ordinal);

    /// <param name="heldAtStart">
    /// Scalars known to hold a constant when the statements start (the adjoints an enclosing fused iteration resets), for
    /// the statements of a fused iteration, which declare none of them.
    /// </param>
    private static List<Stmt> FuseIn(List<Stmt> statements, ArrayAliases aliases, IReadOnlyDictionary<string, Constant> heldAtStart, int depth)
    {
        StackGuard.Enter(depth);
        for (var r = 0; r < statements.Count; r++)
        {
            if (statements[r] is not For { Descending: true } reverse)
            {
                continue;
            }

            var f = statements.FindLastIndex(r, s => s is For { Descending: false } candidate
                && candidate.Variable == reverse.Variable && candidate.Lower == reverse.Lower && candidate.Upper == reverse.Upper);
            if (f < 0 || BecomeKernels((For)statements[f], reverse, aliases, inner: depth > 0) || Plan(statements, f, r, aliases, heldAtStart) is not { } plan)
            {
                continue;
            }

            var forward = (For)statements[f];
            var v = forward.Variable;
            var fused = new For(v, forward.Lower, forward.Upper, false, Iteration(plan, v, aliases, depth));
            var replacement = new List<Stmt>(plan.Before)
            {
                new Comment($"fused: the loop over {v} runs its forward and reverse sweeps in one pass (its adjoint is known before it runs)"),
                fused,
            };
            replacement.AddRange(plan.After);
            statements.RemoveRange(f, r - f + 1);
            statements.InsertRange(f, replacement);
            r = f + replacement.Count - 1;
        }

        return statements;
    }

    /// <summary>
    /// The fused loop's body: F(i), then R(i). Where each holds a loop over j of its own (the inner loop of a double loop),
    /// those two meet in the fused iteration as the outer pair met in the body, and fuse by the same rules.
    /// </summary>
    private static Block Iteration(FusionPlan plan, string variable, ArrayAliases aliases, int depth)
    {
        var forwardSweep = new Block(plan.Forward.Statements.AsImmutableArray().Insert(0, new Comment($"forward sweep of iteration {variable}")).ToEquatableArray());
        var reverseSweep = new Block(plan.Reverse.Statements.AsImmutableArray().Insert(0, new Comment($"reverse sweep of iteration {variable}")).ToEquatableArray());
        var twoSweeps = new Block(EquatableArray.Create<Stmt>(forwardSweep, reverseSweep));

        // One list for both sweeps: only where no name is declared in both (their scopes become one).
        var declaredInForward = new HashSet<string>(plan.Forward.Statements.OfType<Declare>().Select(d => d.Name), System.StringComparer.Ordinal);
        if (!plan.Forward.Statements.Any(s => s is For { Descending: false }) || !plan.Reverse.Statements.Any(s => s is For { Descending: true })
            || plan.Reverse.Statements.OfType<Declare>().Any(d => declaredInForward.Contains(d.Name)))
        {
            return twoSweeps;
        }

        var both = plan.Forward.Statements.Concat(plan.Reverse.Statements).ToList();
        var inner = FuseIn(new List<Stmt>(both), aliases, plan.HeldAtStart, depth + 1);
        if (inner.Count == both.Count && inner.Select((s, k) => ReferenceEquals(s, both[k])).All(same => same))
        {
            return twoSweeps;
        }

        inner.Insert(0, new Comment($"forward and reverse sweeps of iteration {variable}, their inner loops fused too"));
        return new Block(inner.ToEquatableArray());
    }

    /// <summary>
    /// Whether each sweep alone is a contraction the kernel pass runs as SIMD code over whole arrays (a dot product, an
    /// axpy): two vectorized passes beat one scalar loop, so such loops are left apart. Fusion pays where a sweep keeps a
    /// loop: rows reused while in cache, tape traffic and recomputation the fused order makes needless. An inner loop pair
    /// (<paramref name="inner"/>) is left apart if either sweep is one, judged with the arrays' classes in the whole body: a
    /// row's dot product and its reverse updates are then one SIMD sweep over the row (<see cref="Vectorization.FusedRowSweeps"/>).
    /// </summary>
    private static bool BecomeKernels(For forward, For reverse, ArrayAliases aliases, bool inner)
    {
        bool BecomesKernel(For loop) => !IrWalker.Statements(inner
            ? Vectorization.ContractionKernels.Rewrite(new Block(EquatableArray.Create<Stmt>(loop)), aliases)
            : Vectorization.ContractionKernels.Rewrite(new Block(EquatableArray.Create<Stmt>(loop)), aliases.Types)).Any(s => s is For);
        return inner ? BecomesKernel(forward) || BecomesKernel(reverse) : BecomesKernel(forward) && BecomesKernel(reverse);
    }

    /// <summary>
    /// What the fused code is made of: the statements between the sweeps that run before the fused loop (those independent
    /// of F) and after it (those that read what F computes, such as the value), and the bodies of the two sweeps with the
    /// tape pairs that the fused order makes needless removed.
    /// </summary>
    /// <param name="HeldAtStart">The scalars R resets to a constant by the end of every iteration: they hold it when an iteration starts.</param>
    private sealed record FusionPlan(List<Stmt> Before, Block Forward, Block Reverse, List<Stmt> After, IReadOnlyDictionary<string, Constant> HeldAtStart);

    private static FusionPlan? Plan(List<Stmt> statements, int f, int r, ArrayAliases aliases, IReadOnlyDictionary<string, Constant> heldAtStart)
    {
        var forward = (For)statements[f];
        var reverse = (For)statements[r];
        if (!WithoutTapePairs(forward.Body, reverse.Body, out var tapePairs))
        {
            return null;
        }

        // The analysis sees the sweeps without any tape pair; the fused code keeps the pairs in inner loops.
        var (forwardBody, reverseBody, paired) = (tapePairs.ForwardBody, tapePairs.ReverseBody, tapePairs.Paired);

        var inForward = Effects.Of(forwardBody, forward.Variable, aliases);
        var inReverse = Effects.Of(reverseBody, reverse.Variable, aliases);
        var between = statements.GetRange(f + 1, r - f - 1);
        var inBetween = between.Select(s => Effects.Of(new Block(EquatableArray.Create(s)), null, aliases)).ToList();
        if (inForward.Opaque || inReverse.Opaque || inBetween.Any(e => e.Opaque))
        {
            return null;
        }

        // The bounds mean the same before and after: nothing of the three writes what they read.
        var bounds = IrWalker.Nodes(forward.Lower).Concat(IrWalker.Nodes(forward.Upper)).ToList();
        var boundNames = bounds.SelectMany(n => n switch { Variable v => new[] { v.Name }, ArrayLength l => new[] { l.Array }, _ => System.Array.Empty<string>() }).ToList();
        if (bounds.Any(n => n is not (Variable or ArrayLength or Constant or Binary or Unary))
            || boundNames.Any(n => inForward.Writes(n) || inReverse.Writes(n) || inBetween.Any(e => e.Writes(n))))
        {
            return null;
        }

        // M splits: what is independent of F (and of what stays behind) moves ahead of F; the rest, which reads what F
        // computes (the value, say), stays after F and moves behind R, so it must be independent of R.
        var before = new List<int>();
        var after = new List<int>();
        for (var k = 0; k < between.Count; k++)
        {
            if (Independent(inBetween[k], inForward, aliases) && Independent(inForward, inBetween[k], aliases)
                && after.All(a => Independent(inBetween[a], inBetween[k], aliases) && Independent(inBetween[k], inBetween[a], aliases)))
            {
                before.Add(k);
            }
            else
            {
                after.Add(k);
            }
        }

        if (!after.All(a => Independent(inBetween[a], inReverse, aliases) && Independent(inReverse, inBetween[a], aliases)))
        {
            return null;
        }

        // Scalars F writes and R mentions: F(i) must compute them afresh (not from iteration i − 1), R(i) must read no
        // value but F(i)'s (its own recomputation, or what the removed tape pair would have restored), and nothing
        // outside the loops may see them, since the fused loop leaves them at other values.
        var outside = between.Concat(statements.Skip(r + 1)).ToList();
        foreach (var name in inForward.ScalarWrites)
        {
            if (!inReverse.ScalarReads.Contains(name) && !inReverse.ScalarWrites.Contains(name) && !paired.Contains(name))
            {
                continue;
            }

            if (!SetsBeforeReading(forwardBody, name, throughLoops: !tapePairs.Direct.Contains(name))
                || (!paired.Contains(name) && !SetsBeforeReading(reverseBody, name, throughLoops: true))
                || outside.Any(s => IrWalker.Statements(s).Any(inner => Mentions(inner, name))))
            {
                return null;
            }
        }

        // F and R interleave: neither rebinds an array.
        if (inForward.ReferenceWrites.Count > 0 || inReverse.ReferenceWrites.Count > 0)
        {
            return null;
        }

        // Arrays one writes and the other touches: the same array, row i in both.
        var variable = new Variable(forward.Variable);
        if (inForward.ElementWrites.Any(w => inReverse.Elements.Any(x => aliases.MayAlias(w.Array, x.Array) && !SameRow(w, x, variable)))
            || inReverse.ElementWrites.Any(w => inForward.ElementReads.Any(x => aliases.MayAlias(w.Array, x.Array) && !SameRow(w, x, variable))))
        {
            return null;
        }

        // R's iterations commute: each write is to its own row, or an addition into a target R reads nowhere else.
        foreach (var write in inReverse.ElementWrites)
        {
            var others = inReverse.Elements.Where(x => !ReferenceEquals(x, write) && aliases.MayAlias(write.Array, x.Array));
            var commutes = (OwnRow(write, variable) && others.All(x => SameRow(write, x, variable)))
                || (write.Accumulates && others.All(x => x.Accumulates && x.IsWrite));
            if (!commutes)
            {
                return null;
            }
        }

        // Scalars R alone writes start every iteration at the value they had before the loop, and end it there again; or
        // R only adds into them (the adjoint of a scalar parameter), which commutes as additions into an element do.
        var held = new Dictionary<string, Constant>(System.StringComparer.Ordinal);
        foreach (var name in inReverse.ScalarWrites.Where(n => !inForward.ScalarWrites.Contains(n)))
        {
            if (ResetsEachIteration(name, statements, f, r, heldAtStart) is { } reset)
            {
                held[name] = reset;
            }
            else if (!OnlyAddsInto(reverseBody, name) || inForward.ScalarReads.Contains(name))
            {
                return null;
            }
        }

        return new FusionPlan(
            before.Select(k => between[k]).ToList(),
            tapePairs.ForwardKept,
            WithoutRecomputations(tapePairs.ForwardKept, tapePairs.ReverseKept, forward.Variable, aliases),
            after.Select(k => between[k]).ToList(),
            held);
    }

    /// <summary>
    /// The sweeps without their tape pairs for the analysis (<see cref="ForwardBody"/>, <see cref="ReverseBody"/>), and with
    /// only the direct pairs removed for the fused code (<see cref="ForwardKept"/>, <see cref="ReverseKept"/>): the pairs in
    /// inner loops stay, and fused, each iteration of R's inner loop pops what the same iteration of F's pushed.
    /// </summary>
    private sealed record TapePairs(Block ForwardBody, Block ReverseBody, Block ForwardKept, Block ReverseKept, HashSet<string> Paired, HashSet<string> Direct);

    /// <summary>
    /// Pairs every push in F with a pop in R, last in, first out: a direct <c>tape.Push(s)</c> before F's first other
    /// mention of s with a direct <c>s = tape.Pop()</c> after R's last other mention of s, or the same in the bodies of an
    /// inner loop of F and its mirror in R (the same header, run backwards) that hold every mention of s. Unfused, R(i + 1)'s
    /// pop hands R(i) the value F(i) left in s; fused, R(i) runs right after F(i), so s holds that value already, and the
    /// restored value is read by no one.
    /// </summary>
    private static bool WithoutTapePairs(Block forward, Block reverse, out TapePairs pairs)
    {
        var paired = new HashSet<string>(System.StringComparer.Ordinal);
        var direct = new HashSet<string>(System.StringComparer.Ordinal);
        pairs = new TapePairs(forward, reverse, forward, reverse, paired, direct);
        var pushes = IrWalker.StatementsInOrder(forward).OfType<TapePush>().ToList();
        var pops = IrWalker.StatementsInOrder(reverse).Where(IsPop).Cast<Assign>().ToList();
        if (pushes.Count == 0 && pops.Count == 0)
        {
            return true;
        }

        if (pushes.Count != pops.Count
            || IrWalker.StatementsInOrder(forward).Any(s => IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => n is TapePop))
            || IrWalker.StatementsInOrder(reverse).Any(s => s is TapePush || (!IsPop(s) && IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => n is TapePop))))
        {
            return false;
        }

        var directPushes = pushes.Where(p => IrWalker.IsDirect(forward, p)).ToList();
        var directPops = pops.Where(p => IrWalker.IsDirect(reverse, p)).ToList();
        if (!Pair(forward, reverse, directPushes, directPops, forward, reverse, paired))
        {
            return false;
        }

        direct.UnionWith(paired);
        var matched = directPushes.Count;
        foreach (var loop in forward.Statements.OfType<For>().Where(l => !l.Descending))
        {
            var inLoop = pushes.Where(p => IrWalker.IsDirect(loop.Body, p)).ToList();
            if (inLoop.Count == 0)
            {
                continue;
            }

            bool SameHeader(For other) => other.Variable == loop.Variable && other.Lower == loop.Lower && other.Upper == loop.Upper;
            var mirrors = reverse.Statements.OfType<For>().Where(l => l.Descending && SameHeader(l)).ToList();
            if (mirrors.Count != 1 || forward.Statements.OfType<For>().Count(l => !l.Descending && SameHeader(l)) != 1
                || !Pair(loop.Body, mirrors[0].Body, inLoop, pops.Where(p => IrWalker.IsDirect(mirrors[0].Body, p)).ToList(), forward, reverse, paired))
            {
                return false;
            }

            matched += inLoop.Count;
        }

        // A push deeper than an inner loop's body, or in a loop without a mirror: not paired.
        if (matched != pushes.Count)
        {
            return false;
        }

        var all = new HashSet<Stmt>(pushes.Cast<Stmt>().Concat(pops), ReferenceComparer<Stmt>.Instance);
        var directOnes = new HashSet<Stmt>(directPushes.Cast<Stmt>().Concat(directPops), ReferenceComparer<Stmt>.Instance);
        pairs = new TapePairs(Without(forward, all), Without(reverse, all), Without(forward, directOnes), Without(reverse, directOnes), paired, direct);
        return true;
    }

    /// <summary>
    /// Pairs the pushes of one scope of F with the pops of its scope in R, last in, first out: each push is F's first
    /// mention of its scalar and each pop R's last, and every mention in either sweep lies in the pair's scopes.
    /// </summary>
    private static bool Pair(Block forwardScope, Block reverseScope, List<TapePush> pushes, List<Assign> pops, Block forward, Block reverse, HashSet<string> paired)
    {
        if (pushes.Count != pops.Count)
        {
            return false;
        }

        for (var k = 0; k < pushes.Count; k++)
        {
            var push = pushes[k];
            var pop = pops[pushes.Count - 1 - k];
            if (push.Value is not Variable { Name: var name } || ((Variable)pop.Target).Name != name || push.Type != ((TapePop)pop.Value).Type
                || !ReferenceEquals(IrWalker.StatementsInOrder(forward).First(s => s is not Block && Mentions(s, name)), push)
                || !ReferenceEquals(IrWalker.StatementsInOrder(reverse).Last(s => s is not Block && Mentions(s, name)), pop)
                || !AllMentionsIn(forward, forwardScope, name) || !AllMentionsIn(reverse, reverseScope, name)
                || !paired.Add(name))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllMentionsIn(Block body, Block scope, string name)
    {
        if (ReferenceEquals(body, scope))
        {
            return true;
        }

        var inScope = new HashSet<Stmt>(IrWalker.StatementsInOrder(scope), ReferenceComparer<Stmt>.Instance);
        return IrWalker.StatementsInOrder(body).Where(s => s is not Block && Mentions(s, name)).All(inScope.Contains);
    }

    private static bool IsPop(Stmt statement) => statement is Assign { Target: Variable, Value: TapePop };

    /// <summary>The block without the dropped statements, looked for in nested blocks and loop bodies.</summary>
    private static Block Without(Block block, HashSet<Stmt> dropped)
    {
        var statements = new List<Stmt>(block.Statements.Count);
        var changed = false;
        foreach (var statement in block.Statements)
        {
            if (dropped.Contains(statement))
            {
                changed = true;
                continue;
            }

            var kept = statement switch
            {
                Block nested => Without(nested, dropped),
                For loop when Without(loop.Body, dropped) is var body && !ReferenceEquals(body, loop.Body) => loop with { Body = body },
                _ => statement,
            };
            changed |= !ReferenceEquals(kept, statement);
            statements.Add(kept);
        }

        return changed ? new Block(statements.ToEquatableArray()) : block;
    }

    /// <summary>
    /// Whether the block sets the scalar before it could read it: its first mention is a direct store that reads nothing of
    /// it, or (<paramref name="throughLoops"/>) every mention lies in the body of one loop of the block, not in its
    /// header, and that body sets it so in each iteration (a loop that does not run reads nothing).
    /// </summary>
    private static bool SetsBeforeReading(Block block, string name, bool throughLoops)
    {
        var first = IrWalker.StatementsInOrder(block).FirstOrDefault(s => s is not Block && Mentions(s, name));
        switch (first)
        {
            case null:
                return true;
            case Assign { Target: Variable target, Value: var value } when target.Name == name && IrWalker.IsDirect(block, first) && !IrWalker.ReadNames(value).Contains(name):
                return true;
            case Declare d when d.Name == name && IrWalker.IsDirect(block, first) && (d.Initializer is null || !IrWalker.ReadNames(d.Initializer).Contains(name)):
                return true;
        }

        return throughLoops && OnlyInLoop(block, name) is { } loop && SetsBeforeReading(loop.Body, name, throughLoops);
    }

    /// <summary>The one loop of the block (directly, or through nested blocks) whose body holds every mention of the scalar.</summary>
    private static For? OnlyInLoop(Block block, string name)
    {
        var mentioning = TopLevel(block).Where(s => IrWalker.StatementsInOrder(s).Any(inner => inner is not Block && Mentions(inner, name))).Take(2).ToList();
        return mentioning.Count == 1 && mentioning[0] is For loop && loop.Variable != name && !Mentions(loop, name) ? loop : null;
    }

    private static IEnumerable<Stmt> TopLevel(Block block) =>
        block.Statements.SelectMany(s => s is Block nested ? TopLevel(nested) : new[] { s });

    /// <summary>
    /// R without the direct stores <c>s = e</c> that repeat F's last direct store into s (the reverse recomputing a
    /// value TBR chose not to save), when nothing between the two writes s or anything e reads: s holds e already.
    /// </summary>
    private static Block WithoutRecomputations(Block forward, Block reverse, string variable, ArrayAliases aliases)
    {
        var kept = new List<Stmt>();
        for (var k = 0; k < reverse.Statements.Count; k++)
        {
            var statement = reverse.Statements[k];
            if (statement is Assign { Target: Variable target, Value: var value }
                && forward.Statements.AsImmutableArray().LastIndexOf(statement) is var last and >= 0
                && !IrWalker.ReadNames(value).Contains(target.Name))
            {
                var stretch = forward.Statements.Skip(last + 1).Concat(reverse.Statements.Take(k)).ToEquatableArray();
                var effects = Effects.Of(new Block(stretch), variable, aliases);
                var reads = IrWalker.Nodes(value).ToList();
                var declared = IrWalker.Statements(new Block(stretch)).OfType<Declare>().Select(d => d.Name).ToList();
                if (!effects.Opaque && !effects.Writes(target.Name)
                    && !declared.Contains(target.Name) && !IrWalker.ReadNames(value).Any(declared.Contains)
                    && !IrWalker.ReadNames(value).Any(effects.Writes)
                    && !reads.OfType<ArrayLength>().Any(l => effects.Writes(l.Array))
                    && !reads.OfType<ElementAccess>().Any(e => effects.ElementWrites.Any(w => aliases.MayAlias(w.Array, e.Array))))
                {
                    kept.Add(new Comment($"{target.Name} = … : the forward sweep of this iteration left it in {target.Name}"));
                    continue;
                }
            }

            kept.Add(statement);
        }

        return new Block(kept.ToEquatableArray());
    }

    /// <summary>Whether <paramref name="later"/> can run before <paramref name="earlier"/>: no read of the other's writes, no common write.</summary>
    private static bool Independent(Effects earlier, Effects later, ArrayAliases aliases)
    {
        var laterNames = new HashSet<string>(later.ScalarReads.Concat(later.ScalarWrites).Concat(later.ReferenceReads).Concat(later.ReferenceWrites));
        if (earlier.ScalarWrites.Concat(earlier.ReferenceWrites).Any(laterNames.Contains))
        {
            return false;
        }

        return !earlier.ElementWrites.Any(w => later.Elements.Any(x => aliases.MayAlias(w.Array, x.Array)))
            && !later.ElementWrites.Any(w => earlier.ElementReads.Any(x => aliases.MayAlias(w.Array, x.Array)));
    }

    private static bool OwnRow(Element element, Variable variable) => element.Indices.Count > 0 && element.Indices[0] == variable;

    /// <summary>Both at row i (of one array, or of two that may be one): iteration i touches no other iteration's row.</summary>
    private static bool SameRow(Element a, Element b, Variable variable) => OwnRow(a, variable) && OwnRow(b, variable);

    /// <summary>
    /// The constant R leaves the scalar at (see <see cref="EndsAt"/>), when the scalar also holds it as the loop starts:
    /// declared with it before F, or held when these statements start (<paramref name="heldAtStart"/>), and mentioned by
    /// nothing from there to R. Null otherwise.
    /// </summary>
    private static Constant? ResetsEachIteration(string name, List<Stmt> statements, int f, int r, IReadOnlyDictionary<string, Constant> heldAtStart)
    {
        if (EndsAt(((For)statements[r]).Body, name) is not { } reset)
        {
            return null;
        }

        bool Unmentioned(IEnumerable<Stmt> stretch) => stretch.All(s => !IrWalker.Statements(s).Any(inner => Mentions(inner, name)));
        var declaration = statements.FindLastIndex(f, s => s is Declare d && d.Name == name);
        var holds = declaration >= 0
            ? statements[declaration] is Declare { Initializer: Constant initial } && initial.Value.Equals(reset.Value)
                && Unmentioned(statements.Skip(declaration + 1).Take(r - declaration - 1))
            : heldAtStart.TryGetValue(name, out var held) && held.Value.Equals(reset.Value) && Unmentioned(statements.Take(r));
        return holds ? reset : null;
    }

    /// <summary>
    /// The constant the block leaves the scalar at when it started there: its last mention is a direct store of that
    /// constant, or every mention lies in the body of one loop of the block that ends each iteration so (a loop that
    /// does not run leaves the scalar as it was).
    /// </summary>
    private static Constant? EndsAt(Block block, string name)
    {
        var last = IrWalker.StatementsInOrder(block).LastOrDefault(s => s is not Block && Mentions(s, name));
        if (last is Assign { Target: Variable target, Value: Constant reset } && target.Name == name && IrWalker.IsDirect(block, last))
        {
            return reset;
        }

        return OnlyInLoop(block, name) is { } loop ? EndsAt(loop.Body, name) : null;
    }

    /// <summary>Whether every mention of the scalar in the block is <c>s = s ± term</c> with a term that does not read s.</summary>
    private static bool OnlyAddsInto(Block block, string name) =>
        IrWalker.Statements(block).Where(s => s is not Block && Mentions(s, name)).All(s =>
            s is Assign { Target: Variable target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Left: Variable left } sum }
            && target.Name == name && left.Name == name && !IrWalker.ReadNames(sum.Right).Contains(name));


    private static bool Mentions(Stmt statement, string name) =>
        (statement is Declare d && d.Name == name)
        || (statement is Verbatim v && (v.Reads.Contains(name) || v.Code.Contains(name)))
        || IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).Any(n => n is Variable v && v.Name == name);

    /// <summary>An element a statement reads or writes; an addition into an element is one write (its own read included).</summary>
    private sealed record Element(string Array, EquatableArray<Expr> Indices, bool IsWrite, bool Accumulates);

    /// <summary>What a stretch of code reads and writes, outside the names it declares itself.</summary>
    private sealed class Effects
    {
        private readonly HashSet<string> local = new(System.StringComparer.Ordinal);
        private readonly ArrayAliases aliases;

        private Effects(ArrayAliases aliases) => this.aliases = aliases;

        public HashSet<string> ScalarReads { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> ScalarWrites { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Array references read: the reference itself, its lengths, or through an element.</summary>
        public HashSet<string> ReferenceReads { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> ReferenceWrites { get; } = new(System.StringComparer.Ordinal);

        public List<Element> Elements { get; } = new();

        public IEnumerable<Element> ElementWrites => Elements.Where(e => e.IsWrite);

        public IEnumerable<Element> ElementReads => Elements.Where(e => !e.IsWrite);

        /// <summary>Something the pass cannot see through: the tape, a call, a nested while, opaque code.</summary>
        public bool Opaque { get; private set; }

        public bool Writes(string name) => ScalarWrites.Contains(name) || ReferenceWrites.Contains(name);

        /// <summary>The effects of a loop body (its locals and the loop variable excluded), or of top-level code (variable null: declarations are writes).</summary>
        public static Effects Of(Block block, string? variable, ArrayAliases aliases)
        {
            var effects = new Effects(aliases);
            if (variable is not null)
            {
                effects.local.Add(variable);
            }

            effects.Collect(block, inLoop: variable is not null, 0);
            return effects;
        }

        private void Collect(Stmt statement, bool inLoop, int depth)
        {
            StackGuard.Enter(depth);
            switch (statement)
            {
                case Block b:
                    foreach (var inner in b.Statements)
                    {
                        Collect(inner, inLoop, depth + 1);
                    }

                    break;
                case Comment:
                    break;
                case Declare d:
                    if (d.Initializer is not null)
                    {
                        Read(d.Initializer);
                    }

                    if (inLoop)
                    {
                        // A local array of the loop body could be bound to anything: not followed.
                        Opaque |= d.Type.IsArray();
                        local.Add(d.Name);
                    }
                    else
                    {
                        WriteName(d.Name);
                    }

                    break;
                case Assign { Target: Variable v } a:
                    Read(a.Value);
                    WriteName(v.Name);
                    break;
                case Assign { Target: ElementAccess e } a:
                    // y[…] = y[…] ± term: one write that reads only itself, which commutes with other such writes.
                    var accumulates = a.Value is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum && sum.Left == e;
                    foreach (var index in e.Indices)
                    {
                        Read(index);
                    }

                    ReadName(e.Array);
                    Elements.Add(new Element(e.Array, e.Indices, IsWrite: true, accumulates));
                    Read(accumulates ? ((Binary)a.Value).Right : a.Value);
                    break;
                case For f:
                    Read(f.Lower);
                    Read(f.Upper);
                    local.Add(f.Variable);
                    Collect(f.Body, inLoop: true, depth + 1);
                    break;
                case If i:
                    Read(i.Condition);
                    Collect(i.Then, inLoop, depth + 1);
                    if (i.Else is not null)
                    {
                        Collect(i.Else, inLoop, depth + 1);
                    }

                    break;
                case Verbatim { Reads.Count: > 0 } v:
                    foreach (var name in v.Reads)
                    {
                        ReadName(name);
                    }

                    break;
                default:
                    Opaque = true;
                    break;
            }
        }

        private void Read(Expr expression)
        {
            foreach (var node in IrWalker.Nodes(expression))
            {
                switch (node)
                {
                    case Variable v:
                        ReadName(v.Name);
                        break;
                    case ArrayLength l:
                        ReadName(l.Array);
                        break;
                    case ElementAccess e:
                        ReadName(e.Array);
                        Elements.Add(new Element(e.Array, e.Indices, IsWrite: false, Accumulates: false));
                        break;
                    case Constant or Unary or Binary or Call or Conditional or Convert:
                        break;
                    default:
                        Opaque = true;
                        break;
                }
            }
        }

        private void ReadName(string name)
        {
            if (!local.Contains(name))
            {
                (IsArray(name) ? ReferenceReads : ScalarReads).Add(name);
            }
        }

        private void WriteName(string name)
        {
            if (!local.Contains(name))
            {
                (IsArray(name) ? ReferenceWrites : ScalarWrites).Add(name);
            }
        }

        private bool IsArray(string name) => aliases.Types.TryGetValue(name, out var type) && type.IsArray();
    }
}
