using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Structure;

/// <summary>One Kronecker factor: its rows run over output indices, its columns over input indices (vec order).</summary>
internal sealed record KroneckerGroup(string[] Rows, string[] Columns, List<TensorExpr> Factors, List<Delta> Deltas);

/// <summary>The structure of ∂vec(y)/∂vec(a), derived at compile time.</summary>
internal abstract record JacobianForm;

/// <summary>c·I: each output element is the input element it is tied to.</summary>
internal sealed record IdentityForm(double Coefficient, List<TensorExpr> Scalars) : JacobianForm;

/// <summary>diag(d) with d[O] = c·Π factors(O).</summary>
internal sealed record DiagonalForm(double Coefficient, List<TensorExpr> Scalars, List<TensorExpr> Factors) : JacobianForm;

/// <summary>The commutation matrix: y = aᵀ.</summary>
internal sealed record PermutationForm(double Coefficient, List<TensorExpr> Scalars) : JacobianForm;

/// <summary>
/// c·S: row i holds a 1 in column i + Offset (Offset − i when reversed), where that column exists. With a
/// <see cref="Column"/> shift, a matrix's: Y[i, j] reads X[i + Offset, j + Column.Offset] (S_column ⊗ S).
/// </summary>
/// <remarks>With a <see cref="Modulus"/>, a cyclic shift: column (i + Offset) % Modulus.</remarks>
internal sealed record ShiftForm(double Coefficient, List<TensorExpr> Scalars, Expr Offset, bool Reversed, IndexShift? Column = null, Expr? Modulus = null) : JacobianForm;

/// <summary>
/// c·T: constant diagonals, row i holding Π kernel factors(j) in column i + Offset + j (i + Offset − j when negated)
/// for each j of the band's range: Σ_j w[j]·x[i ± j], a correlation's or convolution's. With two axes, a matrix's:
/// Y[i, j] holding K[a, b] at X[i ± a + c, j ± b + d], an axis without a band index moved by its offset alone.
/// </summary>
internal sealed record ToeplitzForm(double Coefficient, List<TensorExpr> Scalars, List<BandAxis> Axes, BandSum Band) : JacobianForm;

/// <summary>One index of a band: the output index moved by <see cref="Offset"/> and ± <see cref="Band"/>, when there is one.</summary>
internal sealed record BandAxis(Expr Offset, string? Band, bool Negated);

/// <summary>c·(Left ⊗ Right).</summary>
internal sealed record KroneckerForm(double Coefficient, List<TensorExpr> Scalars, KroneckerGroup Left, KroneckerGroup Right) : JacobianForm;

/// <summary>diag(d)·Inner, with d[O] = Π row factors (the f′(u) of an elementwise function of a linear map).</summary>
internal sealed record DiagonalProductForm(List<TensorExpr> RowFactors, JacobianForm Inner) : JacobianForm;

internal sealed record SumForm(List<JacobianForm> Terms) : JacobianForm;

/// <summary>What the structure pass found for one differentiated parameter.</summary>
/// <param name="Inputs">The input index symbols (p, q) used in the form.</param>
/// <param name="Collapsed">Summed indices tied to input indices; their ranges must equal the input's dimensions.</param>
internal sealed record ParameterStructure(string Parameter, string[] Inputs, JacobianForm Form, List<Delta> Collapsed);

internal sealed record StructureResult(IndexNotation Notation, Dictionary<string, ParameterStructure> Parameters, TypeEnvironment Types)
{
    public ParameterStructure? For(string parameter) => Parameters.TryGetValue(parameter, out var form) ? form : null;
}

