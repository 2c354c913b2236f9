using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>
/// Random scalar programs over <c>double x, double y, double z</c> and <c>int n, int k</c>: locals declared, reassigned
/// and updated (<c>+=</c>, <c>-=</c>, <c>*=</c>), branches on doubles and ints, short scalar loops, conditional
/// expressions, every smooth <c>Math</c> function the generator knows (and abs, max, min), calls repeated verbatim in one
/// statement or across statements (where the companions share them), a local set to the tanh, exp or √ of an expression
/// that may read the local itself (whose reverse reads the stored result), and int divisions by k, guarded by
/// <c>k != 0</c> or not (the method throws at k = 0, and so must its companions).
/// Every expression carries a bound on its magnitude (x, y, z in [−1.5, 1.5], n ≤ 5); a value whose bound passes
/// <see cref="Squashed"/> goes through a bounded function, so no program overflows and central differences stay meaningful.
/// </summary>
internal sealed class ScalarPrograms
{
    /// <summary>The parameters of every program.</summary>
    public const string Parameters = "double x, double y, double z, int n, int k";

    /// <summary>Past this bound a statement's value is squashed (tanh or atan of it).</summary>
    private const double Squashed = 10.0;

    private readonly Random random;
    private readonly StringBuilder body = new();
    private readonly List<(string Name, double Bound)> locals = new();
    private readonly List<(string Text, double Bound)> calls = new();
    private readonly List<string> declared = new();

    /// <summary>
    /// Names the companions write themselves (out parameters, the returned value, the tape, temporaries, shared calls,
    /// loop blocks): a local may take one, and the generated code must rename its own.
    /// </summary>
    private static readonly string[] Taken =
    {
        "dx", "dy", "dz", "value", "tape", "tapeMark", "f0", "f1", "t0", "dt0", "seed", "result", "dvalue", "dk", "rowBlock", "blockLow", "da", "tangent",
    };
    private readonly List<string> ints = new();
    private readonly List<string> loopVariables = new();
    private int names;
    private int depth;

    /// <summary>Whether the code being written runs only where k ≠ 0: there an int division by k cannot throw.</summary>
    private bool guarded;

    private readonly bool helpers;

    private ScalarPrograms(Random random, bool helpers)
    {
        this.random = random;
        this.helpers = helpers;
    }

    /// <summary>
    /// The body of one program (statements, then <c>return</c>), indented for a method; some int divisions by k are not
    /// guarded. With <paramref name="helpers"/> it may call <see cref="LoopPrograms.Helpers"/>' scalar functions
    /// (differentiated through their body, or by a <c>[DerivativeOf]</c> rule).
    /// </summary>
    public static string Body(Random random, bool helpers = false)
    {
        var program = new ScalarPrograms(random, helpers);
        int statements = random.Next(3, 9);
        for (int s = 0; s < statements; s++)
        {
            program.Statement();
        }

        program.Return();
        return program.body.ToString();
    }

    /// <summary>A return of every local in scope (so that none is dead) and one more expression.</summary>
    private void Return()
    {
        var terms = locals.Select(local => $"{Constant()} * {local.Name}").Append(Expression(2).Text);
        Line($"return {string.Join(" + ", terms)};");
    }

    /// <summary>
    /// <paramref name="body"/> with one to three assignments to x, y or z inserted between its top-level statements (the
    /// return included): a parameter's incoming value is a definition like any other, and its adjoint must be cleared
    /// where the assignment is reversed. Each keeps the parameter within the bound the programs assume (|x| ≤ 1.5).
    /// </summary>
    public static string WithParametersReassigned(string body, Random random)
    {
        var lines = body.Split('\n').ToList();
        var indent = lines[0][..(lines[0].Length - lines[0].TrimStart().Length)];
        bool StatementStart(string line) =>
            line.StartsWith(indent, StringComparison.Ordinal) && line.Length > indent.Length && !char.IsWhiteSpace(line[indent.Length])
            && !line.AsSpan(indent.Length).StartsWith("{") && !line.AsSpan(indent.Length).StartsWith("}") && !line.AsSpan(indent.Length).StartsWith("else");
        var starts = Enumerable.Range(0, lines.Count).Where(i => StatementStart(lines[i])).ToList();
        var chosen = Enumerable.Range(0, random.Next(1, 4)).Select(_ => starts[random.Next(starts.Count)]).Distinct().OrderByDescending(i => i);
        string[] names = ["x", "y", "z"];
        foreach (var at in chosen)
        {
            string target = names[random.Next(3)], a = names[random.Next(3)], b = names[random.Next(3)];
            var value = random.Next(6) switch
            {
                0 => a,
                1 => $"Math.Tanh({a} * {b})",
                2 => $"0.5 * ({a} + {b})",
                3 => $"Math.Sin({a} - {b})",
                4 => $"(0.75 * {a}) - (0.25 * {b})",
                _ => $"0.8 * {target} * Math.Cos({a})",
            };
            lines.Insert(at, $"{indent}{target} = {value};");
        }

        return string.Join("\n", lines);
    }

