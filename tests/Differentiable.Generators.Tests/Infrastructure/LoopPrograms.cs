using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>
/// Random scalar-valued loop programs over <c>double[,] W</c> (n × n), <c>double[] x</c>, <c>double[] v</c> (n) and
/// <c>double c</c>, built from the shapes the optimization passes rewrite: elementwise maps, matrix–vector layers (W or
/// Wᵀ, one or two products per row), reductions, recurrences up and down a row, scalars carried from row to row,
/// running sums read in the row, transposed products accumulated into an array, stencils at an offset, in-place updates
/// (one reading the row mirrored, one storing a row ahead, a matrix–vector product in place), branches, max and abs,
/// local arrays that alias each other or are made to point at another, outer products into a local matrix, a
/// recurrent state replaced each step or refilled in place from a scratch array, two state buffers swapped each step,
/// while and foreach loops, reads of the row mirrored and strided, a local matrix updated in place and read transposed, conditional expressions, powers and
/// roots, and calls of <see cref="Helpers"/>.
/// Every value stays smooth and bounded (tanh, sin, exp of a tanh, log(1 + u²), …) and every matrix a contraction
/// (the caller scales W; local matrices add a rank-one term of norm below 1/n·n), so central differences are meaningful
/// at any n and no chaotic recurrence amplifies a reordered sum into a different value.
/// </summary>
internal sealed class LoopPrograms
{
    private readonly Random random;
    private readonly StringBuilder body = new();
    private readonly List<string> arrays = new() { "x", "v" };
    private readonly List<string> writable = new();
    private readonly List<string> scalars = new() { "c" };
    private readonly List<string> matrices = new() { "W" };
    private int names;
    private int depth;

    /// <summary>The n of fixed-size programs (<c>const int n</c>): the arguments may be longer.</summary>
    public const int FixedSize = 3;

    private static readonly int[] AliasKinds = { 7, 16, 18, 20 };

    /// <summary>
    /// Methods the programs call: differentiated through their bodies (a scalar function, a reduction over arrays), and
    /// one opaque to the generator whose derivative is a <c>[DerivativeOf]</c> rule. (Array-valued callees get DIFF007,
    /// and Hessians of methods that call others DIFF015: both limits are documented.)
    /// </summary>
    public const string Helpers = """
            public static double Blend(double a, double b) => (Math.Tanh(a) * b) + (0.5 * Math.Sin(b));

            public static double Weighted(double[] a, double[] b, int n)
            {
                double s = 0.0;
                for (int i = 0; i < n; i++) { s += a[i] * Math.Tanh(b[i]); }
                return s / n;
            }

            public static double Softplus(double a) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(Math.Log(1.0 + Math.Exp(a))));

            [DerivativeOf(nameof(Softplus))]
            public static double SoftplusGradient(double a, out double da)
            {
                da = 1.0 / (1.0 + Math.Exp(-a));
                return Softplus(a);
            }
        """;

    private readonly bool calls;
    private readonly bool intArithmetic;
    private readonly bool maps;

    private LoopPrograms(Random random, bool calls, bool intArithmetic, bool maps = false)
    {
        this.random = random;
        this.calls = calls;
        this.intArithmetic = intArithmetic;
        this.maps = maps;
    }

    /// <summary>
    /// The body of one program (statements, then <c>return</c>), indented for a method: it returns a double, or with
    /// <paramref name="arrayValued"/> a double[] of length n whose every element reads every array made and the sums;
    /// <paramref name="calls"/> lets it call the <see cref="Helpers"/>; with <paramref name="fixedSize"/> n is the constant
    /// <see cref="FixedSize"/>, so the loops have trip counts known at compile time and are unrolled within the budget;
    /// <paramref name="intArithmetic"/> lets elements be scaled by int divisions and remainders (of n, of the index, of
    /// constants) and by a <c>MathF</c> call, whose types a derivative must keep (without it, the draws are those of
    /// programs before it, so every seed's programs keep their shapes).
    /// </summary>
    public static string Body(Random random, bool arrayValued = false, bool calls = true, bool fixedSize = false, bool intArithmetic = false)
    {
        var program = new LoopPrograms(random, calls, intArithmetic);
        program.Line(fixedSize ? $"const int n = {FixedSize};" : "int n = x.Length;");
        program.Line("double acc = 0.0;");
        int statements = random.Next(2, 7);
        for (int k = 0; k < statements; k++)
        {
            program.Statement();
        }

        // Every array and scalar made contributes to the result, so no statement is dead.
        foreach (var scalar in program.scalars.Skip(1))
        {
            program.Line($"acc += {scalar};");
        }

        if (arrayValued)
        {
            var terms = string.Concat(program.arrays.Skip(2).Select(array => $" + ({program.Constant()} * {array}[i])"));
            program.Line("double[] result = new double[n];");
            program.Line($"for (int i = 0; i < n; i++) {{ result[i] = ({program.Constant()} * acc){terms} + Math.Sin(x[i]); }}");
            program.Line("return result;");
            return program.body.ToString();
        }

        foreach (var array in program.arrays.Skip(2))
        {
            program.Line($"for (int i = 0; i < n; i++) {{ acc += {program.Constant()} * {array}[i]; }}");
        }

        program.Line("return acc;");
        return program.body.ToString();
    }

