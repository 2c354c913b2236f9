using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Reverse;

/// <summary>
/// Saves in bulk what a loop overwrites one element per iteration: where <c>h[i] = …</c> in a loop over i is where each
/// iteration first touches h, and the rest of the iteration touches h[i] alone without needing a save (see
/// <see cref="ElementChain"/>; a scratch array reused by every sample of a batch), the elements the loop will overwrite are
/// pushed by a loop of their own before it, and popped by one after its reverse, instead of a push and a pop in every
/// iteration. The loop itself then holds no tape traffic, so the vectorizing passes can take it (its row dot products a
/// matrix–vector product, its tanh a SIMD map), as they take the same loop over an array allocated per sample.
/// <para>
/// The same values come back: iteration i's store overwrites the value h[i] had before the loop (no other iteration
/// writes h[i]), and the reverse of iteration i reads h[i] only as the iteration left it, which it still holds until
/// the restore after the loop. The range saved is the loop's,
/// clamped to h's bounds: an index out of range throws in the loop where it did.
/// </para>
/// </summary>
internal sealed partial class ReverseModeTransform
{
    /// <summary>Per loop, the element stores saved in bulk around it (in the loop's order).</summary>
    private readonly Dictionary<For, List<Assign>> bulkSaves = new(ReferenceComparer<For>.Instance);
    private readonly HashSet<Stmt> savedInBulk = new(ReferenceComparer<Stmt>.Instance);
    private string? bulkIndexName;

    /// <summary>
    /// Finds the saved stores that can be saved in bulk, and the saves of the same element's later writes that nothing
    /// reads; runs after the TBR analysis has filled <see cref="saved"/>.
    /// </summary>
    private void FindBulkSaves()
    {
        foreach (var loop in IrWalker.Statements(model.Body).OfType<For>().Where(f => !f.Descending))
        {
            if (IrWalker.AssignedNames(loop.Body).Contains(loop.Variable))
            {
                continue;
            }

            var direct = new List<Stmt>();
            CollectDirect(loop.Body, direct);
            List<Stmt>? all = null;
            foreach (var statement in direct)
            {
                if (statement is not Assign { Target: ElementAccess { Indices.Count: 1 } target } store
                    || target.Indices[0] != new Variable(loop.Variable)
                    || !types.Contains(target.Array)
                    || types[target.Array] != IrType.DoubleArray
                    || ElementChain(store, target, all ??= IrWalker.StatementsInOrder(loop.Body).ToList()) is not { } laterWrites)
                {
                    continue;
                }

                // The later writes overwrite values only the chain itself reads, by additions whose reverse reads no element.
                foreach (var write in laterWrites)
                {
                    saved.Remove(write);
                }

                if (!saved.Contains(store))
                {
                    continue;
                }

                if (!bulkSaves.TryGetValue(loop, out var stores))
                {
                    bulkSaves[loop] = stores = new List<Assign>();
                }

                stores.Add(store);
                savedInBulk.Add(store);
            }
        }

        if (bulkSaves.Count > 0)
        {
            bulkIndexName = scope.Fresh("element");
        }
    }