    /// <summary>
    /// The program in single precision: float locals, <c>MathF</c>, float literals (parameters go with
    /// <see cref="SingleParameters"/>). Without helpers, whose types are double.
    /// </summary>
    public static string Single(string body)
    {
        var text = System.Text.RegularExpressions.Regex.Replace(body, @"\bdouble\b", "float");
        text = text.Replace("Math.", "MathF.", StringComparison.Ordinal);
        return System.Text.RegularExpressions.Regex.Replace(text, @"(?<![\w.])([0-9]+\.[0-9]+)(?![\w.])", "$1f");
    }

    /// <summary>The parameters of the programs in single precision.</summary>
    public const string SingleParameters = "float x, float y, float z, int n, int k";

    private void Statement()
    {
        // Inside a block, half the statements assign a local from outside it, so that the block is not dead code.
        var kind = depth > 0 && locals.Count > 0 && random.Next(2) == 0 ? 3 + random.Next(3) : depth >= 2 ? random.Next(8) : random.Next(11);
        switch (kind)
        {
            case 0 or 1 or 2:
            {
                var (text, bound) = Bounded(Expression(3));
                Declare(text, bound);
                break;
            }

            case 3 when locals.Count > 0:
            {
                // A reassignment that may read the old value.
                var target = Pick();
                var (text, bound) = Bounded(Expression(3));
                Assign(target.Name, $"{target.Name} = {text};", bound);
                break;
            }

            case 4 when locals.Count > 0:
            {
                var target = Pick();
                var (text, bound) = Bounded(Expression(2));
                switch (random.Next(5))
                {
                    case 0:
                        Assign(target.Name, $"{target.Name} += {text};", target.Bound + bound);
                        break;
                    case 1:
                        Assign(target.Name, $"{target.Name} -= {text};", target.Bound + bound);
                        break;
                    case 2:
                        Assign(target.Name, $"{target.Name} /= 1.5 + ({text} * {text});", target.Bound / 1.5);
                        break;
                    case 3:
                        Assign(target.Name, random.Next(2) == 0 ? $"{target.Name}++;" : $"--{target.Name};", target.Bound + 1.0);
                        break;
                    default:
                        Assign(target.Name, $"{target.Name} *= 0.5 + (0.25 * Math.Sin({text}));", target.Bound * 0.75);
                        break;
                }

                break;
            }

            case 5:
            {
                // y = tanh(u), exp(u) or √u: the reverse may read y for the derivative. The argument may read y itself.
                var argument = Expression(2);
                var (call, bound) = random.Next(3) switch
                {
                    0 => ($"Math.Tanh({argument.Text})", 1.0),
                    1 => ($"Math.Exp(Math.Sin({argument.Text}))", Math.E),
                    _ => ($"Math.Sqrt(1.0 + ({argument.Text} * {argument.Text}))", Math.Sqrt(1.0 + (argument.Bound * argument.Bound))),
                };
                if (locals.Count > 0 && random.Next(2) == 0)
                {
                    var target = Pick();
                    Assign(target.Name, $"{target.Name} = {call};", bound);
                }
                else
                {
                    Declare(call, bound);
                }

                break;
            }

            case 6:
            {
                // An int local from k: a division guarded or not, or a remainder that cannot throw.
                var name = NewName("m");
                var value = random.Next(3) switch
                {
                    0 => "n / k",
                    1 => "k != 0 ? n / k : n",
                    _ => "n % (k + 1)",
                };
                Line($"int {name} = {value};");
                ints.Add(name);
                break;
            }

            case 7 when locals.Count > 0:
            {
                // A local set to the same call a second time: the companions may share the first one.
                var repeatable = Repeatable().ToList();
                var (text, bound) = repeatable.Count > 0 ? repeatable[random.Next(repeatable.Count)] : Call(2);
                Declare($"{Constant()} * {text}", 2.0 * bound);
                break;
            }

            case 8 or 9:
            {
                // A branch on a double or an int; the locals it assigns keep the larger bound of the two paths.
                var condition = Condition();
                Line($"if ({condition})");
                var before = Snapshot();
                Guarded(condition.StartsWith("k != 0", StringComparison.Ordinal), () => Block(random.Next(1, 4), mayReturn: true));
                var thenBounds = Snapshot();
                Restore(before);
                if (random.Next(3) > 0)
                {
                    Line("else");
                    Block(random.Next(1, 3));
                }

                var elseBounds = Snapshot();
                for (int l = 0; l < locals.Count; l++)
                {
                    locals[l] = (locals[l].Name, Math.Max(Math.Max(thenBounds[l], elseBounds[l]), before[l]));
                }

                break;
            }

            case 10 when locals.Count > 0:
            {
                // A short loop of contractions (every bound holds after any number of iterations), written with for,
                // while or do, that may leave early (break) or skip the rest of an iteration (continue).
                var i = NewName("i");
                var trips = random.Next(3) switch { 0 => "n % 4", 1 => "k + 1", _ => "3" };
                var target = Pick();
                var form = random.Next(4);
                if (form >= 2)
                {
                    Line($"int {i} = 0;");
                }

                Line(form switch { 2 => $"while ({i} < {trips})", 3 => "do", _ => $"for (int {i} = 0; {i} < {trips}; {i}++)" });
                Line("{");
                if (form >= 2)
                {
                    // Counted first, so that a continue cannot skip it.
                    Line($"    {i}++;");
                }

                loopVariables.Add(i);
                var callCount = calls.Count;
                var text = Bounded(Expression(2)).Text;
                var squash = random.Next(2) == 0 ? $"Math.Tanh({text})" : $"Math.Sin({text})";
                var exit = random.Next(4) switch { 0 => "break", 1 => "continue", _ => null };
                var early = random.Next(2) == 0;
                if (exit is not null && early)
                {
                    Line($"    if ({target.Name} > {Variable()}) {exit};");
                }

                Line($"    {target.Name} = (0.5 * {target.Name}) + {squash};");
                if (exit is not null && !early)
                {
                    Line($"    if ({Comparison()}) {exit};");
                }

                loopVariables.Remove(i);
                ForgetCallsOutOfScope(callCount);
                Line(form == 3 ? $"}} while ({i} < {trips});" : "}");
                if (form >= 2)
                {
                    ints.Add(i);
                }

                SetBound(target.Name, Math.Max(target.Bound, 2.0));
                break;
            }

            default:
            {
                var (text, bound) = Bounded(Expression(2));
                Declare(text, bound);
                break;
            }
        }
    }

