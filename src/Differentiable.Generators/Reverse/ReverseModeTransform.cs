using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Emit;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Rules;
using static Differentiable.Generators.Rules.Build;

namespace Differentiable.Generators.Reverse;

/// <summary>The body of an allocation-free gradient companion, and the names of its gradient buffers.</summary>
/// <param name="Body">Forward sweep, then reverse sweep, then <c>return value</c>.</param>
/// <param name="Buffers">Per active parameter (declaration order), the name of its gradient buffer.</param>
/// <param name="SeedName">For an array-valued method (a VJP), the name of the seed parameter ∂L/∂result.</param>
internal sealed record GradientCode(Block Body, EquatableArray<string> Buffers, bool UsesTape, string TapeName, string TapeMarkName, string SeedName);

/// <summary>
/// Reverse mode on structured code, in the shape of Tapenade and Clad: a forward sweep that runs the original
/// statements and saves on a tape exactly the values that a later statement overwrites and the reverse sweep
/// still needs (see <see cref="ReverseModeTransform.AnalyzeTape"/>), then the statements in reverse order, each
/// replaced by its adjoint (for <c>z = x·y</c>: <c>x̄ += z̄·y; ȳ += z̄·x</c>). Loops run backwards over the same
/// range; branches re-evaluate their condition, or pop the branch taken when the branch changes it.
/// </summary>
internal sealed partial class ReverseModeTransform
{
    private readonly MethodModel model;
    private readonly TypeEnvironment types;
    private readonly ActivityAnalysis activity;
    private readonly NameScope scope;
    private readonly Dictionary<string, string> adjoints = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, string> compositeBuffers = new(System.StringComparer.Ordinal);
    private readonly HashSet<Stmt> saved = new(ReferenceComparer<Stmt>.Instance);

    /// <summary>Element stores the TBR analysis found to be first stores into a fresh array (true), or not (false).</summary>
    private readonly Dictionary<Stmt, bool> firstStores = new(ReferenceComparer<Stmt>.Instance);
    private readonly Dictionary<If, string> recordedBranches = new(ReferenceComparer<If>.Instance);
    private readonly HashSet<string> needsReset = new(System.StringComparer.Ordinal);
    private readonly Dictionary<While, (string Count, string Index)> whileCounters = new(ReferenceComparer<While>.Instance);
    private readonly HashSet<Stmt> recomputable = new(ReferenceComparer<Stmt>.Instance);
    private readonly string tapeName;
    private readonly string tapeMarkName;
    private readonly string seedName;
    private readonly string seedRow;
    private readonly string seedColumn;
    private int temporaryCounter;

    private readonly IReadOnlyDictionary<string, Calls.CallDerivative> calls;

    public ReverseModeTransform(MethodModel model, TypeEnvironment types, ActivityAnalysis activity, IReadOnlyDictionary<string, Calls.CallDerivative>? calls = null)
    {
        this.calls = calls ?? new Dictionary<string, Calls.CallDerivative>();
        this.model = model;
        this.types = types;
        this.activity = activity;
        scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        tapeName = scope.Fresh("tape");
        tapeMarkName = scope.Fresh("tapeMark");
        seedName = scope.Fresh("seed");
        seedRow = scope.Fresh("i");
        seedColumn = scope.Fresh("j");
        foreach (var parameter in model.Parameters)
        {
            if (parameter.IsActive && parameter.IsComposite)
            {
                // The out buffer (float, Vector3 …) is assembled at the end from double adjoints of its components.
                compositeBuffers[parameter.Name] = scope.Derivative(parameter.Name);
            }
            else if (parameter.IsActive)
            {
                adjoints[parameter.Name] = scope.Derivative(parameter.Name);
            }
        }

        foreach (var name in types.Names.OrderBy(n => n, System.StringComparer.Ordinal))
        {
            if (!adjoints.ContainsKey(name) && activity.IsActive(name))
            {
                adjoints[name] = scope.Derivative(name.Replace("global::", string.Empty).Replace('.', '_'));
            }
        }

        // A parameter arrives with its value, a first definition: one assignment in the body is already its second, whose
        // reversal must clear the adjoint (x = y; return x·y had ∂/∂x = y, where x's incoming value is never read).
        var counts = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var parameter in model.Parameters)
        {
            counts[parameter.Name] = 1;
            foreach (var component in parameter.Components)
            {
                counts[component] = 1;
            }
        }