    /// <summary>
    /// The body of an array-valued program in index notation, the shape the structure pass reads: one loop over the
    /// result's rows that may sum rows or columns of W against an elementwise expression, keep elementwise locals, and
    /// store y[i] as an elementwise expression of them (with int divisions and remainders, and a <c>MathF</c> call, which
    /// the pass leaves to the dense Jacobian), so that the <c>Jacobian</c> companions build structured forms (diagonal,
    /// Kronecker, sums of them) at run time. One in four also sums a row against a running scalar of the same loop.
    /// </summary>
    public static string MapBody(Random random)
    {
        var program = new LoopPrograms(random, calls: false, intArithmetic: true, maps: true);
        program.Line("int n = x.Length;");
        string? count = null;
        if (random.Next(4) == 0)
        {
            // An int of the prelude that the rows read, declared or (then dense) changed before the loop.
            count = "m" + (program.names++).ToString(CultureInfo.InvariantCulture);
            program.Line($"int {count} = n + 1;");
            if (random.Next(2) == 0)
            {
                program.Line($"{count} = {count} * 2;");
            }
        }

        program.Line("double[] y = new double[n];");
        program.Line("for (int i = 0; i < n; i++)");
        program.Line("{");
        var locals = new List<string>();
        if (random.Next(4) == 0)
        {
            // A sum whose term reads a running scalar of the same loop: not index notation (each iteration sees another
            // value), so the Jacobian must come out dense and right.
            var (running, total) = (program.Scalar(), program.Scalar());
            program.Line($"    double {running} = {program.Element("i")};");
            program.Line($"    double {total} = 0.0;");
            program.Line(random.Next(2) == 0
                ? $"    for (int j = 0; j < n; j++) {{ {running} += {program.Element("j")} / n; {total} += W[j, i] * {running}; }}"
                : $"    for (int j = 0; j < n; j++) {{ {running} += {program.Element("j")} / n; for (int k = 0; k < n; k++) {{ {total} += W[i, k] * x[j] * {running} / n; }} }}");
            locals.Add(total);
        }

        for (int k = random.Next(3); k > 0; k--)
        {
            var local = program.Scalar();
            if (random.Next(3) != 0)
            {
                // A row or a column of W summed against an elementwise expression of j.
                var entry = random.Next(2) == 0 ? "W[i, j]" : "W[j, i]";
                program.Line($"    double {local} = {(random.Next(3) == 0 ? program.Element("i") : "0.0")};");
                program.Line($"    for (int j = 0; j < n; j++) {{ {local} {(random.Next(4) == 0 ? "-=" : "+=")} {entry} * {program.Element("j")}; }}");
            }
            else
            {
                program.Line($"    double {local} = {program.Element("i")};");
            }

            locals.Add(local);
        }

        // The locals join the arrays' elements among the leaves of y[i]'s expression.
        program.scalars.AddRange(locals);
        // Each local scaled, or through an activation: tanh(Σⱼ W[i, j]·x[j]) is the chain rule's diagonal product.
        var terms = locals.Select(local => $" + ({program.Constant()} * {(random.Next(2) == 0 ? local : program.Activation(local))})")
            .Concat(count is null ? Enumerable.Empty<string>() : new[] { $" + ({program.Pick(program.arrays)}[i] * {count} * {count} / (n * n))" });
        var accumulated = random.Next(3) == 0;
        if (!accumulated || random.Next(2) == 0)
        {
            program.Line($"    y[i] = {program.Element("i")}{string.Concat(terms)};");
        }

        if (accumulated)
        {
            // Sums into the result itself, as W·x is written: y[i] += W[i, j]·x[j] (after the store, or alone from 0).
            var entry = random.Next(2) == 0 ? "W[i, j]" : "W[j, i]";
            program.Line($"    for (int j = 0; j < n; j++) {{ y[i] {(random.Next(4) == 0 ? "-=" : "+=")} {entry} * {program.Element("j")}; }}");
        }

        program.Line("}");
        program.Line("return y;");
        return program.body.ToString();
    }

