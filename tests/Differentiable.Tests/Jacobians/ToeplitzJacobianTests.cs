using System;

namespace Differentiable.Tests.Jacobians;

public class ToeplitzJacobianTests
{
    /// <summary>The definition, entry by entry: row r holds d[b] in column r + offset + b where r is in the window and the column exists.</summary>
    private static double[,] Expected(int rows, int columns, double[] diagonals, long offset, long firstRow, long endRow)
    {
        var expected = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int b = 0; b < diagonals.Length; b++)
            {
                long column = r + offset + b;
                if (r >= firstRow && r < endRow && column >= 0 && column < columns)
                {
                    expected[r, column] = diagonals[b];
                }
            }
        }

        return expected;
    }

    /// <summary>Entries, products and ToDense against the definition, for bands inside, across and outside the matrix.</summary>
    [Theory]
    [InlineData(8, 10, 3, 0)]
    [InlineData(10, 10, 3, -1)]
    [InlineData(10, 8, 5, -4)]
    [InlineData(4, 9, 6, 0)]
    [InlineData(6, 6, 1, 2)]
    [InlineData(5, 5, 4, 7)]
    [InlineData(5, 5, 4, -9)]
    [InlineData(5, 5, 12, -6)]
    [InlineData(0, 4, 2, 0)]
    [InlineData(4, 0, 2, 0)]
    [InlineData(5, 5, 0, 0)]
    public void EntriesAreTheDiagonalsValues(int rows, int columns, int count, int offset)
    {
        var diagonals = JacobianTestKit.RandomVector(new Random(rows * 31 + count), count);
        var jacobian = new ToeplitzJacobian(rows, columns, diagonals, offset);
        Assert.Equal(JacobianStructure.Toeplitz, jacobian.Structure);
        Assert.Same(diagonals, jacobian.Diagonals);
        Assert.Equal((offset, 0, rows), (jacobian.FirstOffset, jacobian.FirstRow, jacobian.EndRow));
        var expected = Expected(rows, columns, diagonals, offset, 0, rows);
        Assert.Equal(expected, jacobian.ToDense());
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(expected[r, c], jacobian[r, c]);
            }
        }

        JacobianTestKit.AssertMatches(expected, jacobian, seed: rows + columns + count + offset);
    }

    /// <summary>Only rows in the window hold entries; a window reaching outside the matrix, or empty, is clamped.</summary>
    [Theory]
    [InlineData(9, 9, 3, -1, 1, 8)]
    [InlineData(9, 11, 3, 0, 2, 9)]
    [InlineData(7, 7, 4, -3, 3, 3)]
    [InlineData(7, 7, 4, -3, 5, 1)]
    [InlineData(7, 7, 2, 0, -3, 4)]
    [InlineData(7, 7, 2, 1, 2, 99)]
    [InlineData(7, 7, 3, -1, int.MinValue, int.MaxValue)]
    public void OnlyTheWindowsRowsHoldEntries(int rows, int columns, int count, int offset, int firstRow, int endRow)
    {
        var diagonals = JacobianTestKit.RandomVector(new Random(count + firstRow), count);
        var jacobian = new ToeplitzJacobian(rows, columns, diagonals, offset, firstRow, endRow);
        int first = Math.Clamp(firstRow, 0, rows);
        Assert.Equal((first, Math.Clamp(endRow, first, rows)), (jacobian.FirstRow, jacobian.EndRow));
        var expected = Expected(rows, columns, diagonals, offset, firstRow, endRow);
        Assert.Equal(expected, jacobian.ToDense());
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(expected[r, c], jacobian[r, c]);
            }
        }

        JacobianTestKit.AssertMatches(expected, jacobian, seed: rows + count + firstRow);
    }

    /// <summary>Offsets at int's ends: no diagonal wraps round into the matrix, and one that reaches it from afar still counts.</summary>
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(int.MaxValue - 2)]
    [InlineData(int.MinValue)]
    [InlineData(int.MinValue + 1)]
    public void OffsetsAtIntsEndsDoNotWrap(int offset)
    {
        var diagonals = new[] { 1.0, 2.0, 3.0, 4.0 };
        var jacobian = new ToeplitzJacobian(4, 4, diagonals, offset);
        Assert.Equal(new double[4, 4], jacobian.ToDense());
        JacobianTestKit.AssertMatches(new double[4, 4], jacobian, seed: 3);
    }

    /// <summary>The band's storage is its diagonals: a kernel of 7 over a million samples, its products against the definition.</summary>
    [Fact]
    public void AMillionRowsCostTheKernelsBytes()
    {
        const int rows = 1_000_000;
        var diagonals = new[] { 0.5, -1.0, 0.25, 2.0, -0.75, 1.5, 0.125 };
        var jacobian = new ToeplitzJacobian(rows, rows + 6, diagonals, 0);
        var random = new Random(7);
        var v = JacobianTestKit.RandomVector(random, rows + 6);
        var result = new double[rows];
        jacobian.Multiply(v, result);
        var u = JacobianTestKit.RandomVector(random, rows);
        var back = new double[rows + 6];
        jacobian.TransposeMultiply(u, back);
        foreach (int r in new[] { 0, 1, 12_345, rows - 1 })
        {
            double expected = 0.0;
            for (int b = 0; b < diagonals.Length; b++)
            {
                expected += diagonals[b] * v[r + b];
            }

            Assert.Equal(expected, result[r], 12);
        }

        foreach (int c in new[] { 0, 3, 6, 500_000, rows + 5 })
        {
            double expected = 0.0;
            for (int b = 0; b < diagonals.Length; b++)
            {
                if (c - b >= 0 && c - b < rows)
                {
                    expected += diagonals[b] * u[c - b];
                }
            }

            Assert.Equal(expected, back[c], 12);
            if (c >= 2 && c - 2 < rows)
            {
                Assert.Equal(diagonals[2], jacobian[c - 2, c]);
            }
        }
    }

    [Fact]
    public void RejectsNullDiagonalsAndWrongLengths()
    {
        Assert.Throws<ArgumentNullException>(() => new ToeplitzJacobian(3, 3, null!, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ToeplitzJacobian(-1, 3, new double[2], 0));
        JacobianTestKit.AssertRejectsWrongLengths(new ToeplitzJacobian(3, 4, new[] { 1.0, 2.0 }, 0));
    }
}

