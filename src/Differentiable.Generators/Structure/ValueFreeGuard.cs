using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Structure;

/// <summary>
/// When a structured Jacobian may be built without running the method (<c>FJacobianOnly</c>): the run-time conditions
/// under which the method runs every loop at least once and reads and writes only inside its arrays, so it would not
/// have thrown, and skipping it loses nothing but the value.
/// </summary>
internal static class ValueFreeGuard
{
    /// <summary>
    /// The conditions, printed in the order the method evaluates what they read (the loops' bounds in the order the loops
    /// begin, then the arrays' lengths), or null where the notation holds something they cannot vouch for: a periodic
    /// index ((i + 1) % n), an int factor that may throw (n / k, which the Jacobian need not compute),
    /// a double local whose value never reaches the definition (it may have read out of range), or a result allocated
    /// with dimensions the companion cannot compute before the loops.
    /// </summary>
    /// <param name="print">Prints an int expression of the method (the result's lengths read from the extents).</param>
    /// <param name="extents">The result's extents, as printed locals.</param>
    public static List<string>? Conditions(IndexNotation notation, System.Func<Expr, string> print, IReadOnlyList<string> extents)
    {
        // A bound that may throw (n / k) is fine: the conditions compute every bound, in the method's order, as it does.
        if (notation.Extents is null || !notation.DefinitionReadsAll
            || notation.Definition.Nodes().Any(node => node is TensorInteger integer && StructureEmitter.IntMayThrow(integer.Value)))
        {
            return null;
        }

        var conditions = new List<string>();
        // Every loop runs: the method then computes every bound and reads every array the definition reads.
        foreach (var index in notation.LoopOrder)
        {
            var (lower, upper) = notation.Ranges[index];
            if (lower is Constant { Value: var from } && upper is Constant { Value: var to })
            {
                if (from >= to)
                {
                    // Never runs: a constant false condition would leave the Jacobians unreachable (CS0162).
                    return null;
                }

                continue;
            }

            conditions.Add($"{print(lower)} < {print(upper)}");
        }

        void Within(string index, string length)
        {
            var (lower, upper) = notation.Ranges[index];
            if (lower is not Constant { Value: >= 0.0 })
            {
                conditions.Add($"{print(lower)} >= 0");
            }

            var bound = print(upper);
            if (bound != length && !(upper is Constant { Value: var to } && int.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var fixedLength) && to <= fixedLength))
            {
                conditions.Add($"{bound} <= {length}");
            }
        }

        // The method writes y[O] for O in the output ranges, and reads A[i, j] for i, j in theirs.
        for (var k = 0; k < notation.OutputIndices.Length; k++)
        {
            Within(notation.OutputIndices[k], extents[k]);
        }

        // A moved index (x[i + 1], x[n − 1 − i], x[i + j], X[i − a, j + b]) is affine in the loop variables, so its least
        // and greatest values are those the method computes at the corners of the loops' ranges: the index as the method
        // wrote it, at those corners.
        bool Moved(Expr? source, IEnumerable<(string Index, bool Negated)> terms, string length)
        {
            if (source is null)
            {
                return false;
            }

            Expr Corner(bool greatest)
            {
                var at = terms.ToDictionary(
                    t => t.Index,
                    t => t.Negated == greatest ? notation.Ranges[t.Index].Lower : new Binary(BinaryOperator.Subtract, notation.Ranges[t.Index].Upper, Constant.Int(1)),
                    System.StringComparer.Ordinal);
                return IrWalker.Rewrite(source, node => node is Variable v && at.TryGetValue(v.Name, out var value) ? value : null);
            }

            // The corners' sums in long: in int, x[i + k] at k = int.MaxValue wraps to a negative greatest index that
            // passes "< x.Length" (a helper's find). Each term keeps the method's int arithmetic; only the sums widen, so
            // a corner in [0, length) is the very index the method computes there.
            var leastCorner = Corner(greatest: false);
            if (Wide(leastCorner) is not { } least || Wide(Corner(greatest: true)) is not { } greatest)
            {
                return false;
            }

            // A least value of numbers alone (0 + 1, 1 − 1) is known now: no condition, or no way round the method.
            switch (Fold(leastCorner))
            {
                case < 0.0:
                    return false;
                case null:
                    conditions.Add($"{least} >= 0");
                    break;
            }

            conditions.Add($"{greatest} < {length}");
            return true;
        }

