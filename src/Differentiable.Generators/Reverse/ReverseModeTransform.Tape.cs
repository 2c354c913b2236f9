using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Reverse;

/// <summary>
/// The to-be-recorded analysis (Tapenade's TBR): a forward data-flow pass that tracks which values the reverse
/// sweep will read. A statement that overwrites such a value saves the old one on the tape first; every other
/// overwrite saves nothing. For the recurrent network this saves one number per state element and step, and the
/// state array's reference once per step — not one value per operation.
/// </summary>
internal sealed partial class ReverseModeTransform
{
    /// <summary>Names whose current value (scalar or array reference) the reverse sweep reads, and arrays whose elements it reads.</summary>
    private sealed class TapeState
    {
        public HashSet<string> Values { get; } = new(System.StringComparer.Ordinal);

        public HashSet<string> Contents { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Arrays just allocated and not yet shared: no other name can read their elements (a must-fact).</summary>
        public HashSet<string> Fresh { get; } = new(System.StringComparer.Ordinal);

        /// <summary>Fresh arrays whose elements nothing has read or written yet: every element is still 0 (a must-fact).</summary>
        public HashSet<string> Untouched { get; } = new(System.StringComparer.Ordinal);

        public TapeState Clone()
        {
            var copy = new TapeState();
            copy.Values.UnionWith(Values);
            copy.Contents.UnionWith(Contents);
            copy.Fresh.UnionWith(Fresh);
            copy.Untouched.UnionWith(Untouched);
            return copy;
        }

        /// <summary>The join where control flow meets: needs add up, freshness must hold on every path.</summary>
        public void Join(TapeState other)
        {
            Values.UnionWith(other.Values);
            Contents.UnionWith(other.Contents);
            Fresh.IntersectWith(other.Fresh);
            Untouched.IntersectWith(other.Untouched);
        }

        public bool SetEquals(TapeState other) =>
            Values.SetEquals(other.Values) && Contents.SetEquals(other.Contents) && Fresh.SetEquals(other.Fresh) && Untouched.SetEquals(other.Untouched);

        /// <summary>An expression reads elements of these arrays, or hands their references on: they are touched.</summary>
        public void Touch(Expr expression)
        {
            foreach (var node in IrWalker.Nodes(expression))
            {
                switch (node)
                {
                    case ElementAccess e:
                        Untouched.Remove(e.Array);
                        break;
                    case Variable v:
                        Untouched.Remove(v.Name);
                        break;
                }
            }
        }
    }

    private TapeState AnalyzeTape(Stmt statement, TapeState state)
    {
        switch (statement)
        {
            case Block b:
                foreach (var inner in b.Statements)
                {
                    state = AnalyzeTape(inner, state);
                }

                return state;
            case Declare { Initializer: null } d:
                // The local is hoisted out of its loop, so it still holds the last iteration's value, which that
                // iteration's reverse may read: the next assignment must see it as needed (Values and Contents stay).
                state.Fresh.Remove(d.Name);
                state.Untouched.Remove(d.Name);
                return state;
            case Declare d:
                return AnalyzeOverwrite(statement, d.Name, d.Initializer!, state);
            case Assign { Target: Variable v } a:
                return AnalyzeOverwrite(statement, v.Name, a.Value, state);
            case Assign { Target: ElementAccess e } a:
                AddReverseReads(statement, state);
                AddValues(state, IrWalker.ReadNames(e));
                if (state.Contents.Contains(e.Array) && !(firstStores.TryGetValue(statement, out var first) && first))
                {
                    saved.Add(statement);
                }

                state.Touch(e);
                state.Touch(a.Value);
                return state;
            case Return r:
                AddReverseReads(statement, state);
                state.Touch(r.Value);
                return state;
            case If i:
                var assignedInside = new HashSet<string>(IrWalker.AssignedNames(i));
                if (IrWalker.ReadNames(i.Condition).Any(assignedInside.Contains))
                {
                    if (!recordedBranches.ContainsKey(i))
                    {
                        recordedBranches[i] = scope.Fresh("branch");
                    }
                }
                else
                {
                    AddReads(state, i.Condition);
                }

                state.Touch(i.Condition);
                var then = AnalyzeTape(i.Then, state.Clone());
                var otherwise = i.Else is null ? state : AnalyzeTape(i.Else, state.Clone());
                then.Join(otherwise);
                return then;
            case While w:
                state.Touch(w.Condition);
                if (!whileCounters.ContainsKey(w))
                {
                    whileCounters[w] = (scope.Fresh("count"), scope.Fresh("iteration"));
                }

                return AnalyzeLoop(w.Body, state);
            case For f:
                // The reverse loop re-evaluates the bounds; the body cannot change them (the parser checks).
                AddReads(state, f.Lower);
                AddReads(state, f.Upper);
                state.Touch(f.Lower);
                state.Touch(f.Upper);
                FindFirstStores(f, state);
                return AnalyzeLoop(f.Body, state);
            default:
                return state;
        }
    }

