using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Model;

/// <summary>A type that contains the differentiated method, as needed to reopen it as a partial declaration.</summary>
/// <param name="Keyword">class, struct, record, record struct, interface.</param>
/// <param name="Name">The identifier with its type parameter list, e.g. <c>Layer&lt;T&gt;</c>.</param>
internal sealed record ContainingType(string Keyword, string Name, bool IsStatic);

/// <param name="Name">The parameter's name in the source.</param>
/// <param name="TypeName">The fully qualified C# type, for the companion's signature.</param>
/// <param name="Type">The IR type, or null for a pass-through parameter the body does not read.</param>
/// <param name="IsActive">True when the method is differentiated with respect to it.</param>
/// <param name="Components">For a float or a System.Numerics value: the IR names of its float components (a float
/// parameter is its own single component; <c>p.X</c>, <c>p.Y</c>, <c>p.Z</c> for a Vector3). Empty otherwise.</param>
internal sealed record ParameterModel(string Name, string TypeName, IrType? Type, bool IsActive, EquatableArray<string> Components = default)
{
    /// <summary>Whether the parameter's gradient is assembled from double adjoints of float components.</summary>
    public bool IsComposite => Components.Count > 0;
}

/// <summary>
/// A System.Numerics result (Vector3, Quaternion, Matrix4x4 …). The body computes it into a double array of its
/// components (a vector's fields, a matrix's elements at [row − 1, column − 1]), which every transformation reads as
/// any array result; the companions convert at their signatures.
/// </summary>
/// <param name="TypeName">The fully qualified type.</param>
/// <param name="Fields">Its fields, in constructor order (X, Y, Z; M11, M12, …).</param>
/// <param name="Columns">A matrix's columns (2 for Matrix3x2, 4 for Matrix4x4), or 0 for a vector or quaternion.</param>
internal sealed record NumericsResult(string TypeName, EquatableArray<string> Fields, int Columns)
{
    /// <summary>The value of an array of components, as the System.Numerics type.</summary>
    public string FromArray(string array) =>
        $"new {TypeName}({string.Join(", ", Enumerable.Range(0, Fields.Count).Select(k => $"(float){array}[{Index(k)}]"))})";

    /// <summary>The array of a System.Numerics value's components, as generated code.</summary>
    public string ToArray(string value) => Columns == 0
        ? $"new double[] {{ {string.Join(", ", Fields.Select(f => $"{value}.{f}"))} }}"
        : $"new double[,] {{ {string.Join(", ", Rows(Fields.AsImmutableArray()).Select(row => "{ " + string.Join(", ", row.Select(f => $"{value}.{f}")) + " }"))} }}";

    /// <summary>The array's C# type.</summary>
    public string ArrayType => Columns == 0 ? "double[]" : "double[,]";

    /// <summary>Items in field order (row by row), split into the array's rows: one row for a vector or quaternion.</summary>
    public System.Collections.Generic.List<System.Collections.Generic.List<T>> Rows<T>(System.Collections.Generic.IReadOnlyList<T> items)
    {
        var width = Columns == 0 ? items.Count : Columns;
        return Enumerable.Range(0, items.Count / width).Select(r => items.Skip(r * width).Take(width).ToList()).ToList();
    }

    private string Index(int field) => Columns == 0
        ? field.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : $"{(field / Columns).ToString(System.Globalization.CultureInfo.InvariantCulture)}, {(field % Columns).ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>A local of the method body (unique within the method), with its type.</summary>
internal sealed record LocalModel(string Name, IrType Type);

/// <summary>Everything the transformations and the emitter need about one [Differentiate] method.</summary>
internal sealed record MethodModel(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string Name,
    string Accessibility,
    EquatableArray<ParameterModel> Parameters,
    IrType ReturnType,
    Block Body,
    EquatableArray<LocalModel> Locals,
    EquatableArray<LocalModel> Externals,
    bool Hessian,
    int MaxUnroll,
    EquatableArray<ZeroDerivativeSite> ZeroDerivativeSites,
    string Overload = "")
{
    /// <summary>Identity of the method (as <see cref="Ir.Callee.Key"/>), for helpers differentiated through their bodies.</summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>A method without [Differentiate] that one calls, differentiated through its body for its callers only.</summary>
    public bool IsHelper { get; init; }

    /// <summary>The System.Numerics type the method returns, which the IR computes as an array; null otherwise.</summary>
    public NumericsResult? Numerics { get; init; }

    /// <summary>The attribute's Vectorize: whether contractions run through SIMD kernels in the companions.</summary>
    public bool Vectorize { get; init; } = true;

    /// <summary>
    /// The generated file's hint name, <c>Namespace.Type.g.cs</c>: one file per containing type holds the companions of
    /// all its methods (Roslyn checks each new hint name against every earlier one, so a file per method costs an edit
    /// time quadratic in the project's methods).
    /// </summary>
    public string FileName => HintName(TypePath) + ".g.cs";

    /// <summary>The method's place in its type's file, <c>Namespace.Type.Method</c>: sections are ordered by it.</summary>
    // Overloads share a name: a short, stable signature hash orders them.
    public string SectionKey => TypePath + "." + Name + (Overload.Length > 0 ? "." + Overload : string.Empty);

    private string TypePath
    {
        get
        {
            var builder = new System.Text.StringBuilder();
            if (Namespace is not null)
            {
                builder.Append(Namespace).Append('.');
            }

            foreach (var type in ContainingTypes)
            {
                builder.Append(Sanitize(type.Name)).Append('.');
            }

            return builder.Length == 0 ? "Global" : builder.ToString(0, builder.Length - 1);
        }
    }

    private static string Sanitize(string name) => name.Replace('<', '{').Replace('>', '}').Replace(", ", ",");

    /// <summary>
    /// The path as Roslyn accepts a hint name: the '@' of a verbatim identifier (<c>My.@event</c>) dropped, and any
    /// other character that is not a letter, a digit or one the path uses (the '\' of a Unicode escape) made '_'.
    /// </summary>
    private static string HintName(string path)
    {
        var builder = new System.Text.StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (char.IsLetterOrDigit(c) || c is '_' or '.' or ',' or '{' or '}')
            {
                builder.Append(c);
            }
            else if (c != '@')
            {
                builder.Append('_');
            }
        }

        return builder.ToString();
    }
}

/// <summary>A place where a value loses its derivative (a cast to int, Math.Floor …): worth a warning if the value is active.</summary>
internal sealed record ZeroDerivativeSite(LocationInfo Location, string Construct, Expr Operand);

/// <summary>The parse step's output: a model when the method can be differentiated, and its diagnostics.</summary>
/// <param name="Helpers">Methods without [Differentiate] that the model calls, parsed to be differentiated through their bodies.</param>
internal sealed record ParseResult(MethodModel? Model, EquatableArray<DiagnosticInfo> Diagnostics, EquatableArray<MethodModel> Helpers = default)
{
    /// <summary>The method's identity, which pairs the emit step's diagnostics with <see cref="Anchor"/>.</summary>
    public string Key { get; init; } = string.Empty;

    /// <summary>The method's name, relative to <see cref="Anchor"/>: where diagnostics about the whole method go.</summary>
    public LocationInfo? Identifier { get; init; }

    /// <summary>
    /// Where the method starts in its file: the one part of the result that text typed above the method changes. The
    /// generator strips it before the emit step, so moving a method re-emits nothing.
    /// </summary>
    public MethodAnchor? Anchor { get; init; }
}
