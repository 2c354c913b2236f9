using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// For <see cref="RowBlocks"/>: the <c>Math.Exp</c>, <c>Math.Log</c> and <c>Math.Tanh</c> calls of a straight-line loop
/// body whose arguments the block can compute before its iterations run, so that one SIMD map per call evaluates them
/// for all its rows. An argument qualifies when, written out in terms of what the iteration starts with (locals
/// replaced by the values the iteration gave them), it reads only the loop variable, names the loop never assigns,
/// elements of arrays it never writes, the row's own element of an array only iteration i touches (as the loop found
/// it, or as the iteration stored it), the block's dot products, and earlier such calls. A call that reads another's
/// result is one level later: its arguments are computed after that map ran.
/// <para>
/// Recomputing the argument is exact (the same operations on the same values); only the map's result differs, by the
/// kernels' stated ulps. A local the iteration reads before it assigns it (an accumulator carried from the previous
/// iteration) stops the calls that depend on it.
/// </para>
/// <para>
/// A costly call that is not mapped (√, sin, pow…) but whose value some mapped argument reads (the pair energy's
/// r = √(dx² + dy²) in e^(−r)) is computed once, in the round of that argument, and stored in a slot of its own, which
/// the argument and the iteration both read: otherwise the block would evaluate it twice, once for the argument and
/// once in the iteration. The stored value is what the iteration would have computed, bit for bit.
/// </para>
/// </summary>
internal static class BlockedCalls
{
    /// <summary>Written-out arguments larger than this are not recomputed (they would double the loop's arithmetic).</summary>
    private const int MaxArgumentNodes = 48;

    /// <summary>
    /// A call the block evaluates ahead, and its level (1 or more): the round that computes it. A mapped call's
    /// <paramref name="Argument"/> is its argument in terms of the iteration's start, which the round stores and the map
    /// then maps; a stored call's is the whole call so written, whose value the round stores.
    /// </summary>
    public sealed record Hoisted(Call Call, Expr Argument, int Level, bool Stored = false)
    {
        /// <summary>
        /// Other call objects of the same function on the same written-out arguments (the forward's e^(−θ₂t) and the
        /// reverse's, which the chain rule evaluates again): one slot and one map serve them all, bit for bit.
        /// </summary>
        public List<Call> Sharing { get; } = new();
    }