        CountAssignments(model.Body, insideLoop: false, counts);
        FindRecomputable(model.Body);
    }

    /// <summary>
    /// The tape's local and the mark taken on entry. The emitter runs everything after it in a <c>try</c> whose
    /// <c>catch</c> returns the tape to the mark, so a call an exception ends leaves the thread's tape as it found it.
    /// </summary>
    internal static string TapeDeclaration(string tapeName, string tapeMarkName) =>
        $"var {tapeName} = global::Differentiable.Runtime.Tape.Current;\nvar {tapeMarkName} = {tapeName}.Mark();";

    public GradientCode Build()
    {
        AnalyzeTape(model.Body, new TapeState());
        FindBulkSaves();

        var body = new List<Stmt>();
        var buffers = new List<string>();
        body.Add(new Comment("Gradient buffers are overwritten: check their shapes, then clear them."));
        foreach (var parameter in model.Parameters.Where(p => p.IsActive))
        {
            if (parameter.IsComposite)
            {
                buffers.Add(compositeBuffers[parameter.Name]);
                continue;
            }

            var buffer = adjoints[parameter.Name];
            buffers.Add(buffer);
            body.AddRange(PrepareBuffer(parameter.Name, buffer, types[parameter.Name]));
        }

        var hoisted = model.Locals.Where(l => !model.Parameters.Any(p => p.Name == l.Name)).ToList();
        if (hoisted.Count > 0)
        {
            body.Add(new Comment("Locals of the forward sweep, hoisted so the reverse sweep can read them."));
            body.AddRange(hoisted.Select(l => new Declare(l.Name, l.Type, null)));
        }

        var adjointLocals = adjoints.Where(a => !model.Parameters.Any(p => p.Name == a.Key && p.IsActive && !p.IsComposite)).OrderBy(a => a.Key, System.StringComparer.Ordinal).ToList();
        if (adjointLocals.Count > 0)
        {
            body.Add(new Comment("Adjoints: dv holds ∂result/∂v for each active value v."));
            foreach (var (primal, adjoint) in adjointLocals)
            {
                var type = types[primal];
                var isScratch = model.Parameters.Any(p => p.Name == primal) || model.Externals.Any(e => e.Name == primal);
                body.Add(type.IsReal()
                    ? new Declare(adjoint, IrType.Double, Constant.Zero)
                    : new Declare(adjoint, type, isScratch ? NewLike(primal, type) : null));
            }
        }

        body.AddRange(recordedBranches.Values.OrderBy(n => n, System.StringComparer.Ordinal).Select(n => new Declare(n, IrType.Boolean, null)));
        body.AddRange(whileCounters.Values.Select(c => c.Count).OrderBy(n => n, System.StringComparer.Ordinal).Select(n => new Declare(n, IrType.Int32, null)));
        var usesTape = saved.Count > 0 || recordedBranches.Count > 0 || whileCounters.Count > 0;
        if (usesTape)
        {
            body.Add(new Verbatim(TapeDeclaration(tapeName, tapeMarkName)));
        }

        var valueName = scope.Fresh("value");
        body.Add(new Comment("Forward sweep: the original computation, saving what the reverse sweep needs."));
        foreach (var statement in model.Body.Statements)
        {
            if (statement is Return r)
            {
                // The reverse sweep restores overwritten elements; an array result it touches is returned as a copy.
                var restoresResult = r.Value is Variable result && model.ReturnType.IsArray()
                    && saved.Any(s => s is Assign { Target: ElementAccess e } && activity.AliasesOf(result.Name).Contains(e.Array));
                body.Add(new Declare(valueName, model.ReturnType, restoresResult ? new Invoke("global::Differentiable.Runtime.JacobianAssembly.Copy", EquatableArray.Create(r.Value)) : r.Value));
                if (model.ReturnType.IsArray())
                {
                    body.Add(new Verbatim(SeedCheck(valueName, model.ReturnType), EquatableArray.Create(valueName, seedName)));
                }
            }
            else
            {
                Forward(statement, body);
            }
        }

        body.Add(new Comment(model.ReturnType.IsArray()
            ? "Reverse sweep: start from the seed ∂L/∂result and propagate it back through every statement."
            : "Reverse sweep: propagate ∂result/∂result = 1 back through every statement."));
        Reverse(model.Body, body);
        foreach (var parameter in model.Parameters.Where(p => p.IsActive && p.IsComposite))
        {
            body.Add(new Comment($"∂result/∂{parameter.Name}, narrowed to the parameter's type once, at the end."));
            var components = parameter.Components.Select(c => adjoints.TryGetValue(c, out var a) ? $"(float){a}" : "0f").ToList();
            body.Add(new Verbatim(parameter.Type == IrType.Single
                ? $"{compositeBuffers[parameter.Name]} = {components[0]};"
                : $"{compositeBuffers[parameter.Name]} = new {parameter.TypeName}({string.Join(", ", components)});"));
        }

        body.Add(new Return(new Variable(valueName)));
        return new GradientCode(new Block(body.ToEquatableArray()), buffers.ToEquatableArray(), usesTape, tapeName, tapeMarkName, seedName);
    }

    private string SeedCheck(string value, IrType type) => type == IrType.DoubleMatrix
        ? $"if ({seedName} is null || {seedName}.GetLength(0) != {value}.GetLength(0) || {seedName}.GetLength(1) != {value}.GetLength(1)) throw new global::System.ArgumentException(\"The seed must have the shape of the result.\", nameof({seedName}));"
        : $"if ({seedName} is null || {seedName}.Length != {value}.Length) throw new global::System.ArgumentException(\"The seed must have the length of the result.\", nameof({seedName}));";

    /// <summary>The reverse of <c>return y</c> for an array y: ȳ += seed, element by element.</summary>
    private IEnumerable<Stmt> SeedResult(Variable result)
    {
        if (!activity.IsActive(result.Name))
        {
            yield break;
        }

        var shadow = adjoints[result.Name];
        var constant = model.Body.Statements.OfType<Declare>().FirstOrDefault(d => d.Name == result.Name)?.Initializer is NewArray { Dimensions: var sizes }
            && sizes.All(d => d is Constant)
            && IrWalker.Statements(model.Body).Count(st => (st is Declare d && d.Name == result.Name) || (st is Assign { Target: Variable v } && v.Name == result.Name)) == 1
            ? sizes.Select(d => (int)((Constant)d).Value).ToArray()
            : null;
        // Written out within the unrolling budget only (at least the default's, also where MaxUnroll turns unrolling
        // off): a constant 30000 made 30000 statements (a 7-minute build).
        var budget = System.Math.Max(model.MaxUnroll, Unrolling.LoopUnroller.DefaultMaxUnroll);
        if (constant is not null && (long)constant[0] * (constant.Length == 2 ? constant[1] : 1) <= budget)
        {
            // A result of constant size: ȳ += seed element by element, written out.
            var rows = constant[0];
            var columns = constant.Length == 2 ? constant[1] : 1;
            for (var column = 0; column < columns; column++)
            {
                for (var row = 0; row < rows; row++)
                {
                    var at = constant.Length == 2 ? EquatableArray.Create<Expr>(Constant.Int(row), Constant.Int(column)) : EquatableArray.Create<Expr>(Constant.Int(row));
                    yield return Accumulate(new ElementAccess(shadow, at), new ElementAccess(seedName, at));
                }
            }

            yield break;
        }

        yield return AccumulateElementwise(shadow, seedName, Constant.One, model.ReturnType, seedRow, seedColumn, sizedBy: result.Name);
    }

    /// <summary>
    /// The check of an array passed beside a parameter of array type (a gradient buffer, a tangent, a direction): null or
    /// of another length or shape throws ArgumentException naming it.
    /// </summary>
    internal static string ShapeCheck(string argument, string primal, IrType type, string role) => type == IrType.DoubleMatrix
        ? $"if ({argument} is null || {argument}.GetLength(0) != {primal}.GetLength(0) || {argument}.GetLength(1) != {primal}.GetLength(1)) throw new global::System.ArgumentException(\"The {role} must have the shape of '{primal}'.\", nameof({argument}));"
        : $"if ({argument} is null || {argument}.Length != {primal}.Length) throw new global::System.ArgumentException(\"The {role} must have the length of '{primal}'.\", nameof({argument}));";

    private static IEnumerable<Stmt> PrepareBuffer(string primal, string buffer, IrType type)
    {
        switch (type)
        {
            case IrType.Double:
                yield return new Assign(new Variable(buffer), Constant.Zero);
                break;
            case IrType.DoubleArray or IrType.DoubleMatrix:
                yield return new Verbatim(ShapeCheck(buffer, primal, type, "gradient buffer"));
                yield return new Verbatim($"global::System.Array.Clear({buffer}, 0, {buffer}.Length);");
                break;
        }
    }

    /// <summary>
    /// Recompute instead of store: a local declared once at the top level of a loop body, from values that never change
    /// (parameters never assigned, loop variables, lengths, elements of arrays never written), is computed again at the
    /// start of each reversed iteration rather than saved on the tape every iteration.
    /// </summary>
    private void FindRecomputable(Block body)
    {
        var assigned = new Dictionary<string, int>(System.StringComparer.Ordinal);
        var stored = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare { Initializer: not null } d:
                    assigned[d.Name] = assigned.TryGetValue(d.Name, out var n) ? n + 1 : 1;
                    break;
                case Assign { Target: Variable v }:
                    assigned[v.Name] = assigned.TryGetValue(v.Name, out var m) ? m + 1 : 1;
                    break;
                case Assign { Target: ElementAccess e }:
                    foreach (var alias in activity.AliasesOf(e.Array))
                    {
                        stored.Add(alias);
                    }

                    break;
            }
        }

        var loopVariables = new HashSet<string>(IrWalker.Statements(body).OfType<For>().Select(f => f.Variable), System.StringComparer.Ordinal);
        bool Stable(string name) =>
            loopVariables.Contains(name)
            || (model.Parameters.Any(p => p.Name == name) && !assigned.ContainsKey(name) && !stored.Contains(name))
            || model.Externals.Any(e => e.Name == name);

        foreach (var loop in IrWalker.Statements(body).Where(s => s is For or While))
        {
            var statements = loop is For f ? f.Body.Statements : ((While)loop).Body.Statements;
            foreach (var statement in statements)
            {
                if (statement is Declare { Initializer: { } value, Type: var type } d && type.IsReal()
                    && assigned.TryGetValue(d.Name, out var count) && count == 1
                    && IrWalker.ReadNames(value).All(Stable)
                    && !IrWalker.Nodes(value).Any(node => node is UserCall))
                {
                    recomputable.Add(statement);
                }
            }
        }
    }

    /// <summary>The recomputations that open a reversed iteration of a loop with this body.</summary>
    private IEnumerable<Stmt> Recompute(Block body) =>
        body.Statements.Where(recomputable.Contains).Select(s => (Stmt)new Assign(new Variable(((Declare)s).Name), ((Declare)s).Initializer!));

    /// <summary>Adjoints of values assigned more than once (or in a loop) must be cleared when their assignment is reversed.</summary>
    private void CountAssignments(Stmt statement, bool insideLoop, Dictionary<string, int> counts)
    {
        void Count(string name)
        {
            counts.TryGetValue(name, out var count);
            counts[name] = count + (insideLoop ? 2 : 1);
            if (counts[name] > 1)
            {
                needsReset.Add(name);
            }
        }

        switch (statement)
        {
            case Declare { Initializer: not null } d:
                Count(d.Name);
                break;
            case Assign { Target: Variable v }:
                Count(v.Name);
                break;
            case For f:
                CountAssignments(f.Body, insideLoop: true, counts);
                break;
            case While w:
                CountAssignments(w.Body, insideLoop: true, counts);
                break;
            case If i:
                CountAssignments(i.Then, insideLoop, counts);
                if (i.Else is not null)
                {
                    CountAssignments(i.Else, insideLoop, counts);
                }

                break;
            case Block b:
                foreach (var inner in b.Statements)
                {
                    CountAssignments(inner, insideLoop, counts);
                }

                break;
        }
    }

    // ---- Forward sweep -------------------------------------------------------------------------------------

    private void Forward(Stmt statement, List<Stmt> output)
    {
        switch (statement)
        {
            case Declare { Initializer: null }:
                break;
            case Declare d:
                ForwardAssign(statement, d.Name, d.Initializer!, output);
                break;
            case Assign { Target: Variable v } a:
                ForwardAssign(statement, v.Name, a.Value, output);
                break;
            case Assign { Target: ElementAccess e } a:
                if (saved.Contains(statement) && !savedInBulk.Contains(statement))
                {
                    output.Add(new TapePush(types[e.Array].ElementType(), e));
                }

                output.Add(a);
                break;
            case For f:
                var body = new List<Stmt>();
                Forward(f.Body, body);
                output.AddRange(SaveInBulk(f));
                output.Add(f with { Body = new Block(body.ToEquatableArray()) });
                break;
            case While w:
                // The trip count is known only as the loop runs: count it, and save the count for the reverse sweep.
                var (count, _) = whileCounters[w];
                var loopBody = new List<Stmt>();
                Forward(w.Body, loopBody);
                loopBody.Add(new Assign(new Variable(count), new Binary(BinaryOperator.Add, new Variable(count), Constant.Int(1))));
                output.Add(new Assign(new Variable(count), Constant.Int(0)));
                output.Add(w with { Body = new Block(loopBody.ToEquatableArray()) });
                output.Add(new TapePush(IrType.Int32, new Variable(count)));
                break;
            case If i:
                var then = new List<Stmt>();
                Forward(i.Then, then);
                List<Stmt>? otherwise = null;
                if (i.Else is not null)
                {
                    otherwise = new List<Stmt>();
                    Forward(i.Else, otherwise);
                }

                var condition = i.Condition;
                var recorded = recordedBranches.TryGetValue(i, out var branch);
                if (recorded)
                {
                    output.Add(new Assign(new Variable(branch), condition));
                    condition = new Variable(branch);
                }

                output.Add(new If(condition, new Block(then.ToEquatableArray()), otherwise is null ? null : new Block(otherwise.ToEquatableArray())));
                if (recorded)
                {
                    // Saved after the branch's own saves: the reverse sweep pops it first, before undoing the branch.
                    output.Add(new TapePush(IrType.Boolean, new Variable(branch)));
                }

                break;
            case Block b:
                foreach (var inner in b.Statements)
                {
                    Forward(inner, output);
                }

                break;
        }
    }

    private void ForwardAssign(Stmt statement, string name, Expr value, List<Stmt> output)
    {
        var type = types[name];
        var shadow = type.IsArray() && adjoints.TryGetValue(name, out var adjoint) ? adjoint : null;
        if (saved.Contains(statement))
        {
            output.Add(new TapePush(type, new Variable(name)));
            if (shadow is not null)
            {
                output.Add(new TapePush(type, new Variable(shadow)));
            }
        }

        output.Add(new Assign(new Variable(name), value));
        if (shadow is not null)
        {
            // Shadow arrays follow their primal: a new array gets a new zeroed adjoint, a reference copy copies the adjoint's reference.
            var shadowValue = value switch
            {
                NewArray n => (Expr)n,
                Variable source => new Variable(adjoints[source.Name]),
                _ => throw new System.InvalidOperationException("array assigned from an unsupported expression"),
            };
            output.Add(new Assign(new Variable(shadow), shadowValue));
        }
    }

    // ---- Reverse sweep -------------------------------------------------------------------------------------

    private void Reverse(Stmt statement, List<Stmt> output)
    {
        switch (statement)
        {
            case Block b:
                for (var i = b.Statements.Count - 1; i >= 0; i--)
                {
                    Reverse(b.Statements[i], output);
                }

                break;
            case Declare or Assign or Return:
                var code = new List<Stmt>();
                var (adjointCode, rules) = Adjoint(statement);
                var readsOutput = ReadsOwnOutput(statement) is not null;
                var restores = saved.Contains(statement) && !savedInBulk.Contains(statement);
                if (restores && !readsOutput)
                {
                    code.AddRange(Restore(statement));
                }

                code.AddRange(adjointCode);
                if (restores && readsOutput)
                {
                    // The adjoint read the value this statement produced; only now is the older value restored.
                    code.AddRange(Restore(statement));
                }

                if (code.Count == 0)
                {
                    break;
                }

                output.Add(new Comment("reverse of: " + CSharpPrinter.StatementText(statement)));
                output.AddRange(rules.Select(rule => new Comment(rule)));
                if (code.Any(s => s is Declare))
                {
                    output.Add(new Block(code.ToEquatableArray()));
                }
                else
                {
                    output.AddRange(code);
                }

                break;
            case For f:
                var body = new List<Stmt>();
                Reverse(f.Body, body);
                if (body.Count > 0)
                {
                    body.InsertRange(0, Recompute(f.Body));
                    output.Add(new For(f.Variable, f.Lower, f.Upper, !f.Descending, new Block(body.ToEquatableArray())));
                }

                output.AddRange(RestoreInBulk(f));

                break;
            case While w:
                var (counter, index) = whileCounters[w];
                var reversed = new List<Stmt>();
                Reverse(w.Body, reversed);
                output.Add(new Assign(new Variable(counter), new TapePop(IrType.Int32)));
                if (reversed.Count > 0)
                {
                    reversed.InsertRange(0, Recompute(w.Body));
                    output.Add(new For(index, Constant.Int(0), new Variable(counter), true, new Block(reversed.ToEquatableArray())));
                }

                break;
            case If i:
                var then = new List<Stmt>();
                var otherwise = new List<Stmt>();
                Reverse(i.Then, then);
                if (i.Else is not null)
                {
                    Reverse(i.Else, otherwise);
                }

                var condition = i.Condition;
                if (recordedBranches.TryGetValue(i, out var branch))
                {
                    output.Add(new Assign(new Variable(branch), new TapePop(IrType.Boolean)));
                    condition = new Variable(branch);
                }

                if (then.Count > 0)
                {
                    output.Add(new If(condition, new Block(then.ToEquatableArray()), otherwise.Count > 0 ? new Block(otherwise.ToEquatableArray()) : null));
                }
                else if (otherwise.Count > 0)
                {
                    output.Add(new If(new Unary(UnaryOperator.Not, condition), new Block(otherwise.ToEquatableArray()), null));
                }

                break;
        }
    }

    /// <summary>Pops the values the forward sweep saved before overwriting them (in reverse order of the pushes).</summary>
    private IEnumerable<Stmt> Restore(Stmt statement)
    {
        if (statement is Assign { Target: ElementAccess element })
        {
            // An int[] element goes through the tape as an int (PopDouble would not convert back implicitly).
            yield return new Assign(element, new TapePop(types[element.Array].ElementType()));
            yield break;
        }

        var name = statement is Declare d ? d.Name : ((Variable)((Assign)statement).Target).Name;
        var type = types[name];
        if (type.IsArray() && adjoints.TryGetValue(name, out var shadow))
        {
            yield return new Assign(new Variable(shadow), new TapePop(type));
        }

        yield return new Assign(new Variable(name), new TapePop(type));
    }

    /// <summary>The adjoint statements of one assignment or return, and the derivative rules they use.</summary>
    private (List<Stmt> Code, List<string> Rules) Adjoint(Stmt statement)
    {
        temporaryCounter = 0;
        var output = new List<Stmt>();
        var rules = new List<string>();
        if (ReadsOwnOutput(statement) is { } own)
        {
            // reverse of y = f(u): ū += ȳ·f′ with f′ read from y, which still holds f(u) here.
            var rule = DerivativeRules.RuleText(own.Call.Function, 1)!;
            rules.Add(rule + " (read from the stored result)");
            var adjointTarget = own.Target is Variable v ? (Expr)new Variable(adjoints[v.Name]) : new ElementAccess(adjoints[((ElementAccess)own.Target).Array], ((ElementAccess)own.Target).Indices);
            var seed = Temporary(adjointTarget, output);
            if (own.Target is ElementAccess || needsReset.Contains(((Variable)own.Target).Name))
            {
                output.Add(new Assign(adjointTarget, Constant.Zero));
            }

            var y = own.Target is ElementAccess ? Temporary(own.Target, output) : own.Target;
            Propagate(own.Call.Arguments[0], Mul(seed, FromOutput(own.Call.Function, y)), output, rules, 0);
            return (output, rules);
        }

        switch (statement)
        {
            case Return { Value: Variable result } when model.ReturnType.IsArray():
                output.AddRange(SeedResult(result));
                break;
            case Return r:
                Propagate(r.Value, Constant.One, output, rules, 0);
                break;
            case Declare { Initializer: { } value, Type: IrType.Double or IrType.Single } d when activity.IsActive(d.Name):
                ScalarAdjoint(d.Name, value, output, rules);
                break;
            case Assign { Target: Variable v, Value: var value } when types[v.Name].IsReal() && activity.IsActive(v.Name):
                ScalarAdjoint(v.Name, value, output, rules);
                break;
            case Assign { Target: ElementAccess element, Value: var value } when types[element.Array] != IrType.Int32Array && activity.IsActive(element.Array):
                var seed = Temporary(new ElementAccess(adjoints[element.Array], element.Indices), output);
                if (IncrementOf(value, element) is { } increment)
                {
                    Propagate(increment.Term, increment.Negated ? Neg(seed) : seed, output, rules, 0);
                }
                else
                {
                    output.Add(new Assign(new ElementAccess(adjoints[element.Array], element.Indices), Constant.Zero));
                    Propagate(value, seed, output, rules, 0);
                }

                break;
        }

        return (output, rules);
    }

    /// <summary>
    /// y = tanh(u) (in double), exp(u) or √u whose reverse can read y itself (tanh′ = 1 − y², exp′ = y, √′ = 1/(2y))
    /// instead of computing f again: the target and its call, or null. The argument must not read the target (or an
    /// alias).
    /// </summary>
    private (Expr Target, Call Call)? ReadsOwnOutput(Stmt statement)
    {
        var (target, value) = statement switch
        {
            Declare { Initializer: { } v } d => ((Expr)new Variable(d.Name), v),
            Assign a => (a.Target, a.Value),
            _ => (null!, null!),
        };
        // Not a MathF.Tanh: 1 − y² from a float y cancels where y → ±1 (a multiple of 2⁻²⁴); its partial is computed
        // in double.
        if (value is not Call { Function: MathFunction.Tanh or MathFunction.Exp or MathFunction.Sqrt, Arguments.Count: 1 } call
            || call is { Function: MathFunction.Tanh, Single: true })
        {
            return null;
        }

        var owner = target switch { Variable v => v.Name, ElementAccess e => e.Array, _ => null };
        if (owner is null || !activity.IsActive(owner) || (target is Variable && !types[owner].IsReal()) || types[owner] == IrType.Int32Array)
        {
            return null;
        }

        // An argument that reads the owner's value is needed by its own reverse after the store replaced it, except an
        // element that is the target itself (h[i] = tanh(h[i])): its reverse only adds into the adjoint, which is reset.
        return !IrWalker.ReadNames(call.Arguments[0]).Intersect(activity.AliasesOf(owner).Append(owner)).Any()
            || (target is ElementAccess && call.Arguments[0] == target)
            ? (target, call)
            : null;
    }

    /// <summary>The derivative of f at u written with y = f(u).</summary>
    private static Expr FromOutput(MathFunction function, Expr y) => function switch
    {
        MathFunction.Tanh => Sub(Constant.One, Mul(y, y)),
        MathFunction.Exp => y,
        _ => Div(Constant.Of(0.5), y),
    };

    private void ScalarAdjoint(string name, Expr value, List<Stmt> output, List<string> rules)
    {
        var adjoint = new Variable(adjoints[name]);
        var target = new Variable(name);
        if (!activity.DataNames(value).Contains(name))
        {
            // v = e, e free of v: ē += v̄·∂e, then v̄ = 0 (the old v is dead).
            Propagate(value, adjoint, output, rules, 0);
            if (needsReset.Contains(name))
            {
                output.Add(new Assign(adjoint, Constant.Zero));
            }
        }
        else if (IncrementOf(value, target) is { } increment && !activity.DataNames(increment.Term).Contains(name))
        {
            // v = v ± e: v̄ passes through unchanged.
            Propagate(increment.Term, increment.Negated ? Neg(adjoint) : adjoint, output, rules, 0);
        }
        else
        {
            var seed = Temporary(adjoint, output);
            output.Add(new Assign(adjoint, Constant.Zero));
            Propagate(value, seed, output, rules, 0);
        }
    }

    /// <summary>Recognizes <c>t + rest</c>, <c>rest + t</c> and <c>t − rest</c>: the assignment increments its target.</summary>
    private static (Expr Term, bool Negated)? IncrementOf(Expr value, Expr target) => value switch
    {
        Binary { Operator: BinaryOperator.Add } b when b.Left == target => (b.Right, false),
        Binary { Operator: BinaryOperator.Add } b when b.Right == target => (b.Left, false),
        Binary { Operator: BinaryOperator.Subtract } b when b.Left == target => (b.Right, true),
        _ => null,
    };

    /// <summary>
    /// seed·factor. A seed of ±1 folds away, and with it the double it carried: for a float factor f, the product it
    /// starts (∂(x·f·f)/∂x = 1·f·f) ran in float, 0.010000000707805157 for f = 0.1f where the method's double
    /// arithmetic gives 0.010000000298023226 (a helper's hunt), and for an int n, 1·n·n overflowed in int
    /// (1410065408 for 10¹⁰ at n = 100,000; a review). Such a factor is taken to double first, where the seed goes on
    /// into an operand (<paramref name="into"/>) that multiplies it further; before a name, C#'s own conversion of the
    /// single factor is the same, except after a −1, whose negation of an int must not wrap (−int.MinValue; a helper's hunt).
    /// </summary>
    private Expr SeedTimes(Expr seed, Expr factor, Expr into) =>
        seed is Constant { Value: 1.0 or -1.0, Type: IrType.Double } constant
            && (into is not (Variable or ElementAccess or Constant) || constant.Value < 0.0)
            && types.TryTypeOf(factor) is IrType.Single or IrType.Int32
            ? Mul(seed, new Convert(IrType.Double, factor))
            : Mul(seed, factor);

    /// <summary>Adds seed·∂e/∂u to the adjoint ū of every active u that <paramref name="expression"/> reads.</summary>
    private void Propagate(Expr expression, Expr seed, List<Stmt> output, List<string> rules, int depth)
    {
        if (!activity.DependsOnActive(expression))
        {
            return;
        }

        StackGuard.Enter(depth);
        switch (expression)
        {
            case Variable v:
                output.Add(Accumulate(new Variable(adjoints[v.Name]), seed));
                break;
            case ElementAccess e:
                output.Add(Accumulate(new ElementAccess(adjoints[e.Array], e.Indices), seed));
                break;
            case Unary { Operator: UnaryOperator.Negate } u:
                Propagate(u.Operand, Neg(seed), output, rules, depth + 1);
                break;
            case Convert c:
                Propagate(c.Operand, seed, output, rules, depth + 1);
                break;
            case Binary b:
                PropagateBinary(b, seed, output, rules, depth);
                break;
            case Call c:
                PropagateCall(c, seed, output, rules, depth);
                break;
            case UserCall u:
                PropagateUserCall(u, seed, output, rules, depth);
                break;
            case Conditional { Condition: Constant { Type: IrType.Boolean } known } c:
                // A literal condition (false ? a : b, a const bool): only the branch it takes. An if on a constant
                // would be unreachable code, a warning (CS0162) in the generated file where the method has none.
                Propagate(known.Value != 0 ? c.WhenTrue : c.WhenFalse, seed, output, rules, depth + 1);
                break;
            case Conditional c:
                seed = Share(seed, output);
                var then = new List<Stmt>();
                var otherwise = new List<Stmt>();
                Propagate(c.WhenTrue, seed, then, rules, depth + 1);
                Propagate(c.WhenFalse, seed, otherwise, rules, depth + 1);
                if (then.Count > 0)
                {
                    output.Add(new If(c.Condition, new Block(then.ToEquatableArray()), otherwise.Count > 0 ? new Block(otherwise.ToEquatableArray()) : null));
                }
                else
                {
                    output.Add(new If(new Unary(UnaryOperator.Not, c.Condition), new Block(otherwise.ToEquatableArray()), null));
                }

                break;
            case Unary { Operator: UnaryOperator.Not }:
                break; // a bool carries no adjoint
            default:
                // A node without an adjoint rule must not drop its seed silently: the fault surfaces as DIFF009 on the method.
                throw new System.InvalidOperationException($"reverse mode has no adjoint rule for {expression.GetType().Name}");
        }
    }

    private void PropagateBinary(Binary b, Expr seed, List<Stmt> output, List<string> rules, int depth)
    {
        var left = activity.DependsOnActive(b.Left);
        var right = activity.DependsOnActive(b.Right);
        if (AdditiveChain.IsChain(b))
        {
            var activeTerms = AdditiveChain.Terms(b).Where(t => activity.DependsOnActive(t.Term)).ToList();
            if (activeTerms.Count > 1 || activeTerms.Any(t => !IsTerminal(t.Term)))
            {
                seed = Share(seed, output);
            }
        }
        else if ((left && right) || (left && !IsTerminal(b.Left)) || (right && !IsTerminal(b.Right)))
        {
            seed = Share(seed, output);
        }

        switch (b.Operator)
        {
            case BinaryOperator.Add or BinaryOperator.Subtract:
                // ∂(a ± b ± …) passes the seed to every term, negated for subtracted ones; walked flat, not recursively.
                foreach (var (term, negated) in AdditiveChain.Terms(b))
                {
                    Propagate(term, negated ? Neg(seed) : seed, output, rules, depth + 1);
                }

                break;
            case BinaryOperator.Multiply when b.Left == b.Right && IsPure(b.Left):
                // ∂(u·u) = 2u·du: one contribution instead of two equal ones (doubling is exact). The factor 2 goes with
                // the seed, so the term stays α·u for the kernels (α = 2·seed, invariant where the seed is).
                Propagate(b.Left, Mul(Mul(Constant.Of(2.0), seed), b.Left), output, rules, depth + 1);
                break;
            case BinaryOperator.Multiply when b.Left is Binary { Operator: BinaryOperator.Multiply, Left: Constant { Type: IrType.Double or IrType.Single } c } scaled
                && scaled.Right == b.Right && IsPure(b.Right):
                // ∂(c·u·u) = 2c·u·du (½·r·r, 100·a·a): one contribution instead of c·(seed·u) and seed·(c·u).
                Propagate(b.Right, Mul(Mul(Constant.Of(2.0 * c.Value), seed), b.Right), output, rules, depth + 1);
                break;
            case BinaryOperator.Multiply:
                Propagate(b.Left, SeedTimes(seed, b.Right, b.Left), output, rules, depth + 1);
                Propagate(b.Right, SeedTimes(seed, b.Left, b.Right), output, rules, depth + 1);
                break;
            case BinaryOperator.Divide:
                // ∂(l/r) = dl/r − (l/r)·dr/r, as (seed/r)·(l/r): seed·l/(r·r) lost the gradient where r·r overflows or
                // underflows (|r| past 1e154 or below 1e-154), e.g. a sigmoid 1/(1 + e⁴⁰⁰) scored far on the wrong side.
                var denominator = right ? Bind(b.Right, output) : b.Right;
                var scaledSeed = Div(seed, denominator);
                if (left && right)
                {
                    scaledSeed = Share(scaledSeed, output);
                }

                var quotient = Div(b.Left, denominator);
                if (quotient.Equals(scaledSeed) && IsPure(quotient))
                {
                    // seed = l (as in 1/r with seed 1): one division squared
                    scaledSeed = Share(scaledSeed, output);
                    quotient = scaledSeed;
                }

                Propagate(b.Left, scaledSeed, output, rules, depth + 1);
                Propagate(b.Right, Neg(Mul(scaledSeed, quotient)), output, rules, depth + 1);
                break;
            case BinaryOperator.Remainder:
                // l % r = l − r·trunc(l/r): ∂l = 1, ∂r = −trunc(l/r)
                rules.Add("∂ (l % r) = dl − trunc(l/r)·dr");
                Propagate(b.Left, seed, output, rules, depth + 1);
                Propagate(b.Right, Neg(Mul(seed, Call(MathFunction.Truncate, Div(b.Left, b.Right)))), output, rules, depth + 1);
                break;
        }
    }

    private void PropagateCall(Call call, Expr seed, List<Stmt> output, List<string> rules, int depth)
    {
        if (call.Function is MathFunction.Floor or MathFunction.Ceiling or MathFunction.Round or MathFunction.Truncate or MathFunction.Sign)
        {
            return; // Piecewise constant: nothing flows back.
        }

        if (DerivativeRules.RuleText(call.Function, call.Arguments.Count) is { } rule && !rules.Contains(rule))
        {
            rules.Add(rule);
        }

        var activeArguments = call.Arguments.Where(activity.DependsOnActive).ToList();
        if (activeArguments.Count > 1 || activeArguments.Any(a => !IsTerminal(a)))
        {
            seed = Share(seed, output);
        }

        // exp′, √′, tanh′ and ∛′ read the call itself, as the primal wrote it: where the forward sweep's evaluation is in
        // reach (straight-line code, a fused iteration), RepeatedCalls shares it instead of calling f again here.
        var readsValue = DerivativeRules.DerivativeReadsOnlyValue(call.Function);
        var values = call.Arguments.Select(a => activeArguments.Count > 0 && !readsValue ? Bind(a, output) : a).ToList();
        for (var k = 0; k < call.Arguments.Count; k++)
        {
            if (activity.DependsOnActive(call.Arguments[k])
                && DerivativeRules.Partial(call.Function, values, k, e => Bind(e, output), self: call) is { } partial)
            {
                Propagate(call.Arguments[k], MulPartial(seed, partial), output, rules, depth + 1);
            }
        }
    }

    /// <summary>
    /// The chain rule across a call: the callee's gradient companion (or its [DerivativeOf] rule) gives ∂g/∂aₖ at the
    /// call's arguments, and each active argument receives seed·∂g/∂aₖ.
    /// </summary>
    private void PropagateUserCall(UserCall call, Expr seed, List<Stmt> output, List<string> rules, int depth)
    {
        var derivative = calls[call.Callee.Key];
        var rule = $"∂ {call.Callee.Display}(…) from {(derivative.IsRule ? "the [DerivativeOf] rule " : string.Empty)}{derivative.Gradient.Substring(derivative.Gradient.LastIndexOf('.') + 1)}";
        if (!rules.Contains(rule))
        {
            rules.Add(rule);
        }

        seed = Share(seed, output);
        var arguments = call.Arguments.ToList();
        var gradients = new Dictionary<int, string>();
        for (var k = 0; k < call.Arguments.Count; k++)
        {
            if (!derivative.Differentiated[k])
            {
                continue;
            }

            var type = call.Callee.ParameterTypes[k];
            var buffer = TemporaryName();
            gradients[k] = buffer;
            if (type == IrType.Double)
            {
                output.Add(new Declare(buffer, IrType.Double, null));
                arguments.Add(new OutArgument(buffer));
            }
            else
            {
                output.Add(new Declare(buffer, type, NewLike(((Variable)call.Arguments[k]).Name, type)));
                arguments.Add(new Variable(buffer));
            }
        }

        output.Add(new Declare(TemporaryName(), IrType.Double, new Invoke(derivative.Gradient, arguments.ToEquatableArray())));
        foreach (var (k, buffer) in gradients)
        {
            var argument = call.Arguments[k];
            if (!activity.DependsOnActive(argument))
            {
                continue;
            }

            if (call.Callee.ParameterTypes[k] == IrType.Double)
            {
                Propagate(argument, Mul(seed, new Variable(buffer)), output, rules, depth + 1);
            }
            else
            {
                output.Add(AccumulateArray(adjoints[((Variable)argument).Name], buffer, seed, call.Callee.ParameterTypes[k]));
            }
        }
    }

    /// <summary><c>target[m] += seed · gradient[m]</c> over every element.</summary>
    private Stmt AccumulateArray(string target, string gradient, Expr seed, IrType type)
    {
        var i = TemporaryName();
        var j = type == IrType.DoubleMatrix ? TemporaryName() : i;
        return AccumulateElementwise(target, gradient, seed, type, i, j, sizedBy: gradient);
    }

    /// <summary>Loops over every element of <paramref name="sizedBy"/>'s shape: <c>target[i(, j)] += scale · source[i(, j)]</c>.</summary>
    private static Stmt AccumulateElementwise(string target, string source, Expr scale, IrType type, string i, string j, string sizedBy)
    {
        if (type == IrType.DoubleArray)
        {
            var index = EquatableArray.Create<Expr>(new Variable(i));
            return new For(i, Constant.Int(0), new ArrayLength(sizedBy, -1), false, new Block(EquatableArray.Create(
                Accumulate(new ElementAccess(target, index), Mul(scale, new ElementAccess(source, index))))));
        }

        var indices = EquatableArray.Create<Expr>(new Variable(i), new Variable(j));
        var inner = new For(j, Constant.Int(0), new ArrayLength(sizedBy, 1), false, new Block(EquatableArray.Create(
            Accumulate(new ElementAccess(target, indices), Mul(scale, new ElementAccess(source, indices))))));
        return new For(i, Constant.Int(0), new ArrayLength(sizedBy, 0), false, new Block(EquatableArray.Create<Stmt>(inner)));
    }

    /// <summary>Variables and array elements: an adjoint is accumulated into them directly.</summary>
    private static bool IsTerminal(Expr e) => e is Variable or ElementAccess;

    /// <summary>No calls into user code, tape reads or allocations: evaluating it twice gives one value.</summary>
    private static bool IsPure(Expr e) => !IrWalker.Nodes(e).Any(n => n is UserCall or TapePop or Invoke or NewArray);

    /// <summary>A seed used more than once is computed once into a temporary.</summary>
    private Expr Share(Expr seed, List<Stmt> output) => IsLeaf(seed) ? seed : Temporary(seed, output);

    /// <summary>A primal value used more than once is computed once into a temporary.</summary>
    private Expr Bind(Expr value, List<Stmt> output) =>
        IsLeaf(value) || (value is ElementAccess e && e.Indices.All(IsLeaf)) ? value : Temporary(value, output);

    private Variable Temporary(Expr value, List<Stmt> output)
    {
        var name = TemporaryName();
        output.Add(new Declare(name, IrType.Double, value));
        return new Variable(name);
    }

    /// <summary>A name for a temporary of one statement's adjoint block (blocks are siblings, so names restart).</summary>
    private string TemporaryName()
    {
        string name;
        do
        {
            name = "t" + temporaryCounter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            temporaryCounter++;
        }
        while (scope.IsUsed(name));

        return name;
    }
}
