using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Emit;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Rules;

namespace Differentiable.Generators.Structure;

/// <summary>
/// Writes the construction of a structured Jacobian: the method's int prelude (sizes), runtime checks that the loops
/// cover whole dimensions (the assumption behind every delta), and the runtime <c>Jacobian</c> built from its
/// factors — references copied, never the zeros. When a check fails, the caller's dense fallback runs instead.
/// </summary>
internal sealed class StructureEmitter
{
    private const string Runtime = "global::Differentiable.";
    private const string Assembly = "global::Differentiable.Runtime.JacobianAssembly";

    private readonly StructureResult structure;
    private readonly ParameterStructure parameter;
    private readonly OutputSource output;
    private readonly NameScope scope;
    private readonly List<string> lines = new();
    private int indentation;
    private readonly List<string> checks = new();
    private readonly CSharpPrinter printer = new(new CodeWriter());

    private StructureEmitter(StructureResult structure, ParameterStructure parameter, OutputSource output, NameScope scope)
    {
        this.structure = structure;
        this.parameter = parameter;
        this.output = output;
        this.scope = scope;
        rowWindow = StructurePass.IsShiftOnly(parameter.Form);
    }

    /// <summary>Shifts only: the rows the output loop writes are a window, the rest zero rows, so no loop need cover y.</summary>
    private readonly bool rowWindow;

    /// <summary>
    /// Whether something computed once, outside the rows (a scale Σ_j w[j], an int n / k), may throw: the method computed
    /// it only inside its loops, so where they never run, the companion must not compute it either.
    /// </summary>
    private bool eagerMayThrow;

    /// <summary>Whether f′(u) was computed from u where, with a value, it is read from y (see <see cref="FromOutput"/>).</summary>
    private bool recomputes;

    /// <summary>
    /// An int computation that can throw: anything but constants, names and lengths. n / k, idx[0] and Math.Abs(k) can,
    /// and so can n − 1 and (int)h in a checked build (CheckForOverflowUnderflow), which the generator does not know.
    /// </summary>
    internal static bool IntMayThrow(Expr expression) => IrWalker.Nodes(expression).Any(node => node is not (Variable or Constant or ArrayLength));

    /// <summary>
    /// A folded offset (k − 1 for i + k − 1): exact modulo 2³², which is how the shift uses it, so computed unchecked; in a
    /// checked build k − 1 overflows at k = int.MinValue where the method's (i + k) − 1 need not.
    /// </summary>
    private string OffsetText(Expr offset) => offset is Variable or Constant ? Print(offset) : $"unchecked({Print(offset)})";

    /// <summary>A sum (it reads arrays over a range) or an int computation that can throw (n / k, idx[0]).</summary>
    private static bool MayThrow(TensorExpr expression) =>
        expression.Nodes().Any(node => node is TensorSum || (node is TensorInteger integer && IntMayThrow(integer.Value)));

    /// <summary>
    /// Writes the prelude, a comment with the derivation, and <c>if (checks) { target = … }</c>, returning true: the caller
    /// writes the else. Where nothing is left to check at run time, writes <c>target = …</c> alone and returns false.
    /// </summary>
    public static bool Write(CodeWriter writer, StructureResult structure, ParameterStructure parameter, string target, OutputSource output, string outputShape, NameScope scope) =>
        Write(writer, structure, parameter, target, output, outputShape, scope, writePrelude: true, out _);

    /// <summary>
    /// As <see cref="Write(CodeWriter, StructureResult, ParameterStructure, string, OutputSource, string, NameScope)"/>,
    /// from the result's extents, after the caller has written the method's int prelude once for every parameter.
    /// </summary>
    /// <param name="recomputes">
    /// Whether the Jacobian computes from the inputs what it would have read from the value (tanh′(u) as 1 − y²): the
    /// value is then no longer free to skip.
    /// </param>
    public static bool WriteWithoutValue(CodeWriter writer, StructureResult structure, ParameterStructure parameter, string target, OutputSource output, string outputShape, NameScope scope, out bool recomputes) =>
        Write(writer, structure, parameter, target, output, outputShape, scope, writePrelude: false, out recomputes);

