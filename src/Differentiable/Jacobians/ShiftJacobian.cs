using System;

namespace Differentiable;

/// <summary>
/// A shifted identity of any shape: row r holds a single 1, in column <c>r + Offset</c> (or <c>Offset − r</c> when
/// <see cref="Reversed"/>), where that column exists, and no entry where it does not. It is the Jacobian of a
/// stencil's term: <c>y[i] = x[i + 1]</c> (a forward difference's), <c>y[i] = x[i − 1]</c>, <c>y[i] = x[n − 1 − i]</c>
/// (a reversal), and, with offset 0, of <c>y[i] = x[i]</c> over the first elements of a longer x. A row window
/// (<see cref="FirstRow"/>, <see cref="EndRow"/>) leaves the rows outside it zero: a stencil's loop
/// <c>for (int i = 1; i &lt; n − 1; i++)</c> that writes neither end of y.
/// </summary>
public sealed class ShiftJacobian : Jacobian
{
    /// <summary>The <paramref name="rows"/> × <paramref name="columns"/> shifted identity.</summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="offset">The column of row 0's 1 (it may lie outside the matrix: that row is then zero).</param>
    /// <param name="reversed">Whether the column falls as the row rises (<c>Offset − r</c>) rather than rises with it.</param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not have the element count of its dimension.</exception>
    public ShiftJacobian(int rows, int columns, int offset, bool reversed = false, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : this(rows, columns, offset, reversed, 0, rows, outputShape, inputShape)
    {
    }

    /// <summary>The shifted identity with only the rows in [<paramref name="firstRow"/>, <paramref name="endRow"/>) holding their 1.</summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="offset">The column of row 0's 1 (it may lie outside the matrix: that row is then zero).</param>
    /// <param name="reversed">Whether the column falls as the row rises (<c>Offset − r</c>) rather than rises with it.</param>
    /// <param name="firstRow">The first row that may hold a 1; rows before it are zero.</param>
    /// <param name="endRow">
    /// The row after the last that may hold a 1. The window may be empty (<paramref name="endRow"/> ≤ <paramref name="firstRow"/>,
    /// a loop that never ran) or reach outside the matrix, like a loop's bounds: only its rows inside the matrix count.
    /// </param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not have the element count of its dimension.</exception>
    public ShiftJacobian(int rows, int columns, int offset, bool reversed, int firstRow, int endRow, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(rows, columns, outputShape, inputShape)
    {
        Offset = offset;
        Reversed = reversed;
        // netstandard2.0 has no Math.Clamp.
        FirstRow = Math.Min(Math.Max(firstRow, 0), Rows);
        EndRow = Math.Min(Math.Max(endRow, FirstRow), Rows);
    }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Shift;

    /// <summary>The column of row 0's 1.</summary>
    public int Offset { get; }

    /// <summary>Whether row r's 1 is in column <c>Offset − r</c> rather than <c>r + Offset</c>.</summary>
    public bool Reversed { get; }

    /// <summary>The first row that may hold a 1 (0 unless a window was given), within [0, <see cref="Jacobian.Rows"/>].</summary>
    public int FirstRow { get; }

    /// <summary>The row after the last that may hold a 1 (<see cref="Jacobian.Rows"/> unless a window was given), at least <see cref="FirstRow"/>.</summary>
    public int EndRow { get; }

    /// <summary>The column holding row <paramref name="row"/>'s 1, or −1 when the row is zero.</summary>
    /// <param name="row">Output vec index.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is out of range.</exception>
    public int SourceColumn(int row)
    {
        TensorShape.CheckIndex(row, Rows, nameof(row));
        return ColumnOf(row);
    }

    /// <summary>A new dense array with each row's 1 written: at most min(rows, columns) writes.</summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        var (first, end) = RowsWithEntries();
        for (int row = first; row < end; row++)
        {
            dense[row, (int)Column(row)] = 1.0;
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => row >= FirstRow && row < EndRow && Column(row) == column ? 1.0 : 0.0;

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        var (first, end) = RowsWithEntries();
        for (int row = first; row < end; row++)
        {
            result[row] += scale * v[(int)Column(row)];
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        var (first, end) = RowsWithEntries();
        for (int row = first; row < end; row++)
        {
            result[(int)Column(row)] += scale * u[row];
        }
    }

    /// <summary>The rows [first, end) that hold a 1.</summary>
    internal (int First, int End) EntryRows => RowsWithEntries();

    /// <summary>The column of <paramref name="row"/>'s 1, or −1 where the row is zero; the row is not range-checked.</summary>
    internal int ColumnOf(int row)
    {
        var (first, end) = RowsWithEntries();
        return row >= first && row < end ? (int)Column(row) : -1;
    }

    /// <summary>The column of the 1 of a row inside <see cref="EntryRows"/>.</summary>
    internal int EntryColumn(int row) => (int)Column(row);

    // In long: an offset near int.MaxValue plus a row must not wrap into the matrix.
    private long Column(int row) => Reversed ? (long)Offset - row : (long)row + Offset;

    /// <summary>The rows [first, end) of the window whose column lies inside the matrix: one contiguous run either way.</summary>
    private (int First, int End) RowsWithEntries()
    {
        // Forward: 0 ≤ r + Offset < Columns. Reversed: 0 ≤ Offset − r < Columns, so Offset − Columns < r ≤ Offset.
        long first = Reversed ? (long)Offset - Columns + 1 : -(long)Offset;
        long end = Reversed ? (long)Offset + 1 : (long)Columns - Offset;
        first = Math.Max(first, FirstRow);
        end = Math.Min(end, EndRow);
        return first < end ? ((int)first, (int)end) : (0, 0);
    }
}
