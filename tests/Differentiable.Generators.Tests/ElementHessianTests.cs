using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Hessians of windowed sums assembled from element Hessians (second partials derived at compile time): random bodies
/// checked against central differences of the reverse-mode gradient, against the reverse-over-forward Hessian-vector
/// product (another derivation of the same matrix), for exact symmetry and for the value (bit for bit without the SIMD
/// maps, within 10⁻¹³ with them); and bodies the
/// element form must leave to compressed columns.
/// </summary>
public class ElementHessianTests
{
    private const int Programs = 30;
    // From 2: the programs read x[0] and x[1].
    private static readonly int[] Sizes = { 2, 3, 6, 11 };

    [Fact]
    public void ElementHessiansOfRandomWindowedSumsAgreeWithCentralDifferencesAndWithHessianVectorProducts() =>
        RunPrograms(loop: true);

    [Fact]
    public void ElementHessiansOfRandomStraightLineCodeAgreeWithCentralDifferencesAndWithHessianVectorProducts() =>
        RunPrograms(loop: false);

    [Fact]
    public void LoopsWithConstantBoundsArriveUnrolledAndTakeTheStraightLineForm()
    {
        var bodies = new[]
        {
            """
                    const int N = 2;
                    double f = 0.0;
                    for (int i = 0; i < N; i++)
                    {
                        f += s * x[i] * x[i] + Math.Sin(x[i] * c + x[i + 1]);
                    }

                    return f;
            """,
            """
                    double f = 1.0;
                    for (int i = 0; i < 2; i++)
                    {
                        double a = x[i + 1] - x[i] * s;
                        f = f * (1.0 + a * a);
                    }

                    return Math.Log(f);
            """,
        };
        // x[i + 1] at i = 1: three elements at least.
        RunBodies(bodies, 20261123, straightLine: true, sizes: new[] { 3, 6 });
    }

    [Fact]
    public void HessiansWhoseEntriesSkipAParameterCompileWithoutWarnings()
    {
        // The offset of a parameter no entry reaches was declared anyway (int cAt = 1 + 1;): CS0219, an error for a
        // consumer that treats warnings as errors.
        var run = GeneratorHarness.Run("""
            using System;
            using Differentiable;

            public static partial class M
            {
                [Differentiate(Hessian = true)]
                public static double Larger(double x, double y) => Math.Max(x, y);

                [Differentiate(Hessian = true)]
                public static double Fma(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);
            }
            """);
        run.AssertClean();
        var fma = run.Load().GetType("M")!.GetMethod("FmaHessian")!;
        var hessian = (double[,])((System.Runtime.CompilerServices.ITuple)fma.Invoke(null, new object[] { 2.0, 3.0, 5.0 })!)[1]!;
        Assert.Equal(new double[,] { { 0, 1, 0 }, { 1, 0, 0 }, { 0, 0, 0 } }, hessian);
    }

