using System;
using CsCheck;

namespace Differentiable.Tests;

/// <summary>Random inputs shared by the property tests: vectors and matrices with entries drawn uniformly from [min, max].</summary>
internal static class Gens
{
    public static Gen<double[]> Vector(int length, double min = -2.0, double max = 2.0) => Gen.Double[min, max].Array[length];

    public static Gen<double[,]> Matrix(int rows, int columns, double min = -2.0, double max = 2.0) =>
        Gen.Double[min, max].Array[rows * columns].Select(flat =>
        {
            var matrix = new double[rows, columns];
            Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(double));
            return matrix;
        });
}
