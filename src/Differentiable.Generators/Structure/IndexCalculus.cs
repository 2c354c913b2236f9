using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Structure;

/// <summary>
/// A Kronecker delta δ(index, input index): 1 where they are equal. With an <see cref="Offset"/>, δ(index + offset,
/// input) (or δ(offset − index, input), <see cref="Reversed"/>): a shifted element's, which only the shift form takes.
/// With a <see cref="Band"/>, δ(index ± band + offset, input): a correlation's, summed over the band index.
/// </summary>
internal sealed record Delta(string Index, string Input, Expr? Offset = null, bool Reversed = false, Expr? Modulus = null, string? Band = null, bool BandNegated = false)
{
    public bool IsShifted => Offset is not null;
}

/// <summary>
/// One term of ∂y[O]/∂a[P] in sum-of-products form: coefficient · Π factors · Π deltas, summed over <see cref="Sums"/>.
/// Row factors are the chain-rule factors f′(u) of elementwise functions; they depend on the output indices only.
/// </summary>
internal sealed record Monomial(double Coefficient, List<TensorExpr> Factors, List<TensorExpr> RowFactors, List<Delta> Deltas, List<string> Sums)
{
    /// <summary>Summed indices a delta replaced by an input index (j := q): their ranges must cover the input's dimension.</summary>
    public List<Delta> Collapsed { get; init; } = new();

    /// <summary>The sums banded deltas keep (Σ_j w[j]·δ(i + j, p)): their indices, ranges and the factors that vary with them.</summary>
    public BandSum? Band { get; init; }
}

/// <summary>
/// Σ over <see cref="Indices"/>, each in [0, its upper bound), of Π <see cref="Factors"/>·δ(i ± j + c, p)(·δ(k ± l + d, q)):
/// the value on each diagonal, one index for a 1-D band, two for a 2-D one.
/// </summary>
internal sealed record BandSum(List<string> Indices, List<Expr> Uppers, List<TensorExpr> Factors)
{
    public Expr UpperOf(string index) => Uppers[Indices.IndexOf(index)];
}

internal static class MonomialExtensions
{
    public static Monomial Scale(this Monomial m, double c) => m with { Coefficient = m.Coefficient * c };

    public static Monomial Times(this Monomial m, TensorExpr factor, bool row) => row
        ? m with { RowFactors = m.RowFactors.Append(factor).ToList() }
        : m with { Factors = m.Factors.Append(factor).ToList() };
}

/// <summary>
/// Differentiates index notation with Kronecker deltas: ∂W[i,j]/∂W[p,q] = δ(i,p)·δ(j,q). Sums over an index that a
/// delta ties to an input index collapse (Σ_j x_j·δ(j,q) = x_q), which is where the structure comes from.
/// </summary>
internal static class IndexCalculus
{
    /// <summary>∂definition/∂array[inputs] as monomials, or null when the definition is not linear in the array per term.</summary>
    public static List<Monomial>? Differentiate(TensorExpr definition, string array, string[] inputs, IReadOnlyDictionary<string, (Expr Lower, Expr Upper)>? ranges = null)
    {
        var terms = Derive(definition, array, inputs);
        if (terms is null)
        {
            return null;
        }

        var result = new List<Monomial>();
        foreach (var term in terms)
        {
            var eliminated = EliminateSums(term, ranges);
            if (eliminated is null)
            {
                return null;
            }

            result.Add(eliminated);
        }

        return result;
    }

