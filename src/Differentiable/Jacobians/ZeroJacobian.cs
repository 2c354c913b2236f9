using System;

namespace Differentiable;

/// <summary>An all-zero Jacobian, as of an output that does not depend on the input.</summary>
public sealed class ZeroJacobian : Jacobian
{
    /// <summary>The <paramref name="rows"/> × <paramref name="columns"/> zero matrix.</summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not match its dimension.</exception>
    public ZeroJacobian(int rows, int columns, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(rows, columns, outputShape, inputShape)
    {
    }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Zero;

    /// <inheritdoc />
    public override double[,] ToDense() => new double[Rows, Columns];

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => 0.0;

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
    }
}
