using System;
using System.Linq;
using CsCheck;
using Differentiable.Tests.Gradients;
using Xunit;
using Xunit.Sdk;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Companions whose row loops run by blocks (<c>RowBlocks</c>: the row dots of a block as one matrix–vector product,
/// the row updates as one transposed product) against closed forms, over enough rows for several blocks and a partial
/// last one: logistic regression's fused loop (ascending, dots and updates) and a tanh layer's reverse loop
/// (descending, updates only).
/// </summary>
public class BlockedLoopTests
{
    private const long Iterations = 60;

    internal static void AssertClose(string what, double[] expected, double[] actual)
    {
        var scale = Math.Max(1.0, expected.Max(Math.Abs));
        for (var k = 0; k < expected.Length; k++)
        {
            if (!(Math.Abs(expected[k] - actual[k]) <= 1e-11 * scale))
            {
                throw new XunitException($"{what}[{k}]: {actual[k]:R}, the closed form gives {expected[k]:R}");
            }
        }
    }

    private static double[] Flat(double[,] matrix) => matrix.Cast<double>().ToArray();

    [Fact]
    public void LogisticLoss_OverManyBlocks_GradientIsXTransposeTimesResidualOverN() =>
        (from n in Gen.Int[1, 300]
         from d in Gen.Int[1, 40]
         from X in Matrix(n, d, -0.5, 0.5)
         from y in Vector(n, 0.0, 1.0)
         from w in Vector(d, -1.0, 1.0)
         from b in Gen.Double[-1.0, 1.0]
         select (X, y, w, b))
        .Sample((X, y, w, b) =>
        {
            var (n, d) = (X.GetLength(0), X.GetLength(1));
            var dw = new double[d];
            var db = 0.0;
            for (var i = 0; i < n; i++)
            {
                var z = b + Enumerable.Range(0, d).Sum(j => X[i, j] * w[j]);
                var residual = (1.0 / (1.0 + Math.Exp(-z)) - y[i]) / n;
                db += residual;
                for (var j = 0; j < d; j++)
                {
                    dw[j] += residual * X[i, j];
                }
            }

            var g = TestFunctions.LogisticLossGradient(X, y, w, b);
            Assert.True(Values.Agree(TestFunctions.LogisticLoss(X, y, w, b), g.Value));
            AssertClose("dw", dw, g.dw);
            AssertClose("db", [db], [g.db]);
        }, iter: Iterations);

    [Fact]
    public void HiddenLayerLoss_OverManyBlocks_GradientIsTheBackpropagatedClosedForm() =>
        // f = ½(v·h − 1)² + 0.1·h·h with h = tanh(Wx): δ = ((v·h − 1)v + 0.2h) ⊙ (1 − h²), ∂f/∂x = Wᵀδ, ∂f/∂W = δxᵀ.
        (from m in Gen.Int[1, 200]
         from n in Gen.Int[1, 12]
         from x in Vector(n)
         from W in Matrix(m, n)
         from v in Vector(m)
         select (x, W, v))
        .Sample((x, W, v) =>
        {
            var (m, n) = (W.GetLength(0), W.GetLength(1));
            var h = Enumerable.Range(0, m).Select(j => Math.Tanh(Enumerable.Range(0, n).Sum(i => W[j, i] * x[i]))).ToArray();
            var o = Enumerable.Range(0, m).Sum(j => v[j] * h[j]);
            var delta = Enumerable.Range(0, m).Select(j => (((o - 1.0) * v[j]) + (0.2 * h[j])) * (1.0 - (h[j] * h[j]))).ToArray();
            var dx = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, m).Sum(j => W[j, i] * delta[j])).ToArray();
            var dW = new double[m, n];
            for (var j = 0; j < m; j++)
            {
                for (var i = 0; i < n; i++)
                {
                    dW[j, i] = delta[j] * x[i];
                }
            }

            var g = TestFunctions.HiddenLayerLossGradient(x, W, v);
            Assert.True(Values.Agree(TestFunctions.HiddenLayerLoss(x, W, v), g.Value));
            AssertClose("dx", dx, g.dx);
            AssertClose("dW", Flat(dW), Flat(g.dW));
            AssertClose("dv", h.Select(hj => (o - 1.0) * hj).ToArray(), g.dv);
        }, iter: Iterations);
}
