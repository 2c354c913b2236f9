using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Structure;

namespace Differentiable.Generators.Emit;

/// <summary>
/// Writes <c>{F}JacobianOnly</c>: <c>{F}Jacobian</c>'s Jacobians without the value. Where every differentiated
/// parameter's Jacobian is structured, the result's shape follows from its allocation, and run-time conditions show the
/// method would not throw, the method's loops do not run: ∂(W·x)/∂W = xᵀ ⊗ I costs a copy of x, not n·m multiply–adds.
/// Otherwise it returns <c>{F}Jacobian</c>'s Jacobians.
/// </summary>
internal static class JacobianOnlyEmitter
{
    private const string Runtime = "global::Differentiable.";
    private const string Assembly = "global::Differentiable.Runtime.JacobianAssembly";

    /// <param name="structure">The structure pass's reading that <c>{F}Jacobian</c> built from; null where it found none, or the Jacobian is straight-line code.</param>
    public static void Write(CodeWriter writer, MethodModel model, TypeEnvironment types, ActivityAnalysis activity, List<ParameterModel> active, StructureResult? structure)
    {
        var scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        var single = active.Count == 1;
        var returnType = single ? $"{Runtime}Jacobian" : $"({string.Join(", ", active.Select(p => $"{Runtime}Jacobian {NameScope.DerivativeElement(p.Name)}"))})";
        writer.Line("/// <summary>");
        writer.Line($"/// The Jacobians of {CompanionEmitter.Seealso(model)} that <c>{model.Name}Jacobian</c> returns, without the value. Where they are");
        writer.Line("/// structured and the method's loops would run without throwing, the loops do not run: the cost is that of the");
        writer.Line("/// Jacobians' factors, not of the value.");
        writer.Line("/// </summary>");
        writer.Line(CompanionEmitter.GeneratedCode);
        writer.Line($"{model.Accessibility} static {returnType} {model.Name}JacobianOnly({CompanionEmitter.Parameters(model)})");
        writer.Line("{");
        writer.Indent();
        if (structure is not null && model.Numerics is null && WriteValueFree(writer, model, structure, activity, active, scope))
        {
            // Nothing to check at run time: the way through the value would be unreachable (CS0162).
            writer.Unindent();
            writer.Line("}");
            return;
        }

        var all = scope.Fresh("jacobians");
        writer.Line($"var {all} = {model.Name}Jacobian({CompanionEmitter.Arguments(model)});");
        var parts = active.Select(p => $"{all}.{NameScope.DerivativeElement(p.Name)}").ToList();
        writer.Line(single ? $"return {parts[0]};" : $"return ({string.Join(", ", parts)});");
        writer.Unindent();
        writer.Line("}");
    }

