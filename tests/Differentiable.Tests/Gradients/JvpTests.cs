using System;
using CsCheck;
using Xunit.Sdk;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Gradients;

/// <summary>Forward mode (FJvp) against reverse mode (FGradient): Tangent = ∇f·v for random directions v, Value = f.</summary>
public class JvpTests
{
    private const long Iterations = 50;
    private const double Tolerance = 1e-10;

    private static Gen<double> Scalar => Gen.Double[-2.0, 2.0];

    /// <summary>Value is f (up to summation order); Tangent is ∇f·v up to rounding, relative to Σ|∂f/∂xᵢ·vᵢ|.</summary>
    private static void AssertJvp(string function, double expectedValue, (double Value, double Tangent) jvp, (double Dot, double Scale) expected)
    {
        if (!Values.Agree(expectedValue, jvp.Value))
        {
            throw new XunitException($"{function}Jvp: Value {jvp.Value:R}, the function returns {expectedValue:R}.");
        }

        if (!(Math.Abs(jvp.Tangent - expected.Dot) <= Tolerance * Math.Max(1.0, expected.Scale)))
        {
            throw new XunitException($"{function}Jvp: Tangent {jvp.Tangent:R}, gradient·direction is {expected.Dot:R}.");
        }
    }

    [Fact]
    public void Rosenbrock() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         from v in Vector(n)
         select (x, v))
        .Sample((x, v) =>
        {
            var g = TestFunctions.RosenbrockGradient(x);
            AssertJvp(nameof(TestFunctions.Rosenbrock), TestFunctions.Rosenbrock(x), TestFunctions.RosenbrockJvp(x, v), Dot((g.dx, v)));
        }, iter: Iterations);

    [Fact]
    public void LogisticLoss() =>
        (from n in Gen.Int[1, 5]
         from d in Gen.Int[1, 3]
         from X in Matrix(n, d)
         from y in Gen.Double[0.0, 1.0].Array[n]
         from w in Vector(d)
         from b in Scalar
         from vX in Matrix(n, d)
         from vy in Vector(n)
         from vw in Vector(d)
         from vb in Scalar
         select (X, y, w, b, vX, vy, vw, vb))
        .Sample((X, y, w, b, vX, vy, vw, vb) =>
        {
            var g = TestFunctions.LogisticLossGradient(X, y, w, b);
            AssertJvp(nameof(TestFunctions.LogisticLoss), TestFunctions.LogisticLoss(X, y, w, b),
                TestFunctions.LogisticLossJvp(X, y, w, b, vX, vy, vw, vb),
                Dot((g.dX, vX), (g.dy, vy), (g.dw, vw), (g.db, vb)));
        }, iter: Iterations);

    [Fact]
    public void QuadraticForm() =>
        (from n in Gen.Int[1, 5]
         from A in Matrix(n, n)
         from x in Vector(n)
         from vA in Matrix(n, n)
         from vx in Vector(n)
         select (A, x, vA, vx))
        .Sample((A, x, vA, vx) =>
        {
            var g = TestFunctions.QuadraticFormGradient(A, x);
            AssertJvp(nameof(TestFunctions.QuadraticForm), TestFunctions.QuadraticForm(A, x),
                TestFunctions.QuadraticFormJvp(A, x, vA, vx), Dot((g.dA, vA), (g.dx, vx)));
        }, iter: Iterations);

    [Fact]
    public void TraceAXB() =>
        (from m in Gen.Int[1, 3]
         from n in Gen.Int[1, 3]
         from p in Gen.Int[1, 3]
         from A in Matrix(m, n)
         from X in Matrix(n, p)
         from B in Matrix(p, m)
         from vA in Matrix(m, n)
         from vX in Matrix(n, p)
         from vB in Matrix(p, m)
         select (A, X, B, vA, vX, vB))
        .Sample((A, X, B, vA, vX, vB) =>
        {
            var g = TestFunctions.TraceAXBGradient(A, X, B);
            AssertJvp(nameof(TestFunctions.TraceAXB), TestFunctions.TraceAXB(A, X, B),
                TestFunctions.TraceAXBJvp(A, X, B, vA, vX, vB), Dot((g.dA, vA), (g.dX, vX), (g.dB, vB)));
        }, iter: Iterations);

    [Fact]
    public void HiddenLayerLoss() =>
        (from m in Gen.Int[1, 4]
         from n in Gen.Int[1, 4]
         from x in Vector(n)
         from W in Matrix(m, n)
         from v in Vector(m)
         from tx in Vector(n)
         from tW in Matrix(m, n)
         from tv in Vector(m)
         select (x, W, v, tx, tW, tv))
        .Sample((x, W, v, tx, tW, tv) =>
        {
            var g = TestFunctions.HiddenLayerLossGradient(x, W, v);
            AssertJvp(nameof(TestFunctions.HiddenLayerLoss), TestFunctions.HiddenLayerLoss(x, W, v),
                TestFunctions.HiddenLayerLossJvp(x, W, v, tx, tW, tv), Dot((g.dx, tx), (g.dW, tW), (g.dv, tv)));
        }, iter: Iterations);

    [Fact]
    public void PrefixSumLossAndGramLoss() =>
        (from n in Gen.Int[1, 5]
         from d in Gen.Int[1, 3]
         from x in Vector(n)
         from vx in Vector(n)
         from X in Matrix(n, d)
         from vX in Matrix(n, d)
         select (x, vx, X, vX))
        .Sample((x, vx, X, vX) =>
        {
            var prefix = TestFunctions.PrefixSumLossGradient(x);
            AssertJvp(nameof(TestFunctions.PrefixSumLoss), TestFunctions.PrefixSumLoss(x),
                TestFunctions.PrefixSumLossJvp(x, vx), Dot((prefix.dx, vx)));
            var gram = TestFunctions.GramLossGradient(X);
            AssertJvp(nameof(TestFunctions.GramLoss), TestFunctions.GramLoss(X),
                TestFunctions.GramLossJvp(X, vX), Dot((gram.dX, vX)));
        }, iter: Iterations);

    [Fact]
    public void ScalarFunctions() =>
        Gen.Select(Scalar, Scalar, Scalar, Scalar, Gen.Int[0, 6])
        .Sample((x, y, vx, vy, steps) =>
        {
            var all = TestFunctions.AllMathGradient(x, y);
            AssertJvp(nameof(TestFunctions.AllMath), TestFunctions.AllMath(x, y),
                TestFunctions.AllMathJvp(x, y, vx, vy), Dot((all.dx, vx), (all.dy, vy)));

            var piecewise = TestFunctions.PiecewiseGradient(x, y);
            AssertJvp(nameof(TestFunctions.Piecewise), TestFunctions.Piecewise(x, y),
                TestFunctions.PiecewiseJvp(x, y, vx, vy), Dot((piecewise.dx, vx), (piecewise.dy, vy)));

            var iterated = TestFunctions.IteratedMapGradient(x, y, steps);
            AssertJvp(nameof(TestFunctions.IteratedMap), TestFunctions.IteratedMap(x, y, steps),
                TestFunctions.IteratedMapJvp(x, y, steps, vx, vy), Dot((iterated.dx, vx), (iterated.dr, vy)));

            var softplus = TestFunctions.SoftplusMixGradient(x, y);
            AssertJvp(nameof(TestFunctions.SoftplusMix), TestFunctions.SoftplusMix(x, y),
                TestFunctions.SoftplusMixJvp(x, y, vx, vy), Dot((softplus.dx, vx), (softplus.dy, vy)));

            double delta = 0.5 + Math.Abs(y);
            var huber = TestFunctions.HuberGradient(x, delta);
            AssertJvp(nameof(TestFunctions.Huber), TestFunctions.Huber(x, delta),
                TestFunctions.HuberJvp(x, delta, vx, vy), Dot((huber.dx, vx), (huber.ddelta, vy)));
        }, iter: Iterations);

    [Fact]
    public void HornerCountingDown() =>
        (from n in Gen.Int[1, 6]
         from c in Vector(n)
         from x in Scalar
         from vc in Vector(n)
         from vx in Scalar
         select (c, x, vc, vx))
        .Sample((c, x, vc, vx) =>
        {
            var g = TestFunctions.HornerGradient(c, x);
            AssertJvp(nameof(TestFunctions.Horner), TestFunctions.Horner(c, x),
                TestFunctions.HornerJvp(c, x, vc, vx), Dot((g.dc, vc), (g.dx, vx)));
        }, iter: Iterations);

    [Fact]
    public void RestrictedParametersTakeTangentsOnlyForActiveOnes() =>
        (from n in Gen.Int[1, 4]
         from w in Vector(n)
         from c in Vector(n)
         from lambda in Scalar
         from p in Gen.Int[0, 5]
         from vw in Vector(n)
         select (w, c, lambda, p, vw))
        .Sample((w, c, lambda, p, vw) =>
        {
            var g = TestFunctions.PenalizedGradient(w, c, lambda, p);
            AssertJvp(nameof(TestFunctions.Penalized), TestFunctions.Penalized(w, c, lambda, p),
                TestFunctions.PenalizedJvp(w, c, lambda, p, vw), Dot((g.dw, vw)));
        }, iter: Iterations);

    [Theory]
    [InlineData(0.0, 0.0, 1.0, -2.0)]
    [InlineData(1.5, 1.5, 0.25, 3.0)]
    [InlineData(-1.0, -1.0, -1.0, 0.5)]
    public void KinkConventionsAgreeBetweenForwardAndReverseMode(double x, double y, double vx, double vy)
    {
        var abs = TestFunctions.AbsOfGradient(x);
        AssertJvp(nameof(TestFunctions.AbsOf), Math.Abs(x), TestFunctions.AbsOfJvp(x, vx), Dot((abs.dx, vx)));
        var max = TestFunctions.MaxOfGradient(x, y);
        AssertJvp(nameof(TestFunctions.MaxOf), Math.Max(x, y), TestFunctions.MaxOfJvp(x, y, vx, vy), Dot((max.dx, vx), (max.dy, vy)));
        var min = TestFunctions.MinOfGradient(x, y);
        AssertJvp(nameof(TestFunctions.MinOf), Math.Min(x, y), TestFunctions.MinOfJvp(x, y, vx, vy), Dot((min.dx, vx), (min.dy, vy)));
        var steps = TestFunctions.StepsGradient(x);
        AssertJvp(nameof(TestFunctions.Steps), TestFunctions.Steps(x), TestFunctions.StepsJvp(x, vx), Dot((steps.dx, vx)));
    }
}
