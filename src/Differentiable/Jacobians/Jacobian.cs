using System;

namespace Differentiable;

/// <summary>
/// The Jacobian of a function from an input tensor to an output tensor, kept in a structured form (dense,
/// Kronecker, diagonal, ...) so that indexing and products cost what the structure costs, never what the dense
/// matrix would. Row <c>r</c> is the output element at vec index <c>r</c>, column <c>c</c> the input element at vec
/// index <c>c</c>, both in the column-major vec convention of <see cref="TensorShape"/>.
/// </summary>
/// <remarks>
/// <see cref="ToDense"/> is the only operation that materialises every entry. The products are allocation-free;
/// their input and result spans must not overlap.
/// </remarks>
public abstract class Jacobian
{
    /// <summary>Sets the dimensions and the shapes.</summary>
    /// <param name="rows">Output element count.</param>
    /// <param name="columns">Input element count.</param>
    /// <param name="outputShape">Shape of the output; a vector of <paramref name="rows"/> elements if null.</param>
    /// <param name="inputShape">Shape of the input; a vector of <paramref name="columns"/> elements if null.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">A shape's element count differs from its dimension.</exception>
    protected Jacobian(int rows, int columns, TensorShape? outputShape, TensorShape? inputShape)
    {
        OutputShape = ResolveShape(outputShape, rows, nameof(outputShape), nameof(rows));
        InputShape = ResolveShape(inputShape, columns, nameof(inputShape), nameof(columns));
        Rows = rows;
        Columns = columns;
    }

    /// <summary>Number of output elements: <c>OutputShape.Length</c>.</summary>
    public int Rows { get; }

    /// <summary>Number of input elements: <c>InputShape.Length</c>.</summary>
    public int Columns { get; }

    /// <summary>Shape of the output this Jacobian differentiates.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>Shape of the input this Jacobian differentiates with respect to.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The stored structure.</summary>
    public abstract JacobianStructure Structure { get; }

    /// <summary>The derivative of output element <paramref name="row"/> with respect to input element <paramref name="column"/>.</summary>
    /// <param name="row">Output vec index.</param>
    /// <param name="column">Input vec index.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double this[int row, int column]
    {
        get
        {
            TensorShape.CheckIndex(row, Rows, nameof(row));
            TensorShape.CheckIndex(column, Columns, nameof(column));
            return GetEntry(row, column);
        }
    }

    /// <summary>A new <see cref="Rows"/> × <see cref="Columns"/> array holding every entry; the caller owns it.</summary>
    public virtual double[,] ToDense()
    {
        var dense = new double[Rows, Columns];
        for (int row = 0; row < Rows; row++)
        {
            for (int column = 0; column < Columns; column++)
            {
                dense[row, column] = GetEntry(row, column);
            }
        }

        return dense;
    }

    /// <summary>The Jacobian-vector product <c>result = J·v</c> (forward mode).</summary>
    /// <param name="v">A tangent of the input: <see cref="Columns"/> elements.</param>
    /// <param name="result">Receives the tangent of the output: <see cref="Rows"/> elements, all overwritten.</param>
    /// <exception cref="ArgumentException">A length is wrong or the spans overlap.</exception>
    public void Multiply(ReadOnlySpan<double> v, Span<double> result)
    {
        CheckProduct(v, Columns, nameof(v), result, Rows);
        MultiplyCore(v, result);
    }

    /// <summary>The vector-Jacobian product <c>result = Jᵀ·u</c> (reverse mode).</summary>
    /// <param name="u">A cotangent of the output: <see cref="Rows"/> elements.</param>
    /// <param name="result">Receives the cotangent of the input: <see cref="Columns"/> elements, all overwritten.</param>
    /// <exception cref="ArgumentException">A length is wrong or the spans overlap.</exception>
    public void TransposeMultiply(ReadOnlySpan<double> u, Span<double> result)
    {
        CheckProduct(u, Rows, nameof(u), result, Columns);
        TransposeMultiplyCore(u, result);
    }

