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
}
