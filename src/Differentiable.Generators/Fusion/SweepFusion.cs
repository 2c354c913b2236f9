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
    /// <summary>Fuses every such pair of top-level loops in a companion body.</summary>
    /// <param name="buffers">Gradient buffers: cleared before the method runs, so they share storage with nothing else.</param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers)
    {
        var aliases = ArrayAliases.Of(body, types, buffers);
        var statements = body.Statements.ToList();
        for (var r = 0; r < statements.Count; r++)
        {
            if (statements[r] is not For { Descending: true } reverse)
            {
                continue;
            }

            var f = statements.FindLastIndex(r, s => s is For { Descending: false } candidate
                && candidate.Variable == reverse.Variable && candidate.Lower == reverse.Lower && candidate.Upper == reverse.Upper);
            if (f < 0 || BothBecomeKernels((For)statements[f], reverse, aliases.Types) || Plan(statements, f, r, aliases) is not { } plan)
            {
                continue;
            }

            var forward = (For)statements[f];
            var v = forward.Variable;
            var fused = new For(v, forward.Lower, forward.Upper, false, new Block(EquatableArray.Create<Stmt>(
                new Block(plan.Forward.Statements.AsImmutableArray().Insert(0, new Comment($"forward sweep of iteration {v}")).ToEquatableArray()),
                new Block(plan.Reverse.Statements.AsImmutableArray().Insert(0, new Comment($"reverse sweep of iteration {v}")).ToEquatableArray()))));
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

        return new Block(statements.ToEquatableArray());
    }

    /// <summary>
    /// Whether each sweep alone is a contraction the kernel pass runs as SIMD code over whole arrays (a dot product, an
    /// axpy): two vectorized passes beat one scalar loop, so such loops are left apart. Fusion pays where a sweep keeps a
    /// loop: rows reused while in cache, tape traffic and recomputation the fused order makes needless.
    /// </summary>
    private static bool BothBecomeKernels(For forward, For reverse, IReadOnlyDictionary<string, IrType> types) =>
        !IrWalker.Statements(Vectorization.ContractionKernels.Rewrite(new Block(EquatableArray.Create<Stmt>(forward)), types)).Any(s => s is For)
        && !IrWalker.Statements(Vectorization.ContractionKernels.Rewrite(new Block(EquatableArray.Create<Stmt>(reverse)), types)).Any(s => s is For);

    /// <summary>
    /// What the fused code is made of: the statements between the sweeps that run before the fused loop (those independent
    /// of F) and after it (those that read what F computes, such as the value), and the bodies of the two sweeps with the
    /// tape pairs that the fused order makes needless removed.
    /// </summary>
    private sealed record FusionPlan(List<Stmt> Before, Block Forward, Block Reverse, List<Stmt> After);

    private static FusionPlan? Plan(List<Stmt> statements, int f, int r, ArrayAliases aliases)
    {
        var forward = (For)statements[f];
        var reverse = (For)statements[r];
        if (!WithoutTapePairs(forward.Body, reverse.Body, out var forwardBody, out var reverseBody, out var paired))
        {
            return null;
        }

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

            if (ReadsBeforeWriting(forwardBody, name)
                || (!paired.Contains(name) && ReadsBeforeWriting(reverseBody, name))
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
        if (!inReverse.ScalarWrites.Where(n => !inForward.ScalarWrites.Contains(n))
            .All(name => ResetsEachIteration(name, statements, f, r) || (OnlyAddsInto(reverseBody, name) && !inForward.ScalarReads.Contains(name))))
        {
            return null;
        }

        return new FusionPlan(
            before.Select(k => between[k]).ToList(),
            forwardBody,
            WithoutRecomputations(forwardBody, reverseBody, forward.Variable, aliases),
            after.Select(k => between[k]).ToList());
    }

    /// <summary>
    /// The sweeps without their tape traffic, where every push in F is a direct <c>tape.Push(s)</c> before F's first other
    /// mention of s, and every pop in R a direct <c>s = tape.Pop()</c> after R's last other mention of s, paired last in,
    /// first out. Unfused, R(i + 1)'s pop hands R(i) the value F(i) left in s; fused, R(i) runs right after F(i), so s
    /// holds that value already, and the restored value is read by no one.
    /// </summary>
    private static bool WithoutTapePairs(Block forward, Block reverse, out Block forwardBody, out Block reverseBody, out HashSet<string> paired)
    {
        forwardBody = forward;
        reverseBody = reverse;
        paired = new HashSet<string>(System.StringComparer.Ordinal);
        var pushes = IrWalker.StatementsInOrder(forward).OfType<TapePush>().ToList();
        var pops = IrWalker.StatementsInOrder(reverse).Where(IsPop).Cast<Assign>().ToList();
        if (pushes.Count == 0 && pops.Count == 0)
        {
            return true;
        }

        if (pushes.Count != pops.Count
            || !pushes.All(p => IsDirect(forward, p)) || !pops.All(p => IsDirect(reverse, p))
            || IrWalker.StatementsInOrder(forward).Any(s => IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => n is TapePop))
            || IrWalker.StatementsInOrder(reverse).Any(s => s is TapePush || (!IsPop(s) && IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => n is TapePop))))
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
                || !paired.Add(name))
            {
                return false;
            }
        }

        var dropped = new HashSet<Stmt>(pushes.Cast<Stmt>().Concat(pops), ReferenceComparer<Stmt>.Instance);
        forwardBody = Without(forward, dropped);
        reverseBody = Without(reverse, dropped);
        return true;
    }

    private static bool IsPop(Stmt statement) => statement is Assign { Target: Variable, Value: TapePop };

    private static Block Without(Block block, HashSet<Stmt> dropped) => new(block.Statements
        .Where(s => !dropped.Contains(s))
        .Select(s => s is Block nested ? Without(nested, dropped) : s)
        .ToEquatableArray());

    /// <summary>Whether the block may read the scalar before it sets it: its first mention is not a direct store that reads nothing of it.</summary>
    private static bool ReadsBeforeWriting(Block block, string name)
    {
        var first = IrWalker.StatementsInOrder(block).FirstOrDefault(s => s is not Block && Mentions(s, name));
        return first switch
        {
            null => false,
            Assign { Target: Variable target, Value: var value } => target.Name != name || !IsDirect(block, first) || IrWalker.ReadNames(value).Contains(name),
            Declare d => d.Name != name || !IsDirect(block, first) || (d.Initializer is not null && IrWalker.ReadNames(d.Initializer).Contains(name)),
            _ => true,
        };
    }

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
    /// The last statement of R that mentions the scalar sets it to a constant, and the scalar holds that constant when
    /// the loop starts: declared with it before F, and mentioned by nothing between the declaration and R.
    /// </summary>
    private static bool ResetsEachIteration(string name, List<Stmt> statements, int f, int r)
    {
        var reverse = (For)statements[r];
        var last = IrWalker.StatementsInOrder(reverse.Body).LastOrDefault(s => s is not Block && Mentions(s, name));
        if (last is not Assign { Target: Variable target, Value: Constant reset } || target.Name != name || !IsDirect(reverse.Body, last))
        {
            return false;
        }

        var declaration = statements.FindLastIndex(f, s => s is Declare d && d.Name == name);
        return declaration >= 0
            && statements[declaration] is Declare { Initializer: Constant initial } && initial.Value.Equals(reset.Value)
            && statements.Skip(declaration + 1).Take(r - declaration - 1).All(s => !IrWalker.Statements(s).Any(inner => Mentions(inner, name)));
    }

    /// <summary>Whether every mention of the scalar in the block is <c>s = s ± term</c> with a term that does not read s.</summary>
    private static bool OnlyAddsInto(Block block, string name) =>
        IrWalker.Statements(block).Where(s => s is not Block && Mentions(s, name)).All(s =>
            s is Assign { Target: Variable target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Left: Variable left } sum }
            && target.Name == name && left.Name == name && !IrWalker.ReadNames(sum.Right).Contains(name));

    /// <summary>Whether the statement runs once per iteration of the block: reached through nested blocks only.</summary>
    private static bool IsDirect(Block block, Stmt statement) =>
        block.Statements.Any(s => ReferenceEquals(s, statement) || (s is Block nested && IsDirect(nested, statement)));

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
