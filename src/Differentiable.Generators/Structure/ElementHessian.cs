using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Rules;

namespace Differentiable.Generators.Structure;

/// <summary>
/// Hessians from element Hessians, as one writes the Rosenbrock Hessian by hand. Every double local carries its first
/// and second partials over the coordinates it depends on, as expressions (forward over forward, symbolically); a
/// coordinate is a scalar parameter, an element at a constant index, or an element x[i + c] of the loop's window. Two
/// forms: a sum over one loop, <c>f = c; for (i …) { locals; f += term; } return f;</c>, after straight-line
/// statements, where each iteration adds its term's second partials into H[i + c, i + c′] (and at the constant
/// coordinates), in the loop that also sums the value; and straight-line code, <c>… return expression;</c>, whose
/// expression's second partials are H's nonzero entries. H[p, q] and H[q, p] receive the same temporary in the same
/// order, so H is exactly symmetric without averaging; where two coordinates are one element (x[0] and x[i] at i = 0)
/// both writes land on the diagonal, which is the chain rule's 2·∂²/∂c∂c′.
/// </summary>
internal sealed class ElementHessian
{
    // A derivative expression larger than this (nodes, before printing) sends the method back to Hessian-vector products.
    private const int MaxEntryNodes = 600;

    private readonly List<ParameterModel> active;
    private readonly Dictionary<string, int> activeIndex = new(System.StringComparer.Ordinal);
    private readonly List<Expr> offsets;
    private readonly string hessian;
    private readonly NameScope scope;
    private readonly Dictionary<string, Partials> locals = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, IrType> localTypes = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, int> assignments = new(System.StringComparer.Ordinal);
    private readonly SortedSet<Coordinate> seen = new();
    private readonly TypeEnvironment types;
    private readonly HashSet<string> integerTemporaries = new(System.StringComparer.Ordinal);
    private readonly SortedDictionary<(Coordinate, Coordinate), string> invariant = new();
    private string? index;

    private ElementHessian(List<ParameterModel> active, List<Expr> offsets, string hessian, NameScope scope, TypeEnvironment types)
    {
        this.active = active;
        this.types = types;
        this.offsets = offsets;
        this.hessian = hessian;
        this.scope = scope;
        for (var k = 0; k < active.Count; k++)
        {
            activeIndex[active[k].Name] = k;
        }
    }

