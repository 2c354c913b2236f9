using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Random loop programs (<see cref="LoopPrograms"/>), each compiled twice: as the user writes it, and as a twin marked
/// <c>Vectorize = false</c>, whose companions keep every loop as written. At several n (across the SIMD width and the
/// row blocks), with gradient buffers full of NaN:
/// <list type="bullet">
/// <item>the twin's gradient returns the method's value bit for bit, and its directional derivative matches central
/// differences of the method itself (independent truth);</item>
/// <item>the optimized gradient (fused sweeps, kernels, row blocks, lanes, batched outer products, known seeds, …)
/// matches the twin's to 1e-9 relative: the passes may reorder sums, never change a derivative;</item>
/// <item>the optimized tangent (JVP) matches the twin's gradient along the same direction.</item>
/// </list>
/// A failure prints the seed and the program: rerun with DIFFERENTIABLE_PROGRAMS_SEED=&lt;seed&gt; to replay it, and
/// DIFFERENTIABLE_PROGRAMS=&lt;count&gt; for a longer run.
/// </summary>
public sealed class RandomProgramTests
{
    private const int DefaultPrograms = 60;
    private static readonly int[] Sizes = { 1, 2, 5, 8, 13, 33, 70 };

    /// <summary>Comments the optimizing passes write where they rewrite a loop.</summary>
    private static readonly string[] Passes =
    {
        "// vectorized:", "// fused:", "// blocked:", "// lanes:", "// batched:", "// checked at run time:",
    };

    [Fact]
    public void OptimizedCompanionsAgreeWithLoopsAsWrittenAndWithCentralDifferences()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS_SEED"), out var s) ? s : 20261123;
        var count = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS"), out var c) ? c : DefaultPrograms;
        var stopwatch = Stopwatch.StartNew();
        var random = new Random(seed);
        var bodies = Enumerable.Range(0, count).Select(_ => LoopPrograms.Body(random)).ToArray();

        var source = new StringBuilder("using System;\nusing Differentiable;\n\npublic static partial class Programs\n{\n");
        for (int k = 0; k < count; k++)
        {
            foreach (var (name, attribute) in new[] { ($"P{k}", "[Differentiate]"), ($"P{k}Scalar", "[Differentiate(Vectorize = false)]") })
            {
                source.Append("    ").AppendLine(attribute)
                    .Append("    public static double ").Append(name).AppendLine("(double[,] W, double[] x, double[] v, double c)")
                    .AppendLine("    {").Append(bodies[k]).AppendLine("    }").AppendLine();
            }
        }

