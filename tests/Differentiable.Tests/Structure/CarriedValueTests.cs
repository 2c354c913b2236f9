using System;
using System.Reflection;
using System.Runtime.CompilerServices;
using Differentiable.Tests.Jacobians;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Array-valued methods a review found with wrong Jacobians (or generated code that did not compile): a scalar carried
/// from one iteration to the next read as if each iteration started afresh, a triangular nest, and straight-line code
/// with a second name for an array or a parameter assigned again. Their VJPs and JVPs were right; the Jacobians now
/// take the sweeps (dense) and must match central differences.
/// </summary>
public static partial class CarriedValueFunctions
{
    [Differentiate]
    public static double[] RunningSum(double[] x)
    {
        var y = new double[x.Length];
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += x[i];
            y[i] = s;
        }

        return y;
    }

    [Differentiate]
    public static double[] PreviousElement(double[] x)
    {
        var y = new double[x.Length];
        double a = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = a + x[i];
            a = x[i];
        }

        return y;
    }

    [Differentiate]
    public static double[] ParameterChangedInLoop(double c, double[] x)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            c += 1.0;
            y[i] = c * x[i];
        }

        return y;
    }

    [Differentiate]
    public static double[] CarriedRowSum(double[,] W, double[] x)
    {
        var y = new double[W.GetLength(0)];
        double s = 0.0;
        for (int i = 0; i < W.GetLength(0); i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                s += W[i, j] * x[j];
            }

            y[i] = s;
        }

        return y;
    }

    [Differentiate]
    public static double[,] CarriedAcrossColumns(double[,] X)
    {
        var Y = new double[X.GetLength(0), X.GetLength(1)];
        for (int i = 0; i < X.GetLength(0); i++)
        {
            double s = 0.0;
            for (int j = 0; j < X.GetLength(1); j++)
            {
                s += X[i, j];
                Y[i, j] = s;
            }
        }

        return Y;
    }

    [Differentiate]
    public static double[] LowerTriangular(double[,] L, double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                y[i] += L[i, j] * x[j];
            }
        }

        return y;
    }

    [Differentiate]
    public static double[] AliasedParameter(double[] x)
    {
        var y = x;
        var z = new double[2];
        z[0] = y[0] * y[0];
        z[1] = y[0] * y[1];
        return z;
    }

    [Differentiate]
    public static double[] AliasedResult(double[] x)
    {
        var y = new double[2];
        var w = y;
        y[0] = x[0];
        w[0] = x[1] * 3.0;
        y[1] = y[0] + x[0];
        return y;
    }

    /// <summary>
    /// A map scaled by int divisions and a MathF root: C# computes n / 2 and 7 / 2 in int and √n in float, and the
    /// structured Jacobian computed all three in double (x·1.5 for x·1 at n = 3).
    /// </summary>
    [Differentiate(nameof(x))]
    public static double[] IntAndFloatScaled(double[] x, int n)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] * (n / 2)) + (x[i] * x[i] * (7 / 2)) + (x[i] * MathF.Sqrt(n));
        }

        return y;
    }

    /// <summary>
    /// y[i] = σ(Σ_j W[j, i]·c): ∂y[i]/∂W[p, q] = δ(q, i)·σ′(s_i)·c. The sum over j collapses to j = p, and the structure
    /// pass substituted p for the j of σ′'s own sum too (n·W[p, i]·c for Σ_j W[j, i]·c).
    /// </summary>
    [Differentiate(nameof(W))]
    public static double[] SquashedColumnSums(double[,] W, double c)
    {
        int n = W.GetLength(0);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0.0;
            for (int j = 0; j < n; j++)
            {
                s += W[j, i] * c;
            }

            y[i] = 1.0 / (1.0 + Math.Exp(-s));
        }

        return y;
    }

    /// <summary>
    /// y[i] = (v[i]/d)·v[i]/d with d = 1 + x[i]²: ∂y/∂v = 2v/d², a sum of two diagonals, one of whose factors is 1/d
    /// twice. The structure pass took a term's factors as a set, so 1/d counted once (v/d + v/d² for 2v/d²).
    /// </summary>
    [Differentiate(nameof(v))]
    public static double[] RepeatedFactor(double[] x, double[] v)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = ((v[i] / (1.0 + (x[i] * x[i]))) * v[i]) / (1.0 + (x[i] * x[i]));
        }

        return y;
    }

    /// <summary>
    /// y[i] = Σ_j W[i, j]·x[i]/d/d with d = 1 + v[i]²: ∂y/∂x = diag(Σ_j W[i, j]/d²). The sum over j stays a contraction,
    /// and the factors outside it lost their repeat the same way.
    /// </summary>
    [Differentiate(nameof(x))]
    public static double[] ContractedRepeatedFactor(double[,] W, double[] x, double[] v)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = 0; j < x.Length; j++)
            {
                y[i] += W[i, j] * x[i] / (1.0 + (v[i] * v[i])) / (1.0 + (v[i] * v[i]));
            }
        }

        return y;
    }

    /// <summary>
    /// t = Σ_j W[j, i]·s_j where s_j = c + x[0] + … + x[j] grows in the same loop: ∂y[i]/∂W[p, q] = δ(q, i)·s_p. The
    /// structure pass read s as its value before the loop, c (a Kronecker form I ⊗ c·1ᵀ).
    /// </summary>
    [Differentiate(nameof(W))]
    public static double[] RunningScalarInAReduction(double[,] W, double[] x, double c)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = c;
            double t = 0.0;
            for (int j = 0; j < n; j++)
            {
                s += x[j];
                t += W[j, i] * s;
            }

            y[i] = t;
        }

        return y;
    }

    /// <summary>
    /// A reduction nested in another that reads what the outer one accumulates: s grows with j, so t = Σ_j Σ_k
    /// W[i, k]·x[j]·s_j. The inner loop read s at its value before the loops (a Kronecker form scaled by 1).
    /// </summary>
    [Differentiate]
    public static double[] NestedRunningScalar(double[,] W, double[] x)
    {
        var y = new double[W.GetLength(0)];
        for (int i = 0; i < W.GetLength(0); i++)
        {
            double s = 1.0;
            double t = 0.0;
            for (int j = 0; j < x.Length; j++)
            {
                s += x[j];
                for (int k = 0; k < W.GetLength(1); k++)
                {
                    t += W[i, k] * x[j] * s;
                }
            }

            y[i] = t;
        }

        return y;
    }

    /// <summary>The same through a sibling loop: the first inner loop accumulates s, the second reads it.</summary>
    [Differentiate]
    public static double[] SiblingRunningScalar(double[,] W, double[] x)
    {
        var y = new double[W.GetLength(0)];
        for (int i = 0; i < W.GetLength(0); i++)
        {
            double s = 0.5;
            double t = 0.0;
            for (int j = 0; j < x.Length; j++)
            {
                for (int k = 0; k < x.Length; k++)
                {
                    s += x[k];
                }

                for (int l = 0; l < W.GetLength(1); l++)
                {
                    t += W[i, l] * x[j] * s;
                }
            }

            y[i] = t;
        }

        return y;
    }

    /// <summary>An int assigned after the loop that read it: y = 2x, which the Jacobian read as 5x.</summary>
    [Differentiate]
    public static double[] IntChangedAfterTheLoop(double[] x)
    {
        int k = 2;
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * k;
        }

        k = 5;
        return y;
    }

    /// <summary>A double taken from an int parameter that is then changed: y = n·x for the n passed in (not n + 4).</summary>
    [Differentiate]
    public static double[] DoubleTakenBeforeTheIntChanges(double[] x, int n)
    {
        double c = n;
        n = n + 4;
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * c;
        }

        return y;
    }

    /// <summary>
    /// An int parameter changed before the loop: y = x∘v·(n + 1). Each block of the Jacobian ran the change again
    /// (n + 2 for ∂y/∂v), and the dense fallback saw the changed n.
    /// </summary>
    [Differentiate]
    public static double[] IntParameterChanged(double[] x, double[] v, int n)
    {
        n = n + 1;
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * v[i] * n;
        }

        return y;
    }

    /// <summary>y = x·n·n in double, as C# evaluates it left to right: the structured scale multiplied n·n in int.</summary>
    [Differentiate]
    public static double[] IntFactorsTwice(double[] x, int n)
    {
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = x[i] * n * n;
        }

        return y;
    }

    [Differentiate]
    public static double[] ReassignedParameter(double c, double[] x)
    {
        c = c * c;
        var y = new double[2];
        y[0] = c * x[0];
        y[1] = c;
        return y;
    }
}

