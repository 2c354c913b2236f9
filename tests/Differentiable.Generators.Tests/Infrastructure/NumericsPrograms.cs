using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>
/// Random float programs over <c>System.Numerics</c> values (<see cref="Parameters"/>): locals of every supported type
/// declared, replaced and updated (<c>+=</c>, <c>-=</c>, <c>*=</c>, a component assigned or updated), branches on the
/// parameters, loops of constant trip count (unrolled), and every supported member: operators, constructors, constants,
/// <c>Dot</c>, <c>Cross</c>, <c>Length</c>, <c>Normalize</c>, <c>Distance</c>, <c>Lerp</c>, <c>Min</c>, <c>Max</c>,
/// <c>Abs</c>, <c>SquareRoot</c>, <c>Transform</c> by a matrix or a quaternion, <c>TransformNormal</c>, matrix products
/// and <c>Transpose</c>, the static <c>Add</c>/<c>Subtract</c>/<c>Multiply</c>/<c>Negate</c>, and <c>MathF</c>.
/// <see cref="Double"/> turns a program into the same program in double over <see cref="Mirror"/>'s types, which compute
/// each member by its definition: the independent truth the generated float derivatives are checked against.
/// Every expression carries a bound on its components (parameters in [−1, 1]); past <see cref="Squashed"/> a value is
/// scaled by 1/(1 + |v|²), so no program overflows and central differences stay meaningful.
/// </summary>
internal sealed class NumericsPrograms
{
    /// <summary>The parameters of every program, in the order of the flat point (<see cref="Components"/>).</summary>
    public const string Parameters = "Vector3 a, Vector3 b, Quaternion q, Matrix4x4 M, Vector2 u, Matrix3x2 m, Vector4 w, float t";

    /// <summary>The float components of the parameters, in order: the flat point's coordinates.</summary>
    public static readonly string[] Components =
        Fields("a", Type.Vector3).Concat(Fields("b", Type.Vector3)).Concat(Fields("q", Type.Quaternion)).Concat(Fields("M", Type.Matrix4x4))
            .Concat(Fields("u", Type.Vector2)).Concat(Fields("m", Type.Matrix3x2)).Concat(Fields("w", Type.Vector4)).Append("t").ToArray();

    private const double Squashed = 8.0;

    private readonly Random random;
    private readonly StringBuilder body = new();
    private readonly List<(string Name, Type Type, double Bound)> values = new()
    {
        ("a", Type.Vector3, 1), ("b", Type.Vector3, 1), ("q", Type.Quaternion, 1), ("M", Type.Matrix4x4, 1),
        ("u", Type.Vector2, 1), ("m", Type.Matrix3x2, 1), ("w", Type.Vector4, 1), ("t", Type.Single, 1),
    };

    private readonly HashSet<string> locals = new();
    private int names;
    private int indent = 2;
    private string? loopIndex;

    internal enum Type
    {
        Single,
        Vector2,
        Vector3,
        Vector4,
        Quaternion,
        Matrix4x4,
        Matrix3x2,
    }

    private NumericsPrograms(Random random) => this.random = random;

    /// <summary>The body of one program (statements, then <c>return</c>), indented for a method returning float.</summary>
    public static string Body(Random random)
    {
        var program = new NumericsPrograms(random);
        int statements = random.Next(3, 8);
        for (int s = 0; s < statements; s++)
        {
            program.Statement();
        }

        // Every local reaches the result through one of its components, so none is dead.
        var terms = program.values.Where(v => program.locals.Contains(v.Name))
            .Select(v => $"{Literal()} * {Component(v.Name, v.Type)}")
            .Append(program.Expression(Type.Single, 2).Text);
        program.Line($"return {string.Join(" + ", terms)};");
        return program.body.ToString();

        string Literal() => program.Literal();
        string Component(string name, Type type) => type == Type.Single ? name : $"{name}.{program.Pick(FieldNames(type))}";
    }

    /// <summary>
    /// The body of a program returning <c>new Vector3(x, y, z)</c>: each component a random expression plus some of
    /// the locals' components, so that every local reaches the result.
    /// </summary>
    public static string VectorBody(Random random)
    {
        var program = new NumericsPrograms(random);
        int statements = random.Next(3, 8);
        for (int s = 0; s < statements; s++)
        {
            program.Statement();
        }

        var terms = program.values.Where(v => program.locals.Contains(v.Name))
            .Select(v => $"{program.Literal()} * {(v.Type == Type.Single ? v.Name : $"{v.Name}.{program.Pick(FieldNames(v.Type))}")}")
            .ToList();
        var components = Enumerable.Range(0, 3)
            .Select(k => string.Join(" + ", terms.Where((_, i) => i % 3 == k).Append(program.Expression(Type.Single, 2).Text)))
            .ToList();
        program.Line($"return new Vector3({string.Join(", ", components)});");
        return program.body.ToString();
    }

