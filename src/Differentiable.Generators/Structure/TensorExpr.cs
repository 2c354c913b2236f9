using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Structure;

/// <summary>
/// An output element in index notation: what one element <c>y[i]</c> equals as a function of the index variables,
/// with loops over reductions turned into sums (<c>y_i = Σ_j W_ij x_j</c>).
/// </summary>
internal abstract record TensorExpr
{
    /// <summary>The index variables this expression depends on.</summary>
    public IEnumerable<string> FreeIndices() => this switch
    {
        TensorElement e => e.Indices,
        TensorShifted e => new[] { e.Index },
        TensorBanded e => e.Index.Indices,
        TensorBandedMatrix e => e.Row.Indices.Concat(e.Column.Indices),
        TensorShiftedMatrix e => new[] { e.Row.Index, e.Column.Index },
        TensorSum s => s.Body.FreeIndices().Where(v => v != s.Index).Concat(IrWalker.ReadNames(s.Lower)).Concat(IrWalker.ReadNames(s.Upper)),
        TensorBinary b => b.Left.FreeIndices().Concat(b.Right.FreeIndices()),
        TensorNegate n => n.Operand.FreeIndices(),
        TensorCall c => c.Arguments.SelectMany(a => a.FreeIndices()),
        TensorDerivative d => d.Call.FreeIndices(),
        _ => Enumerable.Empty<string>(),
    };

    /// <summary>An index as the method wrote it, with its variables renamed as the index is (kept, not dropped: the folded offset would overflow in a checked build).</summary>
    internal static Expr? Renamed(Expr? source, IReadOnlyDictionary<string, string> renaming) => source is null
        ? null
        : IrWalker.Rewrite(source, node => node is Variable v && renaming.TryGetValue(v.Name, out var r) ? new Variable(r) : null);

    /// <summary>This expression and every one inside it, without recursion (a sum of thousands of terms is deep).</summary>
    public IEnumerable<TensorExpr> Nodes()
    {
        var pending = new Stack<TensorExpr>();
        pending.Push(this);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            yield return node;
            switch (node)
            {
                case TensorBinary b:
                    pending.Push(b.Right);
                    pending.Push(b.Left);
                    break;
                case TensorNegate n:
                    pending.Push(n.Operand);
                    break;
                case TensorCall c:
                    foreach (var argument in c.Arguments)
                    {
                        pending.Push(argument);
                    }

                    break;
                case TensorDerivative d:
                    pending.Push(d.Call);
                    break;
                case TensorSum s:
                    pending.Push(s.Body);
                    break;
            }
        }
    }

    /// <summary>Whether the expression reads the given array.</summary>
    public bool Reads(string array) => this switch
    {
        TensorElement e => e.Array == array,
        TensorShifted e => e.Array == array,
        TensorBanded e => e.Array == array,
        TensorBandedMatrix e => e.Array == array,
        TensorShiftedMatrix e => e.Array == array,
        TensorSum s => s.Body.Reads(array),
        TensorBinary b => b.Left.Reads(array) || b.Right.Reads(array),
        TensorNegate n => n.Operand.Reads(array),
        TensorCall c => c.Arguments.Any(a => a.Reads(array)),
        TensorDerivative d => d.Call.Reads(array),
        _ => false,
    };

    /// <summary>
    /// Renames free index variables (a delta δ(j, p) summed out substitutes p for j). A sum's own index is bound: in
    /// σ(Σ_j W[j, i]·c), differentiated through another sum over j, that j stays j.
    /// </summary>
    public TensorExpr Substitute(IReadOnlyDictionary<string, string> renaming) => this switch
    {
        TensorElement e => e with { Indices = e.Indices.Select(v => renaming.TryGetValue(v, out var r) ? r : v).ToArray() },
        TensorShifted e when renaming.TryGetValue(e.Index, out var r) => e with { Index = r, Source = Renamed(e.Source, renaming) },
        TensorShiftedMatrix e => e with { Row = e.Row.Renamed(renaming), Column = e.Column.Renamed(renaming) },
        TensorBanded e => e with { Index = e.Index.Renamed(renaming) },
        TensorBandedMatrix e => e with { Row = e.Row.Renamed(renaming), Column = e.Column.Renamed(renaming) },
        TensorSum s when renaming.ContainsKey(s.Index) =>
            s with { Body = s.Body.Substitute(renaming.Where(r => r.Key != s.Index).ToDictionary(r => r.Key, r => r.Value, System.StringComparer.Ordinal)) },
        TensorSum s => s with { Body = s.Body.Substitute(renaming) },
        TensorBinary b => b with { Left = b.Left.Substitute(renaming), Right = b.Right.Substitute(renaming) },
        TensorNegate n => n with { Operand = n.Operand.Substitute(renaming) },
        TensorCall c => c with { Arguments = c.Arguments.Select(a => a.Substitute(renaming)).ToEquatableArray() },
        TensorDerivative d => d with { Call = (TensorCall)d.Call.Substitute(renaming) },
        _ => this,
    };
}

/// <summary>A number.</summary>
internal sealed record TensorConstant(double Value) : TensorExpr;

