using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Structure;

namespace Differentiable.Generators.Emit;

/// <summary>
/// Writes <c>{F}Jacobian</c> for an array-valued method: per differentiated parameter, the structured Jacobian the
/// structure pass derived (Kronecker, diagonal, identity …) when it applies, else a dense Jacobian assembled with
/// the fewer sweeps — one JVP per input element or one VJP per output element.
/// </summary>
internal static class JacobianEmitter
{
    private const string Assembly = "global::Differentiable.Runtime.JacobianAssembly";

    /// <returns>The structure pass's reading of the body, for <see cref="JacobianOnlyEmitter"/>.</returns>
    public static StructureResult? Write(CodeWriter writer, MethodModel model, TypeEnvironment types, ActivityAnalysis activity, List<ParameterModel> active, ArraySweeps sweeps)
    {
        var scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        // A System.Numerics result: the Jacobian is computed on the array of its components by a local function (Core),
        // which sweeps local array-valued copies of the JVP and VJP; the public method converts the value.
        var numerics = model.Numerics;
        var core = numerics is null ? null : scope.Fresh("Core");
        var jvpName = numerics is null ? model.Name + "Jvp" : scope.Fresh("Jvp");
        var vjpName = numerics is null ? model.Name + "Vjp" : scope.Fresh("Vjp");
        var value = scope.Fresh("value");
        var outputShape = scope.Fresh("outputShape");
        var rows = scope.Fresh("rows");
        var names = active.ToDictionary(p => p.Name, p => scope.Fresh("d" + p.Name));
        var structure = StructurePass.Analyze(model, types, activity);

        writer.Line("/// <summary>");
        writer.Line($"/// Computes {CompanionEmitter.Seealso(model)} and its Jacobian with respect to each differentiated parameter, as ∂vec(result)/∂vec(p)");
        writer.Line("/// in column-major vec order. Where the structure pass recognized the index notation of the body, the Jacobian is");
        writer.Line("/// returned structured (Kronecker, diagonal, identity) in memory proportional to its factors.");
        writer.Line("/// </summary>");
        writer.Line(CompanionEmitter.GeneratedCode);
        var elements = string.Join(", ", active.Select(p => $"global::Differentiable.Jacobian {NameScope.DerivativeElement(p.Name)}"));
        writer.Line($"{model.Accessibility} static ({CompanionEmitter.PublicResultType(model)} Value, {elements}) {model.Name}Jacobian({CompanionEmitter.Parameters(model)})");
        writer.Line("{");
        writer.Indent();
        if (core is not null)
        {
            var jacobians = scope.Fresh("jacobians");
            writer.Line($"var {jacobians} = {core}({CompanionEmitter.Arguments(model)});");
            var parts = active.Select(p => $"{jacobians}.{NameScope.DerivativeElement(p.Name)}").Prepend(numerics!.FromArray(jacobians + ".Value"));
            writer.Line($"return ({string.Join(", ", parts)});");
            writer.Line();
            writer.Line($"static ({CompanionEmitter.ResultType(model)} Value, {elements}) {core}({CompanionEmitter.Parameters(model)})");
            writer.Line("{");
            writer.Indent();
        }

        // The method itself returns a System.Numerics value: its body, computing the array, is a local function.
        var primal = FasterPrimal(model, types) ?? (numerics is null ? null : model.Body);
        var primalName = primal is null ? model.Name : scope.Fresh("Primal");
        if (primal is not null)
        {
            writer.Line(numerics is null
                ? $"// The value: the method's body with its contractions as SIMD kernels (the local function {primalName} below)."
                : $"// The value: the method's body, computing the array of the result's components (the local function {primalName} below).");
        }

        writer.Line($"var {value} = {primalName}({CompanionEmitter.Arguments(model)});");
        writer.Line($"var {outputShape} = {Assembly}.Shape({value});");
        writer.Line($"int {rows} = {outputShape}.Length;");
        var (usesJvp, usesVjp) = (false, false);
        foreach (var parameter in active)
        {
            var target = names[parameter.Name];
            if (!activity.IsActive(parameter))
            {
                // Dense, this was rows × columns of zeros: for an unread 3000 × 3000 W beside a 3000-long result, 27 billion.
                WriteZero(writer, parameter, target, rows, outputShape);
                continue;
            }

            writer.Line($"global::Differentiable.Jacobian {target};");
            // The structure pass reads arrays and doubles; a float or System.Numerics parameter has a handful of columns.
            var form = parameter.IsComposite ? null : structure?.For(parameter.Name);
            if (form is not null)
            {
                writer.Line("{");
                writer.Indent();
                if (!StructureEmitter.Write(writer, structure!, form, target, OutputSource.OfValue(value, model.ReturnType == IrType.DoubleMatrix ? 2 : 1), outputShape, scope))
                {
                    // Nothing to check at run time: the structure always applies, and there is no dense fallback.
                    writer.Unindent();
                    writer.Line("}");
                    continue;
                }

                writer.Line("else");
            }

            writer.Line("{");
            writer.Indent();
            WriteDense(writer, model, active, parameter, target, value, outputShape, rows, scope, structured: form is not null, jvpName, vjpName);
            usesJvp = true;
            usesVjp |= !parameter.IsComposite;
            writer.Unindent();
            writer.Line("}");
            if (form is not null)
            {
                writer.Unindent();
                writer.Line("}");
            }
        }

        writer.Line($"return ({value}, {string.Join(", ", active.Select(p => names[p.Name]))});");
        if (primal is not null)
        {
            writer.Line();
            writer.Line($"static {CompanionEmitter.ResultType(model)} {primalName}({CompanionEmitter.Parameters(model)})");
            new CSharpPrinter(writer).Write(primal);
        }

        if (core is not null)
        {
            // Only the sweeps the dense Jacobians call: an unused local function is a warning (CS8321).
            if (usesJvp)
            {
                writer.Line();
                sweeps.WriteJvp(writer, jvpName);
            }

            if (usesVjp)
            {
                writer.Line();
                sweeps.WriteVjp(writer, vjpName);
            }

            writer.Unindent();
            writer.Line("}");
        }

        writer.Unindent();
        writer.Line("}");
        return structure;
    }

