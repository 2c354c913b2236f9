using System;

namespace Differentiable;

/// <summary>
/// <c>diag(Diagonal) · Inner</c>: Inner with row r scaled by <c>Diagonal[r]</c>, as the chain rule gives for an
/// elementwise function applied after another, e.g. tanh(W·x + b) → diag(1 − s²)·(xᵀ ⊗ I).
/// </summary>
public sealed class DiagonalProductJacobian : Jacobian
{
    /// <summary>
    /// Scales the rows of <paramref name="inner"/>; both arguments are held, not copied, so later writes to
    /// <paramref name="diagonal"/> show through. The shapes are <paramref name="inner"/>'s.
    /// </summary>
    /// <param name="diagonal">One factor per row of <paramref name="inner"/>.</param>
    /// <param name="inner">The Jacobian whose rows are scaled.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="diagonal"/>'s length differs from <c>inner.Rows</c>.</exception>
    public DiagonalProductJacobian(double[] diagonal, Jacobian inner)
        : base(Guard.NotNull(inner, nameof(inner)).Rows, inner.Columns, inner.OutputShape, inner.InputShape)
    {
        if (Guard.NotNull(diagonal, nameof(diagonal)).Length != inner.Rows)
        {
            throw new ArgumentException($"Expected {inner.Rows} diagonal elements, got {diagonal.Length}.", nameof(diagonal));
        }

        Diagonal = diagonal;
        Inner = inner;
    }

    /// <summary>The array passed to the constructor (not a copy).</summary>
    public double[] Diagonal { get; }

    /// <summary>The Jacobian whose rows are scaled.</summary>
    public Jacobian Inner { get; }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.DiagonalProduct;

    /// <inheritdoc />
    public override double[,] ToDense()
    {
        double[,] dense = Inner.ToDense();
        for (int row = 0; row < Rows; row++)
        {
            for (int column = 0; column < Columns; column++)
            {
                dense[row, column] *= Diagonal[row];
            }
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column) => Diagonal[row] * Inner[row, column];

    /// <inheritdoc />
    protected override void MultiplyCore(ReadOnlySpan<double> v, Span<double> result)
    {
        // Overwriting needs no scratch: compute J·v in place, then scale the rows.
        Inner.Multiply(v, result);
        VectorMath.MultiplyElementwise(result, Diagonal);
    }

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        using var product = new PooledVector(Rows);
        Inner.Multiply(v, product.Span);
        VectorMath.AddScaledProduct(result, scale, Diagonal, product.Span);
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        // Jᵀ·diag(d)·u: scale the cotangent first, then pull it back through Inner.
        using var scaled = new PooledVector(Rows);
        VectorMath.AddScaledProduct(scaled.Span, scale, Diagonal, u);
        Inner.TransposeMultiplyAdd(scaled.Span, result);
    }
}
