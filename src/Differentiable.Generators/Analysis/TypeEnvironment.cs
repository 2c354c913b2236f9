using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Analysis;

/// <summary>The IR type of every name in a method, and the type of any expression built from them.</summary>
internal sealed class TypeEnvironment
{
    private readonly Dictionary<string, IrType> types = new(System.StringComparer.Ordinal);

    public TypeEnvironment(MethodModel model)
    {
        foreach (var parameter in model.Parameters)
        {
            if (parameter.Type is { } type)
            {
                types[parameter.Name] = type;
            }

            foreach (var component in parameter.Components)
            {
                types[component] = IrType.Single;
            }
        }

        foreach (var local in model.Locals)
        {
            types[local.Name] = local.Type;
        }

        foreach (var external in model.Externals)
        {
            types[external.Name] = external.Type;
        }

        AddLoopVariables(model.Body);
    }

    /// <summary>Every name the method's body and parameters use.</summary>
    public IEnumerable<string> Names => types.Keys;

    public bool Contains(string name) => types.ContainsKey(name);

    public IrType this[string name] => types[name];

    public IrType TypeOf(Expr expression) =>
        TypeOf(expression, types) ?? throw new KeyNotFoundException("A name of the expression has no type: " + string.Join(", ", IrWalker.ReadNames(expression).Where(n => !types.ContainsKey(n))));

    /// <summary>The expression's type, or null where some name has none (a name a transformation made).</summary>
    public IrType? TryTypeOf(Expr expression) => TypeOf(expression, types);

    /// <summary>The type C# gives an expression over names of the given types; null where some name has none.</summary>
    public static IrType? TypeOf(Expr expression, IReadOnlyDictionary<string, IrType> types) => expression switch
    {
        Constant c => c.Type,
        Variable v => types.TryGetValue(v.Name, out var type) ? type : null,
        ElementAccess e => types.TryGetValue(e.Array, out var array) ? array.ElementType() : null,
        ArrayLength => IrType.Int32,
        Unary { Operator: UnaryOperator.Not } => IrType.Boolean,
        Unary u => TypeOf(u.Operand, types),
        Binary b => b.Operator switch
        {
            BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder =>
                Promote(TypeOf(b.Left, types), TypeOf(b.Right, types)),
            _ => IrType.Boolean,
        },
        Call { Single: true } c => c.Function == MathFunction.Sign ? IrType.Int32 : IrType.Single,
        Call c => c.Function switch
        {
            MathFunction.Sign => IrType.Int32,
            MathFunction.Abs or MathFunction.Max or MathFunction.Min => AllInt(c, types),
            _ => IrType.Double,
        },
        Conditional c => TypeOf(c.WhenTrue, types) is IrType.Int32 or IrType.Double or IrType.Single ? Promote(TypeOf(c.WhenTrue, types), TypeOf(c.WhenFalse, types)) : TypeOf(c.WhenTrue, types),
        Convert c => c.Type,
        NewArray n => n.Type,
        TapePop p => p.Type,
        Opaque o => o.Type,
        UserCall or Invoke or OutArgument => IrType.Double,
        _ => IrType.Double,
    };

    /// <summary>C#'s arithmetic promotion: double wins, then float, then int; null if either is unknown.</summary>
    private static IrType? Promote(IrType? left, IrType? right) =>
        left is null || right is null ? null
        : left == IrType.Double || right == IrType.Double ? IrType.Double
        : left == IrType.Single || right == IrType.Single ? IrType.Single
        : IrType.Int32;

    /// <summary>Int for |·|, min and max of ints only, double otherwise; null if an argument's type is unknown.</summary>
    private static IrType? AllInt(Call call, IReadOnlyDictionary<string, IrType> types)
    {
        foreach (var argument in call.Arguments)
        {
            var type = TypeOf(argument, types);
            if (type is null)
            {
                return null;
            }

            if (type != IrType.Int32)
            {
                return IrType.Double;
            }
        }

        return IrType.Int32;
    }

    private void AddLoopVariables(Block block)
    {
        foreach (var loop in IrWalker.Statements(block).OfType<For>())
        {
            types[loop.Variable] = IrType.Int32;
        }
    }
}
