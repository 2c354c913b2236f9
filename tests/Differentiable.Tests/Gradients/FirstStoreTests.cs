using System.Linq;
using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// The first-store rule of the TBR analysis against central differences: where it must not apply (the old value is read
/// again) and where it does (a layer's VJP, which then saves nothing and returns its result without copying it).
/// </summary>
public class FirstStoreTests
{
    private const long Iterations = 60;

    private static Gen<double[]> VectorOfLength(int minLength, int maxLength) =>
        Gen.Int[minLength, maxLength].SelectMany(n => Vector(n, -1.0, 1.0));

    [Fact]
    public void RefilledEachStep() =>
        VectorOfLength(1, 7).Sample(x =>
        {
            var g = FirstStoreFunctions.RefilledEachStepGradient(x);
            AssertGradient(nameof(FirstStoreFunctions.RefilledEachStep), a => FirstStoreFunctions.RefilledEachStep((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ReadBeforeFill() =>
        VectorOfLength(1, 7).Sample(x =>
        {
            var g = FirstStoreFunctions.ReadBeforeFillGradient(x);
            AssertGradient(nameof(FirstStoreFunctions.ReadBeforeFill), a => FirstStoreFunctions.ReadBeforeFill((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ReadAheadInFill() =>
        VectorOfLength(1, 7).Sample(x =>
        {
            var g = FirstStoreFunctions.ReadAheadInFillGradient(x);
            AssertGradient(nameof(FirstStoreFunctions.ReadAheadInFill), a => FirstStoreFunctions.ReadAheadInFill((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void FilledOnceVjp() =>
        (from n in Gen.Int[1, 6]
         from m in Gen.Int[1, 6]
         from W in Matrix(n, m, -1.0, 1.0)
         from x in Vector(m, -1.0, 1.0)
         from seed in Vector(n)
         select (W, x, seed))
        .Sample((W, x, seed) =>
        {
            var dW = new double[W.GetLength(0), W.GetLength(1)];
            var dx = new double[x.Length];
            var y = FirstStoreFunctions.FilledOnceVjp(W, x, seed, dW, dx);
            double Pulled(object[] a) => FirstStoreFunctions.FilledOnce((double[,])a[0], (double[])a[1]).Select((v, i) => v * seed[i]).Sum();
            AssertGradient(nameof(FirstStoreFunctions.FilledOnce), Pulled, [W, x], y.Select((v, i) => v * seed[i]).Sum(), dW, dx);
        }, iter: Iterations);

    /// <summary>The structured Jacobian of the same layer (its range check names the result by the value): row r is the VJP of eᵣ.</summary>
    [Fact]
    public void FilledOnceJacobianRowsAreVjps() =>
        (from n in Gen.Int[1, 5]
         from m in Gen.Int[1, 5]
         from W in Matrix(n, m, -1.0, 1.0)
         from x in Vector(m, -1.0, 1.0)
         select (W, x))
        .Sample((W, x) =>
        {
            var jacobian = FirstStoreFunctions.FilledOnceJacobian(W, x);
            Assert.Equal(JacobianStructure.DiagonalProduct, jacobian.dW.Structure);
            var dense = jacobian.dW.ToDense();
            var denseX = jacobian.dx.ToDense();
            int n = W.GetLength(0), m = W.GetLength(1);
            for (int r = 0; r < n; r++)
            {
                var seed = new double[n];
                seed[r] = 1.0;
                var dW = new double[n, m];
                var dx = new double[m];
                FirstStoreFunctions.FilledOnceVjp(W, x, seed, dW, dx);
                for (int q = 0; q < m; q++)
                {
                    for (int p = 0; p < n; p++)
                    {
                        Near.Equal(dW[p, q], dense[r, q * n + p], 12);
                    }

                    Near.Equal(dx[q], denseX[r, q], 12);
                }
            }
        }, iter: 30);
}