/// <summary>
/// The structure pass: reads the method as index notation, differentiates each output element with Kronecker
/// deltas, and recognizes identity, diagonal, permutation and Kronecker forms (possibly scaled by a row diagonal,
/// possibly summed). Parameters it cannot classify get a dense Jacobian; nothing is ever claimed that is not exact.
/// </summary>
internal static class StructurePass
{
    public static StructureResult? Analyze(MethodModel model, TypeEnvironment types, ActivityAnalysis activity)
    {
        var notation = SymbolicExecutor.Read(model, types);
        if (notation is null)
        {
            return null;
        }

        var scope = new NameScope(types.Names);
        var parameters = new Dictionary<string, ParameterStructure>(System.StringComparer.Ordinal);
        foreach (var parameter in model.Parameters.Where(p => p.IsActive && p.Type is IrType.DoubleArray or IrType.DoubleMatrix))
        {
            var inputs = parameter.Type == IrType.DoubleMatrix ? new[] { scope.Fresh("p"), scope.Fresh("q") } : new[] { scope.Fresh("p") };
            var monomials = IndexCalculus.Differentiate(notation.Definition, parameter.Name, inputs, notation.Ranges);
            if (monomials is null)
            {
                continue;
            }

            var forms = new List<JacobianForm>();
            foreach (var monomial in monomials)
            {
                var form = Classify(monomial, notation.OutputIndices, inputs);
                if (form is null)
                {
                    forms = null;
                    break;
                }

                forms.Add(form);
            }

            var matrix = notation.OutputIndices.Length == 2;
            if (forms is not null && notation.IsWindowed)
            {
                // Rows outside the loop are zero: only shifts carry that row window, so every term must become one.
                forms = forms.Select(f => ShiftByZero(f, matrix)).ToList();
                forms = forms.All(IsBand) ? Banded(forms) : null;
            }
            else if (forms is not null && forms.Any(IsBand))
            {
                // Beside a shift (x[i + 1] − x[i]: y shorter than x), the unshifted terms are shifts by 0, which need no
                // square shape; as identities or diagonals their size check fails and the whole Jacobian went dense.
                forms = forms.Select(f => ShiftByZero(f, matrix)).ToList();
                forms = forms.All(IsBand) ? Banded(forms) : null;
            }
            else if (forms is { Count: > 1 } && forms.All(f => f is DiagonalForm or IdentityForm))
            {
                // A sum of diagonals is one diagonal: d = Σ terms (x[i]·x[i] + sin(x[i]) → diag(2x + cos x)).
                forms = new List<JacobianForm> { new DiagonalForm(1.0, new List<TensorExpr>(), new List<TensorExpr> { forms.Select(Entry).Aggregate(Add) }) };
            }

            if (forms is { Count: > 0 })
            {
                var collapsed = monomials.SelectMany(m => m.Collapsed).ToList();
                parameters[parameter.Name] = new ParameterStructure(parameter.Name, inputs, forms.Count == 1 ? forms[0] : new SumForm(forms), collapsed);
            }
        }

        return new StructureResult(notation, parameters, types);
    }

    /// <summary>
    /// Stencil terms on one shift merged into one diagonal times it (w[i]·x[i + 1] + x[i]·x[i + 1] has diag(w + x)·S(1)),
    /// and a row factor every term shares taken out once: tanh(x[i] − 2x[i + 1] + x[i + 2]) is diag(tanh′)·(S(0) −
    /// 2S(1) + S(2)), with tanh′ computed once rather than per term.
    /// </summary>
    private static List<JacobianForm> Banded(List<JacobianForm> forms)
    {
        if (forms.Count < 2 || !forms.All(IsShift))
        {
            return forms;
        }

        var shared = forms.All(f => f is DiagonalProductForm p && p.RowFactors.SequenceEqual(((DiagonalProductForm)forms[0]).RowFactors))
            ? ((DiagonalProductForm)forms[0]).RowFactors
            : null;
        var bands = new List<JacobianForm>();
        foreach (var band in forms.GroupBy(f => (Shift(f).Offset, Shift(f).Reversed, Shift(f).Column, Shift(f).Modulus)))
        {
            var terms = band.ToList();
            if (terms.Count == 1)
            {
                bands.Add(shared is null ? terms[0] : Shift(terms[0]));
                continue;
            }

            // Σ c·Π scalars·Π row factors over the band's terms (without the shared ones, which stay outside).
            var entry = terms.Select(t => Scaled(Shift(t).Coefficient, Shift(t).Scalars
                    .Concat(shared is null && t is DiagonalProductForm p ? p.RowFactors : Enumerable.Empty<TensorExpr>())))
                .Aggregate(Add);
            var unit = new ShiftForm(1.0, new List<TensorExpr>(), band.Key.Offset, band.Key.Reversed, band.Key.Column, band.Key.Modulus);
            bands.Add(new DiagonalProductForm(new List<TensorExpr> { entry }, unit));
        }

        return shared is null ? bands : new List<JacobianForm> { new DiagonalProductForm(shared, bands.Count == 1 ? bands[0] : new SumForm(bands)) };
    }

