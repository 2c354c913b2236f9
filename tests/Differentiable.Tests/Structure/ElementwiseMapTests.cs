using System;
using Differentiable.Tests.Jacobians;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Elementwise maps through functions of two or three arguments (max, min, pow, hypot, atan2, fma, copysign, log to a
/// base) and through abs. Their Jacobians were dense: the structure pass read one-argument calls only, so a ReLU over
/// 10,000 elements was an 800 MB matrix. Each is now a diagonal (or shifts, in a stencil).
/// </summary>
public static partial class ElementwiseMapFunctions
{
    /// <summary>The ReLU: diag(∂max/∂u₁), 1 where x &gt; 0, ½ at 0 (the generator's tie rule).</summary>
    [Differentiate]
    public static double[] Relu(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Max(0.0, x[i]);
        }

        return y;
    }

    /// <summary>A leaky ReLU reads x in both arguments: two terms on one diagonal.</summary>
    [Differentiate]
    public static double[] LeakyRelu(double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Max(0.01 * x[i], x[i]);
        }

        return y;
    }

    /// <summary>Powers with a scalar exponent: a diagonal in x, a dense column in p.</summary>
    [Differentiate]
    public static double[] Power(double[] x, double p)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = Math.Pow(x[i], p) + Math.Pow(x[i], 3.0);
        }

        return y;
    }

    /// <summary>Two vectors through hypot and atan2: a diagonal in each.</summary>
    [Differentiate]
    public static double[] Polar(double[] a, double[] b)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = double.Hypot(a[i], b[i]) * Math.Atan2(b[i], a[i]);
        }

        return y;
    }

    /// <summary>abs, fma, copysign, min and a logarithm to a base over three vectors.</summary>
    [Differentiate]
    public static double[] Mixed(double[] a, double[] b, double[] c)
    {
        var y = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            y[i] = Math.FusedMultiplyAdd(a[i], b[i], Math.Abs(c[i])) + Math.CopySign(a[i], c[i])
                + Math.Min(a[i], b[i]) + Math.Log(Math.Abs(a[i]) + 1.0, 2.0 + (c[i] * c[i]));
        }

        return y;
    }

    /// <summary>
    /// A ReLU layer: its kink is decided on Σ_j W[i, j]·x[j], which the value computes with a SIMD kernel. The structure's
    /// own loop would round differently, so the Jacobian is assembled from the VJPs, which decide as the value does.
    /// </summary>
    [Differentiate]
    public static double[] ReluLayer(double[,] w, double[] x)
    {
        var y = new double[w.GetLength(0)];
        for (int i = 0; i < y.Length; i++)
        {
            double s = 0.0;
            for (int j = 0; j < x.Length; j++)
            {
                s += w[i, j] * x[j];
            }

            y[i] = Math.Max(0.0, s);
        }

        return y;
    }

    /// <summary>Max pooling of neighbours, a stencil: diag(∂max/∂u₀)·S(0) + diag(∂max/∂u₁)·S(+1).</summary>
    [Differentiate]
    public static double[] NeighbourMax(double[] x)
    {
        var y = new double[x.Length - 1];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = Math.Max(x[i], x[i + 1]);
        }

        return y;
    }
}

public class ElementwiseMapTests
{
    private static double[] Random(Random random, int length) => JacobianTestKit.RandomVector(random, length);

    /// <summary>Every entry against central differences, the products against the dense matrix.</summary>
    private static void AssertJacobian(string what, Func<object[], object> f, object[] args, int parameter, Jacobian jacobian, int seed)
    {
        var dense = jacobian.ToDense();
        AssertClose(what + " vs central differences", CentralJacobian(f, args, parameter), dense, RelativeTolerance);
        JacobianTestKit.AssertMatches(dense, jacobian, seed);
    }

    /// <summary>Values kept away from the kinks of max, min, abs and copysign, where central differences straddle them.</summary>
    private static double[] AwayFromKinks(Random random, int length)
    {
        var v = Random(random, length);
        for (int i = 0; i < length; i++)
        {
            v[i] = (0.2 + Math.Abs(v[i])) * (random.Next(2) == 0 ? -1.0 : 1.0);
        }

        return v;
    }

