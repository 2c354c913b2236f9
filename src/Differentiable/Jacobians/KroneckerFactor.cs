using System;

namespace Differentiable;

/// <summary>What a <see cref="KroneckerFactor"/> stores.</summary>
public enum KroneckerFactorKind
{
    /// <summary>The n × n identity; nothing stored.</summary>
    Identity,

    /// <summary>A 1 × 1 factor.</summary>
    Scalar,

    /// <summary>A 1 × n row vector.</summary>
    RowVector,

    /// <summary>An n × 1 column vector.</summary>
    ColumnVector,

    /// <summary>A matrix.</summary>
    Matrix,

    /// <summary>The transpose of a stored matrix, read in place.</summary>
    TransposedMatrix,
}

/// <summary>
/// One factor of a <see cref="KroneckerJacobian"/>: an identity, a scalar, a vector or a (possibly transposed)
/// matrix. Immutable; the arrays it is built from are wrapped, not copied, so later writes to them show through.
/// </summary>
public sealed class KroneckerFactor
{
    private readonly double scalar;
    private readonly double[]? vector;
    private readonly double[,]? matrix;

    private KroneckerFactor(KroneckerFactorKind kind, int rows, int columns, double scalar = 1.0, double[]? vector = null, double[,]? matrix = null)
    {
        Kind = kind;
        Rows = rows;
        Columns = columns;
        this.scalar = scalar;
        this.vector = vector;
        this.matrix = matrix;
    }

    /// <summary>What the factor stores.</summary>
    public KroneckerFactorKind Kind { get; }

    /// <summary>Row count.</summary>
    public int Rows { get; }

    /// <summary>Column count.</summary>
    public int Columns { get; }

    /// <summary>The entry at <paramref name="row"/>, <paramref name="column"/>.</summary>
    /// <param name="row">Row index.</param>
    /// <param name="column">Column index.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public double this[int row, int column]
    {
        get
        {
            TensorShape.CheckIndex(row, Rows, nameof(row));
            TensorShape.CheckIndex(column, Columns, nameof(column));
            return Entry(row, column);
        }
    }

    /// <summary>The <paramref name="size"/> × <paramref name="size"/> identity.</summary>
    /// <param name="size">Row and column count; zero or more.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative.</exception>
    public static KroneckerFactor Identity(int size) => size >= 0
        ? new KroneckerFactor(KroneckerFactorKind.Identity, size, size)
        : throw new ArgumentOutOfRangeException(nameof(size), size, "A size cannot be negative.");

    /// <summary>The 1 × 1 factor <paramref name="value"/>.</summary>
    /// <param name="value">The only entry.</param>
    public static KroneckerFactor Scalar(double value) => new(KroneckerFactorKind.Scalar, 1, 1, scalar: value);

    /// <summary>The 1 × <c>values.Length</c> row vector <c>xᵀ</c>, wrapping <paramref name="values"/>.</summary>
    /// <param name="values">The entries.</param>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static KroneckerFactor RowVector(double[] values) =>
        new(KroneckerFactorKind.RowVector, 1, Guard.NotNull(values, nameof(values)).Length, vector: values);

    /// <summary>The <c>values.Length</c> × 1 column vector <c>x</c>, wrapping <paramref name="values"/>.</summary>
    /// <param name="values">The entries.</param>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null.</exception>
    public static KroneckerFactor ColumnVector(double[] values) =>
        new(KroneckerFactorKind.ColumnVector, Guard.NotNull(values, nameof(values)).Length, 1, vector: values);

    /// <summary>The matrix <paramref name="matrix"/>, wrapped.</summary>
    /// <param name="matrix">The entries, rows × columns.</param>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    public static KroneckerFactor Matrix(double[,] matrix) =>
        new(KroneckerFactorKind.Matrix, Guard.NotNull(matrix, nameof(matrix)).GetLength(0), matrix.GetLength(1), matrix: matrix);

    /// <summary>The transpose of <paramref name="matrix"/>, read in place without copying.</summary>
    /// <param name="matrix">The matrix to transpose; the factor has its column count as rows.</param>
    /// <exception cref="ArgumentNullException"><paramref name="matrix"/> is null.</exception>
    public static KroneckerFactor TransposedMatrix(double[,] matrix) =>
        new(KroneckerFactorKind.TransposedMatrix, Guard.NotNull(matrix, nameof(matrix)).GetLength(1), matrix.GetLength(0), matrix: matrix);

    /// <summary>Rows of the factor, or of its transpose.</summary>
    internal int RowsOf(bool transpose) => transpose ? Columns : Rows;

    /// <summary>Columns of the factor, or of its transpose.</summary>
    internal int ColumnsOf(bool transpose) => transpose ? Rows : Columns;

    /// <summary>Multiply-adds one application of the factor to a vector costs; guides the evaluation order.</summary>
    internal long ApplicationCost => Kind switch
    {
        KroneckerFactorKind.Scalar => 1,
        KroneckerFactorKind.Matrix or KroneckerFactorKind.TransposedMatrix => (long)Rows * Columns,
        _ => Math.Max(Rows, Columns),
    };

    /// <summary>Whether the factor is <c>scale·I</c>, which lets a Kronecker product skip a pass.</summary>
    internal bool IsScaledIdentity(out double scale)
    {
        scale = scalar;
        return Kind is KroneckerFactorKind.Identity or KroneckerFactorKind.Scalar;
    }

