using System;

namespace Differentiable;

/// <summary>
/// A shift of a matrix's elements in both indices, the Jacobian of a 2-D stencil's term: <c>Y[i, j] = X[i + a, j + b]</c>
/// (an image's neighbour, a grid Laplacian's <c>X[i − 1, j]</c>), either index reversed too (<c>X[a − i, j]</c>). In the
/// column-major vec order it is <c>ColumnShift ⊗ RowShift</c>: row (i, j) holds a single 1, in column
/// (<c>RowShift</c>'s column of i, <c>ColumnShift</c>'s column of j), where both exist, and each shift's row window
/// leaves the rows outside it zero.
/// </summary>
public sealed class MatrixShiftJacobian : Jacobian
{
    /// <summary>The shift of Y's row index i (m × M: Y's rows by X's rows) and of its column index j (n × N).</summary>
    /// <param name="rowShift">The m × M shift of the first index.</param>
    /// <param name="columnShift">The n × N shift of the second index.</param>
    /// <exception cref="ArgumentNullException">A shift is null.</exception>
    /// <exception cref="ArgumentException">m·n or M·N exceeds <see cref="int.MaxValue"/>.</exception>
    public MatrixShiftJacobian(ShiftJacobian rowShift, ShiftJacobian columnShift)
        : base(
            Count(Guard.NotNull(rowShift, nameof(rowShift)).Rows, Guard.NotNull(columnShift, nameof(columnShift)).Rows),
            Count(rowShift.Columns, columnShift.Columns),
            TensorShape.Matrix(rowShift.Rows, columnShift.Rows),
            TensorShape.Matrix(rowShift.Columns, columnShift.Columns))
    {
        RowShift = rowShift;
        ColumnShift = columnShift;
    }

    /// <summary>The shift of the first index: Y's row i reads X's row <c>RowShift.SourceColumn(i)</c>.</summary>
    public ShiftJacobian RowShift { get; }

    /// <summary>The shift of the second index: Y's column j reads X's column <c>ColumnShift.SourceColumn(j)</c>.</summary>
    public ShiftJacobian ColumnShift { get; }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.MatrixShift;

    /// <summary>A new dense array with each row's 1 written.</summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        ForEachEntry((row, column) => dense[row, column] = 1.0);
        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column)
    {
        int m = RowShift.Rows, sourceRows = RowShift.Columns;
        return RowShift.ColumnOf(row % m) == column % sourceRows && ColumnShift.ColumnOf(row / m) == column / sourceRows ? 1.0 : 0.0;
    }

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        int m = RowShift.Rows, sourceRows = RowShift.Columns;
        var (firstJ, endJ) = ColumnShift.EntryRows;
        var (firstI, endI) = RowShift.EntryRows;
        for (int j = firstJ; j < endJ; j++)
        {
            if (ColumnShift.EntryColumn(j) is not (var q and >= 0))
            {
                continue;
            }

            var target = result.Slice(j * m, m);
            var source = v.Slice(q * sourceRows, sourceRows);
            for (int i = firstI; i < endI; i++)
            {
                if (RowShift.EntryColumn(i) is var p and >= 0)
                {
                    target[i] += scale * source[p];
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        int m = RowShift.Rows, sourceRows = RowShift.Columns;
        var (firstJ, endJ) = ColumnShift.EntryRows;
        var (firstI, endI) = RowShift.EntryRows;
        for (int j = firstJ; j < endJ; j++)
        {
            if (ColumnShift.EntryColumn(j) is not (var q and >= 0))
            {
                continue;
            }

            var source = u.Slice(j * m, m);
            var target = result.Slice(q * sourceRows, sourceRows);
            for (int i = firstI; i < endI; i++)
            {
                if (RowShift.EntryColumn(i) is var p and >= 0)
                {
                    target[p] += scale * source[i];
                }
            }
        }
    }

    private void ForEachEntry(Action<int, int> write)
    {
        int m = RowShift.Rows, sourceRows = RowShift.Columns;
        var (firstJ, endJ) = ColumnShift.EntryRows;
        var (firstI, endI) = RowShift.EntryRows;
        for (int j = firstJ; j < endJ; j++)
        {
            if (ColumnShift.EntryColumn(j) is not (var q and >= 0))
            {
                continue;
            }

            for (int i = firstI; i < endI; i++)
            {
                if (RowShift.EntryColumn(i) is var p and >= 0)
                {
                    write(i + (j * m), p + (q * sourceRows));
                }
            }
        }
    }

    private static int Count(int rows, int columns) => (long)rows * columns <= int.MaxValue
        ? rows * columns
        : throw new ArgumentException($"A {rows} × {columns} matrix has more elements than an int counts.");
}
