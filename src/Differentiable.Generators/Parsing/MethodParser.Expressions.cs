using System;
using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Diagnostics;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Parsing;

internal sealed partial class MethodParser
{
    private Expr ParseExpression(ExpressionSyntax expression, int depth, bool allowAllocation = false)
    {
        StackGuard.Enter(depth);
        while (expression is ParenthesizedExpressionSyntax parenthesized)
        {
            expression = parenthesized.Expression;
        }

        var constant = semanticModel.GetConstantValue(expression, cancellationToken);
        if (constant.HasValue)
        {
            switch (constant.Value)
            {
                case double d:
                    return Constant.Of(d);
                case float f:
                    return new Constant(f, IrType.Single);
                case int i:
                    return Constant.Int(i);
                case bool b:
                    return new Constant(b ? 1 : 0, IrType.Boolean);
            }
        }

        if (ParseNumericsScalar(expression, depth) is { } component)
        {
            return component;
        }

        var type = semanticModel.GetTypeInfo(expression, cancellationToken).Type;
        if (Fields(type) is not null)
        {
            return Unsupported(expression, "a System.Numerics value cannot be used as a number here; read a component (v.X) or use Dot, Length, Distance");
        }

        if (type is not null && type.TypeKind != TypeKind.Error && Classify(type) is null)
        {
            if (expression is IdentifierNameSyntax && semanticModel.GetSymbolInfo(expression, cancellationToken).Symbol is { } local && refusedLocals.Contains(local))
            {
                return Constant.Zero; // its declaration's error says it
            }

            return Unsupported(expression, $"values of type '{type.ToDisplayString()}' are not supported; use double, int, bool, double[], double[,] or int[]");
        }

        switch (expression)
        {
            case IdentifierNameSyntax identifier:
                return ParseName(identifier);
            case ElementAccessExpressionSyntax elementAccess:
                return ParseElementAccess(elementAccess, depth);
            case MemberAccessExpressionSyntax memberAccess:
                return ParseMemberAccess(memberAccess);
            case InvocationExpressionSyntax invocation:
                return ParseInvocation(invocation, depth);
            case BinaryExpressionSyntax binary:
                return ParseBinary(binary, depth);
            case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.UnaryMinusExpression):
                return new Unary(UnaryOperator.Negate, ParseExpression(prefix.Operand, depth + 1));
            case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.UnaryPlusExpression):
                return ParseExpression(prefix.Operand, depth + 1);
            case PrefixUnaryExpressionSyntax prefix when prefix.IsKind(SyntaxKind.LogicalNotExpression):
                return new Unary(UnaryOperator.Not, ParseExpression(prefix.Operand, depth + 1));
            case ConditionalExpressionSyntax conditional:
                var condition = ParseExpression(conditional.Condition, depth + 1);
                conditionalDepth++;
                var whenTrue = ParseExpression(conditional.WhenTrue, depth + 1);
                var whenFalse = ParseExpression(conditional.WhenFalse, depth + 1);
                conditionalDepth--;
                return new Conditional(condition, whenTrue, whenFalse);
            case CastExpressionSyntax cast:
                return ParseCast(cast, depth);
            case ArrayCreationExpressionSyntax creation when allowAllocation:
                return ParseArrayCreation(creation, depth);
            case ArrayCreationExpressionSyntax or ImplicitArrayCreationExpressionSyntax or CollectionExpressionSyntax:
                return Unsupported(expression, "arrays are created in a declaration, an assignment or a return, as 'new double[n]', 'new double[n, m]' or with their elements ('new[] { a, b }', '[a, b]')");
            case PostfixUnaryExpressionSyntax suppressed when suppressed.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                return Unsupported(expression, NullForgivingMessage(suppressed));
            case AssignmentExpressionSyntax:
            case PostfixUnaryExpressionSyntax or PrefixUnaryExpressionSyntax when expression.Kind() is SyntaxKind.PreIncrementExpression
                or SyntaxKind.PreDecrementExpression or SyntaxKind.PostIncrementExpression or SyntaxKind.PostDecrementExpression:
                return Unsupported(expression, "assignments and ++/-- inside an expression are not supported; write them as separate statements");
            case PrefixUnaryExpressionSyntax other:
                return Unsupported(expression, $"the operator '{other.OperatorToken.Text}' is not supported in a differentiated method");
            case LambdaExpressionSyntax or AnonymousMethodExpressionSyntax:
                return Unsupported(expression, "lambdas cannot be differentiated; write the computation inline or as a [Differentiate] method");
            default:
                return Unsupported(expression, "this kind of expression is not supported in a differentiated method");
        }
    }

    // Names the declaration to change, so that the fix is in the message: `double[,] w`, not a generic `double[] x`.
    private string NullForgivingMessage(PostfixUnaryExpressionSyntax suppressed)
    {
        var symbol = semanticModel.GetSymbolInfo(suppressed.Operand, cancellationToken).Symbol;
        var type = symbol switch
        {
            IParameterSymbol parameter => parameter.Type,
            ILocalSymbol local => local.Type,
            IFieldSymbol field => field.Type,
            _ => null,
        };
        var declaration = symbol is null || type is null
            ? "declare what it applies to non-nullable"
            : $"declare '{symbol.Name}' non-nullable ({type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)} {symbol.Name})";
        var why = type is IArrayTypeSymbol ? ", since its derivative needs the array" : string.Empty;
        return $"the null-forgiving operator '!' is not supported; {declaration} and drop the '!'{why}";
    }

    private static BinaryOperator? OperatorOf(SyntaxKind kind) => kind switch
    {
        SyntaxKind.AddExpression => BinaryOperator.Add,
        SyntaxKind.SubtractExpression => BinaryOperator.Subtract,
        SyntaxKind.MultiplyExpression => BinaryOperator.Multiply,
        SyntaxKind.DivideExpression => BinaryOperator.Divide,
        SyntaxKind.ModuloExpression => BinaryOperator.Remainder,
        SyntaxKind.LessThanExpression => BinaryOperator.Less,
        SyntaxKind.LessThanOrEqualExpression => BinaryOperator.LessOrEqual,
        SyntaxKind.GreaterThanExpression => BinaryOperator.Greater,
        SyntaxKind.GreaterThanOrEqualExpression => BinaryOperator.GreaterOrEqual,
        SyntaxKind.EqualsExpression => BinaryOperator.Equal,
        SyntaxKind.NotEqualsExpression => BinaryOperator.NotEqual,
        SyntaxKind.LogicalAndExpression => BinaryOperator.And,
        SyntaxKind.LogicalOrExpression => BinaryOperator.Or,
        _ => null,
    };

    /// <summary>Operators of one family share a precedence and associate to the left.</summary>
    private static int Family(SyntaxKind kind) => kind switch
    {
        SyntaxKind.AddExpression or SyntaxKind.SubtractExpression => 0,
        SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression or SyntaxKind.ModuloExpression => 1,
        _ => 2 + (int)kind,
    };

    /// <summary>Links of a left-leaning chain after which the partial result is stored in a local.</summary>
    private const int ChainChunk = 128;

    private Expr Unsupported(SyntaxNode node, string reason)
    {
        Report(DiagnosticDescriptors.UnsupportedExpression, node, Shorten(node.ToString()), reason);
        return Constant.Zero;
    }

    private static string Shorten(string text)
    {
        text = string.Join(" ", text.Split(new[] { '\r', '\n', '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 80 ? text : text.Substring(0, 77) + "...";
    }

    private Expr ParseName(IdentifierNameSyntax identifier)
    {
        var symbol = semanticModel.GetSymbolInfo(identifier, cancellationToken).Symbol;
        switch (symbol)
        {
            case ILocalSymbol or IParameterSymbol when names.TryGetValue(symbol, out var name):
                if (!types.ContainsKey(name))
                {
                    var type = symbol is ILocalSymbol local ? local.Type : ((IParameterSymbol)symbol).Type;
                    return Unsupported(identifier, $"'{name}' has type '{type.ToDisplayString()}', which a differentiated method cannot read");
                }

                return new Variable(name);
            case IFieldSymbol { IsStatic: true } field when Classify(field.Type) is { } fieldType:
                // A static field never depends on the parameters: an inactive input, printed fully qualified.
                var code = field.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + field.Name;
                if (!externals.Any(e => e.Name == code))
                {
                    externals.Add(new Model.LocalModel(code, fieldType));
                    types[code] = fieldType;
                }

                return new Variable(code);
            case IFieldSymbol or IPropertySymbol:
                return Unsupported(identifier, "only static fields of type double, int, bool, double[], double[,] or int[] can be read; pass the value in as a parameter");
            case ILocalSymbol refused when refusedLocals.Contains(refused):
                return Constant.Zero; // the statement that declares it says why
            default:
                return Unsupported(identifier, "this name cannot be used in a differentiated method");
        }
    }

    private Expr ParseElementAccess(ElementAccessExpressionSyntax access, int depth)
    {
        var array = ParseExpression(access.Expression, depth + 1);
        if (array is not Variable variable || !types.TryGetValue(variable.Name, out var arrayType) || !arrayType.IsArray())
        {
            return array is Constant ? array : Unsupported(access, "only arrays held in parameters, locals or static fields can be indexed");
        }

        if (access.ArgumentList.Arguments.Count != arrayType.Rank())
        {
            return Unsupported(access, "the number of indices must match the array's rank");
        }

        var indices = new List<Expr>();
        foreach (var argument in access.ArgumentList.Arguments)
        {
            if (argument.Expression is RangeExpressionSyntax || (argument.Expression is PrefixUnaryExpressionSyntax p && p.IsKind(SyntaxKind.IndexExpression)))
            {
                return Unsupported(argument, "ranges and ^ indices are not supported; index with an int");
            }

            indices.Add(ParseExpression(argument.Expression, depth + 1));
        }

        return new ElementAccess(variable.Name, indices.ToEquatableArray());
    }

    private Expr ParseMemberAccess(MemberAccessExpressionSyntax access)
    {
        var receiver = semanticModel.GetSymbolInfo(access.Expression, cancellationToken).Symbol;
        if (receiver is ILocalSymbol && refusedLocals.Contains(receiver))
        {
            return Constant.Zero; // the statement that declares it says why
        }

        if (access.Name.Identifier.Text == "Length" && receiver is ILocalSymbol or IParameterSymbol or IFieldSymbol)
        {
            var reported = diagnostics.Count;
            var target = ParseExpression(access.Expression, 1);
            if (target is Variable array && types.TryGetValue(array.Name, out var type) && type.IsArray())
            {
                return new ArrayLength(array.Name, -1);
            }

            if (diagnostics.Count > reported)
            {
                return target; // the array's own error (w!.Length: the '!') says what to change; a second would not
            }
        }

        if (semanticModel.GetSymbolInfo(access, cancellationToken).Symbol is IFieldSymbol { IsStatic: true } && access.Name is IdentifierNameSyntax name)
        {
            return ParseName(name);
        }

        return Unsupported(access, "only array lengths (a.Length, a.GetLength(d)), constants and static fields can be read");
    }

    private Expr ParseInvocation(InvocationExpressionSyntax invocation, int depth)
    {
        if (semanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol target)
        {
            var callee = semanticModel.GetSymbolInfo(invocation.Expression, cancellationToken).Symbol;
            if (callee is ILocalSymbol or IParameterSymbol || semanticModel.GetTypeInfo(invocation.Expression, cancellationToken).Type?.TypeKind == TypeKind.Delegate)
            {
                return Unsupported(invocation, "calls through delegates cannot be differentiated; call a static method directly");
            }

            return Unsupported(invocation, "the called method could not be resolved");
        }

        if (target.Name == "GetLength" && invocation.Expression is MemberAccessExpressionSyntax member
            && ParseExpression(member.Expression, depth + 1) is Variable array && types.TryGetValue(array.Name, out var arrayType) && arrayType.IsArray()
            && invocation.ArgumentList.Arguments.Count == 1
            && semanticModel.GetConstantValue(invocation.ArgumentList.Arguments[0].Expression, cancellationToken) is { HasValue: true, Value: int dimension }
            && dimension >= 0 && dimension < arrayType.Rank())
        {
            return new ArrayLength(array.Name, dimension);
        }

        if (target.MethodKind == MethodKind.DelegateInvoke)
        {
            return Unsupported(invocation, "calls through delegates cannot be differentiated; call a static method directly");
        }

        var mathClass = MathClassOf(target);
        if (mathClass is not null && target.Name == "Clamp" && invocation.ArgumentList.Arguments.Count == 3
            && target.Parameters.All(p => p.Type.SpecialType is SpecialType.System_Double or SpecialType.System_Int32 or SpecialType.System_Single))
        {
            return ParseClamp(invocation, target, depth);
        }

        if (mathClass is not null && NumberClassTest(invocation, target, depth) is { } test)
        {
            return test;
        }

        // Math's float overloads (Math.Abs(float), Math.Max(float, float)) are MathF's functions, and double.Exp or
        // float.Tanh (generic math's spellings) are Math's and MathF's.
        var single = mathClass == SpecialType.System_Single
            || (mathClass == SpecialType.System_Object && target.Parameters.Length > 0 && target.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Single));
        if (mathClass is not null && Enum.TryParse<MathFunction>(target.Name, out var function) && IsKnownOverload(function, target, single))
        {
            var arguments = new List<Expr>();
            foreach (var argument in InParameterOrder(invocation.ArgumentList.Arguments, target))
            {
                arguments.Add(ParseExpression(argument, depth + 1));
            }

            if (function is MathFunction.Floor or MathFunction.Ceiling or MathFunction.Round or MathFunction.Truncate or MathFunction.Sign && arguments.Count > 0)
            {
                zeroDerivativeSites.Add(new ZeroDerivativeSite(Locate(invocation), $"{target.ContainingType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}.{target.Name}", arguments[0]));
            }

            return new Call(function, arguments.ToEquatableArray(), single);
        }

        return ParseUserCall(invocation, target, depth);
    }

    /// <summary>
    /// The arguments in the order of the parameters they bind to: <c>Math.Pow(y: 3.0, x: v)</c> is Pow(v, 3.0) (it was
    /// read as written: 3^v). As written where a name matches no parameter or an optional parameter is left out.
    /// </summary>
    private static List<ExpressionSyntax> InParameterOrder(SeparatedSyntaxList<ArgumentSyntax> arguments, IMethodSymbol target)
    {
        var written = arguments.Select(a => a.Expression).ToList();
        if (arguments.All(a => a.NameColon is null) || arguments.Count != target.Parameters.Length)
        {
            return written;
        }

        var ordered = new ExpressionSyntax?[target.Parameters.Length];
        for (var k = 0; k < arguments.Count; k++)
        {
            var index = k;
            if (arguments[k].NameColon is { } name)
            {
                index = -1;
                for (var p = 0; p < target.Parameters.Length; p++)
                {
                    if (target.Parameters[p].Name == name.Name.Identifier.ValueText)
                    {
                        index = p;
                    }
                }
            }

            if (index < 0 || ordered[index] is not null)
            {
                return written;
            }

            ordered[index] = arguments[k].Expression;
        }

        return ordered.Select(e => e!).ToList();
    }

    /// <summary>
    /// The class whose static members are math functions: <see cref="SpecialType.System_Object"/> stands for
    /// <c>System.Math</c>, <see cref="SpecialType.System_Single"/> for <c>MathF</c> and <c>float</c>,
    /// <see cref="SpecialType.System_Double"/> for <c>double</c>; null for any other.
    /// </summary>
    internal static SpecialType? MathClassOf(IMethodSymbol target)
    {
        if (!target.IsStatic || target.ContainingType is not { } type)
        {
            return null;
        }

        return type.SpecialType switch
        {
            SpecialType.System_Double => SpecialType.System_Double,
            SpecialType.System_Single => SpecialType.System_Single,
            _ => type.ToDisplayString() switch
            {
                "System.Math" => SpecialType.System_Object,
                "System.MathF" => SpecialType.System_Single,
                _ => null,
            },
        };
    }

    /// <summary>
    /// <c>double.IsNaN(y)</c> and its kin, as the comparisons that compute them (<c>y != y</c>; <c>y == ∞ || y == −∞</c>;
    /// <c>y &gt; −∞ &amp;&amp; y &lt; ∞</c>), so that a guard such as <c>if (double.IsNaN(y)) return 0;</c> differentiates
    /// like any other condition. Null for any other member.
    /// </summary>
    private Expr? NumberClassTest(InvocationExpressionSyntax invocation, IMethodSymbol target, int depth)
    {
        if (target.Parameters.Length != 1 || target.ReturnType.SpecialType != SpecialType.System_Boolean
            || target.ContainingType.SpecialType is not (SpecialType.System_Double or SpecialType.System_Single)
            || target.Name is not ("IsNaN" or "IsInfinity" or "IsPositiveInfinity" or "IsNegativeInfinity" or "IsFinite")
            || invocation.ArgumentList.Arguments.Count != 1)
        {
            return null;
        }

        var type = target.ContainingType.SpecialType == SpecialType.System_Single ? IrType.Single : IrType.Double;
        var y = ParseExpression(invocation.ArgumentList.Arguments[0].Expression, depth + 1);
        var positive = new Constant(double.PositiveInfinity, type);
        var negative = new Constant(double.NegativeInfinity, type);
        switch (target.Name)
        {
            case "IsPositiveInfinity":
                return new Binary(BinaryOperator.Equal, y, positive);
            case "IsNegativeInfinity":
                return new Binary(BinaryOperator.Equal, y, negative);
        }

        y = Reusable(y, type, "tested");
        return target.Name switch
        {
            "IsNaN" => new Binary(BinaryOperator.NotEqual, y, y),
            "IsInfinity" => new Binary(BinaryOperator.Or, new Binary(BinaryOperator.Equal, y, positive), new Binary(BinaryOperator.Equal, y, negative)),
            _ => new Binary(BinaryOperator.And, new Binary(BinaryOperator.Greater, y, negative), new Binary(BinaryOperator.Less, y, positive)),
        };
    }

    /// <summary>
    /// <c>Math.Clamp(x, lo, hi)</c>. Over ints (an index) it is the conditional .NET computes. Over doubles it is a call,
    /// so that a [DerivativeOf] rule for Math.Clamp (a straight-through estimator, say) still wins; without one the emit
    /// step expands it to that conditional (<see cref="Calls.BuiltInCalls"/>). Operands are computed once into locals
    /// where the statement allows it, since the conditional reads them twice.
    /// </summary>
    private Expr ParseClamp(InvocationExpressionSyntax invocation, IMethodSymbol target, int depth)
    {
        var type = Classify(target.ReturnType)!.Value;
        var arguments = InParameterOrder(invocation.ArgumentList.Arguments, target);
        var x = Reusable(ParseExpression(arguments[0], depth + 1), type, "clampValue");
        var low = Reusable(ParseExpression(arguments[1], depth + 1), type, "clampLow");
        var high = Reusable(ParseExpression(arguments[2], depth + 1), type, "clampHigh");
        if (type != IrType.Double)
        {
            return Calls.BuiltInCalls.Clamp(x, low, high);
        }

        // double.Clamp is Math.Clamp (it calls it), so a rule for Math.Clamp replaces both.
        if (target.ContainingType.SpecialType == SpecialType.System_Double
            && semanticModel.Compilation.GetTypeByMetadataName("System.Math")?.GetMembers("Clamp").OfType<IMethodSymbol>()
                .FirstOrDefault(m => m.Parameters.Length == 3 && m.Parameters.All(p => p.Type.SpecialType == SpecialType.System_Double)) is { } mathClamp)
        {
            target = mathClamp;
        }

        var callee = new Callee(
            Calls.CallSymbols.Key(target),
            Calls.CallSymbols.Invocation(target),
            "Math.Clamp",
            EquatableArray.Create(IrType.Double, IrType.Double, IrType.Double),
            EquatableArray.Create(true, true, true),
            Locate(invocation),
            null,
            Calls.BuiltInCalls.ClampName);
        return new UserCall(callee, EquatableArray.Create(x, low, high));
    }

    /// <summary>
    /// A value to be read more than once: a local declared before the statement, unless it is a leaf already, or the
    /// statement evaluates it more than once or only on one branch (loop conditions, the arms of ?:), where it stays inline.
    /// </summary>
    private Expr Reusable(Expr value, IrType type, string name)
    {
        if (!mayBindOperands || currentOutput is null || conditionalDepth > 0
            || value is Constant or Variable or ArrayLength || (value is ElementAccess access && access.Indices.All(i => i is Constant or Variable)))
        {
            return value;
        }

        var local = FreshName(name);
        types[local] = type;
        locals.Add(new Model.LocalModel(local, type));
        currentOutput.Add(new Declare(local, type, value));
        return new Variable(local);
    }

    /// <summary>Math overloads over double, or over float for MathF's (or int for the piecewise-constant ones); decimal overloads are not.</summary>
    private static bool IsKnownOverload(MathFunction function, IMethodSymbol target, bool single)
    {
        foreach (var parameter in target.Parameters)
        {
            var special = parameter.Type.SpecialType;
            var integerAllowed = function is MathFunction.Abs or MathFunction.Max or MathFunction.Min or MathFunction.Sign or MathFunction.Round;
            var real = single ? SpecialType.System_Single : SpecialType.System_Double;
            if (special != real && !(integerAllowed && special == SpecialType.System_Int32))
            {
                return false;
            }
        }

        return true;
    }

    private Expr ParseBinary(BinaryExpressionSyntax binary, int depth)
    {
        var op = OperatorOf(binary.Kind());
        if (op is null)
        {
            return Unsupported(binary, $"the operator '{binary.OperatorToken.Text}' is not supported");
        }

        // Left-leaning chains of one precedence family (a + b - c + ..., a * b / c) are walked iteratively,
        // so long sums do not deepen the recursion.
        var chain = new Stack<BinaryExpressionSyntax>();
        ExpressionSyntax current = binary;
        while (current is BinaryExpressionSyntax b && Family(b.Kind()) == Family(binary.Kind()) && OperatorOf(b.Kind()) is not null
            && !semanticModel.GetConstantValue(b, cancellationToken).HasValue)
        {
            chain.Push(b);
            current = b.Left;
        }

        var result = ParseExpression(current, depth + 1);
        var length = 0;
        var unbound = 0;
        while (chain.Count > 0)
        {
            var link = chain.Pop();

            // The right side of && and || runs only as the left decides: nothing in it may be computed before the
            // statement (as in a ?: arm), or a[i] behind i < a.Length would be read anyway.
            var shortCircuit = link.IsKind(SyntaxKind.LogicalAndExpression) || link.IsKind(SyntaxKind.LogicalOrExpression);
            conditionalDepth += shortCircuit ? 1 : 0;
            var right = ParseExpression(link.Right, depth + 1);
            conditionalDepth -= shortCircuit ? 1 : 0;
            result = new Binary(OperatorOf(link.Kind())!.Value, result, right);

            // Every ChainChunk links, the partial result becomes a local: the same evaluation order (so the same
            // rounding), but IR trees stay shallow enough to compare, hash and walk without deep recursion.
            if (++length % ChainChunk == 0 && chain.Count > 0 && mayBindOperands && conditionalDepth == 0 && currentOutput is not null
                && Classify(semanticModel.GetTypeInfo(link, cancellationToken).Type) is IrType.Double or IrType.Int32 && Family(link.Kind()) <= 1)
            {
                var type = Classify(semanticModel.GetTypeInfo(link, cancellationToken).Type)!.Value;
                var partial = FreshName("partial");
                types[partial] = type;
                locals.Add(new Model.LocalModel(partial, type));
                currentOutput.Add(new Declare(partial, type, result));
                result = new Variable(partial);
                unbound = 0;
            }
            else if (++unbound > StackGuard.MaxDepth)
            {
                // A chain that cannot bind its partial results (in a loop condition, over floats) would leave an IR tree
                // as deep as the chain, and the passes after the parse recurse over trees: report it (DIFF010) instead.
                throw new CodeTooComplexException();
            }
        }

        return result;
    }

    private Expr ParseCast(CastExpressionSyntax cast, int depth)
    {
        var target = Classify(semanticModel.GetTypeInfo(cast.Type, cancellationToken).Type);
        if (target is not (IrType.Double or IrType.Int32 or IrType.Single))
        {
            // One error for the cast, not another for its operand ((double[])x.Clone() was two).
            return Unsupported(cast, cast.Expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Clone" } }
                ? "arrays cannot be cloned in a differentiated method; copy it into a new array with a loop (var y = new double[x.Length]; for (…) { y[i] = x[i]; })"
                : "only casts between double, float and int are supported");
        }

        var operand = ParseExpression(cast.Expression, depth + 1);
        var operandType = Classify(semanticModel.GetTypeInfo(cast.Expression, cancellationToken).Type);

        // (int)Math.Floor(u): the Floor already warns; a second DIFF100 at the cast says nothing new.
        var inner = cast.Expression;
        while (inner is ParenthesizedExpressionSyntax parenthesized)
        {
            inner = parenthesized.Expression;
        }

        var alreadyPiecewiseConstant = inner is InvocationExpressionSyntax
            && semanticModel.GetSymbolInfo(inner, cancellationToken).Symbol is IMethodSymbol { Name: "Floor" or "Ceiling" or "Round" or "Truncate" or "Sign" } rounding
            && MathClassOf(rounding) is not null;
        if (target == IrType.Int32 && operandType is IrType.Double or IrType.Single && !alreadyPiecewiseConstant)
        {
            zeroDerivativeSites.Add(new ZeroDerivativeSite(Locate(cast), "The cast to int", operand));
        }

        return target == operandType ? operand : new Ir.Convert(target.Value, operand);
    }

    private Expr ParseArrayCreation(ArrayCreationExpressionSyntax creation, int depth)
    {
        var type = Classify(semanticModel.GetTypeInfo(creation, cancellationToken).Type);
        if (type is not (IrType.DoubleArray or IrType.DoubleMatrix or IrType.Int32Array) || creation.Initializer is not null
            || creation.Type.RankSpecifiers.Count != 1)
        {
            return Unsupported(creation, "arrays are created as 'new double[n]', 'new double[n, m]', 'new int[n]' or with their elements ('new[] { a, b }', '[a, b]')");
        }

        var dimensions = creation.Type.RankSpecifiers[0].Sizes.Select(size => ParseExpression(size, depth + 1)).ToEquatableArray();
        return new NewArray(type.Value, dimensions);
    }
}