    /// <summary>Whether the entry is an identity's off-diagonal zero, which no value of the other factor changes.</summary>
    internal bool IsStructuralZero(int row, int column) => Kind == KroneckerFactorKind.Identity && row != column;

    /// <summary>The entry at <paramref name="row"/>, <paramref name="column"/>, both in range.</summary>
    internal double Entry(int row, int column) => Kind switch
    {
        KroneckerFactorKind.Identity => row == column ? 1.0 : 0.0,
        KroneckerFactorKind.Scalar => scalar,
        KroneckerFactorKind.RowVector => vector![column],
        KroneckerFactorKind.ColumnVector => vector![row],
        KroneckerFactorKind.Matrix => matrix![row, column],
        _ => matrix![column, row],
    };

    /// <summary>
    /// Writes <c>scale·F</c> into the block of <paramref name="target"/> whose top-left entry is
    /// [<paramref name="rowOffset"/>, <paramref name="columnOffset"/>]. An identity writes only its diagonal: the
    /// target is a fresh array, so its structural zeros are already there.
    /// </summary>
    internal void WriteScaledBlock(double scale, double[,] target, int rowOffset, int columnOffset)
    {
        if (Kind == KroneckerFactorKind.Identity)
        {
            for (int i = 0; i < Rows; i++)
            {
                target[rowOffset + i, columnOffset + i] = scale;
            }

            return;
        }

        for (int row = 0; row < Rows; row++)
        {
            for (int column = 0; column < Columns; column++)
            {
                target[rowOffset + row, columnOffset + column] = scale * Entry(row, column);
            }
        }
    }

    /// <summary>
    /// <c>R += scale·V·op(F)ᵀ</c>, where op(F) is the factor or (if <paramref name="transpose"/>) its transpose,
    /// and V and R are column-major with <paramref name="blockLength"/> rows: V has one column per column of
    /// op(F), R one per row. With <paramref name="blockLength"/> 1 this is the matrix-vector product
    /// <c>r += scale·op(F)·v</c>. Every case walks whole columns, so the inner loops run over contiguous memory.
    /// </summary>
    internal void AccumulateTimesTransposed(bool transpose, double scale, ReadOnlySpan<double> v, Span<double> r, int blockLength)
    {
        switch (Kind)
        {
            case KroneckerFactorKind.Identity:
            case KroneckerFactorKind.Scalar:
                VectorMath.AddScaled(r.Slice(0, blockLength * Rows), scale * scalar, v);
                return;
            case KroneckerFactorKind.RowVector:
            case KroneckerFactorKind.ColumnVector:
                AccumulateVector(opIsColumn: (Kind == KroneckerFactorKind.ColumnVector) != transpose, scale, v, r, blockLength);
                return;
            default:
                AccumulateMatrix(opIsStored: (Kind == KroneckerFactorKind.Matrix) != transpose, scale, v, r, blockLength);
                return;
        }
    }

    private void AccumulateVector(bool opIsColumn, double scale, ReadOnlySpan<double> v, Span<double> r, int blockLength)
    {
        double[] x = vector!;
        if (opIsColumn && blockLength == 1)
        {
            VectorMath.AddScaled(r.Slice(0, x.Length), scale * v[0], x);
        }
        else if (opIsColumn)
        {
            // op = x (n × 1): R[:, j] += scale·x[j]·V[:, 0].
            for (int j = 0; j < x.Length; j++)
            {
                VectorMath.AddScaled(r.Slice(j * blockLength, blockLength), scale * x[j], v);
            }
        }
        else
        {
            // op = xᵀ (1 × n): R[:, 0] += Σ_l scale·x[l]·V[:, l].
            Span<double> column = r.Slice(0, blockLength);
            for (int l = 0; l < x.Length; l++)
            {
                VectorMath.AddScaled(column, scale * x[l], v.Slice(l * blockLength, blockLength));
            }
        }
    }

    private void AccumulateMatrix(bool opIsStored, double scale, ReadOnlySpan<double> v, Span<double> r, int blockLength)
    {
        double[,] m = matrix!;
        int storedRows = m.GetLength(0);
        int storedColumns = m.GetLength(1);

        // Walk m in storage order; entry m[a, b] is op[a, b] (R[:, a] += w·V[:, b]) or op[b, a] (R[:, b] += w·V[:, a]).
        for (int a = 0; a < storedRows; a++)
        {
            if (blockLength == 1 && opIsStored)
            {
                double sum = 0.0;
                for (int b = 0; b < storedColumns; b++)
                {
                    sum += m[a, b] * v[b];
                }

                r[a] += scale * sum;
                continue;
            }

            for (int b = 0; b < storedColumns; b++)
            {
                double weight = scale * m[a, b];
                if (blockLength == 1)
                {
                    r[b] += weight * v[a];
                }
                else if (opIsStored)
                {
                    VectorMath.AddScaled(r.Slice(a * blockLength, blockLength), weight, v.Slice(b * blockLength, blockLength));
                }
                else
                {
                    VectorMath.AddScaled(r.Slice(b * blockLength, blockLength), weight, v.Slice(a * blockLength, blockLength));
                }
            }
        }
    }
}