    /// <summary>
    /// A braced block of statements; the locals and calls it declares go out of scope after it. With
    /// <paramref name="mayReturn"/> (a branch's then-block: never both branches) it may end in a return.
    /// </summary>
    private void Block(int statements, bool mayReturn = false)
    {
        var (localCount, callCount, intCount) = (locals.Count, calls.Count, ints.Count);
        Line("{");
        depth++;
        for (int s = 0; s < statements; s++)
        {
            Statement();
        }

        if (mayReturn && random.Next(5) == 0)
        {
            Return();
        }

        depth--;
        Line("}");
        locals.RemoveRange(localCount, locals.Count - localCount);
        ints.RemoveRange(intCount, ints.Count - intCount);
        ForgetCallsOutOfScope(callCount);
    }

    /// <summary>
    /// Forgets the calls made since <paramref name="from"/> that read a name gone out of scope; the others stay, so that a
    /// call made under a guard can be repeated under another one (where sharing it ahead of both would throw).
    /// </summary>
    private void ForgetCallsOutOfScope(int from)
    {
        var inScope = locals.Select(local => local.Name).Concat(ints).Concat(loopVariables).ToHashSet();
        var gone = declared.Where(name => !inScope.Contains(name)).ToList();
        for (int c = calls.Count - 1; c >= from; c--)
        {
            if (gone.Any(name => System.Text.RegularExpressions.Regex.IsMatch(calls[c].Text, $@"\b{name}\b")))
            {
                calls.RemoveAt(c);
            }
        }
    }