    /// <summary>
    /// The method's own body after the companion passes (contractions as SIMD kernels, repeated calls shared), where they
    /// change it: a structured Jacobian costs little beyond its value, so the value should not run the method's scalar
    /// loops. Null where nothing changes, or the body holds what a local copy should not repeat (calls of other methods,
    /// code read from outside, composite parameters).
    /// </summary>
    private static Block? FasterPrimal(MethodModel model, TypeEnvironment types)
    {
        if (!model.Vectorize || model.ReturnType is not (IrType.DoubleArray or IrType.DoubleMatrix)
            || model.Parameters.Any(p => p.IsComposite || p.Type is null)
            || IrWalker.Statements(model.Body).Any(s => s is Verbatim or TapePush or Evaluate
                || IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).Any(n => n is UserCall or Invoke or Opaque or TapePop or OutArgument)))
        {
            return null;
        }

        var names = types.Names.ToDictionary(name => name, name => types[name], System.StringComparer.Ordinal);
        var optimized = CompanionEmitter.Optimize(model, model.Body, names);
        return optimized == model.Body ? null : optimized;
    }

    private static void WriteDense(CodeWriter writer, MethodModel model, List<ParameterModel> active, ParameterModel parameter, string target, string value, string outputShape, string rows, NameScope scope, bool structured, string jvpName, string vjpName)
    {
        var columns = scope.Fresh("columns");
        var matrix = scope.Fresh("matrix");
        writer.Line(structured
            ? $"// The loops do not cover whole dimensions at run time, so the structure does not apply: ∂result/∂{parameter.Name} dense, with the fewer sweeps."
            : parameter.IsComposite
                ? $"// ∂result/∂{parameter.Name}: dense, one JVP per float component (a VJP would narrow its gradient to float)."
                : $"// No structure recognized for ∂result/∂{parameter.Name}: dense, with the fewer sweeps.");
        writer.Line($"int {columns} = {Count(parameter)};");
        writer.Line($"var {matrix} = new double[{rows}, {columns}];");
        var tangents = active.ToDictionary(p => p.Name, p => scope.Fresh("t" + p.Name));
        var arguments = string.Join(", ", new[] { CompanionEmitter.Arguments(model) }.Concat(active.Select(p => tangents[p.Name])));
        if (parameter.IsComposite)
        {
            WriteTangents(writer, active, tangents);
            for (var k = 0; k < parameter.Components.Count; k++)
            {
                var field = ComponentLayout.Field(parameter, k, tangents[parameter.Name]);
                writer.Line($"{field} = 1f;");
                writer.Line($"{Assembly}.CopyToColumn({matrix}, {ComponentLayout.Number(ComponentLayout.VecIndex(parameter, k))}, {jvpName}({arguments}).Tangent);");
                writer.Line($"{field} = 0f;");
            }

            writer.Line($"{target} = new global::Differentiable.DenseJacobian({matrix}, {outputShape}, {Shape(parameter)});");
            return;
        }

        writer.Line($"if ({columns} <= {rows})");
        writer.Line("{");
        writer.Indent();
        writer.Line($"// Forward mode: one JVP per element of {parameter.Name}.");
        WriteTangents(writer, active, tangents);
        var column = scope.Fresh("c");
        writer.Line($"for (int {column} = 0; {column} < {columns}; {column}++)");
        writer.Line("{");
        writer.Indent();
        writer.Line(SetVec(parameter, tangents[parameter.Name], column, "1.0"));
        writer.Line($"{Assembly}.CopyToColumn({matrix}, {column}, {jvpName}({arguments}).Tangent);");
        writer.Line(SetVec(parameter, tangents[parameter.Name], column, "0.0"));
        writer.Unindent();
        writer.Line("}");
        writer.Unindent();
        writer.Line("}");
        writer.Line("else");
        writer.Line("{");
        writer.Indent();
        writer.Line("// Reverse mode: one VJP per element of the result.");
        var seed = scope.Fresh("seed");
        writer.Line($"var {seed} = {(model.ReturnType == IrType.DoubleMatrix ? $"new double[{value}.GetLength(0), {value}.GetLength(1)]" : $"new double[{value}.Length]")};");
        var buffers = active.ToDictionary(p => p.Name, p => scope.Fresh("g" + p.Name));
        foreach (var p in active.Where(p => !CompanionEmitter.IsOutBuffer(p)))
        {
            writer.Line($"var {buffers[p.Name]} = {CompanionEmitter.Zero(p)};");
        }

        var row = scope.Fresh("r");
        writer.Line($"for (int {row} = 0; {row} < {rows}; {row}++)");
        writer.Line("{");
        writer.Indent();
        writer.Line($"{Assembly}.SetVec({seed}, {row}, 1.0);");
        var vjpArguments = string.Join(", ", new[] { CompanionEmitter.Arguments(model), seed }.Concat(active.Select(p => (CompanionEmitter.IsOutBuffer(p) ? "out var " : string.Empty) + buffers[p.Name])));
        writer.Line($"{vjpName}({vjpArguments});");
        writer.Line($"{Assembly}.CopyToRow({matrix}, {row}, {buffers[parameter.Name]});");
        writer.Line($"{Assembly}.SetVec({seed}, {row}, 0.0);");
        writer.Unindent();
        writer.Line("}");
        writer.Unindent();
        writer.Line("}");
        writer.Line($"{target} = new global::Differentiable.DenseJacobian({matrix}, {outputShape}, {Shape(parameter)});");
    }

    /// <summary>Zero tangents for every differentiated parameter, of its shape or type.</summary>
    private static void WriteTangents(CodeWriter writer, List<ParameterModel> active, Dictionary<string, string> tangents)
    {
        foreach (var p in active)
        {
            writer.Line($"var {tangents[p.Name]} = {CompanionEmitter.Zero(p)};");
        }
    }

    /// <summary>How many columns the parameter's Jacobian has, as generated code.</summary>
    /// <summary>The zero Jacobian of a parameter no value of the result depends on.</summary>
    internal static void WriteZero(CodeWriter writer, ParameterModel parameter, string target, string rows, string outputShape)
    {
        writer.Line($"// ∂result/∂{parameter.Name} = 0: no value the result is computed from depends on {parameter.Name} (a condition may read it; its derivative is 0).");
        writer.Line($"global::Differentiable.Jacobian {target} = new global::Differentiable.ZeroJacobian({rows}, {Count(parameter)}, {outputShape}, {Shape(parameter)});");
    }

    internal static string Count(ParameterModel parameter) =>
        parameter.IsComposite ? ComponentLayout.Number(parameter.Components.Count) : $"{Assembly}.Count({parameter.Name})";

    /// <summary>The parameter's <c>TensorShape</c>, as generated code.</summary>
    internal static string Shape(ParameterModel parameter) =>
        parameter.IsComposite ? ComponentLayout.Shape(parameter) : $"{Assembly}.Shape({parameter.Name})";

    private static string SetVec(ParameterModel parameter, string tangent, string index, string value) => parameter.Type == IrType.Double
        ? $"{tangent} = {value};"
        : $"{Assembly}.SetVec({tangent}, {index}, {value});";
}

/// <summary>Writers of a method's array-valued VJP and JVP as local functions of the given name (System.Numerics results).</summary>
internal sealed class ArraySweeps
{
    public ArraySweeps(System.Action<CodeWriter, string> writeVjp, System.Action<CodeWriter, string> writeJvp)
    {
        WriteVjp = writeVjp;
        WriteJvp = writeJvp;
    }

    public System.Action<CodeWriter, string> WriteVjp { get; }

    public System.Action<CodeWriter, string> WriteJvp { get; }
}