    /// <summary>
    /// The same program in double: <see cref="Mirror"/>'s types for the System.Numerics ones, <c>Math</c> for
    /// <c>MathF</c>, double literals.
    /// </summary>
    public static string Double(string body)
    {
        var text = body;
        foreach (var (from, to) in new[]
        {
            ("Vector2", "D2"), ("Vector3", "D3"), ("Vector4", "D4"), ("Quaternion", "DQ"), ("Matrix4x4", "DM4"), ("Matrix3x2", "DM32"), ("float", "double"),
        })
        {
            text = Regex.Replace(text, $@"\b{from}\b", to);
        }

        text = text.Replace("MathF.", "Math.", StringComparison.Ordinal);
        return Regex.Replace(text, @"\b([0-9]+\.[0-9]+)f\b", "$1");
    }

    /// <summary>The parameters of the double programs.</summary>
    public static string DoubleParameters => Double(Parameters);

    /// <summary>The field names of a type, in memory order (the flat point's order).</summary>
    public static string[] FieldNames(Type type) => type switch
    {
        Type.Vector2 => new[] { "X", "Y" },
        Type.Vector3 => new[] { "X", "Y", "Z" },
        Type.Vector4 or Type.Quaternion => new[] { "X", "Y", "Z", "W" },
        Type.Matrix3x2 => new[] { "M11", "M12", "M21", "M22", "M31", "M32" },
        Type.Matrix4x4 => Enumerable.Range(1, 4).SelectMany(i => Enumerable.Range(1, 4).Select(j => $"M{i}{j}")).ToArray(),
        _ => Array.Empty<string>(),
    };

    private static IEnumerable<string> Fields(string name, Type type) => FieldNames(type).Select(field => $"{name}.{field}");

    private void Statement()
    {
        var kind = random.Next(10);
        var assignable = values.Where(v => locals.Contains(v.Name)).ToList();
        if (kind >= 4 && assignable.Count == 0)
        {
            kind = 0;
        }

        switch (kind)
        {
            case 4:
            {
                // A local replaced, updated, or scaled.
                var (name, type, bound) = assignable[random.Next(assignable.Count)];
                var (text, added) = Expression(type, 2);
                var op = type == Type.Matrix4x4 ? random.Next(2) switch { 0 => "=", _ => "+=" } : random.Next(4) switch { 0 => "=", 1 => "+=", 2 => "-=", _ => "*=" };
                if (op == "*=" && type != Type.Single)
                {
                    // By a float factor of at most 1.5, so that an update in a loop stays bounded.
                    var (factor, _) = Expression(Type.Single, 1);
                    Assign(name, type, "*=", $"(1.0f + 0.5f * MathF.Tanh({factor}))", bound * 1.5);
                }
                else if (op == "*=")
                {
                    Assign(name, type, "*=", $"MathF.Cos({text})", bound);
                }
                else
                {
                    Assign(name, type, op, text, op == "=" ? added : bound + added);
                }

                break;
            }

            case 5:
            {
                // A component assigned or updated: p.X = …, p.M23 += ….
                var candidates = assignable.Where(v => v.Type != Type.Single).ToList();
                if (candidates.Count == 0)
                {
                    goto default;
                }

                var (name, type, bound) = candidates[random.Next(candidates.Count)];
                var (text, added) = Expression(Type.Single, 2);
                var field = Pick(FieldNames(type));
                var op = random.Next(2) == 0 ? "=" : "+=";
                Line($"{name}.{field} {op} {text};");
                Bound(name, op == "=" ? Math.Max(bound, added) : bound + added);
                break;
            }

            case 6 when indent == 2:
            {
                // A branch on the parameters (never on a computed value, which may sit within rounding of the tie).
                var (first, second) = (Pick(Fields("a", Type.Vector3).Concat(Fields("b", Type.Vector3)).Append("t").ToArray()), Pick(Fields("w", Type.Vector4).Concat(Fields("u", Type.Vector2)).ToArray()));
                Line($"if ({first} > {second})");
                Block(() => Statement());
                if (random.Next(2) == 0)
                {
                    Line("else");
                    Block(() => Statement());
                }

                break;
            }

            case 7 when indent == 2:
            {
                // A loop of constant trip count (unrolled), or of a count decided on a parameter (kept, its float
                // locals taped); its index read as a float.
                var count = random.Next(2, 4);
                var limit = random.Next(2) == 0
                    ? count.ToString(CultureInfo.InvariantCulture)
                    : $"({Pick(Fields("a", Type.Vector3).Append("t").ToArray())} > 0.0f ? {count} : {count - 1})";
                loopIndex = "i";
                Line($"for (int i = 0; i < {limit}; i++)");
                Block(() => Statement());
                loopIndex = null;
                break;
            }

            default:
            {
                var type = (Type)random.Next(7);
                var name = type switch
                {
                    Type.Single => "s",
                    Type.Vector2 => "p",
                    Type.Vector3 => "v",
                    Type.Vector4 => "r",
                    Type.Quaternion => "h",
                    Type.Matrix3x2 => "K",
                    _ => "T",
                } + (names++).ToString(CultureInfo.InvariantCulture);
                var (text, bound) = Expression(type, 3);
                var declared = random.Next(2) == 0 ? "var" : TypeName(type);
                if (indent > 2)
                {
                    // Declared inside a block: read there only. Update one from outside instead.
                    goto case 4;
                }

                (text, bound) = Squash(text, type, bound);
                Line($"{declared} {name} = {text};");
                values.Add((name, type, bound));
                locals.Add(name);
                break;
            }
        }
    }

