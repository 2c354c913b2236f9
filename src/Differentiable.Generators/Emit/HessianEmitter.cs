using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Forward;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Reverse;

namespace Differentiable.Generators.Emit;

/// <summary>
/// Second derivatives by reverse-over-forward: the JVP body is itself a function of (p, v) returning ∇f·v; reverse
/// mode on it, with respect to p, gives H·v in one sweep. <c>{F}Hvp</c> is that sweep; <c>{F}Hessian</c> takes one
/// Hessian-vector product per basis direction and symmetrizes the rounding.
/// </summary>
internal static class HessianEmitter
{
    private const string Assembly = "global::Differentiable.Runtime.JacobianAssembly";

    public static void Write(CodeWriter writer, MethodModel model, TangentCode tangent)
    {
        if (model.Parameters.Any(p => p.IsActive && p.IsComposite))
        {
            WriteThroughDoubleView(writer, model);
            return;
        }

        var directional = DirectionalModel(model, tangent);
        var active = model.Parameters.Where(p => p.IsActive).ToList();
        var directions = tangent.Tangents;

        // Allocation-free: H·v into caller buffers.
        writer.Line("/// <summary>");
        writer.Line($"/// The Hessian-vector product of <c>{model.Name}</c>: writes H·v into the caller's buffers (overwritten) by reverse");
        writer.Line("/// mode over the forward-mode directional derivative, at a small multiple of the cost of a gradient.");
        writer.Line("/// </summary>");
        writer.Line("/// <returns>The directional derivative ∇f·v.</returns>");
        writer.Line(CompanionEmitter.GeneratedCode);
        WriteHvp(writer, model, tangent, $"{model.Accessibility} static");
        writer.Line();

        // Allocating convenience.
        var scope = new NameScope(model.Parameters.Select(p => p.Name).Concat(directions));
        var value = scope.Fresh("value");
        var outputs = active.Select(p => scope.Fresh("h" + p.Name)).ToList();
        writer.Line("/// <summary>");
        writer.Line($"/// The value of <c>{model.Name}</c> and its Hessian-vector product H·v, per differentiated parameter.");
        writer.Line("/// </summary>");
        writer.Line(CompanionEmitter.GeneratedCode);
        var tupleElements = string.Join(", ", active.Select(p => $"{p.TypeName} {NameScope.DerivativeElement(p.Name)}"));
        writer.Line($"{model.Accessibility} static (double Value, {tupleElements}) {model.Name}Hvp({CompanionEmitter.Parameters(directional)})");
        writer.Line("{");
        writer.Indent();
        var arguments = new List<string>();
        foreach (var (parameter, i) in active.Select((p, i) => (p, i)))
        {
            if (parameter.Type == IrType.Double)
            {
                arguments.Add("out var " + outputs[i]);
            }
            else
            {
                writer.Line($"var {outputs[i]} = {CompanionEmitter.Zero(parameter)};");
                arguments.Add(outputs[i]);
            }
        }

        writer.Line($"{model.Name}Hvp({string.Join(", ", new[] { CompanionEmitter.Arguments(directional) }.Concat(arguments))});");
        writer.Line($"return ({model.Name}({CompanionEmitter.Arguments(model)}), {string.Join(", ", outputs)});");
        writer.Unindent();
        writer.Line("}");
        writer.Line();

        var environment = new TypeEnvironment(model);
        var elements = Structure.ElementHessian.Body(model, environment);
        WriteHessianSummary(writer, model, elements is not null);
        writer.Line($"{model.Accessibility} static (double Value, double[,] Hessian) {model.Name}Hessian({CompanionEmitter.Parameters(model)})");
        WriteHessianBody(writer, model, environment, elements, active);
    }

