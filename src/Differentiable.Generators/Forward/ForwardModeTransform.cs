using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Differentiable.Generators.Rules;
using static Differentiable.Generators.Rules.Build;

namespace Differentiable.Generators.Forward;

/// <summary>The body of a JVP companion and the names of its tangent parameters.</summary>
internal sealed record TangentCode(Block Body, EquatableArray<string> Tangents);

/// <summary>
/// Forward mode: each active value v carries a tangent dv computed just before v itself, in the same statement
/// order (for <c>z = x·y</c>: <c>dz = dx·y + x·dy</c>). One sweep gives the directional derivative J·v.
/// </summary>
internal sealed class ForwardModeTransform
{
    private readonly MethodModel model;
    private readonly TypeEnvironment types;
    private readonly ActivityAnalysis activity;
    private readonly NameScope scope;
    private readonly Dictionary<string, string> tangents = new(System.StringComparer.Ordinal);
    private List<string> rules = new();

    private readonly IReadOnlyDictionary<string, Calls.CallDerivative> calls;
    private readonly List<Stmt> pending = new();

    /// <summary>Names whose tangent is float: a float parameter's, and the fields of a System.Numerics parameter's tangent.</summary>
    private readonly HashSet<string> floatTangents = new(System.StringComparer.Ordinal);

    /// <summary>Double locals holding the tangents of assigned parameter components, and the fields they start from.</summary>
    private readonly List<(string Local, string Field)> componentCopies = new();

    public ForwardModeTransform(MethodModel model, TypeEnvironment types, ActivityAnalysis activity, IReadOnlyDictionary<string, Calls.CallDerivative>? calls = null)
    {
        this.calls = calls ?? new Dictionary<string, Calls.CallDerivative>();
        this.model = model;
        this.types = types;
        this.activity = activity;
        scope = new NameScope(types.Names.Concat(model.Parameters.Select(p => p.Name)));
        var assigned = new HashSet<string>(
            IrWalker.Statements(model.Body).OfType<Assign>().Select(a => a.Target).OfType<Variable>().Select(v => v.Name),
            System.StringComparer.Ordinal);
        foreach (var parameter in model.Parameters)
        {
            if (parameter.IsActive)
            {
                tangents[parameter.Name] = scope.Derivative(parameter.Name);
                if (parameter.Type == IrType.Single)
                {
                    floatTangents.Add(parameter.Name);
                }

                if (parameter.IsComposite && parameter.Type != IrType.Single)
                {
                    // The tangent of p.X is the X of the tangent parameter dp; a component the body assigns gets a double
                    // local, set from dp.X at entry, since its new tangent is computed in double (dp.X = 0.0: CS0664).
                    foreach (var component in parameter.Components)
                    {
                        var field = tangents[parameter.Name] + component.Substring(parameter.Name.Length);
                        if (assigned.Contains(component))
                        {
                            tangents[component] = scope.Derivative(component.Replace('.', '_'));
                            componentCopies.Add((tangents[component], field));
                        }
                        else
                        {
                            tangents[component] = field;
                            floatTangents.Add(component);
                        }
                    }
                }
            }
        }

        foreach (var name in types.Names.OrderBy(n => n, System.StringComparer.Ordinal))
        {
            if (!tangents.ContainsKey(name) && activity.IsActive(name))
            {
                tangents[name] = scope.Derivative(name.Replace("global::", string.Empty).Replace('.', '_'));
            }
        }
    }

    public TangentCode Build()
    {
        var body = new List<Stmt>();
        foreach (var (local, field) in componentCopies)
        {
            body.Add(new Declare(local, IrType.Double, new Variable(field)));
        }

        foreach (var (primal, tangent) in tangents.Where(t => !model.Parameters.Any(p => p.IsActive && p.Name == t.Key)).OrderBy(t => t.Key, System.StringComparer.Ordinal))
        {
            // Arrays that alias an active array but are not themselves differentiated get a zero tangent; so do the
            // components of a System.Numerics parameter not differentiated that the body assigns an active value.
            if (model.Parameters.Any(p => p.Name == primal || (!p.IsActive && p.Components.Contains(primal))) || model.Externals.Any(e => e.Name == primal))
            {
                var type = types[primal];
                body.Add(type.IsReal() ? new Declare(tangent, IrType.Double, Constant.Zero) : new Declare(tangent, type, NewLike(primal, type)));
            }
        }

        Transform(model.Body, body);
        var buffers = model.Parameters.Where(p => p.IsActive).Select(p => tangents[p.Name]).ToEquatableArray();
        return new TangentCode(new Block(body.ToEquatableArray()), buffers);
    }

