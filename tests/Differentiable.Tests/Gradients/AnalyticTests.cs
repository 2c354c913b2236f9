using System;
using CsCheck;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Gradients;

/// <summary>Generated gradients against closed forms, and the conventions at kinks and jumps.</summary>
public class AnalyticTests
{
    private const long Iterations = 50;
    private const double Exact = 1e-12;

    [Fact]
    public void QuadraticFormGradientIsOuterProductAndSymmetrisedProduct() =>
        (from n in Gen.Int[1, 6]
         from A in Matrix(n, n)
         from x in Vector(n)
         select (A, x))
        .Sample((A, x) =>
        {
            int n = x.Length;
            var (value, dA, dx) = TestFunctions.QuadraticFormGradient(A, x);

            var outer = new double[n, n];
            var symmetrised = new double[n];
            double expectedValue = 0.0;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    outer[i, j] = x[i] * x[j];
                    symmetrised[i] += (A[i, j] + A[j, i]) * x[j];
                    expectedValue += x[i] * A[i, j] * x[j];
                }
            }

            AssertClose("xᵀAx", expectedValue, value, Exact);
            AssertClose("∂(xᵀAx)/∂A = x xᵀ", outer, dA, Exact);
            AssertClose("∂(xᵀAx)/∂x = (A + Aᵀ)x", symmetrised, dx, Exact);
        }, iter: Iterations);

    [Fact]
    public void RowLayerWeightGradientIsOuterProductOfInputAndOutputGradient() =>
        (from n in Gen.Int[1, 5]
         from m in Gen.Int[1, 5]
         from x in Vector(n)
         from W in Matrix(n, m)
         from b in Vector(m)
         select (x, W, b))
        .Sample((x, W, b) =>
        {
            int n = x.Length, m = b.Length;
            var (value, dx, dW, db) = TestFunctions.RowLayerGradient(x, W, b);

            // z = xW + b and ∂L/∂z = z for L = ½‖z‖².
            var z = new double[m];
            for (int j = 0; j < m; j++)
            {
                z[j] = b[j];
                for (int i = 0; i < n; i++)
                {
                    z[j] += x[i] * W[i, j];
                }
            }

            var outer = new double[n, m];
            var backInput = new double[n];
            double expectedValue = 0.0;
            for (int j = 0; j < m; j++)
            {
                expectedValue += 0.5 * z[j] * z[j];
                for (int i = 0; i < n; i++)
                {
                    outer[i, j] = x[i] * z[j];
                    backInput[i] += W[i, j] * z[j];
                }
            }

            AssertClose("½‖xW + b‖²", expectedValue, value, Exact);
            AssertClose("∂L/∂W = xᵀ·(∂L/∂z)", outer, dW, Exact);
            AssertClose("∂L/∂x = W·(∂L/∂z)", backInput, dx, Exact);
            AssertClose("∂L/∂b = ∂L/∂z", z, db, Exact);
        }, iter: Iterations);

    [Fact]
    public void TraceGradientsAreTransposedProducts() =>
        (from m in Gen.Int[1, 4]
         from n in Gen.Int[1, 4]
         from p in Gen.Int[1, 4]
         from A in Matrix(m, n)
         from X in Matrix(n, p)
         from B in Matrix(p, m)
         select (A, X, B))
        .Sample((A, X, B) =>
        {
            int m = A.GetLength(0), n = A.GetLength(1), p = X.GetLength(1);
            var (value, dA, dX, dB) = TestFunctions.TraceAXBGradient(A, X, B);

            var AtBt = new double[n, p]; // ∂/∂X = AᵀBᵀ
            var XBt = new double[m, n];  // ∂/∂A = (XB)ᵀ
            var AXt = new double[p, m];  // ∂/∂B = (AX)ᵀ
            double trace = 0.0;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    for (int k = 0; k < p; k++)
                    {
                        AtBt[j, k] += A[i, j] * B[k, i];
                        XBt[i, j] += X[j, k] * B[k, i];
                        AXt[k, i] += A[i, j] * X[j, k];
                        trace += A[i, j] * X[j, k] * B[k, i];
                    }
                }
            }

            AssertClose("trace(AXB)", trace, value, Exact);
            AssertClose("∂ trace(AXB)/∂X = AᵀBᵀ", AtBt, dX, Exact);
            AssertClose("∂ trace(AXB)/∂A = (XB)ᵀ", XBt, dA, Exact);
            AssertClose("∂ trace(AXB)/∂B = (AX)ᵀ", AXt, dB, Exact);
        }, iter: Iterations);

    [Fact]
    public void RosenbrockGradientMatchesItsClosedForm() =>
        (from n in Gen.Int[1, 8]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            int n = x.Length;
            var expected = new double[n];
            for (int i = 0; i < n - 1; i++)
            {
                expected[i] += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
                expected[i + 1] += 200.0 * (x[i + 1] - x[i] * x[i]);
            }

            var (value, dx) = TestFunctions.RosenbrockGradient(x);
            Assert.Equal(TestFunctions.Rosenbrock(x), value);
            AssertClose("∇ Rosenbrock", expected, dx, Exact);
        }, iter: Iterations);

    [Fact]
    public void RosenbrockGradientVanishesAtTheMinimum()
    {
        var (value, dx) = TestFunctions.RosenbrockGradient([1.0, 1.0, 1.0, 1.0]);
        Assert.Equal(0.0, value);
        Assert.All(dx, d => Assert.Equal(0.0, d));
    }

    [Fact]
    public void LogisticLossGradientMatchesItsClosedForm() =>
        (from n in Gen.Int[1, 6]
         from d in Gen.Int[1, 3]
         from X in Matrix(n, d)
         from y in Gen.Double[0.0, 1.0].Array[n]
         from w in Gen.Double[-1.0, 1.0].Array[d]
         from b in Gen.Double[-1.0, 1.0]
         select (X, y, w, b))
        .Sample((X, y, w, b) =>
        {
            int n = y.Length, d = w.Length;
            var expectedX = new double[n, d];
            var expectedY = new double[n];
            var expectedW = new double[d];
            double expectedB = 0.0;
            for (int i = 0; i < n; i++)
            {
                double z = b;
                for (int j = 0; j < d; j++)
                {
                    z += X[i, j] * w[j];
                }

                double residual = (1.0 / (1.0 + Math.Exp(-z)) - y[i]) / n; // (p − y)/n
                for (int j = 0; j < d; j++)
                {
                    expectedW[j] += residual * X[i, j];
                    expectedX[i, j] = residual * w[j];
                }

                expectedB += residual;
                expectedY[i] = -z / n; // −(log p − log(1 − p))/n
            }

            var g = TestFunctions.LogisticLossGradient(X, y, w, b);
            AssertClose("∂L/∂w = Xᵀ(p − y)/n", expectedW, g.dw, 1e-10);
            AssertClose("∂L/∂b = mean(p − y)", expectedB, g.db, 1e-10);
            AssertClose("∂L/∂X = (p − y)wᵀ/n", expectedX, g.dX, 1e-10);
            AssertClose("∂L/∂y = −z/n", expectedY, g.dy, 1e-10);
        }, iter: Iterations);

    [Fact]
    public void HornerGradientIsPowersAndPolynomialDerivative() =>
        (from n in Gen.Int[1, 7]
         from c in Vector(n)
         from x in Gen.Double[-2.0, 2.0]
         select (c, x))
        .Sample((c, x) =>
        {
            var powers = new double[c.Length];
            double derivative = 0.0;
            for (int i = 0; i < c.Length; i++)
            {
                powers[i] = Math.Pow(x, i);
                if (i > 0)
                {
                    derivative += i * c[i] * Math.Pow(x, i - 1);
                }
            }

            var (_, dc, dx) = TestFunctions.HornerGradient(c, x);
            AssertClose("∂p/∂c[i] = xⁱ", powers, dc, Exact);
            AssertClose("∂p/∂x = p′(x)", derivative, dx, Exact);
        }, iter: Iterations);

    [Fact]
    public void RestrictedGradientCoversOnlyTheNamedParameter() =>
        (from n in Gen.Int[1, 5]
         from w in Vector(n)
         from c in Vector(n)
         from lambda in Gen.Double[-1.0, 1.0]
         from p in Gen.Int[0, 5]
         select (w, c, lambda, p))
        .Sample((w, c, lambda, p) =>
        {
            var expected = new double[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                expected[i] = (p == 0 ? 0.0 : lambda * p * Math.Pow(w[i] - c[i], p - 1)) + c[i];
            }

            var (value, dw) = TestFunctions.PenalizedGradient(w, c, lambda, p);
            Assert.Equal(TestFunctions.Penalized(w, c, lambda, p), value);
            AssertClose("∂/∂w of λΣ(w − c)ᵖ + w·c", expected, dw, Exact);
        }, iter: Iterations);

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(2.5, 1.0)]
    [InlineData(-2.5, -1.0)]
    public void AbsDerivativeIsSignWithOneAtZero(double x, double expected)
    {
        var (value, dx) = TestFunctions.AbsOfGradient(x);
        Assert.Equal(Math.Abs(x), value);
        Assert.Equal(expected, dx);
        Assert.Equal(expected * 3.0, TestFunctions.AbsOfJvp(x, 3.0).Tangent);
    }

    [Fact]
    public void AbsDerivativeAtNegativeZeroIsOne()
    {
        // −0.0 == 0.0, so the convention |x|'(0) = 1 applies to it too.
        var (_, dx) = TestFunctions.AbsOfGradient(-0.0);
        Assert.Equal(1.0, dx);
    }

    [Theory]
    [InlineData(1.0, 1.0, 0.5, 0.5)]
    [InlineData(-0.7, -0.7, 0.5, 0.5)]
    [InlineData(0.0, 0.0, 0.5, 0.5)]
    [InlineData(2.0, 1.0, 1.0, 0.0)]
    [InlineData(1.0, 2.0, 0.0, 1.0)]
    public void MaxSendsTheDerivativeToTheLargerArgumentAndSplitsTies(double x, double y, double expectedX, double expectedY)
    {
        var (value, dx, dy) = TestFunctions.MaxOfGradient(x, y);
        Assert.Equal(Math.Max(x, y), value);
        Assert.Equal(expectedX, dx);
        Assert.Equal(expectedY, dy);
    }

    [Theory]
    [InlineData(1.0, 1.0, 0.5, 0.5)]
    [InlineData(-0.7, -0.7, 0.5, 0.5)]
    [InlineData(0.0, 0.0, 0.5, 0.5)]
    [InlineData(2.0, 1.0, 0.0, 1.0)]
    [InlineData(1.0, 2.0, 1.0, 0.0)]
    public void MinSendsTheDerivativeToTheSmallerArgumentAndSplitsTies(double x, double y, double expectedX, double expectedY)
    {
        var (value, dx, dy) = TestFunctions.MinOfGradient(x, y);
        Assert.Equal(Math.Min(x, y), value);
        Assert.Equal(expectedX, dx);
        Assert.Equal(expectedY, dy);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-1.5)]
    [InlineData(2.5)]
    [InlineData(-0.2)]
    public void PiecewiseConstantFunctionsHaveZeroDerivative(double x)
    {
        var (value, dx) = TestFunctions.StepsGradient(x);
        Assert.Equal(TestFunctions.Steps(x), value);
        Assert.Equal(0.0, dx);
        Assert.Equal(0.0, TestFunctions.StepsJvp(x, 1.0).Tangent);
    }

    [Theory]
    [InlineData(1.5, 0.3)]
    [InlineData(-0.5, 1.0)]
    [InlineData(2.0, -1.5)]
    [InlineData(0.7, 2.5)]
    public void PiecewiseConstantFactorsScaleButContributeNothing(double x, double y)
    {
        var (_, dx, dy) = TestFunctions.TimesFloorGradient(x, y);
        Assert.Equal(Math.Floor(y) + Math.Round(y) * Math.Sign(y), dx);
        Assert.Equal(0.0, dy);
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.0)]
    [InlineData(0.5, 1.0, 0.5)]
    [InlineData(-3.0, 1.0, -1.0)]
    [InlineData(3.0, 2.0, 2.0)]
    public void HuberGradientInBothBranches(double x, double delta, double expected)
    {
        var (_, dx, _) = TestFunctions.HuberGradient(x, delta);
        Assert.Equal(expected, dx);
    }
    [Fact]
    public void LogSumExpGradientIsSoftmax() =>
        (from n in Gen.Int[1, 7]
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            double max = double.NegativeInfinity;
            foreach (double xi in x)
            {
                max = Math.Max(max, xi);
            }

            double total = 0.0;
            foreach (double xi in x)
            {
                total += Math.Exp(xi - max);
            }

            var softmax = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                softmax[i] = Math.Exp(x[i] - max) / total;
            }

            AssertClose("∇ log Σ exp = softmax", softmax, TestFunctions.LogSumExpGradient(x).dx, Exact);
        }, iter: Iterations);

    [Fact]
    public void LogSumExpGradientSumsToOneWithTiedMaxima()
    {
        // The running maximum sees ties; its derivative cancels, so Max's tie convention must not leak into the result.
        var (_, dx) = TestFunctions.LogSumExpGradient([1.0, 1.0, -1.0, 1.0]);
        double e = Math.Exp(-2.0);
        double expectedTop = 1.0 / (3.0 + e);
        AssertClose("softmax with ties", new[] { expectedTop, expectedTop, e * expectedTop, expectedTop }, dx, Exact);
    }

    [Fact]
    public void SoftmaxCrossEntropyGradientIsResidualTimesInput() =>
        (from c in Gen.Int[2, 5]
         from d in Gen.Int[1, 4]
         from label in Gen.Int[0, c - 1]
         from W in Matrix(c, d)
         from x in Vector(d)
         select (W, x, label))
        .Sample((W, x, label) =>
        {
            int c = W.GetLength(0), d = x.Length;
            var z = new double[c];
            double max = double.NegativeInfinity;
            for (int i = 0; i < c; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    z[i] += W[i, j] * x[j];
                }

                max = Math.Max(max, z[i]);
            }

            double total = 0.0;
            for (int i = 0; i < c; i++)
            {
                total += Math.Exp(z[i] - max);
            }

            var expectedW = new double[c, d];
            var expectedX = new double[d];
            for (int i = 0; i < c; i++)
            {
                double residual = Math.Exp(z[i] - max) / total - (i == label ? 1.0 : 0.0); // p − onehot
                for (int j = 0; j < d; j++)
                {
                    expectedW[i, j] = residual * x[j];
                    expectedX[j] += residual * W[i, j];
                }
            }

            var g = TestFunctions.SoftmaxCrossEntropyGradient(W, x, label);
            AssertClose("∂CE/∂W = (p − e_label) xᵀ", expectedW, g.dW, 1e-10);
            AssertClose("∂CE/∂x = Wᵀ(p − e_label)", expectedX, g.dx, 1e-10);
        }, iter: Iterations);

    [Fact]
    public void ProductNormGradientIsTwiceProductTimesTransposedFactor() =>
        (from m in Gen.Int[1, 4]
         from n in Gen.Int[1, 4]
         from p in Gen.Int[1, 4]
         from A in Matrix(m, n)
         from B in Matrix(n, p)
         select (A, B))
        .Sample((A, B) =>
        {
            int m = A.GetLength(0), n = A.GetLength(1), p = B.GetLength(1);
            var C = new double[m, p];
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    for (int k = 0; k < n; k++)
                    {
                        C[i, j] += A[i, k] * B[k, j];
                    }
                }
            }

            var expectedA = new double[m, n]; // 2·C·Bᵀ
            var expectedB = new double[n, p]; // 2·Aᵀ·C
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < p; j++)
                {
                    for (int k = 0; k < n; k++)
                    {
                        expectedA[i, k] += 2.0 * C[i, j] * B[k, j];
                        expectedB[k, j] += 2.0 * A[i, k] * C[i, j];
                    }
                }
            }

            var g = TestFunctions.ProductNormGradient(A, B);
            AssertClose("∂‖AB‖²/∂A = 2(AB)Bᵀ", expectedA, g.dA, Exact);
            AssertClose("∂‖AB‖²/∂B = 2Aᵀ(AB)", expectedB, g.dB, Exact);
        }, iter: Iterations);

    [Theory]
    [InlineData(1.5, 0.3, 2.0)]
    [InlineData(-1.5, 0.3, 2.0)]
    [InlineData(0.5, 0.5, -7.0)]
    public void UnusedAndComparedOnlyParametersGetExactlyZero(double x, double unused, double threshold)
    {
        var (_, dx, dUnused, dThreshold) = TestFunctions.UnusedAndComparedOnlyGradient(x, unused, threshold);
        Assert.Equal(x > threshold ? 2.0 * x : 3.0, dx);
        Assert.Equal(0.0, dUnused);
        Assert.Equal(0.0, dThreshold);
    }
}
