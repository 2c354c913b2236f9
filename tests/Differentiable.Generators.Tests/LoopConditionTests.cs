using System;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// A value the parser computes once into a local before its statement (a Normalize's length, a long sum's first 128
/// terms) must not be, where the statement evaluates it more than once: a while loop's condition.
/// </summary>
public sealed class LoopConditionTests
{
    [Fact]
    public void ANormalizeInALoopConditionIsEvaluatedEachTime()
    {
        // Normalize's length was hoisted before the statement, which for a while is before the loop: computed once.
        var m = Load("""
                /// <summary>Steps up until the direction turns past 60°.</summary>
                /// <param name="v">The start.</param>
                /// <param name="s">The step.</param>
                /// <returns>The sum of the heights visited.</returns>
                [Differentiate]
                public static float F(Vector2 v, float s)
                {
                    var u = v;
                    float t = 0f;
                    int k = 0;
                    while (Vector2.Normalize(u).X > 0.5f && k < 50)
                    {
                        u = u + new Vector2(0f, s);
                        t += u.Y;
                        k++;
                    }

                    return t;
                }
            """);
        var v = new Vector2(1f, 0f);
        var expected = (float)m.GetMethod("F")!.Invoke(null, new object[] { v, 0.25f })!;
        var result = (ITuple)m.GetMethod("FGradient", new[] { typeof(Vector2), typeof(float) })!.Invoke(null, new object[] { v, 0.25f })!;
        Assert.Equal(expected, (float)(double)result[0]!);
        var jvp = (ITuple)m.GetMethod("FJvp")!.Invoke(null, new object[] { v, 0.25f, Vector2.Zero, 1f })!;
        Assert.Equal(expected, (float)(double)jvp[0]!);
    }

    [Fact]
    public void ALongSumInALoopConditionIsEvaluatedEachTime()
    {
        // The first 128 terms of a sum were bound to a local before the loop.
        var terms = string.Join(" + ", Enumerable.Repeat("s", 130));
        var m = Load($$"""
                /// <summary>Counts up until 130·s reaches 1000.</summary>
                /// <param name="s">The start.</param>
                /// <returns>Where it stopped, scaled by the start.</returns>
                [Differentiate]
                public static double F(double s)
                {
                    double c = s;
                    int k = 0;
                    while ({{terms.Replace("s", "c", StringComparison.Ordinal)}} < 1000.0 && k < 100)
                    {
                        c += 1.0;
                        k++;
                    }

                    return c * s;
                }
            """);
        foreach (var s in new[] { 0.5, 3.25 })
        {
            var expected = (double)m.GetMethod("F")!.Invoke(null, new object[] { s })!;
            var arguments = new object?[] { s, null };
            var value = (double)m.GetMethod("FGradient", new[] { typeof(double), typeof(double).MakeByRefType() })!.Invoke(null, arguments)!;
            Assert.Equal(expected, value);
            // c = s + k with k fixed near s: ∂(c·s)/∂s = s + c.
            Assert.Equal(s + (expected / s), (double)arguments[1]!, 9);
        }
    }

    /// <summary>
    /// A for loop whose limit is not an int, or reads the loop variable, is no counted loop: i &lt;= n − 2.5 was taken for
    /// i &lt; n − 2.5 + 1 (a gradient's value 0.146 where the method returns 0), i &lt; 0.9·n became a double argument of
    /// the dot kernel (CS1503), and i &lt; n − i read i before its declaration in the reverse loop (CS0165). They now run
    /// as written.
    /// </summary>
    [Theory]
    [InlineData("for (int i = 1; i <= x.Length - 2.5; i++) s += x[i] * x[i - 1];")]
    [InlineData("for (int i = 0; i < x.Length * 0.9; i++) s += x[i] * x[i];")]
    [InlineData("for (int i = 0; i < x.Length - i; i++) s += (x[i] * s) + x[i];")]
    public void ALoopWhoseLimitIsNoIntCountRunsAsWritten(string loop)
    {
        var m = Load($$"""
                /// <summary>A loop.</summary>
                /// <param name="x">The values.</param>
                /// <returns>A sum.</returns>
                [Differentiate]
                public static double F(double[] x)
                {
                    double s = 0.5;
                    {{loop}}
                    return s;
                }
            """);
        foreach (var n in new[] { 3, 4, 7 })
        {
            var x = Enumerable.Range(0, n).Select(i => 0.3 + (0.17 * i)).ToArray();
            var expected = (double)m.GetMethod("F")!.Invoke(null, [x])!;
            var gradient = new double[n];
            var value = (double)m.GetMethod("FGradient", [typeof(double[]), typeof(double[])])!.Invoke(null, [x, gradient])!;
            Assert.Equal(expected, value);
            for (int k = 0; k < n; k++)
            {
                var central = RandomPrograms.Central(
                    t =>
                    {
                        var shifted = (double[])x.Clone();
                        shifted[k] += t;
                        return (double)m.GetMethod("F")!.Invoke(null, [shifted])!;
                    },
                    1e-6);
                Assert.NotNull(central);
                Assert.Equal(central!.Value, gradient[k], 6);
            }
        }
    }

    private static Type Load(string members)
    {
        var run = GeneratorHarness.Run("using System;\nusing System.Numerics;\nusing Differentiable;\n\n/// <summary>Test methods.</summary>\npublic static partial class M\n{\n" + members + "\n}\n");
        run.AssertClean();
        return run.Load().GetType("M")!;
    }
}
