using System;

namespace Differentiable;

/// <summary><c>Scale · Inner</c>, as of multiplying a function's output by a constant.</summary>
public sealed class ScaledJacobian : Jacobian
{
    /// <summary>Scales <paramref name="inner"/>, which is held, not copied; the shapes are its shapes.</summary>
    /// <param name="scale">The factor.</param>
    /// <param name="inner">The Jacobian scaled.</param>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    public ScaledJacobian(double scale, Jacobian inner)
        : base(Guard.NotNull(inner, nameof(inner)).Rows, inner.Columns, inner.OutputShape, inner.InputShape)
    {
        Scale = scale;
        Inner = inner;
    }

    /// <summary>The factor.</summary>
    public double Scale { get; }

    /// <summary>The Jacobian scaled.</summary>
    public Jacobian Inner { get; }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Scaled;

    /// <inheritdoc />
    public override double[,] ToDense()
    {
        double[,] dense = Inner.ToDense();
        for (int row = 0; row < Rows; row++)
        {
            for (int column = 0; column < Columns; column++)
            {
                dense[row, column] *= Scale;
            }
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => Scale * Inner[row, column];

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale) =>
        Inner.MultiplyAdd(v, result, scale * Scale);

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale) =>
        Inner.TransposeMultiplyAdd(u, result, scale * Scale);
}