    /// <summary>
    /// The whole body of <c>{F}Hessian</c> (value and H in one sweep), or null when the method has neither form or a
    /// term this class cannot differentiate twice (then the Hessian comes from Hessian-vector products).
    /// </summary>
    public static Block? Body(MethodModel model, TypeEnvironment types)
    {
        var active = model.Parameters.Where(p => p.IsActive).ToList();
        var statements = model.Body.Statements;
        if (model.ReturnType != IrType.Double || active.Count == 0 || active.Any(p => p.IsComposite || p.Type is not (IrType.Double or IrType.DoubleArray))
            || statements.Count == 0 || statements[statements.Count - 1] is not Return result)
        {
            return null;
        }

        // Float arithmetic (a float parameter, MathF) rounds differently from the double partials written here: those
        // methods keep Hessian-vector products, which follow the method's own types.
        if (statements.SelectMany(IrWalker.Statements).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Any(node => IsFloat(node, types)))
        {
            return null;
        }

        // Straight-line statements, then either the return or one loop and the return of its sum.
        var loop = statements.Count >= 2 ? statements[statements.Count - 2] as For : null;
        var prefix = statements.Take(statements.Count - (loop is null ? 1 : 2)).ToList();
        if (prefix.Any(s => s is not (Declare or Assign { Target: Variable })) || (loop is not null && result.Value is not Variable))
        {
            return null;
        }

        var scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        var size = scope.Fresh("size");
        var hessian = scope.Fresh("hessian");
        var body = new List<Stmt>
        {
            new Declare(size, IrType.Int32, active.Select(Count).Aggregate((a, b) => new Binary(BinaryOperator.Add, a, b))),
            new Declare(hessian, IrType.DoubleMatrix, new NewArray(IrType.DoubleMatrix, EquatableArray.Create<Expr>(new Variable(size), new Variable(size)))),
        };

        // Where each parameter's rows start: after the parameters before it, in declaration order.
        var offsets = new List<Expr>();
        Expr? before = null;
        foreach (var parameter in active)
        {
            if (before is null)
            {
                offsets.Add(Constant.Int(0));
            }
            else
            {
                var at = scope.Fresh(parameter.Name + "At");
                body.Add(new Declare(at, IrType.Int32, before));
                offsets.Add(new Variable(at));
            }

            before = before is null ? Count(parameter) : new Binary(BinaryOperator.Add, before, Count(parameter));
        }

        var builder = new ElementHessian(active, offsets, hessian, scope, types);
        try
        {
            if (!builder.Write(prefix, loop, result, body))
            {
                return null;
            }

            // A parameter no entry reaches (y in Max(x, y), whose second partials are all 0) would leave its offset
            // unread: CS0219, an error where warnings are.
            var read = new HashSet<string>(body.SelectMany(IrWalker.Statements).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.ReadNames), System.StringComparer.Ordinal);
            body.RemoveAll(s => s is Declare { Type: IrType.Int32 } d && offsets.Any(o => o is Variable v && v.Name == d.Name) && !read.Contains(d.Name));
            return new Block(body.ToEquatableArray());
        }
        catch (CodeTooComplexException)
        {
            return null;
        }
    }

    private static Expr Count(ParameterModel parameter) => parameter.Type == IrType.DoubleArray ? new ArrayLength(parameter.Name, -1) : Constant.Int(1);

    private bool Write(List<Stmt> prefix, For? loop, Return result, List<Stmt> output)
    {
        foreach (var statement in prefix)
        {
            if (!Straight(statement, output))
            {
                return false;
            }
        }

        if (loop is null)
        {
            // Straight-line code: H is the returned expression's second partials.
            if (DeriveStatement(result.Value, output) is not { } partials || !Small(partials))
            {
                return false;
            }

            var value = scope.Fresh("value");
            output.Add(new Declare(value, IrType.Double, Reuse(result.Value)));
            output.Add(new Comment("H: the value's second partials (the product, quotient and chain rules applied twice)"));
            AddElementHessian(partials, false, output, withComment: false);
            output.Add(new Return(new Tuple(EquatableArray.Create<Expr>(new Variable(value), new Variable(hessian)))));
            return true;
        }

        // A sum over the loop that starts without partials, that the loop only adds to and that nothing reads in it.
        var sum = ((Variable)result.Value).Name;
        if (!locals.TryGetValue(sum, out var start) || !start.IsZero || Reads(loop.Lower) || Reads(loop.Upper))
        {
            return false;
        }

        index = loop.Variable;
        var bounds = IrWalker.ReadNames(loop.Lower).Concat(IrWalker.ReadNames(loop.Upper));
        // Bounds are evaluated again after the loop (whether it ran): they must not read the sum or the loop variable.
        var iteration = bounds.Contains(sum) || bounds.Contains(loop.Variable) ? null : Iteration(loop.Body, sum);
        if (iteration is null)
        {
            return false;
        }

        output.Add(new Comment($"Element Hessians: each iteration's terms read {string.Join(", ", seen.Select(Describe))}; their second partials (derived at compile time, forward over forward) are added into H at those rows and columns."));
        if (invariant.Count > 0)
        {
            // Entries at constant coordinates sum in locals and reach H once, if the loop ran (their rows exist then).
            output.Add(new Comment("entries whose row and column do not move with the loop sum in locals, added to H after it"));
            output.AddRange(invariant.Values.Select(name => new Declare(name, IrType.Double, Constant.Zero)));
        }

        output.Add(loop with { Body = new Block(iteration.ToEquatableArray()) });
        if (invariant.Count > 0)
        {
            var stores = new List<Stmt>();
            foreach (var ((k, l), name) in invariant)
            {
                stores.Add(Accumulate(k, l, new Variable(name), false));
                if (!k.Equals(l))
                {
                    stores.Add(Accumulate(l, k, new Variable(name), false));
                }
            }

            output.Add(new If(new Binary(BinaryOperator.Less, loop.Lower, loop.Upper), new Block(stores.ToEquatableArray()), null));
        }

        output.Add(new Return(new Tuple(EquatableArray.Create<Expr>(new Variable(sum), new Variable(hessian)))));
        return true;
    }

    /// <summary>A statement before the loop (or of straight-line code): a local declared or assigned, its partials bound before it.</summary>
    private bool Straight(Stmt statement, List<Stmt> output)
    {
        switch (statement)
        {
            case Declare { Initializer: null } declaration:
                localTypes[declaration.Name] = declaration.Type;
                locals[declaration.Name] = Partials.None;
                output.Add(statement);
                return true;
            case Declare { Initializer: { } value } declaration:
                localTypes[declaration.Name] = declaration.Type;
                return Local(declaration.Name, declaration.Type, value, statement, output);
            case Assign { Target: Variable target, Value: var value } when localTypes.TryGetValue(target.Name, out var type):
                return Local(target.Name, type, value, statement, output);
            default:
                return false;
        }
    }

    /// <summary>The loop body with the partials of each local bound before it and the element Hessian of each term added after it.</summary>
    private List<Stmt>? Iteration(Block body, string sum)
    {
        var output = new List<Stmt>();
        var own = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in body.Statements)
        {
            switch (statement)
            {
                case Declare declaration when declaration.Name != sum && !localTypes.ContainsKey(declaration.Name)
                    && (declaration.Initializer is null || !IrWalker.ReadNames(declaration.Initializer).Contains(sum)):
                    own.Add(declaration.Name);
                    if (!Straight(statement, output))
                    {
                        return null;
                    }

                    break;
                case Assign { Target: Variable target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } added }
                    when target.Name == sum && added.Left == target:
                    if (IrWalker.ReadNames(added.Right).Contains(sum) || DeriveStatement(added.Right, output) is not { } term || !Small(term))
                    {
                        return null;
                    }

                    output.Add(new Assign(target, added with { Right = Reuse(added.Right) }));
                    AddElementHessian(term, added.Operator == BinaryOperator.Subtract, output, withComment: true);
                    break;
                case Assign { Target: Variable target, Value: var value } when own.Contains(target.Name) && !IrWalker.ReadNames(value).Contains(sum):
                    if (!Straight(statement, output))
                    {
                        return null;
                    }

                    break;
                default:
                    return null;
            }
        }

        return output;
    }

    /// <summary>
    /// A local's new value: its partials bound to temporaries before the statement (they read the values it may
    /// overwrite), then the statement. Integer and Boolean locals are piecewise constant: no partials.
    /// </summary>
    private bool Local(string name, IrType type, Expr value, Stmt statement, List<Stmt> output)
    {
        if (type is IrType.Int32 or IrType.Boolean)
        {
            locals[name] = Partials.None;
            output.Add(statement);
            return true;
        }

        if (type != IrType.Double || DeriveStatement(value, output) is not { } partials || !Small(partials))
        {
            return false;
        }

        if (partials.First.Values.Concat(partials.Second.Values).Any(e => !Build.IsLeaf(e)))
        {
            output.Add(new Comment($"∂{name} and ∂²{name} over what it reads, where not constants"));
        }

        // A local assigned again is named by its version: du2_0 is ∂u₂/∂x[i] for the second value of u.
        assignments[name] = assignments.TryGetValue(name, out var count) ? count + 1 : 1;
        var version = assignments[name] == 1 ? name : name + assignments[name].ToString(CultureInfo.InvariantCulture);
        var first = new SortedDictionary<Coordinate, Expr>();
        foreach (var (k, entry) in partials.First)
        {
            first[k] = Bind(entry, $"d{version}_{Label(k)}", output);
        }

        var second = new SortedDictionary<(Coordinate, Coordinate), Expr>();
        foreach (var (pair, entry) in partials.Second)
        {
            second[pair] = Bind(entry, $"d2{version}_{Label(pair.Item1)}_{Label(pair.Item2)}", output);
        }

        output.Add(statement switch
        {
            Declare declaration => declaration with { Initializer = Reuse(value) },
            Assign assignment => assignment with { Value = Reuse(value) },
            _ => statement,
        });
        locals[name] = new Partials(first, second);
        return true;
    }

    /// <summary>H[k, l] += ∂²term/∂k∂l for k ≤ l, and the same temporary into H[l, k].</summary>
    private void AddElementHessian(Partials term, bool subtracted, List<Stmt> output, bool withComment)
    {
        if (withComment && term.Second.Count > 0)
        {
            output.Add(new Comment("the term's second partials into H (the product, quotient and chain rules applied twice)"));
        }

        foreach (var ((k, l), entry) in term.Second)
        {
            if (index is not null && !k.Relative && !l.Relative)
            {
                if (!invariant.TryGetValue((k, l), out var sum))
                {
                    invariant[(k, l)] = sum = scope.Fresh($"h_{Label(k)}_{Label(l)}");
                }

                var accumulator = new Variable(sum);
                output.Add(new Assign(accumulator, subtracted ? Build.Sub(accumulator, entry) : Build.Add(accumulator, entry)));
                continue;
            }

            var value = k.Equals(l) ? entry : Bind(entry, $"h_{Label(k)}_{Label(l)}", output);
            output.Add(Accumulate(k, l, value, subtracted));
            if (!k.Equals(l))
            {
                output.Add(Accumulate(l, k, value, subtracted));
            }
        }
    }

    private Stmt Accumulate(Coordinate row, Coordinate column, Expr value, bool subtracted)
    {
        var target = new ElementAccess(hessian, EquatableArray.Create(At(row), At(column)));
        return new Assign(target, subtracted ? Build.Sub(target, value) : Build.Add(target, value));
    }

    /// <summary>The row (or column) of H of a coordinate: its parameter's first row, plus i + c or the constant index.</summary>
    private Expr At(Coordinate coordinate)
    {
        Expr within = coordinate.Relative
            ? coordinate.Index switch
            {
                0 => new Variable(index!),
                > 0 => new Binary(BinaryOperator.Add, new Variable(index!), Constant.Int(coordinate.Index)),
                _ => new Binary(BinaryOperator.Subtract, new Variable(index!), Constant.Int(-coordinate.Index)),
            }
            : Constant.Int(coordinate.Index);
        var start = offsets[coordinate.Parameter];
        if (start is Constant)
        {
            return within;
        }

        return within is Constant { Value: 0.0 } ? start : new Binary(BinaryOperator.Add, start, within);
    }

    private Expr Bind(Expr entry, string preferred, List<Stmt> output)
    {
        // A leaf is kept as it is unless it names a local, which a later statement may assign (∂(p·x₀)/∂x₀ is p).
        if (Build.IsLeaf(entry) && !IrWalker.ReadNames(entry).Any(localTypes.ContainsKey))
        {
            return entry;
        }

        var name = scope.Fresh(preferred);
        output.Add(new Declare(name, IrType.Double, entry));
        return new Variable(name);
    }

    private Partials Seen(Coordinate coordinate)
    {
        seen.Add(coordinate);
        return Partials.Of(coordinate);
    }

    /// <summary>A coordinate as C#: x[i + 1], x[0], s.</summary>
    private string Describe(Coordinate coordinate)
    {
        var parameter = active[coordinate.Parameter].Name;
        return active[coordinate.Parameter].Type == IrType.Double ? parameter
            : !coordinate.Relative ? $"{parameter}[{coordinate.Index.ToString(CultureInfo.InvariantCulture)}]"
            : coordinate.Index == 0 ? $"{parameter}[{index}]"
            : coordinate.Index > 0 ? $"{parameter}[{index} + {coordinate.Index.ToString(CultureInfo.InvariantCulture)}]"
            : $"{parameter}[{index} - {(-coordinate.Index).ToString(CultureInfo.InvariantCulture)}]";
    }

    /// <summary>A coordinate in a name: 0, 1, m1 for x[i], x[i + 1], x[i − 1]; x3 for x[3]; the name of a scalar.</summary>
    private string Label(Coordinate coordinate)
    {
        var parameter = active[coordinate.Parameter];
        if (parameter.Type == IrType.Double)
        {
            return parameter.Name;
        }

        var number = coordinate.Index < 0 ? "m" + (-coordinate.Index).ToString(CultureInfo.InvariantCulture) : coordinate.Index.ToString(CultureInfo.InvariantCulture);
        return coordinate.Relative ? (active.Count == 1 ? number : parameter.Name + "_" + number) : parameter.Name + number;
    }

    /// <summary>
    /// The partials of a statement's value. Large intermediate partials and operands are bound to temporaries before the
    /// statement (they read only what it reads), so the expressions stay small; never inside a branch of a conditional,
    /// which the statement may not evaluate.
    /// </summary>
    private Partials? DeriveStatement(Expr value, List<Stmt> output)
    {
        bound.Clear();
        binder = output;
        try
        {
            return Derive(value, true, 0);
        }
        finally
        {
            binder = null;
        }
    }

    /// <summary>The statement's value reading the temporaries just bound for its partials (a call computed once): the same value.</summary>
    private Expr Reuse(Expr value) => bound.Count == 0 ? value : IrWalker.Rewrite(value, node => bound.TryGetValue(node, out var temporary) ? temporary : null);

    /// <summary>An expression larger than this many nodes is bound to a temporary where binding is allowed.</summary>
    private const int BindAbove = 24;

    private readonly Dictionary<Expr, Variable> bound = new();

    private List<Stmt>? binder;

    /// <summary>A call (computed once, not once per partial that needs it) or a large expression, bound to a temporary.</summary>
    private Expr Shrink(Expr expression)
    {
        if (binder is null || Build.IsLeaf(expression))
        {
            return expression;
        }

        if (bound.TryGetValue(expression, out var temporary))
        {
            return temporary;
        }

        if (Nodes(expression) <= BindAbove && !IrWalker.Nodes(expression).Any(n => n is Call))
        {
            return expression;
        }

        // The calls inside first, each bound once; none under a ?:, && or ||, whose operands the statement may skip (an
        // argument may read an array out of range there, or divide by zero).
        var rebuilt = BindCalls(expression, 0);
        return rebuilt is not Variable && Nodes(rebuilt) > BindAbove ? Temporary(rebuilt) : rebuilt;
    }

    private Expr BindCalls(Expr expression, int depth)
    {
        StackGuard.Enter(depth);
        if (expression is Conditional or Binary { Operator: BinaryOperator.And or BinaryOperator.Or })
        {
            return expression;
        }

        var children = IrWalker.Children(expression).ToList();
        var rebuilt = children.Count == 0 ? expression : IrWalker.WithChildren(expression, children.Select(child => BindCalls(child, depth + 1)).ToList());
        return rebuilt is Call ? Temporary(rebuilt) : rebuilt;
    }

    // Named for what they hold: exp, sqrt for a call; p for a part of a partial.
    private Variable Temporary(Expr expression)
    {
        if (bound.TryGetValue(expression, out var temporary))
        {
            return temporary;
        }

        // A call keeps its own type (Math.Sign, or Max of ints, is an int that later arithmetic divides as an int).
        var name = scope.Fresh(expression is Call call ? call.Function.ToString().ToLowerInvariant() : "p");
        var type = IsInteger(expression) ? IrType.Int32 : IrType.Double;
        if (type == IrType.Int32)
        {
            integerTemporaries.Add(name);
        }

        binder!.Add(new Declare(name, type, expression));
        return bound[expression] = new Variable(name);
    }

    // First partials only, where only they are asked for: the rules build second-order terms from first partials too.
    private static Partials? Order(bool second, Partials? partials) => second || partials is null ? partials : partials.FirstOnly;

    // The statement's own partials are left for Local to bind under their names (depth 0).
    private Partials? Shrink(Partials? partials, int depth)
    {
        if (partials is null || binder is null || depth == 0)
        {
            return partials;
        }

        foreach (var k in partials.First.Keys.ToList())
        {
            partials.First[k] = Shrink(partials.First[k]);
        }

        foreach (var pair in partials.Second.Keys.ToList())
        {
            partials.Second[pair] = Shrink(partials.Second[pair]);
        }

        return partials;
    }

    /// <summary>
    /// First partials (and second, when <paramref name="second"/>) of an expression, or null where it reads a
    /// differentiated parameter in a way not handled here.
    /// </summary>
    private Partials? Derive(Expr expression, bool second, int depth)
    {
        StackGuard.Enter(depth);
        switch (expression)
        {
            case Constant or ArrayLength or Opaque:
                return Partials.None;
            case Variable v when activeIndex.TryGetValue(v.Name, out var parameter):
                return active[parameter].Type == IrType.Double ? Seen(new Coordinate(parameter, false, 0)) : null;
            case Variable v:
                return locals.TryGetValue(v.Name, out var local) ? (second ? local : local.FirstOnly) : Partials.None;
            case ElementAccess e when activeIndex.TryGetValue(e.Array, out var parameter):
                return e.Indices.Count == 1 && Locate(parameter, e.Indices[0]) is { } coordinate ? Seen(coordinate) : null;
            case ElementAccess e:
                // Another array: a parameter not differentiated, or a local filled from no differentiated value.
                return e.Indices.Any(i => Reads(i)) ? null : Partials.None;
            case Unary { Operator: UnaryOperator.Negate } u:
                return Derive(u.Operand, second, depth + 1)?.Map(Negate);
            case Unary { Operator: UnaryOperator.Not }:
                return Partials.None;
            case Convert { Type: IrType.Double } c:
                return Derive(c.Operand, second, depth + 1);
            case Convert { Type: IrType.Int32 or IrType.Boolean }:
                return Partials.None;
            case Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b:
                return Sum(Derive(b.Left, second, depth + 1), Derive(b.Right, second, depth + 1), b.Operator == BinaryOperator.Subtract);
            case Binary { Operator: BinaryOperator.Multiply } b:
                // An operand appears in the partials only where the other one has some: bound only then. Integer operands
                // become doubles, so that a partial such as 3 / 2 is not integer division.
                return Derive(b.Left, second, depth + 1) is not { } left || Derive(b.Right, second, depth + 1) is not { } right ? null
                    : left.IsZero && right.IsZero ? Partials.None
                    : Shrink(Order(second, Product(right.IsZero ? AsDouble(b.Left) : Shrink(AsDouble(b.Left)), left.IsZero ? AsDouble(b.Right) : Shrink(AsDouble(b.Right)), left, right)), depth);
            case Binary { Operator: BinaryOperator.Divide } b:
                return Derive(b.Left, second, depth + 1) is not { } numerator || Derive(b.Right, second, depth + 1) is not { } denominator ? null
                    : numerator.IsZero && denominator.IsZero ? Partials.None
                    : Shrink(Order(second, Quotient(denominator.IsZero ? AsDouble(b.Left) : Shrink(AsDouble(b.Left)), Shrink(AsDouble(b.Right)), numerator, denominator)), depth);
            case Binary { Operator: >= BinaryOperator.Less }:
                // Comparisons and logical operators: Boolean, no partials.
                return Partials.None;
            case Call { Single: false } call:
                return Shrink(Order(second, Chain(call, second, depth)), depth);
            case Conditional c when ReadsElements(c.WhenTrue) || ReadsElements(c.WhenFalse):
                // An element read on one branch only may lie outside its array where the branch is not taken
                // (i > 0 ? x[i − 1] : 0): its row of H would not exist there.
                return null;
            case Conditional c:
                var outer = binder;
                binder = null;
                try
                {
                    return Choose(c, Derive(c.WhenTrue, second, depth + 1), Derive(c.WhenFalse, second, depth + 1));
                }
                finally
                {
                    binder = outer;
                }
            case UserCall or Invoke or TapePop:
                // Calls into user code may have effects: evaluated again inside partials they would repeat them.
                return null;
            default:
                // Remainders, float math: reading nothing active they are constants, else unsupported.
                return Reads(expression) ? null : Partials.None;
        }
    }

    /// <summary>∂f(u)/∂wₖ = Σⱼ fⱼ·uⱼₖ; ∂²/∂wₖ∂wₗ = Σⱼ (∂fⱼ/∂wₗ)·uⱼₖ + fⱼ·uⱼₖₗ, with ∂fⱼ/∂wₗ the first partials of the rule's expression.</summary>
    private Partials? Chain(Call call, bool second, int depth)
    {
        var arguments = new List<Partials>();
        foreach (var argument in call.Arguments)
        {
            if (Derive(argument, second, depth + 1) is not { } partials)
            {
                return null;
            }

            arguments.Add(partials);
        }

        var doubles = call.Arguments.Select(AsDouble).ToEquatableArray();
        var result = Partials.None;
        for (var j = 0; j < call.Arguments.Count; j++)
        {
            var argument = arguments[j];
            if (argument.IsZero || DerivativeRules.Partial(call.Function, doubles, j, e => e) is not { } partial)
            {
                continue;
            }

            // The rule's own partials first, from its expression; then the rule itself, bound if large.
            Partials? ofPartial = null;
            if (second && argument.First.Count > 0 && (ofPartial = Derive(partial, false, depth + 1)) is null)
            {
                return null;
            }

            partial = Shrink(partial);
            var term = argument.Map(entry => Times(partial, entry));
            if (ofPartial is not null)
            {
                // Σⱼ (∂fⱼ/∂wₗ)·uⱼₖ is symmetric in k and l only summed over j: one orientation, k ≤ l, for every j.
                foreach (var (l, dPartial) in ofPartial.First)
                {
                    foreach (var (k, uk) in argument.First.Where(f => f.Key.CompareTo(l) <= 0))
                    {
                        term.Add(k, l, Times(dPartial, uk));
                    }
                }
            }

            result = Sum(result, term, false)!;
        }

        return result;
    }

    private static Partials? Sum(Partials? left, Partials? right, bool subtract)
    {
        if (left is null || right is null)
        {
            return null;
        }

        var result = left.Copy();
        foreach (var (k, entry) in right.First)
        {
            result.First[k] = result.First.TryGetValue(k, out var existing) ? (subtract ? Minus(existing, entry) : Plus(existing, entry)) : (subtract ? Negate(entry) : entry);
        }

        foreach (var (pair, entry) in right.Second)
        {
            result.Second[pair] = result.Second.TryGetValue(pair, out var existing) ? (subtract ? Minus(existing, entry) : Plus(existing, entry)) : (subtract ? Negate(entry) : entry);
        }

        return result.WithoutZeros();
    }

    /// <summary>(uv)ₖ = uₖv + uvₖ; (uv)ₖₗ = uₖₗv + uₖvₗ + uₗvₖ + uvₖₗ.</summary>
    private static Partials? Product(Expr u, Expr v, Partials? du, Partials? dv)
    {
        if (du is null || dv is null)
        {
            return null;
        }

        var result = du.Map(entry => Times(entry, v));
        result = Sum(result, dv.Map(entry => Times(u, entry)), false)!;
        foreach (var (k, uk) in du.First)
        {
            foreach (var (l, vl) in dv.First)
            {
                // uₖvₗ + uₗvₖ: each ordered pair once, so the diagonal's two equal terms as one doubled.
                var ordered = k.CompareTo(l) <= 0 ? (k, l) : (l, k);
                result.Add(ordered.Item1, ordered.Item2, k.Equals(l) ? Times(Constant.Of(2.0), Times(uk, vl)) : Times(uk, vl));
            }
        }

        return result.WithoutZeros();
    }

    /// <summary>q = u/v: qₖ = (uₖ − q·vₖ)/v; qₖₗ = (uₖₗ − qₖvₗ − qₗvₖ − q·vₖₗ)/v (no v², which overflows past |v| ≈ 1e154).</summary>
    private static Partials? Quotient(Expr u, Expr v, Partials? du, Partials? dv)
    {
        if (du is null || dv is null)
        {
            return null;
        }

        // qₖ = (uₖ − q·vₖ)/v, as forward mode: (q/v)·vₖ underflows where q/v is past the double range and vₖ brings
        // it back (a sigmoid's or softplus's Hessian at |z| = 400 came out with the wrong sign, or 1 for ≈ 0).
        var q = Over(u, v);
        var first = new SortedDictionary<Coordinate, Expr>();
        foreach (var k in du.First.Keys.Union(dv.First.Keys))
        {
            var numerator = du.First.TryGetValue(k, out var uk) ? uk : Constant.Zero;
            first[k] = dv.First.TryGetValue(k, out var vk) ? Over(Minus(numerator, Times(q, vk)), v) : Over(numerator, v);
        }

        var second = new SortedDictionary<(Coordinate, Coordinate), Expr>();
        var keys = first.Keys.ToList();
        for (var a = 0; a < keys.Count; a++)
        {
            for (var b = a; b < keys.Count; b++)
            {
                var (k, l) = (keys[a], keys[b]);
                Expr numerator = du.Second.TryGetValue((k, l), out var ukl) ? ukl : Constant.Zero;
                if (dv.First.TryGetValue(l, out var vl))
                {
                    numerator = Minus(numerator, Times(first[k], vl));
                }

                if (dv.First.TryGetValue(k, out var vk2))
                {
                    numerator = Minus(numerator, Times(first[l], vk2));
                }

                if (dv.Second.TryGetValue((k, l), out var vkl))
                {
                    numerator = Minus(numerator, Times(q, vkl));
                }

                second[(k, l)] = Over(numerator, v);
            }
        }

        return new Partials(first, second).WithoutZeros();
    }

    private static Partials? Choose(Conditional c, Partials? whenTrue, Partials? whenFalse)
    {
        if (whenTrue is null || whenFalse is null)
        {
            return null;
        }

        var first = new SortedDictionary<Coordinate, Expr>();
        foreach (var k in whenTrue.First.Keys.Union(whenFalse.First.Keys))
        {
            first[k] = new Conditional(c.Condition, whenTrue.First.TryGetValue(k, out var t) ? t : Constant.Zero, whenFalse.First.TryGetValue(k, out var f) ? f : Constant.Zero);
        }

        var second = new SortedDictionary<(Coordinate, Coordinate), Expr>();
        foreach (var pair in whenTrue.Second.Keys.Union(whenFalse.Second.Keys))
        {
            second[pair] = new Conditional(c.Condition, whenTrue.Second.TryGetValue(pair, out var t) ? t : Constant.Zero, whenFalse.Second.TryGetValue(pair, out var f) ? f : Constant.Zero);
        }

        return new Partials(first, second);
    }

    /// <summary>An integer-valued operand as a double: an integer constant as a double constant, anything else converted.</summary>
    private Expr AsDouble(Expr operand) => operand switch
    {
        Constant { Type: IrType.Int32 } c => Constant.Of(c.Value),
        _ when IsInteger(operand) => new Convert(IrType.Double, operand),
        _ => operand,
    };

    /// <summary>
    /// Whether an expression is int-valued, as C# types it (<see cref="TypeEnvironment.TypeOf"/>, over the names this class
    /// adds too): int constants, lengths, loop indices, int locals, parameters and fields, elements of int arrays, int
    /// calls (Sign; Abs, Max and Min of ints), int conditionals, and int arithmetic of them.
    /// </summary>
    private bool IsInteger(Expr expression, int depth = 0)
    {
        StackGuard.Enter(depth);
        return expression switch
        {
            Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder } b =>
                IsInteger(b.Left, depth + 1) && IsInteger(b.Right, depth + 1),
            Unary { Operator: UnaryOperator.Negate } u => IsInteger(u.Operand, depth + 1),
            Conditional c => IsInteger(c.WhenTrue, depth + 1) && IsInteger(c.WhenFalse, depth + 1),
            Constant c => c.Type == IrType.Int32,
            ArrayLength => true,
            Convert c => c.Type == IrType.Int32,
            Variable v => integerTemporaries.Contains(v.Name) || (types.Contains(v.Name) && types[v.Name] == IrType.Int32),
            ElementAccess e => types.Contains(e.Array) && types[e.Array] == IrType.Int32Array,
            Call { Function: MathFunction.Sign } => true,
            Call { Function: MathFunction.Abs or MathFunction.Max or MathFunction.Min } c => c.Arguments.All(argument => IsInteger(argument, depth + 1)),
            _ => false,
        };
    }

    /// <summary>Where a float value can come from: a float constant, name, conversion or MathF call.</summary>
    private static bool IsFloat(Expr node, TypeEnvironment types) => node switch
    {
        Constant c => c.Type == IrType.Single,
        Variable v => types.Contains(v.Name) && types[v.Name] == IrType.Single,
        Convert c => c.Type == IrType.Single,
        Call c => c.Single,
        _ => false,
    };

    /// <summary>Whether an expression reads a differentiated parameter or a local that carries partials.</summary>
    private bool Reads(Expr expression) => IrWalker.Nodes(expression).Any(n =>
        (n is Variable v && (activeIndex.ContainsKey(v.Name) || (locals.TryGetValue(v.Name, out var p) && !p.IsZero))) || (n is ElementAccess e && activeIndex.ContainsKey(e.Array)));

    private bool ReadsElements(Expr expression) => IrWalker.Nodes(expression).Any(n => n is ElementAccess e && activeIndex.ContainsKey(e.Array));

    /// <summary>The coordinate of an element read at a constant index, or at i, i + c, c + i or i − c inside the loop; null otherwise.</summary>
    private Coordinate? Locate(int parameter, Expr at) =>
        at is Constant { Type: IrType.Int32 } k && k.Value >= 0 ? new Coordinate(parameter, false, (int)k.Value)
        : index is not null && HessianBand.Offset(at, index) is { } offset ? new Coordinate(parameter, true, offset)
        : null;

    private static bool Small(Partials partials) =>
        partials.First.Values.Concat(partials.Second.Values).All(e => Nodes(e) <= MaxEntryNodes);

    /// <summary>Nodes of an expression tree, counted without recursion and up to just past the budget.</summary>
    private static int Nodes(Expr root)
    {
        var pending = new Stack<Expr>();
        pending.Push(root);
        var count = 0;
        while (pending.Count > 0 && count <= MaxEntryNodes)
        {
            count++;
            foreach (var child in IrWalker.Children(pending.Pop()))
            {
                pending.Push(child);
            }
        }

        return count;
    }

    // Build's folding of structural zeros and ones, and two double constants folded into one (the same IEEE operation
    // the JIT would do, so the printed round-trip constant is exact).
    private static Expr Minus(Expr a, Expr b) => a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb ? Constant.Of(ca.Value - cb.Value) : Build.Sub(a, b);

    // Constants to the left (c·u, not u·c; −u for u·(−1)): the same products, fewer shapes to print.
    private static Expr Times(Expr a, Expr b) =>
        a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb ? Constant.Of(ca.Value * cb.Value)
        : b is Constant { Type: IrType.Double } ? Build.Mul(b, a)
        : Build.Mul(a, b);

    private static Expr Over(Expr a, Expr b) => a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb && cb.Value != 0.0 ? Constant.Of(ca.Value / cb.Value) : Build.Div(a, b);

    // −(c·u) as (−c)·u: the same value, printed without the parentheses.
    private static Expr Negate(Expr e) =>
        e is Binary { Operator: BinaryOperator.Multiply, Left: Constant { Type: IrType.Double } c } product ? Times(Constant.Of(-c.Value), product.Right) : Build.Neg(e);

    // A term added to itself (uₖvₗ + uₗvₖ where u is v) is doubled instead: u + u is 2·u exactly.
    private static Expr Plus(Expr a, Expr b) =>
        a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb ? Constant.Of(ca.Value + cb.Value)
        : !Build.IsZero(a) && (a.Equals(b) || Commuted(a, b)) ? Times(Constant.Of(2.0), a)
        : !Build.IsZero(a) && b is Binary { Operator: BinaryOperator.Multiply, Left: Constant { Type: IrType.Double, Value: < 0.0 } c } product
            ? Build.Sub(a, Times(Constant.Of(-c.Value), product.Right))
        : Build.Add(a, b);

    // u·v and v·u: the same product (IEEE multiplication commutes), so their sum is 2·(u·v) exactly.
    private static bool Commuted(Expr a, Expr b) =>
        a is Binary { Operator: BinaryOperator.Multiply } x && b is Binary { Operator: BinaryOperator.Multiply } y && x.Left.Equals(y.Right) && x.Right.Equals(y.Left);

    /// <summary>A scalar parameter (index 0), an element at a constant index, or an element at the loop index + an offset.</summary>
    private readonly record struct Coordinate(int Parameter, bool Relative, int Index) : System.IComparable<Coordinate>
    {
        public int CompareTo(Coordinate other) =>
            Parameter != other.Parameter ? Parameter.CompareTo(other.Parameter)
            : Relative != other.Relative ? Relative.CompareTo(other.Relative)
            : Index.CompareTo(other.Index);
    }

    /// <summary>The nonzero first partials (coordinate → expression) and second partials ((k, l), k ≤ l) of a value.</summary>
    private sealed class Partials
    {
        public Partials(SortedDictionary<Coordinate, Expr> first, SortedDictionary<(Coordinate, Coordinate), Expr> second)
        {
            First = first;
            Second = second;
        }

        public static Partials None => new(new SortedDictionary<Coordinate, Expr>(), new SortedDictionary<(Coordinate, Coordinate), Expr>());

        public SortedDictionary<Coordinate, Expr> First { get; }

        public SortedDictionary<(Coordinate, Coordinate), Expr> Second { get; }

        public bool IsZero => First.Count == 0 && Second.Count == 0;

        public Partials FirstOnly => new(First, new SortedDictionary<(Coordinate, Coordinate), Expr>());

        public static Partials Of(Coordinate coordinate)
        {
            var result = None;
            result.First[coordinate] = Constant.One;
            return result;
        }

        public Partials Copy() => new(new SortedDictionary<Coordinate, Expr>(First), new SortedDictionary<(Coordinate, Coordinate), Expr>(Second));

        public Partials Map(System.Func<Expr, Expr> map)
        {
            var result = None;
            foreach (var (k, entry) in First)
            {
                result.First[k] = map(entry);
            }

            foreach (var (pair, entry) in Second)
            {
                result.Second[pair] = map(entry);
            }

            return result.WithoutZeros();
        }

        public void Add(Coordinate k, Coordinate l, Expr entry) => Second[(k, l)] = Second.TryGetValue((k, l), out var existing) ? Plus(existing, entry) : entry;

        public Partials WithoutZeros()
        {
            foreach (var k in First.Where(f => Build.IsZero(f.Value)).Select(f => f.Key).ToList())
            {
                First.Remove(k);
            }

            foreach (var pair in Second.Where(s => Build.IsZero(s.Value)).Select(s => s.Key).ToList())
            {
                Second.Remove(pair);
            }

            return this;
        }
    }
}
