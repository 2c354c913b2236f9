using System;

namespace Differentiable.Tests;

/// <summary>How a companion's value is compared with the method's own result.</summary>
/// <remarks>
/// Companions run dot products through SIMD kernels (<see cref="DifferentiateAttribute.Vectorize"/>), which add the
/// products in another order: the value agrees with the method's result to rounding, not bit for bit. The bound is
/// far below any derivative tolerance and far above reassociation error for these sizes (n·ε·Σ|terms|, n ≤ 100).
/// Methods marked <c>Vectorize = false</c> are checked bit for bit in <c>VectorizationTests</c>.
/// </remarks>
internal static class Values
{
    public const double SummationTolerance = 1e-12;

    public static bool Agree(double expected, double actual) =>
        expected.Equals(actual) || Math.Abs(expected - actual) <= SummationTolerance * Math.Max(1.0, Math.Abs(expected));
}
