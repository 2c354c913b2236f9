using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Rules;
using static Differentiable.Generators.Rules.Build;

namespace Differentiable.Generators.Emit;

/// <summary>
/// The Jacobian of a fully unrolled array-valued method, as straight-line code: forward mode with one seed per input
/// element, all seeds known at compile time, so each intermediate carries only its nonzero partials (a sparse
/// tangent) and structural zeros are never computed. For a 3×3 rotation R·v the result is nine assignments per
/// parameter block, no loops.
/// </summary>
internal sealed class StraightLineJacobian
{
    private const string Assembly = "global::Differentiable.Runtime.JacobianAssembly";

    private readonly MethodModel model;
    private readonly TypeEnvironment types;
    private readonly ActivityAnalysis activity;
    private readonly NameScope scope;
    private readonly CodeWriter writer;
    private readonly CSharpPrinter printer;

    /// <summary>Names no step assigns (parameters, their components, the partials bound so far): partials may read them late.</summary>
    private readonly HashSet<string> unchanging;
    private readonly Dictionary<string, Dictionary<string, Expr>> slots = new(System.StringComparer.Ordinal);
    /// <summary>Seeded input elements: the parameter and the element's column (generated code), by key.</summary>
    private readonly Dictionary<string, (string Parameter, string Column)> columns = new(System.StringComparer.Ordinal);

    private StraightLineJacobian(CodeWriter writer, MethodModel model, TypeEnvironment types, ActivityAnalysis activity)
    {
        this.writer = writer;
        this.model = model;
        this.types = types;
        this.activity = activity;
        printer = new CSharpPrinter(writer);
        scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        var assigned = new HashSet<string>(IrWalker.Statements(model.Body).OfType<Assign>().Select(a => a.Target).OfType<Variable>().Select(v => v.Name), System.StringComparer.Ordinal);
        unchanging = new HashSet<string>(
            model.Parameters.Select(p => p.Name).Concat(model.Parameters.SelectMany(p => p.Components.AsImmutableArray())).Where(n => !assigned.Contains(n)),
            System.StringComparer.Ordinal);
    }

