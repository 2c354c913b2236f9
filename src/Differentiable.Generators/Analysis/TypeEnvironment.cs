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

    public IrType TypeOf(Expr expression) => expression switch
    {
        Constant c => c.Type,
        Variable v => types[v.Name],
        ElementAccess e => types[e.Array].ElementType(),
        ArrayLength => IrType.Int32,
        Unary { Operator: UnaryOperator.Not } => IrType.Boolean,
        Unary u => TypeOf(u.Operand),
        Binary b => b.Operator switch
        {
            BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Remainder =>
                Promote(TypeOf(b.Left), TypeOf(b.Right)),
            _ => IrType.Boolean,
        },
        Call { Single: true } c => c.Function == MathFunction.Sign ? IrType.Int32 : IrType.Single,
        Call c => c.Function switch
        {
            MathFunction.Sign => IrType.Int32,
            MathFunction.Abs or MathFunction.Max or MathFunction.Min when AllInt(c) => IrType.Int32,
            _ => IrType.Double,
        },
        Conditional c => TypeOf(c.WhenTrue) is IrType.Int32 or IrType.Double or IrType.Single ? Promote(TypeOf(c.WhenTrue), TypeOf(c.WhenFalse)) : TypeOf(c.WhenTrue),
        Convert c => c.Type,
        NewArray n => n.Type,
        TapePop p => p.Type,
        Opaque o => o.Type,
        UserCall or Invoke or OutArgument => IrType.Double,
        _ => IrType.Double,
    };

    /// <summary>C#'s arithmetic promotion: double wins, then float, then int.</summary>
    private static IrType Promote(IrType left, IrType right) =>
        left == IrType.Double || right == IrType.Double ? IrType.Double
        : left == IrType.Single || right == IrType.Single ? IrType.Single
        : IrType.Int32;

    private bool AllInt(Call call)
    {
        foreach (var argument in call.Arguments)
        {
            if (TypeOf(argument) != IrType.Int32)
            {
                return false;
            }
        }

        return true;
    }

    private void AddLoopVariables(Block block)
    {
        foreach (var loop in IrWalker.Statements(block).OfType<For>())
        {
            types[loop.Variable] = IrType.Int32;
        }
    }
}