    /// <summary>
    /// The reverse sweep over the directional derivative: <c>{F}Hvp(p, v, buffers)</c> writes H·v into the buffers and
    /// returns ∇f·v. The H·v buffers are cleared and overwritten like a gradient's, so they alias nothing either: the
    /// sweeps may fuse.
    /// </summary>
    private static void WriteHvp(CodeWriter writer, MethodModel model, TangentCode tangent, string modifiers)
    {
        var directional = DirectionalModel(model, tangent);
        var types = new TypeEnvironment(directional);
        var activity = new ActivityAnalysis(directional, types);
        var gradient = new ReverseModeTransform(directional, types, activity).Build();
        var active = model.Parameters.Where(p => p.IsActive).ToList();
        var buffers = active.Select((p, i) => p.Type == IrType.Double ? $"out double {gradient.Buffers[i]}" : $"{p.TypeName} {gradient.Buffers[i]}");
        writer.Line($"{modifiers} double {model.Name}Hvp({string.Join(", ", new[] { CompanionEmitter.Parameters(directional) }.Concat(buffers))})");
        // The body returns the tangent of the value, so the value's own sum is dead: dropped first (only here, where
        // dead locals arise; the other companions return everything they compute).
        var body = CompanionEmitter.WithoutUnusedTape(
            CompanionEmitter.Optimize(model, Optimization.DeadStores.Rewrite(gradient.Body), CompanionEmitter.NameTypes(types, directional.Parameters.Where(p => p.IsActive).ToList(), gradient.Buffers), gradient.Buffers),
            gradient);
        CompanionEmitter.WriteBody(writer, CompanionEmitter.WithDirectionChecks(body, active, tangent.Tangents, "direction"), gradient);
    }

    /// <summary>
    /// <c>{F}Hessian</c> of a method that differentiates float or System.Numerics parameters: the Hessian of its
    /// <see cref="DoubleView"/>, a local function of double components that the public signature calls with the
    /// parameters' fields; beside it, the view's own <c>{F}Hvp</c> and value where the Hessian uses them. No public
    /// <c>{F}Hvp</c>: its directions and H·v would be float values.
    /// </summary>
    private static void WriteThroughDoubleView(CodeWriter writer, MethodModel model)
    {
        var (view, arguments) = DoubleView.Of(model);
        var environment = new TypeEnvironment(view);
        var activity = new ActivityAnalysis(view, environment);
        var tangent = new ForwardModeTransform(view, environment, activity).Build();
        var elements = Structure.ElementHessian.Body(view, environment);
        var core = new NameScope(model.Parameters.Select(p => p.Name).Append(model.Name).Append(model.Name + "Hvp")).Fresh("Core");

        var coreWriter = new CodeWriter();
        coreWriter.Line($"static (double Value, double[,] Hessian) {core}({CompanionEmitter.Parameters(view)})");
        WriteHessianBody(coreWriter, view, environment, elements, view.Parameters.Where(p => p.IsActive).ToList());
        var coreText = coreWriter.ToString();

        WriteHessianSummary(writer, model, elements is not null);
        writer.Line($"{model.Accessibility} static (double Value, double[,] Hessian) {model.Name}Hessian({CompanionEmitter.Parameters(model)})");
        writer.Line("{");
        writer.Indent();
        writer.Line("// The float components as double parameters, in vec order: the method's own steps, differentiated in double.");
        writer.Line($"return {core}({string.Join(", ", arguments)});");
        writer.Line();
        foreach (var line in coreText.Split('\n').Take(coreText.Count(c => c == '\n')))
        {
            writer.Line(line.TrimStart().Length == 0 ? string.Empty : line);
        }

        if (IrWalker.ContainsIdentifier(coreText, model.Name + "Hvp"))
        {
            writer.Line();
            WriteHvp(writer, view, tangent, "static");
        }

        if (IrWalker.ContainsIdentifier(coreText, model.Name))
        {
            // The value, as the method computes it (the view's body).
            writer.Line();
            writer.Line($"static double {model.Name}({CompanionEmitter.Parameters(view)})");
            new CSharpPrinter(writer).Write(view.Body);
        }

        writer.Unindent();
        writer.Line("}");
    }

    private static void WriteHessianSummary(CodeWriter writer, MethodModel model, bool fromElements)
    {
        writer.Line("/// <summary>");
        writer.Line($"/// The value and Hessian of <c>{model.Name}</c>: rows and columns run over vec of each differentiated parameter,");
        if (fromElements)
        {
            writer.Line("/// concatenated in declaration order. H is assembled from second partials derived at compile time (element");
            writer.Line("/// Hessians), in one sweep with the value; symmetric by construction.");
        }
        else
        {
            writer.Line("/// concatenated in declaration order. One Hessian-vector product per column; symmetric by construction.");
        }

        writer.Line("/// </summary>");
        writer.Line(CompanionEmitter.GeneratedCode);
    }