    /// <summary>c·Π factors, without a factor 1 and with a negative c as a negation (exact): the entry reads as the derivation would.</summary>
    private static TensorExpr Scaled(double coefficient, IEnumerable<TensorExpr> factors)
    {
        var product = factors.Aggregate((TensorExpr?)null, (a, b) => a is null ? b : new TensorBinary(BinaryOperator.Multiply, a, b));
        return (coefficient, product) switch
        {
            (_, null) => new TensorConstant(coefficient),
            (1.0, _) => product,
            (< 0.0, _) => new TensorNegate(Scaled(-coefficient, new[] { product })),
            _ => new TensorBinary(BinaryOperator.Multiply, new TensorConstant(coefficient), product),
        };
    }

    /// <summary>
    /// Whether the form is built of shifts alone (through row diagonals and sums): its rows outside the output loop's
    /// range are zero rows of a window, so the loop need not cover y.
    /// </summary>
    public static bool IsShiftOnly(JacobianForm form) => form switch
    {
        ShiftForm or ToeplitzForm => true,
        DiagonalProductForm p => IsShiftOnly(p.Inner),
        SumForm s => s.Terms.All(IsShiftOnly),
        _ => false,
    };

    private static ShiftForm Shift(JacobianForm form) => form is DiagonalProductForm p ? (ShiftForm)p.Inner : (ShiftForm)form;

    private static bool IsShift(JacobianForm form) => form is ShiftForm or DiagonalProductForm { Inner: ShiftForm };

    /// <summary>A shift or a band of them (a correlation's): any shape, rows outside the loop zero.</summary>
    private static bool IsBand(JacobianForm form) => IsShift(form) || form is ToeplitzForm or DiagonalProductForm { Inner: ToeplitzForm };

    private static JacobianForm ShiftByZero(JacobianForm form, bool matrix)
    {
        // The column index's shift by 0 names no index: only the offsets and directions tell bands apart.
        var column = matrix ? new IndexShift(string.Empty, Constant.Int(0), false) : null;
        return form switch
        {
            IdentityForm i => new ShiftForm(i.Coefficient, i.Scalars, Constant.Int(0), Reversed: false, column),
            DiagonalForm d => new DiagonalProductForm(d.Factors, new ShiftForm(d.Coefficient, d.Scalars, Constant.Int(0), Reversed: false, column)),
            _ => form,
        };
    }

    /// <summary>The diagonal entry of an identity or diagonal form, as one expression.</summary>
    private static TensorExpr Entry(JacobianForm form)
    {
        var (coefficient, scalars, factors) = form switch
        {
            DiagonalForm d => (d.Coefficient, d.Scalars, d.Factors),
            IdentityForm i => (i.Coefficient, i.Scalars, new List<TensorExpr>()),
            _ => throw new System.InvalidOperationException("not diagonal"),
        };
        return Scaled(coefficient, scalars.Concat(factors));
    }

    /// <summary>a + b, or a − c where b is −c.</summary>
    private static TensorExpr Add(TensorExpr a, TensorExpr b) =>
        b is TensorNegate n ? new TensorBinary(BinaryOperator.Subtract, a, n.Operand) : new TensorBinary(BinaryOperator.Add, a, b);

