using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// System.Numerics values become their float components: a local <c>Vector3 p</c> is three float locals p_X, p_Y, p_Z,
/// a parameter is read as p.X, p.Y, p.Z, and every operator and member is written out per component. The IR then
/// sees only named scalars, which is what differentiation, unrolling and folding want.
/// </summary>
internal sealed partial class MethodParser
{
    private static readonly Dictionary<string, string[]> NumericsFields = new(System.StringComparer.Ordinal)
    {
        ["System.Numerics.Vector2"] = new[] { "X", "Y" },
        ["System.Numerics.Vector3"] = new[] { "X", "Y", "Z" },
        ["System.Numerics.Vector4"] = new[] { "X", "Y", "Z", "W" },
        ["System.Numerics.Quaternion"] = new[] { "X", "Y", "Z", "W" },
        ["System.Numerics.Matrix3x2"] = new[] { "M11", "M12", "M21", "M22", "M31", "M32" },
        ["System.Numerics.Matrix4x4"] = new[] { "M11", "M12", "M13", "M14", "M21", "M22", "M23", "M24", "M31", "M32", "M33", "M34", "M41", "M42", "M43", "M44" },
    };

    /// <summary>The components of a System.Numerics type, or null for any other type.</summary>
    internal static string[]? Fields(ITypeSymbol? type) =>
        type is not null && NumericsFields.TryGetValue(type.ToDisplayString(), out var fields) ? fields : null;

    private static string KindOf(ITypeSymbol type) => type.ToDisplayString() is var name && name.StartsWith("System.Numerics.", System.StringComparison.Ordinal)
        ? name.Substring("System.Numerics.".Length)
        : type.Name;

    /// <summary>Component names of a local or parameter of a System.Numerics type.</summary>
    private string[] ComponentNames(string baseName, bool isParameter, string[] fields) =>
        fields.Select(f => isParameter ? baseName + "." + f : baseName + "_" + f).ToArray();

    private string[] DeclareNumericsLocal(ILocalSymbol symbol, string[] fields)
    {
        var name = DeclareNumericsBase(symbol, fields);
        var components = ComponentNames(name, isParameter: false, fields);
        foreach (var component in components)
        {
            types[component] = IrType.Single;
            locals.Add(new Model.LocalModel(component, IrType.Single));
            usedNames.Add(component);
        }

        return components;
    }