    private static bool Write(CodeWriter writer, StructureResult structure, ParameterStructure parameter, string target, OutputSource output, string outputShape, NameScope scope, bool writePrelude, out bool recomputes)
    {
        var emitter = new StructureEmitter(structure, parameter, output, scope);
        var expression = emitter.Build(parameter.Form, outputShape);
        emitter.AddRangeChecks();
        var notation = structure.Notation;
        emitter.eagerMayThrow |= notation.Ranges.Values.Any(r => IntMayThrow(r.Lower) || IntMayThrow(r.Upper));

        if (writePrelude)
        {
            WritePrelude(writer, structure.Notation, output, structure.Notation.Prelude);
        }

        var window = !emitter.rowWindow ? string.Empty
            : notation.OutputIndices.Length == 2 ? $" on [{string.Join(") × [", notation.OutputIndices.Select(emitter.OutputRange).Select(r => $"{r.Lower}, {r.Upper}"))}), the rest zero"
            : emitter.Window() is var (lower, upper) ? $" on rows [{lower}, {upper}), the rest zero" : string.Empty;
        writer.Line($"// ∂{structure.Notation.Result}/∂vec({parameter.Parameter}) = {Describe(parameter.Form)}{window}  ({Rule(parameter.Form)})");
        var checks = emitter.checks.Distinct().Where(c => c.Split(new[] { " == " }, System.StringSplitOptions.None) is { Length: 2 } sides && sides[0] != sides[1]).ToList();
        if (emitter.eagerMayThrow)
        {
            // In the order the loops begin, each bound computed only where the loops around it ran, as in the method: where
            // an output loop (any loop of a single nest) runs no iteration, y is zeros; where a sum inside runs none, the
            // dense fallback is exact.
            string Range(string index, string form) => string.Format(CultureInfo.InvariantCulture, form, emitter.Print(notation.Ranges[index].Lower), emitter.Print(notation.Ranges[index].Upper));
            var zeroWhere = notation.LoopOrder.Where(i => notation.IsPerfectNest || notation.OutputIndices.Contains(i)).Select(i => Range(i, "{0} >= {1}"));
            checks.InsertRange(0, notation.LoopOrder.Where(i => !notation.IsPerfectNest && !notation.OutputIndices.Contains(i)).Select(i => Range(i, "{0} < {1}")));
            writer.Line($"if ({string.Join(" || ", zeroWhere)})");
            writer.Line("{");
            writer.Line("    // The loops never ran: the result is zeros, and what they would have computed (and may throw on) was not.");
            writer.Line($"    {target} = new {Runtime}ZeroJacobian({output.Count}, {Assembly}.Count({parameter.Parameter}), {outputShape}, {emitter.InputShape});");
            writer.Line("}");
            writer.Line(checks.Count > 0 ? $"else if ({string.Join(" && ", checks)})" : "else");
            writer.Line("{");
            writer.Indent();
        }
        else if (checks.Count > 0)
        {
            writer.Line($"if ({string.Join(" && ", checks)})");
            writer.Line("{");
            writer.Indent();
        }

        foreach (var line in emitter.lines)
        {
            writer.Line(line);
        }

        writer.Line($"{target} = {expression};");
        if (emitter.eagerMayThrow || checks.Count > 0)
        {
            writer.Unindent();
            writer.Line("}");
        }

        recomputes = emitter.recomputes;
        return checks.Count > 0;
    }

    /// <summary>The method's int statements before its loops, reading the result's lengths from the output source.</summary>
    public static void WritePrelude(CodeWriter writer, IndexNotation notation, OutputSource output, IEnumerable<Stmt> statements)
    {
        var printer = new CSharpPrinter(writer);
        foreach (var statement in statements)
        {
            printer.Write(statement switch
            {
                Declare { Initializer: { } initializer } d => d with { Initializer = output.Read(initializer, notation.Result) },
                Assign a => a with { Value = output.Read(a.Value, notation.Result) },
                _ => statement,
            });
        }
    }

    private string InputShape => $"{Assembly}.Shape({parameter.Parameter})";

    private string OutputDimension(string index)
    {
        var outputs = structure.Notation.OutputIndices;
        var k = System.Array.IndexOf(outputs, index);
        return output.Extent(k);
    }

    private string InputDimension(string input)
    {
        var k = System.Array.IndexOf(parameter.Inputs, input);
        return parameter.Inputs.Length == 1 ? $"{parameter.Parameter}.Length" : $"{parameter.Parameter}.GetLength({k.ToString(CultureInfo.InvariantCulture)})";
    }

    private string Dimension(string index) => parameter.Inputs.Contains(index) ? InputDimension(index) : OutputDimension(index);