    private static JacobianForm? Classify(Monomial term, string[] outputs, string[] inputs)
    {
        var indexed = new HashSet<string>(outputs.Concat(inputs));
        IEnumerable<string> Indices(TensorExpr f) => f.FreeIndices().Where(indexed.Contains);
        // A partition, not a set difference: a factor may occur twice ((v/d)·v/d has 1/d twice).
        var scalars = term.Factors.Where(f => !Indices(f).Any()).ToList();
        var factors = term.Factors.Where(f => Indices(f).Any()).ToList();
        var rowLike = factors.Where(f => Indices(f).All(outputs.Contains)).Concat(term.RowFactors).ToList();

        // Σ_j w[j]·x[i ± j + c] (or Σ_a Σ_b K[a, b]·X[i ± a + c, j ± b + d]): the band's factors vary with its indices alone
        // (a correlation's kernel), the rest with the output element alone. A factor of both (Σ_j A[i, j]·x[i + j]) varies
        // along the diagonals: not a Toeplitz band.
        if (term.Band is { } band)
        {
            var inOrder = term.Deltas.Count == outputs.Length && inputs.Length == outputs.Length && outputs.Length <= 2
                && term.Deltas.Select((d, k) => d.Index == outputs[k] && d.Input == inputs[k] && d.IsShifted && !d.Reversed && d.Modulus is null).All(ok => ok)
                && term.Deltas.Where(d => d.Band is not null).Select(d => d.Band!).OrderBy(b => b, System.StringComparer.Ordinal)
                    .SequenceEqual(band.Indices.OrderBy(b => b, System.StringComparer.Ordinal));
            if (!inOrder || !factors.All(f => Indices(f).All(outputs.Contains)) || band.Factors.Any(f => Indices(f).Any()))
            {
                return null;
            }

            var axes = term.Deltas.Select(d => new BandAxis(d.Offset!, d.Band, d.BandNegated)).ToList();
            JacobianForm toeplitz = new ToeplitzForm(term.Coefficient, scalars, axes, band);
            return rowLike.Count == 0 ? toeplitz : new DiagonalProductForm(rowLike, toeplitz);
        }

        // A shifted element of a vector (x[i + 1], x[n − 1 − i]) or a matrix (X[i + 1, j], each index tied to the output
        // index in its place), times factors of the output element alone.
        if (term.Deltas.Any(d => d.IsShifted))
        {
            if (term.Deltas.Count != outputs.Length || inputs.Length != outputs.Length || outputs.Length > 2
                || !term.Deltas.All(d => d.IsShifted && System.Array.IndexOf(outputs, d.Index) == System.Array.IndexOf(inputs, d.Input))
                || !factors.All(f => Indices(f).All(outputs.Contains)))
            {
                return null;
            }

            var rowDelta = term.Deltas.Single(d => d.Input == inputs[0]);
            var columnDelta = outputs.Length == 2 ? term.Deltas.Single(d => d.Input == inputs[1]) : null;
            // Named by offset and direction only (as a shift by 0 is): the output index is the column's anyway.
            var column = columnDelta is null ? null : new IndexShift(string.Empty, columnDelta.Offset!, columnDelta.Reversed, columnDelta.Modulus);
            JacobianForm shift = new ShiftForm(term.Coefficient, scalars, rowDelta.Offset!, rowDelta.Reversed, column, rowDelta.Modulus);
            return rowLike.Count == 0 ? shift : new DiagonalProductForm(rowLike, shift);
        }

        // Every input index tied to a distinct output index: identity, diagonal or permutation.
        if (term.Deltas.Count == inputs.Length && inputs.Length == outputs.Length && factors.All(f => Indices(f).All(outputs.Contains)))
        {
            var inOrder = term.Deltas.All(d => System.Array.IndexOf(outputs, d.Index) == System.Array.IndexOf(inputs, d.Input));
            if (inOrder)
            {
                return rowLike.Count == 0 ? new IdentityForm(term.Coefficient, scalars) : new DiagonalForm(term.Coefficient, scalars, rowLike);
            }

            if (outputs.Length == 2)
            {
                JacobianForm permutation = new PermutationForm(term.Coefficient, scalars);
                return rowLike.Count == 0 ? permutation : new DiagonalProductForm(rowLike, permutation);
            }
        }

        var all = factors.Concat(term.RowFactors).ToList();
        if (Kronecker(term, scalars, all, outputs, inputs, niceOnly: true) is { } nice)
        {
            return nice;
        }

        // Pull the factors that depend on the output element only into a row diagonal: diag(f′(u))·(x ⊗ I).
        var rest = factors.Where(f => !Indices(f).All(outputs.Contains)).ToList();
        if (rowLike.Count > 0)
        {
            var inner = term with { Factors = rest.Concat(scalars).ToList(), RowFactors = new List<TensorExpr>() };
            var innerForm = Classify(inner, outputs, inputs);
            if (innerForm is not null and not DiagonalProductForm)
            {
                return new DiagonalProductForm(rowLike, innerForm);
            }
        }

        return Kronecker(term, scalars, all, outputs, inputs, niceOnly: false);
    }