public class CarriedValueTests
{
    [Fact]
    public void IntDivisionsAndFloatCallsKeepTheirTypesInTheJacobian()
    {
        var x = new[] { 0.5, -1.25, 2.0 };
        foreach (var n in new[] { 3, 5, 8 })
        {
            var dense = CarriedValueFunctions.IntAndFloatScaledJacobian(x, n).dx.ToDense();
            for (int i = 0; i < x.Length; i++)
            {
                var direction = new double[x.Length];
                direction[i] = 1.0;
                var column = CarriedValueFunctions.IntAndFloatScaledJvp(x, n, direction).Tangent;
                for (int r = 0; r < x.Length; r++)
                {
                    var expected = r == i ? (n / 2) + (2.0 * x[i] * (7 / 2)) + MathF.Sqrt(n) : 0.0;
                    Assert.True(Math.Abs(dense[r, i] - expected) <= 1e-12, $"n = {n}: J[{r}, {i}] is {dense[r, i]:R}, by hand {expected:R}");
                    Assert.True(Math.Abs(column[r] - expected) <= 1e-12, $"n = {n}: the JVP's J[{r}, {i}] is {column[r]:R}, by hand {expected:R}");
                }
            }
        }
    }

    [Fact]
    public void ASumInsideAnActivationKeepsItsOwnIndexWhenAnotherSumCollapses()
    {
        var random = new Random(7);
        foreach (var n in new[] { 2, 3, 5 })
        {
            var W = JacobianTestKit.RandomMatrix(random, n, n);
            var c = 0.5 + random.NextDouble();
            var jacobian = CarriedValueFunctions.SquashedColumnSumsJacobian(W, c).dW;
            Assert.NotEqual(JacobianStructure.Dense, jacobian.Structure);
            var dense = jacobian.ToDense();
            for (int i = 0; i < n; i++)
            {
                double s = 0.0;
                for (int j = 0; j < n; j++)
                {
                    s += W[j, i] * c;
                }

                var sigma = 1.0 / (1.0 + Math.Exp(-s));
                for (int p = 0; p < n; p++)
                {
                    for (int q = 0; q < n; q++)
                    {
                        // vec(W) is column-major: W[p, q] is column p + q·n.
                        var expected = q == i ? sigma * (1.0 - sigma) * c : 0.0;
                        Assert.True(Math.Abs(dense[i, p + (q * n)] - expected) <= 1e-12, $"n = {n}: ∂y[{i}]/∂W[{p}, {q}] is {dense[i, p + (q * n)]:R}, by hand {expected:R}");
                    }
                }
            }
        }
    }

