using System;
using System.Linq;
using System.Reflection;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// A project built with CheckForOverflowUnderflow: int arithmetic the method survives must not overflow in its
/// companions. A stencil's offsets are folded (i − 1 + k reads as i + (k − 1)), exact modulo 2³² but not in checked
/// arithmetic, where k − 1 overflows at k = int.MinValue though the method's (i − 1) + k does not (a helper's find).
/// </summary>
public class CheckedBuildTests
{
    private const string Source = """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate(nameof(x))]
            public static double[] Ring(double[] x, int k, int m)
            {
                var y = new double[x.Length];
                for (int i = 1; i < x.Length; i++)
                {
                    y[i] = x[(i - 1 + k) % m] * x[i];
                }

                return y;
            }

            [Differentiate(nameof(x))]
            public static double[] Lag(double[] x, int k)
            {
                var y = new double[x.Length];
                for (int i = 0; i < x.Length; i++)
                {
                    y[i] = x[i + k + 1];
                }

                return y;
            }
        }
        """;

    [Fact]
    public void OffsetsThatTheMethodSurvivesDoNotOverflowInTheJacobian()
    {
        var compilation = GeneratorHarness.Compile(Source);
        var run = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithOverflowChecks(true)));
        run.AssertClean();
        var model = run.Load().GetType("Model")!;

        // (0 + int.MinValue) % 2 is 0: the method reads x[0] and returns; its Jacobian's offset k − 1 would overflow.
        var pair = new[] { 1.5, -2.0 };
        var (value, jacobian) = Jacobian(model, "Ring", pair, int.MinValue, 2);
        Assert.Equal(Invoke<double[]>(model, "Ring", pair, int.MinValue, 2), value);
        Assert.Equal(new double[,] { { 0.0, 0.0 }, { pair[1], pair[0] } }, jacobian.ToDense());

        // No row runs: the method returns, and its Jacobian's offset k + 1 (int.MaxValue + 1) is not computed.
        var (empty, emptyJacobian) = Jacobian(model, "Lag", Array.Empty<double>(), int.MaxValue);
        Assert.Empty(empty);
        Assert.Equal((0, 0), (emptyJacobian.Rows, emptyJacobian.Columns));

        // Where the method overflows, so does the Jacobian.
        var x = new[] { 1.5, -2.0, 0.5 };
        var thrown = Assert.Throws<TargetInvocationException>(() => { Jacobian(model, "Lag", x, int.MaxValue); });
        Assert.IsType<OverflowException>(thrown.InnerException);
        var thrownByMethod = Assert.Throws<TargetInvocationException>(() => { Invoke<double[]>(model, "Lag", x, int.MaxValue); });
        Assert.IsType<OverflowException>(thrownByMethod.InnerException);
    }

    /// <summary>
    /// A loop of constant trip count whose int arithmetic overflows at its last iteration, or divides by zero there:
    /// unrolled, it was folded as unchecked (the VJP and JVP returned where a checked method throws) or printed as
    /// 6 / 0 (CS0020, the build broken). Such loops stay loops, and the companions throw as the method does.
    /// </summary>
    [Fact]
    public void AConstantLoopWhoseIntArithmeticFaultsIsNotFoldedAway()
    {
        var compilation = GeneratorHarness.Compile("""
            using System;
            using Differentiable;

            public static partial class Model
            {
                const int N = 4;

                [Differentiate]
                public static double[] Grown(double[] x)
                {
                    var y = new double[N];
                    for (int i = 0; i < N; i++)
                    {
                        int t = i * 1000000000;
                        y[i] = x[0] * (t > 0 ? 1.0 : 2.0);
                    }

                    return y;
                }

                [Differentiate]
                public static double[] Divided(double[] x)
                {
                    var y = new double[N];
                    for (int i = 0; i < N; i++)
                    {
                        int d = 6 / (3 - i);
                        y[i] = x[0] * d;
                    }

                    return y;
                }
            }
            """);
        foreach (var overflowChecks in new[] { true, false })
        {
            var run = GeneratorHarness.Run(compilation.WithOptions(compilation.Options.WithOverflowChecks(overflowChecks)));
            run.AssertClean();
            var model = run.Load().GetType("Model")!;
            var x = new[] { 1.5 };
            foreach (var (name, fault) in new[] { ("Grown", overflowChecks ? typeof(OverflowException) : null), ("Divided", typeof(DivideByZeroException)) })
            {
                var arguments = new Func<object[]>[]
                {
                    () => new object[] { x },
                    () => new object[] { x, new double[N()], new double[1] },
                    () => new object[] { x, new double[1] },
                };
                foreach (var (companion, i) in new[] { name, name + "Vjp", name + "Jvp" }.Select((c, i) => (c, i)))
                {
                    var call = () => model.GetMethod(companion)!.Invoke(null, arguments[i]());
                    if (fault is null)
                    {
                        call();
                    }
                    else
                    {
                        Assert.IsType(fault, Assert.Throws<TargetInvocationException>(call).InnerException);
                    }
                }
            }
        }

        static int N() => 4;
    }

    private static T Invoke<T>(Type model, string name, params object[] arguments) => (T)model.GetMethod(name)!.Invoke(null, arguments)!;

    private static (double[] Value, Jacobian Jacobian) Jacobian(Type model, string name, params object[] arguments)
    {
        var result = Invoke<System.Runtime.CompilerServices.ITuple>(model, name + "Jacobian", arguments);
        return ((double[])result[0]!, (Jacobian)result[1]!);
    }
}