    /// <summary>The body of <c>{F}Hessian</c>: element Hessians where the structure pass derived them, else a product per column.</summary>
    private static void WriteHessianBody(CodeWriter writer, MethodModel model, TypeEnvironment environment, Block? elements, List<ParameterModel> active)
    {
        if (elements is not null)
        {
            // The passes of every companion body: a loop's exp, log and tanh calls become SIMD maps over blocks of rows.
            var names = environment.Names.ToDictionary(name => name, name => environment[name], System.StringComparer.Ordinal);
            new CSharpPrinter(writer).Write(CompanionEmitter.Optimize(model, elements, names));
            return;
        }

        var scope = new NameScope(model.Parameters.Select(p => p.Name));
        var hessian = scope.Fresh("hessian");
        var size = scope.Fresh("size");
        writer.Line("{");
        writer.Indent();
        writer.Line($"int {size} = {string.Join(" + ", active.Select(p => $"{Assembly}.Count({p.Name})"))};");
        writer.Line($"var {hessian} = new double[{size}, {size}];");
        var directionNames = active.Select((p, i) => scope.Fresh("v" + p.Name)).ToList();
        var bufferNames = active.Select(p => scope.Fresh("h" + p.Name)).ToList();
        foreach (var (parameter, i) in active.Select((p, i) => (p, i)))
        {
            writer.Line(parameter.Type == IrType.Double ? $"double {directionNames[i]} = 0.0;" : $"var {directionNames[i]} = {CompanionEmitter.Zero(parameter)};");
            if (parameter.Type != IrType.Double)
            {
                writer.Line($"var {bufferNames[i]} = {CompanionEmitter.Zero(parameter)};");
            }
        }

        if (Structure.HessianBand.Of(model) is { } band)
        {
            WriteBandedColumns(writer, model, scope, active[0], band, hessian, size, directionNames[0], bufferNames[0]);
            writer.Line($"{Assembly}.Symmetrize({hessian}, {band.ToString(System.Globalization.CultureInfo.InvariantCulture)});");
        }
        else
        {
            WriteEveryColumn(writer, model, scope, active, hessian, directionNames, bufferNames);
            writer.Line($"{Assembly}.Symmetrize({hessian});");
        }

        writer.Line($"return ({model.Name}({CompanionEmitter.Arguments(model)}), {hessian});");
        writer.Unindent();
        writer.Line("}");
    }