    private void Assign(string name, Type type, string op, string text, double bound)
    {
        Line($"{name} {op} {text};");
        Bound(name, bound);
        var current = values.Single(v => v.Name == name);
        if (current.Bound > Squashed)
        {
            // Squashed in place, so that the next update starts from a bounded value.
            var (squashed, squashedBound) = Squash(name, type, current.Bound);
            Line($"{name} = {squashed};");
            Bound(name, squashedBound);
        }
    }

    private void Bound(string name, double bound)
    {
        var index = values.FindIndex(v => v.Name == name);
        // Inside a loop the update runs up to three times.
        values[index] = values[index] with { Bound = indent > 2 ? Math.Max(values[index].Bound, bound * 3) : bound };
    }

    private void Block(Action statement)
    {
        Line("{");
        indent++;
        statement();
        indent--;
        Line("}");
    }

    private (string Text, double Bound) Squash(string text, Type type, double bound)
    {
        if (bound <= Squashed)
        {
            return (text, bound);
        }

        return type switch
        {
            Type.Single => ($"MathF.Tanh({text})", 1),
            Type.Matrix4x4 or Type.Matrix3x2 => ($"({text}) * {(1.0 / bound).ToString("0.0####", CultureInfo.InvariantCulture)}f", 1),
            // v/(1 + |v|²): at most ½ in length, and smooth.
            _ => ($"({text}) * (1.0f / (1.0f + ({text}).LengthSquared()))", 0.5),
        };
    }

    /// <summary>An expression of the type and a bound on its components' magnitudes.</summary>
    private (string Text, double Bound) Expression(Type type, int depth)
    {
        if (depth <= 0 || random.Next(4) == 0)
        {
            return Leaf(type);
        }

        (string Text, double Bound) E(Type t) => Expression(t, depth - 1);
        switch (type)
        {
            case Type.Single:
                switch (random.Next(16))
                {
                    case 0: { var (x, y) = (E(Type.Single), E(Type.Single)); return ($"({x.Text} + {y.Text})", x.Bound + y.Bound); }
                    case 1: { var (x, y) = (E(Type.Single), E(Type.Single)); return ($"({x.Text} - {y.Text})", x.Bound + y.Bound); }
                    case 2: { var (x, y) = (E(Type.Single), E(Type.Single)); return ($"({x.Text} * {y.Text})", x.Bound * y.Bound); }
                    case 3: { var (x, y) = (E(Type.Single), E(Type.Single)); return ($"({x.Text} / (1.5f + {y.Text} * {y.Text}))", x.Bound / 1.5); }
                    case 4: return ($"MathF.Sin({E(Type.Single).Text})", 1);
                    case 5: return ($"MathF.Cos({E(Type.Single).Text})", 1);
                    case 6: return ($"MathF.Tanh({E(Type.Single).Text})", 1);
                    case 7: return ($"MathF.Exp(MathF.Tanh({E(Type.Single).Text}))", 3);
                    case 8: { var x = E(Type.Single); return ($"MathF.Sqrt(1.0f + {x.Text} * {x.Text})", 1 + x.Bound); }
                    case 9: { var x = E(Type.Single); return ($"MathF.Log(1.0f + {x.Text} * {x.Text})", 2 * Math.Log(1 + x.Bound)); }
                    case 10:
                    {
                        var vector = Pick(new[] { Type.Vector2, Type.Vector3, Type.Vector4, Type.Quaternion });
                        var (x, y) = (E(vector), E(vector));
                        return ($"{TypeName(vector)}.Dot({x.Text}, {y.Text})", 4 * x.Bound * y.Bound);
                    }
                    case 11:
                    {
                        // Away from zero, where the length has its kink.
                        var vector = Pick(new[] { Type.Vector2, Type.Vector3, Type.Vector4, Type.Quaternion });
                        var x = E(vector);
                        return random.Next(2) == 0
                            ? ($"({x.Text}).LengthSquared()", 4 * x.Bound * x.Bound)
                            : ($"({x.Text} + {Offset(vector)}).Length()", 2 * (x.Bound + 3));
                    }

                    case 12:
                    {
                        var vector = Pick(new[] { Type.Vector2, Type.Vector3, Type.Vector4 });
                        var (x, y) = (E(vector), E(vector));
                        return random.Next(2) == 0
                            ? ($"{TypeName(vector)}.DistanceSquared({x.Text}, {y.Text})", 4 * (x.Bound + y.Bound) * (x.Bound + y.Bound))
                            : ($"{TypeName(vector)}.Distance({x.Text}, {y.Text} + {Offset(vector)})", 2 * (x.Bound + y.Bound + 3));
                    }

                    case 13:
                    {
                        var vector = Pick(new[] { Type.Vector2, Type.Vector3, Type.Vector4, Type.Quaternion, Type.Matrix4x4, Type.Matrix3x2 });
                        var x = E(vector);
                        return ($"({x.Text}).{Pick(FieldNames(vector))}", x.Bound);
                    }

                    case 14 when loopIndex is not null:
                        return ($"({E(Type.Single).Text} + {loopIndex} * 0.25f)", 1 + 0.75);
                    default:
                        return Leaf(Type.Single);
                }

            case Type.Matrix4x4 or Type.Matrix3x2:
            {
                var name = TypeName(type);
                switch (random.Next(7))
                {
                    // Matrix3x2 products are affine (an implied third column 0, 0, 1): a row adds the second's last row.
                    case 0: { var (x, y) = (E(type), E(type)); return ($"({x.Text} * {y.Text})", (4 * x.Bound * y.Bound) + y.Bound); }
                    case 1: { var (x, y) = (E(type), E(type)); return ($"({x.Text} + {y.Text})", x.Bound + y.Bound); }
                    case 2: { var (x, y) = (E(type), E(type)); return ($"({x.Text} - {y.Text})", x.Bound + y.Bound); }
                    case 3 when type == Type.Matrix4x4: { var x = E(type); return ($"Matrix4x4.Transpose({x.Text})", x.Bound); }
                    case 3: { var x = E(type); return ($"(-{x.Text})", x.Bound); }
                    case 4: { var (x, f) = (E(type), E(Type.Single)); return ($"({x.Text} * {f.Text})", x.Bound * f.Bound); }
                    case 5: return Leaf(type);
                    default: return ($"{name}.Identity", 1);
                }
            }

            case Type.Quaternion:
                switch (random.Next(6))
                {
                    case 0: { var (x, y) = (E(Type.Quaternion), E(Type.Quaternion)); return ($"({x.Text} + {y.Text})", x.Bound + y.Bound); }
                    case 1: { var (x, y) = (E(Type.Quaternion), E(Type.Quaternion)); return ($"({x.Text} - {y.Text})", x.Bound + y.Bound); }
                    case 2: { var (x, f) = (E(Type.Quaternion), E(Type.Single)); return ($"({x.Text} * {f.Text})", x.Bound * f.Bound); }
                    case 3: { var x = E(Type.Quaternion); return ($"(-{x.Text})", x.Bound); }
                    case 4:
                    {
                        var (x, f) = (E(Type.Vector3), E(Type.Single));
                        return ($"new Quaternion({x.Text}, {f.Text})", Math.Max(x.Bound, f.Bound));
                    }

                    default:
                    {
                        var parts = Enumerable.Range(0, 4).Select(_ => E(Type.Single)).ToArray();
                        return ($"new Quaternion({string.Join(", ", parts.Select(p => p.Text))})", parts.Max(p => p.Bound));
                    }
                }

            default:
                return VectorExpression(type, depth);
        }
    }

    private (string Text, double Bound) VectorExpression(Type type, int depth)
    {
        (string Text, double Bound) E(Type t) => Expression(t, depth - 1);
        var name = TypeName(type);
        switch (random.Next(type == Type.Vector3 ? 20 : 17))
        {
            case 0: { var (x, y) = (E(type), E(type)); return ($"({x.Text} + {y.Text})", x.Bound + y.Bound); }
            case 1: { var (x, y) = (E(type), E(type)); return ($"({x.Text} - {y.Text})", x.Bound + y.Bound); }
            case 2: { var (x, y) = (E(type), E(type)); return ($"({x.Text} * {y.Text})", x.Bound * y.Bound); }
            case 3:
            {
                var (x, f) = (E(type), E(Type.Single));
                return random.Next(2) == 0 ? ($"({f.Text} * {x.Text})", x.Bound * f.Bound) : ($"({x.Text} * {f.Text})", x.Bound * f.Bound);
            }

            case 4:
            {
                var (x, f) = (E(type), E(Type.Single));
                return random.Next(2) == 0
                    ? ($"({x.Text} / (1.5f + {f.Text} * {f.Text}))", x.Bound / 1.5)
                    : ($"({x.Text} / ({name}.Abs({E(type).Text}) + {name}.One))", x.Bound);
            }

            case 5: { var x = E(type); return ($"(-{x.Text})", x.Bound); }
            case 6: return ($"{name}.Normalize({E(type).Text} + {Offset(type)})", 1);
            case 7:
            {
                var (x, y, f) = (E(type), E(type), E(Type.Single));
                return ($"{name}.Lerp({x.Text}, {y.Text}, {f.Text})", ((1 + f.Bound) * x.Bound) + (f.Bound * y.Bound));
            }

            case 8: { var (x, y) = (E(type), E(type)); return ($"{name}.{(random.Next(2) == 0 ? "Min" : "Max")}({x.Text}, {y.Text})", Math.Max(x.Bound, y.Bound)); }
            case 9: { var x = E(type); return ($"{name}.Abs({x.Text})", x.Bound); }
            case 10: { var x = E(type); return ($"{name}.SquareRoot({name}.Abs({x.Text}) + {name}.One)", Math.Sqrt(x.Bound + 1)); }
            case 11:
            {
                var (x, y) = (E(type), E(type));
                var op = Pick(new[] { "Add", "Subtract", "Multiply" });
                return ($"{name}.{op}({x.Text}, {y.Text})", op == "Multiply" ? x.Bound * y.Bound : x.Bound + y.Bound);
            }

            case 12: { var x = E(type); return ($"{name}.Negate({x.Text})", x.Bound); }
            case 13:
            {
                // Transform: a Vector2 by the Matrix3x2, the others by a Matrix4x4 (Vector3 also as a normal).
                if (type == Type.Vector2)
                {
                    var (x, affine) = (E(type), E(Type.Matrix3x2));
                    var asNormal = random.Next(2) == 0;
                    return ($"Vector2.{(asNormal ? "TransformNormal" : "Transform")}({x.Text}, {affine.Text})", ((2 * x.Bound) + 1) * affine.Bound);
                }

                var (v, matrix) = (E(type), E(Type.Matrix4x4));
                var normal = type == Type.Vector3 && random.Next(2) == 0;
                return ($"{name}.{(normal ? "TransformNormal" : "Transform")}({v.Text}, {matrix.Text})", (4 * v.Bound * matrix.Bound) + matrix.Bound);
            }

            case 14:
            {
                var parts = Enumerable.Range(0, FieldNames(type).Length).Select(_ => E(Type.Single)).ToArray();
                return random.Next(3) == 0
                    ? ($"new {name}({parts[0].Text})", parts[0].Bound)
                    : ($"new {name}({string.Join(", ", parts.Select(p => p.Text))})", parts.Max(p => p.Bound));
            }

            case 15:
            {
                // A conditional on the parameters.
                var (x, y) = (E(type), E(type));
                return ($"({Pick(Fields("a", Type.Vector3).ToArray())} > {Pick(Fields("b", Type.Vector3).ToArray())} ? {x.Text} : {y.Text})", Math.Max(x.Bound, y.Bound));
            }

            case 16:
                // Built from a smaller vector and a float, or the Vector3 of a Vector2.
                if (type == Type.Vector4)
                {
                    var (x, f) = (E(Type.Vector3), E(Type.Single));
                    return ($"new Vector4({x.Text}, {f.Text})", Math.Max(x.Bound, f.Bound));
                }

                if (type == Type.Vector3)
                {
                    var (x, f) = (E(Type.Vector2), E(Type.Single));
                    return ($"new Vector3({x.Text}, {f.Text})", Math.Max(x.Bound, f.Bound));
                }

                return Leaf(type);
            case 17:
            {
                var (x, y) = (E(Type.Vector3), E(Type.Vector3));
                return ($"Vector3.Cross({x.Text}, {y.Text})", 2 * x.Bound * y.Bound);
            }

            case 18:
            {
                // Rotated by a quaternion, q·v·q̄, which scales by |q|² when q is not a unit.
                var (v, rotation) = (E(Type.Vector3), E(Type.Quaternion));
                return ($"Vector3.Transform({v.Text}, {rotation.Text})", 7 * v.Bound * rotation.Bound * rotation.Bound);
            }

            default:
                return Leaf(type);
        }
    }

    private (string Text, double Bound) Leaf(Type type)
    {
        if (type == Type.Single && random.Next(2) == 0)
        {
            // A component of a value: half the float leaves.
            var composite = values.Where(v => v.Type != Type.Single).ToList();
            var (name, of, bound) = composite[random.Next(composite.Count)];
            return ($"{name}.{Pick(FieldNames(of))}", bound);
        }

        var named = values.Where(v => v.Type == type).ToList();
        if (named.Count > 0 && random.Next(4) != 0)
        {
            var (name, _, bound) = named[random.Next(named.Count)];
            return (name, bound);
        }

        return type switch
        {
            Type.Single => (Literal(), 2.5),
            Type.Matrix4x4 => ("Matrix4x4.Identity", 1),
            Type.Matrix3x2 => ("Matrix3x2.Identity", 1),
            Type.Quaternion => ("Quaternion.Identity", 1),
            _ => ($"{TypeName(type)}.{Pick(new[] { "One", "UnitX", "UnitY", "Zero" })}", 1),
        };
    }

    /// <summary>A constant vector of length at least 3 (so that a bounded vector plus it stays away from zero).</summary>
    private string Offset(Type type) => type switch
    {
        Type.Vector2 => "new Vector2(2.5f, -2.0f)",
        Type.Vector3 => "new Vector3(2.5f, -2.0f, 1.5f)",
        Type.Vector4 => "new Vector4(2.5f, -2.0f, 1.5f, 0.5f)",
        _ => "new Quaternion(2.5f, -2.0f, 1.5f, 0.5f)",
    };

    private static string TypeName(Type type) => type == Type.Single ? "float" : type.ToString();

    private string Literal() => (random.Next(1, 20) / 8.0 * (random.Next(4) == 0 ? -1 : 1)).ToString("0.0##", CultureInfo.InvariantCulture) + "f";

    private T Pick<T>(T[] items) => items[random.Next(items.Length)];

    private void Line(string line) => body.Append(' ', 4 * indent).AppendLine(line);

    /// <summary>
    /// Double-precision stand-ins for the System.Numerics types, each member computed by its definition (.NET's
    /// row-vector convention: v·M; <c>Transform(v, q)</c> = q·v·q̄; <c>Lerp</c> = a·(1 − t) + b·t), plus the conversions
    /// between a flat point of doubles and the float values.
    /// </summary>
    public const string Mirror = """
        public struct D2
        {
            public double X, Y;
            public D2(double x, double y) { X = x; Y = y; }
            public D2(double s) : this(s, s) { }
            public static D2 Zero => new(0); public static D2 One => new(1); public static D2 UnitX => new(1, 0); public static D2 UnitY => new(0, 1);
            public static D2 operator +(D2 a, D2 b) => new(a.X + b.X, a.Y + b.Y);
            public static D2 operator -(D2 a, D2 b) => new(a.X - b.X, a.Y - b.Y);
            public static D2 operator *(D2 a, D2 b) => new(a.X * b.X, a.Y * b.Y);
            public static D2 operator /(D2 a, D2 b) => new(a.X / b.X, a.Y / b.Y);
            public static D2 operator *(D2 a, double s) => new(a.X * s, a.Y * s);
            public static D2 operator *(double s, D2 a) => a * s;
            public static D2 operator /(D2 a, double s) => new(a.X / s, a.Y / s);
            public static D2 operator -(D2 a) => new(-a.X, -a.Y);
            public static double Dot(D2 a, D2 b) => (a.X * b.X) + (a.Y * b.Y);
            public double LengthSquared() => Dot(this, this);
            public double Length() => Math.Sqrt(LengthSquared());
            public static double Distance(D2 a, D2 b) => (a - b).Length();
            public static double DistanceSquared(D2 a, D2 b) => (a - b).LengthSquared();
            public static D2 Normalize(D2 a) => a / a.Length();
            public static D2 Lerp(D2 a, D2 b, double t) => (a * (1 - t)) + (b * t);
            public static D2 Min(D2 a, D2 b) => new(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y));
            public static D2 Max(D2 a, D2 b) => new(Math.Max(a.X, b.X), Math.Max(a.Y, b.Y));
            public static D2 Abs(D2 a) => new(Math.Abs(a.X), Math.Abs(a.Y));
            public static D2 SquareRoot(D2 a) => new(Math.Sqrt(a.X), Math.Sqrt(a.Y));
            public static D2 Add(D2 a, D2 b) => a + b; public static D2 Subtract(D2 a, D2 b) => a - b; public static D2 Multiply(D2 a, D2 b) => a * b; public static D2 Negate(D2 a) => -a;
            public static D2 Transform(D2 v, DM32 m) => new((v.X * m.M11) + (v.Y * m.M21) + m.M31, (v.X * m.M12) + (v.Y * m.M22) + m.M32);
            public static D2 TransformNormal(D2 v, DM32 m) => new((v.X * m.M11) + (v.Y * m.M21), (v.X * m.M12) + (v.Y * m.M22));
        }

        public struct D3
        {
            public double X, Y, Z;
            public D3(double x, double y, double z) { X = x; Y = y; Z = z; }
            public D3(double s) : this(s, s, s) { }
            public D3(D2 v, double z) : this(v.X, v.Y, z) { }
            public static D3 Zero => new(0); public static D3 One => new(1); public static D3 UnitX => new(1, 0, 0); public static D3 UnitY => new(0, 1, 0);
            public static D3 operator +(D3 a, D3 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
            public static D3 operator -(D3 a, D3 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
            public static D3 operator *(D3 a, D3 b) => new(a.X * b.X, a.Y * b.Y, a.Z * b.Z);
            public static D3 operator /(D3 a, D3 b) => new(a.X / b.X, a.Y / b.Y, a.Z / b.Z);
            public static D3 operator *(D3 a, double s) => new(a.X * s, a.Y * s, a.Z * s);
            public static D3 operator *(double s, D3 a) => a * s;
            public static D3 operator /(D3 a, double s) => new(a.X / s, a.Y / s, a.Z / s);
            public static D3 operator -(D3 a) => new(-a.X, -a.Y, -a.Z);
            public static double Dot(D3 a, D3 b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z);
            public static D3 Cross(D3 a, D3 b) => new((a.Y * b.Z) - (a.Z * b.Y), (a.Z * b.X) - (a.X * b.Z), (a.X * b.Y) - (a.Y * b.X));
            public double LengthSquared() => Dot(this, this);
            public double Length() => Math.Sqrt(LengthSquared());
            public static double Distance(D3 a, D3 b) => (a - b).Length();
            public static double DistanceSquared(D3 a, D3 b) => (a - b).LengthSquared();
            public static D3 Normalize(D3 a) => a / a.Length();
            public static D3 Lerp(D3 a, D3 b, double t) => (a * (1 - t)) + (b * t);
            public static D3 Min(D3 a, D3 b) => new(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y), Math.Min(a.Z, b.Z));
            public static D3 Max(D3 a, D3 b) => new(Math.Max(a.X, b.X), Math.Max(a.Y, b.Y), Math.Max(a.Z, b.Z));
            public static D3 Abs(D3 a) => new(Math.Abs(a.X), Math.Abs(a.Y), Math.Abs(a.Z));
            public static D3 SquareRoot(D3 a) => new(Math.Sqrt(a.X), Math.Sqrt(a.Y), Math.Sqrt(a.Z));
            public static D3 Add(D3 a, D3 b) => a + b; public static D3 Subtract(D3 a, D3 b) => a - b; public static D3 Multiply(D3 a, D3 b) => a * b; public static D3 Negate(D3 a) => -a;
            public static D3 Transform(D3 v, DM4 m) => new(
                (v.X * m.M11) + (v.Y * m.M21) + (v.Z * m.M31) + m.M41,
                (v.X * m.M12) + (v.Y * m.M22) + (v.Z * m.M32) + m.M42,
                (v.X * m.M13) + (v.Y * m.M23) + (v.Z * m.M33) + m.M43);
            public static D3 TransformNormal(D3 v, DM4 m) => new(
                (v.X * m.M11) + (v.Y * m.M21) + (v.Z * m.M31),
                (v.X * m.M12) + (v.Y * m.M22) + (v.Z * m.M32),
                (v.X * m.M13) + (v.Y * m.M23) + (v.Z * m.M33));
            public static D3 Transform(D3 v, DQ q)
            {
                var r = DQ.Product(DQ.Product(q, new DQ(v, 0)), new DQ(-q.X, -q.Y, -q.Z, q.W));
                return new D3(r.X, r.Y, r.Z);
            }
        }

        public struct D4
        {
            public double X, Y, Z, W;
            public D4(double x, double y, double z, double w) { X = x; Y = y; Z = z; W = w; }
            public D4(double s) : this(s, s, s, s) { }
            public D4(D3 v, double w) : this(v.X, v.Y, v.Z, w) { }
            public static D4 Zero => new(0); public static D4 One => new(1); public static D4 UnitX => new(1, 0, 0, 0); public static D4 UnitY => new(0, 1, 0, 0);
            public static D4 operator +(D4 a, D4 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z, a.W + b.W);
            public static D4 operator -(D4 a, D4 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z, a.W - b.W);
            public static D4 operator *(D4 a, D4 b) => new(a.X * b.X, a.Y * b.Y, a.Z * b.Z, a.W * b.W);
            public static D4 operator /(D4 a, D4 b) => new(a.X / b.X, a.Y / b.Y, a.Z / b.Z, a.W / b.W);
            public static D4 operator *(D4 a, double s) => new(a.X * s, a.Y * s, a.Z * s, a.W * s);
            public static D4 operator *(double s, D4 a) => a * s;
            public static D4 operator /(D4 a, double s) => new(a.X / s, a.Y / s, a.Z / s, a.W / s);
            public static D4 operator -(D4 a) => new(-a.X, -a.Y, -a.Z, -a.W);
            public static double Dot(D4 a, D4 b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z) + (a.W * b.W);
            public double LengthSquared() => Dot(this, this);
            public double Length() => Math.Sqrt(LengthSquared());
            public static double Distance(D4 a, D4 b) => (a - b).Length();
            public static double DistanceSquared(D4 a, D4 b) => (a - b).LengthSquared();
            public static D4 Normalize(D4 a) => a / a.Length();
            public static D4 Lerp(D4 a, D4 b, double t) => (a * (1 - t)) + (b * t);
            public static D4 Min(D4 a, D4 b) => new(Math.Min(a.X, b.X), Math.Min(a.Y, b.Y), Math.Min(a.Z, b.Z), Math.Min(a.W, b.W));
            public static D4 Max(D4 a, D4 b) => new(Math.Max(a.X, b.X), Math.Max(a.Y, b.Y), Math.Max(a.Z, b.Z), Math.Max(a.W, b.W));
            public static D4 Abs(D4 a) => new(Math.Abs(a.X), Math.Abs(a.Y), Math.Abs(a.Z), Math.Abs(a.W));
            public static D4 SquareRoot(D4 a) => new(Math.Sqrt(a.X), Math.Sqrt(a.Y), Math.Sqrt(a.Z), Math.Sqrt(a.W));
            public static D4 Add(D4 a, D4 b) => a + b; public static D4 Subtract(D4 a, D4 b) => a - b; public static D4 Multiply(D4 a, D4 b) => a * b; public static D4 Negate(D4 a) => -a;
            public static D4 Transform(D4 v, DM4 m) => new(
                (v.X * m.M11) + (v.Y * m.M21) + (v.Z * m.M31) + (v.W * m.M41),
                (v.X * m.M12) + (v.Y * m.M22) + (v.Z * m.M32) + (v.W * m.M42),
                (v.X * m.M13) + (v.Y * m.M23) + (v.Z * m.M33) + (v.W * m.M43),
                (v.X * m.M14) + (v.Y * m.M24) + (v.Z * m.M34) + (v.W * m.M44));
        }

        public struct DQ
        {
            public double X, Y, Z, W;
            public DQ(double x, double y, double z, double w) { X = x; Y = y; Z = z; W = w; }
            public DQ(D3 v, double w) : this(v.X, v.Y, v.Z, w) { }
            public static DQ Identity => new(0, 0, 0, 1);
            public static DQ operator +(DQ a, DQ b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z, a.W + b.W);
            public static DQ operator -(DQ a, DQ b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z, a.W - b.W);
            public static DQ operator *(DQ a, double s) => new(a.X * s, a.Y * s, a.Z * s, a.W * s);
            public static DQ operator -(DQ a) => new(-a.X, -a.Y, -a.Z, -a.W);
            public static double Dot(DQ a, DQ b) => (a.X * b.X) + (a.Y * b.Y) + (a.Z * b.Z) + (a.W * b.W);
            public double LengthSquared() => Dot(this, this);
            public double Length() => Math.Sqrt(LengthSquared());

            /// <summary>The Hamilton product a·b.</summary>
            public static DQ Product(DQ a, DQ b) => new(
                (a.W * b.X) + (a.X * b.W) + (a.Y * b.Z) - (a.Z * b.Y),
                (a.W * b.Y) - (a.X * b.Z) + (a.Y * b.W) + (a.Z * b.X),
                (a.W * b.Z) + (a.X * b.Y) - (a.Y * b.X) + (a.Z * b.W),
                (a.W * b.W) - (a.X * b.X) - (a.Y * b.Y) - (a.Z * b.Z));
        }

        public struct DM32
        {
            public double M11, M12, M21, M22, M31, M32;
            public DM32(double m11, double m12, double m21, double m22, double m31, double m32) { M11 = m11; M12 = m12; M21 = m21; M22 = m22; M31 = m31; M32 = m32; }
            public static DM32 Identity => new(1, 0, 0, 1, 0, 0);

            /// <summary>As affine 3×3 matrices with the third column (0, 0, 1).</summary>
            public static DM32 operator *(DM32 a, DM32 b) => new(
                (a.M11 * b.M11) + (a.M12 * b.M21), (a.M11 * b.M12) + (a.M12 * b.M22),
                (a.M21 * b.M11) + (a.M22 * b.M21), (a.M21 * b.M12) + (a.M22 * b.M22),
                (a.M31 * b.M11) + (a.M32 * b.M21) + b.M31, (a.M31 * b.M12) + (a.M32 * b.M22) + b.M32);
            public static DM32 operator +(DM32 a, DM32 b) => new(a.M11 + b.M11, a.M12 + b.M12, a.M21 + b.M21, a.M22 + b.M22, a.M31 + b.M31, a.M32 + b.M32);
            public static DM32 operator -(DM32 a, DM32 b) => a + (-b);
            public static DM32 operator -(DM32 a) => a * -1.0;
            public static DM32 operator *(DM32 a, double s) => new(a.M11 * s, a.M12 * s, a.M21 * s, a.M22 * s, a.M31 * s, a.M32 * s);
        }

        public struct DM4
        {
            public double M11, M12, M13, M14, M21, M22, M23, M24, M31, M32, M33, M34, M41, M42, M43, M44;
            public double this[int i, int j]
            {
                get => (i * 4 + j) switch
                {
                    0 => M11, 1 => M12, 2 => M13, 3 => M14, 4 => M21, 5 => M22, 6 => M23, 7 => M24,
                    8 => M31, 9 => M32, 10 => M33, 11 => M34, 12 => M41, 13 => M42, 14 => M43, _ => M44,
                };
                set
                {
                    switch (i * 4 + j)
                    {
                        case 0: M11 = value; break; case 1: M12 = value; break; case 2: M13 = value; break; case 3: M14 = value; break;
                        case 4: M21 = value; break; case 5: M22 = value; break; case 6: M23 = value; break; case 7: M24 = value; break;
                        case 8: M31 = value; break; case 9: M32 = value; break; case 10: M33 = value; break; case 11: M34 = value; break;
                        case 12: M41 = value; break; case 13: M42 = value; break; case 14: M43 = value; break; default: M44 = value; break;
                    }
                }
            }

            public static DM4 Identity { get { var m = new DM4(); m.M11 = m.M22 = m.M33 = m.M44 = 1; return m; } }
            public static DM4 operator *(DM4 a, DM4 b)
            {
                var r = new DM4();
                for (int i = 0; i < 4; i++) { for (int j = 0; j < 4; j++) { double s = 0; for (int k = 0; k < 4; k++) { s += a[i, k] * b[k, j]; } r[i, j] = s; } }
                return r;
            }

            public static DM4 operator +(DM4 a, DM4 b) { var r = new DM4(); for (int i = 0; i < 16; i++) { r[i / 4, i % 4] = a[i / 4, i % 4] + b[i / 4, i % 4]; } return r; }
            public static DM4 operator -(DM4 a, DM4 b) => a + (b * -1.0);
            public static DM4 operator -(DM4 a) => a * -1.0;
            public static DM4 operator *(DM4 a, double s) { var r = new DM4(); for (int i = 0; i < 16; i++) { r[i / 4, i % 4] = a[i / 4, i % 4] * s; } return r; }
            public static DM4 Transpose(DM4 a) { var r = new DM4(); for (int i = 0; i < 16; i++) { r[i % 4, i / 4] = a[i / 4, i % 4]; } return r; }
        }
        """;
}