    /// <param name="dotRead">The block buffer read that replaces a dot product of the loop (null for other invocations).</param>
    /// <param name="callRead">The block buffer read for the k-th hoisted call.</param>
    /// <param name="types">The type of every name the loop uses: a local's value is written out in the local's type.</param>
    public static List<Hoisted> Find(
        For loop,
        IReadOnlyDictionary<string, IrType> types,
        ISet<string> assigned,
        System.Func<string, bool> unwritten,
        ISet<string> ownElements,
        System.Func<Invoke, Expr?> dotRead,
        System.Func<int, Expr> callRead)
    {
        if (!IrWalker.Statements(loop.Body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Any(IsMapped))
        {
            return new List<Hoisted>();
        }

        // Calls left where they are: stored ones that no mapped argument reads (they would only move work), and any
        // one call object that two statements evaluate on different values (a sweep may share nodes). Each search that
        // finds some searches again without them; what it leaves out only ever grows.
        var excluded = new HashSet<Call>(ReferenceComparer<Call>.Instance);
        for (var search = 0; search < MaxSearches; search++)
        {
            var (hoisted, reads, conflicts) = Search(loop, types, assigned, unwritten, ownElements, dotRead, callRead, excluded);
            var read = new HashSet<int>();
            var pending = new Stack<int>(Enumerable.Range(0, hoisted.Count).Where(k => !hoisted[k].Stored));
            while (pending.Count > 0)
            {
                foreach (var slot in reads[pending.Pop()])
                {
                    if (read.Add(slot))
                    {
                        pending.Push(slot);
                    }
                }
            }

            var count = excluded.Count;
            excluded.UnionWith(conflicts);
            excluded.UnionWith(Enumerable.Range(0, hoisted.Count).Where(k => hoisted[k].Stored && !read.Contains(k)).SelectMany(k => hoisted[k].Sharing.Prepend(hoisted[k].Call)));
            if (excluded.Count == count)
            {
                return hoisted;
            }
        }

        return new List<Hoisted>();
    }

    /// <summary>Searches before the block gives up hoisting: one, two where some call is left out, rarely more.</summary>
    private const int MaxSearches = 4;

    /// <summary>
    /// The hoisted calls, the slots each one's argument reads, and the calls found on different values in two statements.
    /// </summary>
    private static (List<Hoisted> Hoisted, List<HashSet<int>> Reads, List<Call> Conflicts) Search(
        For loop,
        IReadOnlyDictionary<string, IrType> types,
        ISet<string> assigned,
        System.Func<string, bool> unwritten,
        ISet<string> ownElements,
        System.Func<Invoke, Expr?> dotRead,
        System.Func<int, Expr> callRead,
        HashSet<Call> excluded)
    {
        var hoisted = new List<Hoisted>();
        var reads = new List<HashSet<int>>();
        var conflicts = new List<Call>();
        var slots = new Dictionary<Call, int>(ReferenceComparer<Call>.Instance);
        // Each slotted call's arguments as first written out, and the statement visit that evaluated it then.
        var firsts = new List<(EquatableArray<Expr> Arguments, int Visit)>();
        // The block reads one slot wherever a call object stands, so a slotted object must be found to have the same
        // arguments at every place it stands (a sweep may share nodes): under ?:, && or ||, or before it was slotted,
        // nothing checks them, so an object that stands there too is left out.
        var places = new Dictionary<Call, int>(ReferenceComparer<Call>.Instance);
        var checkedPlaces = new Dictionary<Call, int>(ReferenceComparer<Call>.Instance);
        var visit = 0;
        // The slot of each function on each written-out argument list, for the call objects that compute it again.
        var byValue = new Dictionary<(MathFunction, EquatableArray<Expr>), int>();
        // What each local holds, written out from the iteration's start, the latest round whose slots it reads, and
        // those slots; null where it depends on something the block cannot compute ahead.
        var values = new Dictionary<string, (Expr? Value, int Level, HashSet<int> Reads)>(System.StringComparer.Ordinal);
        // The same for the row's element of each own-element array, once the iteration has stored into it.
        var elements = new Dictionary<string, (Expr? Value, int Level, HashSet<int> Reads)>(System.StringComparer.Ordinal);

        (Expr? Value, int Level, HashSet<int> Reads) WriteOut(Expr expression)
        {
            var poisoned = false;
            var level = 0;
            var slotsRead = new HashSet<int>();
            var written = IrWalker.Rewrite(expression, node =>
            {
                switch (node)
                {
                    case Variable v when v.Name == loop.Variable:
                        return node;
                    case Variable v when values.TryGetValue(v.Name, out var known):
                        poisoned |= known.Value is null;
                        level = System.Math.Max(level, known.Level);
                        slotsRead.UnionWith(known.Reads);
                        return known.Value ?? node;
                    case Variable v:
                        poisoned |= assigned.Contains(v.Name);
                        return node;
                    case ElementAccess e when ownElements.Contains(e.Array):
                        // Only this iteration touches it: what it stored there, or else the element as the loop found it.
                        if (elements.TryGetValue(e.Array, out var stored))
                        {
                            poisoned |= stored.Value is null;
                            level = System.Math.Max(level, stored.Level);
                            slotsRead.UnionWith(stored.Reads);
                            return stored.Value ?? node;
                        }

                        return node;
                    case ElementAccess e:
                        poisoned |= assigned.Contains(e.Array) || !unwritten(e.Array);
                        return null;
                    case ArrayLength l:
                        poisoned |= assigned.Contains(l.Array);
                        return node;
                    case Call c when slots.TryGetValue(c, out var slot):
                        // A map's result after its round; a stored value within its own round, once stored.
                        level = System.Math.Max(level, hoisted[slot].Level - (hoisted[slot].Stored ? 1 : 0));
                        slotsRead.Add(slot);
                        return callRead(slot);
                    case Invoke i:
                        var read = dotRead(i);
                        poisoned |= read is null;
                        return read ?? node;
                    case UserCall or TapePop or OutArgument or NewArray:
                        poisoned = true;
                        return node;
                    default:
                        return null;
                }
            });
            return poisoned || IrWalker.Nodes(written).Take(MaxArgumentNodes + 1).Count() > MaxArgumentNodes ? (null, 0, slotsRead) : (written, level, slotsRead);
        }

        foreach (var statement in IrWalker.StatementsInOrder(loop.Body))
        {
            visit++;
            foreach (var call in IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<Call>())
            {
                places[call] = places.TryGetValue(call, out var count) ? count + 1 : 1;
            }

            var value = statement switch
            {
                Declare { Initializer: null } d => d.Type.IsArray() ? null : new Constant(0.0, d.Type),
                Declare d => d.Initializer,
                Assign a => a.Value,
                Evaluate e => e.Expression,
                _ => null,
            };
            if (value is null)
            {
                if (statement is Declare array)
                {
                    values[array.Name] = (null, 0, new HashSet<int>());
                }

                continue;
            }

            // Inner calls first (reversed pre-order puts a call's arguments before it), so an outer one can read them.
            foreach (var call in RowBlocks.Evaluated(value).OfType<Call>().Reverse())
            {
                if (excluded.Contains(call))
                {
                    continue;
                }

                if (slots.TryGetValue(call, out var seen))
                {
                    // Within one statement the arguments cannot change; in another they must write out the same.
                    if (firsts[seen].Visit == visit || call.Arguments.Select(a => WriteOut(a).Value).SequenceEqual(firsts[seen].Arguments))
                    {
                        checkedPlaces[call]++;
                    }
                    else
                    {
                        conflicts.Add(call);
                    }

                    continue;
                }

                // Cheap calls stay in the iteration: only write out the arguments of those a block would hoist.
                if (!(IsMapped(call) || IsCostly(call)))
                {
                    continue;
                }

                var arguments = call.Arguments.Select(WriteOut).ToList();
                if (arguments.Any(a => a.Value is null))
                {
                    continue;
                }

                var written = arguments.Select(a => a.Value!).ToEquatableArray();
                checkedPlaces[call] = 1;
                if (byValue.TryGetValue((call.Function, written), out var same))
                {
                    slots[call] = same;
                    hoisted[same].Sharing.Add(call);
                    continue;
                }

                byValue[(call.Function, written)] = hoisted.Count;
                slots[call] = hoisted.Count;
                firsts.Add((written, visit));
                reads.Add(new HashSet<int>(arguments.SelectMany(a => a.Reads)));
                var level = arguments.Max(a => a.Level) + 1;
                hoisted.Add(IsMapped(call)
                    ? new Hoisted(call, arguments[0].Value!, level)
                    : new Hoisted(call, call with { Arguments = firsts[firsts.Count - 1].Arguments }, level, Stored: true));
            }

            switch (statement)
            {
                case Declare d:
                    values[d.Name] = InType(WriteOut(value), value, d.Type);
                    break;
                case Assign { Target: Variable v }:
                    values[v.Name] = types.TryGetValue(v.Name, out var type) ? InType(WriteOut(value), value, type) : (null, 0, new HashSet<int>());
                    break;
                case Assign { Target: ElementAccess e } when ownElements.Contains(e.Array):
                    elements[e.Array] = InType(WriteOut(value), value, IrType.Double);
                    break;
            }
        }

        conflicts.AddRange(slots.Keys.Where(call => places[call] != checkedPlaces[call]));
        return (hoisted, reads, conflicts);

        // A local holds its value converted to its type (double t = j holds (double)j: written out as j, t / n would
        // divide ints; double a = 0 holds 0.0); unknown where the value's type is.
        (Expr? Value, int Level, HashSet<int> Reads) InType((Expr? Value, int Level, HashSet<int> Reads) written, Expr value, IrType type) =>
            written.Value is null ? written
            : TypeEnvironment.TypeOf(value, types) is not { } valueType ? (null, 0, written.Reads)
            : valueType == type ? written
            : written.Value is Constant constant && type is IrType.Double or IrType.Single ? (new Constant(constant.Value, type), written.Level, written.Reads)
            : (new Convert(type, written.Value), written.Level, written.Reads);
    }

    /// <summary>A call a kernel maps: exp, log or tanh of one double.</summary>
    internal static bool IsMapped(Expr node) => node is Call { Function: MathFunction.Exp or MathFunction.Log or MathFunction.Tanh, Single: false, Arguments.Count: 1 };

    /// <summary>
    /// A call of doubles worth storing rather than evaluating twice: any the kernels do not map but the cheap ones
    /// (|x|, min, max, rounding, sign, fused multiply–add), which cost about what a store and a load do.
    /// </summary>
    private static bool IsCostly(Call call) => !call.Single && !IsMapped(call) && call.Function is not (MathFunction.Abs or MathFunction.Max or MathFunction.Min
        or MathFunction.FusedMultiplyAdd or MathFunction.Floor or MathFunction.Ceiling or MathFunction.Round or MathFunction.Truncate or MathFunction.Sign);
}