    /// <summary>
    /// A banded Hessian (half-bandwidth w) by compressed columns (Curtis, Powell and Reid): the columns k ≡ c (mod 2w+1)
    /// share one H·v with v = Σ e_k, since each row r meets only one of them within |r − k| ≤ w. 2w+1 products, not n.
    /// </summary>
    private static void WriteBandedColumns(CodeWriter writer, MethodModel model, NameScope scope, ParameterModel parameter, int band, string hessian, string size, string direction, string buffer)
    {
        var w = band.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var colors = ((2 * band) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var color = scope.Fresh("color");
        var k = scope.Fresh("k");
        var r = scope.Fresh("r");
        writer.Line($"// H is banded: the value is a sum over i of terms that read {parameter.Name}[i + c] for c in a window of {(band + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)}, so H[p, q] = 0 for |p − q| > {w}.");
        writer.Line($"// Compressed columns (Curtis-Powell-Reid): columns {colors} apart share one Hessian-vector product, {colors} products instead of one per column.");
        writer.Line($"for (int {color} = 0; {color} < {colors} && {color} < {size}; {color}++)");
        writer.Line("{");
        writer.Indent();
        writer.Line($"for (int {k} = {color}; {k} < {size}; {k} += {colors}) {direction}[{k}] = 1.0;");
        writer.Line($"{model.Name}Hvp({CompanionEmitter.Arguments(model)}, {direction}, {buffer});");
        writer.Line($"for (int {k} = {color}; {k} < {size}; {k} += {colors})");
        writer.Line("{");
        writer.Indent();
        writer.Line($"{direction}[{k}] = 0.0;");
        writer.Line($"for (int {r} = global::System.Math.Max(0, {k} - {w}); {r} <= global::System.Math.Min({size} - 1, {k} + {w}); {r}++) {hessian}[{r}, {k}] = {buffer}[{r}];");
        writer.Unindent();
        writer.Line("}");
        writer.Unindent();
        writer.Line("}");
    }

    /// <summary>One Hessian-vector product per column, per differentiated parameter.</summary>
    private static void WriteEveryColumn(CodeWriter writer, MethodModel model, NameScope scope, List<ParameterModel> active, string hessian, List<string> directionNames, List<string> bufferNames)
    {
        var offset = scope.Fresh("offset");
        writer.Line($"int {offset} = 0;");
        var arguments = string.Join(", ", new[] { CompanionEmitter.Arguments(model) }
            .Concat(directionNames)
            .Concat(active.Select((p, i) => p.Type == IrType.Double ? "out var " + bufferNames[i] : bufferNames[i])));
        foreach (var (parameter, i) in active.Select((p, i) => (p, i)))
        {
            var k = scope.Fresh("k");
            writer.Line($"for (int {k} = 0; {k} < {Assembly}.Count({parameter.Name}); {k}++)");
            writer.Line("{");
            writer.Indent();
            writer.Line(parameter.Type == IrType.Double ? $"{directionNames[i]} = 1.0;" : $"{Assembly}.SetVec({directionNames[i]}, {k}, 1.0);");
            writer.Line($"{model.Name}Hvp({arguments});");
            var rowOffset = "0";
            foreach (var (other, j) in active.Select((p, j) => (p, j)))
            {
                writer.Line($"{Assembly}.CopyToColumn({hessian}, {offset} + {k}, {rowOffset}, {bufferNames[j]});");
                rowOffset = $"{rowOffset} + {Assembly}.Count({other.Name})";
            }

            writer.Line(parameter.Type == IrType.Double ? $"{directionNames[i]} = 0.0;" : $"{Assembly}.SetVec({directionNames[i]}, {k}, 0.0);");
            writer.Unindent();
            writer.Line("}");
            writer.Line($"{offset} += {Assembly}.Count({parameter.Name});");
        }
    }

    /// <summary>The JVP as a scalar function of (p, v): ∇f(p)·v, differentiable with respect to p.</summary>
    private static MethodModel DirectionalModel(MethodModel model, TangentCode tangent)
    {
        var statements = tangent.Body.Statements.ToList();
        var last = (Return)statements[statements.Count - 1];
        statements[statements.Count - 1] = new Return(((Ir.Tuple)last.Value).Elements[1]);

        var known = new HashSet<string>(model.Locals.Select(l => l.Name).Concat(model.Parameters.Select(p => p.Name)));
        var locals = model.Locals.ToList();
        CollectDeclarations(new Block(statements.ToEquatableArray()), known, locals);

        var parameters = model.Parameters.ToList();
        foreach (var (parameter, i) in model.Parameters.Where(p => p.IsActive).Select((p, i) => (p, i)))
        {
            parameters.Add(new ParameterModel(tangent.Tangents[i], parameter.TypeName, parameter.Type, IsActive: false));
        }

        return model with
        {
            Parameters = parameters.ToEquatableArray(),
            Body = new Block(statements.ToEquatableArray()),
            Locals = locals.ToEquatableArray(),
            Hessian = false,
        };
    }

    private static void CollectDeclarations(Stmt statement, HashSet<string> known, List<LocalModel> locals)
    {
        switch (statement)
        {
            case Declare d when known.Add(d.Name):
                locals.Add(new LocalModel(d.Name, d.Type));
                break;
            case For f:
                CollectDeclarations(f.Body, known, locals);
                break;
            case While w:
                CollectDeclarations(w.Body, known, locals);
                break;
            case If i:
                CollectDeclarations(i.Then, known, locals);
                if (i.Else is not null)
                {
                    CollectDeclarations(i.Else, known, locals);
                }

                break;
            case Block b:
                foreach (var inner in b.Statements)
                {
                    CollectDeclarations(inner, known, locals);
                }

                break;
        }
    }

}