    /// <summary>
    /// Every output loop runs over its whole dimension (unless the rows are a shift's window), and every summed index a
    /// delta collapsed covers the input's.
    /// </summary>
    private void AddRangeChecks()
    {
        foreach (var output in rowWindow ? System.Array.Empty<string>() : structure.Notation.OutputIndices)
        {
            checks.Add($"{Print(structure.Notation.Ranges[output].Upper)} == {OutputDimension(output)}");
        }

        foreach (var collapsed in parameter.Collapsed)
        {
            checks.Add($"{Print(structure.Notation.Ranges[collapsed.Index].Upper)} == {InputDimension(collapsed.Input)}");
        }
    }

    private string Print(Expr expression) => printer.Expression(AsValue(expression));

    /// <summary>The method's result array is a local the companion does not have: its lengths are those of the value.</summary>
    private Expr AsValue(Expr expression) => output.Read(expression, structure.Notation.Result);

    private string Build(JacobianForm form, string outputShape)
    {
        switch (form)
        {
            case IdentityForm identity:
                AddDeltaChecks(parameter.Inputs.Select((p, k) => new Delta(structure.Notation.OutputIndices[k], p)));
                return Scaled(identity.Coefficient, identity.Scalars, $"new {Runtime}IdentityJacobian({output.Count}, {outputShape}, {InputShape})");
            case DiagonalForm diagonal:
                AddDeltaChecks(parameter.Inputs.Select((p, k) => new Delta(structure.Notation.OutputIndices[k], p)));
                // The constant scale goes into the diagonal itself: diag(c·f′(x)) is still a diagonal.
                var scaledFactors = diagonal.Scalars.Prepend(new TensorConstant(diagonal.Coefficient)).Concat(diagonal.Factors).ToList();
                return $"new {Runtime}DiagonalJacobian({Diagonal(scaledFactors)}, {outputShape}, {InputShape})";
            case PermutationForm permutation:
                AddDeltaChecks(new[] { new Delta(structure.Notation.OutputIndices[0], parameter.Inputs[1]), new Delta(structure.Notation.OutputIndices[1], parameter.Inputs[0]) });
                return Scaled(permutation.Coefficient, permutation.Scalars, $"{Runtime}PermutationJacobian.Commutation({parameter.Parameter}.GetLength(0), {parameter.Parameter}.GetLength(1))");
            case KroneckerForm kronecker:
                return Scaled(kronecker.Coefficient, kronecker.Scalars, Kronecker(kronecker, outputShape));
            case ShiftForm { Column: { } column } shift:
                // Y[i, j] reads X[i + a, j + b]: the shift of each index, each with the window of its loop.
                eagerMayThrow |= IntMayThrow(shift.Offset) || IntMayThrow(column.Offset) || (shift.Modulus is { } m0 && IntMayThrow(m0)) || (column.Modulus is { } m1 && IntMayThrow(m1));
                var rowShift = ShiftJacobian(output.Extent(0), $"{parameter.Parameter}.GetLength(0)", shift.Offset, shift.Reversed, OutputRange(structure.Notation.OutputIndices[0]), shift.Modulus, shapes: null);
                var columnShift = ShiftJacobian(output.Extent(1), $"{parameter.Parameter}.GetLength(1)", column.Offset, column.Reversed, OutputRange(structure.Notation.OutputIndices[1]), column.Modulus, shapes: null);
                return Scaled(shift.Coefficient, shift.Scalars, $"new {Runtime}MatrixShiftJacobian({rowShift}, {columnShift})");
            case ShiftForm shift:
                // Exact for any lengths: a row whose column lies outside x is a zero row, and the method read x there;
                // a row outside the loop's window is zero, as the method left it. The offset is computed once, outside the
                // rows: the method computed it (x.Length / k) only where its loop ran.
                eagerMayThrow |= IntMayThrow(shift.Offset) || (shift.Modulus is { } modulus && IntMayThrow(modulus));
                // A cyclic shift takes its window always: the modulus follows it.
                var window = shift.Modulus is null ? Window() : OutputRange();
                return Scaled(shift.Coefficient, shift.Scalars, ShiftJacobian(output.Count, $"{parameter.Parameter}.Length", shift.Offset, shift.Reversed, window, shift.Modulus, $"{outputShape}, {InputShape}"));
            case ToeplitzForm toeplitz:
                // The diagonals are computed once, outside the rows: the method read its kernel (w[j]) only inside its loops.
                eagerMayThrow = true;
                return Scaled(toeplitz.Coefficient, toeplitz.Scalars, Toeplitz(toeplitz, outputShape));
            case DiagonalProductForm product:
                var inner = Build(product.Inner, outputShape);
                return $"new {Runtime}DiagonalProductJacobian({Diagonal(product.RowFactors)}, {inner})";
            case SumForm sum:
                return $"new {Runtime}SumJacobian({string.Join(", ", sum.Terms.Select(t => Build(t, outputShape)))})";
            default:
                throw new System.InvalidOperationException("unknown Jacobian form");
        }
    }

