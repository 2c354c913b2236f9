namespace Differentiable;

/// <summary>The structure a <see cref="Jacobian"/> stores, which decides what indexing and products cost.</summary>
public enum JacobianStructure
{
    /// <summary>Every entry stored: <see cref="DenseJacobian"/>.</summary>
    Dense,

    /// <summary>A Kronecker product of two factors: <see cref="KroneckerJacobian"/>.</summary>
    Kronecker,

    /// <summary>A diagonal matrix: <see cref="DiagonalJacobian"/>.</summary>
    Diagonal,

    /// <summary>The identity: <see cref="IdentityJacobian"/>.</summary>
    Identity,

    /// <summary>All zeros: <see cref="ZeroJacobian"/>.</summary>
    Zero,

    /// <summary>A scalar times another Jacobian: <see cref="ScaledJacobian"/>.</summary>
    Scaled,

    /// <summary>A sum of Jacobians of equal size: <see cref="SumJacobian"/>.</summary>
    Sum,

    /// <summary>Another Jacobian with its rows scaled, diag(d)·J: <see cref="DiagonalProductJacobian"/>.</summary>
    DiagonalProduct,

    /// <summary>A permutation matrix such as the commutation matrix: <see cref="PermutationJacobian"/>.</summary>
    Permutation,

    /// <summary>
    /// A shifted (or reversed) identity of any shape, as of a stencil's term <c>y[i] = x[i + k]</c>:
    /// <see cref="ShiftJacobian"/>.
    /// </summary>
    Shift,

    /// <summary>
    /// A shift of a matrix's elements in both indices, as of a 2-D stencil's term <c>Y[i, j] = X[i + a, j + b]</c>:
    /// <see cref="MatrixShiftJacobian"/>.
    /// </summary>
    MatrixShift,

    /// <summary>
    /// A band of constant diagonals, as of a correlation's or a convolution's term <c>y[i] = Σ_j w[j]·x[i + j]</c>:
    /// <see cref="ToeplitzJacobian"/>.
    /// </summary>
    Toeplitz,

    /// <summary>
    /// A 2-D band of constant diagonals, as of an image filter's <c>Y[i, j] = Σ_a Σ_b K[a, b]·X[i + a, j + b]</c>:
    /// <see cref="MatrixToeplitzJacobian"/>.
    /// </summary>
    MatrixToeplitz,
}
