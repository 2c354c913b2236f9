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
/// The Hessian of a windowed sum (the pattern of <see cref="HessianBand"/>: <c>f += term(x[i + c₀], …, x[i + cₘ])</c>
/// over a loop) assembled from element Hessians, as a hand-written Rosenbrock Hessian is: each iteration derives the
/// second partials of its term over its window symbolically (forward over forward, every local carrying its first and
/// second partials as expressions) and adds them into H[i + cₖ, i + cₗ]. One sweep computes the value and H, where the
/// compressed columns need one Hessian-vector product per colour. The entries of H[p, q] and H[q, p] are added from one
/// temporary in the same order, so H is exactly symmetric without averaging.
/// </summary>
internal sealed class ElementHessian
{
    // A derivative expression larger than this (nodes, before printing) sends the method back to compressed columns.
    private const int MaxEntryNodes = 600;

    private readonly string x;
    private readonly string index;
    private readonly string hessian;
    private readonly NameScope scope;
    private readonly Dictionary<string, Partials> locals = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, IrType> localTypes = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, int> assignments = new(System.StringComparer.Ordinal);

    private ElementHessian(string x, string index, string hessian, NameScope scope)
    {
        this.x = x;
        this.index = index;
        this.hessian = hessian;
        this.scope = scope;
    }

    /// <summary>
    /// The whole body of <c>{F}Hessian</c> (value and H in one sweep), or null when the method is not a windowed sum of
    /// terms this class can differentiate twice (then the Hessian comes from compressed Hessian-vector products).
    /// </summary>
    public static Block? Body(MethodModel model, TypeEnvironment types)
    {
        if (HessianBand.Of(model) is null)
        {
            return null;
        }

        // HessianBand has checked the shape: declarations, the loop, return of the sum.
        var statements = model.Body.Statements;
        var sum = ((Variable)((Return)statements[statements.Count - 1]).Value).Name;
        var loop = (For)statements[statements.Count - 2];
        var x = model.Parameters.Single(p => p.IsActive).Name;
        var scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        var size = scope.Fresh("size");
        var hessian = scope.Fresh("hessian");
        var builder = new ElementHessian(x, loop.Variable, hessian, scope);
        List<Stmt>? iteration;
        try
        {
            iteration = builder.Iteration(loop.Body, sum);
        }
        catch (CodeTooComplexException)
        {
            iteration = null;
        }

        if (iteration is null)
        {
            return null;
        }

        var body = new List<Stmt>
        {
            new Declare(size, IrType.Int32, new ArrayLength(x, -1)),
            new Declare(hessian, IrType.DoubleMatrix, new NewArray(IrType.DoubleMatrix, EquatableArray.Create<Expr>(new Variable(size), new Variable(size)))),
        };
        body.AddRange(statements.Take(statements.Count - 2));
        body.Add(new Comment($"Element Hessians: each iteration's term reads {x}[{loop.Variable} + c] for c in a window; its second partials over the window (derived at compile time, forward over forward) are added into H[{loop.Variable} + c, {loop.Variable} + c′]."));
        body.Add(loop with { Body = new Block(iteration.ToEquatableArray()) });
        body.Add(new Return(new Tuple(EquatableArray.Create<Expr>(new Variable(sum), new Variable(hessian)))));
        return new Block(body.ToEquatableArray());
    }

