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
        : this(rows, columns, offset, reversed, firstRow, endRow, 0, outputShape, inputShape)
    {
    }

    /// <summary>
    /// The cyclic shift of a periodic stencil, <c>y[i] = x[(i + k) % m]</c>: row r's 1 is in column
    /// <c>(r + Offset) % Modulus</c> (<c>(Offset − r) % Modulus</c> reversed), computed in int as C# computes it (its sign
    /// the dividend's), where that column exists; rows outside [<paramref name="firstRow"/>, <paramref name="endRow"/>) are zero.
    /// </summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="offset">What is added to the row (or what it is subtracted from) before the remainder.</param>
    /// <param name="reversed">Whether the row is subtracted from <paramref name="offset"/> rather than added to it.</param>
    /// <param name="firstRow">The first row that may hold a 1; rows before it are zero.</param>
    /// <param name="endRow">The row after the last that may hold a 1 (clamped to the matrix, as a loop's bounds).</param>
    /// <param name="modulus">
    /// The divisor of the remainder; 0 for none (a plain shift). Its sign does not matter, as in C#'s <c>%</c>
    /// (<c>a % −m == a % m</c>). Given by position it follows <paramref name="endRow"/>: name it where that reads unclearly.
    /// </param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not have the element count of its dimension.</exception>
    public ShiftJacobian(int rows, int columns, int offset, bool reversed, int firstRow, int endRow, int modulus, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(rows, columns, outputShape, inputShape)
    {
        Offset = offset;
        Reversed = reversed;
        Modulus = modulus;
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

    /// <summary>The divisor of a cyclic shift's remainder, <c>(r + Offset) % Modulus</c>; 0 for a plain shift.</summary>
    public int Modulus { get; }

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
            if (EntryColumn(row) is var column and >= 0)
            {
                dense[row, column] = 1.0;
            }
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => ColumnOf(row) == column ? 1.0 : 0.0;

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        var (first, end) = RowsWithEntries();
        for (int row = first; row < end; row++)
        {
            if (EntryColumn(row) is var column and >= 0)
            {
                result[row] += scale * v[column];
            }
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        var (first, end) = RowsWithEntries();
        for (int row = first; row < end; row++)
        {
            if (EntryColumn(row) is var column and >= 0)
            {
                result[column] += scale * u[row];
            }
        }
    }

    /// <summary>The rows [first, end) that may hold a 1 (all do, but for a cyclic shift's, whose column may lie outside).</summary>
    internal (int First, int End) EntryRows => RowsWithEntries();

    /// <summary>The column of <paramref name="row"/>'s 1, or −1 where the row is zero; the row is not range-checked.</summary>
    internal int ColumnOf(int row)
    {
        var (first, end) = RowsWithEntries();
        return row >= first && row < end ? EntryColumn(row) : -1;
    }

    /// <summary>The column of the 1 of a row inside <see cref="EntryRows"/>, or −1 where a cyclic shift's lies outside.</summary>
    internal int EntryColumn(int row)
    {
        if (Modulus == 0)
        {
            return (int)Column(row);
        }

        // In int, wrapping as the method's (i + k) % m does: a wrapped sum may still land inside, and there it must agree.
        // x % −1 is 0, and int.MinValue % −1 would throw rather than say so.
        int column = Modulus == -1 ? 0 : unchecked(Reversed ? Offset - row : row + Offset) % Modulus;
        return column >= 0 && column < Columns ? column : -1;
    }

    // In long: an offset near int.MaxValue plus a row must not wrap into the matrix.
    private long Column(int row) => Reversed ? (long)Offset - row : (long)row + Offset;

    /// <summary>The rows [first, end) of the window whose column lies inside the matrix: one contiguous run either way.</summary>
    private (int First, int End) RowsWithEntries()
    {
        if (Modulus != 0)
        {
            return FirstRow < EndRow ? (FirstRow, EndRow) : (0, 0);
        }

        // Forward: 0 ≤ r + Offset < Columns. Reversed: 0 ≤ Offset − r < Columns, so Offset − Columns < r ≤ Offset.
        long first = Reversed ? (long)Offset - Columns + 1 : -(long)Offset;
        long end = Reversed ? (long)Offset + 1 : (long)Columns - Offset;
        first = Math.Max(first, FirstRow);
        end = Math.Min(end, EndRow);
        return first < end ? ((int)first, (int)end) : (0, 0);
    }
}