    /// <summary>The output loop's [lower, upper), or null where it is all of y (0 to y.Length).</summary>
    private (string Lower, string Upper)? Window()
    {
        var (lower, upper) = OutputRange();
        return lower == "0" && upper == output.Count ? null : (lower, upper);
    }

    /// <summary><c>new ShiftJacobian(rows, columns, offset, reversed[, lower, upper][, modulus][, shapes])</c>.</summary>
    private string ShiftJacobian(string rows, string columns, Expr offset, bool reversed, (string Lower, string Upper)? window, Expr? modulus, string? shapes)
    {
        var arguments = new List<string> { rows, columns, OffsetText(offset), reversed ? "true" : "false" };
        if (window is var (lower, upper))
        {
            arguments.Add(lower);
            arguments.Add(upper);
        }

        if (modulus is not null)
        {
            arguments.Add(Print(modulus));
        }

        if (shapes is not null)
        {
            arguments.Add(shapes);
        }

        return $"new {Runtime}ShiftJacobian({string.Join(", ", arguments)})";
    }

    /// <summary>
    /// <c>new ToeplitzJacobian(rows, columns, diagonals, firstOffset[, lower, upper], shapes)</c>, the diagonals computed
    /// first: term j of Σ_j w[j]·x[i + j + c] lies on offset c + j; of Σ_j w[j]·x[i − j + c], on c − j, so in ascending
    /// order w is reversed. With two axes, <c>new MatrixToeplitzJacobian(…)</c> of the kernel K[a, b] likewise, an axis
    /// without a band index one position long.
    /// </summary>
    private string Toeplitz(ToeplitzForm form, string outputShape)
    {
        var band = form.Band;
        var kernel = scope.Fresh(form.Axes.Count == 1 ? "diagonals" : "kernel");
        string Length(BandAxis axis) => axis.Band is null ? "1" : $"global::System.Math.Max(0, {Print(band.UpperOf(axis.Band))})";
        string Extent(int k) => form.Axes.Count == 1 ? $"{kernel}.Length" : $"{kernel}.GetLength({k.ToString(CultureInfo.InvariantCulture)})";
        Line($"var {kernel} = new double[{string.Join(", ", form.Axes.Select(Length))}];");
        var slots = new List<string>();
        var loops = 0;
        for (var k = 0; k < form.Axes.Count; k++)
        {
            if (form.Axes[k].Band is not { } index)
            {
                slots.Add("0");
                continue;
            }

            Line($"for (int {index} = 0; {index} < {Extent(k)}; {index}++)");
            Line("{");
            indentation++;
            loops++;
            slots.Add(form.Axes[k].Negated ? $"{Extent(k)} - 1 - {index}" : index);
        }

        Line($"{kernel}[{string.Join(", ", slots)}] = {Product(band.Factors, new List<Delta>())};");
        for (var k = 0; k < loops; k++)
        {
            indentation--;
            Line("}");
        }

        // The offset of the kernel's first position: c for x[i + j + c], c − (K − 1) for x[i − j + c].
        // Built as IR, not text: an offset of lower precedence (m > 2 ? m : 2) must stay whole.
        string FirstOffset(BandAxis axis, int k) => !axis.Negated ? OffsetText(axis.Offset)
            : axis.Offset is Constant { Value: 0.0 } ? $"1 - {Extent(k)}"
            : $"unchecked({Print(new Binary(BinaryOperator.Subtract, new Binary(BinaryOperator.Add, axis.Offset, Constant.Int(1)), new ArrayLength(kernel, form.Axes.Count == 1 ? -1 : k)))})";
        var offsets = form.Axes.Select(FirstOffset).ToList();
        if (form.Axes.Count == 2)
        {
            var outputs = structure.Notation.OutputIndices;
            var (rowLower, rowUpper) = OutputRange(outputs[0]);
            var (columnLower, columnUpper) = OutputRange(outputs[1]);
            return $"new {Runtime}MatrixToeplitzJacobian({output.Extent(0)}, {output.Extent(1)}, {parameter.Parameter}.GetLength(0), {parameter.Parameter}.GetLength(1), "
                + $"{kernel}, {offsets[0]}, {offsets[1]}, {rowLower}, {rowUpper}, {columnLower}, {columnUpper})";
        }

        var arguments = new List<string> { output.Count, $"{parameter.Parameter}.Length", kernel, offsets[0] };
        if (Window() is var (lower, upper))
        {
            arguments.Add(lower);
            arguments.Add(upper);
        }

        arguments.Add($"{outputShape}, {InputShape}");
        return $"new {Runtime}ToeplitzJacobian({string.Join(", ", arguments)})";
    }

