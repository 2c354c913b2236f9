using System;
using System.Linq;
using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Buffers the generated code stores into instead of clearing and adding: filled with NaN before the call, they must come
/// back holding the gradient (central differences) everywhere, the part the loops cover and the part they do not.
/// </summary>
public class BufferStoreTests
{
    private const long Iterations = 60;

    private static double[] NaNs(int n) => Enumerable.Repeat(double.NaN, n).ToArray();

    private static double[,] NaNs(int rows, int columns)
    {
        var m = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                m[i, j] = double.NaN;
            }
        }

        return m;
    }

    [Fact]
    public void MatrixBufferCoveredOrNot() =>
        (from n in Gen.Int[1, 5]
         from m in Gen.Int[1, 5]
         from used in Gen.Int[1, m]
         from W in Matrix(n, m, -1.0, 1.0)
         from x in Vector(used, -1.0, 1.0)
         from seed in Vector(n)
         select (W, x, seed))
        .Sample((W, x, seed) =>
        {
            var dW = NaNs(W.GetLength(0), W.GetLength(1));

            var dx = NaNs(x.Length);
            var y = BufferStoreFunctions.LeadingColumnsVjp(W, x, seed, dW, dx);
            double Pulled(object[] a) => BufferStoreFunctions.LeadingColumns((double[,])a[0], (double[])a[1]).Select((v, i) => v * seed[i]).Sum();
            AssertGradient(nameof(BufferStoreFunctions.LeadingColumns), Pulled, [W, x], y.Select((v, i) => v * seed[i]).Sum(), dW, dx);
        }, iter: Iterations);

    [Fact]
    public void UnrolledBuffersCoveredOrNot() =>
        (from rows in Gen.Int[3, 5]
         from columns in Gen.Int[3, 5]
         from R in Matrix(rows, columns, -1.0, 1.0)
         from v in Vector(columns, -1.0, 1.0)
         from seed in Vector(3)
         select (R, v, seed))
        .Sample((R, v, seed) =>
        {
            var dR = NaNs(R.GetLength(0), R.GetLength(1));

            var dv = NaNs(v.Length);
            var y = BufferStoreFunctions.Corner3Vjp(R, v, seed, dR, dv);
            double Pulled(object[] a) => BufferStoreFunctions.Corner3((double[,])a[0], (double[])a[1]).Select((value, i) => value * seed[i]).Sum();
            AssertGradient(nameof(BufferStoreFunctions.Corner3), Pulled, [R, v], y.Select((value, i) => value * seed[i]).Sum(), dR, dv);
        }, iter: Iterations);

    [Fact]
    public void VectorBufferCoveredOrNot() =>
        (from n in Gen.Int[1, 7]
         from m in Gen.Int[0, n]
         from w in Vector(n, -1.0, 1.0)
         from x in Vector(n, -1.0, 1.0)
         select (w, x, m))
        .Sample((w, x, m) =>
        {
            var dw = NaNs(w.Length);
            var value = BufferStoreFunctions.LeadingTermsGradient(w, x, m, dw);
            AssertGradient(nameof(BufferStoreFunctions.LeadingTerms), a => BufferStoreFunctions.LeadingTerms((double[])a[0], x, m), [w], value, dw);
        }, iter: Iterations);

    [Fact]
    public void TriangularLoopsKeepTheClear() =>
        (from n in Gen.Int[1, 5]
         from A in Matrix(n, n, -1.0, 1.0)
         select A)
        .Sample(A =>
        {
            var dA = new double[A.GetLength(0), A.GetLength(1)];
            for (int i = 0; i < dA.GetLength(0); i++)
            {
                for (int j = 0; j < dA.GetLength(1); j++)
                {
                    dA[i, j] = double.NaN;
                }
            }

            var value = BufferStoreFunctions.LowerTriangleGradient(A, dA);
            AssertGradient(nameof(BufferStoreFunctions.LowerTriangle), a => BufferStoreFunctions.LowerTriangle((double[,])a[0]), [A], value, dA);
        }, iter: Iterations);

    /// <summary>
    /// A stencil's gradient, dx[i] and dx[i + 1] from iteration i, carried in locals: over the whole chain (stored, no
    /// clear), part of it, and no iteration at all (lengths 0 and 1); the H·v of the same loop likewise, against the
    /// Hessian times v.
    /// </summary>
    [Fact]
    public void NeighbouringElementsCarriedOrCleared() =>
        (from n in Gen.Int[0, 7]
         from x in Vector(n, -1.5, 1.5)
         from v in Vector(n)
         from whole in Gen.Bool
         from lo in Gen.Int[0, Math.Max(0, n - 1)]
         from hi in Gen.Int[lo, Math.Max(lo, n - 1)]
         select (x, v, whole ? 0 : lo, whole ? n - 1 : hi))
        .Sample((x, v, from, to) =>
        {
            var dx = NaNs(x.Length);
            var value = BufferStoreFunctions.ChainGradient(x, from, to, dx);
            AssertGradient(nameof(BufferStoreFunctions.Chain), a => BufferStoreFunctions.Chain((double[])a[0], from, to), [x], value, dx);

            var hv = NaNs(x.Length);
            BufferStoreFunctions.ChainHvp(x, from, to, v, hv);
            var (_, hessian) = BufferStoreFunctions.ChainHessian(x, from, to);
            for (int i = 0; i < x.Length; i++)
            {
                double expected = 0;
                for (int j = 0; j < x.Length; j++)
                {
                    expected += hessian[i, j] * v[j];
                }

                Assert.True(Math.Abs(hv[i] - expected) <= 1e-9 * (1 + Math.Abs(expected)), $"(H·v)[{i}] = {hv[i]:R}, H times v {expected:R}");
            }
        }, iter: Iterations);

    [Fact]
    public void NeighboursBehindCarried() =>
        (from n in Gen.Int[0, 7]
         from x in Vector(n, -1.5, 1.5)
         from w in Vector(n)
         select (x, w))
        .Sample((x, w) =>
        {
            var (dx, dw) = (NaNs(x.Length), NaNs(w.Length));
            var value = BufferStoreFunctions.BehindGradient(x, w, dx, dw);
            AssertGradient(nameof(BufferStoreFunctions.Behind), a => BufferStoreFunctions.Behind((double[])a[0], (double[])a[1]), [x, w], value, dx, dw);
        }, iter: Iterations);
}