    /// <summary>The accumulating product <c>result += scale·J·v</c>.</summary>
    /// <param name="v">A tangent of the input: <see cref="Columns"/> elements.</param>
    /// <param name="result">The <see cref="Rows"/> elements to add to.</param>
    /// <param name="scale">Factor applied to the product.</param>
    /// <exception cref="ArgumentException">A length is wrong or the spans overlap.</exception>
    public void MultiplyAdd(ReadOnlySpan<double> v, Span<double> result, double scale = 1.0)
    {
        CheckProduct(v, Columns, nameof(v), result, Rows);
        if (scale != 0.0)
        {
            MultiplyAddCore(v, result, scale);
        }
    }

    /// <summary>The accumulating product <c>result += scale·Jᵀ·u</c>, as reverse mode uses to sum gradients.</summary>
    /// <param name="u">A cotangent of the output: <see cref="Rows"/> elements.</param>
    /// <param name="result">The <see cref="Columns"/> elements to add to.</param>
    /// <param name="scale">Factor applied to the product.</param>
    /// <exception cref="ArgumentException">A length is wrong or the spans overlap.</exception>
    public void TransposeMultiplyAdd(ReadOnlySpan<double> u, Span<double> result, double scale = 1.0)
    {
        CheckProduct(u, Rows, nameof(u), result, Columns);
        if (scale != 0.0)
        {
            TransposeMultiplyAddCore(u, result, scale);
        }
    }

    /// <summary>∂y_i/∂x_p for a vector output and a vector input.</summary>
    /// <param name="i">Output element.</param>
    /// <param name="p">Input element.</param>
    /// <exception cref="InvalidOperationException">The output or the input is not a vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double Partial(int i, int p)
    {
        RequireRanks(1, 1);
        return GetEntry(OutputShape.VecIndex(i), InputShape.VecIndex(p));
    }

    /// <summary>∂y_i/∂W_pq for a vector output and a matrix input.</summary>
    /// <param name="i">Output element.</param>
    /// <param name="p">Input row.</param>
    /// <param name="q">Input column.</param>
    /// <exception cref="InvalidOperationException">The output is not a vector or the input not a matrix.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double Partial(int i, int p, int q)
    {
        RequireRanks(1, 2);
        return GetEntry(OutputShape.VecIndex(i), InputShape.VecIndex(p, q));
    }

    /// <summary>∂Y_ij/∂X_pq for a matrix output and a matrix input.</summary>
    /// <param name="i">Output row.</param>
    /// <param name="j">Output column.</param>
    /// <param name="p">Input row.</param>
    /// <param name="q">Input column.</param>
    /// <exception cref="InvalidOperationException">The output or the input is not a matrix.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double Partial(int i, int j, int p, int q)
    {
        RequireRanks(2, 2);
        return GetEntry(OutputShape.VecIndex(i, j), InputShape.VecIndex(p, q));
    }

    /// <summary>
    /// The partial derivative of the output element at <paramref name="outputIndex"/> with respect to the input
    /// element at <paramref name="inputIndex"/>, for shapes of any rank; each multi-index has one entry per
    /// dimension (none for a scalar).
    /// </summary>
    /// <param name="outputIndex">Multi-index into <see cref="OutputShape"/>.</param>
    /// <param name="inputIndex">Multi-index into <see cref="InputShape"/>.</param>
    /// <exception cref="ArgumentException">A multi-index's length differs from its shape's rank.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double Partial(ReadOnlySpan<int> outputIndex, ReadOnlySpan<int> inputIndex)
    {
        if (outputIndex.Length != OutputShape.Rank)
        {
            throw new ArgumentException($"The output is a {OutputShape}: it takes {OutputShape.Rank} indices.", nameof(outputIndex));
        }

        if (inputIndex.Length != InputShape.Rank)
        {
            throw new ArgumentException($"The input is a {InputShape}: it takes {InputShape.Rank} indices.", nameof(inputIndex));
        }

        return GetEntry(OutputShape.VecIndex(outputIndex), InputShape.VecIndex(inputIndex));
    }

    /// <summary>Describes the structure, size and shapes.</summary>
    public override string ToString() => $"{Structure} Jacobian {Rows}x{Columns} ({InputShape} -> {OutputShape})";