    private (string Lower, string Upper) OutputRange() => OutputRange(structure.Notation.OutputIndices[0]);

    private (string Lower, string Upper) OutputRange(string output)
    {
        var range = structure.Notation.Ranges[output];
        return (Print(range.Lower), Print(range.Upper));
    }

    private void AddDeltaChecks(IEnumerable<Delta> deltas)
    {
        foreach (var delta in deltas)
        {
            checks.Add($"{OutputDimension(delta.Index)} == {InputDimension(delta.Input)}");
        }
    }

    private string Kronecker(KroneckerForm form, string outputShape)
    {
        var leftShape = StructurePass.Shape(form.Left);
        var rightShape = StructurePass.Shape(form.Right);

        // 1 ⊗ A and A ⊗ 1 are A itself: a plain matrix reads better as a dense Jacobian (∂(Wx)/∂x = W).
        var (single, singleShape) = leftShape == "Scalar" ? (form.Right, rightShape) : rightShape == "Scalar" ? (form.Left, leftShape) : (null, null);
        if (single is not null && singleShape is "Matrix" or "TransposedMatrix")
        {
            var element = (TensorElement)single.Factors[0];
            AddElementChecks(single, element, singleShape);
            var copy = singleShape == "Matrix" ? $"{Assembly}.Copy({element.Array})" : $"{Assembly}.Transpose({element.Array})";
            return $"new {Runtime}DenseJacobian({copy}, {outputShape}, {InputShape})";
        }

        if (single is not null && singleShape == "Identity")
        {
            AddDeltaChecks(single.Deltas);
            return $"new {Runtime}IdentityJacobian({output.Count}, {outputShape}, {InputShape})";
        }

        return $"new {Runtime}KroneckerJacobian({Factor(form.Left, leftShape)}, {Factor(form.Right, rightShape)}, {outputShape}, {InputShape})";
    }

    private string Factor(KroneckerGroup group, string? shape)
    {
        const string factor = "global::Differentiable.KroneckerFactor";
        switch (shape)
        {
            case "Scalar":
                return $"{factor}.Scalar(1.0)";
            case "Identity":
                AddDeltaChecks(group.Deltas);
                return $"{factor}.Identity({OutputDimension(group.Deltas[0].Index)})";
            case "RowVector" or "ColumnVector" or "Matrix" or "TransposedMatrix":
                var element = (TensorElement)group.Factors[0];
                AddElementChecks(group, element, shape);
                return $"{factor}.{shape}({Assembly}.Copy({element.Array}))";
            default:
                return $"{factor}.Matrix({Materialize(group)})";
        }
    }

    /// <summary>The array a factor references must have exactly the group's dimensions.</summary>
    private void AddElementChecks(KroneckerGroup group, TensorElement element, string shape)
    {
        if (element.Indices.Length == 1)
        {
            checks.Add($"{element.Array}.Length == {Dimension(element.Indices[0])}");
            return;
        }

        checks.Add($"{element.Array}.GetLength(0) == {Dimension(element.Indices[0])}");
        checks.Add($"{element.Array}.GetLength(1) == {Dimension(element.Indices[1])}");
    }

    /// <summary>A group that is no single array: its small matrix is computed entry by entry.</summary>
    private string Materialize(KroneckerGroup group)
    {
        var name = scope.Fresh("factor");
        // Without every output index, its loops run even where the method's did not: (X·B)ᵀ of A·X·B runs over l where the
        // method, with no rows i, read nothing of X.
        eagerMayThrow |= group.Factors.Any(MayThrow) && !structure.Notation.OutputIndices.All(group.Rows.Contains);
        var rows = group.Rows.Length == 0 ? "1" : string.Join(" * ", group.Rows.Select(OutputDimension));
        var columns = group.Columns.Length == 0 ? "1" : string.Join(" * ", group.Columns.Select(InputDimension));
        Line($"var {name} = new double[{rows}, {columns}];");
        var indices = group.Rows.Concat(group.Columns).ToList();
        OpenLoops(indices);
        var entry = Product(group.Factors, group.Deltas);
        Line($"{name}[{VecIndex(group.Rows)}, {VecIndex(group.Columns)}] = {entry};");
        CloseLoops();
        return name;
    }

