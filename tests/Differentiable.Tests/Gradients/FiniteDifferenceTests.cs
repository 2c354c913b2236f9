using System;
using CsCheck;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Gradients;

/// <summary>Every gradient component of every test function against central finite differences, on random inputs.</summary>
public class FiniteDifferenceTests
{
    private const long Iterations = 100;

    private static Gen<double> Scalar(double min = -2.0, double max = 2.0) => Gen.Double[min, max];

    private static Gen<double[]> VectorOfLength(int minLength, int maxLength) =>
        Gen.Int[minLength, maxLength].SelectMany(n => Vector(n));

    /// <summary>At least <c>1e-3</c> from a kink or jump at <paramref name="b"/>; the finite-difference step is ~1e-6.</summary>
    private static bool Far(double a, double b) => Math.Abs(a - b) > 1e-3;

    [Fact]
    public void LogisticLoss() =>
        // |z| ≤ 3 keeps 1 − p well away from 0, so Log(1 − p) is evaluated accurately.
        (from n in Gen.Int[1, 5]
         from d in Gen.Int[1, 3]
         from X in Matrix(n, d, -0.5, 0.5)
         from y in Vector(n, 0.0, 1.0)
         from w in Vector(d, -1.0, 1.0)
         from b in Scalar(-1.0, 1.0)
         select (X, y, w, b))
        .Sample((X, y, w, b) =>
        {
            var g = TestFunctions.LogisticLossGradient(X, y, w, b);
            AssertGradient(nameof(TestFunctions.LogisticLoss),
                a => TestFunctions.LogisticLoss((double[,])a[0], (double[])a[1], (double[])a[2], (double)a[3]),
                [X, y, w, b], g.Value, g.dX, g.dy, g.dw, g.db);
        }, iter: Iterations);

    [Fact]
    public void QuadraticForm() =>
        (from n in Gen.Int[1, 5]
         from A in Matrix(n, n)
         from x in Vector(n)
         select (A, x))
        .Sample((A, x) =>
        {
            var g = TestFunctions.QuadraticFormGradient(A, x);
            AssertGradient(nameof(TestFunctions.QuadraticForm),
                a => TestFunctions.QuadraticForm((double[,])a[0], (double[])a[1]),
                [A, x], g.Value, g.dA, g.dx);
        }, iter: Iterations);

    [Fact]
    public void RowLayer() =>
        (from n in Gen.Int[1, 4]
         from m in Gen.Int[1, 4]
         from x in Vector(n)
         from W in Matrix(n, m)
         from b in Vector(m)
         select (x, W, b))
        .Sample((x, W, b) =>
        {
            var g = TestFunctions.RowLayerGradient(x, W, b);
            AssertGradient(nameof(TestFunctions.RowLayer),
                a => TestFunctions.RowLayer((double[])a[0], (double[,])a[1], (double[])a[2]),
                [x, W, b], g.Value, g.dx, g.dW, g.db);
        }, iter: Iterations);

    [Fact]
    public void TraceAXB() =>
        (from m in Gen.Int[1, 3]
         from n in Gen.Int[1, 3]
         from p in Gen.Int[1, 3]
         from A in Matrix(m, n)
         from X in Matrix(n, p)
         from B in Matrix(p, m)
         select (A, X, B))
        .Sample((A, X, B) =>
        {
            var g = TestFunctions.TraceAXBGradient(A, X, B);
            AssertGradient(nameof(TestFunctions.TraceAXB),
                a => TestFunctions.TraceAXB((double[,])a[0], (double[,])a[1], (double[,])a[2]),
                [A, X, B], g.Value, g.dA, g.dX, g.dB);
        }, iter: Iterations);

