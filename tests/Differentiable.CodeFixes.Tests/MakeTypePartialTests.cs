using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Differentiable.CodeFixes.Tests.Infrastructure;
using Microsoft.CodeAnalysis.CodeFixes;
using static Differentiable.CodeFixes.Tests.Infrastructure.CodeFixHarness;

namespace Differentiable.CodeFixes.Tests;

public sealed class MakeTypePartialTests
{
    private static readonly MakeTypePartialCodeFixProvider Provider = new();

    private static async Task AssertFixAsync(string source, string expected, string title)
    {
        var (document, action) = await FixAsync(Provider, source, "DIFF001");
        Assert.Equal(title, action.Title);
        Assert.Equal(MakeTypePartialCodeFixProvider.EquivalenceKey, action.EquivalenceKey);
        Assert.Equal(Lf(expected), Lf(await TextAsync(document)));
        (await RunGeneratorAsync(document.Project)).AssertClean();
    }

    [Fact]
    public Task NonPartialClass() => AssertFixAsync(
        """
        using Differentiable;

        namespace Demo;

        public static class Model
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        """
        using Differentiable;

        namespace Demo;

        public static partial class Model
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        "Make 'Model' partial");

    [Fact]
    public Task NonPartialOuterClassOfNestedType() => AssertFixAsync(
        """
        using Differentiable;

        namespace Demo
        {
            public class Outer
            {
                public static partial class Model
                {
                    [Differentiate]
                    public static double F(double x) => x * x;
                }
            }
        }
        """,
        """
        using Differentiable;

        namespace Demo
        {
            public partial class Outer
            {
                public static partial class Model
                {
                    [Differentiate]
                    public static double F(double x) => x * x;
                }
            }
        }
        """,
        "Make 'Outer' partial");

    [Fact]
    public Task Struct() => AssertFixAsync(
        """
        using Differentiable;

        public readonly struct Model
        {
            [Differentiate]
            public static double F(double x, double y) => x * y;
        }
        """,
        """
        using Differentiable;

        public readonly partial struct Model
        {
            [Differentiate]
            public static double F(double x, double y) => x * y;
        }
        """,
        "Make 'Model' partial");

    [Fact]
    public Task RecordStruct() => AssertFixAsync(
        """
        using Differentiable;

        public readonly record struct Point(double X, double Y)
        {
            [Differentiate]
            public static double Norm2(double x, double y) => x * x + y * y;
        }
        """,
        """
        using Differentiable;

        public readonly partial record struct Point(double X, double Y)
        {
            [Differentiate]
            public static double Norm2(double x, double y) => x * x + y * y;
        }
        """,
        "Make 'Point' partial");

    [Fact]
    public Task Interface() => AssertFixAsync(
        """
        using Differentiable;

        public interface IModel
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        """
        using Differentiable;

        public partial interface IModel
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        "Make 'IModel' partial");

    [Fact]
    public Task TypeWithoutModifiersKeepsItsAttributesAndComments() => AssertFixAsync(
        """
        using System;
        using Differentiable;

        [Serializable]
        /* the model */ class Model
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        """
        using System;
        using Differentiable;

        [Serializable]
        /* the model */ partial class Model
        {
            [Differentiate]
            public static double F(double x) => x * x;
        }
        """,
        "Make 'Model' partial");

    [Fact]
    public async Task FixAllMakesEveryTypePartial()
    {
        var source = """
            using Differentiable;

            public class Outer
            {
                public static class Inner
                {
                    [Differentiate]
                    public static double F(double x) => x * x;

                    [Differentiate]
                    public static double G(double x) => x * x * x;
                }
            }

            internal sealed class Other
            {
                [Differentiate]
                public static double H(double x) => 2 * x;
            }
            """;
        var document = CreateDocument(source);
        var diagnostics = (await RunGeneratorAsync(document.Project)).Diagnostics;
        Assert.Equal(5, diagnostics.Count(d => d.Id == "DIFF001"));

        var fixAll = Provider.GetFixAllProvider();
        Assert.Same(WellKnownFixAllProviders.BatchFixer, fixAll);
        var context = new FixAllContext(
            document,
            Provider,
            FixAllScope.Document,
            MakeTypePartialCodeFixProvider.EquivalenceKey,
            Provider.FixableDiagnosticIds,
            new GeneratorDiagnosticProvider(),
            CancellationToken.None);
        var action = await fixAll.GetFixAsync(context);
        Assert.NotNull(action);
        var solution = await ApplyAsync(action);
        var fixedDocument = solution.GetDocument(document.Id)!;
        Assert.Equal(Lf("""
            using Differentiable;

            public partial class Outer
            {
                public static partial class Inner
                {
                    [Differentiate]
                    public static double F(double x) => x * x;

                    [Differentiate]
                    public static double G(double x) => x * x * x;
                }
            }

            internal sealed partial class Other
            {
                [Differentiate]
                public static double H(double x) => 2 * x;
            }
            """), Lf(await TextAsync(fixedDocument)));
        (await RunGeneratorAsync(fixedDocument.Project)).AssertClean();
    }

    [Fact]
    public async Task NoFixForADiagnosticNotAtATypeName()
    {
        var document = CreateDocument("""
            public class Model
            {
                public static double F(double x) => x;
            }
            """);
        var tree = (await document.GetSyntaxTreeAsync())!;
        var span = new Microsoft.CodeAnalysis.Text.TextSpan(tree.ToString().IndexOf("double F", System.StringComparison.Ordinal), 6);
        var diagnostic = Microsoft.CodeAnalysis.Diagnostic.Create(
            new Microsoft.CodeAnalysis.DiagnosticDescriptor("DIFF001", "t", "m", "c", Microsoft.CodeAnalysis.DiagnosticSeverity.Error, true),
            Microsoft.CodeAnalysis.Location.Create(tree, span));
        Assert.Empty(await RegisterAsync(Provider, document, diagnostic));
    }
}
