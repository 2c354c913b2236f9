using System;
using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Vectorization;

/// <summary><see cref="OwnElementFunctions"/>: gradients and tangents against central differences.</summary>
public class OwnElementTests
{
    private const long Iterations = 60;

    [Fact]
    public void UpdatedInPlaceAgainstCentralDifferencesAndItsScalarTwin() =>
        (from n in Gen.Int[1, 13]
         from x in Vector(n, -1.0, 1.0)
         from v in Vector(n, -1.0, 1.0)
         from steps in Gen.Int[0, 3]
         select (x, v, steps))
        .Sample((x, v, steps) =>
        {
            Func<object[], double> f = a => OwnElementFunctions.UpdatedInPlace((double[])a[0], steps);
            var g = OwnElementFunctions.UpdatedInPlaceGradient(x, steps);
            AssertGradient(nameof(OwnElementFunctions.UpdatedInPlace), f, [x], g.Value, g.dx);
            AssertTangent(f, x, v, OwnElementFunctions.UpdatedInPlaceJvp(x, steps, v).Tangent);

            var exact = OwnElementFunctions.UpdatedInPlaceExactGradient(x, steps);
            Assert.Equal(BitConverter.DoubleToInt64Bits(OwnElementFunctions.UpdatedInPlace(x, steps)), BitConverter.DoubleToInt64Bits(exact.Value));
            AssertClose("dx", exact.dx, g.dx, 1e-12);
            AssertClose("tangent", OwnElementFunctions.UpdatedInPlaceExactJvp(x, steps, v).Tangent, OwnElementFunctions.UpdatedInPlaceJvp(x, steps, v).Tangent, 1e-12);
        }, iter: Iterations);

    [Fact]
    public void WrittenUnderAnotherNameAgainstCentralDifferences() =>
        (from n in Gen.Int[1, 13]
         from x in Vector(n, -1.0, 1.0)
         from v in Vector(n, -1.0, 1.0)
         select (x, v))
        .Sample((x, v) =>
        {
            Func<object[], double> f = a => OwnElementFunctions.WrittenUnderAnotherName((double[])a[0]);
            var g = OwnElementFunctions.WrittenUnderAnotherNameGradient(x);
            AssertGradient(nameof(OwnElementFunctions.WrittenUnderAnotherName), f, [x], g.Value, g.dx);
            AssertTangent(f, x, v, OwnElementFunctions.WrittenUnderAnotherNameJvp(x, v).Tangent);
        }, iter: Iterations);

    /// <summary>The tangent along v against the central difference of f along v.</summary>
    private static void AssertTangent(Func<object[], double> f, double[] x, double[] v, double tangent)
    {
        const double Step = 1e-6;
        double At(double t)
        {
            var shifted = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                shifted[i] = x[i] + (t * v[i]);
            }

            return f([shifted]);
        }

        var central = (At(Step) - At(-Step)) / (2 * Step);
        Assert.True(Math.Abs(central - tangent) <= 1e-6 * (1.0 + Math.Abs(central)), $"tangent {tangent:R}, central difference {central:R}");
    }
}