    /// <summary>A base name whose components (base_X, …) are free too: a parameter float p_X beside a local Vector2 p.</summary>
    private string DeclareNumericsBase(ILocalSymbol symbol, string[] fields)
    {
        var name = FreshName(symbol.Name);
        for (var suffix = 2; fields.Any(f => usedNames.Contains(name + "_" + f)); suffix++)
        {
            name = FreshName(symbol.Name + "_" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        names[symbol] = name;
        return name;
    }

    /// <summary>The components of a System.Numerics-valued expression, or null (with a diagnostic) when it is not supported.</summary>
    private Expr[] ParseComponents(ExpressionSyntax expression, int depth)
    {
        StackGuard.Enter(depth);
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        var type = semanticModel.GetTypeInfo(expression, cancellationToken).Type;
        var fields = Fields(type);
        if (fields is null)
        {
            Unsupported(expression, "a System.Numerics value was expected here");
            return System.Array.Empty<Expr>();
        }

        Expr[] Zero() => fields.Select(_ => (Expr)new Constant(0, IrType.Single)).ToArray();
        var kind = KindOf(type!);
        switch (expression)
        {
            case IdentifierNameSyntax identifier:
                var symbol = semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol;
                if (symbol is IParameterSymbol parameter)
                {
                    return ComponentNames(parameter.Name, isParameter: true, fields).Select(c => (Expr)new Variable(c)).ToArray();
                }

                if (symbol is ILocalSymbol local && names.TryGetValue(local, out var baseName))
                {
                    return ComponentNames(baseName, isParameter: false, fields).Select(c => (Expr)new Variable(c)).ToArray();
                }

                Unsupported(identifier, "only System.Numerics locals and parameters can be read");
                return Zero();
            case BaseObjectCreationExpressionSyntax creation:
                return Construct(creation, fields, kind, depth) ?? Zero();
            case DefaultExpressionSyntax or LiteralExpressionSyntax { RawKind: (int)SyntaxKind.DefaultLiteralExpression }:
                return Zero(); // default, default(Vector3): every component 0
            case MemberAccessExpressionSyntax member when semanticModel.GetSymbolInfo(member, cancellationToken).Symbol is IPropertySymbol { IsStatic: true } property:
                // Only the type's own constants are known by name: a user's static property called UnitX is not Vector3.UnitX.
                if (property.ContainingType.ContainingNamespace?.ToDisplayString() == "System.Numerics"
                    && NumericsConstant(kind, property.Name, fields) is { } constant)
                {
                    return constant;
                }

                Unsupported(member, "only System.Numerics' own constants (Zero, One, Identity, UnitX…), locals and parameters can be read");
                return Zero();
            case PrefixUnaryExpressionSyntax negate when negate.IsKind(SyntaxKind.UnaryMinusExpression):
                return ParseComponents(negate.Operand, depth + 1).Select(c => (Expr)new Unary(UnaryOperator.Negate, c)).ToArray();
            case BinaryExpressionSyntax binary:
                return Binary(binary, fields, kind, depth) ?? Zero();
            case ConditionalExpressionSyntax conditional:
                var condition = ParseExpression(conditional.Condition, depth + 1);
                conditionalDepth++;
                var whenTrue = ParseComponents(conditional.WhenTrue, depth + 1);
                var whenFalse = ParseComponents(conditional.WhenFalse, depth + 1);
                conditionalDepth--;
                return whenTrue.Zip(whenFalse, (t, f) => (Expr)new Conditional(condition, t, f)).ToArray();
            case InvocationExpressionSyntax invocation when semanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method:
                // Members are known by name only on the System.Numerics types themselves: a user's Lerp is not Vector3.Lerp.
                if (Fields(method.ContainingType) is null)
                {
                    Unsupported(invocation, $"'{method.ContainingType.Name}.{method.Name}' returns a {kind}, and calls of methods that return System.Numerics values are not supported yet; write the computation here, or have the method return a double[] of the components");
                    return Zero();
                }

                if (!method.IsStatic || method.ReducedFrom is not null)
                {
                    Unsupported(invocation, $"{kind}.{method.Name} is not supported yet; write it per component");
                    return Zero();
                }

                return Member(invocation, method, fields, kind, depth) ?? Zero();
            default:
                Unsupported(expression, $"this {kind} expression is not supported; build it from components, operators and the supported {kind} members");
                return Zero();
        }
    }

    private Expr[]? Construct(BaseObjectCreationExpressionSyntax creation, string[] fields, string kind, int depth)
    {
        // Named arguments bind by name: new Vector4(w: 5f, value: a) was read as written, W = a.X.
        var written = creation.ArgumentList?.Arguments ?? default;
        var arguments = semanticModel.GetSymbolInfo(creation, cancellationToken).Symbol is IMethodSymbol constructor
            ? InParameterOrder(written, constructor)
            : written.Select(a => a.Expression).ToList();
        var parts = new List<Expr>();
        foreach (var argument in arguments)
        {
            if (Fields(semanticModel.GetTypeInfo(argument, cancellationToken).Type) is not null)
            {
                parts.AddRange(ParseComponents(argument, depth + 1));
            }
            else
            {
                parts.Add(Single(ParseExpression(argument, depth + 1)));
            }
        }

        if (parts.Count == 0)
        {
            return fields.Select(_ => (Expr)new Constant(0, IrType.Single)).ToArray();
        }

        if (parts.Count == 1 && kind.StartsWith("Vector", System.StringComparison.Ordinal))
        {
            return fields.Select(_ => parts[0]).ToArray();
        }

        if (parts.Count == fields.Length)
        {
            return parts.ToArray();
        }

        Unsupported(creation, $"this {kind} constructor is not supported");
        return null;
    }

    private static Expr Single(Expr value) => value is Constant { Type: IrType.Int32 or IrType.Double } c ? new Constant((float)c.Value, IrType.Single) : value;

    private static Expr[]? NumericsConstant(string kind, string property, string[] fields)
    {
        Expr F(double v) => new Constant(v, IrType.Single);
        switch (property)
        {
            case "Zero":
                return fields.Select(_ => F(0)).ToArray();
            case "One":
                return fields.Select(_ => F(1)).ToArray();
            case "Identity":
                return fields.Select(f => F(f.Length == 3 && f[1] == f[2] || (kind == "Quaternion" && f == "W") ? 1 : 0)).ToArray();
            case "UnitX" or "UnitY" or "UnitZ" or "UnitW":
                return fields.Select(f => F(f == property.Substring(4) ? 1 : 0)).ToArray();
            default:
                return null;
        }
    }

    private Expr[]? Binary(BinaryExpressionSyntax binary, string[] fields, string kind, int depth)
    {
        var leftFields = Fields(semanticModel.GetTypeInfo(binary.Left, cancellationToken).Type);
        var rightFields = Fields(semanticModel.GetTypeInfo(binary.Right, cancellationToken).Type);
        var left = leftFields is null ? null : ParseComponents(binary.Left, depth + 1);
        var right = rightFields is null ? null : ParseComponents(binary.Right, depth + 1);
        var scalarLeft = leftFields is null ? ParseExpression(binary.Left, depth + 1) : null;
        var scalarRight = rightFields is null ? ParseExpression(binary.Right, depth + 1) : null;
        var isMatrix = kind.StartsWith("Matrix", System.StringComparison.Ordinal);
        switch (binary.Kind())
        {
            case SyntaxKind.AddExpression when left is not null && right is not null:
                return left.Zip(right, (a, b) => (Expr)new Binary(BinaryOperator.Add, a, b)).ToArray();
            case SyntaxKind.SubtractExpression when left is not null && right is not null:
                return left.Zip(right, (a, b) => (Expr)new Binary(BinaryOperator.Subtract, a, b)).ToArray();
            case SyntaxKind.MultiplyExpression when left is not null && right is not null && isMatrix:
                return MatrixProduct(kind, left, right);
            case SyntaxKind.MultiplyExpression when left is not null && right is not null && kind != "Quaternion":
                return left.Zip(right, (a, b) => (Expr)new Binary(BinaryOperator.Multiply, a, b)).ToArray();
            case SyntaxKind.MultiplyExpression when left is not null && scalarRight is not null:
                return left.Select(a => (Expr)new Binary(BinaryOperator.Multiply, a, scalarRight)).ToArray();
            case SyntaxKind.MultiplyExpression when scalarLeft is not null && right is not null:
                return right.Select(b => (Expr)new Binary(BinaryOperator.Multiply, scalarLeft, b)).ToArray();
            case SyntaxKind.DivideExpression when left is not null && scalarRight is not null:
                return left.Select(a => (Expr)new Binary(BinaryOperator.Divide, a, scalarRight)).ToArray();
            // q1 / q2 is q1·q2⁻¹, not a componentwise quotient.
            case SyntaxKind.DivideExpression when left is not null && right is not null && !isMatrix && kind != "Quaternion":
                return left.Zip(right, (a, b) => (Expr)new Binary(BinaryOperator.Divide, a, b)).ToArray();
            default:
                Unsupported(binary, $"the operator '{binary.OperatorToken.Text}' on {kind} is not supported");
                return null;
        }
    }

    /// <summary>(A·B)ᵢⱼ = Σₖ Aᵢₖ·Bₖⱼ; a Matrix3x2 is the affine 3×3 matrix with third column (0, 0, 1).</summary>
    private static Expr[] MatrixProduct(string kind, Expr[] a, Expr[] b)
    {
        var size = kind == "Matrix4x4" ? 4 : 3;
        Expr At(Expr[] m, int i, int j)
        {
            if (kind == "Matrix4x4")
            {
                return m[(i * 4) + j];
            }

            // Matrix3x2: rows 1..3, columns 1..2 stored; column 3 is (0, 0, 1).
            return j == 2 ? new Constant(i == 2 ? 1 : 0, IrType.Single) : m[(i * 2) + j];
        }

        var result = new List<Expr>();
        for (var i = 0; i < size; i++)
        {
            for (var j = 0; j < (kind == "Matrix4x4" ? 4 : 2); j++)
            {
                Expr? sum = null;
                for (var k = 0; k < size; k++)
                {
                    var left = At(a, i, k);
                    var right = At(b, k, j);
                    if (left is Constant { Value: 0 } || right is Constant { Value: 0 })
                    {
                        continue;
                    }

                    var term = left is Constant { Value: 1 } ? right : right is Constant { Value: 1 } ? left : new Binary(BinaryOperator.Multiply, left, right);
                    sum = sum is null ? term : new Binary(BinaryOperator.Add, sum, term);
                }

                result.Add(sum ?? new Constant(0, IrType.Single));
            }
        }

        return result.ToArray();
    }

    /// <summary>Static members of the System.Numerics types that return a value of the same family.</summary>
    private Expr[]? Member(InvocationExpressionSyntax invocation, IMethodSymbol method, string[] fields, string kind, int depth)
    {
        var arguments = InParameterOrder(invocation.ArgumentList.Arguments, method);
        Expr[] V(int k) => ParseComponents(arguments[k], depth + 1);
        Expr S(int k) => ParseExpression(arguments[k], depth + 1);
        Expr F(double v) => new Constant(v, IrType.Single);
        Expr Mul(Expr x, Expr y) => new Binary(BinaryOperator.Multiply, x, y);
        Expr Add(Expr x, Expr y) => new Binary(BinaryOperator.Add, x, y);
        Expr Sub(Expr x, Expr y) => new Binary(BinaryOperator.Subtract, x, y);
        Expr MathF(MathFunction f, params Expr[] xs) => new Call(f, EquatableArray.Create(xs), Single: true);

        switch (method.Name)
        {
            case "Add" when arguments.Count == 2:
                return V(0).Zip(V(1), Add).ToArray();
            case "Subtract" when arguments.Count == 2:
                return V(0).Zip(V(1), Sub).ToArray();
            case "Negate" when arguments.Count == 1:
                return V(0).Select(c => (Expr)new Unary(UnaryOperator.Negate, c)).ToArray();
            case "Multiply" when arguments.Count == 2 && Fields(semanticModel.GetTypeInfo(arguments[1], cancellationToken).Type) is null:
                var scale = S(1);
                return V(0).Select(c => Mul(c, scale)).ToArray();
            case "Multiply" when arguments.Count == 2 && kind.StartsWith("Matrix", System.StringComparison.Ordinal):
                return MatrixProduct(kind, V(0), V(1));
            case "Multiply" when arguments.Count == 2 && kind != "Quaternion":
                return V(0).Zip(V(1), Mul).ToArray();
            case "Cross" when kind == "Vector3":
                var (a, b) = (V(0), V(1));
                return new[] { Sub(Mul(a[1], b[2]), Mul(a[2], b[1])), Sub(Mul(a[2], b[0]), Mul(a[0], b[2])), Sub(Mul(a[0], b[1]), Mul(a[1], b[0])) };
            case "Normalize" when kind.StartsWith("Vector", System.StringComparison.Ordinal):
                var v = V(0);
                var length = Hoist(MathF(MathFunction.Sqrt, Dot(v, v)));
                return v.Select(c => (Expr)new Binary(BinaryOperator.Divide, c, length)).ToArray();
            case "Lerp" when kind.StartsWith("Vector", System.StringComparison.Ordinal):
                // .NET's definition: value1·(1 − amount) + value2·amount.
                var (from, to, amount) = (V(0), V(1), S(2));
                var rest = Sub(F(1), amount);
                return from.Zip(to, (x, y) => Add(Mul(x, rest), Mul(y, amount))).ToArray();
            case "Min" or "Max" when kind.StartsWith("Vector", System.StringComparison.Ordinal):
                var function = method.Name == "Min" ? MathFunction.Min : MathFunction.Max;
                return V(0).Zip(V(1), (x, y) => MathF(function, x, y)).ToArray();
            case "Abs" when kind.StartsWith("Vector", System.StringComparison.Ordinal):
                return V(0).Select(c => MathF(MathFunction.Abs, c)).ToArray();
            case "SquareRoot" when kind.StartsWith("Vector", System.StringComparison.Ordinal):
                return V(0).Select(c => MathF(MathFunction.Sqrt, c)).ToArray();
            case "Transpose" when kind == "Matrix4x4":
                var m = V(0);
                return Enumerable.Range(0, 16).Select(k => m[((k % 4) * 4) + (k / 4)]).ToArray();
            case "Transform" or "TransformNormal" when arguments.Count == 2
                && Transform(method.Name == "TransformNormal", kind, fields.Length, V(0), KindOf(semanticModel.GetTypeInfo(arguments[1], cancellationToken).Type!), V(1)) is { } transformed:
                return transformed;
            case "Transform" when arguments.Count == 2 && KindOf(semanticModel.GetTypeInfo(arguments[1], cancellationToken).Type!) == "Quaternion":
                // A silent zero before: only Vector3.Transform(Vector3, Quaternion) is the sandwich product written out.
                Unsupported(invocation, $"{kind}.Transform of a {KindOf(semanticModel.GetTypeInfo(arguments[0], cancellationToken).Type!)} by a Quaternion is not supported yet; rotate a Vector3 instead (Vector3.Transform(new Vector3(v.X, v.Y, 0f), q))");
                return null;
            default:
                Unsupported(invocation, $"{kind}.{method.Name} is not supported yet; write it per component");
                return null;
        }
    }

    /// <summary>System.Numerics multiplies row vectors on the left: (v·M)ⱼ = Σᵢ vᵢ·Mᵢⱼ, plus the translation row for positions.</summary>
    /// <param name="resultCount">Components of the result: Vector4.Transform(Vector3, Matrix4x4) makes four of three.</param>
    private Expr[]? Transform(bool normal, string kind, int resultCount, Expr[] v, string matrix, Expr[] m)
    {
        Expr Mul(Expr x, Expr y) => new Binary(BinaryOperator.Multiply, x, y);
        Expr Add(Expr x, Expr y) => new Binary(BinaryOperator.Add, x, y);
        Expr Sub(Expr x, Expr y) => new Binary(BinaryOperator.Subtract, x, y);
        if (matrix == "Matrix4x4")
        {
            // Vector2/3 positions are (x, y[, z], 0…, 1)·M: they get the translation row M4j; Vector4 multiplies all four rows.
            var count = v.Length;
            return Enumerable.Range(0, resultCount).Select(j =>
            {
                var sum = Enumerable.Range(0, count).Select(i => Mul(v[i], m[(i * 4) + j])).Aggregate(Add);
                return count < 4 && !normal ? Add(sum, m[12 + j]) : sum;
            }).ToArray();
        }

        if (matrix == "Matrix3x2" && kind == "Vector2")
        {
            return Enumerable.Range(0, 2).Select(j =>
            {
                var sum = Add(Mul(v[0], m[j]), Mul(v[1], m[2 + j]));
                return normal ? sum : Add(sum, m[4 + j]);
            }).ToArray();
        }

        if (matrix == "Quaternion" && kind == "Vector3" && v.Length == 3)
        {
            // The sandwich product q·(v, 0)·q̄, as .NET computes it (for any q, not only unit ones):
            // v' = (w² − u·u)·v + 2(u·v)·u + 2w·(u × v), with u = (x, y, z).
            Expr[] u = { m[0], m[1], m[2] };
            var w = m[3];
            Expr two = new Constant(2, IrType.Single);
            var scale = Hoist(Sub(Mul(w, w), Dot(u, u)));
            var twiceDot = Hoist(Mul(two, Dot(u, v)));
            var twiceW = Hoist(Mul(two, w));
            Expr[] cross = { Sub(Mul(u[1], v[2]), Mul(u[2], v[1])), Sub(Mul(u[2], v[0]), Mul(u[0], v[2])), Sub(Mul(u[0], v[1]), Mul(u[1], v[0])) };
            return Enumerable.Range(0, 3).Select(i => Add(Add(Mul(v[i], scale), Mul(u[i], twiceDot)), Mul(cross[i], twiceW))).ToArray();
        }

        return null;
    }

    private static Expr Dot(Expr[] a, Expr[] b) =>
        a.Zip(b, (x, y) => (Expr)new Binary(BinaryOperator.Multiply, x, y)).Aggregate((x, y) => new Binary(BinaryOperator.Add, x, y));

    /// <summary>A value used several times (a length to divide by) is computed once into a float local before the statement.</summary>
    private Expr Hoist(Expr value) => Reusable(value, IrType.Single, "shared");

    /// <summary>Scalar-valued members: components, Dot, Length, LengthSquared, Distance, DistanceSquared.</summary>
    private Expr? ParseNumericsScalar(ExpressionSyntax expression, int depth)
    {
        switch (expression)
        {
            case MemberAccessExpressionSyntax member
                when Fields(semanticModel.GetTypeInfo(member.Expression, cancellationToken).Type) is { } fields
                && System.Array.IndexOf(fields, member.Name.Identifier.Text) is var index and >= 0:
                return ParseComponents(member.Expression, depth + 1)[index];
            case InvocationExpressionSyntax invocation when semanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is IMethodSymbol method
                && Fields(method.ContainingType) is not null:
                var arguments = InParameterOrder(invocation.ArgumentList.Arguments, method);
                if (!method.IsStatic && invocation.Expression is MemberAccessExpressionSyntax receiver)
                {
                    arguments.Insert(0, receiver.Expression);
                }

                Expr[] V(int k) => ParseComponents(arguments[k], depth + 1);
                Expr Sqrt(Expr x) => new Call(MathFunction.Sqrt, EquatableArray.Create(x), Single: true);
                Expr[] Difference() => V(0).Zip(V(1), (a, b) => (Expr)new Binary(BinaryOperator.Subtract, a, b)).ToArray();
                switch (method.Name)
                {
                    case "Dot" when arguments.Count == 2:
                        return Dot(V(0), V(1));
                    case "LengthSquared" when arguments.Count == 1:
                        var squared = V(0);
                        return Dot(squared, squared);
                    case "Length" when arguments.Count == 1:
                        var vector = V(0);
                        return Sqrt(Dot(vector, vector));
                    case "DistanceSquared" when arguments.Count == 2:
                        var d2 = Difference();
                        return Dot(d2, d2);
                    case "Distance" when arguments.Count == 2:
                        var d = Difference();
                        return Sqrt(Dot(d, d));
                }

                return Unsupported(invocation, $"{method.ContainingType.Name}.{method.Name} is not supported yet; write it per component");
            default:
                return null;
        }
    }

    /// <summary>Declares or assigns every component; a right side that reads the target is computed into temporaries first.</summary>
    private void AssignComponents(string[] targets, Expr[] values, List<Stmt> output, bool declare)
    {
        var reads = new HashSet<string>(values.SelectMany(IrWalker.ReadNames));
        if (!declare && targets.Any(reads.Contains))
        {
            values = values.Select(v =>
            {
                var temporary = FreshName("component");
                types[temporary] = IrType.Single;
                locals.Add(new Model.LocalModel(temporary, IrType.Single));
                output.Add(new Declare(temporary, IrType.Single, v));
                return (Expr)new Variable(temporary);
            }).ToArray();
        }

        for (var k = 0; k < targets.Length && k < values.Length; k++)
        {
            output.Add(declare ? new Declare(targets[k], IrType.Single, values[k]) : new Assign(new Variable(targets[k]), values[k]));
        }
    }
}