    /// <summary>Straight-line code with constant indices, no branches or calls, and a result of constant size.</summary>
    public static bool CanWrite(MethodModel model, TypeEnvironment types, ActivityAnalysis activity)
    {
        if (ResultDimensions(model) is null)
        {
            return false;
        }

        foreach (var statement in IrWalker.Statements(model.Body))
        {
            if (statement is For or While or Ir.If)
            {
                return false;
            }

            // The seeds follow names: a second name for an array (var y = x; var w = result) or a parameter assigned again
            // (c = c * c) would carry partials this form does not track. Those methods take the sweeps instead.
            if (statement is Declare { Initializer: { } initializer } declaration && declaration.Type.IsArray() && initializer is not NewArray
                || statement is Assign { Target: Variable target } && (types[target.Name].IsArray() || model.Parameters.Any(p => p.Name == target.Name)))
            {
                return false;
            }

            var expressions = statement switch
            {
                Declare { Initializer: { } value } => new[] { value },
                Assign a => new[] { a.Target, a.Value },
                Return r => new[] { r.Value },
                _ => System.Array.Empty<Expr>(),
            };
            foreach (var expression in expressions)
            {
                // Only the nodes Tangent has a rule for: any other would get no partials, a silent zero.
                if (IrWalker.Nodes(expression).Any(n => n is not (Constant or Variable or ElementAccess or ArrayLength or Unary or Convert or Binary or Ir.Call or Conditional or NewArray)
                    || (n is ElementAccess e && e.Indices.Any(i => i is not Constant))))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public static void Write(CodeWriter writer, MethodModel model, TypeEnvironment types, ActivityAnalysis activity, List<ParameterModel> active) =>
        new StraightLineJacobian(writer, model, types, activity).Write(active);

    private void Write(List<ParameterModel> active)
    {
        var result = ((Variable)((Return)model.Body.Statements[model.Body.Statements.Count - 1]).Value).Name;
        var dimensions = ResultDimensions(model)!;
        var rows = dimensions.Aggregate(1, (a, b) => a * b);

        writer.Line("/// <summary>");
        writer.Line($"/// Computes <c>{model.Name}</c> and its Jacobian with respect to each differentiated parameter (∂vec(result)/∂vec(p), column-major).");
        writer.Line("/// Every loop was unrolled at compile time: this is straight-line forward mode with one seed per input element,");
        writer.Line("/// computing only the entries that are not structurally zero.");
        writer.Line("/// </summary>");
        writer.Line(CompanionEmitter.GeneratedCode);
        var elements = string.Join(", ", active.Select(p => $"global::Differentiable.Jacobian {NameScope.DerivativeElement(p.Name)}"));
        writer.Line($"{model.Accessibility} static ({CompanionEmitter.PublicResultType(model)} Value, {elements}) {model.Name}Jacobian({CompanionEmitter.Parameters(model)})");
        writer.Line("{");
        writer.Indent();
        writer.Line("// The computation, each step preceded by the nonzero partials of what it assigns.");
        foreach (var statement in model.Body.Statements.Take(model.Body.Statements.Count - 1))
        {
            Step(statement);
        }

        var names = new List<string>();
        foreach (var parameter in active)
        {
            var matrix = scope.Fresh("j" + parameter.Name);
            names.Add(matrix);
            var width = parameter.Type == IrType.Double ? "1" : parameter.IsComposite ? JacobianEmitter.Count(parameter) : $"{parameter.Name}.Length";
            writer.Line($"// ∂{result}/∂vec({parameter.Name}): only the structurally nonzero entries are written.");
            writer.Line($"var {matrix} = new double[{rows.ToString(CultureInfo.InvariantCulture)}, {width}];");
            for (var row = 0; row < rows; row++)
            {
                var indices = dimensions.Length == 1
                    ? EquatableArray.Create<Expr>(Constant.Int(row))
                    : EquatableArray.Create<Expr>(Constant.Int(row % dimensions[0]), Constant.Int(row / dimensions[0]));
                if (!slots.TryGetValue(Key(result, indices), out var tangent))
                {
                    continue;
                }

                foreach (var (column, entry) in tangent.OrderBy(t => t.Key, System.StringComparer.Ordinal))
                {
                    var (owner, at) = columns[column];
                    if (owner == parameter.Name)
                    {
                        writer.Line($"{matrix}[{row.ToString(CultureInfo.InvariantCulture)}, {at}] = {printer.Expression(entry)};");
                    }
                }
            }
        }

        var jacobians = active.Select((p, i) => $"new global::Differentiable.DenseJacobian({names[i]}, {Assembly}.Shape({result}), {JacobianEmitter.Shape(p)})");
        writer.Line($"return ({CompanionEmitter.PublicValue(model, result)}, {string.Join(", ", jacobians)});");
        writer.Unindent();
        writer.Line("}");
    }

    /// <summary>One statement: the nonzero partials of its value (bound where they read values a later step changes), then the statement.</summary>
    private void Step(Stmt statement)
    {
        switch (statement)
        {
            // float locals carry partials too (in double, as everywhere): System.Numerics locals are float components.
            case Declare { Initializer: { } value, Type: var type } d when type.IsReal():
                var declared = Bind(Tangent(value));
                printer.Write(statement);
                slots[d.Name] = declared;
                break;
            case Assign { Target: Variable v, Value: var value } when types[v.Name].IsReal():
                var assigned = Bind(Tangent(value));
                printer.Write(statement);
                slots[v.Name] = assigned;
                break;
            case Assign { Target: ElementAccess e, Value: var value } when types[e.Array] != IrType.Int32Array:
                var stored = Bind(Tangent(value));
                printer.Write(statement);
                slots[Key(e.Array, e.Indices)] = stored;
                break;
            default:
                printer.Write(statement);
                break;
        }
    }

    /// <summary>Partials that read locals are computed now, before a later step overwrites what they read.</summary>
    private Dictionary<string, Expr> Bind(Dictionary<string, Expr> tangent)
    {
        var bound = new Dictionary<string, Expr>(System.StringComparer.Ordinal);
        foreach (var (column, entry) in tangent.OrderBy(t => t.Key, System.StringComparer.Ordinal))
        {
            if (entry is Constant || IrWalker.ReadNames(entry).All(n => unchanging.Contains(n)))
            {
                bound[column] = entry;
                continue;
            }

            var name = scope.Fresh("d");
            writer.Line($"double {name} = {printer.Expression(entry)};");
            bound[column] = new Variable(name);
            unchanging.Add(name);
        }

        return bound;
    }

    /// <summary>The sparse tangent of an expression: column (an input element) → nonzero partial.</summary>
    private Dictionary<string, Expr> Tangent(Expr expression)
    {
        switch (expression)
        {
            case Variable v when model.Parameters.Any(p => p.IsActive && p.Name == v.Name && p.Type == IrType.Double):
                return Seed(v.Name, EquatableArray<Expr>.Empty);
            case Variable v when slots.TryGetValue(v.Name, out var local):
                return new Dictionary<string, Expr>(local, System.StringComparer.Ordinal);
            case Variable v when model.Parameters.FirstOrDefault(p => p.IsActive && p.Components.Contains(v.Name)) is { } owner:
                // A float parameter or a System.Numerics parameter's component the body has not assigned yet: its own column.
                columns[v.Name] = (owner.Name, ComponentLayout.Number(ComponentLayout.VecIndex(owner, owner.Components.AsImmutableArray().IndexOf(v.Name))));
                return new Dictionary<string, Expr>(System.StringComparer.Ordinal) { [v.Name] = Constant.One };
            case ElementAccess e when model.Parameters.Any(p => p.IsActive && p.Name == e.Array):
                return Seed(e.Array, e.Indices);
            case ElementAccess e when slots.TryGetValue(Key(e.Array, e.Indices), out var element):
                return new Dictionary<string, Expr>(element, System.StringComparer.Ordinal);
            case Unary { Operator: UnaryOperator.Negate } u:
                return Tangent(u.Operand).ToDictionary(t => t.Key, t => Neg(t.Value), System.StringComparer.Ordinal);
            case Convert { Type: IrType.Double or IrType.Single } c:
                return Tangent(c.Operand);
            case Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b:
                return Combine(Tangent(b.Left), Tangent(b.Right), (x, y) => b.Operator == BinaryOperator.Add ? Add(x, y) : Sub(x, y));
            case Binary { Operator: BinaryOperator.Multiply } b:
                return Combine(Scale(Tangent(b.Left), b.Right), Scale(Tangent(b.Right), b.Left), Add);
            case Binary { Operator: BinaryOperator.Divide } b:
                // ∂(l/r) = ∂l/r − ((l/r)·∂r)/r: neither l/(r·r) nor (l/r)/r, which overflow or underflow past |r| ≈ 1e±154
                // before ∂r brings the product back (a sigmoid's Jacobian at z = −400 came out 0)
                var byNumerator = Tangent(b.Left).ToDictionary(t => t.Key, t => Div(t.Value, b.Right), System.StringComparer.Ordinal);
                var byDenominator = Tangent(b.Right).ToDictionary(t => t.Key, t => Div(Mul(t.Value, Div(b.Left, b.Right)), b.Right), System.StringComparer.Ordinal);
                return Combine(byNumerator, byDenominator, Sub);
            case Binary { Operator: BinaryOperator.Remainder } b:
                // ∂(l % r) = ∂l − trunc(l/r)·∂r, as in forward mode.
                return Combine(Tangent(b.Left), Scale(Tangent(b.Right), Call(MathFunction.Truncate, Div(b.Left, b.Right))), Sub);
            case Call c:
                var total = new Dictionary<string, Expr>(System.StringComparer.Ordinal);
                for (var k = 0; k < c.Arguments.Count; k++)
                {
                    var argument = Tangent(c.Arguments[k]);
                    if (argument.Count > 0 && DerivativeRules.Partial(c.Function, c.Arguments, k, e => e, self: c) is { } partial)
                    {
                        total = Combine(total, Scale(argument, partial), Add);
                    }
                }

                return total;
            case Conditional c:
                var whenTrue = Tangent(c.WhenTrue);
                var whenFalse = Tangent(c.WhenFalse);
                return whenTrue.Keys.Union(whenFalse.Keys).ToDictionary(
                    k => k,
                    k => (Expr)new Conditional(c.Condition, whenTrue.TryGetValue(k, out var t) ? t : Constant.Zero, whenFalse.TryGetValue(k, out var f) ? f : Constant.Zero),
                    System.StringComparer.Ordinal);
            default:
                return new Dictionary<string, Expr>(System.StringComparer.Ordinal);
        }
    }

    private Dictionary<string, Expr> Seed(string parameter, EquatableArray<Expr> indices)
    {
        var key = Key(parameter, indices);
        columns[key] = (parameter, ColumnIndex(model.Parameters.First(p => p.Name == parameter), indices));
        return new Dictionary<string, Expr>(System.StringComparer.Ordinal) { [key] = Constant.One };
    }

    // A tangent of ±1 folds away against its factor, and with it the double it carried: 1·f·f ran in float
    // (0.010000000707805157 for f = 0.1f, not 0.010000000298023226), 1·n·n in int (overflowing at n = 100,000).
    private Dictionary<string, Expr> Scale(Dictionary<string, Expr> tangent, Expr factor) =>
        tangent.ToDictionary(
            t => t.Key,
            t => Mul(t.Value, t.Value is Constant { Value: 1.0 or -1.0, Type: IrType.Double } && types.TryTypeOf(factor) is IrType.Single or IrType.Int32
                ? new Convert(IrType.Double, factor)
                : factor),
            System.StringComparer.Ordinal);

    private static Dictionary<string, Expr> Combine(Dictionary<string, Expr> left, Dictionary<string, Expr> right, System.Func<Expr, Expr, Expr> combine)
    {
        var result = new Dictionary<string, Expr>(left, System.StringComparer.Ordinal);
        foreach (var (key, value) in right)
        {
            result[key] = result.TryGetValue(key, out var existing) ? combine(existing, value) : combine(Constant.Zero, value);
        }

        return result.Where(r => !IsZero(r.Value)).ToDictionary(r => r.Key, r => r.Value, System.StringComparer.Ordinal);
    }

    private static string Key(string array, EquatableArray<Expr> indices) =>
        indices.Count == 0 ? array : array + "[" + string.Join(",", indices.Select(i => ((int)((Constant)i).Value).ToString(CultureInfo.InvariantCulture))) + "]";

    private static string ColumnIndex(ParameterModel parameter, EquatableArray<Expr> indices) => indices.Count switch
    {
        0 => "0",
        1 => ((int)((Constant)indices[0]).Value).ToString(CultureInfo.InvariantCulture),
        _ => $"{((int)((Constant)indices[0]).Value).ToString(CultureInfo.InvariantCulture)} + {((int)((Constant)indices[1]).Value).ToString(CultureInfo.InvariantCulture)} * {parameter.Name}.GetLength(0)",
    };

    /// <summary>The constant dimensions of the returned array, when it is a local allocated once with constant sizes.</summary>
    private static int[]? ResultDimensions(MethodModel model)
    {
        if (model.ReturnType.IsReal() || model.Body.Statements.Count == 0
            || model.Body.Statements[model.Body.Statements.Count - 1] is not Return { Value: Variable result })
        {
            return null;
        }

        var name = result.Name;
        var allocations = IrWalker.Statements(model.Body).Where(s => (s is Declare d && d.Name == name) || (s is Assign { Target: Variable v } && v.Name == name)).ToList();
        if (allocations.Count != 1 || allocations[0] is not Declare { Initializer: NewArray array } || array.Dimensions.Any(d => d is not Constant))
        {
            return null;
        }

        return array.Dimensions.Select(d => (int)((Constant)d).Value).ToArray();
    }
}