    private static List<Monomial>? Derive(TensorExpr e, string array, string[] inputs)
    {
        if (!e.Reads(array))
        {
            return new List<Monomial>();
        }

        switch (e)
        {
            case TensorElement element:
                if (element.Indices.Length != inputs.Length)
                {
                    return null;
                }

                var deltas = element.Indices.Select((index, k) => new Delta(index, inputs[k])).ToList();
                return new List<Monomial> { new(1.0, new List<TensorExpr>(), new List<TensorExpr>(), deltas, new List<string>()) };
            case TensorShifted shifted:
                return inputs.Length != 1
                    ? null
                    : new List<Monomial> { new(1.0, new List<TensorExpr>(), new List<TensorExpr>(), new List<Delta> { new(shifted.Index, inputs[0], shifted.Offset, shifted.Reversed, shifted.Modulus) }, new List<string>()) };
            case TensorBanded banded:
                return inputs.Length != 1
                    ? null
                    : new List<Monomial> { new(1.0, new List<TensorExpr>(), new List<TensorExpr>(), new List<Delta> { BandDelta(banded.Index, inputs[0]) }, new List<string>()) };
            case TensorBandedMatrix banded:
                return inputs.Length != 2
                    ? null
                    : new List<Monomial>
                    {
                        new(1.0, new List<TensorExpr>(), new List<TensorExpr>(), new List<Delta> { BandDelta(banded.Row, inputs[0]), BandDelta(banded.Column, inputs[1]) }, new List<string>()),
                    };
            case TensorShiftedMatrix shifted:
                return inputs.Length != 2
                    ? null
                    : new List<Monomial>
                    {
                        new(1.0, new List<TensorExpr>(), new List<TensorExpr>(), new List<Delta>
                        {
                            new(shifted.Row.Index, inputs[0], shifted.Row.Offset, shifted.Row.Reversed, shifted.Row.Modulus),
                            new(shifted.Column.Index, inputs[1], shifted.Column.Offset, shifted.Column.Reversed, shifted.Column.Modulus),
                        }, new List<string>()),
                    };
            case TensorNegate n:
                return Derive(n.Operand, array, inputs)?.Select(m => m.Scale(-1)).ToList();
            case TensorBinary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b:
                var left = Derive(b.Left, array, inputs);
                var right = Derive(b.Right, array, inputs);
                if (left is null || right is null)
                {
                    return null;
                }

                return left.Concat(b.Operator == BinaryOperator.Subtract ? right.Select(m => m.Scale(-1)) : right).ToList();
            case TensorBinary { Operator: BinaryOperator.Multiply } b:
                // Product rule: each term keeps the other factor as a value (x[i]·x[i] → 2 terms, each diagonal).
                var byLeft = b.Left.Reads(array) ? Derive(b.Left, array, inputs)?.Select(m => Multiply(m, b.Right)).ToList() : new List<Monomial>();
                var byRight = b.Right.Reads(array) ? Derive(b.Right, array, inputs)?.Select(m => Multiply(m, b.Left)).ToList() : new List<Monomial>();
                return byLeft is null || byRight is null ? null : byLeft.Concat(byRight).ToList();
            case TensorBinary { Operator: BinaryOperator.Divide } b:
                // Quotient rule: ∂(l/r) = ∂l·(1/r) − ∂r·((l/r)/r), not l/(r·r), which overflows or underflows past |r| ≈ 1e±154.
                var numerator = b.Left.Reads(array)
                    ? Derive(b.Left, array, inputs)?.Select(m => m.Times(new TensorBinary(BinaryOperator.Divide, new TensorConstant(1.0), b.Right), row: false)).ToList()
                    : new List<Monomial>();
                var denominator = b.Right.Reads(array)
                    ? Derive(b.Right, array, inputs)?.Select(m => m.Scale(-1).Times(new TensorBinary(BinaryOperator.Divide, new TensorBinary(BinaryOperator.Divide, b.Left, b.Right), b.Right), row: false)).ToList()
                    : new List<Monomial>();
                return numerator is null || denominator is null ? null : numerator.Concat(denominator).ToList();
            case TensorCall c:
                // Chain rule: ∂f/∂u_k is a factor that depends on the output element only, one term per argument that reads
                // the array (hypot(x[i], x[i]) has two).
                var chained = new List<Monomial>();
                for (var k = 0; k < c.Arguments.Count; k++)
                {
                    if (!c.Arguments[k].Reads(array))
                    {
                        continue;
                    }

                    var inner = Derive(c.Arguments[k], array, inputs);
                    if (inner is null)
                    {
                        return null;
                    }

                    TensorExpr chain = new TensorDerivative(c, k);
                    chained.AddRange(inner.Select(m => m.Times(chain, row: true)));
                }

                return chained;
            case TensorSum s:
                return Derive(s.Body, array, inputs)?.Select(m => m with { Sums = m.Sums.Append(s.Index).ToList() }).ToList();
            default:
                return null;
        }
    }

    /// <summary>δ(i ± j + c, input) of a banded index (δ(i + c, input) where it has no band index).</summary>
    private static Delta BandDelta(BandIndex index, string input) => new(index.Index, input, index.Offset, Band: index.Band, BandNegated: index.Negated);

    private static Monomial Multiply(Monomial m, TensorExpr factor) => factor is TensorConstant c ? m.Scale(c.Value) : m.Times(factor, row: false);