    /// <summary>The loop body with the partials of each local bound before it and the element Hessian of each term added after it.</summary>
    private List<Stmt>? Iteration(Block body, string sum)
    {
        var output = new List<Stmt>();
        foreach (var statement in body.Statements)
        {
            switch (statement)
            {
                case Declare { Initializer: null } declaration:
                    localTypes[declaration.Name] = declaration.Type;
                    locals[declaration.Name] = Partials.None;
                    output.Add(statement);
                    break;
                case Declare { Initializer: { } value } declaration:
                    localTypes[declaration.Name] = declaration.Type;
                    if (!Local(declaration.Name, declaration.Type, value, statement, output))
                    {
                        return null;
                    }

                    break;
                case Assign { Target: Variable target, Value: Binary added } when target.Name == sum:
                    if (Derive(added.Right, true, 0) is not { } term || !Small(term))
                    {
                        return null;
                    }

                    output.Add(statement);
                    AddElementHessian(term, added.Operator == BinaryOperator.Subtract, output);
                    break;
                case Assign { Target: Variable target, Value: var value } when localTypes.TryGetValue(target.Name, out var type):
                    if (!Local(target.Name, type, value, statement, output))
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

        if (type != IrType.Double || Derive(value, true, 0) is not { } partials || !Small(partials))
        {
            return false;
        }

        // A local assigned again is named by its version: du2_0 is ∂u₂/∂x[i] for the second value of u.
        assignments[name] = assignments.TryGetValue(name, out var count) ? count + 1 : 1;
        var version = assignments[name] == 1 ? name : name + assignments[name].ToString(CultureInfo.InvariantCulture);
        if (partials.First.Values.Concat(partials.Second.Values).Any(e => !Build.IsLeaf(e)))
        {
            output.Add(new Comment($"∂{name}/∂{x}[{index} + c] and ∂²{name}/∂{x}[{index} + c]∂{x}[{index} + c′] that are not constants"));
        }

        var first = new SortedDictionary<int, Expr>();
        foreach (var (k, entry) in partials.First)
        {
            first[k] = Bind(entry, $"d{version}_{Label(k)}", output);
        }

        var second = new SortedDictionary<(int, int), Expr>();
        foreach (var (pair, entry) in partials.Second)
        {
            second[pair] = Bind(entry, $"d2{version}_{Label(pair.Item1)}_{Label(pair.Item2)}", output);
        }

        output.Add(statement);
        locals[name] = new Partials(first, second);
        return true;
    }

    /// <summary>H[i + k, i + l] += ∂²term/∂x[i + k]∂x[i + l] for k ≤ l, and the same temporary into H[i + l, i + k].</summary>
    private void AddElementHessian(Partials term, bool subtracted, List<Stmt> output)
    {
        if (term.Second.Count > 0)
        {
            output.Add(new Comment("the term's second partials into H (the product, quotient and chain rules applied twice)"));
        }

        foreach (var ((k, l), entry) in term.Second)
        {
            var value = k == l ? entry : Bind(entry, $"h_{Label(k)}_{Label(l)}", output);
            output.Add(Accumulate(k, l, value, subtracted));
            if (k != l)
            {
                output.Add(Accumulate(l, k, value, subtracted));
            }
        }
    }

    private Stmt Accumulate(int row, int column, Expr value, bool subtracted)
    {
        var target = new ElementAccess(hessian, EquatableArray.Create(At(row), At(column)));
        return new Assign(target, subtracted ? Build.Sub(target, value) : Build.Add(target, value));
    }

    private Expr At(int offset) => offset switch
    {
        0 => new Variable(index),
        > 0 => new Binary(BinaryOperator.Add, new Variable(index), Constant.Int(offset)),
        _ => new Binary(BinaryOperator.Subtract, new Variable(index), Constant.Int(-offset)),
    };

    private Expr Bind(Expr entry, string preferred, List<Stmt> output)
    {
        if (Build.IsLeaf(entry))
        {
            return entry;
        }

        var name = scope.Fresh(preferred);
        output.Add(new Declare(name, IrType.Double, entry));
        return new Variable(name);
    }

    private static string Label(int offset) => offset < 0 ? "m" + (-offset).ToString(CultureInfo.InvariantCulture) : offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// First partials (and second, when <paramref name="second"/>) of an expression over the window, or null where it
    /// reads x or an active value in a way not handled here.
    /// </summary>
    private Partials? Derive(Expr expression, bool second, int depth)
    {
        StackGuard.Enter(depth);
        switch (expression)
        {
            case Constant or ArrayLength or Opaque:
                return Partials.None;
            case Variable v when v.Name == x:
                return null;
            case Variable v:
                return locals.TryGetValue(v.Name, out var local) ? (second ? local : local.FirstOnly) : Partials.None;
            case ElementAccess e when e.Array == x:
                return e.Indices.Count == 1 && Offset(e.Indices[0]) is { } offset
                    ? new Partials(new SortedDictionary<int, Expr> { [offset] = Constant.One }, new SortedDictionary<(int, int), Expr>())
                    : null;
            case ElementAccess e:
                // Another array: a parameter not differentiated, or a local filled before the loop from no element of x.
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
                return Product(b.Left, b.Right, Derive(b.Left, second, depth + 1), Derive(b.Right, second, depth + 1));
            case Binary { Operator: BinaryOperator.Divide } b:
                return Quotient(b.Left, b.Right, Derive(b.Left, second, depth + 1), Derive(b.Right, second, depth + 1));
            case Binary { Operator: >= BinaryOperator.Less }:
                // Comparisons and logical operators: Boolean, no partials.
                return Partials.None;
            case Call { Single: false } call:
                return Chain(call, second, depth);
            case Conditional c when ReadsElements(c.WhenTrue) || ReadsElements(c.WhenFalse):
                // An element read only on one branch may lie outside x where the branch is not taken (i > 0 ? x[i − 1] : 0):
                // its row of H would not exist there.
                return null;
            case Conditional c:
                return Choose(c, Derive(c.WhenTrue, second, depth + 1), Derive(c.WhenFalse, second, depth + 1));
            default:
                // Remainders, float math, calls into user code: reading nothing active they are constants, else unsupported.
                return Reads(expression) ? null : Partials.None;
        }
    }

    /// <summary>∂f(u)/∂wₖ = Σⱼ fⱼ·uⱼₖ; ∂²/∂wₖ∂wₗ = Σⱼ (∂fⱼ/∂wₗ)·uⱼₖ + fⱼ·uⱼₖₗ, with ∂fⱼ/∂wₗ the first partials of the rule's expression.</summary>
    private Partials? Chain(Call call, bool second, int depth)
    {
        var result = Partials.None;
        for (var j = 0; j < call.Arguments.Count; j++)
        {
            if (Derive(call.Arguments[j], second, depth + 1) is not { } argument)
            {
                return null;
            }

            if (argument.IsZero || DerivativeRules.Partial(call.Function, call.Arguments, j, e => e) is not { } partial)
            {
                continue;
            }

            var term = argument.Map(entry => Times(partial, entry));
            if (second && argument.First.Count > 0)
            {
                if (Derive(partial, false, depth + 1) is not { } ofPartial)
                {
                    return null;
                }

                // Σⱼ (∂fⱼ/∂wₗ)·uⱼₖ is symmetric in k and l only summed over j: one orientation, k ≤ l, for every j.
                foreach (var (l, dPartial) in ofPartial.First)
                {
                    foreach (var (k, uk) in argument.First.Where(f => f.Key <= l))
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
                result.Add(System.Math.Min(k, l), System.Math.Max(k, l), k == l ? Times(Constant.Of(2.0), Times(uk, vl)) : Times(uk, vl));
            }
        }

        return result.WithoutZeros();
    }

    /// <summary>q = u/v: qₖ = uₖ/v − (u/v²)·vₖ; qₖₗ = (uₖₗ − qₖvₗ − qₗvₖ − q·vₖₗ)/v.</summary>
    private static Partials? Quotient(Expr u, Expr v, Partials? du, Partials? dv)
    {
        if (du is null || dv is null)
        {
            return null;
        }

        var first = new SortedDictionary<int, Expr>();
        var ratio = Over(u, Times(v, v));
        foreach (var k in du.First.Keys.Union(dv.First.Keys))
        {
            var byNumerator = du.First.TryGetValue(k, out var uk) ? Over(uk, v) : Constant.Zero;
            first[k] = dv.First.TryGetValue(k, out var vk) ? Minus(byNumerator, Times(ratio, vk)) : byNumerator;
        }

        var second = new SortedDictionary<(int, int), Expr>();
        var q = Over(u, v);
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

        var first = new SortedDictionary<int, Expr>();
        foreach (var k in whenTrue.First.Keys.Union(whenFalse.First.Keys))
        {
            first[k] = new Conditional(c.Condition, whenTrue.First.TryGetValue(k, out var t) ? t : Constant.Zero, whenFalse.First.TryGetValue(k, out var f) ? f : Constant.Zero);
        }

        var second = new SortedDictionary<(int, int), Expr>();
        foreach (var pair in whenTrue.Second.Keys.Union(whenFalse.Second.Keys))
        {
            second[pair] = new Conditional(c.Condition, whenTrue.Second.TryGetValue(pair, out var t) ? t : Constant.Zero, whenFalse.Second.TryGetValue(pair, out var f) ? f : Constant.Zero);
        }

        return new Partials(first, second);
    }

    /// <summary>Whether an expression reads x or a local that carries partials.</summary>
    private bool Reads(Expr expression) => IrWalker.Nodes(expression).Any(n =>
        (n is Variable v && (v.Name == x || (locals.TryGetValue(v.Name, out var p) && !p.IsZero))) || (n is ElementAccess e && e.Array == x));

    private bool ReadsElements(Expr expression) => IrWalker.Nodes(expression).Any(n => n is ElementAccess e && e.Array == x);

    /// <summary>c for an index i, i + c, c + i or i − c (c an int constant); null otherwise.</summary>
    private int? Offset(Expr at) => at switch
    {
        Variable v when v.Name == index => 0,
        Binary { Operator: BinaryOperator.Add, Left: Variable v, Right: Constant { Type: IrType.Int32 } c } when v.Name == index => (int)c.Value,
        Binary { Operator: BinaryOperator.Add, Left: Constant { Type: IrType.Int32 } c, Right: Variable v } when v.Name == index => (int)c.Value,
        Binary { Operator: BinaryOperator.Subtract, Left: Variable v, Right: Constant { Type: IrType.Int32 } c } when v.Name == index => -(int)c.Value,
        _ => null,
    };

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
            switch (pending.Pop())
            {
                case Unary u:
                    pending.Push(u.Operand);
                    break;
                case Binary b:
                    pending.Push(b.Left);
                    pending.Push(b.Right);
                    break;
                case Convert c:
                    pending.Push(c.Operand);
                    break;
                case Conditional c:
                    pending.Push(c.Condition);
                    pending.Push(c.WhenTrue);
                    pending.Push(c.WhenFalse);
                    break;
                case Call c:
                    foreach (var argument in c.Arguments)
                    {
                        pending.Push(argument);
                    }

                    break;
                case ElementAccess e:
                    foreach (var i in e.Indices)
                    {
                        pending.Push(i);
                    }

                    break;
            }
        }

        return count;
    }

    // Build's folding of structural zeros and ones, and two double constants folded into one (the same IEEE operation
    // the JIT would do, so the printed round-trip constant is exact).
    // −(c·u) as (−c)·u: the same value, printed without the parentheses.
    private static Expr Negate(Expr e) =>
        e is Binary { Operator: BinaryOperator.Multiply, Left: Constant { Type: IrType.Double } c } product ? Times(Constant.Of(-c.Value), product.Right) : Build.Neg(e);

    // A term added to itself (uₖvₗ + uₗvₖ where u is v) is doubled instead: u + u is 2·u exactly.
    private static Expr Plus(Expr a, Expr b) =>
        a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb ? Constant.Of(ca.Value + cb.Value)
        : !Build.IsZero(a) && a.Equals(b) ? Times(Constant.Of(2.0), a)
        : Build.Add(a, b);

    private static Expr Minus(Expr a, Expr b) => a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb ? Constant.Of(ca.Value - cb.Value) : Build.Sub(a, b);

    private static Expr Times(Expr a, Expr b) => a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb ? Constant.Of(ca.Value * cb.Value) : Build.Mul(a, b);

    private static Expr Over(Expr a, Expr b) => a is Constant { Type: IrType.Double } ca && b is Constant { Type: IrType.Double } cb && cb.Value != 0.0 ? Constant.Of(ca.Value / cb.Value) : Build.Div(a, b);

    /// <summary>The nonzero first partials (offset → expression) and second partials ((k, l), k ≤ l) of a value.</summary>
    private sealed class Partials
    {
        public Partials(SortedDictionary<int, Expr> first, SortedDictionary<(int, int), Expr> second)
        {
            First = first;
            Second = second;
        }

        public static Partials None => new(new SortedDictionary<int, Expr>(), new SortedDictionary<(int, int), Expr>());

        public SortedDictionary<int, Expr> First { get; }

        public SortedDictionary<(int, int), Expr> Second { get; }

        public bool IsZero => First.Count == 0 && Second.Count == 0;

        public Partials FirstOnly => new(First, new SortedDictionary<(int, int), Expr>());

        public Partials Copy() => new(new SortedDictionary<int, Expr>(First), new SortedDictionary<(int, int), Expr>(Second));

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

        public void Add(int k, int l, Expr entry) => Second[(k, l)] = Second.TryGetValue((k, l), out var existing) ? Plus(existing, entry) : entry;

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
