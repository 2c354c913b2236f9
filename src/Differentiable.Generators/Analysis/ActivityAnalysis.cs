using System.Collections.Generic;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Analysis;

/// <summary>
/// A value is active when it depends on an active parameter (varied) and influences the result (useful).
/// Only active values get adjoints or tangents. Arrays that may alias (<c>s = next</c>) share one activity.
/// The analysis is flow-insensitive: a name is active if any of its assignments makes it so.
/// </summary>
internal sealed class ActivityAnalysis
{
    private readonly TypeEnvironment types;
    private readonly Dictionary<string, string> aliasParent = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> active = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> varied = new(System.StringComparer.Ordinal);

    public ActivityAnalysis(MethodModel model, TypeEnvironment types)
    {
        this.types = types;
        var assignments = new List<(string Target, Expr Value)>();
        Expr? result = null;
        Collect(model.Body, assignments, ref result);

        // Only an array bound to another array shares storage: an element store z[c] = a lists (z, a) too, and a
        // double in z's class made every array pass treat z's store of it as a read of z.
        foreach (var (target, value) in assignments)
        {
            if (types[target].IsArray() && value is Variable source && types.Contains(source.Name) && types[source.Name].IsArray())
            {
                Union(target, source.Name);
            }
        }

        foreach (var parameter in model.Parameters)
        {
            if (parameter.IsActive)
            {
                foreach (var seed in parameter.IsComposite ? parameter.Components : EquatableArray.Create(parameter.Name))
                {
                    varied.Add(Find(seed));
                }
            }
        }

        Propagate(assignments, varied, forward: true);

        var useful = new HashSet<string>(System.StringComparer.Ordinal);
        if (result is not null)
        {
            foreach (var name in DataNames(result))
            {
                useful.Add(Find(name));
            }
        }

        Propagate(assignments, useful, forward: false);
        foreach (var name in varied)
        {
            if (useful.Contains(name))
            {
                active.Add(name);
            }
        }
    }

    /// <summary>Whether the named variable (or array) carries a derivative.</summary>
    public bool IsActive(string name) => types.Contains(name) && types[name].IsDifferentiable() && active.Contains(Find(name));

    /// <summary>Whether the result depends on a parameter: on any of a System.Numerics parameter's components.</summary>
    public bool IsActive(ParameterModel parameter) =>
        parameter.IsComposite ? System.Linq.Enumerable.Any(parameter.Components, IsActive) : IsActive(parameter.Name);

    /// <summary>Whether an expression's value depends on a differentiated parameter, useful to the result or not.</summary>
    public bool DependsOnVaried(Expr expression)
    {
        foreach (var name in DataNames(expression, throughConversions: true))
        {
            if (types.Contains(name) && varied.Contains(Find(name)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether an expression's value depends on an active value.</summary>
    public bool DependsOnActive(Expr expression)
    {
        foreach (var name in DataNames(expression))
        {
            if (IsActive(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The names whose values flow into an expression's value: not indices, conditions or lengths,
    /// and nothing through a conversion to int or a comparison.
    /// </summary>
    public IEnumerable<string> DataNames(Expr expression, bool throughConversions = false)
    {
        var stack = new Stack<Expr>();
        stack.Push(expression);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            var type = types.TypeOf(current);
            if (type is not (IrType.Double or IrType.Single or IrType.DoubleArray or IrType.DoubleMatrix) && !(throughConversions && current is Convert))
            {
                continue;
            }

            switch (current)
            {
                case Variable v:
                    yield return v.Name;
                    break;
                case ElementAccess e:
                    yield return e.Array;
                    break;
                case Unary u:
                    stack.Push(u.Operand);
                    break;
                case Binary b:
                    stack.Push(b.Left);
                    stack.Push(b.Right);
                    break;
                case Call c:
                    foreach (var argument in c.Arguments)
                    {
                        stack.Push(argument);
                    }

                    break;
                case UserCall u:
                    foreach (var argument in u.Arguments)
                    {
                        stack.Push(argument);
                    }

                    break;
                case Conditional c:
                    stack.Push(c.WhenTrue);
                    stack.Push(c.WhenFalse);
                    break;
                case Convert c:
                    stack.Push(c.Operand);
                    break;
            }
        }
    }

    private void Propagate(List<(string Target, Expr Value)> assignments, HashSet<string> set, bool forward)
    {
        bool changed;
        do
        {
            changed = false;
            foreach (var (target, value) in assignments)
            {
                var targetClass = Find(target);
                if (forward)
                {
                    if (set.Contains(targetClass))
                    {
                        continue;
                    }

                    foreach (var name in DataNames(value))
                    {
                        if (set.Contains(Find(name)))
                        {
                            changed |= set.Add(targetClass);
                            break;
                        }
                    }
                }
                else if (set.Contains(targetClass))
                {
                    foreach (var name in DataNames(value))
                    {
                        changed |= set.Add(Find(name));
                    }
                }
            }
        }
        while (changed);
    }

    private static void Collect(Stmt statement, List<(string, Expr)> assignments, ref Expr? result)
    {
        switch (statement)
        {
            case Declare { Initializer: { } value } d:
                assignments.Add((d.Name, value));
                break;
            case Assign { Target: Variable v } a:
                assignments.Add((v.Name, a.Value));
                break;
            case Assign { Target: ElementAccess e } a:
                assignments.Add((e.Array, a.Value));
                break;
            case Return r:
                result = r.Value;
                break;
            case For f:
                Collect(f.Body, assignments, ref result);
                break;
            case While w:
                Collect(w.Body, assignments, ref result);
                break;
            case If i:
                Collect(i.Then, assignments, ref result);
                if (i.Else is not null)
                {
                    Collect(i.Else, assignments, ref result);
                }

                break;
            case Block b:
                foreach (var inner in b.Statements)
                {
                    Collect(inner, assignments, ref result);
                }

                break;
        }
    }

    /// <summary>The representative of a name's alias class (union-find).</summary>
    public string Find(string name)
    {
        while (aliasParent.TryGetValue(name, out var parent) && parent != name)
        {
            name = parent;
        }

        return name;
    }

    private void Union(string a, string b)
    {
        var rootA = Find(a);
        var rootB = Find(b);
        if (rootA != rootB)
        {
            // Ordinal order keeps the representative independent of statement order and hashing.
            if (string.CompareOrdinal(rootA, rootB) < 0)
            {
                aliasParent[rootB] = rootA;
            }
            else
            {
                aliasParent[rootA] = rootB;
            }
        }
    }

    /// <summary>Every name in the same alias class as <paramref name="name"/>.</summary>
    public IEnumerable<string> AliasesOf(string name)
    {
        var root = Find(name);
        foreach (var candidate in types.Names)
        {
            if (Find(candidate) == root)
            {
                yield return candidate;
            }
        }
    }
}
