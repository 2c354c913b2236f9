using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Unrolling;

/// <summary>
/// Unrolls loops whose trip counts are known at compile time (literal or const bounds, lengths of arrays allocated
/// with constant sizes), substituting each value of the loop variable and folding integer arithmetic, index
/// comparisons and branches that become constant. Locals declared in an unrolled body get one name per iteration,
/// so straight-line code overwrites nothing and its reverse sweep needs no tape. A budget bounds the product of the
/// trip counts of every unrolled nest (<see cref="DefaultMaxUnroll"/>, or the attribute's MaxUnroll; negative turns
/// unrolling off), and a second budget bounds the statements written, so a huge constant loop stays a loop.
/// </summary>
internal sealed class LoopUnroller
{
    /// <summary>The default budget: a 4×4×4 nest unrolls, a 100-iteration loop does not.</summary>
    public const int DefaultMaxUnroll = 64;

    /// <summary>At most this many statements are written by unrolling one method, whatever the trip counts.</summary>
    public const int MaxStatements = 4096;

    private readonly int budget;
    private readonly Dictionary<string, EquatableArray<Expr>> knownDimensions = new(System.StringComparer.Ordinal);
    private readonly HashSet<string> names;
    private readonly List<LocalModel> locals;
    private int written;
    private bool unrolledAny;

    /// <summary>
    /// Some iteration's int arithmetic divides by zero or overflows: as constants, C# would refuse it (CS0020, CS0220)
    /// or wrap where a checked build throws, so the loops stay loops and compute it at run time, as the method does.
    /// </summary>
    private bool faulted;

    private LoopUnroller(MethodModel model)
    {
        budget = model.MaxUnroll == 0 ? DefaultMaxUnroll : model.MaxUnroll;
        names = new HashSet<string>(model.Locals.Select(l => l.Name).Concat(model.Parameters.Select(p => p.Name)), System.StringComparer.Ordinal);
        locals = model.Locals.ToList();
        FindKnownDimensions(model.Body);
    }

    /// <summary>The model with its constant loops unrolled (itself when none is), and whether any loop remains.</summary>
    public static (MethodModel Model, bool LoopFree) Unroll(MethodModel model)
    {
        var unroller = new LoopUnroller(model);
        if (unroller.budget < 0)
        {
            return (model, !HasLoops(model.Body));
        }

        var statements = unroller.Rewrite(model.Body.Statements, new Dictionary<string, Expr>(System.StringComparer.Ordinal), multiplier: 1, depth: 0);
        if (!unroller.unrolledAny || unroller.written > MaxStatements || unroller.faulted)
        {
            return (model, !HasLoops(model.Body));
        }

        var body = new Block(statements.ToEquatableArray());

        // Locals renamed per iteration no longer appear under their original names: drop those, or they would be
        // declared and never used.
        var used = new HashSet<string>(IrWalker.Statements(body).SelectMany(Names), System.StringComparer.Ordinal);
        var locals = unroller.locals.Where(l => used.Contains(l.Name)).ToEquatableArray();
        return (model with { Body = body, Locals = locals }, !HasLoops(body));
    }

    private static IEnumerable<string> Names(Stmt statement) => statement switch
    {
        Declare d => new[] { d.Name }.Concat(d.Initializer is null ? Enumerable.Empty<string>() : IrWalker.ReadNames(d.Initializer)),
        Assign a => IrWalker.ReadNames(a.Target).Concat(IrWalker.ReadNames(a.Value)),
        For f => new[] { f.Variable }.Concat(IrWalker.ReadNames(f.Lower)).Concat(IrWalker.ReadNames(f.Upper)),
        While w => IrWalker.ReadNames(w.Condition),
        If i => IrWalker.ReadNames(i.Condition),
        Return r => IrWalker.ReadNames(r.Value),
        _ => Enumerable.Empty<string>(),
    };

    private static bool HasLoops(Block body) => IrWalker.Statements(body).Any(s => s is For or While);

