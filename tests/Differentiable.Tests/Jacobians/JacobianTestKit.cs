using System;
using Xunit;

namespace Differentiable.Tests.Jacobians;

/// <summary>
/// Dense reference arithmetic, written independently of the library, and one check that holds a Jacobian to a
/// dense matrix in every way it can be read.
/// </summary>
internal static class JacobianTestKit
{
    private const double Tolerance = 1e-10;

    public static double[] RandomVector(Random random, int length)
    {
        var vector = new double[length];
        for (int i = 0; i < length; i++)
        {
            vector[i] = (random.NextDouble() * 2.0) - 1.0;
        }

        return vector;
    }

    public static double[,] RandomMatrix(Random random, int rows, int columns)
    {
        var matrix = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                matrix[i, j] = (random.NextDouble() * 2.0) - 1.0;
            }
        }

        return matrix;
    }

    public static double[,] IdentityMatrix(int size)
    {
        var identity = new double[size, size];
        for (int i = 0; i < size; i++)
        {
            identity[i, i] = 1.0;
        }

        return identity;
    }

    public static double[,] RowMatrix(double[] values)
    {
        var row = new double[1, values.Length];
        for (int j = 0; j < values.Length; j++)
        {
            row[0, j] = values[j];
        }

        return row;
    }

    public static double[,] ColumnMatrix(double[] values)
    {
        var column = new double[values.Length, 1];
        for (int i = 0; i < values.Length; i++)
        {
            column[i, 0] = values[i];
        }

        return column;
    }

    public static double[,] Transpose(double[,] matrix)
    {
        var transpose = new double[matrix.GetLength(1), matrix.GetLength(0)];
        for (int i = 0; i < matrix.GetLength(0); i++)
        {
            for (int j = 0; j < matrix.GetLength(1); j++)
            {
                transpose[j, i] = matrix[i, j];
            }
        }

        return transpose;
    }

    /// <summary>The Kronecker product by its definition: (A ⊗ B)[i·pB + k, j·qB + l] = A[i, j]·B[k, l].</summary>
    public static double[,] Kronecker(double[,] a, double[,] b)
    {
        int pA = a.GetLength(0), qA = a.GetLength(1), pB = b.GetLength(0), qB = b.GetLength(1);
        var product = new double[pA * pB, qA * qB];
        for (int i = 0; i < pA; i++)
        {
            for (int j = 0; j < qA; j++)
            {
                for (int k = 0; k < pB; k++)
                {
                    for (int l = 0; l < qB; l++)
                    {
                        product[(i * pB) + k, (j * qB) + l] = a[i, j] * b[k, l];
                    }
                }
            }
        }

        return product;
    }

    public static double[] Multiply(double[,] matrix, double[] v)
    {
        var result = new double[matrix.GetLength(0)];
        for (int i = 0; i < result.Length; i++)
        {
            for (int j = 0; j < v.Length; j++)
            {
                result[i] += matrix[i, j] * v[j];
            }
        }

        return result;
    }

    public static double[] TransposeMultiply(double[,] matrix, double[] u) => Multiply(Transpose(matrix), u);

    public static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], Tolerance);
        }
    }

    public static void AssertClose(double[,] expected, double[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
        {
            for (int j = 0; j < expected.GetLength(1); j++)
            {
                Assert.Equal(expected[i, j], actual[i, j], Tolerance);
            }
        }
    }

    /// <summary>
    /// Checks the indexer, ToDense, the four products (against dense products on random vectors) and the length
    /// validation of <paramref name="jacobian"/> against <paramref name="expected"/>.
    /// </summary>
    public static void AssertMatches(double[,] expected, Jacobian jacobian, int seed = 1)
    {
        int rows = expected.GetLength(0), columns = expected.GetLength(1);
        Assert.Equal(rows, jacobian.Rows);
        Assert.Equal(columns, jacobian.Columns);
        Assert.Equal(rows, jacobian.OutputShape.Length);
        Assert.Equal(columns, jacobian.InputShape.Length);

        var indexed = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                indexed[i, j] = jacobian[i, j];
            }
        }

        AssertClose(expected, indexed);
        double[,] dense = jacobian.ToDense();
        AssertClose(expected, dense);
        if (rows > 0 && columns > 0)
        {
            // ToDense hands out a fresh array: writing to it must not reach the Jacobian.
            double before = jacobian[0, 0];
            dense[0, 0] = before + 1.0;
            Assert.Equal(before, jacobian[0, 0]);
        }

        var random = new Random(seed);
        double[] v = RandomVector(random, columns);
        double[] u = RandomVector(random, rows);

        // Results start as NaN, so a product that does not overwrite every element shows.
        double[] forward = Filled(rows, double.NaN);
        jacobian.Multiply(v, forward);
        AssertClose(Multiply(expected, v), forward);

        double[] reverse = Filled(columns, double.NaN);
        jacobian.TransposeMultiply(u, reverse);
        AssertClose(TransposeMultiply(expected, u), reverse);

        double[] forwardStart = RandomVector(random, rows);
        double[] accumulated = (double[])forwardStart.Clone();
        jacobian.MultiplyAdd(v, accumulated, -0.75);
        AssertClose(AddScaled(forwardStart, -0.75, Multiply(expected, v)), accumulated);

        double[] reverseStart = RandomVector(random, columns);
        accumulated = (double[])reverseStart.Clone();
        jacobian.TransposeMultiplyAdd(u, accumulated, 2.5);
        AssertClose(AddScaled(reverseStart, 2.5, TransposeMultiply(expected, u)), accumulated);

        AssertRejectsWrongLengths(jacobian);
    }

    public static void AssertRejectsWrongLengths(Jacobian jacobian)
    {
        int rows = jacobian.Rows, columns = jacobian.Columns;
        Assert.Throws<ArgumentException>("v", () => jacobian.Multiply(new double[columns + 1], new double[rows]));
        Assert.Throws<ArgumentException>("result", () => jacobian.Multiply(new double[columns], new double[rows + 1]));
        Assert.Throws<ArgumentException>("u", () => jacobian.TransposeMultiply(new double[rows + 1], new double[columns]));
        Assert.Throws<ArgumentException>("result", () => jacobian.TransposeMultiply(new double[rows], new double[columns + 1]));
        Assert.Throws<ArgumentException>("v", () => jacobian.MultiplyAdd(new double[columns + 1], new double[rows]));
        Assert.Throws<ArgumentException>("u", () => jacobian.TransposeMultiplyAdd(new double[rows + 1], new double[columns]));
        Assert.Throws<ArgumentOutOfRangeException>("row", () => jacobian[rows, 0]);
        Assert.Throws<ArgumentOutOfRangeException>("row", () => jacobian[-1, 0]);
        if (rows > 0)
        {
            Assert.Throws<ArgumentOutOfRangeException>("column", () => jacobian[0, columns]);
        }

        if (rows > 0 && columns > 0)
        {
            // One buffer for both sides of a product would read elements it has already overwritten.
            var shared = new double[rows + columns];
            Assert.Throws<ArgumentException>("result", () => jacobian.Multiply(shared.AsSpan(0, columns), shared.AsSpan(columns - 1, rows)));
        }
    }

    private static double[] Filled(int length, double value)
    {
        var array = new double[length];
        array.AsSpan().Fill(value);
        return array;
    }

    private static double[] AddScaled(double[] start, double scale, double[] product)
    {
        var sum = new double[start.Length];
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] = start[i] + (scale * product[i]);
        }

        return sum;
    }
}