    /// <summary>d[vec(O)] = Π factors, over every output element.</summary>
    private string Diagonal(List<TensorExpr> factors)
    {
        var name = scope.Fresh("diagonal");
        var outputs = structure.Notation.OutputIndices;
        Line($"var {name} = new double[{output.Count}];");
        // Under a shift's window, only the elements the method's loops wrote: a factor may read x[i + 1], which exists
        // there and not past it.
        OpenLoops(outputs, window: rowWindow);
        var entry = Product(factors, new List<Delta>());
        Line($"{name}[{VecIndex(outputs)}] = {entry};");
        CloseLoops();
        return name;
    }

    private string VecIndex(IReadOnlyList<string> indices) => indices.Count switch
    {
        0 => "0",
        1 => indices[0],
        _ => $"{indices[0]} + {indices[1]} * {Dimension(indices[0])}",
    };

    private readonly Stack<int> loopDepths = new();

    private void Line(string text) => lines.Add(new string(' ', indentation * 4) + text);

    /// <summary>Loops over the indices' dimensions, or, <paramref name="window"/>, over the output loops' own ranges.</summary>
    private void OpenLoops(IEnumerable<string> indices, bool window = false)
    {
        // Outer loop over the slowest-varying index (the last one in vec order).
        var ordered = indices.Reverse().ToList();
        foreach (var index in ordered)
        {
            var (lower, upper) = window ? OutputRange(index) : ("0", Dimension(index));
            Line($"for (int {index} = {lower}; {index} < {upper}; {index}++)");
            Line("{");
            indentation++;
        }

        loopDepths.Push(ordered.Count);
    }

    private void CloseLoops()
    {
        var count = loopDepths.Pop();
        for (var k = 0; k < count; k++)
        {
            indentation--;
            Line("}");
        }
    }

    private string Product(List<TensorExpr> factors, List<Delta> deltas)
    {
        Expr product = Constant.One;
        foreach (var factor in factors)
        {
            product = Rules.Build.Mul(product, Evaluate(factor));
        }

        var text = Print(product);
        foreach (var delta in deltas)
        {
            text = $"({delta.Index} == {delta.Input} ? {text} : 0.0)";
        }

        return text;
    }

    private string Scaled(double coefficient, List<TensorExpr> scalars, string jacobian)
    {
        eagerMayThrow |= scalars.Any(MayThrow);
        Expr scale = Constant.Of(coefficient);
        foreach (var scalar in scalars)
        {
            scale = Rules.Build.Mul(scale, Evaluate(scalar));
        }

        return Rules.Build.IsOne(scale) ? jacobian : $"new {Runtime}ScaledJacobian({Print(scale)}, {jacobian})";
    }

    /// <summary>A tensor expression as an IR expression; sums are computed by loops written just before.</summary>
    private Expr Evaluate(TensorExpr expression)
    {
        switch (expression)
        {
            case TensorConstant c:
                return Constant.Of(c.Value);
            case TensorScalar s:
                return s.Float is null ? new Variable(s.Name) : new Convert(IrType.Double, s.Float);
            case TensorInteger i:
                return new Convert(IrType.Double, i.Value);
            case TensorElement e:
                return new ElementAccess(e.Array, e.Indices.Select(i => (Expr)new Variable(i)).ToEquatableArray());
            case TensorShifted e:
                return new ElementAccess(e.Array, EquatableArray.Create(e.Source ?? ShiftedIndex(e.Index, e.Offset, e.Reversed, e.Modulus)));
            case TensorBanded e:
                return new ElementAccess(e.Array, EquatableArray.Create(e.Index.Source));
            case TensorBandedMatrix e:
                return new ElementAccess(e.Array, EquatableArray.Create(e.Row.Source, e.Column.Source));
            case TensorShiftedMatrix e:
                return new ElementAccess(e.Array, EquatableArray.Create(
                    e.Row.Source ?? ShiftedIndex(e.Row.Index, e.Row.Offset, e.Row.Reversed, e.Row.Modulus),
                    e.Column.Source ?? ShiftedIndex(e.Column.Index, e.Column.Offset, e.Column.Reversed, e.Column.Modulus)));
            case TensorNegate n:
                return Rules.Build.Neg(Evaluate(n.Operand));
            case TensorBinary b:
                return new Binary(b.Operator, Evaluate(b.Left), Evaluate(b.Right));
            case TensorCall c:
                return new Call(c.Function, c.Arguments.Select(Evaluate).ToEquatableArray());
            case TensorDerivative d when d.Call == structure.Notation.Definition && d.Call.Arguments.Count == 1 && FromOutput(d.Call.Function) is { } fromOutput:
                return fromOutput;
            case TensorDerivative d:
                // The rules the other companions use (max′ is ½ on a tie, hypot′ 0 at the origin); null is piecewise constant.
                var arguments = d.Call.Arguments.Select(Evaluate).ToList();
                return DerivativeRules.Partial(d.Call.Function, arguments, d.Position, e => e) ?? Constant.Zero;
            case TensorSum sum:
                var total = scope.Fresh("sum");
                Line($"double {total} = 0.0;");
                Line($"for (int {sum.Index} = {Print(sum.Lower)}; {sum.Index} < {Print(sum.Upper)}; {sum.Index}++)");
                Line("{");
                indentation++;
                var body = Evaluate(sum.Body);
                Line($"{total} += {Print(body)};");
                indentation--;
                Line("}");
                return new Variable(total);
            default:
                throw new System.InvalidOperationException("unknown tensor expression");
        }
    }

