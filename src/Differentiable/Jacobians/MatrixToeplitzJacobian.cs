using System;

namespace Differentiable;

/// <summary>
/// A 2-D band of constant diagonals, the Jacobian of a 2-D correlation or convolution with respect to its image:
/// <c>Y[i, j] = Σ_a Σ_b K[a, b]·X[i + a, j + b]</c>. Row (i, j) holds <c>Kernel[a, b]</c> in column
/// (<c>i + RowOffset + a</c>, <c>j + ColumnOffset + b</c>), in the column-major vec order, for every (a, b) where that
/// element of X exists. A kernel of one column is a 1-D band along the rows (<c>Y[i, j] = Σ_a k[a]·X[i + a, j]</c>, each
/// column of X filtered alone), and likewise one row. Row and column windows leave the output elements outside them zero.
/// </summary>
/// <remarks>
/// It stores the kernel, not the entries: a 3 × 3 kernel over a 1000 × 1000 image is 72 bytes where the dense matrix is
/// 8 TB. Each product is one pass of y += a·x over contiguous columns of the image per kernel entry and column.
/// </remarks>
public sealed class MatrixToeplitzJacobian : Jacobian
{
    /// <summary>The band of <paramref name="kernel"/> from an m × n output to an M × N input, on the windows of its two indices.</summary>
    /// <param name="outputRows">m: Y's rows.</param>
    /// <param name="outputColumns">n: Y's columns.</param>
    /// <param name="inputRows">M: X's rows.</param>
    /// <param name="inputColumns">N: X's columns.</param>
    /// <param name="kernel">The value on each 2-D diagonal, <c>[a, b]</c> on offsets (RowOffset + a, ColumnOffset + b); referenced, not copied.</param>
    /// <param name="rowOffset">X's row of Y's row 0 at a = 0 (it may lie outside X).</param>
    /// <param name="columnOffset">X's column of Y's column 0 at b = 0 (it may lie outside X).</param>
    /// <param name="firstRow">The first row i of Y that may hold entries (clamped to [0, m], as a loop's bounds).</param>
    /// <param name="endRow">The row of Y after the last that may hold entries (clamped to [firstRow, m]; an empty window is a loop that never ran).</param>
    /// <param name="firstColumn">The first column j of Y that may hold entries (clamped to [0, n]).</param>
    /// <param name="endColumn">The column of Y after the last that may hold entries (clamped to [firstColumn, n]).</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">m·n or M·N exceeds <see cref="int.MaxValue"/>.</exception>
    public MatrixToeplitzJacobian(
        int outputRows, int outputColumns, int inputRows, int inputColumns, double[,] kernel, int rowOffset, int columnOffset,
        int firstRow, int endRow, int firstColumn, int endColumn)
        : base(
            TensorShape.Matrix(outputRows, outputColumns).Length,
            TensorShape.Matrix(inputRows, inputColumns).Length,
            TensorShape.Matrix(outputRows, outputColumns),
            TensorShape.Matrix(inputRows, inputColumns))
    {
        Kernel = Guard.NotNull(kernel, nameof(kernel));
        RowOffset = rowOffset;
        ColumnOffset = columnOffset;
        FirstRow = Math.Min(Math.Max(firstRow, 0), outputRows);
        EndRow = Math.Min(Math.Max(endRow, FirstRow), outputRows);
        FirstColumn = Math.Min(Math.Max(firstColumn, 0), outputColumns);
        EndColumn = Math.Min(Math.Max(endColumn, FirstColumn), outputColumns);
    }

    /// <summary>The band of <paramref name="kernel"/> on every element of the m × n output.</summary>
    /// <param name="outputRows">m: Y's rows.</param>
    /// <param name="outputColumns">n: Y's columns.</param>
    /// <param name="inputRows">M: X's rows.</param>
    /// <param name="inputColumns">N: X's columns.</param>
    /// <param name="kernel">The value on each 2-D diagonal; referenced, not copied.</param>
    /// <param name="rowOffset">X's row of Y's row 0 at a = 0.</param>
    /// <param name="columnOffset">X's column of Y's column 0 at b = 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="kernel"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">m·n or M·N exceeds <see cref="int.MaxValue"/>.</exception>
    public MatrixToeplitzJacobian(int outputRows, int outputColumns, int inputRows, int inputColumns, double[,] kernel, int rowOffset, int columnOffset)
        : this(outputRows, outputColumns, inputRows, inputColumns, kernel, rowOffset, columnOffset, 0, outputRows, 0, outputColumns)
    {
    }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.MatrixToeplitz;

