using System;

namespace Differentiable;

/// <summary>A diagonal Jacobian, as of an elementwise function: entry [r, r] is <c>Diagonal[r]</c>.</summary>
public sealed class DiagonalJacobian : Jacobian
{
    /// <summary>Wraps <paramref name="diagonal"/> without copying it: later writes to it show through.</summary>
    /// <param name="diagonal">The diagonal; its length is both <see cref="Jacobian.Rows"/> and <see cref="Jacobian.Columns"/>.</param>
    /// <param name="outputShape">Shape of the output; a vector of <c>diagonal.Length</c> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <c>diagonal.Length</c> elements if null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="diagonal"/> is null.</exception>
    /// <exception cref="ArgumentException">A shape does not have <c>diagonal.Length</c> elements.</exception>
    public DiagonalJacobian(double[] diagonal, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(Guard.NotNull(diagonal, nameof(diagonal)).Length, diagonal.Length, outputShape, inputShape)
    {
        Diagonal = diagonal;
    }

    /// <summary>The array passed to the constructor (not a copy).</summary>
    public double[] Diagonal { get; }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Diagonal;

    /// <inheritdoc />
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int i = 0; i < Diagonal.Length; i++)
        {
            dense[i, i] = Diagonal[i];
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => row == column ? Diagonal[row] : 0.0;

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale) =>
        VectorMath.AddScaledProduct(result, scale, Diagonal, v);

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale) =>
        VectorMath.AddScaledProduct(result, scale, Diagonal, u);
}