    /// <summary>Arrays allocated once with constant dimensions and never replaced: their lengths are constants.</summary>
    private void FindKnownDimensions(Block body)
    {
        var assignments = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare { Initializer: not null } d:
                    assignments[d.Name] = assignments.TryGetValue(d.Name, out var n) ? n + 1 : 1;
                    if (d.Initializer is NewArray array && array.Dimensions.All(x => Fold(x, new Dictionary<string, Expr>()) is Constant))
                    {
                        knownDimensions[d.Name] = array.Dimensions.Select(x => Fold(x, new Dictionary<string, Expr>())).ToEquatableArray();
                    }

                    break;
                case Assign { Target: Variable v }:
                    assignments[v.Name] = assignments.TryGetValue(v.Name, out var m) ? m + 1 : 1;
                    break;
            }
        }

        foreach (var (name, count) in assignments)
        {
            if (count > 1)
            {
                knownDimensions.Remove(name);
            }
        }
    }

    private List<Stmt> Rewrite(IEnumerable<Stmt> statements, Dictionary<string, Expr> substitution, int multiplier, int depth)
    {
        StackGuard.Enter(depth);
        var output = new List<Stmt>();
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case For loop when TripCount(loop, substitution) is { } trips && (long)trips * multiplier <= budget && written + trips <= MaxStatements:
                    unrolledAny = true;
                    var lower = (int)((Constant)Fold(loop.Lower, substitution)).Value;
                    var declared = IrWalker.Statements(loop.Body).OfType<Declare>().Select(d => d.Name).Distinct().ToList();
                    for (var k = 0; k < trips; k++)
                    {
                        var value = loop.Descending ? lower + trips - 1 - k : lower + k;
                        var inner = new Dictionary<string, Expr>(substitution, System.StringComparer.Ordinal) { [loop.Variable] = Constant.Int(value) };
                        foreach (var local in declared)
                        {
                            inner[local] = new Variable(Rename(Name(local, substitution), value));
                        }

                        output.AddRange(Rewrite(loop.Body.Statements, inner, multiplier * trips, depth + 1));
                    }

                    break;
                case For loop:
                    output.Add(new For(loop.Variable, Fold(loop.Lower, substitution), Fold(loop.Upper, substitution), loop.Descending,
                        new Block(Rewrite(loop.Body.Statements, substitution, multiplier, depth + 1).ToEquatableArray())));
                    break;
                case Block block:
                    // A nested block (the step a general for loop's lowering appends to its body: j += 1) is renamed with
                    // the rest; kept as it was, j named a local the unrolled copies had renamed (CS0103).
                    output.Add(new Block(Rewrite(block.Statements, substitution, multiplier, depth + 1).ToEquatableArray()));
                    break;
                case While loop:
                    output.Add(new While(Fold(loop.Condition, substitution), new Block(Rewrite(loop.Body.Statements, substitution, multiplier, depth + 1).ToEquatableArray())));
                    break;
                case If conditional:
                    var condition = Fold(conditional.Condition, substitution);
                    if (condition is Constant { Type: IrType.Boolean } known)
                    {
                        // A branch decided at compile time (δ_ij with known i, j): only the taken side remains.
                        var taken = known.Value != 0 ? conditional.Then : conditional.Else;
                        if (taken is not null)
                        {
                            output.AddRange(Rewrite(taken.Statements, substitution, multiplier, depth + 1));
                        }

                        break;
                    }

                    output.Add(new If(
                        condition,
                        new Block(Rewrite(conditional.Then.Statements, substitution, multiplier, depth + 1).ToEquatableArray()),
                        conditional.Else is null ? null : new Block(Rewrite(conditional.Else.Statements, substitution, multiplier, depth + 1).ToEquatableArray())));
                    break;
                case Declare d:
                    written++;
                    output.Add(new Declare(Name(d.Name, substitution), d.Type, d.Initializer is null ? null : Fold(d.Initializer, substitution)));
                    break;
                case Assign a:
                    written++;
                    output.Add(new Assign(Fold(a.Target, substitution), Fold(a.Value, substitution)));
                    break;
                case Return r:
                    written++;
                    output.Add(new Return(Fold(r.Value, substitution)));
                    break;
                default:
                    output.Add(statement);
                    break;
            }
        }

        return output;
    }

    private int? TripCount(For loop, Dictionary<string, Expr> substitution)
    {
        if (Fold(loop.Lower, substitution) is not Constant { Type: IrType.Int32 } lower || Fold(loop.Upper, substitution) is not Constant { Type: IrType.Int32 } upper)
        {
            return null;
        }

        return System.Math.Max(0, (int)upper.Value - (int)lower.Value);
    }

    /// <summary>
    /// A per-iteration name for a local declared in an unrolled body: a_0, a_1, … Each (local, iteration) is asked for
    /// once, so a name already in use belongs to another local (the parser names a second <c>next</c> next_2) and
    /// the copy takes the next free one.
    /// </summary>
    private string Rename(string local, int iteration)
    {
        var preferred = local + "_" + iteration.ToString(CultureInfo.InvariantCulture);
        var name = preferred;
        for (var suffix = 2; !names.Add(name); suffix++)
        {
            name = preferred + "_" + suffix.ToString(CultureInfo.InvariantCulture);
        }

        var type = locals.First(l => l.Name == local).Type;
        locals.Add(new LocalModel(name, type));
        return name;
    }

    private static string Name(string name, Dictionary<string, Expr> substitution) =>
        substitution.TryGetValue(name, out var renamed) && renamed is Variable v ? v.Name : name;

    /// <summary>Substitutes loop values and renamed locals, then folds integer arithmetic, lengths and comparisons.</summary>
    private Expr Fold(Expr expression, Dictionary<string, Expr> substitution)
    {
        switch (expression)
        {
            case Variable v when substitution.TryGetValue(v.Name, out var value):
                return value;
            case ElementAccess e:
                return new ElementAccess(Name(e.Array, substitution), e.Indices.Select(i => Fold(i, substitution)).ToEquatableArray());
            case ArrayLength l when knownDimensions.TryGetValue(l.Array, out var dimensions):
                return l.Dimension < 0
                    ? Constant.Int(dimensions.Aggregate(1, (product, d) => product * (int)((Constant)d).Value))
                    : dimensions[l.Dimension];
            case ArrayLength l:
                return new ArrayLength(Name(l.Array, substitution), l.Dimension);
            case Unary u:
                var operand = Fold(u.Operand, substitution);
                return (u.Operator, operand) switch
                {
                    (UnaryOperator.Not, Constant { Type: IrType.Boolean } b) => new Constant(b.Value != 0 ? 0 : 1, IrType.Boolean),
                    (UnaryOperator.Negate, Constant { Type: IrType.Int32 } i) => Constant.Int(-(int)i.Value),
                    _ => new Unary(u.Operator, operand),
                };
            case Binary b:
                var folded = FoldBinary(b.Operator, Fold(b.Left, substitution), Fold(b.Right, substitution));
                faulted |= folded is Binary { Left: Constant { Type: IrType.Int32 }, Right: Constant { Type: IrType.Int32 }, Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder };
                return folded;
            case Call c:
                // `with` keeps Single: a MathF call rebuilt as Math would compute in double and not compile into a float.
                return c with { Arguments = c.Arguments.Select(a => Fold(a, substitution)).ToEquatableArray() };
            case UserCall c:
                return new UserCall(c.Callee, c.Arguments.Select(a => Fold(a, substitution)).ToEquatableArray());
            case Conditional c:
                var condition = Fold(c.Condition, substitution);
                if (condition is Constant { Type: IrType.Boolean } known)
                {
                    return Fold(known.Value != 0 ? c.WhenTrue : c.WhenFalse, substitution);
                }

                return new Conditional(condition, Fold(c.WhenTrue, substitution), Fold(c.WhenFalse, substitution));
            case Convert c:
                return new Convert(c.Type, Fold(c.Operand, substitution));
            case NewArray n:
                return new NewArray(n.Type, n.Dimensions.Select(d => Fold(d, substitution)).ToEquatableArray());
            default:
                return expression;
        }
    }

    /// <summary>Integer arithmetic and comparisons of constants fold exactly; floating point is left as written.</summary>
    private static Expr FoldBinary(BinaryOperator op, Expr left, Expr right)
    {
        if (left is Constant { Type: IrType.Int32 } l && right is Constant { Type: IrType.Int32 } r)
        {
            int a = (int)l.Value, b = (int)r.Value;
            // Arithmetic that would overflow or divide by zero is left unfolded (the caller then keeps the loops).
            switch (op)
            {
                case BinaryOperator.Add when Fits((long)a + b): return Constant.Int(a + b);
                case BinaryOperator.Subtract when Fits((long)a - b): return Constant.Int(a - b);
                case BinaryOperator.Multiply when Fits((long)a * b): return Constant.Int(a * b);
                case BinaryOperator.Divide when b != 0 && !(a == int.MinValue && b == -1): return Constant.Int(a / b);
                case BinaryOperator.Remainder when b != 0 && !(a == int.MinValue && b == -1): return Constant.Int(a % b);
                case BinaryOperator.Less: return Bool(a < b);
                case BinaryOperator.LessOrEqual: return Bool(a <= b);
                case BinaryOperator.Greater: return Bool(a > b);
                case BinaryOperator.GreaterOrEqual: return Bool(a >= b);
                case BinaryOperator.Equal: return Bool(a == b);
                case BinaryOperator.NotEqual: return Bool(a != b);
            }
        }

        if (left is Constant { Type: IrType.Boolean } x && right is Constant { Type: IrType.Boolean } y)
        {
            switch (op)
            {
                case BinaryOperator.And: return Bool(x.Value != 0 && y.Value != 0);
                case BinaryOperator.Or: return Bool(x.Value != 0 || y.Value != 0);
            }
        }

        return new Binary(op, left, right);
    }

    private static Constant Bool(bool value) => new(value ? 1 : 0, IrType.Boolean);

    private static bool Fits(long value) => value >= int.MinValue && value <= int.MaxValue;
}
