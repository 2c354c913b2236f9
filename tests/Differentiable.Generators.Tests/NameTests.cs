using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Names the companions derive from the user's: the contract's tuple elements are d + parameter, which for a parameter
/// <c>o</c> spells the keyword <c>do</c>. (Names that are keywords themselves, <c>@in</c>, get DIFF015: see DiagnosticTests.)
/// </summary>
public sealed class NameTests
{
    [Fact]
    public void ParametersWhoseDerivativeNamesAreKeywordsGetCompanionsThatCompile()
    {
        var run = GeneratorHarness.Run("""
            using Differentiable;
            public static partial class Model
            {
                [Differentiate(Hessian = true)]
                public static double F(double[] o, double ef) => o[0] * ef + o[1] * ef * o[0];

                [Differentiate]
                public static double[] G(double[] o, double ouble)
                {
                    var r = new double[1];
                    r[0] = o[0] * ouble;
                    return r;
                }
            }
            """);
        run.AssertClean();
        var model = run.Load(optimized: true).GetType("Model")!;
        var gradient = model.GetMethods().Single(m => m.Name == "FGradient" && m.GetParameters().Length == 2);
        Assert.Equal(new[] { "Value", "do", "def" }, gradient.ReturnParameter.GetCustomAttribute<TupleElementNamesAttribute>()!.TransformNames);
        var result = (ITuple)gradient.Invoke(null, new object[] { new[] { 2.0, 3.0 }, 5.0 })!;
        Assert.Equal(10.0 + 30.0, (double)result[0]!);
        Assert.Equal(new[] { 5.0 + 15.0, 10.0 }, (double[])result[1]!);
        Assert.Equal(2.0 + 6.0, (double)result[2]!);
        var jacobian = model.GetMethods().Single(m => m.Name == "GJacobian");
        Assert.Equal(new[] { "Value", "do" }, jacobian.ReturnParameter.GetCustomAttribute<TupleElementNamesAttribute>()!.TransformNames.Take(2));
    }
}