    private void Transform(Stmt statement, List<Stmt> output)
    {
        switch (statement)
        {
            case Block b:
                foreach (var inner in b.Statements)
                {
                    Transform(inner, output);
                }

                break;
            case Declare d when tangents.TryGetValue(d.Name, out var tangent):
                if (d.Initializer is null)
                {
                    output.Add(new Declare(tangent, d.Type.IsReal() ? IrType.Double : d.Type, null));
                }
                else
                {
                    output.AddRange(WithRules(TangentOfAssigned(d.Type, d.Initializer), t => new Declare(tangent, d.Type.IsReal() ? IrType.Double : d.Type, t)));
                }

                output.Add(d);
                break;
            case Assign { Target: Variable v } a when tangents.TryGetValue(v.Name, out var tangent):
                output.AddRange(WithRules(TangentOfAssigned(types[v.Name], a.Value), t => new Assign(new Variable(tangent), t)));
                output.Add(a);
                break;
            case Assign { Target: ElementAccess e } a when tangents.TryGetValue(e.Array, out var tangent):
                output.AddRange(WithRules(TangentOf(a.Value, 0), t => new Assign(new ElementAccess(tangent, e.Indices), t)));
                output.Add(a);
                break;
            case For f:
                var body = new List<Stmt>();
                Transform(f.Body, body);
                output.Add(f with { Body = new Block(body.ToEquatableArray()) });
                break;
            case While w:
                var loopBody = new List<Stmt>();
                Transform(w.Body, loopBody);
                output.Add(w with { Body = new Block(loopBody.ToEquatableArray()) });
                break;
            case If i:
                var then = new List<Stmt>();
                Transform(i.Then, then);
                List<Stmt>? otherwise = null;
                if (i.Else is not null)
                {
                    otherwise = new List<Stmt>();
                    Transform(i.Else, otherwise);
                }

                output.Add(new If(i.Condition, new Block(then.ToEquatableArray()), otherwise is null ? null : new Block(otherwise.ToEquatableArray())));
                break;
            case Return { Value: Variable result } r when model.ReturnType.IsArray():
                var tangentArray = tangents.TryGetValue(result.Name, out var t) ? (Expr)new Variable(t) : NewLike(result.Name, model.ReturnType);
                output.Add(new Return(new Tuple(EquatableArray.Create<Expr>(r.Value, tangentArray))));
                break;
            case Return r:
                output.AddRange(WithRules(TangentOf(r.Value, 0), t => new Return(new Tuple(EquatableArray.Create<Expr>(r.Value, t)))));
                break;
            default:
                output.Add(statement);
                break;
        }
    }

    /// <summary>The statement, preceded by comments naming the derivative rules its tangent uses.</summary>
    private IEnumerable<Stmt> WithRules(Expr tangent, System.Func<Expr, Stmt> statement)
    {
        var result = rules.Select(r => (Stmt)new Comment(r)).ToList();
        rules = new List<string>();
        result.AddRange(pending);
        pending.Clear();
        result.Add(statement(tangent));
        return result;
    }

    private Expr TangentOfAssigned(IrType type, Expr value) => value switch
    {
        NewArray n => n,
        Variable source when type.IsArray() => tangents.TryGetValue(source.Name, out var t) ? new Variable(t) : NewLike(source.Name, type),
        _ => TangentOf(value, 0),
    };

