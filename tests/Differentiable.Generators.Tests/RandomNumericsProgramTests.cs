using System;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Random float programs over System.Numerics values (<see cref="NumericsPrograms"/>), each with respect to all of its
/// parameters or to some of them, run at random points against truth that does not come from the generator: the same
/// program in double over types that compute each member by its definition (<see cref="NumericsPrograms.Mirror"/>).
/// <list type="bullet">
/// <item>the double program's value is the float method's to float rounding (which checks the stand-in types);</item>
/// <item>the gradient's value is the method's to float rounding (the companions compute per component, .NET with SIMD),
/// and its two forms (tuple, out parameters) agree bit for bit;</item>
/// <item>each gradient entry matches central differences of the double program, wherever two step sizes and both
/// one-sided differences agree (they do not across a kink of abs, min, max or a branch);</item>
/// <item>the tangent (JVP) is the gradient along a random direction.</item>
/// </list>
/// A failure prints the seed and the program: rerun with DIFFERENTIABLE_PROGRAMS_SEED=&lt;seed&gt; to replay it,
/// DIFFERENTIABLE_PROGRAMS=&lt;count&gt; for a longer run, DIFFERENTIABLE_PROGRAMS_DUMP=&lt;dir&gt; for the generated files.
/// </summary>
public sealed class RandomNumericsProgramTests
{
    private const int DefaultSeed = 20261125;
    private const int DefaultPrograms = 40;
    private const int Points = 4;
    private const double Step = 1e-5;

    /// <summary>Each parameter's name and type, and where its components start in the flat point.</summary>
    private static readonly (string Name, string Type, int Offset, int Count)[] Parameters =
    {
        ("a", "Vector3", 0, 3), ("b", "Vector3", 3, 3), ("q", "Quaternion", 6, 4), ("M", "Matrix4x4", 10, 16),
        ("u", "Vector2", 26, 2), ("m", "Matrix3x2", 28, 6), ("w", "Vector4", 34, 4), ("t", "float", 38, 1),
    };