    [Fact]
    public void AFactorThatOccursTwiceInATermCountsTwice()
    {
        var random = new Random(11);
        foreach (var n in new[] { 1, 3, 5 })
        {
            var x = JacobianTestKit.RandomVector(random, n);
            var v = JacobianTestKit.RandomVector(random, n);
            var W = JacobianTestKit.RandomMatrix(random, n, n);
            var repeated = CarriedValueFunctions.RepeatedFactorJacobian(x, v).dv;
            var contracted = CarriedValueFunctions.ContractedRepeatedFactorJacobian(W, x, v).dx;
            Assert.NotEqual(JacobianStructure.Dense, repeated.Structure);
            Assert.NotEqual(JacobianStructure.Dense, contracted.Structure);
            var (dv, dx) = (repeated.ToDense(), contracted.ToDense());
            for (int i = 0; i < n; i++)
            {
                var (d, e) = (1.0 + (x[i] * x[i]), 1.0 + (v[i] * v[i]));
                double rowSum = 0.0;
                for (int j = 0; j < n; j++)
                {
                    rowSum += W[i, j];
                }

                for (int k = 0; k < n; k++)
                {
                    var (expectedV, expectedX) = k == i ? (2.0 * v[i] / (d * d), rowSum / (e * e)) : (0.0, 0.0);
                    Assert.True(Math.Abs(dv[i, k] - expectedV) <= 1e-12 * (1.0 + Math.Abs(expectedV)), $"n = {n}: ∂y[{i}]/∂v[{k}] is {dv[i, k]:R}, by hand {expectedV:R}");
                    Assert.True(Math.Abs(dx[i, k] - expectedX) <= 1e-12 * (1.0 + Math.Abs(expectedX)), $"n = {n}: ∂y[{i}]/∂x[{k}] is {dx[i, k]:R}, by hand {expectedX:R}");
                }
            }
        }
    }

