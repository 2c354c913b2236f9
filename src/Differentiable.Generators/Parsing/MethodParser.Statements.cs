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
    private void ParseStatements(SyntaxList<StatementSyntax> statements, List<Stmt> output, int depth)
    {
        foreach (var statement in statements)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ParseStatement(statement, output, depth);
        }
    }

    private Block ParseBlock(StatementSyntax statement, int depth)
    {
        var output = new List<Stmt>();
        ParseStatement(statement, output, depth);
        return new Block(output.ToEquatableArray());
    }

    private void ParseStatement(StatementSyntax statement, List<Stmt> output, int depth)
    {
        StackGuard.Enter(depth);
        var enclosing = currentOutput;
        var enclosingMayBind = mayBindOperands;
        currentOutput = output;
        mayBindOperands = statement is LocalDeclarationStatementSyntax or ExpressionStatementSyntax or ReturnStatementSyntax or IfStatementSyntax;
        ParseStatementInto(statement, output, depth);
        currentOutput = enclosing;
        mayBindOperands = enclosingMayBind;
    }

    private void ParseStatementInto(StatementSyntax statement, List<Stmt> output, int depth)
    {
        switch (statement)
        {
            case BlockSyntax block:
                // Names are unique within the method, so nested blocks can be flattened.
                ParseStatements(block.Statements, output, depth + 1);
                break;
            case EmptyStatementSyntax:
                break;
            case LocalDeclarationStatementSyntax declaration:
                ParseDeclaration(declaration, output, depth);
                break;
            case ExpressionStatementSyntax expressionStatement:
                ParseExpressionStatement(expressionStatement, output, depth);
                break;
            case ForStatementSyntax forStatement:
                ParseFor(forStatement, output, depth);
                break;
            case IfStatementSyntax ifStatement:
                var condition = ParseExpression(ifStatement.Condition, depth + 1);
                var then = ParseBlock(ifStatement.Statement, depth + 1);
                var otherwise = ifStatement.Else is null ? null : ParseBlock(ifStatement.Else.Statement, depth + 1);
                output.Add(new If(condition, then, otherwise));
                break;
            case ReturnStatementSyntax returnStatement:
                if (returnStatement.Expression is null)
                {
                    UnsupportedStatement(returnStatement, "return statement", "a differentiated method must return a value");
                }
                else
                {
                    var value = ParseReturnValue(returnStatement.Expression, output, depth + 1);
                    if (Classify(method.ReturnType)?.IsArray() == true && value is not Variable)
                    {
                        UnsupportedStatement(returnStatement.Expression, "return of an array expression", "store the result in a local array (var y = new double[n]; ...) and return that local, or return its elements ([a, b])");
                    }

                    output.Add(new Return(value));
                }

                break;
            case WhileStatementSyntax whileStatement:
                var whileCondition = ParseExpression(whileStatement.Condition, depth + 1);
                output.Add(new While(whileCondition, ParseLoopBody(whileStatement.Statement, depth)));
                break;
            case DoStatementSyntax doStatement:
                ParseDo(doStatement, output, depth);
                break;
            case ForEachStatementSyntax forEach:
                ParseForEach(forEach, output, depth);
                break;
            case BreakStatementSyntax:
                output.Add(new Break());
                break;
            case ContinueStatementSyntax:
                output.Add(new Continue());
                break;
            case TryStatementSyntax:
                UnsupportedStatement(statement, "try statement", "exception handling cannot be differentiated; move the try/catch to the caller");
                break;
            case ThrowStatementSyntax:
                UnsupportedStatement(statement, "throw statement", "validate arguments in a wrapper method that calls the differentiated one");
                break;
            case SwitchStatementSyntax:
                UnsupportedStatement(statement, "switch statement", "use if/else or the conditional operator ?: instead");
                break;
            default:
                UnsupportedStatement(statement, KindName(statement), "only local declarations, assignments, for loops, if/else and return are supported");
                break;
        }
    }

    /// <summary>
    /// Why a call statement is refused, and what to write instead: a call that writes into an array (Array.Copy, a
    /// helper that fills its argument) or through out arguments is data flow the derivative would miss, not something
    /// to remove. Locals its out arguments declare are not reported again where they are read.
    /// </summary>
    private string DiscardedCallFix(InvocationExpressionSyntax invocation)
    {
        var outArguments = false;
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            outArguments |= argument.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) || argument.RefKindKeyword.IsKind(SyntaxKind.OutKeyword);
            if (argument.Expression is DeclarationExpressionSyntax declaration)
            {
                foreach (var designated in declaration.Designation.DescendantNodesAndSelf().OfType<SingleVariableDesignationSyntax>())
                {
                    if (semanticModel.GetDeclaredSymbol(designated, cancellationToken) is { } local)
                    {
                        refusedLocals.Add(local);
                    }
                }
            }
        }

        if (outArguments)
        {
            return "ref and out arguments are not supported; have the callee return one double per call (a [Differentiate] or plain helper), and call it once for each result";
        }

        var fillsAnArray = invocation.ArgumentList.Arguments.Any(a => semanticModel.GetTypeInfo(a.Expression, cancellationToken).Type is IArrayTypeSymbol);
        return fillsAnArray
            ? "a call whose result is discarded passes nothing to the derivative, and one that writes into an array (Array.Copy, a helper that fills its argument) hides that data flow from it; write a copy or fill as a loop in this method (for (int i = 0; i < n; i++) { y[i] = x[i]; }), have a helper return a double per element, or remove a call that only reads"
            : "a call whose result is discarded cannot contribute to the derivative; remove it or move it to the caller";
    }

    private void UnsupportedStatement(SyntaxNode node, string construct, string fix) =>
        Report(DiagnosticDescriptors.UnsupportedStatement, node, construct, fix);

    private static string KindName(SyntaxNode node)
    {
        var kind = node.Kind().ToString();
        var words = new System.Text.StringBuilder();
        foreach (var c in kind)
        {
            if (char.IsUpper(c) && words.Length > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(c));
        }

        return words.ToString();
    }

    private void ParseDeclaration(LocalDeclarationStatementSyntax declaration, List<Stmt> output, int depth)
    {
        if (declaration.IsConst)
        {
            return; // Uses are folded to their constant values.
        }

        if (declaration.UsingKeyword != default || declaration.AwaitKeyword != default)
        {
            UnsupportedStatement(declaration, "using declaration", "resources cannot be differentiated; acquire them outside the method");
            return;
        }

        ParseVariables(declaration.Declaration, output, depth);
    }

    private void ParseVariables(VariableDeclarationSyntax declaration, List<Stmt> output, int depth)
    {
        foreach (var variable in declaration.Variables)
        {
            if (semanticModel.GetDeclaredSymbol(variable, cancellationToken) is not ILocalSymbol symbol)
            {
                continue;
            }

            if (Fields(symbol.Type) is { } fields)
            {
                var components = DeclareNumericsLocal(symbol, fields);
                var values = variable.Initializer is null
                    ? fields.Select(_ => (Expr)new Constant(0, IrType.Single)).ToArray()
                    : ParseComponents(variable.Initializer.Value, depth + 1);
                AssignComponents(components, values, output, declare: true);
                continue;
            }

            var type = Classify(symbol.Type);
            if (type is null)
            {
                UnsupportedStatement(variable, $"local '{symbol.Name}' of type '{symbol.Type.ToDisplayString()}'", "locals must be double, float, int, bool, double[], double[,], int[] or a System.Numerics vector, matrix or quaternion");
                refusedLocals.Add(symbol);
                continue;
            }

            Expr? initializer = null;
            if (variable.Initializer is not null && type.Value.IsArray() && IsInitializedArray(variable.Initializer.Value))
            {
                var array = DeclareLocal(symbol, type.Value, isLoopVariable: false);
                TryParseInitializedArray(variable.Initializer.Value, type.Value, array, declare: true, output, depth);
                continue;
            }

            if (variable.Initializer is not null)
            {
                var reported = diagnostics.Count;
                initializer = ParseExpression(variable.Initializer.Value, depth + 1, allowAllocation: true);
                if (type.Value.IsArray())
                {
                    CheckArrayValue(initializer, variable.Initializer.Value, reported);
                }
            }

            var name = DeclareLocal(symbol, type.Value, isLoopVariable: false);
            TrackParameterAlias(name, initializer);
            output.Add(new Declare(name, type.Value, initializer));
        }
    }

    /// <summary><c>double[] y = x;</c> makes y the caller's array: writes through y are writes into a parameter.</summary>
    private void TrackParameterAlias(string name, Expr? value)
    {
        if (value is Variable source && parameterArrays.Contains(source.Name))
        {
            parameterArrays.Add(name);
        }
        else if (value is NewArray && !method.Parameters.Any(p => p.Name == name))
        {
            parameterArrays.Remove(name);
        }
    }

    /// <summary>
    /// A returned value; an array written with its elements (<c>return new[] { a, b };</c>) is first declared as a
    /// local, since the passes read an array result as a local they can index.
    /// </summary>
    private Expr ParseReturnValue(ExpressionSyntax value, List<Stmt> output, int depth)
    {
        if (numericsResult is { } numerics)
        {
            // A Vector3 (Matrix4x4 …) result: its components, into a local array by rows (a vector is one row).
            var components = ParseComponents(value, depth);
            if (components.Length != numerics.Fields.Count)
            {
                return Constant.Zero; // refused, with a diagnostic
            }

            var arrayType = numerics.Columns == 0 ? IrType.DoubleArray : IrType.DoubleMatrix;
            var array = SyntheticLocal("result", arrayType);
            Fill(array, arrayType, numerics.Rows(components), declare: true, output);
            return new Variable(array);
        }

        if (Classify(method.ReturnType) is { } type && type.IsArray() && IsInitializedArray(value))
        {
            var result = SyntheticLocal("result", type);
            TryParseInitializedArray(value, type, result, declare: true, output, depth);
            return new Variable(result);
        }

        return ParseExpression(value, depth);
    }

    /// <param name="reported">The diagnostics before the value was parsed: a value already refused is not refused twice.</param>
    private void CheckArrayValue(Expr value, SyntaxNode node, int reported)
    {
        if (value is not (NewArray or Variable) && diagnostics.Count == reported)
        {
            Report(DiagnosticDescriptors.UnsupportedExpression, node, node.ToString(), "an array local must be initialized with 'new double[n]', its elements ('[a, b]', 'new[] { a, b }') or another array variable");
        }
    }

    private void ParseExpressionStatement(ExpressionStatementSyntax statement, List<Stmt> output, int depth) =>
        ParseEffect(statement.Expression, statement, output, depth);

    /// <summary>An expression evaluated for its effect: an assignment or ++/--.</summary>
    private void ParseEffect(ExpressionSyntax expression, SyntaxNode statement, List<Stmt> output, int depth)
    {
        switch (expression)
        {
            case AssignmentExpressionSyntax assignment:
                ParseAssignment(assignment, output, depth);
                break;
            case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression } postfix:
                ParseIncrement(postfix.Operand, postfix.IsKind(SyntaxKind.PostIncrementExpression), output, depth);
                break;
            case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } prefix:
                ParseIncrement(prefix.Operand, prefix.IsKind(SyntaxKind.PreIncrementExpression), output, depth);
                break;
            case InvocationExpressionSyntax invocation:
                UnsupportedStatement(statement, $"call statement '{invocation.Expression}'", DiscardedCallFix(invocation));
                break;
            default:
                UnsupportedStatement(statement, "expression statement", "only assignments and ++/-- can stand as statements");
                break;
        }
    }

    private void ParseIncrement(ExpressionSyntax operand, bool increment, List<Stmt> output, int depth)
    {
        var target = ParseTarget(operand, depth);
        if (target is null)
        {
            return;
        }

        // One of the operand's type: a double 1.0 added to a float is a double, which does not assign back (CS0266).
        var one = semanticModel.GetTypeInfo(operand, cancellationToken).Type?.SpecialType switch
        {
            SpecialType.System_Int32 => Constant.Int(1),
            SpecialType.System_Single => new Constant(1.0, IrType.Single),
            _ => Constant.One,
        };
        output.Add(new Assign(target, new Binary(increment ? BinaryOperator.Add : BinaryOperator.Subtract, target, one)));
    }

    private void ParseAssignment(AssignmentExpressionSyntax assignment, List<Stmt> output, int depth)
    {
        BinaryOperator? compound = assignment.Kind() switch
        {
            SyntaxKind.SimpleAssignmentExpression => null,
            SyntaxKind.AddAssignmentExpression => BinaryOperator.Add,
            SyntaxKind.SubtractAssignmentExpression => BinaryOperator.Subtract,
            SyntaxKind.MultiplyAssignmentExpression => BinaryOperator.Multiply,
            SyntaxKind.DivideAssignmentExpression => BinaryOperator.Divide,
            SyntaxKind.ModuloAssignmentExpression => BinaryOperator.Remainder,
            _ => (BinaryOperator)(-1),
        };
        if (compound == (BinaryOperator)(-1))
        {
            UnsupportedStatement(assignment, $"'{assignment.OperatorToken.Text}' assignment", "use =, +=, -=, *=, /= or %=");
            return;
        }

        // The tangent of a float or System.Numerics parameter has the parameter's type, and the companions would assign
        // it double arithmetic (which does not compile); a local copy is differentiated in double.
        var left = assignment.Left;
        while (left is ParenthesizedExpressionSyntax parenthesized)
        {
            left = parenthesized.Expression;
        }

        if (semanticModel.GetSymbolInfo(left, cancellationToken).Symbol is IParameterSymbol { Type: var parameterType } assigned
            && SymbolEqualityComparer.Default.Equals(assigned.ContainingSymbol, method)
            && (parameterType.SpecialType == SpecialType.System_Single || Fields(parameterType) is not null))
        {
            Report(DiagnosticDescriptors.UnsupportedFeature, assignment.Left, $"Assigning to the {parameterType.ToDisplayString()} parameter '{assigned.Name}' is not supported yet; copy it into a local (var {assigned.Name}Copy = {assigned.Name};) and assign that");
            return;
        }

        if (Fields(semanticModel.GetTypeInfo(assignment.Left, cancellationToken).Type) is not null)
        {
            ParseNumericsAssignment(assignment, compound, output, depth);
            return;
        }

        var target = ParseTarget(assignment.Left, depth);
        if (target is null)
        {
            return;
        }

        if (target is Variable variable && types.TryGetValue(variable.Name, out var type) && type.IsArray())
        {
            if (method.Parameters.Any(p => p.Name == variable.Name))
            {
                Report(DiagnosticDescriptors.WriteToParameterArray, assignment.Left, variable.Name);
                return;
            }

            if (compound is null && TryParseInitializedArray(assignment.Right, type, variable.Name, declare: false, output, depth))
            {
                return;
            }
        }

        var reported = diagnostics.Count;
        var value = ParseExpression(assignment.Right, depth + 1, allowAllocation: compound is null);
        if (target is Variable arrayVariable && types.TryGetValue(arrayVariable.Name, out var arrayType) && arrayType.IsArray())
        {
            CheckArrayValue(value, assignment.Right, reported);
            TrackParameterAlias(arrayVariable.Name, value);
        }

        output.Add(new Assign(target, compound is { } op ? new Binary(op, target, value) : value));
    }

    /// <summary>v = w, v += w, v *= s on a System.Numerics local or parameter: per component.</summary>
    private void ParseNumericsAssignment(AssignmentExpressionSyntax assignment, BinaryOperator? compound, List<Stmt> output, int depth)
    {
        var targets = ParseComponents(assignment.Left, depth + 1);
        if (targets.Any(t => t is not Variable))
        {
            return;
        }

        Expr[] values;
        if (compound is null)
        {
            values = ParseComponents(assignment.Right, depth + 1);
        }
        else if (Fields(semanticModel.GetTypeInfo(assignment.Right, cancellationToken).Type) is not null && compound is BinaryOperator.Add or BinaryOperator.Subtract)
        {
            values = targets.Zip(ParseComponents(assignment.Right, depth + 1), (t, r) => (Expr)new Binary(compound.Value, t, r)).ToArray();
        }
        else if (compound is BinaryOperator.Multiply or BinaryOperator.Divide && Fields(semanticModel.GetTypeInfo(assignment.Right, cancellationToken).Type) is null)
        {
            var scalar = ParseExpression(assignment.Right, depth + 1);
            values = targets.Select(t => (Expr)new Binary(compound.Value, t, scalar)).ToArray();
        }
        else
        {
            UnsupportedStatement(assignment, $"'{assignment.OperatorToken.Text}' on a System.Numerics value", "write the operation out: v = v * m");
            return;
        }

        AssignComponents(targets.Select(t => ((Variable)t).Name).ToArray(), values, output, declare: false);
    }

    /// <summary>An assignable place: a local or parameter, or an element of a local array.</summary>
    private Expr? ParseTarget(ExpressionSyntax target, int depth)
    {
        while (target is ParenthesizedExpressionSyntax parenthesized)
        {
            target = parenthesized.Expression;
        }

        if (target is MemberAccessExpressionSyntax member && ParseNumericsScalar(member, depth) is Variable component)
        {
            return component; // v.X = …
        }

        var symbol = semanticModel.GetSymbolInfo(target is ElementAccessExpressionSyntax e ? e.Expression : target, cancellationToken).Symbol;
        if (symbol is not null && refusedLocals.Contains(symbol))
        {
            return null; // its declaration's error says it
        }

        if (target is TupleExpressionSyntax)
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, target, $"assignment to '{target}'", "tuple deconstruction is not supported; assign each element in its own statement, through a local for a swap: (a, b) = (b, a + b) is double t = a; a = b; b = t + b;");
            return null;
        }

        if (symbol is not (ILocalSymbol or IParameterSymbol) || !names.TryGetValue(symbol, out var name))
        {
            Report(DiagnosticDescriptors.UnsupportedStatement, target, $"assignment to '{target}'", "only locals, parameters and elements of local arrays can be assigned in a differentiated method");
            return null;
        }

        if (target is ElementAccessExpressionSyntax && parameterArrays.Contains(name))
        {
            Report(DiagnosticDescriptors.WriteToParameterArray, target, name);
            return null;
        }

        return ParseExpression(target, depth + 1);
    }

    private Block ParseLoopBody(StatementSyntax body, int depth)
    {
        loopDepth++;
        var block = ParseBlock(body, depth + 1);
        loopDepth--;
        return block;
    }

    /// <summary>do { body } while (c) runs as while (first || c) { first = false; body }: continue still reaches the test.</summary>
    private void ParseDo(DoStatementSyntax loop, List<Stmt> output, int depth)
    {
        var first = SyntheticLocal("first", IrType.Boolean);
        var body = ParseLoopBody(loop.Statement, depth);
        var condition = ParseExpression(loop.Condition, depth + 1);
        output.Add(new Declare(first, IrType.Boolean, new Constant(1, IrType.Boolean)));
        var statements = new List<Stmt> { new Assign(new Variable(first), new Constant(0, IrType.Boolean)) };
        statements.AddRange(body.Statements);
        output.Add(new While(new Binary(BinaryOperator.Or, new Variable(first), condition), new Block(statements.ToEquatableArray())));
    }

    private string SyntheticLocal(string preferred, IrType type, bool isLoopVariable = false)
    {
        var name = FreshName(preferred);
        types[name] = type;
        if (!isLoopVariable)
        {
            locals.Add(new Model.LocalModel(name, type));
        }

        return name;
    }

    /// <summary>foreach over an array runs as a counted loop reading one element per iteration.</summary>
    private void ParseForEach(ForEachStatementSyntax loop, List<Stmt> output, int depth)
    {
        var collection = ParseExpression(loop.Expression, depth + 1);
        var element = semanticModel.GetDeclaredSymbol(loop, cancellationToken);
        if (collection is not Variable array || !types.TryGetValue(array.Name, out var arrayType) || arrayType is not (IrType.DoubleArray or IrType.Int32Array)
            || element is null || Classify(element.Type) != arrayType.ElementType())
        {
            UnsupportedStatement(loop, "foreach loop", "only foreach over a double[] or int[] variable is supported; index other collections in a for loop");
            return;
        }

        var index = SyntheticLocal("index", IrType.Int32, isLoopVariable: true);
        var name = DeclareLocal(element, arrayType.ElementType(), isLoopVariable: false);
        var body = ParseLoopBody(loop.Statement, depth);
        // C# reads the array it iterates through a copy of the reference, so replacing the variable in the body would
        // not change what the loop reads, and the counted loop would: refused. Writing its elements is as C# does it,
        // each iteration reading the element as it is then (it was refused too).
        if (IrWalker.Statements(body).Any(s => s is Assign { Target: Variable v } && v.Name == array.Name || s is Declare d && d.Name == array.Name))
        {
            UnsupportedStatement(loop, "foreach loop", "the loop body must not replace the array it iterates");
            return;
        }

        var statements = new List<Stmt> { new Declare(name, arrayType.ElementType(), new ElementAccess(array.Name, EquatableArray.Create<Expr>(new Variable(index)))) };
        statements.AddRange(body.Statements);
        output.Add(new For(index, Constant.Int(0), new ArrayLength(array.Name, -1), false, new Block(statements.ToEquatableArray())));
    }

    private void ParseFor(ForStatementSyntax loop, List<Stmt> output, int depth)
    {
        if (loop.Declaration is not { Variables.Count: 1 } declaration
            || declaration.Variables[0].Initializer is null
            || semanticModel.GetDeclaredSymbol(declaration.Variables[0], cancellationToken) is not ILocalSymbol { Type.SpecialType: SpecialType.System_Int32 } symbol
            || ReadStep(loop, symbol) is not { } step
            || loop.Condition is null)
        {
            ParseGeneralFor(loop, output, depth);
            return;
        }

        var variable = DeclareLocal(symbol, IrType.Int32, isLoopVariable: true);
        var start = ParseExpression(declaration.Variables[0].Initializer!.Value, depth + 1);
        var bound = ReadBound(loop.Condition, symbol, depth);
        if (bound is null || (step > 0) != bound.Value.Ascending)
        {
            ParseGeneralFor(loop, output, depth, variable, start);
            return;
        }

        var (limit, ascending, inclusive) = bound.Value;
        Expr lower, upper;
        if (ascending)
        {
            lower = start;
            upper = inclusive ? Add(limit, 1) : limit;
        }
        else
        {
            lower = inclusive ? limit : Add(limit, 1);
            upper = Add(start, 1);
        }

        var body = ParseLoopBody(loop.Statement, depth);
        if (!BoundsFixed(variable, lower, upper, body))
        {
            // The trip count is not fixed by the header: run it as a general loop, whose count is recorded.
            var condition = ParseExpression(loop.Condition!, depth + 1);
            AddGeneralFor(output, variable, start, condition, body, ParseIncrementors(loop, depth));
            return;
        }

        output.Add(new For(variable, lower, upper, !ascending, body));
    }

    /// <summary>
    /// Whether the header fixes the trip count: the body assigns neither the loop variable nor a name the bounds read.
    /// Element stores matter only for arrays whose elements the bounds read (a.Length cannot change), under their own
    /// name or another one of the same type (d = c; d[0] = … changes c[0]; an int[] is never a double[]).
    /// </summary>
    private bool BoundsFixed(string variable, Expr lower, Expr upper, Block body)
    {
        var assigned = new HashSet<string>();
        var stored = new HashSet<string>();
        foreach (var statement in IrWalker.Statements(body))
        {
            switch (statement)
            {
                case Declare d:
                    assigned.Add(d.Name);
                    break;
                case Assign { Target: Variable v }:
                    assigned.Add(v.Name);
                    break;
                case Assign { Target: ElementAccess e }:
                    stored.Add(e.Array);
                    break;
            }
        }

        var reads = IrWalker.ReadNames(lower).Concat(IrWalker.ReadNames(upper)).ToList();
        var elementReads = IrWalker.ElementArrays(lower).Concat(IrWalker.ElementArrays(upper));
        bool MayBeStored(string array) => stored.Any(other => other == array
            || !types.TryGetValue(other, out var storedType) || !types.TryGetValue(array, out var readType) || storedType == readType);
        return !assigned.Contains(variable) && !reads.Any(assigned.Contains) && !elementReads.Any(MayBeStored);
    }

    /// <summary>for (init; condition; step) body as init; while (condition) { body } with the step run after each iteration.</summary>
    private void ParseGeneralFor(ForStatementSyntax loop, List<Stmt> output, int depth, string? variable = null, Expr? start = null)
    {
        var initializers = new List<Stmt>();
        if (variable is not null)
        {
            if (!locals.Any(l => l.Name == variable))
            {
                locals.Add(new Model.LocalModel(variable, IrType.Int32));
            }

            initializers.Add(new Declare(variable, IrType.Int32, start));
        }
        else if (loop.Declaration is not null)
        {
            ParseVariables(loop.Declaration, initializers, depth);
        }

        foreach (var initializer in loop.Initializers)
        {
            ParseEffect(initializer, initializer, initializers, depth);
        }

        var condition = loop.Condition is null ? new Constant(1, IrType.Boolean) : ParseExpression(loop.Condition, depth + 1);
        var body = ParseLoopBody(loop.Statement, depth);
        output.AddRange(initializers);
        output.Add(new While(condition, body, ParseIncrementors(loop, depth)));
    }

    private void AddGeneralFor(List<Stmt> output, string variable, Expr start, Expr condition, Block body, Block step)
    {
        if (!locals.Any(l => l.Name == variable))
        {
            locals.Add(new Model.LocalModel(variable, IrType.Int32));
        }

        output.Add(new Declare(variable, IrType.Int32, start));
        output.Add(new While(condition, body, step));
    }

    private Block ParseIncrementors(ForStatementSyntax loop, int depth)
    {
        var steps = new List<Stmt>();
        foreach (var incrementor in loop.Incrementors)
        {
            ParseEffect(incrementor, incrementor, steps, depth);
        }

        return new Block(steps.ToEquatableArray());
    }

    /// <summary><paramref name="expression"/> + <paramref name="value"/>, folding integer constants (<c>n - 1 + 1</c> is <c>n</c>).</summary>
    private static Expr Add(Expr expression, int value) => expression switch
    {
        Constant { Type: IrType.Int32 } c => Constant.Int((int)c.Value + value),
        Binary { Operator: BinaryOperator.Subtract, Right: Constant { Type: IrType.Int32 } c } b when (int)c.Value == value => b.Left,
        Binary { Operator: BinaryOperator.Add, Right: Constant { Type: IrType.Int32 } c } b when (int)c.Value == -value => b.Left,
        _ => new Binary(BinaryOperator.Add, expression, Constant.Int(value)),
    };

    private int? ReadStep(ForStatementSyntax loop, ILocalSymbol variable)
    {
        if (loop.Incrementors.Count != 1)
        {
            return null;
        }

        var incrementor = loop.Incrementors[0];
        ExpressionSyntax? operand = incrementor switch
        {
            PostfixUnaryExpressionSyntax postfix => postfix.Operand,
            PrefixUnaryExpressionSyntax prefix => prefix.Operand,
            AssignmentExpressionSyntax assignment => assignment.Left,
            _ => null,
        };
        if (operand is null || !SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(operand, cancellationToken).Symbol, variable))
        {
            return null;
        }

        switch (incrementor.Kind())
        {
            case SyntaxKind.PostIncrementExpression or SyntaxKind.PreIncrementExpression:
                return 1;
            case SyntaxKind.PostDecrementExpression or SyntaxKind.PreDecrementExpression:
                return -1;
            case SyntaxKind.AddAssignmentExpression or SyntaxKind.SubtractAssignmentExpression:
                var constant = semanticModel.GetConstantValue(((AssignmentExpressionSyntax)incrementor).Right, cancellationToken);
                if (constant is { HasValue: true, Value: 1 })
                {
                    return incrementor.IsKind(SyntaxKind.AddAssignmentExpression) ? 1 : -1;
                }

                return null;
            default:
                return null;
        }
    }

    private (Expr Limit, bool Ascending, bool Inclusive)? ReadBound(ExpressionSyntax? condition, ILocalSymbol variable, int depth)
    {
        if (condition is not BinaryExpressionSyntax binary)
        {
            return null;
        }

        bool IsVariable(ExpressionSyntax e) => SymbolEqualityComparer.Default.Equals(semanticModel.GetSymbolInfo(e, cancellationToken).Symbol, variable);
        var kind = binary.Kind();
        ExpressionSyntax limit;
        if (IsVariable(binary.Left))
        {
            limit = binary.Right;
        }
        else if (IsVariable(binary.Right))
        {
            limit = binary.Left;
            kind = kind switch
            {
                SyntaxKind.LessThanExpression => SyntaxKind.GreaterThanExpression,
                SyntaxKind.GreaterThanExpression => SyntaxKind.LessThanExpression,
                SyntaxKind.LessThanOrEqualExpression => SyntaxKind.GreaterThanOrEqualExpression,
                SyntaxKind.GreaterThanOrEqualExpression => SyntaxKind.LessThanOrEqualExpression,
                _ => kind,
            };
        }
        else
        {
            return null;
        }

        // A counted loop needs an int limit the loop variable does not move: i <= n - 2.5 is not i < n - 2.5 + 1, and
        // i < n - i is no bound. Such loops run as written, as general loops.
        if (semanticModel.GetTypeInfo(limit, cancellationToken).Type?.SpecialType != SpecialType.System_Int32
            || limit.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(IsVariable))
        {
            return null;
        }

        var limitExpr = ParseExpression(limit, depth + 1);
        return kind switch
        {
            SyntaxKind.LessThanExpression => (limitExpr, true, false),
            SyntaxKind.LessThanOrEqualExpression => (limitExpr, true, true),
            SyntaxKind.GreaterThanExpression => (limitExpr, false, false),
            SyntaxKind.GreaterThanOrEqualExpression => (limitExpr, false, true),
            _ => null,
        };
    }
}
