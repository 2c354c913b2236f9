using System;
using System.Reflection;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// <c>Math.Clamp</c> has a built-in derivative, but a <c>[DerivativeOf]</c> rule for it still wins, as the contract says
/// of any callee: in the method, in a helper differentiated through its body, in the gradient and in the JVP.
/// </summary>
public sealed class BuiltInCallTests
{
    private const string Methods = """
        public static partial class Model
        {
            [Differentiate]
            public static double F(double x) => 2.0 * Math.Clamp(x * x, 0.0, 1.0);

            static double Helper(double x) => Math.Clamp(x, -1.0, 1.0) * x;

            [Differentiate]
            public static double G(double x) => Helper(x) + 1.0;

            // double.Clamp is Math.Clamp under generic math's name: the same rule replaces it.
            [Differentiate]
            public static double H(double x) => double.Clamp(x * 2.0, -1.0, 1.0) + x;
        }
        """;

    [Fact]
    public void WithoutARuleTheClampedBranchHasNoDerivative()
    {
        var model = Load(Methods);
        // x² = 4 lies above the bound: F = 2, flat. Inside, F = 2x², ∂F/∂x = 4x.
        Assert.Equal((2.0, 0.0), Gradient(model, "F", 2.0));
        Assert.Equal((4.0, 1.0), Gradient(model, "H", 3.0));
        Assert.Equal(((0.2 * 2.0) + 0.2, 3.0), Gradient(model, "H", 0.2));
        Assert.Equal((2.0 * 0.25, 4.0 * 0.5), Gradient(model, "F", 0.5));
        // G = clamp(x)·x + 1: at x = 3, G = 3 + 1 and ∂G/∂x = 1 (the bound times 1); at x = 0.5, 2x.
        Assert.Equal((4.0, 1.0), Gradient(model, "G", 3.0));
        Assert.Equal((1.25, 1.0), Gradient(model, "G", 0.5));
    }

    [Fact]
    public void AStraightThroughRuleForMathClampWins()
    {
        var model = Load(Methods + """

            public static class StraightThrough
            {
                // The value clamped, the derivative passed straight through as if there were no clamp.
                [DerivativeOf(typeof(Math), nameof(Math.Clamp))]
                public static double ClampGradient(double value, double min, double max, out double dvalue, out double dmin, out double dmax)
                {
                    dvalue = 1.0;
                    dmin = 0.0;
                    dmax = 0.0;
                    return Math.Clamp(value, min, max);
                }
            }
            """);
        Assert.Equal((2.0, 2.0 * 2.0 * 2.0), Gradient(model, "F", 2.0));
        Assert.Equal((4.0, 1.0 + 3.0), Gradient(model, "G", 3.0));
        Assert.Equal((4.0, 2.0 + 1.0), Gradient(model, "H", 3.0));
        var jvp = (System.Runtime.CompilerServices.ITuple)model.GetMethod("FJvp")!.Invoke(null, new object[] { 2.0, 0.5 })!;
        Assert.Equal(2.0 * 2.0 * 2.0 * 0.5, (double)jvp[1]!);
    }

    private static Type Load(string methods)
    {
        var run = GeneratorHarness.Run("using System;\nusing Differentiable;\n" + methods);
        run.AssertClean();
        return run.Load().GetType("Model")!;
    }

    private static (double Value, double Derivative) Gradient(Type model, string name, double x)
    {
        var arguments = new object?[] { x, null };
        var value = (double)model.GetMethod(name + "Gradient", new[] { typeof(double), typeof(double).MakeByRefType() })!.Invoke(null, arguments)!;
        return (value, (double)arguments[1]!);
    }
}