    [Fact]
    public void AScalarAccumulatedInAReductionIsReadAtEachIteration()
    {
        var random = new Random(13);
        foreach (var n in new[] { 1, 3, 5 })
        {
            var x = JacobianTestKit.RandomVector(random, n);
            var W = JacobianTestKit.RandomMatrix(random, n, n);
            var c = 0.5 + random.NextDouble();
            var dense = CarriedValueFunctions.RunningScalarInAReductionJacobian(W, x, c).dW.ToDense();
            for (int i = 0; i < n; i++)
            {
                var s = c;
                for (int p = 0; p < n; p++)
                {
                    s += x[p];
                    for (int q = 0; q < n; q++)
                    {
                        // vec(W) is column-major: W[p, q] is column p + q·n.
                        var expected = q == i ? s : 0.0;
                        Assert.True(Math.Abs(dense[i, p + (q * n)] - expected) <= 1e-12, $"n = {n}: ∂y[{i}]/∂W[{p}, {q}] is {dense[i, p + (q * n)]:R}, by hand {expected:R}");
                    }
                }
            }
        }
    }

    [Fact]
    public void IntsKeepOneValueAndMultiplyInDoubleAsTheMethodDoes()
    {
        var random = new Random(17);
        foreach (var n in new[] { 1, 3, 5 })
        {
            var x = JacobianTestKit.RandomVector(random, n);
            var v = JacobianTestKit.RandomVector(random, n);
            var taken = CarriedValueFunctions.DoubleTakenBeforeTheIntChangesJacobian(x, 3).dx.ToDense();
            var (_, dx, dv) = CarriedValueFunctions.IntParameterChangedJacobian(x, v, 3);
            var (denseX, denseV) = (dx.ToDense(), dv.ToDense());
            var twice = CarriedValueFunctions.IntFactorsTwiceJacobian(x, 50_000).dx.ToDense();
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < n; k++)
                {
                    var on = i == k ? 1.0 : 0.0;
                    Assert.Equal(3.0 * on, taken[i, k]);
                    Assert.Equal(on * v[i] * 4.0, denseX[i, k], 12);
                    Assert.Equal(on * x[i] * 4.0, denseV[i, k], 12);
                    Assert.Equal(on * 2.5e9, twice[i, k]);
                }
            }
        }
    }

    [Theory]
    [InlineData(nameof(CarriedValueFunctions.NestedRunningScalar))]
    [InlineData(nameof(CarriedValueFunctions.SiblingRunningScalar))]
    [InlineData(nameof(CarriedValueFunctions.IntChangedAfterTheLoop))]
    [InlineData(nameof(CarriedValueFunctions.RunningSum))]
    [InlineData(nameof(CarriedValueFunctions.PreviousElement))]
    [InlineData(nameof(CarriedValueFunctions.ParameterChangedInLoop))]
    [InlineData(nameof(CarriedValueFunctions.CarriedRowSum))]
    [InlineData(nameof(CarriedValueFunctions.CarriedAcrossColumns))]
    [InlineData(nameof(CarriedValueFunctions.LowerTriangular))]
    [InlineData(nameof(CarriedValueFunctions.AliasedParameter))]
    [InlineData(nameof(CarriedValueFunctions.AliasedResult))]
    [InlineData(nameof(CarriedValueFunctions.ReassignedParameter))]
    public void JacobiansMatchCentralDifferencesAndTheVjp(string name)
    {
        var type = typeof(CarriedValueFunctions);
        var f = type.GetMethod(name)!;
        var jacobian = type.GetMethod(name + "Jacobian")!;
        var vjp = type.GetMethod(name + "Vjp")!;
        var random = new Random(name.Length);
        foreach (var n in new[] { 2, 3, 5 })
        {
            var args = Array.ConvertAll(f.GetParameters(), p => p.ParameterType == typeof(double) ? (object)(0.5 + random.NextDouble())
                : p.ParameterType == typeof(double[]) ? JacobianTestKit.RandomVector(random, n)
                : JacobianTestKit.RandomMatrix(random, n, n));
            object Call(object[] a) => f.Invoke(null, (object[])a.Clone())!;
            var value = Call(args);
            var result = (ITuple)jacobian.Invoke(null, (object[])args.Clone())!;
            // The value as the method computes it, up to the order of a vectorized dot product's sums.
            var (expected, actual) = (Vec(value), Vec(result[0]!));
            Assert.Equal(expected.Length, actual.Length);
            for (int r = 0; r < expected.Length; r++)
            {
                Assert.True(Values.Agree(expected[r], actual[r]), $"{name} n = {n}: value element {r} is {actual[r]:R}, the method returns {expected[r]:R}");
            }


            var seed = JacobianTestKit.RandomVector(random, Vec(value).Length);
            var buffers = Array.ConvertAll(args, a => a is double[] v ? new double[v.Length] : a is double[,] m ? new double[m.GetLength(0), m.GetLength(1)] : (object)0.0);
            var vjpArgs = new object[args.Length + 1 + args.Length];
            args.CopyTo(vjpArgs, 0);
            vjpArgs[args.Length] = value is double[,] matrix ? Reshape(seed, matrix) : seed;
            buffers.CopyTo(vjpArgs, args.Length + 1);
            vjp.Invoke(null, vjpArgs);

            for (int k = 0; k < args.Length; k++)
            {
                var J = (Jacobian)result[k + 1]!;
                var dense = J.ToDense();
                AssertClose($"{name} n = {n}: ∂/∂ argument {k} ({J.Structure})", CentralJacobian(Call, args, k), dense, RelativeTolerance);
                for (int r = 0; r < J.Rows; r++)
                {
                    for (int c = 0; c < J.Columns; c++)
                    {
                        Assert.Equal(dense[r, c], J[r, c]);
                    }
                }

                AssertClose($"{name} n = {n}: Jᵀ·seed against the VJP, argument {k}", JacobianTestKit.TransposeMultiply(dense, seed), Vec(vjpArgs[args.Length + 1 + k]), 1e-12);
            }
        }
    }

    private static double[,] Reshape(double[] vec, double[,] like)
    {
        var m = new double[like.GetLength(0), like.GetLength(1)];
        for (int k = 0; k < vec.Length; k++)
        {
            m[k % m.GetLength(0), k / m.GetLength(0)] = vec[k];
        }

        return m;
    }
}
