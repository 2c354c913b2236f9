using System.Globalization;
using System.Linq;
using System.Text;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Emit;

/// <summary>Prints IR as C#: types <c>global::</c>-qualified, numbers invariant and round-trip, minimal parentheses.</summary>
internal sealed class CSharpPrinter
{
    private readonly CodeWriter writer;
    private readonly string tapeName;

    public CSharpPrinter(CodeWriter writer, string tapeName = "tape")
    {
        this.writer = writer;
        this.tapeName = tapeName;
    }

    /// <summary>A one-line rendering of a source statement, for comments.</summary>
    public static string StatementText(Stmt statement)
    {
        var writer = new CodeWriter();
        new CSharpPrinter(writer).Write(statement);
        var text = writer.ToString().Trim();
        return text.Length > 120 ? text.Substring(0, 117) + "..." : text;
    }

    public void Write(Stmt statement, int depth = 0)
    {
        StackGuard.Enter(depth);
        switch (statement)
        {
            case Block b:
                writer.Line("{");
                writer.Indent();
                WriteStatements(b, depth);
                writer.Unindent();
                writer.Line("}");
                break;
            case Declare d:
                var initializer = d.Initializer is null ? (d.Type.IsArray() ? "null!" : "default") : Expression(d.Initializer);
                writer.Line($"{d.Type.ToCSharp()} {d.Name} = {initializer};");
                break;
            case Assign { Target: Variable target, Value: Variable source } when target.Name == source.Name:
                // A no-op the passes can leave behind (an adjoint assigned itself after folding); C# warns on it (CS1717).
                break;
            case Assign a:
                WriteAssign(a);
                break;
            case For f:
                var header = f.Descending
                    ? $"for (int {f.Variable} = {Expression(MinusOne(f.Upper))}; {f.Variable} >= {ComparedOperand(f.Lower)}; {f.Variable}--)"
                    : $"for (int {f.Variable} = {Expression(f.Lower)}; {f.Variable} < {ComparedOperand(f.Upper)}; {f.Variable}++)";
                writer.Line(header);
                Write(f.Body, depth + 1);
                break;
            case While w:
                writer.Line($"while ({Expression(w.Condition)})");
                Write(w.Body, depth + 1);
                break;
            case If i:
                writer.Line($"if ({Expression(i.Condition)})");
                Write(i.Then, depth + 1);
                if (i.Else is { Statements.Count: > 0 } otherwise)
                {
                    writer.Line("else");
                    Write(otherwise, depth + 1);
                }

                break;
            case Return r:
                writer.Line($"return {Expression(r.Value)};");
                break;
            case Comment c:
                writer.Line("// " + c.Text);
                break;
            case TapePush p:
                writer.Line(p.Type.IsArray() ? $"{tapeName}.PushReference({Expression(p.Value)});" : $"{tapeName}.Push({Expression(p.Value)});");
                break;
            case Evaluate e:
                writer.Line(Expression(e.Expression) + ";");
                break;
            case Verbatim v:
                foreach (var line in v.Code.Split('\n'))
                {
                    writer.Line(line.TrimEnd('\r'));
                }

                break;
        }
    }

    public void WriteStatements(Block block, int depth = 0)
    {
        foreach (var statement in block.Statements)
        {
            Write(statement, depth + 1);
        }
    }

    private void WriteAssign(Assign a)
    {
        var target = Expression(a.Target);
        if (a.Value is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b && b.Left == a.Target)
        {
            var op = b.Operator == BinaryOperator.Add ? "+=" : "-=";
            writer.Line($"{target} {op} {Expression(b.Right)};");
            return;
        }

        writer.Line($"{target} = {Expression(a.Value)};");
    }

    private static Expr MinusOne(Expr upper) => upper switch
    {
        Binary { Operator: BinaryOperator.Add, Right: Constant { Type: IrType.Int32, Value: 1.0 } } b => b.Left,
        Binary { Operator: BinaryOperator.Add, Right: Constant { Type: IrType.Int32 } c } b => new Binary(BinaryOperator.Add, b.Left, Constant.Int((int)c.Value - 1)),
        Binary { Operator: BinaryOperator.Subtract, Right: Constant { Type: IrType.Int32 } c } b => new Binary(BinaryOperator.Subtract, b.Left, Constant.Int((int)c.Value + 1)),
        Constant { Type: IrType.Int32 } c => Constant.Int((int)c.Value - 1),
        _ => new Binary(BinaryOperator.Subtract, upper, Constant.Int(1)),
    };

