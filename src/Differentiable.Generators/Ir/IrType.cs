namespace Differentiable.Generators.Ir;

/// <summary>The value types the IR knows. Only Double and the double arrays carry derivatives.</summary>
internal enum IrType
{
    Double,
    Int32,
    Boolean,
    DoubleArray,
    DoubleMatrix,
    Int32Array,

    /// <summary><c>float</c>: computed in float in the primal, differentiated in double.</summary>
    Single,

    /// <summary>Generated code only: <c>System.Numerics.Vector&lt;double&gt;</c>, a row per lane (<c>LaneIterations</c>).</summary>
    DoubleVector,
}

internal static class IrTypeExtensions
{
    public static bool IsArray(this IrType type) => type is IrType.DoubleArray or IrType.DoubleMatrix or IrType.Int32Array;

    public static bool IsDifferentiable(this IrType type) => type is IrType.Double or IrType.DoubleArray or IrType.DoubleMatrix or IrType.Single;

    /// <summary>A scalar that carries a derivative: double or float.</summary>
    public static bool IsReal(this IrType type) => type is IrType.Double or IrType.Single;

    public static int Rank(this IrType type) => type == IrType.DoubleMatrix ? 2 : 1;

    public static string ToCSharp(this IrType type) => type switch
    {
        IrType.Double => "double",
        IrType.Int32 => "int",
        IrType.Boolean => "bool",
        IrType.DoubleArray => "double[]",
        IrType.DoubleMatrix => "double[,]",
        IrType.Int32Array => "int[]",
        IrType.Single => "float",
        IrType.DoubleVector => "global::System.Numerics.Vector<double>",
        _ => throw new System.ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The element type of an array type.</summary>
    public static IrType ElementType(this IrType type) => type == IrType.Int32Array ? IrType.Int32 : IrType.Double;
}
