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
    public void PairEnergy_ByVectorsOfRows_IsBitForBitTheScalarIterationsAndTheClosedForm() =>
        // Points at least 1 apart in x (coincident ones have no derivative); 1 to 80 points give inner loops of every
        // length below 80.
        (from n in Gen.Int[1, 80]
         from px in Vector(n, 0.0, 1.0).Select(x => x.Select((e, k) => e + (2.0 * k)).ToArray())
         from py in Vector(n, -2.0, 2.0)
         select (px, py))
        .Sample((px, py) =>
        {
            var lanes = LaneFunctions.PairEnergyGradient(px, py);
            var scalar = LaneFunctions.PairEnergyScalarGradient(px, py);
            AssertSameBits("value", scalar.Value, lanes.Value);
            for (var k = 0; k < px.Length; k++)
            {
                AssertSameBits($"dpx[{k}]", scalar.dpx[k], lanes.dpx[k]);
                AssertSameBits($"dpy[{k}]", scalar.dpy[k], lanes.dpy[k]);
            }

            // ∂/∂pⱼ of e^(−r)/r over pair (i, j) is c·(pⱼ − pᵢ) with c = −e^(−r)(1 + r)/r³, and the opposite for pᵢ.
            var (gx, gy) = (new double[px.Length], new double[px.Length]);
            for (var i = 0; i < px.Length; i++)
            {
                for (var j = i + 1; j < px.Length; j++)
                {
                    var (dx, dy) = (px[j] - px[i], py[j] - py[i]);
                    var r = Math.Sqrt((dx * dx) + (dy * dy));
                    var c = -Math.Exp(-r) * (1.0 + r) / (r * r * r);
                    (gx[j], gy[j], gx[i], gy[i]) = (gx[j] + (c * dx), gy[j] + (c * dy), gx[i] - (c * dx), gy[i] - (c * dy));
                }
            }

            Assert.True(Values.Agree(LaneFunctions.PairEnergy(px, py), lanes.Value));
            BlockedLoopTests.AssertClose("dpx", gx, lanes.dpx);
            BlockedLoopTests.AssertClose("dpy", gy, lanes.dpy);
        }, iter: Iterations);

    [Fact]
    public void WidenedLocals_InBlockedArguments_KeepTheirTypes() =>
        (from n in Gen.Int[1, 150]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var blocked = LaneFunctions.WidenedLocalsGradient(x);
            var exact = LaneFunctions.WidenedLocalsExactGradient(x);
            Assert.True(Values.Agree(exact.Value, blocked.Value), $"value {blocked.Value:R}, the loop as written {exact.Value:R}");
            BlockedLoopTests.AssertClose("dx", exact.dx, blocked.dx);
        }, iter: Iterations);

    [Fact]
    public void SignedZeros_AreTwoValues_InBlocksAndSharedCalls() =>
        (from n in Gen.Int[1, 150]
         from x in Vector(n, 0.5, 2.0)
         from w in Gen.Double[-2.0, 2.0]
         select (x, w))
        .Sample((x, w) =>
        {
            // tanh(+∞) − tanh(−∞) = 2 per element: value 2wn, ∂/∂w = 2n, exactly.
            var n = x.Length;
            var g = LaneFunctions.SignedZerosGradient(x, w);
            AssertSameBits("value", LaneFunctions.SignedZeros(x, w), g.Value);
            Assert.True(Values.Agree(2.0 * w * n, g.Value), $"value {g.Value:R}, expected 2wn = {2.0 * w * n:R}");
            Assert.Equal(2.0 * n, g.dw);

            var literals = LaneFunctions.SignedZeroLiterals(x);
            Assert.True(Values.Agree((2.0 * n) + x.Sum(e => e * e), literals), $"the method's value {literals:R}");
            AssertSameBits("Hessian's value", literals, LaneFunctions.SignedZeroLiteralsHessian(x).Value);
            AssertSameBits("gradient's value", literals, LaneFunctions.SignedZeroLiteralsGradient(x).Value);
        }, iter: Iterations);

    [Fact]
    public void DividesByZeroFirst_CompanionsThrowWhatTheMethodThrows()
    {
        var x = Enumerable.Range(0, 8).Select(i => 0.1 * i).ToArray();
        var t = Enumerable.Range(0, 8).Select(i => 0.2 * i).ToArray();
        Assert.Throws<DivideByZeroException>(() => LaneFunctions.DividesByZeroFirst(x, t));
        Assert.Throws<DivideByZeroException>(() => LaneFunctions.DividesByZeroFirstGradient(x, t));
        Assert.Throws<DivideByZeroException>(() => LaneFunctions.DividesByZeroFirstHessian(x, t));
        Assert.Throws<DivideByZeroException>(() => LaneFunctions.DividesByZeroFirstJvp(x, t, x));
    }

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
            BlockedLoopTests.AssertClose("dx", dx, g.dx);
            BlockedLoopTests.AssertClose("dc", [delta.Sum()], [g.dc]);
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
            BlockedLoopTests.AssertClose("tangent", [tangent], [actual]);
        }, iter: Iterations);

    [Fact]
    public void Logistic_WithNaNLabels_IsBitForBitTheScalarIterations()
    {
        // A negation flips a NaN's sign bit in scalar code; the lanes must too (an audit found 0xFFF8… against 0x7FF8…).
        var random = new Random(11);
        var (n, d) = (40, 3);
        var X = new double[n, d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                X[i, j] = random.NextDouble() - 0.5;
            }
        }

        var y = Enumerable.Range(0, n).Select(i => i % 7 == 6 ? double.NaN : random.Next(2)).ToArray();
        var w = new[] { 0.3, -0.2, 0.1 };
        var lanes = LaneFunctions.LogisticGradient(X, y, w, 0.05);
        var scalar = LaneFunctions.LogisticScalarGradient(X, y, w, 0.05);
        Assert.True(double.IsNaN(lanes.db));
        AssertSameBits("value", scalar.Value, lanes.Value);
        AssertSameBits("db", scalar.db, lanes.db);
        for (var j = 0; j < d; j++)
        {
            AssertSameBits($"dw[{j}]", scalar.dw[j], lanes.dw[j]);
        }
    }

    [Fact]
    public void IntegerDivision_StaysAnIntDivisionInEveryRow() =>
        Gen.Int[1, 200].SelectMany(n => Vector(n, -2.0, 2.0)).Sample(x =>
        {
            // d/dx eˣx/(1 + x²) = eˣ(x/(1 + x²) + (1 − x²)/(1 + x²)²); the int term 1 / |−2| is 0.
            var value = LaneFunctions.IntegerDivision(x);
            var g = LaneFunctions.IntegerDivisionGradient(x);
            Assert.True(Values.Agree(value, g.Value), $"value {g.Value:R}, the method gives {value:R}");
            Assert.True(Values.Agree(value, LaneFunctions.IntegerDivisionJvp(x, new double[x.Length]).Value));
            var expected = x.Select(v => Math.Exp(v) * ((v / (1.0 + (v * v))) + ((1.0 - (v * v)) / ((1.0 + (v * v)) * (1.0 + (v * v)))))).ToArray();
            BlockedLoopTests.AssertClose("dx", expected, g.dx);
        }, iter: Iterations);

    [Fact]
    public void MergedTerms_ByVectorsOfRows_IsBitForBitTheMergedScalarRows() =>
        (from n in Gen.Int[1, 300]
         from x in Vector(n, -1.0, 1.0)
         from c in Gen.Double[-1.0, 1.0]
         select (x, c))
        .Sample((x, c) =>
        {
            var lanes = LaneFunctions.MergedTermsGradient(x, c);
            var scalar = LaneFunctions.MergedTermsScalarGradient(x, c, 1);
            AssertSameBits("value", scalar.Value, lanes.Value);
            for (var i = 0; i < x.Length; i++)
            {
                AssertSameBits($"dx[{i}]", scalar.dx[i], lanes.dx[i]);
            }
        }, iter: Iterations);
}

