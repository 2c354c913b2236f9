using System;
using System.ComponentModel;

namespace Differentiable.Runtime;

/// <summary>
/// Helpers that generated <c>{F}Jacobian</c> companions use to assemble dense Jacobians from JVP columns or VJP rows,
/// in the column-major vec order of the contract (element <c>X[i, j]</c> of an m×n matrix at <c>i + j·m</c>).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JacobianAssembly
{
    /// <summary>The shape of a vector.</summary>
    public static TensorShape Shape(double[] value) => TensorShape.Vector(value.Length);

    /// <summary>The shape of a matrix.</summary>
    public static TensorShape Shape(double[,] value) => TensorShape.Matrix(value.GetLength(0), value.GetLength(1));

    /// <summary>The shape of a scalar.</summary>
    public static TensorShape Shape(double value) => TensorShape.Scalar;

    /// <summary>Sets element <paramref name="k"/> of vec(<paramref name="value"/>).</summary>
    public static void SetVec(double[] value, int k, double element) => value[k] = element;

    /// <summary>Sets element <paramref name="k"/> of vec(<paramref name="value"/>) (column-major).</summary>
    public static void SetVec(double[,] value, int k, double element)
    {
        var rows = value.GetLength(0);
        value[k % rows, k / rows] = element;
    }

    /// <summary>Writes vec(<paramref name="value"/>) into column <paramref name="column"/> of <paramref name="jacobian"/>.</summary>
    public static void CopyToColumn(double[,] jacobian, int column, double[] value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            jacobian[k, column] = value[k];
        }
    }

    /// <summary>Writes vec(<paramref name="value"/>) into column <paramref name="column"/> of <paramref name="jacobian"/>.</summary>
    public static void CopyToColumn(double[,] jacobian, int column, double[,] value)
    {
        var rows = value.GetLength(0);
        for (var j = 0; j < value.GetLength(1); j++)
        {
            for (var i = 0; i < rows; i++)
            {
                jacobian[i + (j * rows), column] = value[i, j];
            }
        }
    }

    /// <summary>Writes a scalar into row 0 of column <paramref name="column"/>.</summary>
    public static void CopyToColumn(double[,] jacobian, int column, double value) => jacobian[0, column] = value;

    /// <summary>Writes vec(<paramref name="value"/>) into row <paramref name="row"/> of <paramref name="jacobian"/>.</summary>
    public static void CopyToRow(double[,] jacobian, int row, double[] value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            jacobian[row, k] = value[k];
        }
    }

    /// <summary>Writes vec(<paramref name="value"/>) into row <paramref name="row"/> of <paramref name="jacobian"/>.</summary>
    public static void CopyToRow(double[,] jacobian, int row, double[,] value)
    {
        var rows = value.GetLength(0);
        for (var j = 0; j < value.GetLength(1); j++)
        {
            for (var i = 0; i < rows; i++)
            {
                jacobian[row, i + (j * rows)] = value[i, j];
            }
        }
    }

    /// <summary>Writes a scalar into column 0 of row <paramref name="row"/>.</summary>
    public static void CopyToRow(double[,] jacobian, int row, double value) => jacobian[row, 0] = value;

    /// <summary>Writes vec(<paramref name="value"/>) into column <paramref name="column"/> from row <paramref name="rowOffset"/> on.</summary>
    public static void CopyToColumn(double[,] matrix, int column, int rowOffset, double[] value)
    {
        for (var k = 0; k < value.Length; k++)
        {
            matrix[rowOffset + k, column] = value[k];
        }
    }

    /// <summary>Writes vec(<paramref name="value"/>) into column <paramref name="column"/> from row <paramref name="rowOffset"/> on.</summary>
    public static void CopyToColumn(double[,] matrix, int column, int rowOffset, double[,] value)
    {
        var rows = value.GetLength(0);
        for (var j = 0; j < value.GetLength(1); j++)
        {
            for (var i = 0; i < rows; i++)
            {
                matrix[rowOffset + i + (j * rows), column] = value[i, j];
            }
        }
    }

    /// <summary>Writes a scalar into row <paramref name="rowOffset"/> of column <paramref name="column"/>.</summary>
    public static void CopyToColumn(double[,] matrix, int column, int rowOffset, double value) => matrix[rowOffset, column] = value;

    /// <summary>Makes a Hessian exactly symmetric by averaging it with its transpose (the halves differ only by rounding).</summary>
    public static void Symmetrize(double[,] matrix) => Symmetrize(matrix, matrix.GetLength(0));

    /// <summary>
    /// <see cref="Symmetrize(double[,])"/> for a banded matrix: only the pairs with |i − j| ≤ band, the rest being zero on
    /// both sides already. O(n·band) instead of O(n²).
    /// </summary>
    public static void Symmetrize(double[,] matrix, int band)
    {
        var n = matrix.GetLength(0);
        for (var i = 0; i < n; i++)
        {
            var last = Math.Min(n - 1, i + band);
            for (var j = i + 1; j <= last; j++)
            {
                var average = 0.5 * (matrix[i, j] + matrix[j, i]);
                matrix[i, j] = average;
                matrix[j, i] = average;
            }
        }
    }

    /// <summary>The most elements an array may have (<c>Array.MaxLength</c>, which netstandard2.0 lacks).</summary>
    private const int MaxArrayLength = 0x7FFFFFC7;

    /// <summary>
    /// Whether <c>new double[length]</c> would not throw for its size (OverflowException below 0, OutOfMemoryException
    /// past the largest array): a Jacobian built without the value must not exist where the value could not.
    /// </summary>
    public static bool CanAllocate(int length) => length >= 0 && length <= MaxArrayLength;

    /// <summary>Whether <c>new double[rows, columns]</c> would not throw for its size (see <see cref="CanAllocate(int)"/>).</summary>
    public static bool CanAllocate(int rows, int columns) => rows >= 0 && columns >= 0 && (long)rows * columns <= MaxArrayLength;

    /// <summary>A copy, so a Jacobian never changes when the caller later writes into its arguments.</summary>
    public static double[] Copy(double[] value) => (double[])value.Clone();

    /// <summary>A copy, so a Jacobian never changes when the caller later writes into its arguments.</summary>
    public static double[,] Copy(double[,] value) => (double[,])value.Clone();

    /// <summary>A transposed copy: the dense Jacobian of a row form x·W with respect to x is Wᵀ.</summary>
    public static double[,] Transpose(double[,] value)
    {
        var result = new double[value.GetLength(1), value.GetLength(0)];
        for (var i = 0; i < value.GetLength(0); i++)
        {
            for (var j = 0; j < value.GetLength(1); j++)
            {
                result[j, i] = value[i, j];
            }
        }

        return result;
    }

    /// <summary>Number of elements of a value: 1 for a scalar.</summary>
    public static int Count(double value) => 1;

    /// <summary>Number of elements of a value.</summary>
    public static int Count(Array value) => value?.Length ?? throw new ArgumentNullException(nameof(value));
}
