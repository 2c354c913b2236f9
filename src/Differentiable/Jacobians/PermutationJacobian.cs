using System;

namespace Differentiable;

/// <summary>
/// A permutation matrix: row r holds a single 1, in column <see cref="SourceColumn"/>(r), so <c>(J·v)[r] =
/// v[SourceColumn(r)]</c>. The commutation matrix K(m, n), with <c>vec(Xᵀ) = K·vec(X)</c> for X m × n, is the
/// Jacobian of a transpose; <see cref="Commutation"/> builds it without storing the permutation.
/// </summary>
public sealed class PermutationJacobian : Jacobian
{
    // Either an explicit permutation, or the dimensions m × n of the matrix a commutation transposes.
    private readonly int[]? sourceColumns;
    private readonly int commutedRows;
    private readonly int commutedColumns;

    /// <summary>
    /// The permutation that sends input element <c>sourceColumns[r]</c> to output element r, holding the array
    /// as given (not a copy).
    /// </summary>
    /// <param name="sourceColumns">A permutation of 0 … n − 1.</param>
    /// <param name="outputShape">Shape of the output; a vector of n elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of n elements if null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sourceColumns"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="sourceColumns"/> is not a permutation, or a shape does not have n elements.</exception>
    public PermutationJacobian(int[] sourceColumns, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(Guard.NotNull(sourceColumns, nameof(sourceColumns)).Length, sourceColumns.Length, outputShape, inputShape)
    {
        var seen = new bool[sourceColumns.Length];
        foreach (int source in sourceColumns)
        {
            if ((uint)source >= (uint)seen.Length || seen[source])
            {
                throw new ArgumentException($"Not a permutation of 0..{seen.Length - 1}: {source} is out of range or repeated.", nameof(sourceColumns));
            }

            seen[source] = true;
        }

        this.sourceColumns = sourceColumns;
    }

    private PermutationJacobian(TensorShape transposed)
        : base(transposed.Length, transposed.Length, TensorShape.Matrix(transposed.Columns, transposed.Rows), transposed)
    {
        commutedRows = transposed.Rows;
        commutedColumns = transposed.Columns;
    }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Permutation;

    /// <summary>
    /// The commutation matrix K(<paramref name="rows"/>, <paramref name="columns"/>): the Jacobian of
    /// <c>Y = Xᵀ</c> for X <paramref name="rows"/> × <paramref name="columns"/>, with entry [j + i·columns,
    /// i + j·rows] = 1. Its input shape is the matrix X and its output shape the matrix Xᵀ.
    /// </summary>
    /// <param name="rows">Row count of the matrix transposed.</param>
    /// <param name="columns">Column count of the matrix transposed.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public static PermutationJacobian Commutation(int rows, int columns) => new(TensorShape.Matrix(rows, columns));

    /// <summary>The column holding row <paramref name="row"/>'s 1: the input element that output element feeds from.</summary>
    /// <param name="row">Output vec index.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is out of range.</exception>
    public int SourceColumn(int row)
    {
        TensorShape.CheckIndex(row, Rows, nameof(row));
        return Source(row);
    }

    /// <summary>A new dense array with each row's single 1 written: n writes, not n² entry evaluations.</summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int row = 0; row < Rows; row++)
        {
            dense[row, Source(row)] = 1.0;
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => Source(row) == column ? 1.0 : 0.0;

    /// <inheritdoc />
    protected override void MultiplyCore(ReadOnlySpan<double> v, Span<double> result) =>
        Permute(transpose: false, v, result, 1.0, accumulate: false);

    /// <inheritdoc />
    protected override void TransposeMultiplyCore(ReadOnlySpan<double> u, Span<double> result) =>
        Permute(transpose: true, u, result, 1.0, accumulate: false);

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale) =>
        Permute(transpose: false, v, result, scale, accumulate: true);

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale) =>
        Permute(transpose: true, u, result, scale, accumulate: true);

    // Row r of vec(Xᵀ) is Xᵀ[j, i] with j = r % n, i = r / n, which is X[i, j] at i + j·m.
    private int Source(int row) => sourceColumns?[row] ?? (row / commutedColumns) + (row % commutedColumns * commutedRows);

    /// <summary>Moves each x element across its row's 1: y[r] from x[source] for J, y[source] from x[r] for Jᵀ.</summary>
    private void Permute(bool transpose, ReadOnlySpan<double> x, Span<double> y, double scale, bool accumulate)
    {
        if (sourceColumns is { } sources)
        {
            for (int row = 0; row < sources.Length; row++)
            {
                Move(transpose, row, sources[row], x, y, scale, accumulate);
            }

            return;
        }

        // The commutation walks X column by column, so its writes to vec(Xᵀ) (or reads, transposed) are contiguous.
        for (int i = 0; i < commutedRows; i++)
        {
            for (int j = 0; j < commutedColumns; j++)
            {
                Move(transpose, j + (i * commutedColumns), i + (j * commutedRows), x, y, scale, accumulate);
            }
        }
    }

    private static void Move(bool transpose, int row, int column, ReadOnlySpan<double> x, Span<double> y, double scale, bool accumulate)
    {
        int to = transpose ? column : row;
        int from = transpose ? row : column;
        y[to] = accumulate ? y[to] + (scale * x[from]) : x[from];
    }
}