    [Fact]
    public void MapsThroughFunctionsOfSeveralArgumentsHaveDiagonalJacobians()
    {
        var random = new Random(45);
        for (int trial = 0; trial < 12; trial++)
        {
            int n = 2 + random.Next(8);
            var x = AwayFromKinks(random, n);

            var (relu, dRelu) = ElementwiseMapFunctions.ReluJacobian(x);
            Assert.Equal(ElementwiseMapFunctions.Relu(x), relu);
            Assert.Equal(JacobianStructure.Diagonal, dRelu.Structure);
            AssertJacobian("Relu", a => ElementwiseMapFunctions.Relu((double[])a[0]), [x], 0, dRelu, trial);

            var (leaky, dLeaky) = ElementwiseMapFunctions.LeakyReluJacobian(x);
            Assert.Equal(ElementwiseMapFunctions.LeakyRelu(x), leaky);
            Assert.Equal(JacobianStructure.Diagonal, dLeaky.Structure);
            AssertJacobian("LeakyRelu", a => ElementwiseMapFunctions.LeakyRelu((double[])a[0]), [x], 0, dLeaky, trial);

            var positive = Array.ConvertAll(x, Math.Abs);
            double p = 0.5 + (2.0 * random.NextDouble());
            var (power, dPowerX, dPowerP) = ElementwiseMapFunctions.PowerJacobian(positive, p);
            Assert.Equal(ElementwiseMapFunctions.Power(positive, p), power);
            Assert.Equal(JacobianStructure.Diagonal, dPowerX.Structure);
            AssertJacobian("Power ∂x", a => ElementwiseMapFunctions.Power((double[])a[0], (double)a[1]), [positive, p], 0, dPowerX, trial);
            AssertJacobian("Power ∂p", a => ElementwiseMapFunctions.Power((double[])a[0], (double)a[1]), [positive, p], 1, dPowerP, trial);

            var b = AwayFromKinks(random, n);
            var (polar, dA, dB) = ElementwiseMapFunctions.PolarJacobian(x, b);
            Assert.Equal(ElementwiseMapFunctions.Polar(x, b), polar);
            Assert.Equal((JacobianStructure.Diagonal, JacobianStructure.Diagonal), (dA.Structure, dB.Structure));
            AssertJacobian("Polar ∂a", a => ElementwiseMapFunctions.Polar((double[])a[0], (double[])a[1]), [x, b], 0, dA, trial);
            AssertJacobian("Polar ∂b", a => ElementwiseMapFunctions.Polar((double[])a[0], (double[])a[1]), [x, b], 1, dB, trial);

            // a and b differ by at least 0.1 in each element: min has no tie within the differences' step.
            var c = AwayFromKinks(random, n);
            var shifted = Array.ConvertAll(b, v => v + 0.1 * Math.Sign(v));
            var (mixed, dMa, dMb, dMc) = ElementwiseMapFunctions.MixedJacobian(x, shifted, c);
            Assert.Equal(ElementwiseMapFunctions.Mixed(x, shifted, c), mixed);
            Func<object[], object> mixedF = a => ElementwiseMapFunctions.Mixed((double[])a[0], (double[])a[1], (double[])a[2]);
            for (int k = 0; k < 3; k++)
            {
                var jacobian = new[] { dMa, dMb, dMc }[k];
                Assert.Equal(JacobianStructure.Diagonal, jacobian.Structure);
                if (Array.TrueForAll(x, v => Math.Abs(v - shifted[Array.IndexOf(x, v)]) > 1e-3))
                {
                    AssertJacobian($"Mixed ∂{k}", mixedF, [x, shifted, c], k, jacobian, trial);
                }
            }

            var (pooled, dPooled) = ElementwiseMapFunctions.NeighbourMaxJacobian(x);
            Assert.Equal(ElementwiseMapFunctions.NeighbourMax(x), pooled);
            Assert.Equal(JacobianStructure.Sum, dPooled.Structure);
            if (Array.TrueForAll(pooled, v => Array.FindAll(x, e => e == v).Length == 1))
            {
                AssertJacobian("NeighbourMax", a => ElementwiseMapFunctions.NeighbourMax((double[])a[0]), [x], 0, dPooled, trial);
            }
        }
    }