    /// <summary>
    /// Random programs of (x, s, c), differentiated with respect to x and s: compiled with their companions, each
    /// checked at every size; every one must have taken the element form.
    /// </summary>
    private static void RunPrograms(bool loop)
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS_SEED"), out var s) ? s : 20261123;
        var random = new Random(loop ? seed : seed + 1);
        RunBodies(Enumerable.Range(0, Programs).Select(_ => loop ? WindowedSum(random) : StraightLine(random)).ToArray(), seed, straightLine: !loop, Sizes);
    }

    private static void RunBodies(string[] bodies, int seed, bool straightLine, int[] sizes)
    {
        var source = new StringBuilder("using System;\nusing Differentiable;\n\npublic static partial class Sums\n{\n");
        for (int k = 0; k < bodies.Length; k++)
        {
            // And a twin without the kernels, whose Hessian's value must be the method's bit for bit (SIMD exp, log and
            // tanh maps, which the element form's loops now get, are within 2 ulp).
            foreach (var (suffix, vectorize) in new[] { ("", ""), ("Exact", ", Vectorize = false") })
            {
                source.AppendLine($"    [Differentiate(nameof(x), nameof(s), Hessian = true{vectorize})]")
                    .Append("    public static double S").Append(k.ToString(CultureInfo.InvariantCulture)).Append(suffix).AppendLine("(double[] x, double s, double c)")
                    .AppendLine("    {").Append(bodies[k]).AppendLine("    }").AppendLine();
            }
        }

        source.AppendLine("}");
        var run = GeneratorHarness.Run(source.ToString());
        run.AssertClean();
        var sums = run.Load(optimized: true).GetType("Sums")!;
        for (int k = 0; k < bodies.Length; k++)
        {
            string Replay() => $"program S{k} (DIFFERENTIABLE_PROGRAMS_SEED={seed}):\n{bodies[k]}";
            foreach (var name in new[] { $"S{k}", $"S{k}Exact" })
            {
                var section = run.Section(name);
                var form = straightLine ? "H: the value's second partials" : "Element Hessians";
                Assert.True(section.Contains(form, StringComparison.Ordinal), $"the element form was not used for {name}, {Replay()}\n{section.Substring(section.IndexOf("Hessian(double", StringComparison.Ordinal))}");
                foreach (var n in sizes)
                {
                    try
                    {
                        Check(sums, name, n, new Random(unchecked((seed * 7919) + (k * 104_729) + n)), Replay);
                    }
                    catch (TargetInvocationException exception)
                    {
                        Assert.Fail($"n = {n}: {exception.InnerException} in {name}, {Replay()}");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Bodies a review found wrong before they were fixed: a partial that is a local assigned again later, integer
    /// operands (3 / 2 as integer division, 65536 · 65536 overflowing), a loop bound that reads the loop variable, and
    /// xʸ with both varying at y = 0, where the rules' two mixed partials differ.
    /// </summary>
    [Theory]
    [InlineData("double p = 1.0; p *= x[0]; p *= x[1]; return p;")]
    [InlineData("double u = 2.0; double v = u * x[0]; u = 3.0; return v * v + u;")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length; i++) { double w = 2.0; w = w * x[i]; f += w * w; } return f;")]
    [InlineData("double u = 1.5; double v = Math.FusedMultiplyAdd(u, x[1], 0.0); u = 0.0; return v * v * x[0];")]
    [InlineData("double a = 3 * x[0] / 2; return a * a;")]
    [InlineData("return 3 * x[0] * x[1] / 2;")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length - 1; i++) { f += i * x[i] * x[i + 1] / 2; } return f;")]
    [InlineData("return (65536 * x[0]) * (65536 * x[1]);")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length - i; i++) { f += x[0] * x[0] * x[i]; } return f;")]
    [InlineData("return Math.Pow(x[0], x[1]);")]
    public void HessiansOfBodiesOnceWrongAgreeWithCentralDifferences(string body)
    {
        var run = GeneratorHarness.Run($$"""
            using System;
            using Differentiable;

            public static partial class Sums
            {
                [Differentiate(Hessian = true)]
                public static double Sum(double[] x)
                {
                    {{body}}
                }
            }
            """);
        run.AssertClean();
        var sums = run.Load(optimized: true).GetType("Sums")!;
        foreach (var x in new[] { new[] { 1.7, 0.0 }, new[] { 0.8, -0.6, 1.3, 0.4 } })
        {
            var (value, hessian) = ((double, double[,]))Method(sums, "SumHessian", 1).Invoke(null, new object[] { x })!;
            Assert.Equal((double)Method(sums, "Sum", 1).Invoke(null, new object[] { x })!, value);
            AssertAgreesWithCentralDifferences(sums, "Sum", x, Array.Empty<object>(), hessian, () => body);
        }
    }

    /// <summary>
    /// Bodies a second review found wrong: int operands the partials did not recognise as int (elements of int arrays,
    /// int fields, int-valued conditionals and calls) divided or multiplied as ints, and calls bound to double temporaries
    /// whatever they returned (Math.Sign and Max of ints are ints; an int temporary indexing an array). Float arithmetic
    /// keeps Hessian-vector products.
    /// </summary>
    [Theory]
    [InlineData("return x[0] * x[1] * k[0] / k[1];")]
    [InlineData("return x[0] * x[1] * K / K2;")]
    [InlineData("return x[0] * x[1] * (b ? 3 : 5) / (b ? 2 : 4);")]
    [InlineData("return (x[0] * (b ? 100000 : 70000)) * (x[1] * (b ? 100000 : 70000));")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length - 1; i++) { f += x[i] * x[i + 1] * k[i] / k[i + 1]; } return f;")]
    [InlineData("return x[0] * x[1] * (Math.Max(n, 1) / Math.Min(n, 5));")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length - 1; i++) { f += x[i] * x[i + 1] * (Math.Abs(n - 10) / Math.Abs(i - 10)); } return f;")]
    [InlineData("return x[0] * x[0] * (Math.Sign(n) / 2 + 1);")]
    [InlineData("return x[1] * x[1] * (Math.Sign(y[1]) / 2) + x[0] * x[1] * (Math.Sign(y[0]) + 1);")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length; i++) { f += y[Math.Max(i - 1, 0)] * x[i] * x[i]; } return f;")]
    [InlineData("return x[0] * x[1] * (MathF.Sqrt(g) * g);")]
    [InlineData("double f = 0.0; for (int i = 0; i < x.Length; i++) { f += x[i] * x[i] * (MathF.Max(g, 0.5f) / 3.1f); } return f;")]
    public void HessiansOfBodiesWithIntAndFloatOperandsAgreeWithCentralDifferences(string body)
    {
        var run = GeneratorHarness.Run($$"""
            using System;
            using Differentiable;

            public static partial class Sums
            {
                private static int K = 3, K2 = 2;

                [Differentiate(nameof(x), Hessian = true)]
                public static double Sum(double[] x, int[] k, bool b, int n, double[] y, float g)
                {
                    {{body}}
                }
            }
            """);
        run.AssertClean();
        var sums = run.Load(optimized: true).GetType("Sums")!;
        foreach (var (b, n) in new[] { (true, 7), (false, -3) })
        {
            foreach (var x in new[] { new[] { 0.83, -0.78 }, new[] { 0.72, 0.21, -1.3, 0.45, 0.9 } })
            {
                object[] rest = [new[] { 6, 5, 2, 4, 3 }, b, n, new[] { 0.5, -1.5, 2.5, 0.25, 1.0 }, 2.805f];
                var arguments = new object[] { x }.Concat(rest).ToArray();
                var (value, hessian) = ((double, double[,]))Method(sums, "SumHessian", 6).Invoke(null, arguments)!;
                Assert.Equal((double)Method(sums, "Sum", 6).Invoke(null, arguments)!, value);
                AssertAgreesWithCentralDifferences(sums, "Sum", x, rest, hessian, () => $"{body} with b = {b}, n = {n}");
            }
        }
    }

    [Fact]
    public void ACallUnderAConditionalIsNotEvaluatedWhereTheConditionalSkipsIt()
    {
        var run = GeneratorHarness.Run("""
            using System;
            using Differentiable;

            public static partial class Sums
            {
                [Differentiate(nameof(x), Hessian = true)]
                public static double Guarded(double[] x, double[] a, int k) => (k < a.Length ? Math.Exp(a[k]) : 1.0) * x[0] * x[1];
            }
            """);
        run.AssertClean();
        var sums = run.Load(optimized: true).GetType("Sums")!;
        double[] x = [0.3, -1.1];
        var (value, hessian) = ((double, double[,]))Method(sums, "GuardedHessian", 3).Invoke(null, new object[] { x, new[] { 0.5 }, 5 })!;
        Assert.Equal(0.3 * -1.1, value);
        Assert.Equal(1.0, hessian[0, 1]);
        Assert.Equal(1.0, hessian[1, 0]);
    }

    [Theory]
    [InlineData("double a = x[i] % 2.0 + x[i + 1];", "f += a * a;")]
    [InlineData("double a = i > 0 ? x[i - 1] : 0.0;", "f += a * x[i] * x[i];")]
    [InlineData("double a = x[i] > 0.5 ? x[i + 1] : x[i];", "f += a * a;")]
    public void TermsTheElementFormCannotDeriveKeepCompressedColumns(string local, string term)
    {
        var source = $$"""
            using System;
            using Differentiable;

            public static partial class Sums
            {
                [Differentiate(Hessian = true)]
                public static double Sum(double[] x)
                {
                    double f = 0.0;
                    for (int i = 0; i < x.Length - 1; i++)
                    {
                        {{local}}
                        {{term}}
                    }

                    return f;
                }
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertClean();
        var section = run.Section("Sum");
        Assert.DoesNotContain("Element Hessians", section, StringComparison.Ordinal);
        Assert.Contains("Compressed columns", section, StringComparison.Ordinal);
        var sums = run.Load(optimized: true).GetType("Sums")!;
        foreach (var n in new[] { 1, 2, 7 })
        {
            var x = Enumerable.Range(0, n).Select(i => 0.3 + (0.7 * Math.Sin(1.0 + (2.3 * i)))).ToArray();
            var hessian = (double[,])((ITuple)Method(sums, "SumHessian", 1).Invoke(null, new object[] { x })!)[1]!;
            AssertAgreesWithCentralDifferences(sums, "Sum", x, Array.Empty<object>(), hessian, () => $"{local} {term}");
        }
    }

    private static void Check(Type sums, string name, int n, Random random, Func<string> replay)
    {
        var x = Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2.4) - 1.2).ToArray();
        var s = (random.NextDouble() * 2.4) - 1.2;
        var c = 0.5 + random.NextDouble();
        var v = Enumerable.Range(0, n + 1).Select(_ => (random.NextDouble() * 2.0) - 1.0).ToArray();
        var value = (double)Method(sums, name, 3).Invoke(null, new object[] { x, s, c })!;
        Assert.True(double.IsFinite(value), $"n = {n}: the method returns {value:R}: the test made an unbounded program, in {replay()}");

        var (hessianValue, hessian) = ((double, double[,]))Method(sums, name + "Hessian", 3).Invoke(null, new object[] { x, s, c })!;
        Assert.True(
            name.EndsWith("Exact", StringComparison.Ordinal) ? value.Equals(hessianValue) : Math.Abs(value - hessianValue) <= 1e-13 * Math.Max(1.0, Math.Abs(value)),
            $"n = {n}: the Hessian's value {hessianValue:R} is not the method's {value:R}, in {name}, {replay()}");
        Assert.Equal(n + 1, hessian.GetLength(0));
        for (int p = 0; p <= n; p++)
        {
            for (int q = 0; q < p; q++)
            {
                Assert.True(hessian[p, q].Equals(hessian[q, p]), $"n = {n}: H[{p}, {q}] = {hessian[p, q]:R}, H[{q}, {p}] = {hessian[q, p]:R}, in {replay()}");
            }
        }

        // H·v against the reverse-over-forward product: two derivations of the same second derivatives.
        var product = (ITuple)Method(sums, name + "Hvp", 5).Invoke(null, new object[] { x, s, c, v.Take(n).ToArray(), v[n] })!;
        var hv = ((double[])product[1]!).Append((double)product[2]!).ToArray();
        var scale = 1.0 + hv.Max(Math.Abs);
        for (int p = 0; p <= n; p++)
        {
            double sum = 0.0;
            for (int q = 0; q <= n; q++)
            {
                sum += hessian[p, q] * v[q];
            }

            Assert.True(Math.Abs(sum - hv[p]) <= 1e-9 * scale, $"n = {n}: (H·v)[{p}] is {sum:R}, the Hessian-vector product {hv[p]:R}, in {replay()}");
        }

        // Central differences of the reverse-mode gradient over (x, s), column by column.
        const double Step = 1e-5;
        var gradient = Method(sums, name + "Gradient", 3);
        double[] GradientAt(double[] point)
        {
            var result = (ITuple)gradient.Invoke(null, new object[] { point.Take(n).ToArray(), point[n], c })!;
            return ((double[])result[1]!).Append((double)result[2]!).ToArray();
        }

        var at = x.Append(s).ToArray();
        for (int q = 0; q <= n; q++)
        {
            var plus = (double[])at.Clone();
            var minus = (double[])at.Clone();
            plus[q] += Step;
            minus[q] -= Step;
            var (gPlus, gMinus) = (GradientAt(plus), GradientAt(minus));
            for (int p = 0; p <= n; p++)
            {
                var central = (gPlus[p] - gMinus[p]) / (2 * Step);
                var tolerance = 1e-5 * (1.0 + Math.Abs(central) + Math.Abs(gPlus[p]));
                Assert.True(
                    Math.Abs(central - hessian[p, q]) <= tolerance,
                    $"n = {n}: H[{p}, {q}] is {hessian[p, q]:R}, central differences of the gradient {central:R}, in {replay()}");
            }
        }
    }

    /// <summary>Each column of H against central differences of the generated gradient along that coordinate.</summary>
    private static void AssertAgreesWithCentralDifferences(Type sums, string name, double[] x, object[] rest, double[,] hessian, Func<string> replay)
    {
        const double Step = 1e-5;
        var gradient = Method(sums, name + "Gradient", 1 + rest.Length);
        double[] GradientAt(double[] at) => (double[])((ITuple)gradient.Invoke(null, new object[] { at }.Concat(rest).ToArray())!)[1]!;
        var n = x.Length;
        for (int q = 0; q < n; q++)
        {
            var plus = (double[])x.Clone();
            var minus = (double[])x.Clone();
            plus[q] += Step;
            minus[q] -= Step;
            var (gPlus, gMinus) = (GradientAt(plus), GradientAt(minus));
            for (int p = 0; p < n; p++)
            {
                var central = (gPlus[p] - gMinus[p]) / (2 * Step);
                var scale = 1.0 + Math.Abs(central) + Math.Abs(gPlus[p]);
                Assert.True(
                    Math.Abs(central - hessian[p, q]) <= 1e-5 * scale,
                    $"n = {n}: H[{p}, {q}] is {hessian[p, q]:R}, central differences of the gradient {central:R}, in {replay()}");
            }
        }
    }

    /// <summary>
    /// A random windowed sum: straight-line locals of x[0], x[1], s and c, then a loop whose bounds keep x[i + o] inside
    /// x for the offsets o it reads, with locals built from the window, x[0], x[1] and s (some assigned twice), terms
    /// added or subtracted, smooth functions with bounded arguments, and conditionals that choose between locals.
    /// </summary>
    private static string WindowedSum(Random random)
    {
        var offsets = Enumerable.Range(-2, 5).Where(_ => random.Next(2) == 0).DefaultIfEmpty(0).ToArray();
        var low = Math.Max(0, -offsets.Min());
        var high = Math.Max(0, offsets.Max());
        var body = new StringBuilder();
        var locals = new List<string>();
        for (int p = 0; p < random.Next(0, 3); p++)
        {
            var name = "p" + p.ToString(CultureInfo.InvariantCulture);
            body.AppendLine(CultureInfo.InvariantCulture, $"        double {name} = {Expression(random, Array.Empty<int>(), locals, 2)};");
            locals.Add(name);
        }

        body.AppendLine(CultureInfo.InvariantCulture, $"        double f = {random.Next(-2, 3)}.5;");
        body.AppendLine(CultureInfo.InvariantCulture, $"        for (int i = {low}; i < x.Length - {high}; i++)");
        body.AppendLine("        {");
        var own = new List<string>();
        var statements = random.Next(1, 5);
        for (int s = 0; s < statements; s++)
        {
            if (own.Count > 0 && random.Next(4) == 0)
            {
                var target = own[random.Next(own.Count)];
                body.AppendLine(CultureInfo.InvariantCulture, $"            {target} = {Expression(random, offsets, locals, 2)};");
            }
            else
            {
                var name = "a" + s.ToString(CultureInfo.InvariantCulture);
                body.AppendLine(CultureInfo.InvariantCulture, $"            double {name} = {Expression(random, offsets, locals, 2)};");
                locals.Add(name);
                own.Add(name);
            }
        }

        var terms = random.Next(1, 3);
        for (int t = 0; t < terms; t++)
        {
            body.AppendLine(CultureInfo.InvariantCulture, $"            f {(random.Next(3) == 0 ? "-=" : "+=")} {Expression(random, offsets, locals, 3)};");
        }

        body.AppendLine("        }");
        body.AppendLine();
        body.AppendLine("        return f;");
        return body.ToString();
    }

    /// <summary>Random straight-line code over x[0], x[1], s and c: locals (some assigned twice), then the returned expression.</summary>
    private static string StraightLine(Random random)
    {
        var body = new StringBuilder();
        var locals = new List<string>();
        var statements = random.Next(0, 5);
        for (int s = 0; s < statements; s++)
        {
            if (locals.Count > 0 && random.Next(4) == 0)
            {
                var target = locals[random.Next(locals.Count)];
                body.AppendLine(CultureInfo.InvariantCulture, $"        {target} {(random.Next(2) == 0 ? "=" : "+=")} {Expression(random, Array.Empty<int>(), locals, 2)};");
            }
            else
            {
                var name = "a" + s.ToString(CultureInfo.InvariantCulture);
                body.AppendLine(CultureInfo.InvariantCulture, $"        double {name} = {Expression(random, Array.Empty<int>(), locals, 2)};");
                locals.Add(name);
            }
        }

        body.AppendLine(CultureInfo.InvariantCulture, $"        return {Expression(random, Array.Empty<int>(), locals, 3)};");
        return body.ToString();
    }

    private static string Expression(Random random, int[] offsets, List<string> locals, int depth)
    {
        if (depth == 0 || random.Next(4) == 0)
        {
            return random.Next(8) switch
            {
                0 => "c",
                1 => "s",
                2 when locals.Count > 0 => locals[random.Next(locals.Count)],
                3 => (random.Next(1, 20) / 4.0).ToString("0.0#", CultureInfo.InvariantCulture),
                4 => random.Next(2) == 0 ? "x[0]" : "x[1]",
                _ when offsets.Length == 0 => random.Next(3) switch { 0 => "s", 1 => "x[0]", _ => "x[1]" },
                _ => Element(random, offsets),
            };
        }

        string Next() => Expression(random, offsets, locals, depth - 1);
        return random.Next(11) switch
        {
            0 => $"({Next()} + {Next()})",
            1 => $"({Next()} - {Next()})",
            2 or 3 => $"({Next()} * {Next()})",
            4 => Square(Next(), e => $"({Next()} / (1.5 + {e}))"),
            5 => $"Math.Sin({Next()})",
            6 => $"Math.Exp(Math.Tanh({Next()}))",
            7 => Square(Next(), e => $"Math.Sqrt(1.0 + {e})"),
            8 => $"Math.Log(2.0 + Math.Cos({Next()}))",
            // Branches of locals and constants: an element read on one branch only keeps Hessian-vector products.
            9 => $"({Next()} > {Next()} ? {Chosen(random, locals)} : {Chosen(random, locals)})",
            _ => $"-({Next()})",
        };
    }

    // e·e, never negative, so divisors and square roots stay away from 0 and below.
    private static string Square(string e, Func<string, string> use) => use($"{e} * {e}");

    private static string Chosen(Random random, List<string> locals) =>
        locals.Count > 0 && random.Next(3) > 0 ? locals[random.Next(locals.Count)] : "c";

    private static string Element(Random random, int[] offsets)
    {
        var o = offsets[random.Next(offsets.Length)];
        return o switch
        {
            0 => "x[i]",
            > 0 => $"x[i + {o}]",
            _ => $"x[i - {-o}]",
        };
    }

    private static MethodInfo Method(Type type, string name, int parameters) =>
        type.GetMethods().Single(m => m.Name == name && m.GetParameters().Length == parameters && m.ReturnType != typeof(void) && !m.GetParameters().Any(p => p.IsOut));
}
