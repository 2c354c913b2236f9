using System;

namespace Differentiable;

/// <summary>
/// A band of constant diagonals (a Toeplitz matrix of any shape): row r holds <c>Diagonals[b]</c> in column
/// <c>r + FirstOffset + b</c>, for every b where that column exists. It is the Jacobian of a correlation or a
/// convolution with respect to its signal: <c>y[i] = Σ_j w[j]·x[i + j]</c> has the diagonals w from offset 0, and
/// <c>y[i] = Σ_j w[j]·x[i − j]</c> has w reversed, from offset 1 − w.Length. A row window (<see cref="FirstRow"/>,
/// <see cref="EndRow"/>) leaves the rows outside it zero, as a loop that writes only the middle of y does.
/// </summary>
/// <remarks>
/// It stores the K diagonals, not the rows × K entries of the band: for a kernel of 5 over 10,000 samples, 40 bytes
/// where the dense matrix is 800 MB. Each product is K passes of y += a·x over contiguous rows.
/// </remarks>
public sealed class ToeplitzJacobian : Jacobian
{
    /// <summary>The <paramref name="rows"/> × <paramref name="columns"/> band of <paramref name="diagonals"/>.</summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="diagonals">The value on each diagonal, the first on offset <paramref name="firstOffset"/>; referenced, not copied.</param>
    /// <param name="firstOffset">The column of row 0's first diagonal entry (it may lie outside the matrix: that entry is then absent).</param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="diagonals"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not have the element count of its dimension.</exception>
    public ToeplitzJacobian(int rows, int columns, double[] diagonals, int firstOffset, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : this(rows, columns, diagonals, firstOffset, 0, rows, outputShape, inputShape)
    {
    }

    /// <summary>The band with only the rows in [<paramref name="firstRow"/>, <paramref name="endRow"/>) holding entries.</summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="diagonals">The value on each diagonal, the first on offset <paramref name="firstOffset"/>; referenced, not copied.</param>
    /// <param name="firstOffset">The column of row 0's first diagonal entry (it may lie outside the matrix: that entry is then absent).</param>
    /// <param name="firstRow">The first row that may hold entries; rows before it are zero.</param>
    /// <param name="endRow">
    /// The row after the last that may hold entries. The window may be empty (a loop that never ran) or reach outside the
    /// matrix, like a loop's bounds: only its rows inside the matrix count.
    /// </param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="diagonals"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not have the element count of its dimension.</exception>
    public ToeplitzJacobian(int rows, int columns, double[] diagonals, int firstOffset, int firstRow, int endRow, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(rows, columns, outputShape, inputShape)
    {
        Diagonals = Guard.NotNull(diagonals, nameof(diagonals));
        FirstOffset = firstOffset;
        // netstandard2.0 has no Math.Clamp.
        FirstRow = Math.Min(Math.Max(firstRow, 0), Rows);
        EndRow = Math.Min(Math.Max(endRow, FirstRow), Rows);
    }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Toeplitz;

    /// <summary>The array passed to the constructor (not a copy): <c>Diagonals[b]</c> lies on offset <c>FirstOffset + b</c>.</summary>
    public double[] Diagonals { get; }

    /// <summary>The offset (column − row) of the first diagonal.</summary>
    public int FirstOffset { get; }

    /// <summary>The first row that may hold entries (0 unless a window was given), within [0, <see cref="Jacobian.Rows"/>].</summary>
    public int FirstRow { get; }

    /// <summary>The row after the last that may hold entries (<see cref="Jacobian.Rows"/> unless a window was given), at least <see cref="FirstRow"/>.</summary>
    public int EndRow { get; }

    /// <summary>A new dense array with the band written: at most rows × diagonals writes.</summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int b = 0; b < Diagonals.Length; b++)
        {
            var (first, end, offset) = RowsOf(b);
            for (int row = first; row < end; row++)
            {
                dense[row, row + offset] = Diagonals[b];
            }
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column)
    {
        if (row < FirstRow || row >= EndRow)
        {
            return 0.0;
        }

        // In long: a first offset near int.MinValue must not wrap a far column into the band.
        long b = (long)column - row - FirstOffset;
        return b >= 0 && b < Diagonals.Length ? Diagonals[b] : 0.0;
    }

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        for (int b = 0; b < Diagonals.Length; b++)
        {
            var (first, end, offset) = RowsOf(b);
            if (first < end)
            {
                VectorMath.AddScaled(result.Slice(first, end - first), scale * Diagonals[b], v.Slice(first + offset));
            }
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        for (int b = 0; b < Diagonals.Length; b++)
        {
            var (first, end, offset) = RowsOf(b);
            if (first < end)
            {
                VectorMath.AddScaled(result.Slice(first + offset, end - first), scale * Diagonals[b], u.Slice(first));
            }
        }
    }

    /// <summary>The rows of the window whose entry on diagonal <paramref name="b"/> lies inside the matrix, and that diagonal's offset.</summary>
    private (int First, int End, int Offset) RowsOf(int b) => BandRange((long)FirstOffset + b, FirstRow, EndRow, Columns);

    /// <summary>
    /// The output indices [first, end) of a window [<paramref name="windowFirst"/>, <paramref name="windowEnd"/>) whose
    /// input index, output + <paramref name="shift"/>, lies in [0, <paramref name="inputLength"/>), and the shift, which
    /// fits in int wherever the range is not empty. In long: an offset plus a kernel position may pass int.MaxValue.
    /// </summary>
    internal static (int First, int End, int Offset) BandRange(long shift, int windowFirst, int windowEnd, int inputLength)
    {
        long first = Math.Max(-shift, windowFirst);
        long end = Math.Min(inputLength - shift, windowEnd);
        return first < end ? ((int)first, (int)end, (int)shift) : (0, 0, 0);
    }
}