    /// <summary>The entry at <paramref name="row"/>, <paramref name="column"/>, both already checked to be in range.</summary>
    /// <param name="row">Output vec index.</param>
    /// <param name="column">Input vec index.</param>
    protected abstract double GetEntry(int row, int column);

    /// <summary><c>result += scale·J·v</c>, with lengths checked and <paramref name="scale"/> nonzero.</summary>
    /// <param name="v"><see cref="Columns"/> elements.</param>
    /// <param name="result"><see cref="Rows"/> elements.</param>
    /// <param name="scale">Factor applied to the product.</param>
    protected abstract void MultiplyAddCore(ReadOnlySpan<double> v, Span<double> result, double scale);

    /// <summary><c>result += scale·Jᵀ·u</c>, with lengths checked and <paramref name="scale"/> nonzero.</summary>
    /// <param name="u"><see cref="Rows"/> elements.</param>
    /// <param name="result"><see cref="Columns"/> elements.</param>
    /// <param name="scale">Factor applied to the product.</param>
    protected abstract void TransposeMultiplyAddCore(ReadOnlySpan<double> u, Span<double> result, double scale);

    /// <summary><c>result = J·v</c>, with lengths checked; by default clears and accumulates.</summary>
    /// <param name="v"><see cref="Columns"/> elements.</param>
    /// <param name="result"><see cref="Rows"/> elements.</param>
    protected virtual void MultiplyCore(ReadOnlySpan<double> v, Span<double> result)
    {
        result.Clear();
        MultiplyAddCore(v, result, 1.0);
    }

    /// <summary><c>result = Jᵀ·u</c>, with lengths checked; by default clears and accumulates.</summary>
    /// <param name="u"><see cref="Rows"/> elements.</param>
    /// <param name="result"><see cref="Columns"/> elements.</param>
    protected virtual void TransposeMultiplyCore(ReadOnlySpan<double> u, Span<double> result)
    {
        result.Clear();
        TransposeMultiplyAddCore(u, result, 1.0);
    }

    /// <summary>Throws unless <paramref name="other"/> has this Jacobian's dimensions.</summary>
    private protected void RequireSameDimensions(Jacobian other, string parameterName)
    {
        if (other.Rows != Rows || other.Columns != Columns)
        {
            throw new ArgumentException(
                $"Expected a {Rows}x{Columns} Jacobian, got {other.Rows}x{other.Columns}.", parameterName);
        }
    }

    private static TensorShape ResolveShape(TensorShape? shape, int length, string shapeName, string lengthName)
    {
        if (length < 0)
        {
            ThrowNegativeDimension(length, lengthName);
        }

        if (shape is not { } given)
        {
            return TensorShape.Vector(length);
        }

        if (given.Length != length)
        {
            ThrowShapeMismatch(given, length, shapeName);
        }

        return given;
    }

    // Out of line, like TensorShape's, so that the constructor every generated Jacobian companion calls stays small.
    private static void ThrowNegativeDimension(int length, string lengthName) =>
        throw new ArgumentOutOfRangeException(lengthName, length, "A Jacobian dimension cannot be negative.");

    private static void ThrowShapeMismatch(TensorShape given, int length, string shapeName) =>
        throw new ArgumentException($"A {given} has {given.Length} elements, not {length}.", shapeName);

    private static void CheckProduct(ReadOnlySpan<double> input, int inputLength, string inputName, Span<double> result, int resultLength)
    {
        if (input.Length != inputLength)
        {
            throw new ArgumentException($"Expected {inputLength} elements, got {input.Length}.", inputName);
        }

        if (result.Length != resultLength)
        {
            throw new ArgumentException($"Expected {resultLength} elements, got {result.Length}.", nameof(result));
        }

        if (result.Overlaps(input))
        {
            throw new ArgumentException("The result must not overlap the vector it is computed from.", nameof(result));
        }
    }

    private void RequireRanks(int outputRank, int inputRank)
    {
        if (OutputShape.Rank != outputRank || InputShape.Rank != inputRank)
        {
            throw new InvalidOperationException(
                $"This Jacobian maps a {InputShape} to a {OutputShape}; the overload expects rank {inputRank} "
                + $"to rank {outputRank}. Use Partial(outputIndex, inputIndex) for other shapes.");
        }
    }
}
