using System;

namespace Differentiable;

/// <summary>A Jacobian with every entry stored: row <c>r</c> of the matrix is output element <c>r</c>.</summary>
public sealed class DenseJacobian : Jacobian
{
    /// <summary>Wraps <paramref name="matrix"/> without copying it: later writes to it show through.</summary>
    /// <param name="matrix">Output elements × input elements.</param>
    /// <param name="outputShape">Shape of the output; a vector of <c>matrix.GetLength(0)</c> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <c>matrix.GetLength(1)</c> elements if null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    /// <exception cref="ArgumentException">A shape does not match the matrix.</exception>
    public DenseJacobian(double[,] matrix, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(Guard.NotNull(matrix, nameof(matrix)).GetLength(0), matrix.GetLength(1), outputShape, inputShape)
    {
        Matrix = matrix;
    }

    /// <summary>The array passed to the constructor (not a copy).</summary>
    public double[,] Matrix { get; }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Dense;

    /// <inheritdoc />
    public override double[,] ToDense() => (double[,])Matrix.Clone();

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => Matrix[row, column];

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        for (int row = 0; row < Rows; row++)
        {
            double sum = 0.0;
            for (int column = 0; column < Columns; column++)
            {
                sum += Matrix[row, column] * v[column];
            }

            result[row] += scale * sum;
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        // Row by row, so the matrix is read in storage order.
        for (int row = 0; row < Rows; row++)
        {
            double weight = scale * u[row];
            for (int column = 0; column < Columns; column++)
            {
                result[column] += weight * Matrix[row, column];
            }
        }
    }
}
