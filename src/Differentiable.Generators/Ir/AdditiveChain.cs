using System.Collections.Generic;

namespace Differentiable.Generators.Ir;

/// <summary>
/// A left-leaning chain <c>a ± b ± c ± …</c> as a flat list of signed terms, read without recursion: a sum of
/// thousands of terms must not deepen the generator's stack.
/// </summary>
internal static class AdditiveChain
{
    public static bool IsChain(Expr expression) => expression is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract };

    /// <summary>The terms in source order, each with true when it is subtracted.</summary>
    public static List<(Expr Term, bool Negated)> Terms(Expr expression)
    {
        var terms = new List<(Expr, bool)>();
        var current = expression;
        while (current is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b)
        {
            terms.Add((b.Right, b.Operator == BinaryOperator.Subtract));
            current = b.Left;
        }

        terms.Add((current, false));
        terms.Reverse();
        return terms;
    }
}