    /// <summary>
    /// The later writes of element h[i] in an iteration that owns it, when the store <paramref name="store"/> (h[i] = v,
    /// v free of h) is where the iteration first touches h; null when the loop touches h otherwise. After the store
    /// the iteration may add into h[i] (<c>h[i] += r</c>, r free of h, in inner loops too: the reverse of an addition
    /// reads no element), then set it once by a call whose reverse reads its own result (<c>h[i] = Math.Tanh(h[i])</c>),
    /// then read it; every mention of h or a name that may alias it is h[i] itself. No reverse statement then reads a
    /// value a later write overwrote: the additions' reverses read nothing of h, the call's reads its own result, which
    /// h[i] still holds (it is the last write), and the readers after it read that result too. So only the store's old
    /// value needs saving, and no other iteration writes h[i] before it.
    /// </summary>
    private List<Stmt>? ElementChain(Assign store, ElementAccess element, List<Stmt> all)
    {
        var names = new HashSet<string>(activity.AliasesOf(element.Array), System.StringComparer.Ordinal) { element.Array };
        var position = all.FindIndex(s => ReferenceEquals(s, store));
        if (position < 0 || IrWalker.Nodes(store.Value).Any(n => Touches(n, names)) || all.Take(position).Any(s => TouchesArray(s, names)))
        {
            return null;
        }

        var writes = new List<Stmt>();
        var (readerSeen, resultSet) = (false, false);
        foreach (var statement in all.Skip(position + 1))
        {
            if (!TouchesArray(statement, names))
            {
                continue;
            }

            // A leaf statement that mentions the array only as this element.
            if (statement is not (Assign or Declare)
                || IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).Any(n => Touches(n, names) && !(n is ElementAccess e && e == element)))
            {
                return null;
            }

            if (statement is Assign { Target: ElementAccess target } write && target == element)
            {
                if (readerSeen || resultSet)
                {
                    return null;
                }

                if (write.Value is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Left: var left, Right: var term }
                    && left == element && !IrWalker.Nodes(term).Any(n => Touches(n, names)))
                {
                    writes.Add(write);
                }
                else if (ReadsOwnOutput(write) is not null)
                {
                    writes.Add(write);
                    resultSet = true;
                }
                else
                {
                    return null;
                }
            }
            else if (statement is Assign { Target: ElementAccess other } && names.Contains(other.Array))
            {
                return null;
            }
            else
            {
                readerSeen = true;
            }
        }

        // The store's own reverse, run after the later writes' (whose old values are no longer restored), must not read h.
        return writes.Count > 0 && ReadsOwnOutput(store) is not null ? null : writes;
    }

    /// <summary>Whether a statement (not those nested in it) may read or write the array, or do what the pass cannot see.</summary>
    private static bool TouchesArray(Stmt statement, HashSet<string> names) =>
        statement is While or Verbatim
        || (statement is not (Block or For or If) && IrWalker.AssignedNames(statement).Any(names.Contains))
        || IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).Any(n => Touches(n, names));

    private static bool Touches(Expr node, HashSet<string> names) => node switch
    {
        ElementAccess e => names.Contains(e.Array),
        Variable v => names.Contains(v.Name),
        UserCall or Invoke or Opaque or OutArgument or TapePop => true,
        _ => false,
    };

    /// <summary>Before the loop: push the elements its stores will overwrite, in ascending order.</summary>
    private IEnumerable<Stmt> SaveInBulk(For loop) =>
        bulkSaves.TryGetValue(loop, out var stores)
            ? stores.SelectMany(store => ElementLoop(loop, store, descending: false, element => new TapePush(IrType.Double, element),
                "saved in bulk: the elements of {0} that the loop over {1} overwrites, one per iteration"))
            : Enumerable.Empty<Stmt>();

    /// <summary>After the loop's reverse: pop them back, in the opposite order.</summary>
    private IEnumerable<Stmt> RestoreInBulk(For loop) =>
        bulkSaves.TryGetValue(loop, out var stores)
            ? Enumerable.Reverse(stores).SelectMany(store => ElementLoop(loop, store, descending: true, element => new Assign(element, new TapePop(IrType.Double)),
                "restored in bulk: the elements of {0} that the loop over {1} overwrote"))
            : Enumerable.Empty<Stmt>();

    /// <summary>A comment, then a loop over the store's array within the loop's range clamped to the array.</summary>
    private IEnumerable<Stmt> ElementLoop(For loop, Assign store, bool descending, System.Func<ElementAccess, Stmt> body, string comment)
    {
        var array = ((ElementAccess)store.Target).Array;
        yield return new Comment(string.Format(System.Globalization.CultureInfo.InvariantCulture, comment, array, loop.Variable));
        var element = new ElementAccess(array, EquatableArray.Create<Expr>(new Variable(bulkIndexName!)));
        yield return new For(bulkIndexName!, ClampedLower(loop.Lower), ClampedUpper(loop.Upper, array), descending, new Block(EquatableArray.Create(body(element))));
    }

    private static Expr ClampedLower(Expr lower) =>
        lower is Constant { Value: >= 0 } ? lower : new Conditional(new Binary(BinaryOperator.Greater, lower, Constant.Int(0)), lower, Constant.Int(0));

    private static Expr ClampedUpper(Expr upper, string array)
    {
        var length = new ArrayLength(array, -1);
        return upper == length ? upper : new Conditional(new Binary(BinaryOperator.Less, upper, length), upper, length);
    }
}
