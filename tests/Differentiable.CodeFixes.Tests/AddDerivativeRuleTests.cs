using System.Linq;
using System.Threading.Tasks;
using Differentiable.CodeFixes.Tests.Infrastructure;
using static Differentiable.CodeFixes.Tests.Infrastructure.CodeFixHarness;

namespace Differentiable.CodeFixes.Tests;

public sealed class AddDerivativeRuleTests
{
    private static readonly AddDerivativeRuleCodeFixProvider Provider = new();

    private static async Task AssertFixAsync(string source, string expected, string title)
    {
        var (document, action) = await FixAsync(Provider, source, "DIFF007");
        Assert.Equal(title, action.Title);
        Assert.StartsWith(AddDerivativeRuleCodeFixProvider.EquivalenceKeyPrefix, action.EquivalenceKey);
        Assert.Equal(Lf(expected), Lf(await TextAsync(document)));

        // The stub is a valid rule: the generator uses it (no DIFF007, no DIFF016) and the generated code compiles.
        (await RunGeneratorAsync(document.Project)).AssertClean();
    }

    private static async Task AssertNoFixAsync(string source)
    {
        var (_, actions) = await GetActionsAsync(Provider, source, "DIFF007");
        Assert.Empty(actions);
    }

    [Fact]
    public Task OpaqueCallOverDoubleAndArray() => AssertFixAsync(
        """
        using System;
        using Differentiable;

        namespace Demo;

        public static class Opaque
        {
            public static double Energy(double t, double[] w)
            {
                double e = t;
                foreach (double v in w) e += v * v;
                return e;
            }
        }

        public static partial class Model
        {
            [Differentiate]
            public static double Loss(double t, double[] w) => 2 * Opaque.Energy(t, w);
        }
        """,
        """
        using System;
        using Differentiable;

        namespace Demo;

        public static class Opaque
        {
            public static double Energy(double t, double[] w)
            {
                double e = t;
                foreach (double v in w) e += v * v;
                return e;
            }
        }

        public static partial class Model
        {
            [Differentiate]
            public static double Loss(double t, double[] w) => 2 * Opaque.Energy(t, w);

            [DerivativeOf(typeof(Opaque), nameof(Opaque.Energy))]
            internal static double EnergyGradient(double t, double[] w, out double dt, double[] dw)
            {
                // TODO: the generator calls this rule instead of differentiating Opaque.Energy. Write each
                // partial derivative into its buffer, then replace the throw with: return Opaque.Energy(t, w);
                //   dt = ∂Energy/∂t
                //   dw[…] = ∂Energy/∂w[…]
                dt = 0.0;
                Array.Clear(dw, 0, dw.Length);
                throw new NotImplementedException("Write the derivative of Opaque.Energy here: ∂Energy/∂t into dt, ∂Energy/∂w into dw, then return its value.");
            }
        }
        """,
        "Add a [DerivativeOf] rule for 'Energy'");

    [Fact]
    public Task HelperOfTheSameTypeWithMatrixAndPassThroughParameters() => AssertFixAsync(
        """
        using Differentiable;

        namespace Demo
        {
            public static partial class Model
            {
                static double Helper(double[,] A, int n, double dA) => System.BitConverter.Int64BitsToDouble(System.BitConverter.DoubleToInt64Bits(A[0, 0])) * n + dA;

                static double HelperGradient() => 0;

                [Differentiate]
                public static double F(double[,] A, double s) => s * Helper(A, 3, s);
            }
        }
        """,
        """
        using Differentiable;

        namespace Demo
        {
            public static partial class Model
            {
                static double Helper(double[,] A, int n, double dA) => System.BitConverter.Int64BitsToDouble(System.BitConverter.DoubleToInt64Bits(A[0, 0])) * n + dA;

                static double HelperGradient() => 0;

                [Differentiate]
                public static double F(double[,] A, double s) => s * Helper(A, 3, s);

                [DerivativeOf(nameof(Helper))]
                internal static double HelperGradient2(double[,] A, int n, double dA, double[,] dA2, out double ddA)
                {
                    // TODO: the generator calls this rule instead of differentiating Model.Helper. Write each
                    // partial derivative into its buffer, then replace the throw with: return Model.Helper(A, n, dA);
                    //   dA2[…] = ∂Helper/∂A[…]
                    //   ddA = ∂Helper/∂dA
                    System.Array.Clear(dA2, 0, dA2.Length);
                    ddA = 0.0;
                    throw new System.NotImplementedException("Write the derivative of Model.Helper here: ∂Helper/∂A into dA2, ∂Helper/∂dA into ddA, then return its value.");
                }
            }
        }
        """,
        "Add a [DerivativeOf] rule for 'Helper'");

    [Fact]
    public Task LibraryMethod() => AssertFixAsync(
        """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate]
            public static double F(double x) => Math.ScaleB(x, 3) * x;
        }
        """,
        """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate]
            public static double F(double x) => Math.ScaleB(x, 3) * x;

            [DerivativeOf(typeof(Math), nameof(Math.ScaleB))]
            internal static double ScaleBGradient(double x, int n, out double dx)
            {
                // TODO: the generator calls this rule instead of differentiating Math.ScaleB. Write each
                // partial derivative into its buffer, then replace the throw with: return Math.ScaleB(x, n);
                //   dx = ∂ScaleB/∂x
                dx = 0.0;
                throw new NotImplementedException("Write the derivative of Math.ScaleB here: ∂ScaleB/∂x into dx, then return its value.");
            }
        }
        """,
        "Add a [DerivativeOf] rule for 'ScaleB'");

    [Fact]
    public async Task KeepsTheDocumentsLineEndings()
    {
        var source = "using Differentiable;\r\n\r\npublic static class Opaque\r\n{\r\n    public static double G(double x) => x;\r\n}\r\n\r\n"
            + "public static partial class Model\r\n{\r\n    [Differentiate]\r\n    public static double F(double x) => Opaque.G(x);\r\n}\r\n";
        var (document, _) = await FixAsync(Provider, source, "DIFF007");
        var text = await TextAsync(document);
        Assert.Contains("internal static double GGradient(double x, out double dx)\r\n    {\r\n", text);
        Assert.DoesNotContain("\n", text.Replace("\r\n", string.Empty));
        (await RunGeneratorAsync(document.Project)).AssertClean();
    }

    [Fact]
    public Task NoFixForAMethodWithAnUnsupportedParameter() => AssertNoFixAsync(
        """
        using Differentiable;

        public static partial class Model
        {
            static double Lookup(string key, double x) => key.Length * x;

            [Differentiate]
            public static double F(double x) => Lookup("a", x);
        }
        """);

    [Fact]
    public Task NoFixForAnInstanceMethod() => AssertNoFixAsync(
        """
        using Differentiable;

        public sealed class Scaler
        {
            public double Scale(double x) => 2 * x;
        }

        public static partial class Model
        {
            static readonly Scaler scaler = new();

            [Differentiate]
            public static double F(double x) => scaler.Scale(x);
        }
        """);

    [Fact]
    public Task NoFixForAMethodWithoutDifferentiableParameters() => AssertNoFixAsync(
        """
        using Differentiable;

        public static partial class Model
        {
            static double Weight(int i) => 1.0 / (i + 1);

            [Differentiate]
            public static double F(double x) => Weight(3) * x;
        }
        """);
}
