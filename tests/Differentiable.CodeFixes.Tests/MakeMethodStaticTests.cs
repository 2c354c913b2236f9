using System.Threading.Tasks;
using Differentiable.CodeFixes.Tests.Infrastructure;
using static Differentiable.CodeFixes.Tests.Infrastructure.CodeFixHarness;

namespace Differentiable.CodeFixes.Tests;

public sealed class MakeMethodStaticTests
{
    private static readonly MakeMethodStaticCodeFixProvider Provider = new();

    private static async Task AssertFixAsync(string source, string expected, string title)
    {
        var (document, action) = await FixAsync(Provider, source, "DIFF002");
        Assert.Equal(title, action.Title);
        Assert.StartsWith(MakeMethodStaticCodeFixProvider.EquivalenceKeyPrefix, action.EquivalenceKey);
        Assert.Equal(Lf(expected), Lf(await TextAsync(document)));
        (await RunGeneratorAsync(document.Project)).AssertClean();
    }

    private static async Task AssertNoFixAsync(string source)
    {
        var (_, actions) = await GetActionsAsync(Provider, source, "DIFF002");
        Assert.Empty(actions);
    }

    [Fact]
    public Task InstanceMethodThatUsesNoInstanceMember() => AssertFixAsync(
        """
        using Differentiable;

        public partial class Model
        {
            private double scale = 2;

            public double Scale => scale;

            [Differentiate]
            public double F(double x) => x * x;
        }
        """,
        """
        using Differentiable;

        public partial class Model
        {
            private double scale = 2;

            public double Scale => scale;

            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        "Make 'F' static");

    [Fact]
    public Task StaticMembersConstantsAndLocalFunctionsAreNotInstanceUse() => AssertFixAsync(
        """
        using System;
        using Differentiable;

        public partial class Model
        {
            private const double Half = 0.5;
            private static readonly double Bias = 1;
            private double unused;

            [Differentiate]
            double F(double[] w, double x)
            {
                double s = Bias + Half * Math.Sin(x);
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * x;
                }

                return s;
            }

            public double Unused() => unused;
        }
        """,
        """
        using System;
        using Differentiable;

        public partial class Model
        {
            private const double Half = 0.5;
            private static readonly double Bias = 1;
            private double unused;

            [Differentiate]
            static double F(double[] w, double x)
            {
                double s = Bias + Half * Math.Sin(x);
                for (int i = 0; i < w.Length; i++)
                {
                    s += w[i] * x;
                }

                return s;
            }

            public double Unused() => unused;
        }
        """,
        "Make 'F' static");

    [Fact]
    public Task ReadonlyStructMethodLosesReadonlyAndCallsThroughAnInstanceGoThroughTheType() => AssertFixAsync(
        """
        using Differentiable;

        public partial struct Model
        {
            [Differentiate]
            public readonly double F(double x) => x * x;

            public double Twice(Model other) => this.F(1) + other.F(2) + F(3);
        }
        """,
        """
        using Differentiable;

        public partial struct Model
        {
            [Differentiate]
            public static double F(double x) => x * x;

            public double Twice(Model other) => Model.F(1) + Model.F(2) + F(3);
        }
        """,
        "Make 'F' static");

    [Fact]
    public Task InstanceMethodThatReadsAField() => AssertNoFixAsync(
        """
        using Differentiable;

        public partial class Model
        {
            private double scale = 2;

            [Differentiate]
            public double F(double x) => scale * x * x;
        }
        """);

    [Fact]
    public Task InstanceMethodThatCallsAnInstanceMethod() => AssertNoFixAsync(
        """
        using Differentiable;

        public partial class Model
        {
            private double Offset() => 1;

            [Differentiate]
            public double F(double x)
            {
                double y = x * x;
                return y + Offset();
            }
        }
        """);

    [Fact]
    public Task InstanceMethodThatUsesThis() => AssertNoFixAsync(
        """
        using Differentiable;

        public partial class Model
        {
            [Differentiate]
            public double F(double x) => this.GetHashCode() * x;
        }
        """);

    [Fact]
    public Task InstanceMethodThatUsesAnInheritedProperty() => AssertNoFixAsync(
        """
        using Differentiable;

        public class Base
        {
            protected double Scale { get; set; } = 2;
        }

        public partial class Model : Base
        {
            [Differentiate]
            public double F(double x) => Scale * x;
        }
        """);

    [Fact]
    public Task OverrideCannotBeStatic() => AssertNoFixAsync(
        """
        using Differentiable;

        public abstract class Base
        {
            public abstract double F(double x);
        }

        public partial class Model : Base
        {
            [Differentiate]
            public override double F(double x) => x * x;
        }
        """);

    [Fact]
    public Task InterfaceImplementationCannotBeStatic() => AssertNoFixAsync(
        """
        using Differentiable;

        public interface IFunction
        {
            double F(double x);
        }

        public partial class Model : IFunction
        {
            [Differentiate]
            public double F(double x) => x * x;
        }
        """);
}
