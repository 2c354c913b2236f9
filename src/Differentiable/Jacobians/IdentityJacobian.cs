using System;

namespace Differentiable;

/// <summary>The identity Jacobian, as of a copy or a reshape.</summary>
public sealed class IdentityJacobian : Jacobian
{
    /// <summary>The <paramref name="size"/> × <paramref name="size"/> identity.</summary>
    /// <param name="size">Element count of both the input and the output.</param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="size"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="size"/> elements if null. A reshape
    /// gives the two different shapes of equal length.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    /// <exception cref="ArgumentException">A shape does not have <paramref name="size"/> elements.</exception>
    public IdentityJacobian(int size, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(size, size, outputShape, inputShape)
    {
    }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Identity;

    /// <summary>A new dense array with its diagonal written: n writes, not n² entry evaluations.</summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int i = 0; i < Rows; i++)
        {
            dense[i, i] = 1.0;
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => row == column ? 1.0 : 0.0;

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale) =>
        VectorMath.AddScaled(result, scale, v);

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale) =>
        VectorMath.AddScaled(result, scale, u);

    /// <inheritdoc />
    protected override void MultiplyCore(ReadOnlySpan<double> v, Span<double> result) => v.CopyTo(result);

    /// <inheritdoc />
    protected override void TransposeMultiplyCore(ReadOnlySpan<double> u, Span<double> result) => u.CopyTo(result);
}