public class MatrixToeplitzJacobianTests
{
    /// <summary>The definition: Y[i, j] holds K[a, b] at X[i + r + a, j + c + b], in the windows, where X has that element.</summary>
    private static double[,] Expected(int m, int n, int sourceRows, int sourceColumns, double[,] kernel, long r, long c, (int First, int End) rows, (int First, int End) columns)
    {
        var expected = new double[m * n, sourceRows * sourceColumns];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int b = 0; b < kernel.GetLength(1); b++)
                {
                    for (int a = 0; a < kernel.GetLength(0); a++)
                    {
                        long p = i + r + a, q = j + c + b;
                        if (i >= rows.First && i < rows.End && j >= columns.First && j < columns.End && p >= 0 && p < sourceRows && q >= 0 && q < sourceColumns)
                        {
                            expected[i + (j * m), p + (q * sourceRows)] = kernel[a, b];
                        }
                    }
                }
            }
        }

        return expected;
    }

    [Theory]
    [InlineData(4, 5, 6, 7, 3, 3, 0, 0, 0, 4, 0, 5)]
    [InlineData(6, 7, 6, 7, 3, 3, -1, -1, 1, 5, 1, 6)]
    [InlineData(6, 5, 8, 5, 3, 1, 0, 0, 0, 6, 0, 5)]
    [InlineData(5, 4, 5, 6, 1, 3, 0, -2, -2, 99, 1, 3)]
    [InlineData(5, 5, 5, 5, 2, 2, 4, -9, 0, 5, 0, 5)]
    [InlineData(5, 5, 5, 5, 2, 2, 0, 0, 3, 3, 0, 5)]
    [InlineData(0, 3, 4, 3, 2, 2, 0, 0, 0, 0, 0, 3)]
    [InlineData(3, 3, 3, 3, 0, 2, 0, 0, 0, 3, 0, 3)]
    [InlineData(4, 4, 4, 4, 2, 2, int.MaxValue, int.MinValue, int.MinValue, int.MaxValue, 0, 4)]
    public void EntriesAreTheKernelsValues(int m, int n, int sourceRows, int sourceColumns, int kernelRows, int kernelColumns, int r, int c, int firstRow, int endRow, int firstColumn, int endColumn)
    {
        var random = new Random(m + (7 * kernelRows) + r);
        var kernel = JacobianTestKit.RandomMatrix(random, kernelRows, kernelColumns);
        var jacobian = new MatrixToeplitzJacobian(m, n, sourceRows, sourceColumns, kernel, r, c, firstRow, endRow, firstColumn, endColumn);
        Assert.Equal(JacobianStructure.MatrixToeplitz, jacobian.Structure);
        Assert.Same(kernel, jacobian.Kernel);
        Assert.Equal((TensorShape.Matrix(m, n), TensorShape.Matrix(sourceRows, sourceColumns)), (jacobian.OutputShape, jacobian.InputShape));
        int first = Math.Clamp(firstRow, 0, m), firstJ = Math.Clamp(firstColumn, 0, n);
        Assert.Equal((first, Math.Clamp(endRow, first, m), firstJ, Math.Clamp(endColumn, firstJ, n)), (jacobian.FirstRow, jacobian.EndRow, jacobian.FirstColumn, jacobian.EndColumn));
        var expected = Expected(m, n, sourceRows, sourceColumns, kernel, r, c, (firstRow, endRow), (firstColumn, endColumn));
        Assert.Equal(expected, jacobian.ToDense());
        for (int row = 0; row < jacobian.Rows; row++)
        {
            for (int column = 0; column < jacobian.Columns; column++)
            {
                Assert.Equal(expected[row, column], jacobian[row, column]);
            }
        }

        JacobianTestKit.AssertMatches(expected, jacobian, seed: m + n + r);
        var whole = new MatrixToeplitzJacobian(m, n, sourceRows, sourceColumns, kernel, r, c);
        Assert.Equal(Expected(m, n, sourceRows, sourceColumns, kernel, r, c, (0, m), (0, n)), whole.ToDense());
    }

    [Fact]
    public void RejectsNullKernelsAndWrongLengths()
    {
        Assert.Throws<ArgumentNullException>(() => new MatrixToeplitzJacobian(3, 3, 3, 3, null!, 0, 0));
        Assert.ThrowsAny<ArgumentException>(() => new MatrixToeplitzJacobian(-1, 3, 3, 3, new double[1, 1], 0, 0));
        Assert.Throws<ArgumentException>(() => new MatrixToeplitzJacobian(70_000, 70_000, 3, 3, new double[1, 1], 0, 0));
        JacobianTestKit.AssertRejectsWrongLengths(new MatrixToeplitzJacobian(3, 4, 5, 4, new double[2, 1], 0, 0));
    }
}