    [Fact]
    public void GradientsAndTangentsAgreeWithCentralDifferencesOfTheProgramsInDouble()
    {
        var seed = RandomPrograms.Seed(DefaultSeed);
        var count = RandomPrograms.Count(DefaultPrograms);
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(seed);
        var bodies = Enumerable.Range(0, count).Select(_ => NumericsPrograms.Body(random)).ToArray();
        // One program in three is differentiated with respect to some of its parameters only.
        var actives = Enumerable.Range(0, count).Select(_ => Active(random)).ToArray();

        var source = new StringBuilder("using System;\nusing System.Numerics;\nusing Differentiable;\n\npublic static partial class Programs\n{\n");
        for (int p = 0; p < count; p++)
        {
            source.Append("    ").AppendLine(Attribute(actives[p]))
                .Append("    public static float P").Append(p).Append('(').Append(NumericsPrograms.Parameters).AppendLine(")")
                .AppendLine("    {").Append(bodies[p]).AppendLine("    }").AppendLine()
                .Append("    public static double P").Append(p).Append("Double(").Append(NumericsPrograms.DoubleParameters).AppendLine(")")
                .AppendLine("    {").Append(NumericsPrograms.Double(bodies[p])).AppendLine("    }").AppendLine()
                .AppendLine(Wrappers(p, actives[p]));
        }

        source.AppendLine("}").AppendLine(Flat).AppendLine(NumericsPrograms.Mirror);
        var programs = RandomPrograms.Compile(source.ToString());

        var (compared, skipped) = (0, 0);
        for (int p = 0; p < count; p++)
        {
            var name = $"P{p}";
            var active = actives[p];
            string Replay() => $"program {name} (DIFFERENTIABLE_PROGRAMS_SEED={seed}), with respect to {string.Join(", ", active.Select(k => Parameters[k].Name))}:\n{bodies[p]}";
            var points = new Random(unchecked((seed * 1_000_003) + (p * 1_009)));
            for (int point = 0; point < Points; point++)
            {
                var at = Enumerable.Range(0, NumericsPrograms.Components.Length).Select(_ => Uniform(points)).ToArray();
                var direction = Enumerable.Range(0, NumericsPrograms.Components.Length).Select(_ => Uniform(points)).ToArray();
                var where = $"at ({string.Join(", ", at.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}), in {Replay()}";

                var value = (double)Invoke(programs, name + "Call", at);
                Assert.True(double.IsFinite(value), $"the method returns {value}: NumericsPrograms made an unbounded program, {where}");
                var twin = (double)Invoke(programs, name + "DoubleCall", at);
                Assert.True(Math.Abs(twin - value) <= 1e-3 * (1.0 + Math.Abs(value)), $"the program in double returns {twin:R}, in float {value:R}: the stand-in types differ from System.Numerics, {where}");

                var gradient = (double[])Invoke(programs, name + "GradientCall", at);
                var outGradient = (double[])Invoke(programs, name + "GradientOutCall", at);
                Assert.True(gradient.SequenceEqual(outGradient), $"the tuple gradient ({string.Join(", ", gradient)}) differs from the out-parameter one ({string.Join(", ", outGradient)}), {where}");
                Assert.True(Math.Abs(gradient[0] - value) <= 1e-4 * (1.0 + Math.Abs(value)), $"the gradient's value is {gradient[0]:R}, the method's {value:R}, {where}");

                foreach (var k in active)
                {
                    for (int i = Parameters[k].Offset; i < Parameters[k].Offset + Parameters[k].Count; i++)
                    {
                        var central = Central(h =>
                        {
                            var shifted = (double[])at.Clone();
                            shifted[i] += h;
                            return (double)Invoke(programs, name + "DoubleCall", shifted);
                        });
                        if (central is not { } expected)
                        {
                            skipped++;
                            continue;
                        }

                        compared++;
                        var actual = gradient[1 + i];
                        Assert.True(
                            Math.Abs(actual - expected) <= 1e-3 * (1.0 + Math.Abs(expected)),
                            $"∂f/∂{NumericsPrograms.Components[i]} is {actual:R}, central differences of the program in double {expected:R}, {where}");
                    }
                }

                var jvp = (double[])Invoke(programs, name + "JvpCall", at, direction);
                Assert.True(Math.Abs(jvp[0] - value) <= 1e-4 * (1.0 + Math.Abs(value)), $"the JVP's value is {jvp[0]:R}, the method's {value:R}, {where}");
                var entries = active.SelectMany(k => Enumerable.Range(Parameters[k].Offset, Parameters[k].Count)).ToArray();
                var along = entries.Sum(i => gradient[1 + i] * direction[i]);
                var magnitude = entries.Sum(i => Math.Abs(gradient[1 + i] * direction[i]));
                Assert.True(
                    Math.Abs(jvp[1] - along) <= 1e-5 * (1.0 + magnitude),
                    $"the JVP's tangent is {jvp[1]:R}, the gradient along the direction {along:R}, {where}");
            }
        }

        Assert.True(compared >= 0.9 * (compared + skipped), $"only {compared} of {compared + skipped} entries were compared with central differences (seed {seed})");
        Console.WriteLine($"Random System.Numerics programs: {count} programs × {Points} points, {compared} entries compared with central differences, {skipped} skipped at kinks, in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    /// <summary>
    /// Programs returning a Vector3: each row of each Jacobian matches central differences of the program in double
    /// (rows X, Y, Z; columns in vec order, which for a matrix parameter is column-major, unlike the flat point's field
    /// order); the VJP is Jᵀ·seed and the JVP J·direction, both narrowed to float; every companion's value is the method's
    /// to float rounding.
    /// </summary>
    [Fact]
    public void JacobiansOfVector3ResultsAgreeWithCentralDifferencesAndTheProducts()
    {
        var seed = RandomPrograms.Seed(DefaultSeed + 1);
        var count = Math.Max(1, RandomPrograms.Count(DefaultPrograms) / 3);
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(seed);
        var bodies = Enumerable.Range(0, count).Select(_ => NumericsPrograms.VectorBody(random)).ToArray();
        var actives = Enumerable.Range(0, count).Select(_ => Active(random)).ToArray();
        var source = new StringBuilder("using System;\nusing System.Numerics;\nusing Differentiable;\n\npublic static partial class Programs\n{\n");
        for (int p = 0; p < count; p++)
        {
            source.Append("    ").AppendLine(Attribute(actives[p]))
                .Append("    public static Vector3 V").Append(p).Append('(').Append(NumericsPrograms.Parameters).AppendLine(")")
                .AppendLine("    {").Append(bodies[p]).AppendLine("    }").AppendLine()
                .Append("    public static D3 V").Append(p).Append("Double(").Append(NumericsPrograms.DoubleParameters).AppendLine(")")
                .AppendLine("    {").Append(NumericsPrograms.Double(bodies[p])).AppendLine("    }").AppendLine()
                .AppendLine(VectorWrappers(p, actives[p]));
        }

        source.AppendLine("}").AppendLine(Flat).AppendLine(NumericsPrograms.Mirror);
        var programs = RandomPrograms.Compile(source.ToString());
        var width = NumericsPrograms.Components.Length;

        var (compared, skipped) = (0, 0);
        for (int p = 0; p < count; p++)
        {
            var name = $"V{p}";
            var active = actives[p];
            var entries = active.SelectMany(k => Enumerable.Range(Parameters[k].Offset, Parameters[k].Count)).ToArray();
            string Replay() => $"program {name} (DIFFERENTIABLE_PROGRAMS_SEED={seed}), with respect to {string.Join(", ", active.Select(k => Parameters[k].Name))}:\n{bodies[p]}";
            var points = new Random(unchecked((seed * 1_000_003) + (p * 1_009)));
            for (int point = 0; point < Points; point++)
            {
                var at = Enumerable.Range(0, width).Select(_ => Uniform(points)).ToArray();
                var direction = Enumerable.Range(0, width).Select(_ => Uniform(points)).ToArray();
                var cotangent = Enumerable.Range(0, 3).Select(_ => Uniform(points)).ToArray();
                var where = $"at ({string.Join(", ", at.Select(x => x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}), in {Replay()}";
                var value = (double[])Invoke(programs, name + "Call", at);
                Assert.True(value.All(double.IsFinite), $"the method returns ({string.Join(", ", value)}): NumericsPrograms made an unbounded program, {where}");

                // [value X, Y, Z, then the 3 × width Jacobian by rows over the flat point].
                var jacobian = (double[])Invoke(programs, name + "JacobianCall", at);
                double J(int row, int i) => jacobian[3 + (row * width) + i];
                var vjp = (double[])Invoke(programs, name + "VjpCall", at, cotangent);
                var jvp = (double[])Invoke(programs, name + "JvpCall", at, direction);
                for (int row = 0; row < 3; row++)
                {
                    foreach (var (what, companionValue) in new[] { ("Jacobian", jacobian[row]), ("VJP", vjp[row]), ("JVP", jvp[row]) })
                    {
                        Assert.True(Math.Abs(companionValue - value[row]) <= 1e-4 * (1.0 + Math.Abs(value[row])), $"the {what}'s value[{row}] is {companionValue:R}, the method's {value[row]:R}, {where}");
                    }

                    foreach (var i in entries)
                    {
                        var central = Central(h =>
                        {
                            var shifted = (double[])at.Clone();
                            shifted[i] += h;
                            return ((double[])Invoke(programs, name + "DoubleCall", shifted))[row];
                        });
                        if (central is not { } expected)
                        {
                            skipped++;
                            continue;
                        }

                        compared++;
                        Assert.True(
                            Math.Abs(J(row, i) - expected) <= 1e-3 * (1.0 + Math.Abs(expected)),
                            $"∂f{"XYZ"[row]}/∂{NumericsPrograms.Components[i]} is {J(row, i):R}, central differences of the program in double {expected:R}, {where}");
                    }

                    var along = entries.Sum(i => J(row, i) * direction[i]);
                    var size = entries.Sum(i => Math.Abs(J(row, i) * direction[i]));
                    Assert.True(Math.Abs(jvp[3 + row] - along) <= 1e-5 * (1.0 + size), $"the JVP's tangent[{row}] is {jvp[3 + row]:R}, J·direction {along:R}, {where}");
                }

                foreach (var i in entries)
                {
                    var pulled = Enumerable.Range(0, 3).Sum(row => J(row, i) * cotangent[row]);
                    var size = Enumerable.Range(0, 3).Sum(row => Math.Abs(J(row, i) * cotangent[row]));
                    Assert.True(Math.Abs(vjp[3 + i] - pulled) <= 1e-5 * (1.0 + size), $"the VJP's ∂/∂{NumericsPrograms.Components[i]} is {vjp[3 + i]:R}, Jᵀ·seed {pulled:R}, {where}");
                }
            }
        }

        Assert.True(compared >= 0.9 * (compared + skipped), $"only {compared} of {compared + skipped} entries were compared with central differences (seed {seed})");
        Console.WriteLine($"Random Vector3-valued programs: {count} programs × {Points} points, {compared} Jacobian entries compared with central differences, {skipped} skipped at kinks, in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    /// <summary>All the parameters, or (one program in three) a random nonempty subset of them.</summary>
    private static int[] Active(Random random)
    {
        var all = Enumerable.Range(0, Parameters.Length).ToArray();
        if (random.Next(3) != 0)
        {
            return all;
        }

        var some = all.Where(_ => random.Next(2) == 0).ToArray();
        return some.Length > 0 ? some : new[] { random.Next(Parameters.Length) };
    }

    private static string Attribute(int[] active) => active.Length == Parameters.Length
        ? "[Differentiate]"
        : $"[Differentiate({string.Join(", ", active.Select(k => $"nameof({Parameters[k].Name})"))})]";

    /// <summary>
    /// Methods over the flat point (doubles, one per float component) that call the program, its double twin and its
    /// companions, so that the test needs no reflection over System.Numerics values.
    /// </summary>
    private static string Wrappers(int p, int[] active)
    {
        static string Arguments(string point, bool inDouble) => string.Join(", ", Parameters.Select(parameter =>
            parameter.Type == "float" ? (inDouble ? $"{point}[{parameter.Offset}]" : $"(float){point}[{parameter.Offset}]") : $"Flat.{(inDouble ? "D" : "")}{parameter.Type}({point}, {parameter.Offset})"));
        var tangents = string.Join(", ", active.Select(k => Parameters[k].Type == "float" ? $"(float)d[{Parameters[k].Offset}]" : $"Flat.{Parameters[k].Type}(d, {Parameters[k].Offset})"));
        var names = string.Join(", ", active.Select(k => $"g{k}"));
        var outs = string.Join(", ", active.Select(k => $"out var g{k}"));
        var puts = string.Concat(active.Select(k => $" Flat.Put(r, {1 + Parameters[k].Offset}, g{k});"));
        return $$"""
                public static double P{{p}}Call(double[] p) => P{{p}}({{Arguments("p", false)}});
                public static double P{{p}}DoubleCall(double[] p) => P{{p}}Double({{Arguments("p", true)}});
                public static double[] P{{p}}GradientCall(double[] p)
                {
                    var (value, {{names}}) = P{{p}}Gradient({{Arguments("p", false)}});
                    var r = new double[40]; r[0] = value;{{puts}}
                    return r;
                }
                public static double[] P{{p}}GradientOutCall(double[] p)
                {
                    var value = P{{p}}Gradient({{Arguments("p", false)}}, {{outs}});
                    var r = new double[40]; r[0] = value;{{puts}}
                    return r;
                }
                public static double[] P{{p}}JvpCall(double[] p, double[] d)
                {
                    var (value, tangent) = P{{p}}Jvp({{Arguments("p", false)}}, {{tangents}});
                    return new[] { value, tangent };
                }
            """;
    }

    /// <summary>Methods over the flat point that call a Vector3-valued program, its double twin and its companions.</summary>
    private static string VectorWrappers(int p, int[] active)
    {
        static string Arguments(string point, bool inDouble) => string.Join(", ", Parameters.Select(parameter =>
            parameter.Type == "float" ? (inDouble ? $"{point}[{parameter.Offset}]" : $"(float){point}[{parameter.Offset}]") : $"Flat.{(inDouble ? "D" : "")}{parameter.Type}({point}, {parameter.Offset})"));
        var tangents = string.Join(", ", active.Select(k => Parameters[k].Type == "float" ? $"(float)d[{Parameters[k].Offset}]" : $"Flat.{Parameters[k].Type}(d, {Parameters[k].Offset})"));
        var names = string.Join(", ", active.Select(k => $"j{k}"));
        var jacobians = string.Concat(active.Select(k => $" Flat.PutRows(r, {Parameters[k].Offset}, {(Parameters[k].Type.StartsWith("Matrix", StringComparison.Ordinal) ? Parameters[k].Type[6] - '0' : 0)}, j{k});"));
        var outs = string.Join(", ", active.Select(k => $"out var g{k}"));
        var puts = string.Concat(active.Select(k => $" Flat.Put(r, {3 + Parameters[k].Offset}, g{k});"));
        var width = NumericsPrograms.Components.Length;
        return $$"""
                public static double[] V{{p}}Call(double[] p) { var v = V{{p}}({{Arguments("p", false)}}); return new double[] { v.X, v.Y, v.Z }; }
                public static double[] V{{p}}DoubleCall(double[] p) { var v = V{{p}}Double({{Arguments("p", true)}}); return new[] { v.X, v.Y, v.Z }; }
                public static double[] V{{p}}JacobianCall(double[] p)
                {
                    var (v, {{names}}) = V{{p}}Jacobian({{Arguments("p", false)}});
                    var r = new double[3 + (3 * {{width}})]; r[0] = v.X; r[1] = v.Y; r[2] = v.Z;{{jacobians}}
                    return r;
                }
                public static double[] V{{p}}VjpCall(double[] p, double[] s)
                {
                    var v = V{{p}}Vjp({{Arguments("p", false)}}, new Vector3((float)s[0], (float)s[1], (float)s[2]), {{outs}});
                    var r = new double[3 + {{width}}]; r[0] = v.X; r[1] = v.Y; r[2] = v.Z;{{puts}}
                    return r;
                }
                public static double[] V{{p}}JvpCall(double[] p, double[] d)
                {
                    var (v, t) = V{{p}}Jvp({{Arguments("p", false)}}, {{tangents}});
                    return new double[] { v.X, v.Y, v.Z, t.X, t.Y, t.Z };
                }
            """;
    }

    /// <summary>The values of the flat point, in float and in the double stand-ins, and gradients written back into it.</summary>
    private const string Flat = """
        public static class Flat
        {
            public static Vector2 Vector2(double[] p, int o) => new((float)p[o], (float)p[o + 1]);
            public static Vector3 Vector3(double[] p, int o) => new((float)p[o], (float)p[o + 1], (float)p[o + 2]);
            public static Vector4 Vector4(double[] p, int o) => new((float)p[o], (float)p[o + 1], (float)p[o + 2], (float)p[o + 3]);
            public static Quaternion Quaternion(double[] p, int o) => new((float)p[o], (float)p[o + 1], (float)p[o + 2], (float)p[o + 3]);
            public static Matrix3x2 Matrix3x2(double[] p, int o) => new((float)p[o], (float)p[o + 1], (float)p[o + 2], (float)p[o + 3], (float)p[o + 4], (float)p[o + 5]);
            public static Matrix4x4 Matrix4x4(double[] p, int o) => new(
                (float)p[o], (float)p[o + 1], (float)p[o + 2], (float)p[o + 3], (float)p[o + 4], (float)p[o + 5], (float)p[o + 6], (float)p[o + 7],
                (float)p[o + 8], (float)p[o + 9], (float)p[o + 10], (float)p[o + 11], (float)p[o + 12], (float)p[o + 13], (float)p[o + 14], (float)p[o + 15]);
            public static D2 DVector2(double[] p, int o) => new(p[o], p[o + 1]);
            public static D3 DVector3(double[] p, int o) => new(p[o], p[o + 1], p[o + 2]);
            public static D4 DVector4(double[] p, int o) => new(p[o], p[o + 1], p[o + 2], p[o + 3]);
            public static DQ DQuaternion(double[] p, int o) => new(p[o], p[o + 1], p[o + 2], p[o + 3]);
            public static DM32 DMatrix3x2(double[] p, int o) => new() { M11 = p[o], M12 = p[o + 1], M21 = p[o + 2], M22 = p[o + 3], M31 = p[o + 4], M32 = p[o + 5] };
            public static DM4 DMatrix4x4(double[] p, int o)
            {
                var m = new DM4();
                for (int i = 0; i < 16; i++) { m[i / 4, i % 4] = p[o + i]; }
                return m;
            }

            public static void Put(double[] r, int o, float g) => r[o] = g;
            public static void Put(double[] r, int o, Vector2 g) { r[o] = g.X; r[o + 1] = g.Y; }
            public static void Put(double[] r, int o, Vector3 g) { r[o] = g.X; r[o + 1] = g.Y; r[o + 2] = g.Z; }
            public static void Put(double[] r, int o, Vector4 g) { r[o] = g.X; r[o + 1] = g.Y; r[o + 2] = g.Z; r[o + 3] = g.W; }
            public static void Put(double[] r, int o, Quaternion g) { r[o] = g.X; r[o + 1] = g.Y; r[o + 2] = g.Z; r[o + 3] = g.W; }
            public static void Put(double[] r, int o, Matrix3x2 g) { r[o] = g.M11; r[o + 1] = g.M12; r[o + 2] = g.M21; r[o + 3] = g.M22; r[o + 4] = g.M31; r[o + 5] = g.M32; }
            public static void Put(double[] r, int o, Matrix4x4 g)
            {
                for (int i = 0; i < 16; i++) { r[o + i] = g[i / 4, i % 4]; }
            }

            // A Jacobian's three rows into [value X, Y, Z, rows over the flat point]: column c of a matrix parameter with
            // `rows` rows is element (c % rows, c / rows) in vec order, field (c % rows)·columns + c / rows in the point.
            public static void PutRows(double[] r, int o, int rows, Differentiable.Jacobian j)
            {
                int width = (r.Length - 3) / 3;
                for (int row = 0; row < 3; row++)
                {
                    for (int c = 0; c < j.Columns; c++)
                    {
                        int field = rows == 0 ? c : ((c % rows) * (j.Columns / rows)) + (c / rows);
                        r[3 + (row * width) + o + field] = j[row, c];
                    }
                }
            }
        }
        """;

    private static double? Central(Func<double, double> at) => RandomPrograms.Central(at, Step);

    private static object Invoke(Type programs, string name, params object[] arguments) => RandomPrograms.Invoke(programs, name, arguments);

    /// <summary>A float in [−1, 1], as a double: the float method and its double twin see the same point.</summary>
    private static double Uniform(Random random) => (float)((random.NextDouble() * 2) - 1);
}