    /// <summary>
    /// The tangent of a call: the callee's JVP companion along the arguments' tangents, or, for a [DerivativeOf] rule,
    /// Σₖ ∂g/∂aₖ·ȧₖ from the rule's gradient (computed just before the statement).
    /// </summary>
    private Expr TangentOfCall(UserCall call, int depth)
    {
        var derivative = calls[call.Callee.Key];
        var rule = $"∂ {call.Callee.Display}(…) from {derivative.Jvp ?? derivative.Gradient}";
        if (!rules.Contains(rule))
        {
            rules.Add(rule);
        }

        var arguments = call.Arguments.ToList();
        if (derivative.Jvp is not null)
        {
            for (var k = 0; k < call.Arguments.Count; k++)
            {
                if (derivative.Differentiated[k])
                {
                    arguments.Add(ArgumentTangent(call, k, depth));
                }
            }

            return new Invoke(derivative.Jvp, arguments.ToEquatableArray(), "Tangent");
        }

        Expr total = Constant.Zero;
        var gradients = new List<(int K, string Name)>();
        for (var k = 0; k < call.Arguments.Count; k++)
        {
            if (!derivative.Differentiated[k])
            {
                continue;
            }

            var type = call.Callee.ParameterTypes[k];
            var name = scope.Fresh("g");
            gradients.Add((k, name));
            pending.Add(new Declare(name, type, type == IrType.Double ? null : NewLike(((Variable)call.Arguments[k]).Name, type)));
            arguments.Add(type == IrType.Double ? new OutArgument(name) : new Variable(name));
        }

        pending.Add(new Declare(scope.Fresh("value"), IrType.Double, new Invoke(derivative.Gradient, arguments.ToEquatableArray())));
        foreach (var (k, name) in gradients)
        {
            if (!activity.DependsOnActive(call.Arguments[k]))
            {
                continue;
            }

            if (call.Callee.ParameterTypes[k] == IrType.Double)
            {
                total = Add(total, Mul(new Variable(name), TangentOf(call.Arguments[k], depth + 1)));
                continue;
            }

            // Σ g[m]·ȧ[m] over every element of an array argument.
            var dot = scope.Fresh("dot");
            var m = scope.Fresh("m");
            var tangent = tangents[((Variable)call.Arguments[k]).Name];
            pending.Add(new Declare(dot, IrType.Double, Constant.Zero));
            if (call.Callee.ParameterTypes[k] == IrType.DoubleArray)
            {
                var index = EquatableArray.Create<Expr>(new Variable(m));
                pending.Add(new For(m, Constant.Int(0), new ArrayLength(name, -1), false, new Block(EquatableArray.Create(
                    Accumulate(new Variable(dot), Mul(new ElementAccess(name, index), new ElementAccess(tangent, index)))))));
            }
            else
            {
                var n = scope.Fresh("n");
                var indices = EquatableArray.Create<Expr>(new Variable(m), new Variable(n));
                var inner = new For(n, Constant.Int(0), new ArrayLength(name, 1), false, new Block(EquatableArray.Create(
                    Accumulate(new Variable(dot), Mul(new ElementAccess(name, indices), new ElementAccess(tangent, indices))))));
                pending.Add(new For(m, Constant.Int(0), new ArrayLength(name, 0), false, new Block(EquatableArray.Create<Stmt>(inner))));
            }

            total = Add(total, new Variable(dot));
        }

        return total;
    }

    /// <summary>
    /// Puts the statements pending since <paramref name="from"/> (a [DerivativeOf] rule's gradient, for a call in one
    /// branch of a conditional) under <c>if (condition)</c>: run ahead of the statement unguarded, they called the rule
    /// where the method does not call the function, and threw where the branch guards against it (n / k at k = 0). Their
    /// declarations stay outside, assigned inside.
    /// </summary>
    private void GuardPending(int from, Expr condition)
    {
        if (pending.Count == from)
        {
            return;
        }

        var guarded = new List<Stmt>();
        var declarations = new List<Stmt>();
        foreach (var statement in pending.Skip(from))
        {
            if (statement is Declare d)
            {
                declarations.Add(d with { Initializer = null });
                if (d.Initializer is not null)
                {
                    guarded.Add(new Assign(new Variable(d.Name), d.Initializer));
                }
            }
            else
            {
                guarded.Add(statement);
            }
        }

        pending.RemoveRange(from, pending.Count - from);
        pending.AddRange(declarations);
        pending.Add(new If(condition, new Block(guarded.ToEquatableArray()), null));
    }

    /// <summary>What a JVP companion takes for argument k: its tangent, or zeros of its shape when it is inactive here.</summary>
    private Expr ArgumentTangent(UserCall call, int k, int depth)
    {
        var argument = call.Arguments[k];
        var type = call.Callee.ParameterTypes[k];
        if (type == IrType.Double)
        {
            return TangentOf(argument, depth + 1);
        }

        var name = ((Variable)argument).Name;
        return tangents.TryGetValue(name, out var tangent) ? new Variable(tangent) : NewLike(name, type);
    }