    /// <summary>
    /// The structured Jacobians built from the result's extents, returned where every one applies; the caller writes
    /// the way through <c>{F}Jacobian</c> after it. Writes nothing where a parameter has no structure, the notation
    /// holds what the conditions cannot vouch for, or a Jacobian would compute again what it reads from the value.
    /// Returns whether it returns unconditionally.
    /// </summary>
    private static bool WriteValueFree(CodeWriter writer, MethodModel model, StructureResult structure, ActivityAnalysis activity, List<ParameterModel> active, NameScope scope)
    {
        if (structure is not { Notation: { Extents: { } dimensions } notation }
            || active.Any(p => activity.IsActive(p) && (p.IsComposite || structure.For(p.Name) is null)))
        {
            return false;
        }

        var matrix = model.ReturnType == IrType.DoubleMatrix;
        // An extent the method writes as a name (new double[n]), a number or a length keeps it: nothing assigns a prelude
        // int, an int parameter or an array parameter in a method the structure pass reads.
        var printer = new CSharpPrinter(new CodeWriter());
        static bool Plain(Expr dimension) => dimension is Variable or Constant or ArrayLength;
        var extents = dimensions.Select((d, k) => Plain(d) ? printer.Expression(d) : scope.Fresh(matrix ? (k == 0 ? "rows" : "columns") : "length")).ToArray();
        var count = matrix ? scope.Fresh("count") : extents[0];
        var output = OutputSource.OfExtents(extents, count);
        string Print(Expr expression) => printer.Expression(output.Read(expression, notation.Result));
        if (ValueFreeGuard.Conditions(notation, Print, extents) is not { } conditions)
        {
            return false;
        }

        // The Jacobians first, into a buffer: whether each has checks of its own, and whether one would compute again
        // what it reads from the value, is known only once it is written.
        var jacobians = new CodeWriter();
        var outputShape = scope.Fresh("outputShape");
        jacobians.Line(matrix
            ? $"var {outputShape} = {Runtime}TensorShape.Matrix({extents[0]}, {extents[1]});"
            : $"var {outputShape} = {Runtime}TensorShape.Vector({extents[0]});");
        var names = active.ToDictionary(p => p.Name, p => scope.Fresh("d" + p.Name));
        var pending = new List<string>();
        foreach (var parameter in active)
        {
            var target = names[parameter.Name];
            if (!activity.IsActive(parameter))
            {
                JacobianEmitter.WriteZero(jacobians, parameter, target, count, outputShape);
                continue;
            }

            var block = new CodeWriter();
            var checks = StructureEmitter.WriteWithoutValue(block, structure, structure.For(parameter.Name)!, target, output, outputShape, scope, out var recomputes);
            if (recomputes)
            {
                // tanh′(W·x + b) from W·x + b again, per parameter: the value, computed once, is cheaper.
                return false;
            }

            jacobians.Line(checks ? $"{Runtime}Jacobian? {target} = null;" : $"{Runtime}Jacobian {target};");
            jacobians.Line("{");
            jacobians.Indent();
            jacobians.Append(block);
            jacobians.Unindent();
            jacobians.Line("}");
            if (checks)
            {
                pending.Add(target);
            }
        }

        var result = active.Count == 1 ? names[active[0].Name] : $"({string.Join(", ", active.Select(p => names[p.Name]))})";
        if (pending.Count > 0)
        {
            jacobians.Line($"if ({string.Join(" && ", pending.Select(p => p + " is not null"))})");
            jacobians.Line("{");
            jacobians.Line($"    return {result};");
            jacobians.Line("}");
        }
        else
        {
            jacobians.Line($"return {result};");
        }

        writer.Line($"// The result's shape, as the method allocates it ({string.Join(" × ", dimensions.Select(Print))}): the structured Jacobians need nothing else of its value.");
        StructureEmitter.WritePrelude(writer, notation, output, notation.Prelude.Take(notation.AllocatedAfter));
        for (var k = 0; k < extents.Length; k++)
        {
            if (!Plain(dimensions[k]))
            {
                writer.Line($"int {extents[k]} = {Print(dimensions[k])};");
            }
        }

        // Where the method's allocation throws (a negative length, past the largest array), so does the way through the
        // value below. A vector as long as an array, or of a constant length (never negative: CS0248), needs no check.
        var allocates = matrix ? !dimensions.All(d => d is Constant) : dimensions[0] is not (Constant or ArrayLength);
        var blocks = 0;
        void Open(string condition)
        {
            writer.Line($"if ({condition})");
            writer.Line("{");
            writer.Indent();
            blocks++;
        }

        if (allocates)
        {
            Open($"{Assembly}.CanAllocate({string.Join(", ", extents)})");
        }

        // The element count, where anything reads it (an identity's size, a diagonal's length, the prelude's Y.Length).
        var after = new CodeWriter();
        StructureEmitter.WritePrelude(after, notation, output, notation.Prelude.Skip(notation.AllocatedAfter));
        if (matrix && System.Text.RegularExpressions.Regex.IsMatch(after.ToString() + string.Join(" ", conditions) + jacobians, $@"\b{count}\b"))
        {
            writer.Line($"int {count} = {extents[0]} * {extents[1]};");
        }

        writer.Append(after);
        if (conditions.Count > 0)
        {
            writer.Line("// Every loop of the method runs, and reads and writes only inside its arrays: the method would not throw.");
            Open(string.Join(" && ", conditions));
        }

        writer.Append(jacobians);
        if (blocks == 0 && pending.Count == 0)
        {
            return true;
        }

        for (; blocks > 0; blocks--)
        {
            writer.Unindent();
            writer.Line("}");
        }

        writer.Line();
        writer.Line("// The structure does not apply at run time, or the method would throw: the Jacobians computed with the value.");
        return false;
    }
}