    /// <summary>
    /// The body of a vector stencil in index notation: y[i] over a window [left, n − right) of a sum of terms reading
    /// x and v at i moved by constants inside the window (x[i − 1], v[i + 2]) or reversed (x[n − 1 − i]), elementwise
    /// functions of them and products of two; the rest of y zero. Its Jacobians are shift forms, scaled by diagonals.
    /// </summary>
    public static string StencilBody(Random random)
    {
        var program = new LoopPrograms(random, calls: false, intArithmetic: false, maps: true);
        var (left, right) = (random.Next(3), random.Next(3));
        string Moved(int shift) => shift switch { 0 => "i", < 0 => $"i - {-shift}", _ => $"i + {shift}" };
        string Index() => random.Next(6) == 0 ? "n - 1 - i" : Moved(random.Next(-left, right + 1));
        program.Line("int n = x.Length;");
        program.Line("double[] y = new double[n];");
        program.Line(right == 0 ? $"for (int i = {left}; i < n; i++)" : $"for (int i = {left}; i < n - {right}; i++)");
        program.Line("{");
        var terms = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(3) == 0
            ? $"({program.Element(Index())}) * ({program.Element(Index())})"
            : $"{program.Constant()} * {program.Element(Index())}");
        program.Line($"    y[i] = {string.Join(" + ", terms)};");
        program.Line("}");
        program.Line("return y;");
        return program.body.ToString();
    }

    /// <summary>
    /// The body of a matrix-valued program in index notation: Y[i, j] (or Y[j, i]) over both loops in either order, a
    /// sum of products of W[i, j], W[j, i], elements of x and v at i or j, elementwise functions of them, a row's
    /// reduction and an entry of a matrix product; so that the <c>Jacobian</c> companions build Kronecker, permutation
    /// and diagonal forms (and sums of them) over vec(Y).
    /// </summary>
    public static string MatrixMapBody(Random random)
    {
        var program = new LoopPrograms(random, calls: false, intArithmetic: true, maps: true);
        // The loops over i and j in either order, the store at [i, j] or transposed at [j, i].
        var (swapped, transposed) = (random.Next(4) == 0, random.Next(4) == 0);
        var (outer, inner) = swapped ? ("j", "i") : ("i", "j");
        program.Line("int n = x.Length;");
        program.Line("double[,] Y = new double[n, n];");
        program.Line($"for (int {outer} = 0; {outer} < n; {outer}++)");
        program.Line("{");
        string? row = null;
        if (random.Next(2) == 0)
        {
            // A reduction over a row (or column) of W per iteration of the outer loop.
            row = program.Scalar();
            program.Line($"    double {row} = 0.0;");
            program.Line($"    for (int k = 0; k < n; k++) {{ {row} += W[{outer}, k] * {program.Element("k")}; }}");
        }

        program.Line($"    for (int {inner} = 0; {inner} < n; {inner}++)");
        program.Line("    {");
        string? product = null;
        if (random.Next(3) == 0)
        {
            // An entry of a matrix product: (W·W)[i, j], (Wᵀ·W)[i, j], (W·diag(x)·Wᵀ)[i, j] and the like.
            product = program.Scalar();
            var left = random.Next(2) == 0 ? "W[i, k]" : "W[k, i]";
            var right = random.Next(3) switch { 0 => "W[k, j]", 1 => "W[j, k]", _ => $"{program.Pick(program.arrays)}[k] * W[j, k]" };
            program.Line($"        double {product} = 0.0;");
            program.Line($"        for (int k = 0; k < n; k++) {{ {product} += {left} * {right}; }}");
        }

        string Factor() => random.Next(13) switch
        {
            0 => "W[i, j]",
            1 => "W[j, i]",
            2 => $"{program.Pick(program.arrays)}[i]",
            3 => $"{program.Pick(program.arrays)}[j]",
            4 => program.Element("i"),
            5 => program.Element("j"),
            6 => program.Activation($"W[{(random.Next(2) == 0 ? "i, j" : "j, i")}] * {program.Pick(program.arrays)}[j]"),
            7 => $"(((i + j) % 3) * {program.Constant()})",
            8 => program.Constant(),
            9 or 10 when row is not null => random.Next(2) == 0 ? row : program.Activation(row),
            11 or 12 when product is not null => random.Next(2) == 0 ? product : program.Activation(product),
            _ => "W[i, j]",
        };

        var terms = Enumerable.Range(0, random.Next(1, 4)).Select(_ => random.Next(2) == 0 ? Factor() : $"{Factor()} * {Factor()}");
        var target = transposed ? "j, i" : "i, j";
        program.Line($"        Y[{target}] = {string.Join(" + ", terms.Select(term => $"({term})"))};");
        if (random.Next(4) == 0)
        {
            // A matrix product summed into the result itself: Y[i, j] += W[i, k]·W[k, j].
            var left = random.Next(2) == 0 ? "W[i, k]" : "W[k, i]";
            var right = random.Next(2) == 0 ? "W[k, j]" : $"{program.Pick(program.arrays)}[k] * W[j, k]";
            program.Line($"        for (int k = 0; k < n; k++) {{ Y[{target}] += {left} * {right}; }}");
        }

        program.Line("    }");
        program.Line("}");
        program.Line("return Y;");
        return program.body.ToString();
    }

    private void Statement()
    {
        // Aliases and updates in place come up twice as often: they are where the runtime alias checks decide. So do
        // pairwise interactions, whose double loops fuse at both levels.
        var kind = random.Next(33);
        switch (kind >= 31 ? 27 : kind >= 27 ? AliasKinds[kind - 27] : kind)
        {
            case 27:
            {
                // Pairwise interactions: a double loop over pairs (j above i, below i, or all), scalars the inner loop
                // sets and its reverse needs (taped or recomputed), and maybe one carried from pair to pair and read after
                // the loops, one set by the inner loop and read after it (whose inner loop may not run), and an array
                // indexed by either end of the pair.
                var inner = random.Next(3) switch { 0 => "int j = i + 1; j < n; j++", 1 => "int j = 0; j < i; j++", _ => "int j = 0; j < n; j++" };
                var (d, r) = (Scalar(), Scalar());
                var carried = random.Next(4) == 0 ? Scalar() : null;
                var last = random.Next(4) == 0 ? Scalar() : null;
                var into = writable.Count > 0 && random.Next(3) == 0 ? Pick(writable) : null;
                if (carried is not null)
                {
                    Line($"double {carried} = 0.0;");
                }

                Line("for (int i = 0; i < n; i++)");
                Line("{");
                if (last is not null)
                {
                    Line($"    double {last} = 0.0;");
                }

                Line($"    for ({inner})");
                Line("    {");
                Line($"        double {d} = {(random.Next(2) == 0 ? $"{Pick(arrays)}[j] - {Pick(arrays)}[i]" : $"{Element("j")} - {Element("i")}")};");
                // r's form, and half the time a double that holds an int (a block writing it out must keep the division a
                // double one). One draw of four is the draw of two it replaced, (int)(u·4) / 2 = (int)(u·2), so the
                // programs of every seed keep their shapes.
                var form = random.Next(4);
                var gap = form % 2 == 1 ? Scalar() : null;
                if (gap is not null)
                {
                    Line($"        double {gap} = j - i;");
                }

                var (sqrtSpread, logSpread) = gap is null ? ("", "") : ($" + {gap} / n", $" + {gap} / n * {gap}");
                Line($"        double {r} = {(form / 2 == 0 ? $"Math.Sqrt(1.0 + {d} * {d}{sqrtSpread})" : $"Math.Log(2.0 + {d} * {d}{logSpread})")};");
                Line($"        acc += {Constant()} * Math.Exp(-{r}) * {Element(random.Next(2) == 0 ? "i" : "j")} / ({r} * n);");
                if (carried is not null)
                {
                    Line($"        {carried} = ({Damping()} * {carried}) + (Math.Tanh({d}) / n);");
                }

                if (last is not null)
                {
                    Line($"        {last} = {r} / n;");
                }

                if (into is not null)
                {
                    Line($"        {into}[{(random.Next(2) == 0 ? "i" : "j")}] += 0.5 * Math.Tanh({d}) / n;");
                }

                Line("    }");
                if (last is not null)
                {
                    Line($"    acc += {Constant()} * {last};");
                }

                Line("}");
                if (carried is not null)
                {
                    scalars.Add(carried);
                }

                break;
            }

            case 23:
            {
                var k = "k" + (names++).ToString(CultureInfo.InvariantCulture);
                Line($"int {k} = 0;");
                Line($"while ({k} < n) {{ acc += {Element(k)}; {k}++; }}");
                break;
            }

            case 24:
                Line($"foreach (var e in {Pick(arrays)}) {{ acc += {Constant()} * Math.Sin(e); }}");
                break;

            case 25:
            {
                // Reads of the row mirrored and strided: index arithmetic the passes must not take for the row.
                var t = Array();
                var (a, b) = (Pick(arrays), Pick(arrays));
                Line($"double[] {t} = new double[n];");
                Line($"for (int i = 0; i < n; i++) {{ {t}[i] = ({a}[n - 1 - i] * {Element("i")}) + Math.Sqrt(1.0 + ({b}[(i * 3) % n] * {b}[(i * 3) % n])); }}");
                Add(t, writable: true);
                break;
            }

            case 26:
                if (matrices.Count > 1)
                {
                    // A local matrix updated in place, then read transposed by a layer.
                    var m = matrices[1 + random.Next(matrices.Count - 1)];
                    var t = Array();
                    Line($"for (int i = 0; i < n; i++) {{ for (int j = 0; j < n; j++) {{ {m}[i, j] += 0.5 * Math.Tanh({Pick(arrays)}[i]) * {m}[j, i] / n; }} }}");
                    Line($"double[] {t} = new double[n];");
                    Line($"for (int i = 0; i < n; i++) {{ double a = 0.0; for (int j = 0; j < n; j++) {{ a += {m}[j, i] * {Pick(arrays)}[j]; }} {t}[i] = Math.Tanh(a); }}");
                    Add(t, writable: true);
                }

                break;

            case 22 when calls:
            {
                var p = Scalar();
                Line($"double {p} = Weighted({Pick(arrays)}, {Pick(arrays)}, n);");
                scalars.Add(p);
                break;
            }

            case 18:
                if (writable.Count > 0)
                {
                    // A matrix–vector product into a local array, reading a local array: the same one under the same
                    // name or another (then later rows read what earlier rows stored, Gauss–Seidel), or a different one.
                    var (t, u) = (Pick(writable), Pick(writable));
                    Line("for (int i = 0; i < n; i++)");
                    Line("{");
                    Line($"    double a = {Leaf("i")};");
                    Line($"    for (int j = 0; j < n; j++) {{ a += {Pick(matrices)}[i, j] * {u}[j]; }}");
                    Line($"    {t}[i] = {Activation("a")};");
                    Line("}");
                }

                break;

            case 19:
            {
                // Two state buffers swapped after each step, as hand-tuned recurrent code keeps them.
                var (a, b) = (Array(), Array());
                Line($"double[] {a} = new double[n];");
                Line($"double[] {b} = new double[n];");
                Line($"for (int i = 0; i < n; i++) {{ {a}[i] = {Element("i")}; }}");
                Line($"for (int t = 0; t < {(random.Next(2) == 0 ? "n" : "2")}; t++)");
                Line("{");
                Line("    for (int i = 0; i < n; i++)");
                Line("    {");
                Line($"        double a = {Leaf("i")};");
                Line($"        for (int j = 0; j < n; j++) {{ a += {Pick(matrices)}[i, j] * {a}[j]; }}");
                Line($"        {b}[i] = {Activation("a")};");
                Line("    }");
                Line($"    double[] swap = {a};");
                Line($"    {a} = {b};");
                Line($"    {b} = swap;");
                Line("}");
                Add(a, writable: true);
                Add(b, writable: true);
                break;
            }

            case 20:
                if (writable.Count > 1)
                {
                    // A local array name made to point at another local array.
                    var (t, u) = (Pick(writable), Pick(writable));
                    if (t != u)
                    {
                        Line($"{t} = {u};");
                    }
                }

                break;

            case 21:
                if (writable.Count > 0)
                {
                    // A store one place ahead of the row, read by the next row. The term beside it reads other arrays
                    // only: a gain above 1 from row to row would amplify rounding along the row.
                    var t = Pick(writable);
                    arrays.Remove(t);
                    var term = Element("i");
                    arrays.Add(t);
                    Line($"for (int i = 0; i < n - 1; i++) {{ {t}[i + 1] += ({Damping()} * Math.Tanh({t}[i])) + {term}; }}");
                }

                break;

            case 11:
            {
                // A scalar carried from row to row that is neither private, reset nor a plain sum.
                var p = Scalar();
                Line($"double {p} = 0.0;");
                Line($"for (int i = 0; i < n; i++) {{ {p} = ({Damping()} * {p}) + {Element("i")}; }}");
                scalars.Add(p);
                break;
            }

            case 12:
            {
                // A running sum read in the same row it is updated.
                var q = Scalar();
                var t = Array();
                Line($"double {q} = 0.0;");
                Line($"double[] {t} = new double[n];");
                Line($"for (int i = 0; i < n; i++) {{ {q} += {Element("i")}; {t}[i] = Math.Tanh({q}); }}");
                Add(t, writable: true);
                break;
            }

            case 13:
            {
                // A recurrence running down the row.
                var t = Array();
                Line($"double[] {t} = new double[n];");
                Line($"{t}[n - 1] = {Element("n - 1")};");
                Line($"for (int i = n - 2; i >= 0; i--) {{ {t}[i] = ({Damping()} * {t}[i + 1]) + {Element("i")}; }}");
                Add(t, writable: true);
                break;
            }

            case 14:
            {
                // A transposed product accumulated into an array, row by row.
                var t = Array();
                var s = Pick(arrays);
                Line($"double[] {t} = new double[n];");
                Line($"for (int i = 0; i < n; i++) {{ for (int j = 0; j < n; j++) {{ {t}[j] += {Pick(matrices)}[i, j] * {s}[i]; }} }}");
                Add(t, writable: true);
                break;
            }

            case 15:
            {
                // Branches and kinks decide on the parameters only: a computed value may sit within rounding of a tie
                // (two states converging), where a reordered sum would take the other side.
                var (a, b) = (Parameter(), Parameter());
                Line($"for (int i = 0; i < n; i++) {{ if ({a}[i] > {b}[i]) {{ acc += {Element("i")}; }} else {{ acc -= {Element("i")}; }} }}");
                break;
            }

            case 16:
                if (writable.Count > 0)
                {
                    // An update that reads the row mirrored, from the array itself (later rows read values earlier rows
                    // stored) under its own name or another, or from another array.
                    var (t, u) = (Pick(writable), Pick(writable));
                    Line($"for (int i = 0; i < n; i++) {{ {t}[i] = {t}[i] + (0.5 * {u}[n - 1 - i]); }}");
                }

                break;

            case 17:
            {
                var (a, b) = (Parameter(), Parameter());
                Line($"for (int i = 0; i < n; i++) {{ acc += (Math.Max({a}[i], {b}[i]) * {Element("i")}) + Math.Abs({Parameter()}[i] - c); }}");
                break;
            }

            case 0:
            {
                var t = Array();
                Line($"double[] {t} = new double[n];");
                Line($"for (int i = 0; i < n; i++) {{ {t}[i] = {Element("i")}; }}");
                Add(t, writable: true);
                break;
            }

            case 1:
            case 2:
            {
                // A layer: a = bias; a += W[i, j]·s[j] (or Wᵀ); maybe a second product; t[i] = act(a).
                var t = Array();
                var m = Pick(matrices);
                var s = Pick(arrays);
                var product = random.Next(2) == 0 ? $"{m}[i, j] * {s}[j]" : $"{m}[j, i] * {s}[j]";
                Line($"double[] {t} = new double[n];");
                Line("for (int i = 0; i < n; i++)");
                Line("{");
                Line($"    double a = {Element("i")};");
                Line($"    for (int j = 0; j < n; j++) {{ a += {product}; }}");
                if (random.Next(3) == 0)
                {
                    Line($"    for (int k = 0; k < n; k++) {{ a += {Pick(matrices)}[i, k] * {Pick(arrays)}[k]; }}");
                }

                Line($"    {t}[i] = {Activation("a")};");
                Line("}");
                Add(t, writable: true);
                break;
            }

            case 3:
                Line($"for (int i = 0; i < n; i++) {{ acc += {(random.Next(2) == 0 ? Element("i") : Square(Element("i")))}; }}");
                break;

            case 4:
            {
                // A recurrence along the row: iteration i reads what iteration i − 1 stored.
                var t = Array();
                Line($"double[] {t} = new double[n];");
                Line($"{t}[0] = {Element("0")};");
                Line($"for (int i = 1; i < n; i++) {{ {t}[i] = {Damping()} * {t}[i - 1] + {Element("i")}; }}");
                Add(t, writable: true);
                break;
            }

            case 5:
            {
                var s = Pick(arrays);
                Line($"for (int i = 0; i < n - 1; i++) {{ acc += {Square($"{s}[i + 1] - {s}[i] * {s}[i]")} + {Square($"1.0 - {s}[i]")}; }}");
                break;
            }

            case 6:
                if (writable.Count > 0)
                {
                    var t = Pick(writable);
                    var op = random.Next(3) switch { 0 => "+=", 1 => "-=", _ => "*=" };
                    var right = op == "*=" ? $"(1.0 + 0.5 * Math.Tanh({Element("i")}))" : Element("i");
                    Line($"for (int i = 0; i < n; i++) {{ {t}[i] {op} {right}; }}");
                }

                break;

            case 7:
                if (writable.Count > 0)
                {
                    // Another name for a local array: stores through either name are stores into both.
                    var u = Array();
                    Line($"double[] {u} = {Pick(writable)};");
                    Add(u, writable: true);
                }

                break;

            case 8:
            {
                var p = Scalar();
                Line($"double {p} = 0.0;");
                Line($"for (int i = 0; i < n; i++) {{ {p} += {Pick(arrays)}[i] * {Element("i")}; }}");
                scalars.Add(p);
                break;
            }

            case 9:
                if (matrices.Count < 3)
                {
                    var m = "M" + (names++).ToString(CultureInfo.InvariantCulture);
                    Line($"double[,] {m} = new double[n, n];");
                    Line($"for (int i = 0; i < n; i++) {{ for (int j = 0; j < n; j++) {{ {m}[i, j] = (Math.Tanh({Pick(arrays)}[i]) * Math.Tanh({Pick(arrays)}[j]) / n) + (0.5 * W[i, j]); }} }}");
                    matrices.Add(m);
                }

                break;

            default:
            {
                // A state replaced each step, as in backpropagation through time, or kept in one array that a scratch
                // array refills each step (the overwritten elements saved in bulk around the row loop). A constant count
                // is unrolled; a count known only at run time keeps the step loop. One draw of six is the draw of three
                // it replaced, (int)(u·6) / 2 = (int)(u·3), so the programs of every seed keep their shapes.
                var s = Array();
                var form = random.Next(6);
                var refilled = form % 2 == 1;
                var steps = (form / 2) switch { 0 => random.Next(1, 4).ToString(CultureInfo.InvariantCulture), 1 => "n", _ => "(n % 4) + 1" };
                var next = refilled ? Array() : "next";
                if (refilled)
                {
                    Line($"double[] {s} = new double[n];");
                    Line($"for (int i = 0; i < n; i++) {{ {s}[i] = {Pick(arrays)}[i]; }}");
                    Line($"double[] {next} = new double[n];");
                }
                else
                {
                    Line($"double[] {s} = {Pick(arrays)};");
                }

                Line($"for (int t = 0; t < {steps}; t++)");
                Line("{");
                if (!refilled)
                {
                    Line("    double[] next = new double[n];");
                }

                // Refilled over (n % 4) + 1 steps, the unit is summed in its own element and squashed in place (the row block reads
                // the element through the iteration's stores); the same draws as the local's form, so shapes stay.
                var inTheElement = form == 5;
                var unit = inTheElement ? $"{next}[i]" : "a";
                Line("    for (int i = 0; i < n; i++)");
                Line("    {");
                Line(inTheElement ? $"        {unit} = {Leaf("i")};" : $"        double a = {Leaf("i")};");
                Line($"        for (int j = 0; j < n; j++) {{ {unit} += {Pick(matrices)}[i, j] * {s}[j]; }}");
                Line($"        {next}[i] = {Activation(unit)};");
                Line("    }");
                Line(refilled ? $"    for (int i = 0; i < n; i++) {{ {s}[i] = {next}[i]; }}" : $"    {s} = next;");
                Line("}");
                Add(s, writable: false);
                break;
            }
        }
    }

    private string Element(string index)
    {
        depth++;
        try
        {
            if (depth > 3 || random.Next(3) == 0)
            {
                return Leaf(index);
            }

            var a = Element(index);
            var kinds = calls ? 14 : 12;
            // In maps, mostly the smooth forms the structure pass reads (not ?: or Pow), int arithmetic one time in six.
            var kind = maps
                ? (random.Next(12) is var smooth && smooth < 10 ? smooth : kinds + random.Next(5))
                : random.Next(intArithmetic ? kinds + 5 : kinds);
            if (kind >= kinds)
            {
                // int arithmetic is exact and truncates: a derivative computed in double would be off (7 / 2 is 3).
                return (kind - kinds) switch
                {
                    0 => $"({a} * (n / 2) / n)",
                    1 => $"({a} * (7 / 2))",
                    2 => $"({a} * (({index}) % 3))",
                    3 => $"({a} + (({index}) / 2 * 0.25 / n))",
                    _ => $"({a} * MathF.Sqrt(n) / n)",
                };
            }

            return kind switch
            {
                0 => $"({a} + {Element(index)})",
                1 => $"({a} - {Element(index)})",
                2 => $"({a} * {Element(index)})",
                3 => $"({a} / (1.0 + {Square(Element(index))}))",
                4 => $"Math.Sin({a})",
                5 => $"Math.Exp(Math.Tanh({a}))",
                6 => $"Math.Log(1.0 + {Square(a)})",
                7 => $"Math.Tanh({a})",
                8 => $"Math.Sqrt(1.0 + {Square(a)})",
                9 => $"Math.Cos({a})",
                10 => $"(x[{index}] > v[{index}] ? {a} : {Element(index)})",
                11 => $"Math.Pow(1.0 + {Square(a)}, -0.5)",
                12 => $"Blend({a}, {Element(index)})",
                _ => $"Softplus(Math.Tanh({a}))",
            };
        }
        finally
        {
            depth--;
        }
    }

    private string Leaf(string index) => random.Next(5) switch
    {
        0 => Pick(scalars),
        1 => Constant(),
        _ => $"{Pick(arrays)}[{index}]",
    };

    private string Activation(string a) => random.Next(4) switch
    {
        0 => a,
        1 => $"Math.Sin({a})",
        2 => $"1.0 / (1.0 + Math.Exp(-{a}))",
        _ => $"Math.Tanh({a})",
    };

    private static string Square(string e) => $"({e}) * ({e})";

    private string Constant() => (random.Next(1, 20) / 8.0 * (random.Next(4) == 0 ? -1 : 1)).ToString("R", CultureInfo.InvariantCulture) switch
    {
        var text when text.Contains('.', StringComparison.Ordinal) => text,
        var text => text + ".0",
    };

    /// <summary>A factor below 1 in magnitude, so that a recurrence along a row of 70 stays bounded.</summary>
    private string Damping() => random.Next(4) switch { 0 => "0.5", 1 => "-0.75", 2 => "0.25", _ => "0.875" };

    private string Scalar() => "p" + (names++).ToString(CultureInfo.InvariantCulture);

    private string Array() => "t" + (names++).ToString(CultureInfo.InvariantCulture);

    private void Add(string array, bool writable)
    {
        arrays.Add(array);
        if (writable)
        {
            this.writable.Add(array);
        }
    }

    private string Parameter() => random.Next(2) == 0 ? "x" : "v";

    private string Pick(List<string> list) => list[random.Next(list.Count)];

    private void Line(string line) => body.Append("        ").AppendLine(line);
}