    private static string IndexText(string index, Expr offset, bool reversed, Expr? modulus = null) =>
        SourceText(ShiftedIndex(index, offset, reversed, modulus));

    private static string SourceText(Expr index) => new CSharpPrinter(new CodeWriter()).Expression(index);

    private static Expr ShiftedIndex(string index, Expr offset, bool reversed, Expr? modulus) =>
        modulus is null ? ShiftedIndex(index, offset, reversed) : new Binary(BinaryOperator.Remainder, ShiftedIndex(index, offset, reversed), modulus);

    private static Expr ShiftedIndex(string index, Expr offset, bool reversed) => (reversed, offset) switch
    {
        (true, _) => new Binary(BinaryOperator.Subtract, offset, new Variable(index)),
        (false, Constant { Value: 0.0 }) => new Variable(index),
        (false, Constant { Value: < 0.0 } c) => new Binary(BinaryOperator.Subtract, new Variable(index), c with { Value = -c.Value }),
        (false, Unary { Operator: UnaryOperator.Negate } n) => new Binary(BinaryOperator.Subtract, new Variable(index), n.Operand),
        _ => new Binary(BinaryOperator.Add, new Variable(index), offset),
    };

    /// <summary>
    /// f′(u) read from the already computed output y = f(u) where f′ is a function of f (tanh′ = 1 − y², exp′ = y,
    /// √′ = 1/(2y)): the diagonal then costs O(n), not a second pass over the linear map.
    /// </summary>
    private Expr? FromOutput(MathFunction function)
    {
        var outputs = structure.Notation.OutputIndices.Select(i => (Expr)new Variable(i)).ToEquatableArray();
        if (function is not (MathFunction.Tanh or MathFunction.Exp or MathFunction.Sqrt))
        {
            return null;
        }

        if (output.Value is not { } value)
        {
            // No value to read: f′(u) is computed from u by the rules.
            recomputes = true;
            return null;
        }

        var y = new ElementAccess(value, outputs);
        return function switch
        {
            MathFunction.Tanh => Rules.Build.Sub(Constant.One, Rules.Build.Mul(y, y)),
            MathFunction.Exp => y,
            _ => Rules.Build.Div(Constant.Of(0.5), y),
        };
    }

