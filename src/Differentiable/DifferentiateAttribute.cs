using System;

namespace Differentiable;

/// <summary>
/// Marks a <c>static</c> method of a <c>partial</c> type for compile-time differentiation.
/// The source generator emits companion methods (<c>{Name}Gradient</c>, <c>{Name}Jvp</c>, and for
/// array-valued methods <c>{Name}Jacobian</c> and <c>{Name}Vjp</c>) into the same partial type.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DifferentiateAttribute : Attribute
{
    /// <summary>Differentiate with respect to every differentiable parameter.</summary>
    public DifferentiateAttribute()
    {
        WithRespectTo = Array.Empty<string>();
    }

    /// <summary>Differentiate with respect to the named parameters only (use <c>nameof</c>).</summary>
    /// <param name="withRespectTo">Names of the parameters to differentiate with respect to.</param>
    public DifferentiateAttribute(params string[] withRespectTo)
    {
        WithRespectTo = withRespectTo ?? Array.Empty<string>();
    }

    /// <summary>The parameters to differentiate with respect to; empty means all differentiable parameters.</summary>
    public string[] WithRespectTo { get; }

    /// <summary>Also emit <c>{Name}Hessian</c> (scalar-valued methods only).</summary>
    public bool Hessian { get; set; }

    /// <summary>
    /// The largest number of loop iterations the generator unrolls when a trip count is known at compile time.
    /// Loops beyond it stay loops. Zero means the generator's default.
    /// </summary>
    public int MaxUnroll { get; set; }

    /// <summary>
    /// Whether the companions run recognized contractions (dot products, axpy updates over contiguous runs of arrays)
    /// through SIMD kernels. True by default. Dot products are then summed in another order, so a companion's
    /// <c>Value</c> may differ from the method's own result in the last bits; false keeps every loop as written, and the
    /// value bit-identical.
    /// </summary>
    public bool Vectorize { get; set; } = true;
}
