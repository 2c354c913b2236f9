using System;
using System.Collections.Generic;

namespace Differentiable;

/// <summary>The sum of Jacobians of one size, as where an input reaches the output along several paths.</summary>
public sealed class SumJacobian : Jacobian
{
    private readonly Jacobian[] terms;

    /// <summary>
    /// Sums <paramref name="terms"/>, holding the array as given (not a copy). The shapes are the first term's.
    /// </summary>
    /// <param name="terms">One or more Jacobians, all with the same <see cref="Jacobian.Rows"/> and <see cref="Jacobian.Columns"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="terms"/> or one of its elements is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="terms"/> is empty or the sizes differ.</exception>
    public SumJacobian(params Jacobian[] terms)
        : base(First(terms).Rows, terms[0].Columns, terms[0].OutputShape, terms[0].InputShape)
    {
        for (int k = 0; k < terms.Length; k++)
        {
            RequireSameDimensions(Guard.NotNull(terms[k], nameof(terms)), nameof(terms));
        }

        this.terms = terms;
    }

    /// <summary>The terms, in the array passed to the constructor.</summary>
    public IReadOnlyList<Jacobian> Terms => terms;

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Sum;

    /// <inheritdoc />
    public override double[,] ToDense()
    {
        double[,] dense = terms[0].ToDense();
        for (int k = 1; k < terms.Length; k++)
        {
            double[,] term = terms[k].ToDense();
            for (int row = 0; row < Rows; row++)
            {
                for (int column = 0; column < Columns; column++)
                {
                    dense[row, column] += term[row, column];
                }
            }
        }

        return dense;
    }

    /// <inheritdoc />
    protected override double GetEntry(int row, int column)
    {
        double sum = 0.0;
        foreach (Jacobian term in terms)
        {
            sum += term[row, column];
        }

        return sum;
    }

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        foreach (Jacobian term in terms)
        {
            term.MultiplyAdd(v, result, scale);
        }
    }

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale)
    {
        foreach (Jacobian term in terms)
        {
            term.TransposeMultiplyAdd(u, result, scale);
        }
    }

    private static Jacobian First(Jacobian[] terms) => Guard.NotNull(terms, nameof(terms)).Length > 0
        ? Guard.NotNull(terms[0], nameof(terms))
        : throw new ArgumentException("A sum needs at least one term.", nameof(terms));
}
