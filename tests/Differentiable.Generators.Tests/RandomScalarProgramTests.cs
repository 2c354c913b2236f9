using System;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Random scalar programs (<see cref="ScalarPrograms"/>: branches, short loops, compound assignments, every smooth Math
/// function, repeated calls, int divisions by k), compiled with the generator as written and as a twin marked
/// <c>Vectorize = false</c>, and both run at random points against truth that does not come from the generator:
/// <list type="bullet">
/// <item>where the method throws (a division by k = 0 it does not guard), every companion throws the same exception,
/// and where it does not, no companion throws;</item>
/// <item>the twin's companions return the method's value bit for bit, the others to 1e-10 (a loop blocked into SIMD
/// exp, log or tanh maps is within 2 ulp of Math);</item>
/// <item>the gradient matches central differences of the method, wherever two step sizes agree with each other (they
/// do not across a kink of abs, max, min or a branch);</item>
/// <item>the tangent (JVP) is the gradient along the direction;</item>
/// <item>with <c>Hessian = true</c>, the Hessian is symmetric and matches central differences of the gradient, and the
/// Hessian-vector product is the Hessian times the direction.</item>
/// </list>
/// A failure prints the seed and the program: rerun with DIFFERENTIABLE_PROGRAMS_SEED=&lt;seed&gt; to replay it, and
/// DIFFERENTIABLE_PROGRAMS=&lt;count&gt; for a longer run.
/// </summary>
public sealed class RandomScalarProgramTests
{
    private const int DefaultSeed = 20261124;
    private const int DefaultPrograms = 60;
    private const int DefaultHessianPrograms = 24;
    private const int DefaultSinglePrograms = 40;
    private const int Points = 6;
    private const double Step = 1e-5;

    [Fact]
    public void GradientsAndTangentsAgreeWithCentralDifferencesAndThrowWhereTheMethodThrows() =>
        RunPrograms(hessian: false, DefaultPrograms);

    [Fact]
    public void HessiansAgreeWithCentralDifferencesOfTheGradient() =>
        RunPrograms(hessian: true, DefaultHessianPrograms);

    /// <summary>
    /// The programs in single precision (float locals, MathF), against central differences of the same program in double
    /// at the same float point: float rounding of the intermediate values is all that may separate them (to 1e-3); the
    /// value, exceptions and tangent as above.
    /// </summary>
    [Fact]
    public void FloatProgramsAgreeWithCentralDifferencesOfTheirDoubleTwins()
    {
        var seed = RandomPrograms.Seed(DefaultSeed);
        var count = RandomPrograms.Count(DefaultSinglePrograms);
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(unchecked(seed + 104_729));
        var bodies = Enumerable.Range(0, count).Select(_ => ScalarPrograms.Body(random)).ToArray();
        var source = new StringBuilder("using System;\nusing Differentiable;\n\npublic static partial class Programs\n{\n");
        for (int p = 0; p < count; p++)
        {
            source.AppendLine("    [Differentiate]")
                .Append("    public static float P").Append(p).Append('(').Append(ScalarPrograms.SingleParameters).AppendLine(")")
                .AppendLine("    {").Append(ScalarPrograms.Single(bodies[p])).AppendLine("    }").AppendLine()
                .Append("    public static double P").Append(p).Append("Double(").Append(ScalarPrograms.Parameters).AppendLine(")")
                .AppendLine("    {").Append(bodies[p]).AppendLine("    }").AppendLine();
        }

        source.AppendLine("}");
        var programs = RandomPrograms.Compile(source.ToString());

        var tally = new Tally();
        for (int p = 0; p < count; p++)
        {
            var name = $"P{p}";
            string Replay() => $"program {name} (DIFFERENTIABLE_PROGRAMS_SEED={seed}), in float:\n{ScalarPrograms.Single(bodies[p])}";
            var points = new Random(unchecked((seed * 1_000_003) + (p * 1_009) + 2));
            for (int point = 0; point < Points; point++)
            {
                // A float point, and the double twin evaluated there.
                var drawn = Point.Draw(points);
                var at = drawn with { X = (float)drawn.X, Y = (float)drawn.Y, Z = (float)drawn.Z };
                var direction = new[] { (float)Uniform(points, 1.0), (float)Uniform(points, 1.0), (float)Uniform(points, 1.0) };
                var where = $"at {at}, in {Replay()}";
                var single = at.SingleArguments();
                var method = Outcome.Of(() => (double)(float)Invoke(programs, name, single));
                var gradient = Outcome.Of(() => (ITuple)Invoke(programs, name + "Gradient", single));
                var jvp = Outcome.Of(() => (ITuple)Invoke(programs, name + "Jvp", single.Concat(direction.Cast<object>()).ToArray()));
                if (!Returned(method, tally, where, ("the gradient", gradient), ("the JVP", jvp)))
                {
                    continue;
                }

                var value = method.Value;
                AssertBitwise(value, (double)gradient.Value[0]!, "the gradient's value", where);
                AssertBitwise(value, (double)jvp.Value[0]!, "the JVP's value", where);
                var entries = new[] { (double)(float)gradient.Value[1]!, (double)(float)gradient.Value[2]!, (double)(float)gradient.Value[3]! };
                for (int i = 0; i < 3; i++)
                {
                    var central = Central(t => (double)Invoke(programs, name + "Double", at.Shifted(i, t).Arguments()));
                    if (central is not { } expected)
                    {
                        tally.Skipped++;
                        continue;
                    }

                    tally.Compared++;
                    Assert.True(
                        Math.Abs(entries[i] - expected) <= 1e-3 * (1.0 + Math.Abs(expected)),
                        $"∂f/∂{Point.Names[i]} is {entries[i]:R}, central differences of the program in double {expected:R}, {where}");
                }

                var along = Enumerable.Range(0, 3).Sum(i => entries[i] * direction[i]);
                var magnitude = Enumerable.Range(0, 3).Sum(i => Math.Abs(entries[i] * direction[i]));
                var tangent = (double)jvp.Value[1]!;
                Assert.True(
                    Math.Abs(tangent - along) <= 1e-5 * (1.0 + magnitude),
                    $"the JVP's tangent is {tangent:R}, the gradient along the direction {along:R}, {where}");
            }
        }

        Assert.True(tally.Compared >= 0.8 * (tally.Compared + tally.Skipped), $"only {tally.Compared} of {tally.Compared + tally.Skipped} entries were compared with central differences (seed {seed})");
        Assert.True(tally.Threw > 0 && tally.Returned > tally.Threw, $"of the points, {tally.Threw} threw and {tally.Returned} returned: both must occur (seed {seed})");
        Console.WriteLine($"Random scalar programs in float: {count} programs × {Points} points, {tally.Threw} threw, {tally.Compared} entries compared with central differences, {tally.Skipped} skipped at kinks, in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    private static void RunPrograms(bool hessian, int defaultCount)
    {
        var seed = RandomPrograms.Seed(DefaultSeed);
        var count = RandomPrograms.Count(defaultCount);
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(unchecked(seed + (hessian ? 7919 : 0)));
        // Hessians of methods that call others are not supported (DIFF015, documented).
        var bodies = Enumerable.Range(0, count).Select(_ => ScalarPrograms.Body(random, helpers: !hessian)).ToArray();

        // One program in four also assigns to its parameters; drawn apart, so that the bodies stay a seed's own.
        var reassigning = new Random(unchecked(seed + 32_452_843 + (hessian ? 1 : 0)));
        bodies = bodies.Select(body => reassigning.Next(4) == 0 ? ScalarPrograms.WithParametersReassigned(body, reassigning) : body).ToArray();

        var source = new StringBuilder("using System;\nusing Differentiable;\n\npublic static partial class Programs\n{\n");
        var (optimizedAttribute, twinAttribute) = hessian
            ? ("[Differentiate(Hessian = true)]", "[Differentiate(Hessian = true, Vectorize = false)]")
            : ("[Differentiate]", "[Differentiate(Vectorize = false)]");
        // One program in three is differentiated with respect to some of x, y and z only (the others passive); drawn
        // apart from the bodies, so that a seed's programs are the same either way.
        var activity = new Random(unchecked(seed + 15_485_863 + (hessian ? 1 : 0)));
        var actives = Enumerable.Range(0, count).Select(_ => Active(activity)).ToArray();
        for (int p = 0; p < count; p++)
        {
            var withRespectTo = actives[p].Length == 3 ? "" : string.Concat(actives[p].Select(i => $"nameof({Point.Names[i]}), "));
            foreach (var (name, attribute) in new[] { ($"P{p}", optimizedAttribute), ($"P{p}Scalar", twinAttribute) })
            {
                var written = withRespectTo.Length == 0 ? attribute
                    : attribute == "[Differentiate]" ? $"[Differentiate({withRespectTo.TrimEnd(',', ' ')})]"
                    : attribute.Replace("[Differentiate(", "[Differentiate(" + withRespectTo, StringComparison.Ordinal);
                source.Append("    ").AppendLine(written)
                    .Append("    public static double ").Append(name).Append('(').Append(ScalarPrograms.Parameters).AppendLine(")")
                    .AppendLine("    {").Append(bodies[p]).AppendLine("    }").AppendLine();
            }
        }

        source.AppendLine(LoopPrograms.Helpers).AppendLine("}");
        var programs = RandomPrograms.Compile(source.ToString());

        var tally = new Tally();
        for (int p = 0; p < count; p++)
        {
            var active = actives[p];
            string Replay() => $"program P{p} (DIFFERENTIABLE_PROGRAMS_SEED={seed}), with respect to {string.Join(", ", active.Select(i => Point.Names[i]))}:\n{bodies[p]}";
            var points = new Random(unchecked((seed * 1_000_003) + (p * 1_009) + (hessian ? 1 : 0)));
            for (int point = 0; point < Points; point++)
            {
                var at = Point.Draw(points);
                var direction = new[] { Uniform(points, 1.0), Uniform(points, 1.0), Uniform(points, 1.0) }.Take(active.Length).ToArray();
                foreach (var (name, exact) in new[] { ($"P{p}Scalar", true), ($"P{p}", false) })
                {
                    var where = $"{name}'s companions at {at}, in {Replay()}";
                    if (hessian)
                    {
                        CheckHessian(programs, name, exact, active, at, direction, tally, where);
                    }
                    else
                    {
                        CheckGradient(programs, name, exact, active, at, direction, tally, where);
                    }
                }
            }
        }

        // Kinks are rare: most entries must have been compared, or the programs have drifted into ones central
        // differences cannot check.
        Assert.True(tally.Compared >= 0.8 * (tally.Compared + tally.Skipped), $"only {tally.Compared} of {tally.Compared + tally.Skipped} entries were compared with central differences (seed {seed})");
        Assert.True(tally.Threw > 0 && tally.Returned > tally.Threw, $"of the points, {tally.Threw} threw and {tally.Returned} returned: both must occur (seed {seed})");
        Console.WriteLine($"Random scalar programs{(hessian ? " (Hessians)" : "")}: {count} programs × {Points} points, {tally.Threw} threw, {tally.Compared} entries compared with central differences, {tally.Skipped} skipped at kinks, in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    /// <summary>All of x, y, z two times in three; else a random nonempty subset, in declaration order.</summary>
    private static int[] Active(Random random)
    {
        if (random.Next(3) > 0)
        {
            return new[] { 0, 1, 2 };
        }

        var mask = random.Next(1, 7);
        return Enumerable.Range(0, 3).Where(i => (mask & (1 << i)) != 0).ToArray();
    }

    /// <param name="active">The indices (x 0, y 1, z 2) of the parameters differentiated, in order.</param>
    private static void CheckGradient(Type programs, string name, bool exact, int[] active, Point at, double[] direction, Tally tally, string where)
    {
        var method = Outcome.Of(() => (double)Invoke(programs, name, at.Arguments()));
        var gradient = Outcome.Of(() => Gradient(programs, name, at, active.Length));
        var buffers = Outcome.Of(() => GradientIntoBuffers(programs, name, at, active.Length));
        var jvp = Outcome.Of(() => (ITuple)Invoke(programs, name + "Jvp", at.Arguments().Concat(direction.Cast<object>()).ToArray()));
        if (!Returned(method, tally, where, ("the gradient", gradient), ("the gradient into buffers", buffers), ("the JVP", jvp)))
        {
            return;
        }

        var value = method.Value;
        AssertValue(value, gradient.Value.Value, exact, "the gradient's value", where);
        AssertValue(value, buffers.Value.Value, exact, "the value of the gradient into buffers", where);
        AssertValue(value, (double)jvp.Value[0]!, exact, "the JVP's value", where);
        for (int r = 0; r < active.Length; r++)
        {
            var i = active[r];
            AssertBitwise(gradient.Value.Entries[r], buffers.Value.Entries[r], $"∂f/∂{Point.Names[i]} into a buffer", where);
            var central = Central(t => (double)Invoke(programs, name, at.Shifted(i, t).Arguments()));
            CompareCentral(gradient.Value.Entries[r], central, value, tally, $"∂f/∂{Point.Names[i]}", where);
        }

        var along = Enumerable.Range(0, active.Length).Sum(r => gradient.Value.Entries[r] * direction[r]);
        var magnitude = Enumerable.Range(0, active.Length).Sum(r => Math.Abs(gradient.Value.Entries[r] * direction[r]));
        var tangent = (double)jvp.Value[1]!;
        Assert.True(
            Math.Abs(tangent - along) <= 1e-9 * (1.0 + magnitude),
            $"the JVP's tangent along ({string.Join(", ", direction.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}) is {tangent:R}, the gradient along it {along:R}, {where}");
    }

    private static void CheckHessian(Type programs, string name, bool exact, int[] active, Point at, double[] direction, Tally tally, string where)
    {
        var method = Outcome.Of(() => (double)Invoke(programs, name, at.Arguments()));
        var hessian = Outcome.Of(() => (ITuple)Invoke(programs, name + "Hessian", at.Arguments()));
        var hvp = Outcome.Of(() => (ITuple)Invoke(programs, name + "Hvp", at.Arguments().Concat(direction.Cast<object>()).ToArray()));
        if (!Returned(method, tally, where, ("the Hessian", hessian), ("the Hessian-vector product", hvp)))
        {
            return;
        }

        var value = method.Value;
        AssertValue(value, (double)hessian.Value[0]!, exact, "the Hessian's value", where);
        AssertValue(value, (double)hvp.Value[0]!, exact, "the Hessian-vector product's value", where);
        var h = (double[,])hessian.Value[1]!;
        var size = active.Length;
        Assert.Equal(size, h.GetLength(0));
        Assert.Equal(size, h.GetLength(1));
        var scale = 1.0 + h.Cast<double>().Max(Math.Abs);
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < i; j++)
            {
                Assert.True(Math.Abs(h[i, j] - h[j, i]) <= 1e-9 * scale, $"H[{i}, {j}] = {h[i, j]:R} but H[{j}, {i}] = {h[j, i]:R}, {where}");
            }

            // Column i of H from central differences of the gradient (itself checked against the method's in the other test).
            for (int j = 0; j < size; j++)
            {
                var row = j;
                var central = Central(t => Gradient(programs, name, at.Shifted(active[i], t), size).Entries[row]);
                CompareCentral(h[j, i], central, Gradient(programs, name, at, size).Entries[j], tally, $"H[{j}, {i}]", where);
            }
        }

        for (int i = 0; i < size; i++)
        {
            var product = Enumerable.Range(0, size).Sum(j => h[i, j] * direction[j]);
            var magnitude = Enumerable.Range(0, size).Sum(j => Math.Abs(h[i, j] * direction[j]));
            var entry = (double)hvp.Value[1 + i]!;
            Assert.True(Math.Abs(entry - product) <= 1e-9 * (1.0 + magnitude), $"(H·v)[{i}] is {entry:R}, the Hessian times v {product:R}, {where}");
        }
    }

    private static double? Central(Func<double, double> at) => RandomPrograms.Central(at, Step);

    private static void CompareCentral(double actual, double? central, double value, Tally tally, string what, string where)
    {
        if (central is not { } expected)
        {
            tally.Skipped++;
            return;
        }

        tally.Compared++;
        Assert.True(
            Math.Abs(actual - expected) <= 1e-5 * (1.0 + Math.Abs(expected) + (1e-3 * Math.Abs(value))),
            $"{what} is {actual:R}, central differences {expected:R}, {where}");
    }

    /// <summary>
    /// Whether the method returned here (a finite value); where it threw, every companion threw the same exception, and
    /// where it returned, none threw. Counts the point either way.
    /// </summary>
    private static bool Returned(Outcome<double> method, Tally tally, string where, params (string What, IOutcome Outcome)[] companions)
    {
        if (SameThrow(method, where, companions))
        {
            tally.Threw++;
            return false;
        }

        tally.Returned++;
        Assert.True(double.IsFinite(method.Value), $"the method returns {method.Value:R}: ScalarPrograms made an unbounded program, {where}");
        return true;
    }

    /// <summary>Whether the method threw; if it did, each companion threw the same exception, and if not, none threw.</summary>
    private static bool SameThrow(Outcome<double> method, string where, params (string What, IOutcome Outcome)[] companions)
    {
        foreach (var (what, outcome) in companions)
        {
            Assert.True(
                method.Thrown?.GetType() == outcome.Thrown?.GetType(),
                $"the method {Describe(method.Thrown)} but {what} {Describe(outcome.Thrown)}, {where}");
        }

        return method.Thrown is not null;

        static string Describe(Exception? thrown) => thrown is null ? "returns" : $"throws {thrown.GetType().Name} ({thrown.Message})";
    }

    /// <summary>The method's value: bit for bit where <paramref name="exact"/>, else to 1e-10.</summary>
    private static void AssertValue(double expected, double actual, bool exact, string what, string where)
    {
        if (exact)
        {
            AssertBitwise(expected, actual, what, where);
        }
        else
        {
            Assert.True(Math.Abs(expected - actual) <= 1e-10 * (1.0 + Math.Abs(expected)), $"{what} is {actual:R}, the method's {expected:R}, {where}");
        }
    }

    private static void AssertBitwise(double expected, double actual, string what, string where) =>
        Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(actual), $"{what} is {actual:R}, the method's {expected:R}, {where}");

    /// <summary>The allocating overload's value and its <paramref name="count"/> partial derivatives.</summary>
    private static (double Value, double[] Entries) Gradient(Type programs, string name, Point at, int count)
    {
        var result = (ITuple)Invoke(programs, name + "Gradient", at.Arguments());
        Assert.Equal(count + 1, result.Length);
        return ((double)result[0]!, Enumerable.Range(1, count).Select(r => (double)result[r]!).ToArray());
    }

    /// <summary>The allocation-free overload, its out parameters holding NaN before the call.</summary>
    private static (double Value, double[] Entries) GradientIntoBuffers(Type programs, string name, Point at, int count)
    {
        var arguments = at.Arguments().Concat(Enumerable.Repeat<object>(double.NaN, count)).ToArray();
        var value = (double)Invoke(programs, name + "Gradient", arguments);
        return (value, Enumerable.Range(5, count).Select(r => (double)arguments[r]).ToArray());
    }

    private static object Invoke(Type programs, string name, object[] arguments) => RandomPrograms.Invoke(programs, name, arguments);

    private static double Uniform(Random random, double half) => ((random.NextDouble() * 2) - 1) * half;

    private sealed class Tally
    {
        public int Compared;
        public int Skipped;
        public int Threw;
        public int Returned;
    }

    private interface IOutcome
    {
        Exception? Thrown { get; }
    }

    /// <summary>What a call returned, or the exception it threw.</summary>
    private sealed record Outcome<T>(T Value, Exception? Thrown) : IOutcome;

    private static class Outcome
    {
        public static Outcome<T> Of<T>(Func<T> call)
        {
            try
            {
                return new Outcome<T>(call(), null);
            }
            catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
            {
                return new Outcome<T>(default!, exception);
            }
        }
    }

    /// <summary>x, y, z in [−1.5, 1.5], n in [0, 5], k in [0, 3] (a quarter of the points divide by zero where unguarded).</summary>
    private sealed record Point(double X, double Y, double Z, int N, int K)
    {
        public static readonly string[] Names = { "x", "y", "z" };

        public static Point Draw(Random random) => new(Uniform(random, 1.5), Uniform(random, 1.5), Uniform(random, 1.5), random.Next(6), random.Next(4));

        public object[] Arguments() => new object[] { X, Y, Z, N, K };

        public object[] SingleArguments() => new object[] { (float)X, (float)Y, (float)Z, N, K };

        public Point Shifted(int i, double t) => i switch
        {
            0 => this with { X = X + t },
            1 => this with { Y = Y + t },
            _ => this with { Z = Z + t },
        };

        public override string ToString() => FormattableString.Invariant($"x = {X:R}, y = {Y:R}, z = {Z:R}, n = {N}, k = {K}");
    }
}