    /// <summary>Iterates a loop body to a fixed point: what a later iteration needs, an earlier one must save.</summary>
    private TapeState AnalyzeLoop(Block body, TapeState state)
    {
        var entry = state;
        while (true)
        {
            var exit = AnalyzeTape(body, entry.Clone());
            exit.Join(entry);
            if (exit.SetEquals(entry))
            {
                return entry;
            }

            entry = exit;
        }
    }

    private TapeState AnalyzeOverwrite(Stmt statement, string name, Expr value, TapeState state)
    {
        var own = ReadsOwnOutput(statement);
        AddReverseReads(statement, state, except: own is null ? null : name);
        if (state.Values.Contains(name) && !recomputable.Contains(statement))
        {
            saved.Add(statement);
        }

        var aliasesNeeded = value is Variable source && state.Contents.Contains(source.Name);
        state.Touch(value);
        state.Values.Remove(name);
        state.Contents.Remove(name);
        state.Fresh.Remove(name);
        state.Untouched.Remove(name);
        if (aliasesNeeded)
        {
            state.Contents.Add(name);
        }

        if (own is not null)
        {
            state.Values.Add(name); // Its reverse reads the value it produces.
        }

        if (value is NewArray)
        {
            state.Fresh.Add(name);
            state.Untouched.Add(name);
        }
        else if (value is Variable shared)
        {
            state.Fresh.Remove(shared.Name);
        }

        return state;
    }

    /// <summary>
    /// Finds the first stores into a fresh array: <c>y[i] = …</c> directly in a loop over i, where y is untouched when the
    /// loop starts, and the loop neither stores into y elsewhere nor reads it. Each iteration overwrites a 0 that nothing
    /// reads, so the old value need not be saved (and the reverse sweep need not restore it). A decision against sticks:
    /// the analysis revisits a loop inside another loop until the states settle, and the last visit is the weakest.
    /// </summary>
    private void FindFirstStores(For loop, TapeState entry)
    {
        var direct = new List<Stmt>();
        CollectDirect(loop.Body, direct);
        var all = IrWalker.Statements(loop.Body).ToList();
        foreach (var statement in direct)
        {
            if (statement is not Assign { Target: ElementAccess { Indices.Count: 1 } target } store
                || target.Indices[0] != new Variable(loop.Variable))
            {
                continue;
            }

            var array = target.Array;
            var first = entry.Untouched.Contains(array)
                && !IrWalker.Nodes(store.Value).Any(n => Mentions(n, array))
                && all.Where(s => !ReferenceEquals(s, statement)).All(s =>
                    (s is Block or For or If or While || !IrWalker.AssignedNames(s).Contains(array))
                    && !IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => Mentions(n, array)));
            firstStores[statement] = first && (!firstStores.TryGetValue(statement, out var before) || before);
        }