    [Fact]
    public void Piecewise() =>
        Gen.Select(Scalar(), Scalar())
        .Where((x, y) => Far(x, 0.0) && Far(y, 0.5) && Far(x, y) && Far(x, 2.0 * y) && Far(x * x, y + 1.0))
        .Sample((x, y) =>
        {
            var g = TestFunctions.PiecewiseGradient(x, y);
            AssertGradient(nameof(TestFunctions.Piecewise),
                a => TestFunctions.Piecewise((double)a[0], (double)a[1]),
                [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void Huber() =>
        Gen.Select(Scalar(-3.0, 3.0), Scalar(0.5, 2.0))
        .Where((x, delta) => Far(Math.Abs(x), delta))
        .Sample((x, delta) =>
        {
            var g = TestFunctions.HuberGradient(x, delta);
            AssertGradient(nameof(TestFunctions.Huber),
                a => TestFunctions.Huber((double)a[0], (double)a[1]),
                [x, delta], g.Value, g.dx, g.ddelta);
        }, iter: Iterations);

    [Fact]
    public void AllMath() =>
        Gen.Select(Scalar(), Scalar())
        .Sample((x, y) =>
        {
            var g = TestFunctions.AllMathGradient(x, y);
            AssertGradient(nameof(TestFunctions.AllMath),
                a => TestFunctions.AllMath((double)a[0], (double)a[1]),
                [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void Rosenbrock() =>
        (from n in Gen.Int[1, 5]
         from x in Vector(n, -1.5, 1.5)
         select x)
        .Sample(x =>
        {
            var g = TestFunctions.RosenbrockGradient(x);
            AssertGradient(nameof(TestFunctions.Rosenbrock),
                a => TestFunctions.Rosenbrock((double[])a[0]),
                [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void PrefixSumLoss() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var g = TestFunctions.PrefixSumLossGradient(x);
            AssertGradient(nameof(TestFunctions.PrefixSumLoss),
                a => TestFunctions.PrefixSumLoss((double[])a[0]),
                [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void HiddenLayerLoss() =>
        (from m in Gen.Int[1, 4]
         from n in Gen.Int[1, 4]
         from x in Vector(n)
         from W in Matrix(m, n)
         from v in Vector(m)
         select (x, W, v))
        .Sample((x, W, v) =>
        {
            var g = TestFunctions.HiddenLayerLossGradient(x, W, v);
            AssertGradient(nameof(TestFunctions.HiddenLayerLoss),
                a => TestFunctions.HiddenLayerLoss((double[])a[0], (double[,])a[1], (double[])a[2]),
                [x, W, v], g.Value, g.dx, g.dW, g.dv);
        }, iter: Iterations);

    [Fact]
    public void GramLoss() =>
        (from n in Gen.Int[1, 4]
         from d in Gen.Int[1, 3]
         from X in Matrix(n, d)
         select X)
        .Sample(X =>
        {
            var g = TestFunctions.GramLossGradient(X);
            AssertGradient(nameof(TestFunctions.GramLoss),
                a => TestFunctions.GramLoss((double[,])a[0]),
                [X], g.Value, g.dX);
        }, iter: Iterations);

    [Fact]
    public void IteratedMap() =>
        Gen.Select(Scalar(), Scalar(), Gen.Int[0, 6])
        .Sample((x, r, steps) =>
        {
            var g = TestFunctions.IteratedMapGradient(x, r, steps);
            AssertGradient(nameof(TestFunctions.IteratedMap),
                a => TestFunctions.IteratedMap((double)a[0], (double)a[1], (int)a[2]),
                [x, r, steps], g.Value, g.dx, g.dr, null);
        }, iter: Iterations);

    [Fact]
    public void SoftplusMix() =>
        Gen.Select(Scalar(), Scalar())
        .Sample((x, y) =>
        {
            var g = TestFunctions.SoftplusMixGradient(x, y);
            AssertGradient(nameof(TestFunctions.SoftplusMix),
                a => TestFunctions.SoftplusMix((double)a[0], (double)a[1]),
                [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void Horner() =>
        (from n in Gen.Int[1, 6]
         from c in Vector(n)
         from x in Scalar()
         select (c, x))
        .Sample((c, x) =>
        {
            var g = TestFunctions.HornerGradient(c, x);
            AssertGradient(nameof(TestFunctions.Horner),
                a => TestFunctions.Horner((double[])a[0], (double)a[1]),
                [c, x], g.Value, g.dc, g.dx);
        }, iter: Iterations);

    [Fact]
    public void Penalized() =>
        (from n in Gen.Int[1, 4]
         from w in Vector(n, -1.5, 1.5)
         from c in Vector(n, -1.5, 1.5)
         from lambda in Scalar(-1.0, 1.0)
         from p in Gen.Int[0, 5]
         select (w, c, lambda, p))
        .Sample((w, c, lambda, p) =>
        {
            var g = TestFunctions.PenalizedGradient(w, c, lambda, p);
            AssertGradient(nameof(TestFunctions.Penalized),
                a => TestFunctions.Penalized((double[])a[0], (double[])a[1], (double)a[2], (int)a[3]),
                [w, c, lambda, p], g.Value, g.dw, null, null, null);
        }, iter: Iterations);

    [Fact]
    public void KinkedFunctionsAwayFromTheirKinks() =>
        Gen.Select(Scalar(), Scalar())
        .Where((x, y) => Far(x, 0.0) && Far(x, y))
        .Sample((x, y) =>
        {
            var abs = TestFunctions.AbsOfGradient(x);
            AssertGradient(nameof(TestFunctions.AbsOf), a => TestFunctions.AbsOf((double)a[0]), [x], abs.Value, abs.dx);
            var max = TestFunctions.MaxOfGradient(x, y);
            AssertGradient(nameof(TestFunctions.MaxOf), a => TestFunctions.MaxOf((double)a[0], (double)a[1]), [x, y], max.Value, max.dx, max.dy);
            var min = TestFunctions.MinOfGradient(x, y);
            AssertGradient(nameof(TestFunctions.MinOf), a => TestFunctions.MinOf((double)a[0], (double)a[1]), [x, y], min.Value, min.dx, min.dy);
        }, iter: Iterations);

    [Fact]
    public void PiecewiseConstantFactorsAwayFromTheirJumps() =>
        // Floor jumps at integers, Round at half-integers, Ceiling(2x) at half-integers, Sign at 0.
        Gen.Select(Scalar(), Scalar())
        .Where((x, y) => Far(2.0 * x, Math.Round(2.0 * x)) && Far(2.0 * y, Math.Round(2.0 * y)))
        .Sample((x, y) =>
        {
            var steps = TestFunctions.StepsGradient(x);
            AssertGradient(nameof(TestFunctions.Steps), a => TestFunctions.Steps((double)a[0]), [x], steps.Value, steps.dx);
            var times = TestFunctions.TimesFloorGradient(x, y);
            AssertGradient(nameof(TestFunctions.TimesFloor), a => TestFunctions.TimesFloor((double)a[0], (double)a[1]), [x, y], times.Value, times.dx, times.dy);
        }, iter: Iterations);
    [Fact]
    public void LogSumExp() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var g = TestFunctions.LogSumExpGradient(x);
            AssertGradient(nameof(TestFunctions.LogSumExp), a => TestFunctions.LogSumExp((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void Diffusion() =>
        (from n in Gen.Int[1, 6]
         from u0 in Vector(n, -1.0, 1.0)
         from k in Scalar(0.0, 0.4)
         from steps in Gen.Int[0, 5]
         select (u0, k, steps))
        .Sample((u0, k, steps) =>
        {
            var g = TestFunctions.DiffusionGradient(u0, k, steps);
            AssertGradient(nameof(TestFunctions.Diffusion),
                a => TestFunctions.Diffusion((double[])a[0], (double)a[1], (int)a[2]),
                [u0, k, steps], g.Value, g.du0, g.dk, null);
        }, iter: Iterations);

    [Fact]
    public void SoftmaxCrossEntropy() =>
        (from c in Gen.Int[2, 4]
         from d in Gen.Int[1, 3]
         from label in Gen.Int[0, c - 1]
         from W in Matrix(c, d)
         from x in Vector(d)
         select (W, x, label))
        .Sample((W, x, label) =>
        {
            var g = TestFunctions.SoftmaxCrossEntropyGradient(W, x, label);
            AssertGradient(nameof(TestFunctions.SoftmaxCrossEntropy),
                a => TestFunctions.SoftmaxCrossEntropy((double[,])a[0], (double[])a[1], (int)a[2]),
                [W, x, label], g.Value, g.dW, g.dx, null);
        }, iter: Iterations);

    [Fact]
    public void BranchyLoop() =>
        (from n in Gen.Int[1, 5]
         from x in Vector(n)
         select x)
        .Where(x => Array.TrueForAll(x, xi => Far(xi, 0.0) && Far(xi, -1.0)))
        .Sample(x =>
        {
            var g = TestFunctions.BranchyLoopGradient(x);
            AssertGradient(nameof(TestFunctions.BranchyLoop), a => TestFunctions.BranchyLoop((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void RemainderMix() =>
        Gen.Select(Scalar(-5.0, 5.0), Scalar(0.5, 2.0))
        .Where((x, y) => Far(x / y, Math.Round(x / y)) && Far(x, y))
        .Sample((x, y) =>
        {
            var g = TestFunctions.RemainderMixGradient(x, y);
            AssertGradient(nameof(TestFunctions.RemainderMix),
                a => TestFunctions.RemainderMix((double)a[0], (double)a[1]),
                [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void ReturnAfterLoop() =>
        (from n in Gen.Int[1, 5]
         from x in Vector(n)
         select x)
        .Where(x => Far(TestFunctions.ReturnAfterLoop(x), 0.0))
        .Sample(x =>
        {
            var g = TestFunctions.ReturnAfterLoopGradient(x);
            AssertGradient(nameof(TestFunctions.ReturnAfterLoop), a => TestFunctions.ReturnAfterLoop((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void CollidingNames() =>
        (from n in Gen.Int[1, 4]
         from x in Scalar()
         from value in Scalar()
         from tape in Vector(n)
         select (x, value, tape))
        .Sample((x, value, tape) =>
        {
            var g = TestFunctions.CollidingNamesGradient(x, value, tape);
            AssertGradient(nameof(TestFunctions.CollidingNames),
                a => TestFunctions.CollidingNames((double)a[0], (double)a[1], (double[])a[2]),
                [x, value, tape], g.Value, g.dx, g.dvalue, g.dtape);
        }, iter: Iterations);

    [Fact]
    public void ProductNorm() =>
        (from m in Gen.Int[1, 3]
         from n in Gen.Int[1, 3]
         from p in Gen.Int[1, 3]
         from A in Matrix(m, n)
         from B in Matrix(n, p)
         select (A, B))
        .Sample((A, B) =>
        {
            var g = TestFunctions.ProductNormGradient(A, B);
            AssertGradient(nameof(TestFunctions.ProductNorm),
                a => TestFunctions.ProductNorm((double[,])a[0], (double[,])a[1]),
                [A, B], g.Value, g.dA, g.dB);
        }, iter: Iterations);

    [Fact]
    public void BackwardRecurrence() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var g = TestFunctions.BackwardRecurrenceGradient(x);
            AssertGradient(nameof(TestFunctions.BackwardRecurrence), a => TestFunctions.BackwardRecurrence((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void PairInteraction() =>
        (from n in Gen.Int[1, 6]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var g = TestFunctions.PairInteractionGradient(x);
            AssertGradient(nameof(TestFunctions.PairInteraction), a => TestFunctions.PairInteraction((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void Recurrence() =>
        Gen.Select(Scalar(), Scalar(), Gen.Int[2, 8])
        .Sample((a, b, n) =>
        {
            var g = TestFunctions.RecurrenceGradient(a, b, n);
            AssertGradient(nameof(TestFunctions.Recurrence),
                args => TestFunctions.Recurrence((double)args[0], (double)args[1], (int)args[2]),
                [a, b, n], g.Value, g.da, g.db, null);
        }, iter: Iterations);

    [Fact]
    public void ReassignedParameter() =>
        Gen.Select(Scalar(), Scalar())
        .Sample((x, y) =>
        {
            var g = TestFunctions.ReassignedParameterGradient(x, y);
            AssertGradient(nameof(TestFunctions.ReassignedParameter),
                a => TestFunctions.ReassignedParameter((double)a[0], (double)a[1]),
                [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void UnusedAndComparedOnly() =>
        Gen.Select(Scalar(), Scalar(), Scalar())
        .Where((x, unused, threshold) => Far(x, threshold))
        .Sample((x, unused, threshold) =>
        {
            var g = TestFunctions.UnusedAndComparedOnlyGradient(x, unused, threshold);
            AssertGradient(nameof(TestFunctions.UnusedAndComparedOnly),
                a => TestFunctions.UnusedAndComparedOnly((double)a[0], (double)a[1], (double)a[2]),
                [x, unused, threshold], g.Value, g.dx, g.dunused, g.dthreshold);
        }, iter: Iterations);
    [Fact]
    public void IntReassigned() =>
        VectorOfLength(1, 6).Sample(x =>
        {
            var g = TestFunctions.IntReassignedGradient(x);
            AssertGradient(nameof(TestFunctions.IntReassigned), a => TestFunctions.IntReassigned((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void IntInLoop() =>
        VectorOfLength(1, 6).Sample(x =>
        {
            var g = TestFunctions.IntInLoopGradient(x);
            AssertGradient(nameof(TestFunctions.IntInLoop), a => TestFunctions.IntInLoop((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void BoolInLoop() =>
        VectorOfLength(1, 6)
        .Where(x =>
        {
            // Keep every intermediate s away from 0, where the branch (and the value) jumps, and moderate, so that
            // exp(−s) cannot make the value so large that the finite difference's rounding swamps the tolerance.
            bool up = true;
            double s = 0.0;
            foreach (double xi in x)
            {
                s = up ? s * xi + 1.0 : Math.Exp(-s) * xi;
                if (!Far(s, 0.0) || Math.Abs(s) > 20.0)
                {
                    return false;
                }

                up = s > 0.0;
            }

            return true;
        })
        .Sample(x =>
        {
            var g = TestFunctions.BoolInLoopGradient(x);
            AssertGradient(nameof(TestFunctions.BoolInLoop), a => TestFunctions.BoolInLoop((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ArrayPerIteration() =>
        Gen.Select(VectorOfLength(1, 6), Gen.Int[0, 4])
        .Sample((u0, steps) =>
        {
            var g = TestFunctions.ArrayPerIterationGradient(u0, steps);
            AssertGradient(nameof(TestFunctions.ArrayPerIteration),
                a => TestFunctions.ArrayPerIteration((double[])a[0], (int)a[1]),
                [u0, steps], g.Value, g.du0, null);
        }, iter: Iterations);

    [Fact]
    public void EarlyReturn() =>
        Gen.Select(Scalar(), Scalar())
        .Where((x, y) => Far(x, 0.0) && Far(Math.Abs(y), 1.0))
        .Sample((x, y) =>
        {
            var g = TestFunctions.EarlyReturnGradient(x, y);
            AssertGradient(nameof(TestFunctions.EarlyReturn),
                a => TestFunctions.EarlyReturn((double)a[0], (double)a[1]),
                [x, y], g.Value, g.dx, g.dy);
        }, iter: Iterations);

    [Fact]
    public void LocalLength() =>
        VectorOfLength(1, 6).Sample(x =>
        {
            var g = TestFunctions.LocalLengthGradient(x);
            AssertGradient(nameof(TestFunctions.LocalLength), a => TestFunctions.LocalLength((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void InclusiveBounds() =>
        VectorOfLength(1, 6).Sample(x =>
        {
            var g = TestFunctions.InclusiveBoundsGradient(x);
            AssertGradient(nameof(TestFunctions.InclusiveBounds), a => TestFunctions.InclusiveBounds((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void StoredResults_Overwritten() =>
        VectorOfLength(1, 9).Sample(x =>
        {
            var g = StoredResultFunctions.OverwrittenGradient(x);
            AssertGradient(nameof(StoredResultFunctions.Overwritten),
                a => StoredResultFunctions.Overwritten((double[])a[0]),
                [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void StoredResults_Recurrent() =>
        (from n in Gen.Int[1, 9]
         from x in Vector(n)
         from w in Vector(n)
         select (x, w))
        .Sample((x, w) =>
        {
            var g = StoredResultFunctions.RecurrentGradient(x, w);
            AssertGradient(nameof(StoredResultFunctions.Recurrent),
                a => StoredResultFunctions.Recurrent((double[])a[0], (double[])a[1]),
                [x, w], g.Value, g.dx, g.dw);
        }, iter: Iterations);
}
