using System.Linq;
using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>Values, gradients and JVPs of <see cref="MergedAdditionFunctions"/> against the method and central differences.</summary>
public class MergedAdditionTests
{
    private const long Iterations = 40;

    [Fact]
    public void AdditionsAcrossARebinding() =>
        Vector(2, -1.0, 1.0).Sample(x =>
        {
            var g = MergedAdditionFunctions.ReboundGradient(x);
            Assert.Equal(MergedAdditionFunctions.Rebound(x), g.Value);
            AssertGradient(nameof(MergedAdditionFunctions.Rebound), a => MergedAdditionFunctions.Rebound((double[])a[0]), [x], g.Value, g.dx);
            var j = MergedAdditionFunctions.ReboundJvp(x, [1.0, -0.5]);
            Assert.Equal(g.Value, j.Value);
            Near.Equal(g.dx[0] - (0.5 * g.dx[1]), j.Tangent, 12);
        }, iter: Iterations);

    [Fact]
    public void AdditionsAcrossARebindingInALoop_JacobianValue() =>
        Gen.Int[1, 5].SelectMany(n => Vector(n, -1.0, 1.0)).Sample(x =>
        {
            var expected = MergedAdditionFunctions.ReboundEachStep(x);
            var (value, dx) = MergedAdditionFunctions.ReboundEachStepJacobian(x);
            Assert.Equal(expected, value);
            var dense = dx.ToDense();
            for (int r = 0; r < x.Length; r++)
            {
                double Row(object[] a) => MergedAdditionFunctions.ReboundEachStep((double[])a[0])[r];
                AssertGradient(nameof(MergedAdditionFunctions.ReboundEachStep), Row, [x], expected[r],
                    Enumerable.Range(0, x.Length).Select(c => dense[r, c]).ToArray());
            }
        }, iter: Iterations);

    [Fact]
    public void AdditionsWhoseIndexMovesBetween() =>
        Vector(1, -1.0, 1.0).Sample(x =>
        {
            var g = MergedAdditionFunctions.IndexMovesBetweenGradient(x);
            Assert.Equal(MergedAdditionFunctions.IndexMovesBetween(x), g.Value);
            AssertGradient(nameof(MergedAdditionFunctions.IndexMovesBetween), a => MergedAdditionFunctions.IndexMovesBetween((double[])a[0]), [x], g.Value, g.dx);
            Near.Equal(g.dx[0], MergedAdditionFunctions.IndexMovesBetweenJvp(x, [1.0]).Tangent, 12);
        }, iter: Iterations);
}
