using System.Linq;
using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>Array names pointed elsewhere after a linear read (<see cref="RenamedArrayFunctions"/>), against central differences.</summary>
public class RenamedArrayTests
{
    private const long Iterations = 40;

    private static Gen<double[]> VectorOfLength(int minLength, int maxLength) =>
        Gen.Int[minLength, maxLength].SelectMany(n => Vector(n, -1.0, 1.0));

    [Fact]
    public void SwappedAddedAliased() =>
        Gen.Select(VectorOfLength(1, 9), Gen.Double[-1.0, 1.0]).Sample((x, c) =>
        {
            var g = RenamedArrayFunctions.SwappedAddedAliasedGradient(x, c);
            AssertGradient(nameof(RenamedArrayFunctions.SwappedAddedAliased), a => RenamedArrayFunctions.SwappedAddedAliased((double[])a[0], (double)a[1]), [x, c], g.Value, g.dx, g.dc);
        }, iter: Iterations);

    [Fact]
    public void AddedThenRenamed() =>
        VectorOfLength(1, 9).SelectMany(x => Vector(x.Length, -1.0, 1.0).Select(y => (x, y))).Sample(pair =>
        {
            var (x, y) = pair;
            var g = RenamedArrayFunctions.AddedThenRenamedGradient(x, y);
            AssertGradient(nameof(RenamedArrayFunctions.AddedThenRenamed), a => RenamedArrayFunctions.AddedThenRenamed((double[])a[0], (double[])a[1]), [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void SwappedAddedAliasedVectorVjp() =>
        Gen.Select(VectorOfLength(1, 9), Gen.Double[-1.0, 1.0]).Sample((x, c) =>
        {
            // uᵀ·f is scalar-valued: its gradient is the VJP with seed u.
            var u = x.Select((_, i) => 1.0 - (0.3 * i)).ToArray();
            var dx = new double[x.Length];
            var value = RenamedArrayFunctions.SwappedAddedAliasedVectorVjp(x, c, u, dx, out var dc);
            double Dot(double[] f) => f.Select((e, i) => e * u[i]).Sum();
            AssertGradient(nameof(RenamedArrayFunctions.SwappedAddedAliasedVector), a => Dot(RenamedArrayFunctions.SwappedAddedAliasedVector((double[])a[0], (double)a[1])), [x, c], Dot(value), dx, dc);
        }, iter: Iterations);
}