    /// <summary>At a kink or a tie the Jacobian takes the convention the VJP takes (max′ ½ on a tie, abs′ 1 at 0): row by row.</summary>
    [Fact]
    public void AtKinksAndTiesTheJacobianAgreesWithTheVjp()
    {
        var x = new[] { 0.0, -0.0, 1.5, -2.0, 1.5 };
        var b = new[] { 0.0, 2.0, 1.5, -2.0, -1.5 };
        var c = new[] { 0.0, -0.0, 1.0, -1.0, 0.0 };

        var (_, dRelu) = ElementwiseMapFunctions.ReluJacobian(x);
        var (_, dLeaky) = ElementwiseMapFunctions.LeakyReluJacobian(x);
        var (_, dPooled) = ElementwiseMapFunctions.NeighbourMaxJacobian(x);
        var (_, dA, dB, dC) = ElementwiseMapFunctions.MixedJacobian(x, b, c);
        for (int r = 0; r < x.Length; r++)
        {
            var seed = new double[x.Length];
            seed[r] = 1.0;
            var gx = new double[x.Length];
            ElementwiseMapFunctions.ReluVjp(x, seed, gx);
            AssertRow("Relu", dRelu, r, gx);
            ElementwiseMapFunctions.LeakyReluVjp(x, seed, gx);
            AssertRow("LeakyRelu", dLeaky, r, gx);

            var (ga, gb, gc) = (new double[x.Length], new double[x.Length], new double[x.Length]);
            ElementwiseMapFunctions.MixedVjp(x, b, c, seed, ga, gb, gc);
            AssertRow("Mixed ∂a", dA, r, ga);
            AssertRow("Mixed ∂b", dB, r, gb);
            AssertRow("Mixed ∂c", dC, r, gc);

            if (r < x.Length - 1)
            {
                ElementwiseMapFunctions.NeighbourMaxVjp(x, seed[..^1], gx);
                AssertRow("NeighbourMax", dPooled, r, gx);
            }
        }

        Assert.Equal(0.5, dRelu[0, 0]);
        Assert.Equal((0.5, 0.5), (dPooled[0, 0], dPooled[0, 1])); // max(0, −0) is a tie
    }

    [Fact]
    public void AKinkOnASumIsDecidedOnTheSumTheValueComputed()
    {
        // Σ = 0 exactly in sequence, 1e-16 or so in the value's SIMD order: the structure's own sum said slope ½.
        var w = new double[,] { { 0.7, 0.3, -0.9, -0.3, 0.4, -0.9, 0.9, 0.7, -0.9 } };
        var x = new double[9];
        Array.Fill(x, 1.0);
        var (value, dw, dx) = ElementwiseMapFunctions.ReluLayerJacobian(w, x);
        Assert.Equal(ElementwiseMapFunctions.ReluLayer(w, x), value);
        Assert.Equal((JacobianStructure.Dense, JacobianStructure.Dense), (dw.Structure, dx.Structure));
        var (gw, gx) = (new double[1, 9], new double[9]);
        ElementwiseMapFunctions.ReluLayerVjp(w, x, [1.0], gw, gx);
        AssertRow("ReluLayer ∂x", dx, 0, gx);
        for (int c = 0; c < 9; c++)
        {
            Assert.Equal(gw[0, c], dw[0, c]);
        }
    }

    private static void AssertRow(string what, Jacobian jacobian, int row, double[] gradient)
    {
        for (int c = 0; c < jacobian.Columns; c++)
        {
            // The smooth parts may round differently (the VJP's reverse sweep sums in another order); a kink's choice differs by ½ or 1.
            Assert.True(Math.Abs(jacobian[row, c] - gradient[c]) <= 1e-14 * Math.Max(1.0, Math.Abs(gradient[c])), $"{what}: J[{row}, {c}] is {jacobian[row, c]:R}, the VJP's {gradient[c]:R}");
        }
    }
}