    /// <summary>The factors of a product, without recursion (a constant among them stays a factor).</summary>
    private static List<TensorExpr> Multiplicands(TensorExpr product)
    {
        var result = new List<TensorExpr>();
        var pending = new Stack<TensorExpr>();
        pending.Push(product);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node is TensorBinary { Operator: BinaryOperator.Multiply } b)
            {
                pending.Push(b.Right);
                pending.Push(b.Left);
            }
            else
            {
                result.Add(node);
            }
        }

        return result;
    }

    /// <summary>Σ_j … δ(j, p) … = (…)[j := p]. Fails when a summed index has no delta (a genuine contraction remains).</summary>
    private static Monomial? EliminateSums(Monomial term, IReadOnlyDictionary<string, (Expr Lower, Expr Upper)>? ranges)
    {
        var renaming = new Dictionary<string, string>(System.StringComparer.Ordinal);
        var deltas = new List<Delta>();
        foreach (var delta in term.Deltas)
        {
            if (term.Sums.Contains(delta.Index))
            {
                if (delta.IsShifted)
                {
                    return null; // a shifted element is read at output indices only, never summed ones.
                }

                if (renaming.ContainsKey(delta.Index))
                {
                    return null; // a[j, j]: a diagonal read, not a plain index.
                }

                renaming[delta.Index] = delta.Input;
            }
            else
            {
                deltas.Add(delta);
            }
        }

        var factors = term.Factors.Select(f => f.Substitute(renaming)).ToList();

        // A summed index no delta ties (a genuine contraction, Σ_k X[q,k]·B[k,l]) becomes one factor of its own.
        var bands = deltas.Where(d => d.Band is not null).Select(d => d.Band!).ToList();
        foreach (var index in term.Sums.Where(s => !renaming.ContainsKey(s) && !bands.Contains(s)))
        {
            if (deltas.Any(d => d.Index == index) || term.RowFactors.Any(f => f.FreeIndices().Contains(index)) || ranges is null || !ranges.TryGetValue(index, out var range))
            {
                return null;
            }

            var inside = factors.Where(f => f.FreeIndices().Contains(index)).ToList();
            if (inside.Count == 0)
            {
                return null;
            }

            // The factors outside, each as often as it occurs (Except would drop repeats of one).
            factors = factors.Where(f => !f.FreeIndices().Contains(index)).Append(new TensorSum(index, range.Lower, range.Upper, inside.Aggregate((a, b) => new TensorBinary(BinaryOperator.Multiply, a, b)))).ToList();
        }

        // A banded delta's sum stays: what varies with its index is the value on each diagonal (w[j] of Σ_j w[j]·x[i + j]).
        BandSum? band = null;
        if (bands.Count > 0)
        {
            if (bands.Distinct().Count() != bands.Count || ranges is null)
            {
                return null;
            }

            var uppers = new List<Expr>();
            foreach (var index in bands)
            {
                if (!term.Sums.Contains(index) || renaming.ContainsKey(index) || !ranges.TryGetValue(index, out var bandRange)
                    || bandRange.Lower is not Constant { Value: 0.0 } || term.RowFactors.Any(f => f.FreeIndices().Contains(index)))
                {
                    return null;
                }

                uppers.Add(bandRange.Upper);
            }

            // c[i]·w[j]·x[i + j] keeps c[i]·w[j] as one factor: its multiplicands split, c[i] to the rows, w[j] to the kernel.
            factors = factors.SelectMany(f => f.FreeIndices().Any(bands.Contains) ? Multiplicands(f) : new List<TensorExpr> { f }).ToList();
            band = new BandSum(bands, uppers, factors.Where(f => f.FreeIndices().Any(bands.Contains)).ToList());
            factors = factors.Where(f => !f.FreeIndices().Any(bands.Contains)).ToList();
        }

        if (term.RowFactors.Any(f => f.FreeIndices().Any(renaming.ContainsKey)))
        {
            return null; // f′ of a summed expression inside the sum: not a row factor.
        }

        if (deltas.Select(d => d.Input).Distinct().Count() != deltas.Count || deltas.Select(d => d.Index).Distinct().Count() != deltas.Count)
        {
            return null;
        }

        return term with { Factors = factors, Deltas = deltas, Sums = new List<string>(), Collapsed = renaming.Select(r => new Delta(r.Key, r.Value)).ToList(), Band = band };
    }
}

/// <summary>∂f/∂u_k for an elementwise call f(u₀, u₁ …): f′(u) for a function of one argument.</summary>
internal sealed record TensorDerivative(TensorCall Call, int Position) : TensorExpr;
