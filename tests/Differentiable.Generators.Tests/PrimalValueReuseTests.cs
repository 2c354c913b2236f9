using System.Text.RegularExpressions;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// exp′ = exp, √′ = 1/(2√), tanh′ = 1 − tanh² and ∛′ = 1/(3∛²) read the call's own value: in straight-line code the
/// companions read the value the primal computed instead of calling the function again, in double and in float.
/// </summary>
public sealed class PrimalValueReuseTests
{
    private const string Source = """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate]
            public static double Nested(double x, double y)
            {
                double r = Math.Sqrt(x * x + y * y + 1.0) - 1.0;
                return Math.Exp(-r * r) * Math.Tanh(x * y) + Math.Cbrt(x + 2.0) * r;
            }

            [Differentiate]
            public static float NestedSingle(float x, float y)
            {
                float r = MathF.Sqrt(x * x + y * y + 1f) - 1f;
                return MathF.Exp(-r * r) * MathF.Tanh(x * y) + MathF.Cbrt(x + 2f) * r;
            }
        }
        """;

    [Theory]
    [InlineData("Nested", "Math")]
    [InlineData("NestedSingle", "MathF")]
    public void EachFunctionIsCalledOncePerCompanion(string method, string library)
    {
        var run = GeneratorHarness.Run(Source);
        run.AssertClean();
        var text = run.Section("Model." + method);
        foreach (var companion in new[] { "Gradient", "Jvp" })
        {
            var body = Companion(text, method + companion);
            foreach (var function in new[] { "Exp", "Sqrt", "Tanh", "Cbrt" })
            {
                if (library == "MathF" && function == "Tanh")
                {
                    // 1 − tanh² cancels where tanh nears ±1: a float method's tanh′ calls Math.Tanh again, in double.
                    Assert.True(Count(body, "global::System.MathF.Tanh(") == 1 && Count(body, "global::System.Math.Tanh(") == 1, $"{method}{companion}'s tanh:\n{body}");
                    continue;
                }

                // Once, in the primal's own precision: a Math call beside a MathF one would be a second evaluation.
                var calls = Regex.Matches(body, $@"global::System\.MathF?\.{function}\(").Count;
                Assert.True(calls == 1 && Count(body, $"global::System.{library}.{function}(") == 1, $"{method}{companion} calls {function} {calls} times:\n{body}");
            }
        }
    }

    [Fact]
    public void ASharedLocalDoesNotTakeTheNameOfAVectorParameter()
    {
        // f0 is a Vector3 parameter, read as f0.X: the name of the local that holds the √ must be another one (CS0136).
        var run = GeneratorHarness.Run("""
            using System;
            using System.Numerics;
            using Differentiable;

            public static partial class Model
            {
                [Differentiate]
                public static float Length(Vector3 f0, float w) => MathF.Sqrt(f0.X * f0.X + w) * MathF.Sqrt(f0.X * f0.X + w);
            }
            """);
        run.AssertClean();
        Assert.Contains("float f1 = global::System.MathF.Sqrt(f0.X * f0.X + w);", run.Section("Model.Length"));
    }

    /// <summary>The code of one companion method, from its signature to the next companion's attribute, without comments.</summary>
    private static string Companion(string section, string name)
    {
        var start = section.IndexOf(" " + name + "(", System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"no companion {name}");
        var end = section.IndexOf("[global::System.CodeDom.Compiler.GeneratedCodeAttribute", start, System.StringComparison.Ordinal);
        var lines = (end < 0 ? section[start..] : section[start..end]).Split('\n');
        return string.Join("\n", System.Linq.Enumerable.Where(lines, line => !line.TrimStart().StartsWith("//", System.StringComparison.Ordinal)));
    }

    private static int Count(string text, string part) => text.Split(part).Length - 1;
}
