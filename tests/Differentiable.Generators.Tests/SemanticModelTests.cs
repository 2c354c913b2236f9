using System.Linq;
using Differentiable.Generators.Parsing;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Differentiable.Generators.Tests;

/// <summary>The parser's semantic models skip nullable analysis (a tenth of a cold run) and still answer its questions.</summary>
public sealed class SemanticModelTests
{
    [Fact]
    public void TheParsersModelsSkipNullableAnalysisAndStillTypeLocals()
    {
        var compilation = GeneratorHarness.Compile("""
            public static class Model
            {
                public static double F(double[] x)
                {
                    var copy = x;
                    string? name = null;
                    return copy[0] + (name is null ? 1.0 : 2.0);
                }
            }
            """);
        Assert.Equal(NullableContextOptions.Enable, compilation.Options.NullableContextOptions);
        var tree = compilation.SyntaxTrees.Single();

        var model = SemanticModels.For(compilation, tree);

#pragma warning disable RSEXPERIMENTAL001 // the property that says which model this is
        Assert.True(model.NullableAnalysisIsDisabled);
#pragma warning restore RSEXPERIMENTAL001
        var copy = tree.GetRoot().DescendantNodes().OfType<VariableDeclaratorSyntax>().First();
        var local = Assert.IsAssignableFrom<ILocalSymbol>(model.GetDeclaredSymbol(copy));
        Assert.Equal("double[]", local.Type.ToDisplayString());
    }
}