        // Sums and differences in long, their other terms as the method computes them in int; null past a few nodes.
        string? Wide(Expr index)
        {
            if (!Small(index))
            {
                return null;
            }

            string Term(Expr e, bool right) => e switch
            {
                Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b => right ? $"({Sum(b)})" : Sum(b),
                Constant => print(e),
                Variable or ArrayLength => $"(long){print(e)}",
                _ => $"(long)({print(e)})",
            };

            string Sum(Binary b) => $"{Term(b.Left, right: false)} {(b.Operator == BinaryOperator.Add ? "+" : "-")} {Term(b.Right, right: true)}";
            return index is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum ? Sum(sum) : Term(index, right: false);
        }

        bool Shifted(IndexShift shift, string length) =>
            shift.Modulus is null && (shift.Source is null && !shift.Reversed && shift.Offset is Constant { Value: 0.0 }
                ? Unmoved(shift.Index, length)
                : Moved(shift.Source, new[] { (shift.Index, shift.Reversed) }, length));

        bool Unmoved(string index, string length)
        {
            Within(index, length);
            return true;
        }

        static IEnumerable<(string, bool)> Terms(BandIndex index) =>
            index.Band is null ? new[] { (index.Index, false) } : new[] { (index.Index, false), (index.Band, index.Negated) };

        static string Length(string array, int k, int rank) =>
            rank == 1 ? $"{array}.Length" : $"{array}.GetLength({k.ToString(CultureInfo.InvariantCulture)})";

        foreach (var node in notation.Definition.Nodes())
        {
            var covered = node switch
            {
                TensorElement element => element.Indices.Select((index, k) => Unmoved(index, Length(element.Array, k, element.Indices.Length))).All(ok => ok),
                // A periodic index ((i + 1) % n) is not monotone: no corners bound it.
                TensorShifted shifted => shifted.Modulus is null && Moved(shifted.Source, new[] { (shifted.Index, shifted.Reversed) }, Length(shifted.Array, 0, 1)),
                TensorBanded banded => Moved(banded.Index.Source, Terms(banded.Index), Length(banded.Array, 0, 1)),
                TensorShiftedMatrix matrix => Shifted(matrix.Row, Length(matrix.Array, 0, 2)) && Shifted(matrix.Column, Length(matrix.Array, 1, 2)),
                TensorBandedMatrix matrix => Moved(matrix.Row.Source, Terms(matrix.Row), Length(matrix.Array, 0, 2)) && Moved(matrix.Column.Source, Terms(matrix.Column), Length(matrix.Array, 1, 2)),
                _ => true,
            };
            if (!covered)
            {
                return null;
            }
        }

        return conditions.Distinct().ToList();
    }

    /// <summary>An index of a few nodes, which the recursive <see cref="Fold"/> and <c>Wide</c> may walk.</summary>
    private static bool Small(Expr expression) => IrWalker.Nodes(expression).Take(33).Count() <= 32;

    /// <summary>The value of sums and differences of numbers (a <see cref="Small"/> index); null for anything else.</summary>
    private static double? Fold(Expr expression) => expression switch
    {
        Constant { Type: IrType.Int32 } c => c.Value,
        Binary { Operator: BinaryOperator.Add } b when Fold(b.Left) is { } left && Fold(b.Right) is { } right => left + right,
        Binary { Operator: BinaryOperator.Subtract } b when Fold(b.Left) is { } left && Fold(b.Right) is { } right => left - right,
        _ => null,
    };
}
