using System;

namespace Differentiable.Tests.Jacobians;

public class ShiftJacobianTests
{
    /// <summary>Entries, products and ToDense against the definition, entry by entry: row r's 1 in column r + k (k − r).</summary>
    [Theory]
    [InlineData(4, 5, 1, false)]
    [InlineData(5, 5, 0, false)]
    [InlineData(6, 3, -2, false)]
    [InlineData(3, 7, 6, false)]
    [InlineData(5, 5, 4, true)]
    [InlineData(4, 6, 5, true)]
    [InlineData(6, 4, 7, true)]
    [InlineData(4, 4, 9, false)]
    [InlineData(4, 4, -9, true)]
    [InlineData(0, 3, 1, false)]
    [InlineData(3, 0, 0, true)]
    public void EntriesAreTheShiftedIdentitys(int rows, int columns, int offset, bool reversed)
    {
        var jacobian = new ShiftJacobian(rows, columns, offset, reversed);
        Assert.Equal(JacobianStructure.Shift, jacobian.Structure);
        var expected = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            int column = reversed ? offset - r : r + offset;
            if (column >= 0 && column < columns)
            {
                expected[r, column] = 1.0;
            }

            Assert.Equal(column >= 0 && column < columns ? column : -1, jacobian.SourceColumn(r));
        }

        Assert.Equal(expected, jacobian.ToDense());
        JacobianTestKit.AssertMatches(expected, jacobian, seed: rows + columns + offset);
    }

    /// <summary>Only rows in the window [first, end) hold their 1; a window reaching outside the matrix or empty is clamped.</summary>
    [Theory]
    [InlineData(6, 6, -1, false, 1, 5)]
    [InlineData(6, 6, 0, false, 1, 6)]
    [InlineData(6, 4, 1, false, 0, 5)]
    [InlineData(5, 5, 4, true, 2, 4)]
    [InlineData(5, 5, 0, false, 3, 3)]
    [InlineData(5, 5, 0, false, 4, 1)]
    [InlineData(5, 5, 0, false, -3, 2)]
    [InlineData(5, 5, 1, false, 2, 99)]
    [InlineData(5, 5, 0, false, int.MinValue, int.MaxValue)]
    public void OnlyTheWindowsRowsHoldTheirOne(int rows, int columns, int offset, bool reversed, int firstRow, int endRow)
    {
        var jacobian = new ShiftJacobian(rows, columns, offset, reversed, firstRow, endRow);
        int first = Math.Clamp(firstRow, 0, rows);
        Assert.Equal((first, Math.Clamp(endRow, first, rows)), (jacobian.FirstRow, jacobian.EndRow));
        var expected = new double[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            int column = reversed ? offset - r : r + offset;
            bool inside = r >= firstRow && r < endRow && column >= 0 && column < columns;
            if (inside)
            {
                expected[r, column] = 1.0;
            }

            Assert.Equal(inside ? column : -1, jacobian.SourceColumn(r));
            for (int c = 0; c < columns; c++)
            {
                Assert.Equal(expected[r, c], jacobian[r, c]);
            }
        }

        Assert.Equal(expected, jacobian.ToDense());
        JacobianTestKit.AssertMatches(expected, jacobian, seed: rows + columns + offset + firstRow);
    }

    /// <summary>Y[i, j] = X[i + a, j + b] (or reversed), in vec order: each entry against the definition, and the products.</summary>
    [Theory]
    [InlineData(3, 4, 3, 4, 1, false, 0, false)]
    [InlineData(4, 3, 5, 3, 0, false, -1, false)]
    [InlineData(3, 3, 3, 3, 2, true, 1, false)]
    [InlineData(2, 5, 4, 6, 1, false, 5, true)]
    [InlineData(0, 3, 2, 3, 0, false, 0, false)]
    [InlineData(3, 2, 3, 0, 0, false, 0, false)]
    public void MatrixShiftsMoveBothIndices(int m, int n, int sourceRows, int sourceColumns, int a, bool aReversed, int b, bool bReversed)
    {
        var rowShift = new ShiftJacobian(m, sourceRows, a, aReversed, 1, m);
        var columnShift = new ShiftJacobian(n, sourceColumns, b, bReversed);
        var jacobian = new MatrixShiftJacobian(rowShift, columnShift);
        Assert.Equal(JacobianStructure.MatrixShift, jacobian.Structure);
        Assert.Equal((TensorShape.Matrix(m, n), TensorShape.Matrix(sourceRows, sourceColumns)), (jacobian.OutputShape, jacobian.InputShape));
        var expected = new double[m * n, sourceRows * sourceColumns];
        for (int j = 0; j < n; j++)
        {
            for (int i = 1; i < m; i++) // the row window starts at 1
            {
                int p = aReversed ? a - i : i + a;
                int q = bReversed ? b - j : j + b;
                if (p >= 0 && p < sourceRows && q >= 0 && q < sourceColumns)
                {
                    expected[i + (j * m), p + (q * sourceRows)] = 1.0;
                }
            }
        }

        Assert.Equal(expected, jacobian.ToDense());
        for (int r = 0; r < jacobian.Rows; r++)
        {
            for (int c = 0; c < jacobian.Columns; c++)
            {
                Assert.Equal(expected[r, c], jacobian[r, c]);
            }
        }

        JacobianTestKit.AssertMatches(expected, jacobian, seed: m + n + a + b);
    }

    /// <summary>Cyclic shifts: column (r + k) % m in int, as C# computes it (negative for a negative dividend: a zero row).</summary>
    [Theory]
    [InlineData(5, 5, 1, false, 5)]
    [InlineData(5, 5, 4, false, 5)]
    [InlineData(5, 5, 5, true, 5)]
    [InlineData(6, 4, -2, false, 4)]
    [InlineData(6, 4, 3, true, -4)]
    [InlineData(4, 4, int.MaxValue, false, 7)]
    [InlineData(4, 4, 2, false, -1)]
    public void CyclicShiftsWrapAsCSharpsRemainder(int rows, int columns, int offset, bool reversed, int modulus)
    {
        var jacobian = new ShiftJacobian(rows, columns, offset, reversed, 1, rows, modulus);
        Assert.Equal(modulus, jacobian.Modulus);
        var expected = new double[rows, columns];
        for (int r = 1; r < rows; r++)
        {
            int column = modulus == -1 ? 0 : unchecked(reversed ? offset - r : r + offset) % modulus;
            if (column >= 0 && column < columns)
            {
                expected[r, column] = 1.0;
            }

            Assert.Equal(column >= 0 && column < columns ? column : -1, jacobian.SourceColumn(r));
        }

        Assert.Equal(-1, jacobian.SourceColumn(0)); // outside the window
        Assert.Equal(expected, jacobian.ToDense());
        JacobianTestKit.AssertMatches(expected, jacobian, seed: rows + offset + modulus);
        var matrix = new MatrixShiftJacobian(jacobian, new ShiftJacobian(3, 2, 1, false, 0, 3, 2));
        JacobianTestKit.AssertMatches(matrix.ToDense(), matrix, seed: rows);
    }

    [Fact]
    public void OffsetsNearTheIntRangeDoNotWrapIntoTheMatrix()
    {
        var up = new ShiftJacobian(3, 3, int.MaxValue);
        var down = new ShiftJacobian(3, 3, int.MinValue, reversed: true);
        Assert.Equal(new double[3, 3], up.ToDense());
        Assert.Equal(new double[3, 3], down.ToDense());
        Assert.Equal(-1, up.SourceColumn(2));
        Assert.Equal(0.0, up[2, 0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => up.SourceColumn(3));
    }
}
