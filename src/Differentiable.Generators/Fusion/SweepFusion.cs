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
/// Sound when (checked on read and write sets, arrays through <see cref="ArrayAliases"/>):
/// M touches nothing F touches (it moves ahead of F); F and R share only arrays both index by the loop variable
/// (iteration i touches row i alone); R's iterations commute (each writes its own row, or adds into a target nothing
/// else in R reads); scalars that R writes return to their value before the loop by the end of every iteration; and
/// nothing is opaque (no tape, no calls, no code the pass cannot read). Reversing R's order changes the order in which
/// additions into a shared target happen, so the pass runs only where vectorization (which reorders sums) is allowed.
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
            if (f < 0 || !CanFuse(statements, f, r, aliases))
            {
                continue;
            }

            var forward = (For)statements[f];
            var between = statements.GetRange(f + 1, r - f - 1);
            var v = forward.Variable;
            var fused = new For(v, forward.Lower, forward.Upper, false, new Block(EquatableArray.Create<Stmt>(
                new Block(forward.Body.Statements.AsImmutableArray().Insert(0, new Comment($"forward sweep of iteration {v}")).ToEquatableArray()),
                new Block(reverse.Body.Statements.AsImmutableArray().Insert(0, new Comment($"reverse sweep of iteration {v}")).ToEquatableArray()))));
            var replacement = new List<Stmt>(between)
            {
                new Comment($"fused: the loop over {v} runs its forward and reverse sweeps in one pass (its adjoint is known before it runs)"),
                fused,
            };
            statements.RemoveRange(f, r - f + 1);
            statements.InsertRange(f, replacement);
            r = f + replacement.Count - 1;
        }

        return new Block(statements.ToEquatableArray());
    }

    private static bool CanFuse(List<Stmt> statements, int f, int r, ArrayAliases aliases)
    {
        var forward = (For)statements[f];
        var reverse = (For)statements[r];
        var inForward = Effects.Of(forward.Body, forward.Variable, aliases);
        var inReverse = Effects.Of(reverse.Body, reverse.Variable, aliases);
        var between = Effects.Of(new Block(statements.GetRange(f + 1, r - f - 1).ToEquatableArray()), null, aliases);
        if (inForward.Opaque || inReverse.Opaque || between.Opaque)
        {
            return false;
        }

        // The bounds mean the same before and after: nothing of the three writes what they read.
        var bounds = IrWalker.Nodes(forward.Lower).Concat(IrWalker.Nodes(forward.Upper)).ToList();
        var boundNames = bounds.SelectMany(n => n switch { Variable v => new[] { v.Name }, ArrayLength l => new[] { l.Array }, _ => System.Array.Empty<string>() }).ToList();
        if (bounds.Any(n => n is not (Variable or ArrayLength or Constant or Binary or Unary))
            || boundNames.Any(n => inForward.Writes(n) || inReverse.Writes(n) || between.Writes(n)))
        {
            return false;
        }

        // M moves ahead of F: neither reads what the other writes, nor do both write one thing.
        if (!Independent(between, inForward, aliases) || !Independent(inForward, between, aliases))
        {
            return false;
        }

        // F and R interleave: R reads no scalar F writes, and neither rebinds an array. (F cannot read a scalar R writes:
        // such a scalar must be left alone between its declaration and R, see ResetsEachIteration.)
        if (inForward.ReferenceWrites.Count > 0 || inReverse.ReferenceWrites.Count > 0
            || inForward.ScalarWrites.Any(n => inReverse.ScalarReads.Contains(n) || inReverse.ScalarWrites.Contains(n)))
        {
            return false;
        }

        // Arrays one writes and the other touches: the same array, row i in both.
        var variable = new Variable(forward.Variable);
        if (inForward.ElementWrites.Any(w => inReverse.Elements.Any(x => aliases.MayAlias(w.Array, x.Array) && !SameRow(w, x, variable)))
            || inReverse.ElementWrites.Any(w => inForward.ElementReads.Any(x => aliases.MayAlias(w.Array, x.Array) && !SameRow(w, x, variable))))
        {
            return false;
        }

        // R's iterations commute: each write is to its own row, or an addition into a target R reads nowhere else.
        foreach (var write in inReverse.ElementWrites)
        {
            var others = inReverse.Elements.Where(x => !ReferenceEquals(x, write) && aliases.MayAlias(write.Array, x.Array));
            var commutes = OwnRow(write, variable)
                ? others.All(x => SameRow(write, x, variable))
                : write.Accumulates && others.All(x => x.Accumulates && x.IsWrite);
            if (!commutes)
            {
                return false;
            }
        }

        // Scalars R writes start every iteration at the value they had before the loop, and end it there again.
        return inReverse.ScalarWrites.All(name => ResetsEachIteration(name, statements, f, r));
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

    private static bool SameRow(Element a, Element b, Variable variable) => a.Array == b.Array && OwnRow(a, variable) && OwnRow(b, variable);

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

    /// <summary>Whether the statement runs once per iteration of the block: reached through nested blocks only.</summary>
    private static bool IsDirect(Block block, Stmt statement) =>
        block.Statements.Any(s => ReferenceEquals(s, statement) || (s is Block nested && IsDirect(nested, statement)));

    private static bool Mentions(Stmt statement, string name) =>
        (statement is Declare d && d.Name == name)
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