    private static string Describe(JacobianForm form) => form switch
    {
        IdentityForm => "I",
        DiagonalForm d => $"diag({string.Join("·", d.Factors.Select(Describe))})",
        PermutationForm => "K (commutation)",
        ShiftForm shift => (shift.Coefficient switch { 1.0 => string.Empty, -1.0 => "−", var c => c.ToString("R", CultureInfo.InvariantCulture).Replace("-", "−") + "·" })
            + (shift.Column is { } c2 ? $"S({IndexText("i", shift.Offset, shift.Reversed, shift.Modulus)}, {IndexText("j", c2.Offset, c2.Reversed, c2.Modulus)})" : $"S({IndexText("i", shift.Offset, shift.Reversed, shift.Modulus)})"),
        ToeplitzForm t => (t.Coefficient switch { 1.0 => string.Empty, -1.0 => "−", var c => c.ToString("R", CultureInfo.InvariantCulture).Replace("-", "−") + "·" })
            + $"Σ_{string.Join(",", t.Band.Indices)} {string.Concat(t.Band.Factors.Select(f => Describe(f) + "·"))}S("
            + string.Join(", ", t.Axes.Select((axis, k) => IndexText(k == 0 ? "i" : "j", axis.Offset, false) + (axis.Band is null ? string.Empty : $" {(axis.Negated ? "-" : "+")} {axis.Band}"))) + ")",
        KroneckerForm k when Describe(k.Left) == "1" => Describe(k.Right),
        KroneckerForm k when Describe(k.Right) == "1" => Describe(k.Left),
        KroneckerForm k => $"{Describe(k.Left)} ⊗ {Describe(k.Right)}",
        DiagonalProductForm p => $"diag({string.Join("·", p.RowFactors.Select(Describe))})·({Describe(p.Inner)})",
        SumForm s => string.Join(" + ", s.Terms.Select(Describe)).Replace("+ −", "− "),
        _ => "?",
    };

    private static string Describe(KroneckerGroup group) => StructurePass.Shape(group) switch
    {
        "Scalar" => "1",
        "Identity" => "I",
        "RowVector" => ((TensorElement)group.Factors[0]).Array + "ᵀ",
        "ColumnVector" or "Matrix" => ((TensorElement)group.Factors[0]).Array,
        "TransposedMatrix" => ((TensorElement)group.Factors[0]).Array + "ᵀ",
        _ => "[" + string.Join("·", group.Factors.Select(Describe).Concat(group.Deltas.Select(d => $"δ({d.Index},{d.Input})"))) + "]",
    };

    private static string Describe(TensorExpr expression) => expression switch
    {
        TensorConstant c => c.Value.ToString("R", CultureInfo.InvariantCulture),
        TensorScalar s => s.Name,
        TensorElement e => $"{e.Array}[{string.Join(",", e.Indices)}]",
        TensorShifted e => $"{e.Array}[{IndexText(e.Index, e.Offset, e.Reversed, e.Modulus)}]",
        TensorBanded e => $"{e.Array}[{SourceText(e.Index.Source)}]",
        TensorBandedMatrix e => $"{e.Array}[{SourceText(e.Row.Source)}, {SourceText(e.Column.Source)}]",
        TensorShiftedMatrix e => $"{e.Array}[{IndexText(e.Row.Index, e.Row.Offset, e.Row.Reversed, e.Row.Modulus)}, {IndexText(e.Column.Index, e.Column.Offset, e.Column.Reversed, e.Column.Modulus)}]",
        TensorDerivative { Call.Arguments.Count: 1 } d => $"{d.Call.Function.ToString().ToLowerInvariant()}′(…)",
        TensorDerivative d => $"∂{d.Call.Function.ToString().ToLowerInvariant()}/∂u{d.Position.ToString(CultureInfo.InvariantCulture)}(…)",
        TensorCall c => $"{c.Function.ToString().ToLowerInvariant()}(…)",
        TensorSum s => $"Σ_{s.Index}(…)",
        _ => "(…)",
    };

    private static string Rule(JacobianForm form) => form switch
    {
        IdentityForm => "identity: each output is its input",
        DiagonalForm => "elementwise map: diagonal",
        PermutationForm => "transpose: vec(Xᵀ) = K·vec(X)",
        ShiftForm => "shifted element: ∂x[i ± k]/∂x[p] = δ(i ± k, p), one 1 per row",
        ToeplitzForm { Axes.Count: 2 } => "2-D correlation: ∂(Σ_a,b K[a, b]·X[i ± a, j ± b])/∂X[p, q] = K[±(p − i), ±(q − j)], constant along each 2-D diagonal (Toeplitz)",
        ToeplitzForm => "correlation: ∂(Σ_j w[j]·x[i ± j])/∂x[p] = w[±(p − i)], constant along each diagonal (Toeplitz)",
        KroneckerForm k when StructurePass.Shape(k.Left) == "Scalar" || StructurePass.Shape(k.Right) == "Scalar" => "linear map: the Jacobian is its coefficient matrix",
        KroneckerForm => "vec/Kronecker identity: vec(AXB) = (Bᵀ ⊗ A)·vec(X)",
        DiagonalProductForm => "chain rule through an elementwise function: diagonal times the inner Jacobian",
        SumForm => "sum rule",
        _ => string.Empty,
    };
}