        static bool Mentions(Expr node, string array) => node is ElementAccess e && e.Array == array || node is Variable v && v.Name == array;
    }

    /// <summary>The statements of a block run once per run of the block: nested blocks are entered, loops and branches are not.</summary>
    private static void CollectDirect(Block block, List<Stmt> into)
    {
        foreach (var statement in block.Statements)
        {
            if (statement is Block nested)
            {
                CollectDirect(nested, into);
            }
            else
            {
                into.Add(statement);
            }
        }
    }

    /// <summary>What the reverse of this statement reads: the primal names in its adjoint code.</summary>
    /// <param name="except">A name whose reads by this adjoint are of the value the statement itself produces.</param>
    private void AddReverseReads(Stmt statement, TapeState state, string? except = null)
    {
        foreach (var adjointStatement in Adjoint(statement).Code)
        {
            foreach (var expression in ExpressionsOf(adjointStatement))
            {
                AddReads(state, expression, except);
            }
        }
    }

    private void AddReads(TapeState state, Expr expression, string? except = null)
    {
        AddValues(state, IrWalker.ReadNames(expression).Where(n => n != except));

        // An adjoint array (dt) follows its primal's reference (t): the reverse sweep finds dt through what t named
        // when the statement ran. A later `t = u` must therefore save t (and with it dt), even where the reverse sweep
        // never reads t's elements: `s[i] += t[i]` adds into dt, and without the restore it would add into du.
        foreach (var node in IrWalker.Nodes(expression))
        {
            var name = node switch { ElementAccess e => e.Array, Variable v => v.Name, _ => null };
            if (name is not null && name != except && PrimalOfShadow(name) is { } primal)
            {
                state.Values.Add(primal);
            }
        }
        foreach (var node in IrWalker.Nodes(expression))
        {
            switch (node)
            {
                case ElementAccess element when types.Contains(element.Array) && element.Array != except:
                    AddContents(state, element.Array);
                    break;
                case Invoke call:
                    // A called method's gradient reads the elements of the arrays handed to it, as they were at the call.
                    foreach (var argument in call.Arguments)
                    {
                        if (argument is Variable array && array.Name != except && types.Contains(array.Name) && types[array.Name].IsArray())
                        {
                            AddContents(state, array.Name);
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>The reverse sweep reads the elements of <paramref name="array"/>, and so of every array it may name.</summary>
    private void AddContents(TapeState state, string array)
    {
        state.Contents.Add(array);
        foreach (var alias in activity.AliasesOf(array))
        {
            if (!state.Fresh.Contains(alias))
            {
                state.Contents.Add(alias);
            }
        }
    }

    private Dictionary<string, string>? primalsOfShadows;

    /// <summary>The array whose adjoint array <paramref name="name"/> is, if it is one.</summary>
    private string? PrimalOfShadow(string name)
    {
        primalsOfShadows ??= adjoints.Where(a => types.Contains(a.Key) && types[a.Key].IsArray()).ToDictionary(a => a.Value, a => a.Key, System.StringComparer.Ordinal);
        return primalsOfShadows.TryGetValue(name, out var primal) ? primal : null;
    }

    private void AddValues(TapeState state, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (types.Contains(name))
            {
                state.Values.Add(name);
            }
        }
    }

    private static IEnumerable<Expr> ExpressionsOf(Stmt statement)
    {
        switch (statement)
        {
            case Declare { Initializer: { } value }:
                yield return value;
                break;
            case Assign a:
                yield return a.Target;
                yield return a.Value;
                break;
            case If i:
                yield return i.Condition;
                foreach (var inner in i.Then.Statements.Concat(i.Else?.Statements ?? default).SelectMany(ExpressionsOf))
                {
                    yield return inner;
                }

                break;
            case Block b:
                foreach (var inner in b.Statements.SelectMany(ExpressionsOf))
                {
                    yield return inner;
                }

                break;
        }
    }
}
