using System;

namespace Differentiable;

/// <summary>
/// The shape of a value a <see cref="Jacobian"/> differentiates: a scalar (rank 0), a vector (rank 1) or a matrix
/// (rank 2). Elements are laid out column-major (the vec convention of Magnus and Neudecker): element
/// <c>X[i, j]</c> of a matrix sits at vec index <c>i + j * Rows</c>.
/// </summary>
/// <remarks>The default value is <see cref="Scalar"/>.</remarks>
public readonly struct TensorShape : IEquatable<TensorShape>
{
    // Only meaningful for the ranks that use them; the default instance is the scalar shape.
    private readonly int dimension0;
    private readonly int dimension1;

    private TensorShape(int rank, int dimension0, int dimension1)
    {
        Rank = rank;
        this.dimension0 = dimension0;
        this.dimension1 = dimension1;
    }

    /// <summary>The shape of a scalar: rank 0, one element.</summary>
    public static TensorShape Scalar => default;

    /// <summary>The shape of a vector of <paramref name="length"/> elements.</summary>
    /// <param name="length">Element count; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public static TensorShape Vector(int length)
    {
        if (length < 0)
        {
            ThrowNegative(nameof(length), length, "A vector length cannot be negative.");
        }

        return new TensorShape(1, length, 0);
    }

    /// <summary>The shape of a <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    /// <param name="rows">Row count; zero or more.</param>
    /// <param name="columns">Column count; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    /// <exception cref="ArgumentException">The element count does not fit in an <see cref="int"/>.</exception>
    public static TensorShape Matrix(int rows, int columns)
    {
        if (rows < 0)
        {
            ThrowNegative(nameof(rows), rows, "A row count cannot be negative.");
        }

        if (columns < 0)
        {
            ThrowNegative(nameof(columns), columns, "A column count cannot be negative.");
        }

        if ((long)rows * columns > int.MaxValue)
        {
            ThrowTooLarge(rows, columns);
        }

        return new TensorShape(2, rows, columns);
    }

    // Generated Jacobian companions build shapes on every call: with the throws out of line, Vector and Matrix are
    // small enough for the JIT to inline.
    private static void ThrowNegative(string parameterName, int value, string message) =>
        throw new ArgumentOutOfRangeException(parameterName, value, message);

    private static void ThrowTooLarge(int rows, int columns) =>
        throw new ArgumentException($"A {rows}x{columns} matrix has more than {int.MaxValue} elements.");

    /// <summary>0 for a scalar, 1 for a vector, 2 for a matrix.</summary>
    public int Rank { get; }

    /// <summary>Rows of the column-major layout: the length of a vector, 1 for a scalar.</summary>
    public int Rows => Rank == 0 ? 1 : dimension0;

    /// <summary>Columns of the column-major layout: 1 for a vector or a scalar.</summary>
    public int Columns => Rank == 2 ? dimension1 : 1;

    /// <summary>The element count.</summary>
    public int Length => Rows * Columns;

    /// <summary>The vec index of element <paramref name="i"/> of a vector, which is <paramref name="i"/>.</summary>
    /// <param name="i">Element index.</param>
    /// <exception cref="InvalidOperationException">The shape is not a vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="i"/> is out of range.</exception>
    public int VecIndex(int i)
    {
        RequireRank(1);
        CheckIndex(i, Rows, nameof(i));
        return i;
    }

    /// <summary>The vec index <c>i + j * Rows</c> of element <c>[i, j]</c> of a matrix.</summary>
    /// <param name="i">Row index.</param>
    /// <param name="j">Column index.</param>
    /// <exception cref="InvalidOperationException">The shape is not a matrix.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public int VecIndex(int i, int j)
    {
        RequireRank(2);
        CheckIndex(i, Rows, nameof(i));
        CheckIndex(j, Columns, nameof(j));
        return i + j * Rows;
    }

    /// <summary>
    /// The vec index of a multi-index of any rank: empty for a scalar, <c>[i]</c> for a vector, <c>[i, j]</c> for a
    /// matrix.
    /// </summary>
    /// <param name="index">One index per dimension.</param>
    /// <exception cref="ArgumentException"><paramref name="index"/> has a length other than <see cref="Rank"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public int VecIndex(ReadOnlySpan<int> index)
    {
        if (index.Length != Rank)
        {
            throw new ArgumentException($"A {this} takes {Rank} indices, not {index.Length}.", nameof(index));
        }

        return Rank switch
        {
            0 => 0,
            1 => VecIndex(index[0]),
            _ => VecIndex(index[0], index[1]),
        };
    }

    /// <summary>Whether both shapes have the same rank and dimensions.</summary>
    /// <param name="other">The shape to compare with.</param>
    public bool Equals(TensorShape other) => Rank == other.Rank && Rows == other.Rows && Columns == other.Columns;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TensorShape other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (Rank * 397 ^ Rows) * 397 ^ Columns;

    /// <summary>Describes the shape: <c>scalar</c>, <c>vector[n]</c> or <c>matrix[r x c]</c>.</summary>
    public override string ToString() => Rank switch
    {
        0 => "scalar",
        1 => $"vector[{Rows}]",
        _ => $"matrix[{Rows}x{Columns}]",
    };

    /// <summary>Whether two shapes are equal.</summary>
    /// <param name="left">A shape.</param>
    /// <param name="right">Another shape.</param>
    public static bool operator ==(TensorShape left, TensorShape right) => left.Equals(right);

    /// <summary>Whether two shapes differ.</summary>
    /// <param name="left">A shape.</param>
    /// <param name="right">Another shape.</param>
    public static bool operator !=(TensorShape left, TensorShape right) => !left.Equals(right);

    internal static void CheckIndex(int index, int count, string parameterName)
    {
        if ((uint)index >= (uint)count)
        {
            throw new ArgumentOutOfRangeException(parameterName, index, $"Index must be in [0, {count}).");
        }
    }

    private void RequireRank(int rank)
    {
        if (Rank != rank)
        {
            throw new InvalidOperationException($"This is a {this}; the overload takes {rank} indices.");
        }
    }
}