    public string Expression(Expr expression)
    {
        var builder = new StringBuilder();
        Append(builder, expression, 0, 0);
        return builder.ToString();
    }

    /// <summary>The right side of a comparison: a bound such as n &lt; 0 ? 0 : n in parentheses (CS0019 without).</summary>
    private string ComparedOperand(Expr expression)
    {
        var builder = new StringBuilder();
        Append(builder, expression, Level(BinaryOperator.Add), 0);
        return builder.ToString();
    }

    // Precedence levels, low to high.
    private const int ConditionalLevel = 1;
    private const int UnaryLevel = 8;
    private const int PrimaryLevel = 9;

    private static int Level(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => 2,
        BinaryOperator.And => 3,
        BinaryOperator.Equal or BinaryOperator.NotEqual => 4,
        BinaryOperator.Less or BinaryOperator.LessOrEqual or BinaryOperator.Greater or BinaryOperator.GreaterOrEqual => 5,
        BinaryOperator.Add or BinaryOperator.Subtract => 6,
        _ => 7,
    };

    private static string Symbol(BinaryOperator op) => op switch
    {
        BinaryOperator.Add => "+",
        BinaryOperator.Subtract => "-",
        BinaryOperator.Multiply => "*",
        BinaryOperator.Divide => "/",
        BinaryOperator.Remainder => "%",
        BinaryOperator.Less => "<",
        BinaryOperator.LessOrEqual => "<=",
        BinaryOperator.Greater => ">",
        BinaryOperator.GreaterOrEqual => ">=",
        BinaryOperator.Equal => "==",
        BinaryOperator.NotEqual => "!=",
        BinaryOperator.And => "&&",
        _ => "||",
    };