    /// <summary>Runs <paramref name="write"/> as code that runs only where k ≠ 0, when <paramref name="underGuard"/>.</summary>
    private T Guarded<T>(bool underGuard, Func<T> write)
    {
        var outer = guarded;
        guarded |= underGuard;
        try
        {
            return write();
        }
        finally
        {
            guarded = outer;
        }
    }

    private void Guarded(bool underGuard, Action write) => Guarded(underGuard, () =>
    {
        write();
        return 0;
    });

    private (string Text, double Bound) Expression(int level)
    {
        if (level <= 0 || random.Next(5) == 0)
        {
            return Leaf();
        }

        switch (random.Next(16))
        {
            case 0 or 1:
            {
                var (a, b) = (Expression(level - 1), Expression(level - 1));
                return ($"({a.Text} + {b.Text})", a.Bound + b.Bound);
            }

            case 2:
            {
                var (a, b) = (Expression(level - 1), Expression(level - 1));
                return ($"({a.Text} - {b.Text})", a.Bound + b.Bound);
            }

            case 3 or 4:
            {
                var (a, b) = (Expression(level - 1), Expression(level - 1));
                return ($"({a.Text} * {b.Text})", a.Bound * b.Bound);
            }

            case 5:
            {
                var (a, b) = (Expression(level - 1), Expression(level - 1));
                return ($"({a.Text} / (1.5 + ({b.Text} * {b.Text})))", a.Bound / 1.5);
            }

            case 6:
            {
                var a = Expression(level - 1);
                return ($"(-{a.Text})", a.Bound);
            }

            case 7 or 8 or 9 or 10:
                return Call(level - 1);

            case 11 when Repeatable().Any():
            {
                // The same call again: within one statement or across statements, the companions may evaluate it once.
                var repeatable = Repeatable().ToList();
                return repeatable[random.Next(repeatable.Count)];
            }

            case 12:
            {
                var condition = Condition();
                var a = Guarded(condition.StartsWith("k != 0", StringComparison.Ordinal), () => Expression(level - 1));
                var b = Expression(level - 1);
                return ($"({condition} ? {a.Text} : {b.Text})", Math.Max(a.Bound, b.Bound));
            }

            case 13:
            {
                // An int division by k inside an expression: under a guard, or one time in three not; else a guard
                // around a call of it.
                if (guarded || random.Next(3) == 0)
                {
                    var a = Expression(level - 1);
                    return ($"({a.Text} * (n / k))", a.Bound * 5);
                }

                var then = Guarded(true, () => Call(level - 1, divide: true));
                var otherwise = Expression(level - 1);
                return ($"(k != 0 ? {then.Text} : {otherwise.Text})", Math.Max(then.Bound, otherwise.Bound));
            }

            case 14:
            {
                var (a, b, c) = (Expression(level - 1), Expression(level - 1), Expression(level - 1));
                return ($"Math.FusedMultiplyAdd({a.Text}, {b.Text}, {c.Text})", (a.Bound * b.Bound) + c.Bound);
            }

            default:
                return Leaf();
        }
    }

    /// <summary>The calls that may be repeated here: one that divides by k only where k ≠ 0.</summary>
    private IEnumerable<(string Text, double Bound)> Repeatable() =>
        calls.Where(call => guarded || !call.Text.Contains("(n / k)", StringComparison.Ordinal));

