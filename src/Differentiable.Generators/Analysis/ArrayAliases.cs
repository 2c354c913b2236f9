using System.Collections.Generic;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Analysis;

/// <summary>
/// Which names of a generated body may reach the same array: a union-find over array bindings, for the passes that
/// reorder loops. Names are joined when one array reference is bound to another. Parameters, and anything bound from a
/// call, the tape or a conditional, or handed to a call, share one class: the caller may alias them. Names given as
/// separate (gradient buffers, which are cleared before the method runs and so cannot share storage with its inputs)
/// start in classes of their own.
/// </summary>
internal sealed class ArrayAliases
{
    /// <summary>The class of everything from outside the body: parameters, call results, tape pops.</summary>
    private const string Outside = "\u0000outside";
    private readonly Dictionary<string, string> parent = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> owned = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, IrType> types;

    private ArrayAliases(Dictionary<string, IrType> types) => this.types = types;

    /// <summary>The type of every name the body starts with or declares (loop variables included).</summary>
    public IReadOnlyDictionary<string, IrType> Types => types;

    /// <summary>Builds the classes of a body. Declarations are read first: the walk is not in program order.</summary>
    public static ArrayAliases Of(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string>? separate = null)
    {
        var known = new Dictionary<string, IrType>(types.Count, System.StringComparer.Ordinal);
        foreach (var pair in types)
        {
            known[pair.Key] = pair.Value;
        }

        var aliases = new ArrayAliases(known);
        aliases.owned.UnionWith(separate ?? System.Array.Empty<string>());
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare d:
                    if (!known.ContainsKey(d.Name))
                    {
                        known[d.Name] = d.Type;
                    }

                    aliases.owned.Add(d.Name);
                    break;
                case For f:
                    known[f.Variable] = IrType.Int32;
                    break;
            }
        }

        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare d:
                    aliases.Bind(d.Name, d.Initializer);
                    break;
                case Assign { Target: Variable v } a:
                    aliases.Bind(v.Name, a.Value);
                    break;
            }

            foreach (var expression in IrWalker.OwnExpressions(statement))
            {
                foreach (var node in IrWalker.Nodes(expression))
                {
                    // A vector's load or store reads or writes elements, as an element access does: the array stays in its class.
                    var arguments = node switch { UserCall u => u.Arguments, Invoke i when !Vectorization.LaneIterations.IsElementAccess(i) => i.Arguments, _ => default };
                    foreach (var argument in arguments)
                    {
                        if (argument is Variable passed)
                        {
                            aliases.Union(passed.Name, Outside);
                        }
                    }
                }
            }
        }

        return aliases;
    }

    /// <summary>
    /// These classes, with the names a pass declared after they were built: each array in a class of its own (a buffer
    /// the pass allocated or rented for itself), every name known by its type.
    /// </summary>
    public ArrayAliases WithFresh(IEnumerable<KeyValuePair<string, IrType>> fresh)
    {
        var extended = new ArrayAliases(new Dictionary<string, IrType>(types, System.StringComparer.Ordinal));
        foreach (var pair in parent)
        {
            extended.parent[pair.Key] = pair.Value;
        }

        extended.owned.UnionWith(owned);
        foreach (var pair in fresh)
        {
            extended.types[pair.Key] = pair.Value;
            extended.owned.Add(pair.Key);
        }

        return extended;
    }

    /// <summary>Whether two names may reach the same storage: the same name, or two arrays of one type in one class.</summary>
    public bool MayAlias(string a, string b) =>
        a == b || (types.TryGetValue(a, out var ta) && types.TryGetValue(b, out var tb) && ta == tb && ta.IsArray() && Find(a) == Find(b));

    private void Bind(string name, Expr? value)
    {
        switch (value)
        {
            case null or NewArray:
                break;
            case Variable other:
                Union(name, other.Name);
                break;
            default:
                Union(name, Outside);
                break;
        }
    }

    private string Find(string name)
    {
        // A name neither declared in the body nor separate is a parameter (an input, a seed, a tangent): from outside.
        if (!owned.Contains(name) && name != Outside)
        {
            return Find(Outside);
        }

        while (parent.TryGetValue(name, out var up) && up != name)
        {
            name = up;
        }

        return name;
    }

    private void Union(string a, string b)
    {
        var ra = Find(a);
        var rb = Find(b);
        if (ra != rb)
        {
            parent[ra] = rb;
        }
    }
}
