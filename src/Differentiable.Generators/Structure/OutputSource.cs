using System.Collections.Generic;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Structure;

/// <summary>
/// Where a structured Jacobian reads the shape of the method's result: from the computed value (<c>FJacobian</c>), or,
/// without a value (<c>FJacobianOnly</c>), from int locals holding the extents the method allocates its result with.
/// </summary>
internal sealed class OutputSource
{
    private readonly IReadOnlyList<string> extents;

    private OutputSource(string? value, IReadOnlyList<string> extents, string count)
    {
        Value = value;
        this.extents = extents;
        Count = count;
    }

    /// <summary>The computed value's name, or null where there is none to read.</summary>
    public string? Value { get; }

    /// <summary>The number of the result's elements (rows of the Jacobian).</summary>
    public string Count { get; }

    /// <summary>The lengths of a computed value of the given rank (1 or 2).</summary>
    public static OutputSource OfValue(string value, int rank) => new(
        value,
        rank == 1 ? new[] { $"{value}.Length" } : new[] { $"{value}.GetLength(0)", $"{value}.GetLength(1)" },
        $"{value}.Length");

    /// <summary>Int locals holding the result's extents, and one holding their product.</summary>
    public static OutputSource OfExtents(IReadOnlyList<string> extents, string count) => new(null, extents, count);

    /// <summary>The result's extent along dimension <paramref name="k"/>.</summary>
    public string Extent(int k) => extents[k];

    /// <summary><c>y.Length</c> or <c>y.GetLength(k)</c> of the method's result, read from this source.</summary>
    public Expr Length(ArrayLength length) => Value is { } value ? length with { Array = value }
        : new Variable(length.Dimension < 0 ? Count : extents[length.Dimension]);

    /// <summary>An expression of the method with the lengths of its result (a local the companion lacks) read from this source.</summary>
    public Expr Read(Expr expression, string result) => IrWalker.Rewrite(expression, node =>
        node is ArrayLength length && length.Array == result ? Length(length) : null);
}