    /// <summary>
    /// Splits the indices so that the entry factors as Left[o_outer, p_outer]·Right[o_inner, p_inner] in vec order:
    /// the right factor's rows run over the first output index (or none, or all), its columns likewise.
    /// </summary>
    private static KroneckerForm? Kronecker(Monomial term, List<TensorExpr> scalars, List<TensorExpr> factors, string[] outputs, string[] inputs, bool niceOnly)
    {
        KroneckerForm? best = null;
        var bestCost = int.MaxValue;
        var indexed = new HashSet<string>(outputs.Concat(inputs));
        foreach (var (leftRows, rightRows) in Splits(outputs))
        {
            foreach (var (leftColumns, rightColumns) in Splits(inputs))
            {
                var left = new HashSet<string>(leftRows.Concat(leftColumns));
                var right = new HashSet<string>(rightRows.Concat(rightColumns));
                var leftGroup = new KroneckerGroup(leftRows, leftColumns, new List<TensorExpr>(), new List<Delta>());
                var rightGroup = new KroneckerGroup(rightRows, rightColumns, new List<TensorExpr>(), new List<Delta>());
                var fits = true;
                foreach (var factor in factors)
                {
                    var indices = factor.FreeIndices().Where(indexed.Contains).ToList();
                    if (indices.All(left.Contains))
                    {
                        leftGroup.Factors.Add(factor);
                    }
                    else if (indices.All(right.Contains))
                    {
                        rightGroup.Factors.Add(factor);
                    }
                    else
                    {
                        fits = false;
                    }
                }

                foreach (var delta in term.Deltas)
                {
                    if (left.Contains(delta.Index) && left.Contains(delta.Input))
                    {
                        leftGroup.Deltas.Add(delta);
                    }
                    else if (right.Contains(delta.Index) && right.Contains(delta.Input))
                    {
                        rightGroup.Deltas.Add(delta);
                    }
                    else
                    {
                        fits = false;
                    }
                }

                // The cheapest split materializes the fewest indices: (XB)ᵀ ⊗ I, not one factor holding every entry.
                var cost = Cost(leftGroup) + Cost(rightGroup);
                if (fits && (!niceOnly || cost == 0) && cost < bestCost)
                {
                    best = new KroneckerForm(term.Coefficient, scalars, leftGroup, rightGroup);
                    bestCost = cost;
                }
            }
        }

        return best;
    }

    /// <summary>0 for a group the runtime references as is; otherwise the number of indices its materialized matrix spans.</summary>
    private static int Cost(KroneckerGroup group) => Shape(group) is not null ? 0 : group.Rows.Length + group.Columns.Length;

    /// <summary>The ways to split indices into outer (left factor) and inner (right factor) in vec order.</summary>
    private static IEnumerable<(string[] Left, string[] Right)> Splits(string[] indices)
    {
        yield return (System.Array.Empty<string>(), indices);
        yield return (indices, System.Array.Empty<string>());
        if (indices.Length == 2)
        {
            yield return (new[] { indices[1] }, new[] { indices[0] });
        }
    }

    /// <summary>The runtime factor a group is without computing anything, or null when it must be materialized.</summary>
    public static string? Shape(KroneckerGroup group)
    {
        if (group.Factors.Count == 0 && group.Deltas.Count == 0 && group.Rows.Length == 0 && group.Columns.Length == 0)
        {
            return "Scalar";
        }

        if (group.Factors.Count == 0 && group.Deltas.Count == 1 && group.Rows.Length == 1 && group.Columns.Length == 1)
        {
            return "Identity";
        }

        if (group.Deltas.Count == 0 && group.Factors.Count == 1 && group.Factors[0] is TensorElement element)
        {
            if (element.Indices.Length == 1 && group.Rows.Length == 0 && group.Columns.SequenceEqual(element.Indices))
            {
                return "RowVector";
            }

            if (element.Indices.Length == 1 && group.Columns.Length == 0 && group.Rows.SequenceEqual(element.Indices))
            {
                return "ColumnVector";
            }

            if (element.Indices.Length == 2 && group.Rows.Length == 1 && group.Columns.Length == 1)
            {
                if (element.Indices[0] == group.Rows[0] && element.Indices[1] == group.Columns[0])
                {
                    return "Matrix";
                }

                if (element.Indices[1] == group.Rows[0] && element.Indices[0] == group.Columns[0])
                {
                    return "TransposedMatrix";
                }
            }
        }

        return null;
    }
}