/// <summary>A double that no index varies: a parameter.</summary>
/// <param name="Float">
/// For a float value (a float parameter, a System.Numerics parameter's component, or a product of them as the method
/// writes it): that expression, computed in float as the method computes it and widened before the factors multiply
/// in double, so that no product the method computes in double is rounded to float. Null for a double parameter.
/// </param>
internal sealed record TensorScalar(string Name, Expr? Float = null) : TensorExpr;

/// <summary>
/// An int expression that no index varies (<c>n</c>, <c>n - 1</c>, <c>x.Length</c>), computed in int as the method
/// computes it and taken to double once: two int factors of a term (x[i]·n·n) then multiply as doubles, as they do in
/// the method, instead of overflowing as one int product.
/// </summary>
internal sealed record TensorInteger(Expr Value) : TensorExpr;

/// <summary>An array element indexed by index variables only: <c>W[i, j]</c>.</summary>
internal sealed record TensorElement(string Array, string[] Indices) : TensorExpr
{
    public bool Equals(TensorElement? other) => other is not null && Array == other.Array && Indices.SequenceEqual(other.Indices);

    public override int GetHashCode() => Array.GetHashCode() ^ Indices.Length;
}

/// <summary>
/// An element of a vector at an output index moved by an int that no index varies: <c>x[i + k]</c>, <c>x[i − 1]</c>,
/// or, <see cref="Reversed"/>, <c>x[n − 1 − i]</c> (<see cref="Offset"/> − i). A stencil's term.
/// </summary>
/// <remarks>
/// With a <see cref="Modulus"/>, a periodic stencil's: <c>x[(i + 1) % n]</c>. <see cref="Source"/> is the index as the
/// method wrote it, which the companion evaluates as it is: the folded offset (i + (k − 1) for i − 1 + k) is equal
/// modulo 2³², but not in a checked build, where k − 1 may overflow where the method's sums did not.
/// </remarks>
internal sealed record TensorShifted(string Array, string Index, Expr Offset, bool Reversed, Expr? Modulus = null, Expr? Source = null) : TensorExpr;

/// <summary>
/// An element of a vector at an output index moved by a summed index and an int no index varies: <c>x[i + j]</c>,
/// <c>x[i − j]</c>, <c>x[i + j − k]</c> (offset −k). A correlation's or a convolution's term, Σ_j w[j]·x[i + j]: its
/// derivative in x is constant along diagonals. Its index always has a <see cref="BandIndex.Band"/>.
/// </summary>
internal sealed record TensorBanded(string Array, BandIndex Index) : TensorExpr;

/// <summary>
/// One index of a banded element: an output index moved by an int no index varies and, unless <see cref="Band"/> is
/// null, plus or minus (<see cref="Negated"/>) a summed index: <c>i + a</c>, <c>j − b + 1</c>, <c>j</c>.
/// <see cref="Source"/> is the index as the method wrote it, evaluated as it is (see <see cref="TensorShifted"/>).
/// </summary>
internal sealed record BandIndex(string Index, string? Band, bool Negated, Expr Offset, Expr Source)
{
    public IEnumerable<string> Indices => Band is null ? new[] { Index } : new[] { Index, Band };

    public BandIndex Renamed(IReadOnlyDictionary<string, string> renaming) => this with
    {
        Index = renaming.TryGetValue(Index, out var index) ? index : Index,
        Band = Band is not null && renaming.TryGetValue(Band, out var band) ? band : Band,
        Source = TensorExpr.Renamed(Source, renaming)!,
    };
}

/// <summary>
/// An element of a matrix whose indices are output indices moved by summed ones, one or both: <c>X[i + a, j + b]</c>
/// (a 2-D correlation's term), <c>X[i − a, j]</c> (each column filtered alone). Its derivative in X is constant along
/// 2-D diagonals.
/// </summary>
internal sealed record TensorBandedMatrix(string Array, BandIndex Row, BandIndex Column) : TensorExpr;

/// <summary>One index of a shifted matrix element: an output index moved by an int no index varies, or reversed.</summary>
internal sealed record IndexShift(string Index, Expr Offset, bool Reversed, Expr? Modulus = null, Expr? Source = null)
{
    public IndexShift Renamed(IReadOnlyDictionary<string, string> renaming) =>
        renaming.TryGetValue(Index, out var r) ? this with { Index = r, Source = TensorExpr.Renamed(Source, renaming) } : this;
}

/// <summary>
/// An element of a matrix at output indices moved by ints no index varies, either or both: <c>X[i + 1, j]</c>,
/// <c>X[i, j − 1]</c>, <c>X[m − 1 − i, j]</c>. A 2-D stencil's term (an unmoved index has offset 0).
/// </summary>
internal sealed record TensorShiftedMatrix(string Array, IndexShift Row, IndexShift Column) : TensorExpr;

/// <summary>Σ over an index variable in [Lower, Upper).</summary>
internal sealed record TensorSum(string Index, Expr Lower, Expr Upper, TensorExpr Body) : TensorExpr;

internal sealed record TensorBinary(BinaryOperator Operator, TensorExpr Left, TensorExpr Right) : TensorExpr;

internal sealed record TensorNegate(TensorExpr Operand) : TensorExpr;

/// <summary>An elementwise function: <c>tanh(u)</c>, <c>max(0, u)</c>, <c>pow(u, p)</c>, <c>hypot(u, v)</c>.</summary>
internal sealed record TensorCall(MathFunction Function, EquatableArray<TensorExpr> Arguments) : TensorExpr;