    /// <summary>The array passed to the constructor (not a copy): <c>Kernel[a, b]</c> lies on offsets (RowOffset + a, ColumnOffset + b).</summary>
    public double[,] Kernel { get; }

    /// <summary>The row offset (X's row − Y's row) of the kernel's first row.</summary>
    public int RowOffset { get; }

    /// <summary>The column offset (X's column − Y's column) of the kernel's first column.</summary>
    public int ColumnOffset { get; }

    /// <summary>The first row of Y that may hold entries (0 unless a window was given), within [0, m].</summary>
    public int FirstRow { get; }

    /// <summary>The row of Y after the last that may hold entries (m unless a window was given), at least <see cref="FirstRow"/>.</summary>
    public int EndRow { get; }

    /// <summary>The first column of Y that may hold entries (0 unless a window was given), within [0, n].</summary>
    public int FirstColumn { get; }

    /// <summary>The column of Y after the last that may hold entries (n unless a window was given), at least <see cref="FirstColumn"/>.</summary>
    public int EndColumn { get; }

    private int OutputRows => OutputShape.Rows;

    private int InputRows => InputShape.Rows;

    private int InputColumns => InputShape.Columns;

    /// <summary>A new dense array with the band written.</summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        int m = OutputRows, sourceRows = InputRows;
        for (int b = 0; b < Kernel.GetLength(1); b++)
        {
            var (firstJ, endJ, columnShift) = Range(b, ColumnOffset, FirstColumn, EndColumn, InputColumns);
            for (int a = 0; a < Kernel.GetLength(0); a++)
            {
                var (firstI, endI, rowShift) = Range(a, RowOffset, FirstRow, EndRow, sourceRows);
                for (int j = firstJ; j < endJ; j++)
                {
                    for (int i = firstI; i < endI; i++)
                    {
                        dense[i + (j * m), i + rowShift + ((j + columnShift) * sourceRows)] = Kernel[a, b];
                    }
                }
            }
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column)
    {
        int m = OutputRows, sourceRows = InputRows;
        int i = row % m, j = row / m, p = column % sourceRows, q = column / sourceRows;
        if (i < FirstRow || i >= EndRow || j < FirstColumn || j >= EndColumn)
        {
            return 0.0;
        }

        // In long: an offset near int.MinValue must not wrap a far element into the band.
        long a = (long)p - i - RowOffset, b = (long)q - j - ColumnOffset;
        return a >= 0 && a < Kernel.GetLength(0) && b >= 0 && b < Kernel.GetLength(1) ? Kernel[a, b] : 0.0;
    }

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        int m = OutputRows, sourceRows = InputRows;
        for (int b = 0; b < Kernel.GetLength(1); b++)
        {
            var (firstJ, endJ, columnShift) = Range(b, ColumnOffset, FirstColumn, EndColumn, InputColumns);
            for (int a = 0; a < Kernel.GetLength(0); a++)
            {
                var (firstI, endI, rowShift) = Range(a, RowOffset, FirstRow, EndRow, sourceRows);
                if (firstI >= endI)
                {
                    continue;
                }

                double weight = scale * Kernel[a, b];
                for (int j = firstJ; j < endJ; j++)
                {
                    VectorMath.AddScaled(result.Slice(firstI + (j * m), endI - firstI), weight, v.Slice(firstI + rowShift + ((j + columnShift) * sourceRows)));
                }
            }
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        int m = OutputRows, sourceRows = InputRows;
        for (int b = 0; b < Kernel.GetLength(1); b++)
        {
            var (firstJ, endJ, columnShift) = Range(b, ColumnOffset, FirstColumn, EndColumn, InputColumns);
            for (int a = 0; a < Kernel.GetLength(0); a++)
            {
                var (firstI, endI, rowShift) = Range(a, RowOffset, FirstRow, EndRow, sourceRows);
                if (firstI >= endI)
                {
                    continue;
                }

                double weight = scale * Kernel[a, b];
                for (int j = firstJ; j < endJ; j++)
                {
                    VectorMath.AddScaled(result.Slice(firstI + rowShift + ((j + columnShift) * sourceRows), endI - firstI), weight, u.Slice(firstI + (j * m)));
                }
            }
        }
    }

    /// <summary>The output indices of a window whose input index on kernel position <paramref name="k"/> exists, and its offset.</summary>
    private static (int First, int End, int Offset) Range(int k, int offset, int windowFirst, int windowEnd, int inputLength) =>
        ToeplitzJacobian.BandRange((long)offset + k, windowFirst, windowEnd, inputLength);
}
