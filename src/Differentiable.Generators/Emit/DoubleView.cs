using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Emit;

/// <summary>
/// The method seen with its differentiated float and System.Numerics parameters in double: a float <c>s</c> as a double
/// <c>s</c>, a <c>Vector3 a</c> as a <c>double[] a</c> of its components in vec order (matrices column by column), each
/// read back as the float it holds wherever the body reads it (<c>(float)s</c>, <c>(float)a[0]</c> for <c>a.X</c>). The
/// view computes what the method does, step for step, and its derivatives are taken in double; its Hessian is the
/// method's, rows and columns in the contract's order. Its value is a double.
/// </summary>
internal static class DoubleView
{
    /// <returns>The view, and the arguments that pass the method's parameters to it, in order (<c>new double[] { a.X, a.Y, a.Z }, s, n</c>).</returns>
    public static (MethodModel View, List<string> Arguments) Of(MethodModel model)
    {
        var assigned = new HashSet<string>(
            IrWalker.Statements(model.Body).OfType<Assign>().Select(a => a.Target).OfType<Variable>().Select(v => v.Name),
            System.StringComparer.Ordinal);
        var scope = new Analysis.NameScope(new Analysis.TypeEnvironment(model).Names.Concat(model.Parameters.Select(p => p.Name)));
        var copies = new List<Stmt>();
        var locals = model.Locals.ToList();
        var parameters = new List<ParameterModel>();
        var arguments = new List<string>();
        // A component (or a float parameter) → where the view holds it.
        var components = new Dictionary<string, Expr>(System.StringComparer.Ordinal);
        foreach (var parameter in model.Parameters)
        {
            if (!parameter.IsActive || !parameter.IsComposite)
            {
                parameters.Add(parameter);
                arguments.Add(parameter.Name);
                continue;
            }

            if (parameter.Type == IrType.Single)
            {
                parameters.Add(new ParameterModel(parameter.Name, "double", IrType.Double, IsActive: true));
                arguments.Add(parameter.Name);
                components.Add(parameter.Name, new Variable(parameter.Name));
                continue;
            }

            parameters.Add(new ParameterModel(parameter.Name, "double[]", IrType.DoubleArray, IsActive: true));
            var inVecOrder = Enumerable.Range(0, parameter.Components.Count).OrderBy(k => ComponentLayout.VecIndex(parameter, k)).ToList();
            arguments.Add($"new double[] {{ {string.Join(", ", inVecOrder.Select(k => parameter.Components[k]))} }}");
            // The method assigns its own copy of a struct: where it assigns a component, so does the view, into a local
            // array copied from the parameter (the parameter array itself stays as the caller passed it).
            var holder = parameter.Name;
            if (parameter.Components.Any(assigned.Contains))
            {
                holder = scope.Fresh(parameter.Name + "Copy");
                locals.Add(new LocalModel(holder, IrType.DoubleArray));
                copies.Add(new Declare(holder, IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create<Expr>(Constant.Int(parameter.Components.Count)))));
                copies.AddRange(inVecOrder.Select(k => new Assign(At(holder, ComponentLayout.VecIndex(parameter, k)), At(parameter.Name, ComponentLayout.VecIndex(parameter, k)))));
            }

            for (var k = 0; k < parameter.Components.Count; k++)
            {
                components.Add(parameter.Components[k], At(holder, ComponentLayout.VecIndex(parameter, k)));
            }
        }

        Expr Read(Expr expression) => IrWalker.Rewrite(expression, node =>
            node is Variable v && components.TryGetValue(v.Name, out var held) ? new Convert(IrType.Single, held) : null);

        // A component the body assigns is stored in its double (exactly: a float fits) and read back as a float.
        Expr Target(Expr target) => target is Variable v && components.TryGetValue(v.Name, out var held) ? held : Read(target);

        var view = model with
        {
            Parameters = parameters.ToEquatableArray(),
            Body = new Block(copies.Concat(((Block)IrWalker.RewriteExpressions(model.Body, Read, Target)).Statements).ToEquatableArray()),
            Locals = locals.ToEquatableArray(),
            ReturnType = model.ReturnType == IrType.Single ? IrType.Double : model.ReturnType,
        };
        return (view, arguments);
    }

    private static ElementAccess At(string array, int index) => new(array, EquatableArray.Create<Expr>(Constant.Int(index)));
}