        source.AppendLine("}");
        var run = GeneratorHarness.Run(source.ToString());
        if (Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS_DUMP") is { Length: > 0 } dump)
        {
            // For a failure's post-mortem: the programs and every generated file.
            Directory.CreateDirectory(dump);
            File.WriteAllText(Path.Combine(dump, "Programs.cs"), source.ToString());
            foreach (var file in run.Sources)
            {
                File.WriteAllText(Path.Combine(dump, file.HintName), file.SourceText.ToString());
            }
        }

        run.AssertClean();
        var programs = Load(run).GetType("Programs")!;

        // The programs reach the passes this test is for: each leaves its comment in some optimized companion.
        var optimized = run.Sources.Where(file => !file.HintName.Contains("Scalar", StringComparison.Ordinal)).Select(file => file.SourceText.ToString()).ToArray();
        var twins = run.Sources.Where(file => file.HintName.Contains("Scalar", StringComparison.Ordinal)).Select(file => file.SourceText.ToString()).ToArray();
        foreach (var pass in Passes)
        {
            var reached = optimized.Count(text => text.Contains(pass, StringComparison.Ordinal));
            Console.WriteLine($"{pass} {reached}");
            Assert.True(reached > 0, $"no optimized companion of the {count} programs has \"{pass}\": the programs no longer reach that pass");
            Assert.DoesNotContain(twins, text => text.Contains(pass, StringComparison.Ordinal));
        }

        var checks = 0;
        for (int k = 0; k < count; k++)
        {
            string Replay() => $"program P{k} (DIFFERENTIABLE_PROGRAMS_SEED={seed}):\n{bodies[k]}";
            foreach (var n in Sizes)
            {
                try
                {
                    Check(programs, $"P{k}", n, new Random(HashCode.Combine(seed, k, n)), Replay);
                    checks++;
                }
                catch (TargetInvocationException exception)
                {
                    Assert.Fail($"n = {n}: {exception.InnerException} in {Replay()}");
                }
            }
        }

        Console.WriteLine($"Random programs: {count} programs × {Sizes.Length} sizes ({checks} checks) in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    private static void Check(Type programs, string name, int n, Random random, Func<string> replay)
    {
        var W = Matrix(random, n, 1.0 / Math.Sqrt(n));
        var x = Vector(random, n);
        var v = Vector(random, n);
        var c = random.NextDouble() * 2 - 1;
        var inputs = new object[] { W, x, v, c };
        var copies = new object[] { W.Clone(), x.Clone(), v.Clone(), c };

        double value = (double)Method(programs, name, 4).Invoke(null, inputs)!;
        var scalar = Gradient(programs, name + "Scalar", inputs, n);
        var optimized = Gradient(programs, name, inputs, n);
        AssertInputsUnchanged(inputs, copies, n, replay);

        // The twin keeps every loop as written: the method's value, bit for bit.
        Assert.True(
            BitConverter.DoubleToInt64Bits(scalar.Value) == BitConverter.DoubleToInt64Bits(value),
            $"n = {n}: the twin's gradient returns {scalar.Value:R}, the method {value:R}, in {replay()}");
        Close(value, optimized.Value, 1e-10, $"n = {n}: the optimized gradient's value", replay);

        var scale = 1.0 + scalar.Entries.Max(Math.Abs);
        for (int e = 0; e < scalar.Entries.Length; e++)
        {
            Assert.True(
                Math.Abs(scalar.Entries[e] - optimized.Entries[e]) <= 1e-9 * scale,
                $"n = {n}: gradient entry {e} ({scalar.Label(e)}): optimized {optimized.Entries[e]:R}, as written {scalar.Entries[e]:R}, in {replay()}");
        }

        // Central differences along a random direction, against the twin's gradient.
        var dW = Matrix(random, n, 1.0);
        var dx = Vector(random, n);
        var dv = Vector(random, n);
        var dc = random.NextDouble() * 2 - 1;
        var direction = Flatten(dW, dx, dv, dc);
        double along = 0.0, magnitude = 0.0;
        for (int e = 0; e < direction.Length; e++)
        {
            along += scalar.Entries[e] * direction[e];
            magnitude += Math.Abs(scalar.Entries[e] * direction[e]);
        }

        const double Step = 1e-6;
        double At(double t) => (double)Method(programs, name, 4).Invoke(null, new object[] { Shift(W, dW, t), Shift(x, dx, t), Shift(v, dv, t), c + (t * dc) })!;
        var central = (At(Step) - At(-Step)) / (2 * Step);
        Assert.True(
            Math.Abs(central - along) <= 1e-5 * (1.0 + magnitude + Math.Abs(value)),
            $"n = {n}: the gradient along a direction is {along:R}, central differences {central:R}, in {replay()}");

        // The optimized tangent along the same direction.
        var jvp = (ITuple)Method(programs, name + "Jvp", 8).Invoke(null, new object[] { W, x, v, c, dW, dx, dv, dc })!;
        Close(value, (double)jvp[0]!, 1e-10, $"n = {n}: the tangent's value", replay);
        Assert.True(
            Math.Abs(along - (double)jvp[1]!) <= 1e-9 * (1.0 + magnitude),
            $"n = {n}: the optimized tangent is {(double)jvp[1]!:R}, the gradient along the same direction {along:R}, in {replay()}");
    }

    private sealed record GradientResult(double Value, double[] Entries, int N)
    {
        public string Label(int e) => e < N * N ? $"dW[{e / N}, {e % N}]" : e < (N * N) + N ? $"dx[{e - (N * N)}]" : e < (N * N) + (2 * N) ? $"dv[{e - (N * N) - N}]" : "dc";
    }

    private static GradientResult Gradient(Type programs, string name, object[] inputs, int n)
    {
        var dW = new double[n, n];
        var dx = new double[n];
        var dv = new double[n];
        Fill(dW);
        Array.Fill(dx, double.NaN);
        Array.Fill(dv, double.NaN);
        var arguments = inputs.Concat(new object?[] { dW, dx, dv, null }).ToArray();
        var value = (double)Method(programs, name + "Gradient", 8).Invoke(null, arguments)!;
        return new GradientResult(value, Flatten(dW, dx, dv, (double)arguments[7]!), n);
    }

    private static void Close(double expected, double actual, double relative, string what, Func<string> replay) =>
        Assert.True(
            Math.Abs(expected - actual) <= relative * (1.0 + Math.Abs(expected)),
            $"{what} is {actual:R}, expected {expected:R}, in {replay()}");

    private static void AssertInputsUnchanged(object[] inputs, object[] copies, int n, Func<string> replay)
    {
        for (int p = 0; p < 3; p++)
        {
            var now = ((Array)inputs[p]).Cast<double>().ToArray();
            var before = ((Array)copies[p]).Cast<double>().ToArray();
            Assert.True(now.SequenceEqual(before), $"n = {n}: a companion changed input {p} in {replay()}");
        }
    }

    private static MethodInfo Method(Type programs, string name, int parameters) =>
        programs.GetMethods().Single(m => m.Name == name && m.GetParameters().Length == parameters);

    private static double[] Flatten(double[,] W, double[] x, double[] v, double c) =>
        W.Cast<double>().Concat(x).Concat(v).Append(c).ToArray();

    private static double[,] Shift(double[,] a, double[,] d, double t)
    {
        var result = (double[,])a.Clone();
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                result[i, j] += t * d[i, j];
            }
        }

        return result;
    }

    private static double[] Shift(double[] a, double[] d, double t) => a.Select((e, i) => e + (t * d[i])).ToArray();

    private static void Fill(double[,] a)
    {
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                a[i, j] = double.NaN;
            }
        }
    }

    private static double[,] Matrix(Random random, int n, double scale)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m[i, j] = scale * ((random.NextDouble() * 2) - 1);
            }
        }

        return m;
    }

    private static double[] Vector(Random random, int n) => Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2) - 1).ToArray();

    private static Assembly Load(GeneratorRun run)
    {
        using var stream = new MemoryStream();
        var emit = run.Output.WithOptions(run.Output.Options.WithOptimizationLevel(OptimizationLevel.Release)).Emit(stream);
        Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
        return Assembly.Load(stream.ToArray());
    }
}
