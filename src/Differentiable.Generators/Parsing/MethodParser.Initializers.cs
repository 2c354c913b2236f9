using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Arrays written with their elements (<c>new[] { a, b }</c>, <c>new double[,] { { a, b }, { c, d } }</c>,
/// <c>double[] y = { a, b };</c>, <c>[a, b]</c>) become an allocation of constant size followed by one assignment per
/// element, which is what the rest of the pipeline reads: the elements are then ordinary element writes, and a result
/// of constant size gets its Jacobian as straight-line code.
/// </summary>
internal sealed partial class MethodParser
{
    /// <summary>Whether <paramref name="value"/> is an array written with its elements.</summary>
    private static bool IsInitializedArray(ExpressionSyntax value) => Unparenthesized(value) is ArrayCreationExpressionSyntax { Initializer: not null }
        or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax
        || value.Kind() == SyntaxKind.ArrayInitializerExpression;

    private static ExpressionSyntax Unparenthesized(ExpressionSyntax value)
    {
        while (value is ParenthesizedExpressionSyntax parenthesized)
        {
            value = parenthesized.Expression;
        }

        return value;
    }

    /// <summary>
    /// Declares (or assigns) <paramref name="array"/> as a new array of <paramref name="value"/>'s elements, in order.
    /// False when <paramref name="value"/> is not an array written with its elements.
    /// </summary>
    private bool TryParseInitializedArray(ExpressionSyntax value, IrType type, string array, bool declare, List<Stmt> output, int depth)
    {
        if (!IsInitializedArray(value))
        {
            return false;
        }

        value = Unparenthesized(value);
        var rows = ElementRows(value, type);
        if (rows is null)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, value, value.ToString(), "an array is written with its elements one by one ('[a, b]', 'new[] { a, b }'); a spread ('..x') or a nested collection is not supported: copy the elements in a loop");
            return true;
        }

        var values = rows.Select(row => row.Select(element => ParseExpression(element, depth + 1)).ToList()).ToList();
        if (!declare && values.SelectMany(row => row).Any(element => IrWalker.ReadNames(element).Contains(array)))
        {
            // Written in place, the first element would change what the later ones read: the new array gets a name of its own.
            var fresh = SyntheticLocal(array + "New", type);
            TrackParameterAlias(array, Fill(fresh, type, values, declare: true, output));
            output.Add(new Assign(new Variable(array), new Variable(fresh)));
            return true;
        }

        Fill(array, type, values, declare, output);
        return true;
    }

    /// <returns>The allocation: the array is a new one, whatever it referred to before.</returns>
    private NewArray Fill(string array, IrType type, List<List<Expr>> values, bool declare, List<Stmt> output)
    {
        var dimensions = type == IrType.DoubleMatrix
            ? EquatableArray.Create<Expr>(Constant.Int(values.Count), Constant.Int(values.Count == 0 ? 0 : values[0].Count))
            : EquatableArray.Create<Expr>(Constant.Int(values[0].Count));
        var allocation = new NewArray(type, dimensions);
        TrackParameterAlias(array, allocation);
        output.Add(declare ? new Declare(array, type, allocation) : new Assign(new Variable(array), allocation));
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = 0; j < values[i].Count; j++)
            {
                var indices = type == IrType.DoubleMatrix
                    ? EquatableArray.Create<Expr>(Constant.Int(i), Constant.Int(j))
                    : EquatableArray.Create<Expr>(Constant.Int(j));
                output.Add(new Assign(new ElementAccess(array, indices), values[i][j]));
            }
        }

        return allocation;
    }

    /// <summary>
    /// The elements by row (one row for a vector), or null where they are not written one by one. The compiler has
    /// checked that the rows of a matrix have the same length and that explicit sizes match.
    /// </summary>
    private static List<List<ExpressionSyntax>>? ElementRows(ExpressionSyntax value, IrType type)
    {
        if (value is CollectionExpressionSyntax collection)
        {
            return type != IrType.DoubleMatrix && collection.Elements.All(e => e is ExpressionElementSyntax)
                ? new List<List<ExpressionSyntax>> { collection.Elements.Select(e => ((ExpressionElementSyntax)e).Expression).ToList() }
                : null;
        }

        var initializer = value switch
        {
            ArrayCreationExpressionSyntax creation => creation.Initializer!,
            ImplicitArrayCreationExpressionSyntax implicitCreation => implicitCreation.Initializer,
            _ => (InitializerExpressionSyntax)value,
        };
        if (type != IrType.DoubleMatrix)
        {
            return new List<List<ExpressionSyntax>> { initializer.Expressions.ToList() };
        }

        var rows = new List<List<ExpressionSyntax>>();
        foreach (var row in initializer.Expressions)
        {
            if (row is not InitializerExpressionSyntax elements)
            {
                return null;
            }

            rows.Add(elements.Expressions.ToList());
        }

        return rows;
    }
}
