using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// For <see cref="RowBlocks"/>: the <c>Math.Exp</c>, <c>Math.Log</c> and <c>Math.Tanh</c> calls of a straight-line loop
/// body whose arguments the block can compute before its iterations run, so that one SIMD map per call evaluates them
/// for all its rows. An argument qualifies when, written out in terms of what the iteration starts with (locals
/// replaced by the values the iteration gave them), it reads only the loop variable, names the loop never assigns,
/// elements of arrays it never writes, the block's dot products, and earlier such calls. A call that reads another's
/// result is one level later: its arguments are computed after that map ran.
/// <para>
/// Recomputing the argument is exact (the same operations on the same values); only the map's result differs, by the
/// kernels' stated ulps. A local the iteration reads before it assigns it (an accumulator carried from the previous
/// iteration) stops the calls that depend on it.
/// </para>
/// </summary>
internal static class BlockedCalls
{
    /// <summary>Written-out arguments larger than this are not recomputed (they would double the loop's arithmetic).</summary>
    private const int MaxArgumentNodes = 48;

    /// <summary>A call the block evaluates ahead: its argument in terms of the iteration's start, and its level (1 or more).</summary>
    public sealed record Hoisted(Call Call, Expr Argument, int Level);

    /// <param name="dotRead">The block buffer read that replaces a dot product of the loop (null for other invocations).</param>
    /// <param name="callRead">The block buffer read for the k-th hoisted call.</param>
    public static List<Hoisted> Find(
        For loop,
        ISet<string> assigned,
        System.Func<string, bool> unwritten,
        System.Func<Invoke, Expr?> dotRead,
        System.Func<int, Expr> callRead)
    {
        var hoisted = new List<Hoisted>();
        if (!IrWalker.Statements(loop.Body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Any(IsMapped))
        {
            return hoisted;
        }

        var slots = new Dictionary<Call, int>(ReferenceComparer<Call>.Instance);
        // What each local holds, written out from the iteration's start, and the latest level of the calls it reads;
        // null where it depends on something the block cannot compute ahead.
        var values = new Dictionary<string, (Expr? Value, int Level)>(System.StringComparer.Ordinal);

        (Expr? Value, int Level) WriteOut(Expr expression)
        {
            var poisoned = false;
            var level = 0;
            var written = IrWalker.Rewrite(expression, node =>
            {
                switch (node)
                {
                    case Variable v when v.Name == loop.Variable:
                        return node;
                    case Variable v when values.TryGetValue(v.Name, out var known):
                        poisoned |= known.Value is null;
                        level = System.Math.Max(level, known.Level);
                        return known.Value ?? node;
                    case Variable v:
                        poisoned |= assigned.Contains(v.Name);
                        return node;
                    case ElementAccess e:
                        poisoned |= assigned.Contains(e.Array) || !unwritten(e.Array);
                        return null;
                    case ArrayLength l:
                        poisoned |= assigned.Contains(l.Array);
                        return node;
                    case Call c when slots.TryGetValue(c, out var slot):
                        level = System.Math.Max(level, hoisted[slot].Level);
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
            return poisoned || IrWalker.Nodes(written).Take(MaxArgumentNodes + 1).Count() > MaxArgumentNodes ? (null, 0) : (written, level);
        }

        foreach (var statement in IrWalker.StatementsInOrder(loop.Body))
        {
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
                    values[array.Name] = (null, 0);
                }

                continue;
            }

            // Inner calls first (reversed pre-order puts a call's arguments before it), so an outer one can read them.
            foreach (var call in RowBlocks.Evaluated(value).OfType<Call>().Reverse())
            {
                if (IsMapped(call)
                    && !slots.ContainsKey(call)
                    && WriteOut(call.Arguments[0]) is { Value: { } argument, Level: var level })
                {
                    slots[call] = hoisted.Count;
                    hoisted.Add(new Hoisted(call, argument, level + 1));
                }
            }

            switch (statement)
            {
                case Declare d:
                    values[d.Name] = WriteOut(value);
                    break;
                case Assign { Target: Variable v }:
                    values[v.Name] = WriteOut(value);
                    break;
            }
        }

        return hoisted;
    }

    /// <summary>A call a kernel maps: exp, log or tanh of one double.</summary>
    internal static bool IsMapped(Expr node) => node is Call { Function: MathFunction.Exp or MathFunction.Log or MathFunction.Tanh, Single: false, Arguments.Count: 1 };
}
