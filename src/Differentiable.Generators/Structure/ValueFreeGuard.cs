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
    /// begin, then the arrays' lengths), or null where the notation holds something they cannot vouch for: a shifted
    /// or banded index (its reach past the array is the method's exception), an int factor that may throw (n / k, which
    /// the Jacobian need not compute),
    /// a double local whose value never reaches the definition (it may have read out of range), or a result allocated
    /// with dimensions the companion cannot compute before the loops.
    /// </summary>
    /// <param name="print">Prints an int expression of the method (the result's lengths read from the extents).</param>
    /// <param name="extents">The result's extents, as printed locals.</param>
    public static List<string>? Conditions(IndexNotation notation, System.Func<Expr, string> print, IReadOnlyList<string> extents)
    {
        // A bound that may throw (n / k) is fine: the conditions compute every bound, in the method's order, as it does.
        if (notation.Extents is null || !notation.DefinitionReadsAll
            || notation.Definition.Nodes().Any(node => node is TensorShifted or TensorBanded or TensorBandedMatrix or TensorShiftedMatrix
                || node is TensorInteger integer && MayThrow(integer.Value)))
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

        foreach (var element in notation.Definition.Nodes().OfType<TensorElement>())
        {
            for (var k = 0; k < element.Indices.Length; k++)
            {
                Within(element.Indices[k], element.Indices.Length == 1 ? $"{element.Array}.Length" : $"{element.Array}.GetLength({k.ToString(CultureInfo.InvariantCulture)})");
            }
        }

        return conditions.Distinct().ToList();
    }

    /// <summary>An int computation that can throw: anything but constants, names and lengths (n / k, idx[0], n − 1 checked).</summary>
    private static bool MayThrow(Expr expression) => IrWalker.Nodes(expression).Any(node => node is not (Variable or Constant or ArrayLength));
}
