using System.Globalization;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Emit;

/// <summary>
/// Where the float components of a float or System.Numerics parameter sit among a Jacobian's columns. Vectors and
/// quaternions are vectors of their fields (X, Y, Z, W); <c>Matrix3x2</c> and <c>Matrix4x4</c> are matrices whose
/// element <c>Mrc</c> is row r, column c, in the column-major vec order every other matrix follows
/// (<c>M11, M21, M31, M12, …</c>); a float is a scalar.
/// </summary>
internal static class ComponentLayout
{
    /// <summary>The column of component <paramref name="component"/> (in the parameter's field order) in vec order.</summary>
    public static int VecIndex(ParameterModel parameter, int component)
    {
        var (rows, _) = MatrixSize(parameter);
        if (rows == 0)
        {
            return component;
        }

        var (row, column) = Element(parameter, component);
        return row - 1 + ((column - 1) * rows);
    }

    /// <summary>The parameter's <c>TensorShape</c>, as generated code.</summary>
    public static string Shape(ParameterModel parameter)
    {
        const string TensorShape = "global::Differentiable.TensorShape";
        if (parameter.Type == IrType.Single)
        {
            return TensorShape + ".Scalar";
        }

        var (rows, columns) = MatrixSize(parameter);
        return rows == 0
            ? $"{TensorShape}.Vector({Number(parameter.Components.Count)})"
            : $"{TensorShape}.Matrix({Number(rows)}, {Number(columns)})";
    }

    /// <summary>Component <paramref name="component"/> of <paramref name="value"/>, a value of the parameter's type.</summary>
    public static string Field(ParameterModel parameter, int component, string value) =>
        parameter.Type == IrType.Single ? value : value + parameter.Components[component].Substring(parameter.Name.Length);

    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static (int Row, int Column) Element(ParameterModel parameter, int component)
    {
        // p.M23: the last two characters are the row and the column.
        var name = parameter.Components[component];
        return (name[name.Length - 2] - '0', name[name.Length - 1] - '0');
    }

    /// <summary>Rows and columns of a System.Numerics matrix, or (0, 0) for a float, a vector or a quaternion.</summary>
    private static (int Rows, int Columns) MatrixSize(ParameterModel parameter) => parameter.TypeName switch
    {
        "global::System.Numerics.Matrix4x4" => (4, 4),
        "global::System.Numerics.Matrix3x2" => (3, 2),
        _ => (0, 0),
    };
}