    /// <summary>The tangent of an expression: Σ ∂e/∂u · du over the active values u it reads.</summary>
    private Expr TangentOf(Expr expression, int depth)
    {
        if (!activity.DependsOnActive(expression))
        {
            return Constant.Zero;
        }

        StackGuard.Enter(depth);
        switch (expression)
        {
            case Variable v when floatTangents.Contains(v.Name):
                // A float tangent (dp.X, dt) widened where it is read, so the products it enters run in double.
                return new Convert(IrType.Double, new Variable(tangents[v.Name]));
            case Variable v:
                return new Variable(tangents[v.Name]);
            case ElementAccess e:
                return new ElementAccess(tangents[e.Array], e.Indices);
            case Unary { Operator: UnaryOperator.Negate } u:
                return Neg(TangentOf(u.Operand, depth + 1));
            case Convert c:
                return TangentOf(c.Operand, depth + 1);
            case Binary b when AdditiveChain.IsChain(b):
                Expr total = Constant.Zero;
                foreach (var (term, negated) in AdditiveChain.Terms(b))
                {
                    var tangent = TangentOf(term, depth + 1);
                    total = negated ? Sub(total, tangent) : Add(total, tangent);
                }

                return total;
            case Binary b:
                var dl = TangentOf(b.Left, depth + 1);
                var dr = TangentOf(b.Right, depth + 1);
                return b.Operator switch
                {
                    BinaryOperator.Add => Add(dl, dr),
                    BinaryOperator.Subtract => Sub(dl, dr),
                    // d(u·u) = 2·(u·du): the two equal terms du·u + u·du summed, bit for bit (x + x = 2x exactly).
                    BinaryOperator.Multiply when b.Left == b.Right => Mul(Constant.Of(2.0), Mul(b.Left, dl)),
                    // d(c·u·u) = 2c·(u·du) (100·a·a, ½·r·r): one term where the product rule gives (c·du)·u + (c·u)·du, so a
                    // reverse sweep over this tangent (H·v) also sees u and du once each.
                    BinaryOperator.Multiply when b.Left is Binary { Operator: BinaryOperator.Multiply, Left: Constant { Type: IrType.Double or IrType.Single } c } scaled
                        && scaled.Right == b.Right => Mul(Constant.Of(2.0 * c.Value), Mul(b.Right, dr)),
                    BinaryOperator.Multiply => Add(Mul(dl, b.Right), Mul(b.Left, dr)),
                    BinaryOperator.Divide => IsZero(dr) ? Div(dl, b.Right) : Div(Sub(dl, Mul(Div(b.Left, b.Right), dr)), b.Right),
                    BinaryOperator.Remainder => Sub(dl, Mul(Call(MathFunction.Truncate, Div(b.Left, b.Right)), dr)),
                    _ => Constant.Zero,
                };
            case Call c:
                if (DerivativeRules.RuleText(c.Function, c.Arguments.Count) is { } rule && !rules.Contains(rule))
                {
                    rules.Add(rule);
                }

                Expr sum = Constant.Zero;
                for (var k = 0; k < c.Arguments.Count; k++)
                {
                    if (activity.DependsOnActive(c.Arguments[k]) && DerivativeRules.Partial(c.Function, c.Arguments, k, e => e, self: c) is { } partial)
                    {
                        sum = Add(sum, MulPartial(TangentOf(c.Arguments[k], depth + 1), partial, partialFirst: true));
                    }
                }

                return sum;
            case Conditional c:
                var pendingBefore = pending.Count;
                var whenTrue = TangentOf(c.WhenTrue, depth + 1);
                GuardPending(pendingBefore, c.Condition);
                pendingBefore = pending.Count;
                var whenFalse = TangentOf(c.WhenFalse, depth + 1);
                GuardPending(pendingBefore, new Unary(UnaryOperator.Not, c.Condition));
                return new Conditional(c.Condition, whenTrue, whenFalse);
            case UserCall u:
                return TangentOfCall(u, depth);
            case Unary { Operator: UnaryOperator.Not }:
                return Constant.Zero; // a bool carries no tangent
            default:
                // A node without a tangent rule must not become a silent zero: the fault surfaces as DIFF009 on the method.
                throw new System.InvalidOperationException($"forward mode has no tangent rule for {expression.GetType().Name}");
        }
    }
}
