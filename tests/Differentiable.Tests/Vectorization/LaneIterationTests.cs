using System;
using System.Linq;
using CsCheck;
using Xunit;
using Xunit.Sdk;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Blocked loops whose iterations run by vectors of rows (<c>LaneIterations</c>): bit for bit the iterations one by one
/// (against a twin whose loop stays scalar), and against closed forms for a loop that runs downwards. Row counts from 1
/// to 300 cover blocks with every remainder of the vector width, and blocks too short for a vector.
/// </summary>
public class LaneIterationTests
{
    private const long Iterations = 60;

    private static void AssertSameBits(string what, double expected, double actual)
    {
        if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(actual))
        {
            throw new XunitException($"{what}: {actual:R} by vectors of rows, {expected:R} one row at a time");
        }
    }

    private static void AssertClose(string what, double[] expected, double[] actual)
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

    [Fact]
    public void Logistic_ByVectorsOfRows_IsBitForBitTheScalarIterations() =>
        (from n in Gen.Int[1, 300]
         from d in Gen.Int[1, 40]
         from X in Matrix(n, d, -2.0, 2.0)
         from y in Vector(n, 0.0, 1.0)
         from w in Vector(d, -1.0, 1.0)
         from b in Gen.Double[-1.0, 1.0]
         select (X, y, w, b))
        .Sample((X, y, w, b) =>
        {
            var lanes = LaneFunctions.LogisticGradient(X, y, w, b);
            var scalar = LaneFunctions.LogisticScalarGradient(X, y, w, b);
            AssertSameBits("value", scalar.Value, lanes.Value);
            AssertSameBits("db", scalar.db, lanes.db);
            for (var j = 0; j < w.Length; j++)
            {
                AssertSameBits($"dw[{j}]", scalar.dw[j], lanes.dw[j]);
            }
        }, iter: Iterations);

    [Fact]
    public void Layer_ReverseRowsByVectors_GradientIsTheBackpropagatedClosedForm() =>
        // f = ½(v·h − 1)² with h = tanh(Wx + c): δ = (v·h − 1)·v ⊙ (1 − h²), ∂f/∂x = Wᵀδ, ∂f/∂c = Σδ.
        (from m in Gen.Int[1, 300]
         from n in Gen.Int[1, 12]
         from W in Matrix(m, n, -0.5, 0.5)
         from x in Vector(n)
         from c in Gen.Double[-1.0, 1.0]
         from v in Vector(m, -0.3, 0.3)
         select (W, x, c, v))
        .Sample((W, x, c, v) =>
        {
            var (m, n) = (W.GetLength(0), W.GetLength(1));
            var h = Enumerable.Range(0, m).Select(j => Math.Tanh(c + Enumerable.Range(0, n).Sum(i => W[j, i] * x[i]))).ToArray();
            var o = Enumerable.Range(0, m).Sum(j => v[j] * h[j]);
            var delta = Enumerable.Range(0, m).Select(j => (o - 1.0) * v[j] * (1.0 - (h[j] * h[j]))).ToArray();
            var dx = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, m).Sum(j => W[j, i] * delta[j])).ToArray();

            var g = LaneFunctions.LayerGradient(W, x, c, v);
            Assert.True(Values.Agree(LaneFunctions.Layer(W, x, c, v), g.Value));
            AssertClose("dx", dx, g.dx);
            AssertClose("dc", [delta.Sum()], [g.dc]);
        }, iter: Iterations);

    [Fact]
    public void Layer_TangentByVectorsOfRows_IsTheDirectionalDerivative() =>
        // The forward mode's row loop stores h and its tangent at the row: ḟ = (v·h − 1)·Σⱼ vⱼ(1 − hⱼ²)(W ẋ + ċ)ⱼ.
        (from m in Gen.Int[1, 300]
         from n in Gen.Int[1, 12]
         from W in Matrix(m, n, -0.5, 0.5)
         from x in Vector(n)
         from c in Gen.Double[-1.0, 1.0]
         from v in Vector(m, -0.3, 0.3)
         from dx in Vector(n)
         from dc in Gen.Double[-1.0, 1.0]
         select (W, x, c, v, dx, dc))
        .Sample((W, x, c, v, dx, dc) =>
        {
            var (m, n) = (W.GetLength(0), W.GetLength(1));
            var h = Enumerable.Range(0, m).Select(j => Math.Tanh(c + Enumerable.Range(0, n).Sum(i => W[j, i] * x[i]))).ToArray();
            var o = Enumerable.Range(0, m).Sum(j => v[j] * h[j]);
            var tangent = (o - 1.0) * Enumerable.Range(0, m).Sum(j => v[j] * (1.0 - (h[j] * h[j])) * (dc + Enumerable.Range(0, n).Sum(i => W[j, i] * dx[i])));

            var (value, actual) = LaneFunctions.LayerJvp(W, x, c, v, dx, dc);
            Assert.True(Values.Agree(LaneFunctions.Layer(W, x, c, v), value));
            AssertClose("tangent", [tangent], [actual]);
        }, iter: Iterations);
}
