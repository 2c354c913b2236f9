using System;

namespace Differentiable;

/// <summary>
/// The Kronecker product <c>Left ⊗ Right</c>: entry [r, c] is
/// <c>Left[r / Right.Rows, c / Right.Columns] · Right[r % Right.Rows, c % Right.Columns]</c>. Products use
/// <c>(A ⊗ B)·vec(V) = vec(B·V·Aᵀ)</c>, so they cost about what the factors cost, never
/// <see cref="Jacobian.Rows"/> × <see cref="Jacobian.Columns"/>. The Jacobian of <c>y = W·x</c> with respect to W is
/// <c>xᵀ ⊗ Iₙ</c>; see <see cref="ForMatrixVectorProduct"/>.
/// </summary>
public sealed class KroneckerJacobian : Jacobian
{
    /// <summary>The product <paramref name="left"/> ⊗ <paramref name="right"/>, holding both factors as given.</summary>
    /// <param name="left">The outer factor, pL × qL.</param>
    /// <param name="right">The inner factor, pR × qR.</param>
    /// <param name="outputShape">Shape of the output; a vector of pL·pR elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of qL·qR elements if null.</param>
    /// <exception cref="ArgumentNullException">A factor is null.</exception>
    /// <exception cref="ArgumentException">A shape does not match, or a dimension of the product exceeds <see cref="int.MaxValue"/>.</exception>
    public KroneckerJacobian(KroneckerFactor left, KroneckerFactor right, TensorShape? outputShape = null, TensorShape? inputShape = null)
        : base(
            ProductDimension(Guard.NotNull(left, nameof(left)).Rows, Guard.NotNull(right, nameof(right)).Rows),
            ProductDimension(left.Columns, right.Columns),
            outputShape,
            inputShape)
    {
        Left = left;
        Right = right;
    }

    /// <summary>The outer factor.</summary>
    public KroneckerFactor Left { get; }

    /// <summary>The inner factor.</summary>
    public KroneckerFactor Right { get; }

    /// <inheritdoc />
    public override JacobianStructure Structure => JacobianStructure.Kronecker;

    /// <summary>
    /// The Jacobian of <c>y = W·x</c> with respect to W, for W of <paramref name="rows"/> × <c>x.Length</c>:
    /// <c>xᵀ ⊗ I</c>, with entry [i, p + q·rows] = δ(i, p)·x[q], output shape a vector of <paramref name="rows"/>
    /// and input shape the matrix W. Wraps <paramref name="x"/> without copying it.
    /// </summary>
    /// <param name="rows">Row count of W, the output length.</param>
    /// <param name="x">The vector W multiplies.</param>
    /// <exception cref="ArgumentNullException"><paramref name="x"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rows"/> is negative.</exception>
    public static KroneckerJacobian ForMatrixVectorProduct(int rows, double[] x) => new(
        KroneckerFactor.RowVector(x),
        KroneckerFactor.Identity(rows),
        TensorShape.Vector(rows),
        TensorShape.Matrix(rows, x.Length));

    /// <summary>
    /// A new dense array, written block by block: block [i, j] is <c>Left[i, j]·Right</c>. An identity factor
    /// contributes only its diagonal, so <c>xᵀ ⊗ Iₙ</c> costs n·m writes, not n²·m entry evaluations.
    /// </summary>
    public override double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        int blockRows = Right.Rows, blockColumns = Right.Columns;
        for (int i = 0; i < Left.Rows; i++)
        {
            for (int j = 0; j < Left.Columns; j++)
            {
                if (!Left.IsStructuralZero(i, j))
                {
                    Right.WriteScaledBlock(Left.Entry(i, j), dense, i * blockRows, j * blockColumns);
                }
            }
        }

        return dense;
    }

    /// <inheritdoc />
    /// <remarks>
    /// An identity factor's off-diagonal zeros are structural: the entry is an exact 0 even where the other factor holds
    /// ∞ or NaN, as in <see cref="ToDense"/> and the products, which never multiply by them.
    /// </remarks>
    protected override double GetEntry(int row, int column)
    {
        int leftRow = row / Right.Rows, leftColumn = column / Right.Columns;
        int rightRow = row % Right.Rows, rightColumn = column % Right.Columns;
        return Left.IsStructuralZero(leftRow, leftColumn) || Right.IsStructuralZero(rightRow, rightColumn)
            ? 0.0
            : Left.Entry(leftRow, leftColumn) * Right.Entry(rightRow, rightColumn);
    }

    /// <inheritdoc />
    protected override void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale) =>
        MultiplyAdd(transpose: false, v, result, scale);

    /// <inheritdoc />
    protected override void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale) =>
        MultiplyAdd(transpose: true, u, result, scale);

    /// <summary>
    /// <c>result += scale·(A ⊗ B)·v</c> with A, B the factors or (for the transpose, as (A ⊗ B)ᵀ = Aᵀ ⊗ Bᵀ) their
    /// transposes. Viewing v as V (qB × qA) and result as R (pB × pA), both column-major, this is
    /// <c>R += scale·B·V·Aᵀ</c>.
    /// </summary>
    private void MultiplyAdd(bool transpose, ReadOnlySpan<double> v, Span<double> result, double scale)
    {
        KroneckerFactor a = Left, b = Right;
        int pA = a.RowsOf(transpose), qA = a.ColumnsOf(transpose);
        int pB = b.RowsOf(transpose), qB = b.ColumnsOf(transpose);

        if (b.IsScaledIdentity(out double scaleB))
        {
            // R += scale·sB·V·Aᵀ in one pass; for xᵀ ⊗ Iₙ this is result[i] += Σ_q x[q]·v[i + q·n].
            a.AccumulateTimesTransposed(transpose, scale * scaleB, v, result, pB);
            return;
        }

        if (a.IsScaledIdentity(out double scaleA))
        {
            // R[:, j] += scale·sA·B·V[:, j], column by column.
            for (int j = 0; j < pA; j++)
            {
                b.AccumulateTimesTransposed(transpose, scale * scaleA, v.Slice(j * qB, qB), result.Slice(j * pB, pB), 1);
            }

            return;
        }

        // Both factors general: one intermediate, in whichever order costs fewer multiply-adds.
        long rightFirstCost = (b.ApplicationCost * qA) + (a.ApplicationCost * pB);
        long leftFirstCost = (a.ApplicationCost * qB) + (b.ApplicationCost * pA);
        if (rightFirstCost <= leftFirstCost)
        {
            using var product = new PooledVector(checked(pB * qA)); // T = B·V, pB × qA
            Span<double> t = product.Span;
            for (int l = 0; l < qA; l++)
            {
                b.AccumulateTimesTransposed(transpose, 1.0, v.Slice(l * qB, qB), t.Slice(l * pB, pB), 1);
            }

            a.AccumulateTimesTransposed(transpose, scale, t, result, pB);
        }
        else
        {
            using var product = new PooledVector(checked(qB * pA)); // U = V·Aᵀ, qB × pA
            Span<double> u = product.Span;
            a.AccumulateTimesTransposed(transpose, 1.0, v, u, qB);
            for (int j = 0; j < pA; j++)
            {
                b.AccumulateTimesTransposed(transpose, scale, u.Slice(j * qB, qB), result.Slice(j * pB, pB), 1);
            }
        }
    }

    private static int ProductDimension(int outer, int inner)
    {
        long product = (long)outer * inner;
        return product <= int.MaxValue
            ? (int)product
            : throw new ArgumentException($"A Kronecker product dimension of {outer}·{inner} exceeds {int.MaxValue}.");
    }
}