    /// <summary>
    /// A call of a Math function on arguments inside its domain, remembered so that a later one may repeat it; with
    /// <paramref name="divide"/> its argument is multiplied by n / k.
    /// </summary>
    private (string Text, double Bound) Call(int level, bool divide = false)
    {
        var a = Expression(level);
        if (divide)
        {
            a = ($"({a.Text} * (n / k))", a.Bound * 5);
        }

        var t = a.Text;
        (string Text, double Bound) call = random.Next(24) switch
        {
            0 => ($"Math.Sin({t})", 1.0),
            1 => ($"Math.Cos({t})", 1.0),
            2 => ($"Math.Tan(0.7 * Math.Sin({t}))", 0.85),
            3 => ($"Math.Asin(0.9 * Math.Tanh({t}))", 1.2),
            4 => ($"Math.Acos(0.9 * Math.Sin({t}))", 2.7),
            5 => ($"Math.Atan({t})", 1.6),
            6 => ($"Math.Atan2({t}, 2.0 + Math.Cos({Expression(level).Text}))", 1.6),
            7 => ($"Math.Sinh(Math.Tanh({t}))", 1.2),
            8 => ($"Math.Cosh(Math.Sin({t}))", 1.6),
            9 or 10 => ($"Math.Tanh({t})", 1.0),
            11 => ($"Math.Asinh({t})", Math.Log(1.0 + (2.0 * a.Bound)) + 1.0),
            12 => ($"Math.Acosh(1.5 + ({t} * {t}))", Math.Log(3.0 + (2.0 * a.Bound * a.Bound)) + 1.0),
            13 => ($"Math.Atanh(0.8 * Math.Sin({t}))", 1.1),
            14 => ($"Math.Exp(Math.Sin({t}))", Math.E),
            15 => ($"Math.Exp(-({t} * {t}))", 1.0),
            16 => ($"Math.Log(1.0 + ({t} * {t}))", Math.Log(1.0 + (a.Bound * a.Bound))),
            17 => (random.Next(2) == 0 ? $"Math.Log2(1.5 + Math.Sin({t}))" : $"Math.Log10(1.5 + Math.Sin({t}))", 1.4),
            18 => ($"Math.Sqrt(1.0 + ({t} * {t}))", Math.Sqrt(1.0 + (a.Bound * a.Bound))),
            19 => ($"Math.Cbrt(2.0 + Math.Sin({t}))", 1.5),
            20 => random.Next(3) switch
            {
                0 => ($"Math.Pow({t}, 2)", a.Bound * a.Bound),
                1 => ($"Math.Pow({t}, 3.0)", a.Bound * a.Bound * a.Bound),
                _ => ($"Math.Pow(1.5 + Math.Sin({t}), Math.Cos({Expression(level).Text}))", 2.5),
            },
            21 when helpers && random.Next(2) == 0 => random.Next(2) == 0 ? Blend(Expression(level)) : ($"Softplus(Math.Tanh({t}))", 1.4),
            21 => ($"Math.Abs({t})", a.Bound),
            22 => Pair("Math.Max", a),
            _ => Pair("Math.Min", a),
        };

        var bounded = Bounded(call);
        if (bounded.Text == call.Text)
        {
            calls.Add(call);
        }

        return bounded;

        // tanh(a)·b + sin(b)/2.
        (string, double) Blend((string Text, double Bound) b) => ($"Blend({t}, {b.Text})", b.Bound + 0.5);

        (string, double) Pair(string function, (string Text, double Bound) first)
        {
            var second = Expression(level);
            return ($"{function}({first.Text}, {second.Text})", Math.Max(first.Bound, second.Bound));
        }
    }

    private (string Text, double Bound) Leaf()
    {
        var pick = random.Next(10);
        if (pick < 4 && locals.Count > 0)
        {
            var local = Pick();
            return (local.Name, local.Bound);
        }

        if (pick == 4 && loopVariables.Count > 0)
        {
            return ($"(0.25 * {loopVariables[^1]})", 1.0);
        }

        if (pick == 5 && ints.Count > 0)
        {
            // n / k is at most 5; n % (k + 1) at most 3.
            return ($"(0.5 * {ints[random.Next(ints.Count)]})", 2.5);
        }

        if (pick == 6 && guarded && random.Next(2) == 0)
        {
            return ("(0.25 * (n / k))", 1.25);
        }

        if (pick == 6)
        {
            return random.Next(4) switch
            {
                0 => ("(0.25 * n)", 1.25),
                1 => ("(0.5 * Math.Max(n, k))", 2.5),
                2 => ("(0.25 * Math.Abs(n - 3))", 0.75),
                _ => ("(0.5 * k)", 1.5),
            };
        }

        if (pick == 7)
        {
            var c = Constant();
            return (c, Math.Abs(double.Parse(c.Trim('(', ')'), CultureInfo.InvariantCulture)));
        }

        return (random.Next(3) switch { 0 => "x", 1 => "y", _ => "z" }, 1.5);
    }