    private void Append(StringBuilder builder, Expr expression, int minimumLevel, int depth)
    {
        StackGuard.Enter(depth);
        var level = LevelOf(expression);
        var parenthesize = level < minimumLevel;
        if (parenthesize)
        {
            builder.Append('(');
        }

        switch (expression)
        {
            case Constant c:
                builder.Append(Literal(c));
                break;
            case Variable v:
                builder.Append(v.Name);
                break;
            case Opaque o:
                builder.Append(o.Code);
                break;
            case ElementAccess e:
                builder.Append(e.Array).Append('[');
                AppendList(builder, e.Indices, depth);
                builder.Append(']');
                break;
            case ArrayLength l:
                builder.Append(l.Array).Append(l.Dimension < 0 ? ".Length" : ".GetLength(" + l.Dimension.ToString(CultureInfo.InvariantCulture) + ")");
                break;
            case Unary u:
                builder.Append(u.Operator == UnaryOperator.Negate ? "-" : "!");
                if (u.Operand is Unary or Constant { Value: < 0 })
                {
                    builder.Append('(');
                    Append(builder, u.Operand, 0, depth + 1);
                    builder.Append(')');
                }
                else
                {
                    Append(builder, u.Operand, UnaryLevel, depth + 1);
                }

                break;
            case Binary b when AdditiveChain.IsChain(b):
                var terms = AdditiveChain.Terms(b);
                Append(builder, terms[0].Term, 6, depth + 1);
                for (var k = 1; k < terms.Count; k++)
                {
                    builder.Append(terms[k].Negated ? " - " : " + ");
                    Append(builder, terms[k].Term, 7, depth + 1);
                }

                break;
            case Binary b:
                var binaryLevel = Level(b.Operator);
                Append(builder, b.Left, binaryLevel, depth + 1);
                builder.Append(' ').Append(Symbol(b.Operator)).Append(' ');
                Append(builder, b.Right, binaryLevel + 1, depth + 1);
                break;
            case Call c:
                builder.Append(c.Function is MathFunction.ExpM1 or MathFunction.LogP1 or MathFunction.Hypot
                        ? (c.Single ? "float." : "double.") // generic math's: neither Math nor MathF has them
                        : c.Single ? "global::System.MathF." : "global::System.Math.")
                    .Append(c.Function.ToString()).Append('(');
                AppendList(builder, c.Arguments, depth);
                builder.Append(')');
                break;
            case Conditional c:
                Append(builder, c.Condition, ConditionalLevel + 1, depth + 1);
                builder.Append(" ? ");
                Append(builder, c.WhenTrue, ConditionalLevel + 1, depth + 1);
                builder.Append(" : ");
                Append(builder, c.WhenFalse, ConditionalLevel, depth + 1);
                break;
            case Convert c:
                builder.Append('(').Append(c.Type.ToCSharp()).Append(')');
                Append(builder, c.Operand, PrimaryLevel, depth + 1);
                break;
            case NewArray n:
                var element = n.Type == IrType.Int32Array ? "int" : "double";
                builder.Append("new ").Append(element).Append('[');
                AppendList(builder, n.Dimensions, depth);
                builder.Append(']');
                break;
            case TapePop { Type: IrType.Single }:
                builder.Append("(float)").Append(tapeName).Append(".PopDouble()");
                break;
            case TapePop p:
                builder.Append(tapeName).Append(p.Type switch
                {
                    IrType.Double => ".PopDouble()",
                    IrType.Int32 => ".PopInt32()",
                    IrType.Boolean => ".PopBoolean()",
                    _ => ".PopReference<" + p.Type.ToCSharp() + ">()",
                });
                break;
            case Tuple t:
                builder.Append('(');
                AppendList(builder, t.Elements, depth);
                builder.Append(')');
                break;
            case UserCall u:
                builder.Append(u.Callee.Invocation).Append('(');
                AppendList(builder, u.Arguments, depth);
                builder.Append(')');
                break;
            case Invoke i when i.Method.StartsWith(".", System.StringComparison.Ordinal):
                // An instance method, called on the first argument: v.CopyTo(a, k).
                Append(builder, i.Arguments[0], PrimaryLevel, depth + 1);
                builder.Append(i.Method).Append('(');
                AppendList(builder, new EquatableArray<Expr>(i.Arguments.AsImmutableArray().RemoveAt(0)), depth);
                builder.Append(')');
                break;
            case Invoke i:
                builder.Append(i.Method).Append('(');
                AppendList(builder, i.Arguments, depth);
                builder.Append(')');
                if (i.Member is not null)
                {
                    builder.Append('.').Append(i.Member);
                }

                break;
            case OutArgument o:
                builder.Append("out ").Append(o.Name);
                break;
        }

        if (parenthesize)
        {
            builder.Append(')');
        }
    }

    private void AppendList(StringBuilder builder, EquatableArray<Expr> items, int depth)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            Append(builder, items[i], 0, depth + 1);
        }
    }

    private static int LevelOf(Expr expression) => expression switch
    {
        Binary b => Level(b.Operator),
        Conditional => ConditionalLevel,
        Unary or Convert => UnaryLevel,
        Constant { Value: < 0 } => UnaryLevel,
        TapePop { Type: IrType.Single } => UnaryLevel,
        _ => PrimaryLevel,
    };

    /// <summary>Invariant culture, round-trip precision, and always recognizably a double.</summary>
    public static string Literal(Constant constant)
    {
        switch (constant.Type)
        {
            case IrType.Boolean:
                return constant.Value != 0 ? "true" : "false";
            case IrType.Int32:
                return ((int)constant.Value).ToString(CultureInfo.InvariantCulture);
            case IrType.Single:
                var single = (float)constant.Value;
                if (float.IsNaN(single) || float.IsInfinity(single))
                {
                    return float.IsNaN(single) ? "float.NaN" : single > 0 ? "float.PositiveInfinity" : "float.NegativeInfinity";
                }

                return single.ToString("R", CultureInfo.InvariantCulture) + "f";
        }

        var value = constant.Value;
        if (double.IsNaN(value))
        {
            return "double.NaN";
        }

        if (double.IsPositiveInfinity(value))
        {
            return "double.PositiveInfinity";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "double.NegativeInfinity";
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        if (double.Parse(text, CultureInfo.InvariantCulture) != value)
        {
            text = value.ToString("G17", CultureInfo.InvariantCulture);
        }

        if (text.IndexOfAny(new[] { '.', 'E', 'e' }) < 0)
        {
            text += ".0";
        }

        return text;
    }
}
