using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Structure;

/// <summary>
/// The band of a Hessian, read from index notation: a scalar function of one vector x whose value is a sum over a loop,
/// <c>f = c; for (i …) { locals of the iteration; f += term; } return f;</c>, where every element the iteration reads is
/// <c>x[i + c]</c> for constants c, couples x[p] and x[q] only where both lie in one window: H[p, q] = 0 for
/// |p − q| &gt; max c − min c. Nothing else may carry a value from one iteration to the next or read x outside the loop
/// (a running product, or x[0] read before it, couples everything).
/// </summary>
internal static class HessianBand
{
    /// <summary>The half-bandwidth w (H[p, q] = 0 for |p − q| &gt; w), or null when the body is not a windowed sum.</summary>
    public static int? Of(MethodModel model)
    {
        var active = model.Parameters.Where(p => p.IsActive).ToList();
        if (model.ReturnType != IrType.Double || active.Count != 1 || active[0].Type != IrType.DoubleArray || active[0].IsComposite)
        {
            return null;
        }

        var x = active[0].Name;
        var statements = model.Body.Statements;
        if (statements.Count < 3
            || statements[statements.Count - 1] is not Return { Value: Variable { Name: var sum } }
            || statements[statements.Count - 2] is not For { Body: var body, Variable: var i })
        {
            return null;
        }

        // Before the loop: declarations that read no element of x; the sum among them, starting at a constant.
        var sumStarts = false;
        foreach (var statement in statements.Take(statements.Count - 2))
        {
            if (statement is not Declare declaration || (declaration.Initializer is { } initializer && Touches(initializer, x)))
            {
                return null;
            }

            if (declaration.Name == sum)
            {
                sumStarts = declaration.Type == IrType.Double && declaration.Initializer is Constant;
            }
        }

        var loop = (For)statements[statements.Count - 2];
        if (!sumStarts || Touches(loop.Lower, x) || Touches(loop.Upper, x))
        {
            return null;
        }

        // The iteration: straight-line code over its own locals, adding into the sum, which it never reads otherwise.
        var ownLocals = new HashSet<string>(System.StringComparer.Ordinal);
        var offsets = new List<int>();
        foreach (var statement in body.Statements)
        {
            Expr value;
            switch (statement)
            {
                case Declare { Initializer: var initializer } declaration when declaration.Name != sum:
                    ownLocals.Add(declaration.Name);
                    if (initializer is null)
                    {
                        continue;
                    }

                    value = initializer;
                    break;
                case Assign { Target: Variable target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } added }
                    when target.Name == sum && added.Left == target:
                    value = added.Right;
                    break;
                case Assign { Target: Variable target } assignment when ownLocals.Contains(target.Name):
                    value = assignment.Value;
                    break;
                default:
                    return null;
            }

            if (IrWalker.ReadNames(value).Contains(sum) || !WindowOffsets(value, x, i, offsets))
            {
                return null;
            }
        }

        return offsets.Count == 0 ? 0 : offsets.Max() - offsets.Min();
    }

    /// <summary>Whether an expression reads x's elements or hands x itself anywhere (its length is fine).</summary>
    private static bool Touches(Expr expression, string x) =>
        IrWalker.Nodes(expression).Any(n => n is Variable v && v.Name == x || n is ElementAccess e && e.Array == x);

    /// <summary>Adds the offset c of every x[i + c] the expression reads; false if it reads x any other way.</summary>
    private static bool WindowOffsets(Expr expression, string x, string i, List<int> offsets)
    {
        foreach (var node in IrWalker.Nodes(expression))
        {
            switch (node)
            {
                case Variable v when v.Name == x:
                    return false;
                case ElementAccess e when e.Array == x:
                    if (e.Indices.Count != 1 || Offset(e.Indices[0], i) is not { } offset)
                    {
                        return false;
                    }

                    offsets.Add(offset);
                    break;
            }
        }

        return true;
    }

    /// <summary>c for an index i, i + c, c + i or i − c (c an int constant); null otherwise.</summary>
    internal static int? Offset(Expr index, string i) => index switch
    {
        Variable v when v.Name == i => 0,
        Binary { Operator: BinaryOperator.Add, Left: Variable v, Right: Constant { Type: IrType.Int32 } c } when v.Name == i => (int)c.Value,
        Binary { Operator: BinaryOperator.Add, Left: Constant { Type: IrType.Int32 } c, Right: Variable v } when v.Name == i => (int)c.Value,
        Binary { Operator: BinaryOperator.Subtract, Left: Variable v, Right: Constant { Type: IrType.Int32 } c } when v.Name == i => -(int)c.Value,
        _ => null,
    };
}