    /// <summary>
    /// A condition on doubles or ints; some divide by k right of <c>k != 0 &amp;&amp;</c> or <c>k == 0 ||</c>, where
    /// short-circuiting guards the division (and code under <c>if (k != 0 &amp;&amp; …)</c> is guarded too).
    /// </summary>
    private string Condition() => random.Next(8) switch
    {
        0 => "k != 0",
        1 => "n > 2",
        2 => Comparison(),
        3 => $"{Expression(1).Text} < 0.5",
        4 when ints.Count > 0 => $"{ints[random.Next(ints.Count)]} >= 1",
        5 => $"k != 0 && {Guarded(true, () => Expression(1)).Text} > 0.25",
        6 => $"k == 0 || {Guarded(true, () => Expression(1)).Text} < 0.75",
        _ => "x * y > z",
    };

    /// <summary>
    /// A value whose bound passed <see cref="Squashed"/>, squashed into [−π/2, π/2] by a function that flattens out (a sine
    /// of a large value would swing faster than central differences can follow).
    /// </summary>
    private (string Text, double Bound) Bounded((string Text, double Bound) value) => value.Bound <= Squashed
        ? value
        : (random.Next(2) == 0 ? $"Math.Tanh({value.Text})" : $"Math.Atan({value.Text})", 1.6);

    /// <summary>
    /// A new local: <c>double t = …;</c>, or <c>var t = …;</c>, or one in eight times declared bare and assigned in both
    /// branches of an if (definitely assigned only through them).
    /// </summary>
    private void Declare(string text, double bound)
    {
        var name = NewName("t");
        var form = random.Next(8);
        if (form == 0 && depth < 2)
        {
            var other = Bounded(Expression(2));
            Line($"double {name};");
            Line($"if ({Condition()})");
            Line("{");
            Line($"    {name} = {text};");
            Line("}");
            Line("else");
            Line("{");
            Line($"    {name} = {other.Text};");
            Line("}");
            locals.Add((name, Math.Max(bound, other.Bound)));
            return;
        }

        Line($"{(form == 1 ? "var" : "double")} {name} = {text};");
        locals.Add((name, bound));
    }

    /// <summary>An assignment; a compound one whose bound grew past <see cref="Squashed"/> is squashed after it.</summary>
    private void Assign(string name, string statement, double bound)
    {
        Line(statement);
        if (bound > Squashed)
        {
            Line($"{name} = Math.Tanh({name});");
            bound = 1.0;
        }

        SetBound(name, bound);
    }

    private void SetBound(string name, double bound)
    {
        var index = locals.FindIndex(local => local.Name == name);
        locals[index] = (name, bound);
    }

    private double[] Snapshot() => locals.Select(local => local.Bound).ToArray();

    private void Restore(double[] bounds)
    {
        for (int l = 0; l < bounds.Length; l++)
        {
            locals[l] = (locals[l].Name, bounds[l]);
        }
    }

    /// <summary>Two different doubles compared (constants only would make code unreachable).</summary>
    private string Comparison()
    {
        var (a, b) = (Variable(), Variable());
        return a == b ? $"{a} > 0.25" : $"{a} > {b}";
    }

    /// <summary>A double that is not a constant.</summary>
    private string Variable() => locals.Count > 0 && random.Next(2) == 0 ? Pick().Name : random.Next(3) switch { 0 => "x", 1 => "y", _ => "z" };

    private (string Name, double Bound) Pick() => locals[random.Next(locals.Count)];

    private string Constant() => random.Next(6) switch
    {
        0 => "0.5",
        1 => "1.5",
        2 => "(-2.0)",
        3 => "0.75",
        4 => "(-0.25)",
        _ => "3.0",
    };

    /// <summary>A fresh name: <paramref name="prefix"/> and a number, or one in four times a name the companions use.</summary>
    private string NewName(string prefix)
    {
        var taken = Taken.Where(name => !declared.Contains(name)).ToList();
        var name = taken.Count > 0 && random.Next(4) == 0 ? taken[random.Next(taken.Count)] : null;
        while (name is null || declared.Contains(name))
        {
            name = prefix + (names++).ToString(CultureInfo.InvariantCulture);
        }

        declared.Add(name);
        return name;
    }

    private void Line(string text) => body.Append(' ', 8 + (4 * depth)).AppendLine(text);
}
