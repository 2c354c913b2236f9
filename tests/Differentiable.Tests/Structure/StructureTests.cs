using System;
using System.Linq;
using CsCheck;
using Differentiable.Tests.Jacobians;
using Xunit.Sdk;
using static Differentiable.Tests.Gradients.FiniteDifference;
using static Differentiable.Tests.Gens;

namespace Differentiable.Tests.Structure;

/// <summary>
/// The companions of array-valued methods — <c>FJacobian</c>, <c>FJacobianOnly</c>, <c>FVjp</c>, <c>FJvp</c> — against closed forms and
/// central finite differences, and the structure the structure pass claims for each index-notation rule.
/// Vec is column-major: X[i, j] of an m×n matrix sits at vec index i + j·m.
/// </summary>
public class StructureTests
{
    private const long Iterations = 25;

    /// <summary>VJP and JVP against Jᵀ·seed and J·v formed from the (already verified) Jacobian.</summary>
    private const double ProductTolerance = 1e-12;

    // ---------------------------------------------------------------------------------------------------------
    // Generators and the shared harness
    // ---------------------------------------------------------------------------------------------------------

    private static Gen<int> Size => Gen.Int[1, 4];

    private static Gen<double> Scalar(double min = -2.0, double max = 2.0) => Gen.Double[min, max];

    /// <summary>
    /// One array-valued method and its three companions, over one set of arguments. <see cref="Active"/> lists the
    /// differentiated arguments in declaration order, which is the order of the Jacobians, gradient buffers and
    /// tangents.
    /// </summary>
    private sealed record Case(
        string Name,
        object[] Args,
        int[] Active,
        Func<object[], object> F,
        Func<object[], (object Value, Jacobian[] Jacobians)> Jacobian,
        Func<object[], object, (object Value, object[] Gradients)> Vjp,
        Func<object[], object[], (object Value, object Tangent)> Jvp);

    /// <summary>
    /// Holds every Jacobian of <paramref name="c"/> to central differences (every entry), to its own
    /// <c>ToDense()</c> through the indexer and the four products, and the VJP and JVP to Jᵀ·seed and J·v.
    /// Returns the Jacobians for structure checks.
    /// </summary>
    private static Jacobian[] Check(Case c, int seed = 7)
    {
        object value = c.F(c.Args);
        double[] valueVec = Vec(value);

        var (jacobianValue, jacobians) = c.Jacobian(c.Args);
        AssertSameValue($"{c.Name}Jacobian", valueVec, jacobianValue);
        Assert.Equal(c.Active.Length, jacobians.Length);

        var dense = new double[jacobians.Length][,];
        for (int k = 0; k < jacobians.Length; k++)
        {
            string what = $"{c.Name}: ∂vec(result)/∂vec(argument {c.Active[k]}) ({jacobians[k].Structure})";
            Jacobian jacobian = jacobians[k];
            Assert.Equal(valueVec.Length, jacobian.Rows);
            Assert.Equal(Count(c.Args[c.Active[k]]), jacobian.Columns);

            dense[k] = jacobian.ToDense();
            AssertIndexerMatchesDense(what, jacobian, dense[k]);
            AssertClose(what + " vs central differences", CentralJacobian(c.F, c.Args, c.Active[k]), dense[k], RelativeTolerance);

            // Multiply, TransposeMultiply and their accumulating forms against the dense matrix.
            JacobianTestKit.AssertMatches(dense[k], jacobian, seed + k);
        }

        JacobianOnlyKit.AssertAgrees(typeof(StructureFunctions), c.Name, c.Args, jacobians);

        var random = new Random(seed);

        // VJP: the buffers receive Jᵀ·seed.
        object cotangent = RandomLike(value, random);
        var (vjpValue, gradients) = c.Vjp(c.Args, cotangent);
        AssertSameValue($"{c.Name}Vjp", valueVec, vjpValue);
        Assert.Equal(c.Active.Length, gradients.Length);
        double[] u = Vec(cotangent);
        for (int k = 0; k < gradients.Length; k++)
        {
            AssertSameShape($"{c.Name}Vjp buffer {k}", c.Args[c.Active[k]], gradients[k]);
            var (expected, scale) = TransposeProduct(dense[k], u);
            AssertVecClose($"{c.Name}Vjp: buffer {k} vs Jᵀ·seed", expected, scale, Vec(gradients[k]));
        }

        // JVP: the tangent of the result is Σ_k J_k·v_k.
        object[] tangents = c.Active.Select(a => RandomLike(c.Args[a], random)).ToArray();
        var (jvpValue, tangent) = c.Jvp(c.Args, tangents);
        AssertSameValue($"{c.Name}Jvp", valueVec, jvpValue);
        AssertSameShape($"{c.Name}Jvp tangent", value, tangent);
        var sum = new double[valueVec.Length];
        var sumScale = new double[valueVec.Length];
        for (int k = 0; k < tangents.Length; k++)
        {
            var (product, scale) = Product(dense[k], Vec(tangents[k]));
            for (int r = 0; r < sum.Length; r++)
            {
                sum[r] += product[r];
                sumScale[r] += scale[r];
            }
        }

        AssertVecClose($"{c.Name}Jvp: tangent vs Σ J·v", sum, sumScale, Vec(tangent));
        return jacobians;
    }

    private static object RandomLike(object like, Random random) => like switch
    {
        double => (random.NextDouble() * 2.0) - 1.0,
        double[] v => JacobianTestKit.RandomVector(random, v.Length),
        double[,] m => JacobianTestKit.RandomMatrix(random, m.GetLength(0), m.GetLength(1)),
        _ => throw new ArgumentException("Not a differentiable value.", nameof(like)),
    };

    /// <summary>A buffer of the shape of <paramref name="like"/> filled with NaN, so a buffer not overwritten shows.</summary>
    private static double[] Garbage(double[] like) => Enumerable.Repeat(double.NaN, like.Length).ToArray();

    private static double[,] Garbage(double[,] like)
    {
        var garbage = new double[like.GetLength(0), like.GetLength(1)];
        for (int i = 0; i < garbage.GetLength(0); i++)
        {
            for (int j = 0; j < garbage.GetLength(1); j++)
            {
                garbage[i, j] = double.NaN;
            }
        }

        return garbage;
    }

    private static (double[] Result, double[] Scale) Product(double[,] matrix, double[] v)
    {
        var result = new double[matrix.GetLength(0)];
        var scale = new double[matrix.GetLength(0)];
        for (int r = 0; r < result.Length; r++)
        {
            for (int c = 0; c < v.Length; c++)
            {
                result[r] += matrix[r, c] * v[c];
                scale[r] += Math.Abs(matrix[r, c] * v[c]);
            }
        }

        return (result, scale);
    }

    private static (double[] Result, double[] Scale) TransposeProduct(double[,] matrix, double[] u) =>
        Product(JacobianTestKit.Transpose(matrix), u);

    /// <summary>|actual − expected| ≤ 1e-12 · max(1, Σ|terms|) element by element: rounding only.</summary>
    private static void AssertVecClose(string what, double[] expected, double[] scale, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int r = 0; r < expected.Length; r++)
        {
            if (!(Math.Abs(actual[r] - expected[r]) <= ProductTolerance * Math.Max(1.0, scale[r])))
            {
                throw new XunitException($"{what}: vec element {r} is {actual[r]:R}, expected {expected[r]:R}.");
            }
        }
    }

    private static void AssertSameValue(string what, double[] expected, object actual)
    {
        double[] vec = Vec(actual);
        Assert.Equal(expected.Length, vec.Length);
        for (int r = 0; r < vec.Length; r++)
        {
            if (!Values.Agree(expected[r], vec[r]))
            {
                throw new XunitException($"{what}: value element {r} is {vec[r]:R}, the function returns {expected[r]:R}.");
            }
        }
    }

    private static void AssertSameShape(string what, object expected, object actual)
    {
        bool same = (expected, actual) switch
        {
            (double, double) => true,
            (double[] a, double[] b) => a.Length == b.Length,
            (double[,] a, double[,] b) => a.GetLength(0) == b.GetLength(0) && a.GetLength(1) == b.GetLength(1),
            _ => false,
        };
        Assert.True(same, $"{what}: wrong shape.");
    }

    private static void AssertIndexerMatchesDense(string what, Jacobian jacobian, double[,] dense)
    {
        for (int r = 0; r < jacobian.Rows; r++)
        {
            for (int c = 0; c < jacobian.Columns; c++)
            {
                if (!jacobian[r, c].Equals(dense[r, c]))
                {
                    throw new XunitException($"{what}: J[{r}, {c}] = {jacobian[r, c]:R} but ToDense()[{r}, {c}] = {dense[r, c]:R}.");
                }
            }
        }
    }

    /// <summary>Every entry of <paramref name="jacobian"/> (indexer and ToDense) against a formula, exactly or to a relative tolerance.</summary>
    private static void AssertEntries(string what, Jacobian jacobian, int rows, int columns, Func<int, int, double> expected, double relative = 0.0)
    {
        Assert.Equal(rows, jacobian.Rows);
        Assert.Equal(columns, jacobian.Columns);
        double[,] dense = jacobian.ToDense();
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double e = expected(r, c);
                foreach (var (source, actual) in new[] { ("J", jacobian[r, c]), ("ToDense()", dense[r, c]) })
                {
                    bool ok = relative == 0.0 ? actual == e : Math.Abs(actual - e) <= relative * Math.Max(1.0, Math.Abs(e));
                    if (!ok)
                    {
                        throw new XunitException($"{what}: {source}[{r}, {c}] = {actual:R}, expected {e:R}.");
                    }
                }
            }
        }
    }

    private static void AssertKroneckerFactors(string what, Jacobian jacobian, KroneckerFactorKind left, int leftRows, int leftColumns, KroneckerFactorKind right, int rightRows, int rightColumns)
    {
        Assert.Equal(JacobianStructure.Kronecker, jacobian.Structure);
        var kronecker = Assert.IsType<KroneckerJacobian>(jacobian);
        string actual = $"{kronecker.Left.Kind} {kronecker.Left.Rows}x{kronecker.Left.Columns} ⊗ {kronecker.Right.Kind} {kronecker.Right.Rows}x{kronecker.Right.Columns}";
        string expected = $"{left} {leftRows}x{leftColumns} ⊗ {right} {rightRows}x{rightColumns}";
        Assert.True(actual == expected, $"{what}: factors are {actual}, expected {expected}.");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Cases
    // ---------------------------------------------------------------------------------------------------------

    private static Case MatVecCase(double[,] W, double[] x) => new(
        nameof(StructureFunctions.MatVec), [W, x], [0, 1],
        a => StructureFunctions.MatVec((double[,])a[0], (double[])a[1]),
        a =>
        {
            var r = StructureFunctions.MatVecJacobian((double[,])a[0], (double[])a[1]);
            return (r.Value, new[] { r.dW, r.dx });
        },
        (a, s) =>
        {
            var dW = Garbage((double[,])a[0]);
            var dx = Garbage((double[])a[1]);
            var v = StructureFunctions.MatVecVjp((double[,])a[0], (double[])a[1], (double[])s, dW, dx);
            return (v, new object[] { dW, dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.MatVecJvp((double[,])a[0], (double[])a[1], (double[,])t[0], (double[])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case MatVecPrefixCase(double[,] W, double[] x, int k) => new(
        nameof(StructureFunctions.MatVecPrefix), [W, x, k], [0, 1],
        a => StructureFunctions.MatVecPrefix((double[,])a[0], (double[])a[1], (int)a[2]),
        a =>
        {
            var r = StructureFunctions.MatVecPrefixJacobian((double[,])a[0], (double[])a[1], (int)a[2]);
            return (r.Value, new[] { r.dW, r.dx });
        },
        (a, s) =>
        {
            var dW = Garbage((double[,])a[0]);
            var dx = Garbage((double[])a[1]);
            var v = StructureFunctions.MatVecPrefixVjp((double[,])a[0], (double[])a[1], (int)a[2], (double[])s, dW, dx);
            return (v, new object[] { dW, dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.MatVecPrefixJvp((double[,])a[0], (double[])a[1], (int)a[2], (double[,])t[0], (double[])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case RowVecCase(double[] x, double[,] W) => new(
        nameof(StructureFunctions.RowVec), [x, W], [0, 1],
        a => StructureFunctions.RowVec((double[])a[0], (double[,])a[1]),
        a =>
        {
            var r = StructureFunctions.RowVecJacobian((double[])a[0], (double[,])a[1]);
            return (r.Value, new[] { r.dx, r.dW });
        },
        (a, s) =>
        {
            var dx = Garbage((double[])a[0]);
            var dW = Garbage((double[,])a[1]);
            var v = StructureFunctions.RowVecVjp((double[])a[0], (double[,])a[1], (double[])s, dx, dW);
            return (v, new object[] { dx, dW });
        },
        (a, t) =>
        {
            var r = StructureFunctions.RowVecJvp((double[])a[0], (double[,])a[1], (double[])t[0], (double[,])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case RowVecRowMajorCase(double[] x, double[,] W) => new(
        nameof(StructureFunctions.RowVecRowMajor), [x, W], [0, 1],
        a => StructureFunctions.RowVecRowMajor((double[])a[0], (double[,])a[1]),
        a =>
        {
            var r = StructureFunctions.RowVecRowMajorJacobian((double[])a[0], (double[,])a[1]);
            return (r.Value, new[] { r.dx, r.dW });
        },
        (a, s) =>
        {
            var dx = Garbage((double[])a[0]);
            var dW = Garbage((double[,])a[1]);
            var v = StructureFunctions.RowVecRowMajorVjp((double[])a[0], (double[,])a[1], (double[])s, dx, dW);
            return (v, new object[] { dx, dW });
        },
        (a, t) =>
        {
            var r = StructureFunctions.RowVecRowMajorJvp((double[])a[0], (double[,])a[1], (double[])t[0], (double[,])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case OuterCase(double[] u, double[] v) => new(
        nameof(StructureFunctions.Outer), [u, v], [0, 1],
        a => StructureFunctions.Outer((double[])a[0], (double[])a[1]),
        a =>
        {
            var r = StructureFunctions.OuterJacobian((double[])a[0], (double[])a[1]);
            return (r.Value, new[] { r.du, r.dv });
        },
        (a, s) =>
        {
            var du = Garbage((double[])a[0]);
            var dv = Garbage((double[])a[1]);
            var value = StructureFunctions.OuterVjp((double[])a[0], (double[])a[1], (double[,])s, du, dv);
            return (value, new object[] { du, dv });
        },
        (a, t) =>
        {
            var r = StructureFunctions.OuterJvp((double[])a[0], (double[])a[1], (double[])t[0], (double[])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case ElementwiseCase(double[] x) => new(
        nameof(StructureFunctions.Elementwise), [x], [0],
        a => StructureFunctions.Elementwise((double[])a[0]),
        a =>
        {
            var r = StructureFunctions.ElementwiseJacobian((double[])a[0]);
            return (r.Value, new[] { r.dx });
        },
        (a, s) =>
        {
            var dx = Garbage((double[])a[0]);
            var v = StructureFunctions.ElementwiseVjp((double[])a[0], (double[])s, dx);
            return (v, new object[] { dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.ElementwiseJvp((double[])a[0], (double[])t[0]);
            return (r.Value, r.Tangent);
        });

    private static Case ElementwisePolynomialCase(double[] x) => new(
        nameof(StructureFunctions.ElementwisePolynomial), [x], [0],
        a => StructureFunctions.ElementwisePolynomial((double[])a[0]),
        a =>
        {
            var r = StructureFunctions.ElementwisePolynomialJacobian((double[])a[0]);
            return (r.Value, new[] { r.dx });
        },
        (a, s) =>
        {
            var dx = Garbage((double[])a[0]);
            var v = StructureFunctions.ElementwisePolynomialVjp((double[])a[0], (double[])s, dx);
            return (v, new object[] { dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.ElementwisePolynomialJvp((double[])a[0], (double[])t[0]);
            return (r.Value, r.Tangent);
        });

    private static Case ElementwiseMatrixCase(double[,] X) => new(
        nameof(StructureFunctions.ElementwiseMatrix), [X], [0],
        a => StructureFunctions.ElementwiseMatrix((double[,])a[0]),
        a =>
        {
            var r = StructureFunctions.ElementwiseMatrixJacobian((double[,])a[0]);
            return (r.Value, new[] { r.dX });
        },
        (a, s) =>
        {
            var dX = Garbage((double[,])a[0]);
            var v = StructureFunctions.ElementwiseMatrixVjp((double[,])a[0], (double[,])s, dX);
            return (v, new object[] { dX });
        },
        (a, t) =>
        {
            var r = StructureFunctions.ElementwiseMatrixJvp((double[,])a[0], (double[,])t[0]);
            return (r.Value, r.Tangent);
        });

    private static Case ScaleCase(double s, double[] x) => new(
        nameof(StructureFunctions.Scale), [s, x], [0, 1],
        a => StructureFunctions.Scale((double)a[0], (double[])a[1]),
        a =>
        {
            var r = StructureFunctions.ScaleJacobian((double)a[0], (double[])a[1]);
            return (r.Value, new[] { r.da, r.dx });
        },
        (a, seed) =>
        {
            var dx = Garbage((double[])a[1]);
            var v = StructureFunctions.ScaleVjp((double)a[0], (double[])a[1], (double[])seed, out double da, dx);
            return (v, new object[] { da, dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.ScaleJvp((double)a[0], (double[])a[1], (double)t[0], (double[])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case TransposeCase(double[,] X) => new(
        nameof(StructureFunctions.Transpose), [X], [0],
        a => StructureFunctions.Transpose((double[,])a[0]),
        a =>
        {
            var r = StructureFunctions.TransposeJacobian((double[,])a[0]);
            return (r.Value, new[] { r.dX });
        },
        (a, s) =>
        {
            var dX = Garbage((double[,])a[0]);
            var v = StructureFunctions.TransposeVjp((double[,])a[0], (double[,])s, dX);
            return (v, new object[] { dX });
        },
        (a, t) =>
        {
            var r = StructureFunctions.TransposeJvp((double[,])a[0], (double[,])t[0]);
            return (r.Value, r.Tangent);
        });

    private static Case AxbCase(double[,] A, double[,] X, double[,] B) => new(
        nameof(StructureFunctions.Axb), [A, X, B], [0, 1, 2],
        a => StructureFunctions.Axb((double[,])a[0], (double[,])a[1], (double[,])a[2]),
        a =>
        {
            var r = StructureFunctions.AxbJacobian((double[,])a[0], (double[,])a[1], (double[,])a[2]);
            return (r.Value, new[] { r.dA, r.dX, r.dB });
        },
        (a, s) =>
        {
            var dA = Garbage((double[,])a[0]);
            var dX = Garbage((double[,])a[1]);
            var dB = Garbage((double[,])a[2]);
            var v = StructureFunctions.AxbVjp((double[,])a[0], (double[,])a[1], (double[,])a[2], (double[,])s, dA, dX, dB);
            return (v, new object[] { dA, dX, dB });
        },
        (a, t) =>
        {
            var r = StructureFunctions.AxbJvp((double[,])a[0], (double[,])a[1], (double[,])a[2], (double[,])t[0], (double[,])t[1], (double[,])t[2]);
            return (r.Value, r.Tangent);
        });

    private static Case AxbBoundedCase(double[,] A, double[,] X, double[,] B) => new(
        nameof(StructureFunctions.AxbBoundedByTheOuterFactors), [A, X, B], [0, 1, 2],
        a => StructureFunctions.AxbBoundedByTheOuterFactors((double[,])a[0], (double[,])a[1], (double[,])a[2]),
        a =>
        {
            var r = StructureFunctions.AxbBoundedByTheOuterFactorsJacobian((double[,])a[0], (double[,])a[1], (double[,])a[2]);
            return (r.Value, new[] { r.dA, r.dX, r.dB });
        },
        (a, s) =>
        {
            var (dA, dX, dB) = (Garbage((double[,])a[0]), Garbage((double[,])a[1]), Garbage((double[,])a[2]));
            var v = StructureFunctions.AxbBoundedByTheOuterFactorsVjp((double[,])a[0], (double[,])a[1], (double[,])a[2], (double[,])s, dA, dX, dB);
            return (v, new object[] { dA, dX, dB });
        },
        (a, t) =>
        {
            var r = StructureFunctions.AxbBoundedByTheOuterFactorsJvp((double[,])a[0], (double[,])a[1], (double[,])a[2], (double[,])t[0], (double[,])t[1], (double[,])t[2]);
            return (r.Value, r.Tangent);
        });

    // With no rows in A the method reads nothing of X, whatever its shape; FJacobian threw IndexOutOfRangeException,
    // computing the factor (X·B)ᵀ of ∂Y/∂A over l, from X of one column where the sums run over B's four rows (a
    // helper's find).
    [Fact]
    public void AFactorOverSomeOutputIndicesIsNotComputedWhereAnotherOutputLoopNeverRuns()
    {
        double[,] A = new double[0, 1], X = new double[3, 1], B = new double[4, 2];
        Assert.Equal(0, StructureFunctions.AxbBoundedByTheOuterFactors(A, X, B).GetLength(0));
        var (value, dA, dX, dB) = StructureFunctions.AxbBoundedByTheOuterFactorsJacobian(A, X, B);
        Assert.Equal(0, value.GetLength(0));
        Assert.All(new[] { dA, dX, dB }, j => Assert.Equal(0, j.Rows));
        JacobianOnlyKit.AssertAgrees(typeof(StructureFunctions), nameof(StructureFunctions.AxbBoundedByTheOuterFactors), [A, X, B], [dA, dX, dB]);

        // With shapes that match, the Jacobians of A·X·B.
        var random = new Random(19);
        Check(AxbBoundedCase(JacobianTestKit.RandomMatrix(random, 2, 3), JacobianTestKit.RandomMatrix(random, 3, 4), JacobianTestKit.RandomMatrix(random, 4, 2)));
    }

    private static Case AxbIndexOrderCase(double[,] A, double[,] X, double[,] B) => new(
        nameof(StructureFunctions.AxbIndexOrder), [A, X, B], [0, 1, 2],
        a => StructureFunctions.AxbIndexOrder((double[,])a[0], (double[,])a[1], (double[,])a[2]),
        a =>
        {
            var r = StructureFunctions.AxbIndexOrderJacobian((double[,])a[0], (double[,])a[1], (double[,])a[2]);
            return (r.Value, new[] { r.dA, r.dX, r.dB });
        },
        (a, s) =>
        {
            var dA = Garbage((double[,])a[0]);
            var dX = Garbage((double[,])a[1]);
            var dB = Garbage((double[,])a[2]);
            var v = StructureFunctions.AxbIndexOrderVjp((double[,])a[0], (double[,])a[1], (double[,])a[2], (double[,])s, dA, dX, dB);
            return (v, new object[] { dA, dX, dB });
        },
        (a, t) =>
        {
            var r = StructureFunctions.AxbIndexOrderJvp((double[,])a[0], (double[,])a[1], (double[,])a[2], (double[,])t[0], (double[,])t[1], (double[,])t[2]);
            return (r.Value, r.Tangent);
        });

    private static Case TanhLayerCase(double[,] W, double[] x, double[] b) => new(
        nameof(StructureFunctions.TanhLayer), [W, x, b], [0, 1, 2],
        a => StructureFunctions.TanhLayer((double[,])a[0], (double[])a[1], (double[])a[2]),
        a =>
        {
            var r = StructureFunctions.TanhLayerJacobian((double[,])a[0], (double[])a[1], (double[])a[2]);
            return (r.Value, new[] { r.dW, r.dx, r.db });
        },
        (a, s) =>
        {
            var dW = Garbage((double[,])a[0]);
            var dx = Garbage((double[])a[1]);
            var db = Garbage((double[])a[2]);
            var v = StructureFunctions.TanhLayerVjp((double[,])a[0], (double[])a[1], (double[])a[2], (double[])s, dW, dx, db);
            return (v, new object[] { dW, dx, db });
        },
        (a, t) =>
        {
            var r = StructureFunctions.TanhLayerJvp((double[,])a[0], (double[])a[1], (double[])a[2], (double[,])t[0], (double[])t[1], (double[])t[2]);
            return (r.Value, r.Tangent);
        });

    private static Case AddCase(double[] x, double[] y) => new(
        nameof(StructureFunctions.Add), [x, y], [0, 1],
        a => StructureFunctions.Add((double[])a[0], (double[])a[1]),
        a =>
        {
            var r = StructureFunctions.AddJacobian((double[])a[0], (double[])a[1]);
            return (r.Value, new[] { r.da, r.db });
        },
        (a, s) =>
        {
            var da = Garbage((double[])a[0]);
            var db = Garbage((double[])a[1]);
            var v = StructureFunctions.AddVjp((double[])a[0], (double[])a[1], (double[])s, da, db);
            return (v, new object[] { da, db });
        },
        (a, t) =>
        {
            var r = StructureFunctions.AddJvp((double[])a[0], (double[])a[1], (double[])t[0], (double[])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case ResidualCase(double[,] W, double[] x) => new(
        nameof(StructureFunctions.Residual), [W, x], [0, 1],
        a => StructureFunctions.Residual((double[,])a[0], (double[])a[1]),
        a =>
        {
            var r = StructureFunctions.ResidualJacobian((double[,])a[0], (double[])a[1]);
            return (r.Value, new[] { r.dW, r.dx });
        },
        (a, s) =>
        {
            var dW = Garbage((double[,])a[0]);
            var dx = Garbage((double[])a[1]);
            var v = StructureFunctions.ResidualVjp((double[,])a[0], (double[])a[1], (double[])s, dW, dx);
            return (v, new object[] { dW, dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.ResidualJvp((double[,])a[0], (double[])a[1], (double[,])t[0], (double[])t[1]);
            return (r.Value, r.Tangent);
        });

    private static Case SoftmaxCase(double[] x) => new(
        nameof(StructureFunctions.Softmax), [x], [0],
        a => StructureFunctions.Softmax((double[])a[0]),
        a =>
        {
            var r = StructureFunctions.SoftmaxJacobian((double[])a[0]);
            return (r.Value, new[] { r.dx });
        },
        (a, s) =>
        {
            var dx = Garbage((double[])a[0]);
            var v = StructureFunctions.SoftmaxVjp((double[])a[0], (double[])s, dx);
            return (v, new object[] { dx });
        },
        (a, t) =>
        {
            var r = StructureFunctions.SoftmaxJvp((double[])a[0], (double[])t[0]);
            return (r.Value, r.Tangent);
        });

    // ---------------------------------------------------------------------------------------------------------
    // y = W·x
    // ---------------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(3, 4)]
    [InlineData(4, 3)]
    [InlineData(3, 3)]
    [InlineData(1, 5)]
    [InlineData(5, 1)]
    [InlineData(1, 1)]
    public void MatVec_JacobianIsExactlyTheKroneckerFormula(int n, int m)
    {
        var random = new Random((n * 31) + m);
        double[,] W = JacobianTestKit.RandomMatrix(random, n, m);
        double[] x = JacobianTestKit.RandomVector(random, m);

        var (value, dW, dx) = StructureFunctions.MatVecJacobian(W, x);
        AssertSameValue("MatVec", StructureFunctions.MatVec(W, x), value);

        // ∂y/∂vec(W) = xᵀ ⊗ Iₙ: J[i, p + q·n] = δ(i, p)·x[q], every entry exactly.
        Assert.Equal(JacobianStructure.Kronecker, dW.Structure);
        AssertEntries("∂y/∂vec(W)", dW, n, n * m, (row, column) => row == column % n ? x[column / n] : 0.0);
        AssertKroneckerFactors("∂y/∂vec(W)", dW, KroneckerFactorKind.RowVector, 1, m, KroneckerFactorKind.Identity, n, n);
        Assert.Equal(TensorShape.Matrix(n, m), dW.InputShape);
        for (int i = 0; i < n; i++)
        {
            for (int p = 0; p < n; p++)
            {
                for (int q = 0; q < m; q++)
                {
                    Assert.Equal(i == p ? x[q] : 0.0, dW.Partial(i, p, q));
                }
            }
        }

        // ∂y/∂x = W, exactly.
        Assert.Equal(JacobianStructure.Dense, dx.Structure);
        double[,] denseX = dx.ToDense();
        Assert.Equal(n, denseX.GetLength(0));
        Assert.Equal(m, denseX.GetLength(1));
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                Assert.Equal(W[i, j], denseX[i, j]);
                Assert.Equal(W[i, j], dx.Partial(i, j));
            }
        }
    }

    // A parameter the result's values do not depend on got a dense matrix of zeros: for the unread 3000 × 3000 W
    // beside a 3000-long result below, 27 billion entries (an OutOfMemoryException), where its Jacobian is zero.
    [Fact]
    public void AParameterTheResultDoesNotDependOnHasAZeroJacobian()
    {
        var random = new Random(3);
        foreach (var (n, w01) in new[] { (1, 0.5), (4, 0.5), (4, -0.5), (7, 1.0) })
        {
            double[] x = JacobianTestKit.RandomVector(random, n), b = JacobianTestKit.RandomVector(random, 3);
            double[,] W = JacobianTestKit.RandomMatrix(random, 2, 3);
            W[0, 1] = w01;
            double c = random.NextDouble();
            var jacobians = Check(new Case(
                nameof(StructureFunctions.SineIgnoringSome), [x, c, W, b], [0, 1, 2, 3],
                a => StructureFunctions.SineIgnoringSome((double[])a[0], (double)a[1], (double[,])a[2], (double[])a[3]),
                a =>
                {
                    var r = StructureFunctions.SineIgnoringSomeJacobian((double[])a[0], (double)a[1], (double[,])a[2], (double[])a[3]);
                    return (r.Value, new[] { r.dx, r.dc, r.dW, r.db });
                },
                (a, s) =>
                {
                    var (dx, dW, db) = (Garbage((double[])a[0]), Garbage((double[,])a[2]), Garbage((double[])a[3]));
                    var v = StructureFunctions.SineIgnoringSomeVjp((double[])a[0], (double)a[1], (double[,])a[2], (double[])a[3], (double[])s, dx, out var dc, dW, db);
                    return (v, new object[] { dx, dc, dW, db });
                },
                (a, t) =>
                {
                    var r = StructureFunctions.SineIgnoringSomeJvp((double[])a[0], (double)a[1], (double[,])a[2], (double[])a[3], (double[])t[0], (double)t[1], (double[,])t[2], (double[])t[3]);
                    return (r.Value, r.Tangent);
                }));
            Assert.Equal(new[] { JacobianStructure.Zero, JacobianStructure.Zero, JacobianStructure.Zero }, jacobians.Skip(1).Select(j => j.Structure));
            Assert.Equal(TensorShape.Matrix(2, 3), jacobians[2].InputShape);
            Assert.Equal(TensorShape.Scalar, jacobians[1].InputShape);
            Assert.Equal(TensorShape.Vector(n), jacobians[3].OutputShape);
        }

        var (_, _, dW) = StructureFunctions.PrefixSumIgnoringWJacobian(new double[3000], new double[3000, 3000]);
        Assert.Equal(JacobianStructure.Zero, dW.Structure);
        Assert.Equal((3000, 9_000_000), (dW.Rows, dW.Columns));
        Assert.Equal(0.0, dW[2999, 8_999_999]);
    }

    [Fact]
    public void MatVec_JacobianDoesNotAliasItsInputs()
    {
        var random = new Random(5);
        double[,] W = JacobianTestKit.RandomMatrix(random, 3, 2);
        double[] x = JacobianTestKit.RandomVector(random, 2);
        var (_, dW, dx) = StructureFunctions.MatVecJacobian(W, x);
        double dW01 = dW[0, 3], dx10 = dx[1, 0];
        x[1] += 1.0;
        W[1, 0] += 1.0;
        Assert.Equal(dW01, dW[0, 3]);
        Assert.Equal(dx10, dx[1, 0]);
    }

    [Fact]
    public void MatVec_VjpIsSeedTimesXTransposeAndWTransposeTimesSeed() =>
        (from n in Size
         from m in Size
         from W in Matrix(n, m)
         from x in Vector(m)
         from seed in Vector(n)
         select (W, x, seed))
        .Sample((W, x, seed) =>
        {
            int n = W.GetLength(0), m = W.GetLength(1);
            var dW = Garbage(W);
            var dx = Garbage(x);
            double[] value = StructureFunctions.MatVecVjp(W, x, seed, dW, dx);
            AssertSameValue("MatVec", StructureFunctions.MatVec(W, x), value);

            var expectedW = new double[n, m];
            var expectedX = new double[m];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    expectedW[i, j] = seed[i] * x[j];
                    expectedX[j] += W[i, j] * seed[i];
                }
            }

            AssertClose("∂L/∂W = seed·xᵀ", expectedW, dW, 1e-12);
            AssertClose("∂L/∂x = Wᵀ·seed", expectedX, dx, 1e-12);
        }, iter: Iterations);

    [Fact]
    public void MatVec_JvpIsTheProductRule() =>
        (from n in Size
         from m in Size
         from W in Matrix(n, m)
         from x in Vector(m)
         from tW in Matrix(n, m)
         from tx in Vector(m)
         select (W, x, tW, tx))
        .Sample((W, x, tW, tx) =>
        {
            int n = W.GetLength(0), m = W.GetLength(1);
            var (value, tangent) = StructureFunctions.MatVecJvp(W, x, tW, tx);
            AssertSameValue("MatVec", StructureFunctions.MatVec(W, x), value);
            var expected = new double[n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    expected[i] += (tW[i, j] * x[j]) + (W[i, j] * tx[j]);
                }
            }

            AssertClose("dW·x + W·dx", expected, tangent, 1e-12);
        }, iter: Iterations);

    [Fact]
    public void MatVec_AllCompanionsAgree() =>
        (from n in Size
         from m in Size
         from W in Matrix(n, m)
         from x in Vector(m)
         select (W, x))
        .Sample((W, x) => Check(MatVecCase(W, x)), iter: Iterations);

    [Fact]
    public void MatVec_At3000_BuildsTheJacobianWithoutFormingIt()
    {
        const int n = 3000;
        // W[i, j] = (((7i + 13j) mod 17) − 8)/8. Row i is the pattern of row 0 shifted by 11i mod 17 (13·11 ≡ 7),
        // so each row is one span copy rather than 3000 modulo computations.
        var pattern = new double[n + 17];
        for (int j = 0; j < pattern.Length; j++)
        {
            pattern[j] = (((j * 13) % 17) - 8) * 0.125;
        }

        var W = new double[n, n];
        Span<double> flat = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref W[0, 0], n * n);
        for (int i = 0; i < n; i++)
        {
            pattern.AsSpan((i * 11) % 17, n).CopyTo(flat.Slice(i * n, n));
        }

        Assert.Equal((((7 * 2999) + (13 * 1234)) % 17 - 8) * 0.125, W[2999, 1234]);

        var x = new double[n];
        for (int j = 0; j < n; j++)
        {
            x[j] = Math.Sin(j + 1.0);
        }

        // Warm up both paths on a small problem, so JIT and type loading do not count.
        var smallW = new double[2, 2] { { 1, 2 }, { 3, 4 } };
        var smallX = new double[] { 1, -1 };
        StructureFunctions.MatVecOfW(smallW, smallX);
        StructureFunctions.MatVecOfWJacobian(smallW, smallX);

        long start = GC.GetAllocatedBytesForCurrentThread();
        double[] y = StructureFunctions.MatVecOfW(W, x);
        long functionBytes = GC.GetAllocatedBytesForCurrentThread() - start;

        start = GC.GetAllocatedBytesForCurrentThread();
        var (value, dW) = StructureFunctions.MatVecOfWJacobian(W, x);
        long jacobianBytes = GC.GetAllocatedBytesForCurrentThread() - start;

        Assert.True(jacobianBytes - functionBytes < 1_000_000,
            $"MatVecOfWJacobian allocated {jacobianBytes} bytes, the function alone {functionBytes}: {jacobianBytes - functionBytes} beyond it.");
        // The value runs the body with its dot products as SIMD kernels: the same sums in another order.
        Assert.Equal(y.Length, value.Length);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(y[i], value[i], 1e-10);
        }

        Assert.Equal(JacobianStructure.Kronecker, dW.Structure);
        Assert.Equal(3000, dW.Rows);
        Assert.Equal(9_000_000, dW.Columns);

        // Spot checks of J[i, p + q·n] = δ(i, p)·x[q], on and off the block diagonal, at the corners and inside.
        var random = new Random(3000);
        int[] corners = [0, 1, n - 2, n - 1];
        foreach (int i in corners)
        {
            foreach (int q in corners)
            {
                Assert.Equal(x[q], dW[i, i + (q * n)]);
                Assert.Equal(0.0, dW[i, ((i + 1) % n) + (q * n)]);
                Assert.Equal(x[q], dW.Partial(i, i, q));
            }
        }

        for (int t = 0; t < 1000; t++)
        {
            int i = random.Next(n), p = random.Next(n), q = random.Next(n);
            Assert.Equal(i == p ? x[q] : 0.0, dW[i, p + (q * n)]);
            Assert.Equal(x[q], dW[i, i + (q * n)]);
        }

        // Jᵀ·u = vec(u·xᵀ) through the structure, in O(n·m) rather than O(n²·m).
        var u = new double[n];
        for (int i = 0; i < n; i++)
        {
            u[i] = Math.Cos(i);
        }

        var pulled = new double[n * n];
        dW.TransposeMultiply(u, pulled);
        for (int t = 0; t < 1000; t++)
        {
            int p = random.Next(n), q = random.Next(n);
            Assert.Equal(u[p] * x[q], pulled[p + (q * n)], 1e-15);
        }
    }

    [Fact]
    public void MatVec_LoopRangesShorterThanTheArrays_FallBackToExactDense() =>
        (from n in Size
         from m in Size
         from W in Matrix(n, m + 1)
         from x in Vector(m)
         from k in Gen.Int[0, m]
         select (W, x, k))
        .Sample((W, x, k) =>
        {
            int n = W.GetLength(0), columns = W.GetLength(1);

            // MatVec with x shorter than the rows of W: only the first x.Length columns of W are read.
            var jacobians = Check(MatVecCase(W, x));
            AssertEntries("MatVec, short x: ∂y/∂vec(W)", jacobians[0], n, n * columns,
                (row, column) => row == column % n && column / n < x.Length ? x[column / n] : 0.0);

            // MatVecPrefix: the inner loop stops at k ≤ x.Length.
            var prefix = Check(MatVecPrefixCase(W, x, k));
            AssertEntries("MatVecPrefix: ∂y/∂vec(W)", prefix[0], n, n * columns,
                (row, column) => row == column % n && column / n < k ? x[column / n] : 0.0);
            AssertEntries("MatVecPrefix: ∂y/∂x", prefix[1], n, x.Length,
                (row, column) => column < k ? W[row, column] : 0.0);
        }, iter: Iterations);

    [Fact]
    public void MatVecPrefix_FullRange_IsStructured()
    {
        var random = new Random(11);
        double[,] W = JacobianTestKit.RandomMatrix(random, 3, 4);
        double[] x = JacobianTestKit.RandomVector(random, 4);
        var jacobians = Check(MatVecPrefixCase(W, x, 4));
        Assert.Equal(JacobianStructure.Kronecker, jacobians[0].Structure);
        AssertEntries("MatVecPrefix, k = columns: ∂y/∂vec(W)", jacobians[0], 3, 12, (row, column) => row == column % 3 ? x[column / 3] : 0.0);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The other rules
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void RowVec_IsWTransposeAndIdentityKroneckerXTranspose() =>
        (from n in Size
         from m in Size
         from x in Vector(n)
         from W in Matrix(n, m)
         select (x, W))
        .Sample((x, W) =>
        {
            int n = W.GetLength(0), m = W.GetLength(1);
            var jacobians = Check(RowVecCase(x, W));

            // y[j] = Σᵢ x[i]·W[i, j]: ∂y/∂x = Wᵀ, ∂y/∂vec(W) = Iₘ ⊗ xᵀ, J[j, p + q·n] = δ(j, q)·x[p].
            Assert.Equal(JacobianStructure.Dense, jacobians[0].Structure);
            AssertEntries("∂y/∂x", jacobians[0], m, n, (j, i) => W[i, j]);
            Assert.Equal(JacobianStructure.Kronecker, jacobians[1].Structure);
            AssertEntries("∂y/∂vec(W)", jacobians[1], m, n * m, (j, column) => j == column / n ? x[column % n] : 0.0);
            AssertKroneckerFactors("∂y/∂vec(W)", jacobians[1], KroneckerFactorKind.Identity, m, m, KroneckerFactorKind.RowVector, 1, n);
        }, iter: Iterations);

    [Fact]
    public void Outer_IsVKroneckerIdentityAndIdentityKroneckerU() =>
        (from m in Size
         from n in Size
         from u in Vector(m)
         from v in Vector(n)
         select (u, v))
        .Sample((u, v) =>
        {
            int m = u.Length, n = v.Length;
            var (value, du, dv) = StructureFunctions.OuterJacobian(u, v);
            Assert.Equal(StructureFunctions.Outer(u, v), value);

            // vec(Y)[i + j·m] = u[i]·v[j]: ∂/∂u[p] = δ(i, p)·v[j] (v ⊗ Iₘ), ∂/∂v[q] = u[i]·δ(j, q) (Iₙ ⊗ u).
            Assert.Equal(JacobianStructure.Kronecker, du.Structure);
            Assert.Equal(JacobianStructure.Kronecker, dv.Structure);
            AssertEntries("∂vec(Y)/∂u", du, m * n, m, (row, p) => row % m == p ? v[row / m] : 0.0);
            AssertEntries("∂vec(Y)/∂v", dv, m * n, n, (row, q) => row / m == q ? u[row % m] : 0.0);
            AssertKroneckerFactors("∂vec(Y)/∂u", du, KroneckerFactorKind.ColumnVector, n, 1, KroneckerFactorKind.Identity, m, m);
            AssertKroneckerFactors("∂vec(Y)/∂v", dv, KroneckerFactorKind.Identity, n, n, KroneckerFactorKind.ColumnVector, m, 1);
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    for (int p = 0; p < m; p++)
                    {
                        Assert.Equal(i == p ? v[j] : 0.0, du.Partial([i, j], [p]));
                    }
                }
            }

            Check(OuterCase(u, v));
        }, iter: Iterations);

    [Fact]
    public void Elementwise_IsDiagonal() =>
        (from n in Size
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var jacobians = Check(ElementwiseCase(x));
            Assert.Equal(JacobianStructure.Diagonal, jacobians[0].Structure);

            // d/dx exp(sin x) = exp(sin x)·cos x on the diagonal, exactly zero off it.
            AssertEntries("∂y/∂x", jacobians[0], x.Length, x.Length,
                (r, c) => r == c ? Math.Exp(Math.Sin(x[r])) * Math.Cos(x[r]) : 0.0, relative: 1e-14);
        }, iter: Iterations);

    [Fact]
    public void ElementwiseMatrix_IsDiagonalOverVec() =>
        (from m in Size
         from n in Size
         from X in Matrix(m, n)
         select X)
        .Sample(X =>
        {
            int m = X.GetLength(0), n = X.GetLength(1);
            var jacobians = Check(ElementwiseMatrixCase(X));
            Assert.Equal(JacobianStructure.Diagonal, jacobians[0].Structure);
            AssertEntries("∂vec(Y)/∂vec(X)", jacobians[0], m * n, m * n, (r, c) =>
            {
                double t = Math.Tanh(X[r % m, r / m]);
                return r == c ? 1.0 - (t * t) : 0.0;
            }, relative: 1e-14);
        }, iter: Iterations);

    [Fact]
    public void ElementwisePolynomial_ValuesAreExact() =>
        (from n in Size
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            var jacobians = Check(ElementwisePolynomialCase(x));
            AssertEntries("∂y/∂x", jacobians[0], x.Length, x.Length,
                (r, c) => r == c ? (2.0 * x[r]) + Math.Cos(x[r]) : 0.0, relative: 1e-14);
        }, iter: Iterations);

    /// <summary>y[i] = x[i]² + sin(x[i]) is as elementwise as exp(sin(x[i])): its Jacobian is diagonal.</summary>
    [Fact]
    public void ElementwisePolynomial_IsDiagonal()
    {
        var (_, dx) = StructureFunctions.ElementwisePolynomialJacobian([0.5, -1.0, 2.0]);
        Assert.Equal(JacobianStructure.Diagonal, dx.Structure);
    }

    [Fact]
    public void Scale_IsScaledIdentityInXAndADenseColumnInA() =>
        (from n in Size
         from a in Scalar()
         from x in Vector(n)
         select (a, x))
        .Sample((a, x) =>
        {
            var jacobians = Check(ScaleCase(a, x));
            Assert.Equal(JacobianStructure.Dense, jacobians[0].Structure);
            AssertEntries("∂y/∂a", jacobians[0], x.Length, 1, (r, _) => x[r]);
            Assert.Equal(JacobianStructure.Scaled, jacobians[1].Structure);
            var scaled = Assert.IsType<ScaledJacobian>(jacobians[1]);
            Assert.Equal(a, scaled.Scale);
            Assert.Equal(JacobianStructure.Identity, scaled.Inner.Structure);
            AssertEntries("∂y/∂x", jacobians[1], x.Length, x.Length, (r, c) => r == c ? a : 0.0);
        }, iter: Iterations);

    [Fact]
    public void Transpose_IsThePermutationThatIsTheCommutationMatrix() =>
        (from m in Size
         from n in Size
         from X in Matrix(m, n)
         select X)
        .Sample(X =>
        {
            int m = X.GetLength(0), n = X.GetLength(1);
            var jacobians = Check(TransposeCase(X));
            Assert.Equal(JacobianStructure.Permutation, jacobians[0].Structure);

            // Y = Xᵀ is n×m: vec(Y)[i + j·n] = Y[i, j] = X[j, i] = vec(X)[j + i·m].
            AssertEntries("∂vec(Xᵀ)/∂vec(X)", jacobians[0], m * n, m * n, (r, c) => c == (r / n) + ((r % n) * m) ? 1.0 : 0.0);
        }, iter: Iterations);

    [Fact]
    public void Axb_IsKroneckerInEachFactor() =>
        (from p in Size
         from m in Size
         from n in Size
         from q in Size
         from A in Matrix(p, m)
         from X in Matrix(m, n)
         from B in Matrix(n, q)
         select (A, X, B))
        .Sample((A, X, B) =>
        {
            int p = A.GetLength(0), m = A.GetLength(1), n = X.GetLength(1), q = B.GetLength(1);
            var jacobians = Check(AxbCase(A, X, B));
            double[,] xb = MatrixProduct(X, B);
            double[,] ax = MatrixProduct(A, X);

            // vec(Y)[i + l·p]; ∂/∂X[j, k] at column j + k·m is A[i, j]·B[k, l]: Bᵀ ⊗ A, exactly.
            Assert.Equal(JacobianStructure.Kronecker, jacobians[1].Structure);
            AssertEntries("∂vec(Y)/∂vec(X)", jacobians[1], p * q, m * n, (r, c) => A[r % p, c % m] * B[c / m, r / p]);
            AssertKroneckerFactors("∂vec(Y)/∂vec(X)", jacobians[1], KroneckerFactorKind.TransposedMatrix, q, n, KroneckerFactorKind.Matrix, p, m);

            // ∂/∂A[a, b] at column a + b·p is δ(i, a)·(XB)[b, l]; ∂/∂B[c, d] at column c + d·n is (AX)[i, c]·δ(l, d).
            Assert.Equal(JacobianStructure.Kronecker, jacobians[0].Structure);
            AssertEntries("∂vec(Y)/∂vec(A)", jacobians[0], p * q, p * m, (r, c) => r % p == c % p ? xb[c / p, r / p] : 0.0, 1e-13);
            Assert.Equal(JacobianStructure.Kronecker, jacobians[2].Structure);
            AssertEntries("∂vec(Y)/∂vec(B)", jacobians[2], p * q, n * q, (r, c) => r / p == c / n ? ax[r % p, c % n] : 0.0, 1e-13);
        }, iter: Iterations);

    /// <summary>
    /// ∂vec(AXB)/∂vec(A) = (XB)ᵀ ⊗ Iₚ and ∂vec(AXB)/∂vec(B) = I_q ⊗ (AX): factors the size of XB and AX, not a
    /// 1×1 scalar times the whole (mostly zero) Jacobian.
    /// </summary>
    [Fact]
    public void Axb_OuterFactorsAreTheirSmallFactors()
    {
        var random = new Random(17);
        int p = 3, m = 4, n = 2, q = 5;
        var (_, dA, _, dB) = StructureFunctions.AxbJacobian(
            JacobianTestKit.RandomMatrix(random, p, m), JacobianTestKit.RandomMatrix(random, m, n), JacobianTestKit.RandomMatrix(random, n, q));
        AssertKroneckerFactors("∂vec(Y)/∂vec(A)", dA, KroneckerFactorKind.Matrix, q, m, KroneckerFactorKind.Identity, p, p);
        AssertKroneckerFactors("∂vec(Y)/∂vec(B)", dB, KroneckerFactorKind.Identity, q, q, KroneckerFactorKind.Matrix, p, n);
    }

    [Fact]
    public void TanhLayer_MatchesFiniteDifferencesWithRowScaledStructure() =>
        (from n in Size
         from m in Size
         from W in Matrix(n, m, -1.0, 1.0)
         from x in Vector(m, -1.0, 1.0)
         from b in Vector(n, -1.0, 1.0)
         select (W, x, b))
        .Sample((W, x, b) =>
        {
            int n = W.GetLength(0), m = W.GetLength(1);
            var jacobians = Check(TanhLayerCase(W, x, b));
            Assert.Equal(JacobianStructure.DiagonalProduct, jacobians[0].Structure);
            Assert.Equal(JacobianStructure.DiagonalProduct, jacobians[1].Structure);
            Assert.Equal(JacobianStructure.Diagonal, jacobians[2].Structure);

            // Closed forms with y = tanh(Wx + b): diag(1 − y²)·(xᵀ ⊗ I), diag(1 − y²)·W, diag(1 − y²).
            double[] y = StructureFunctions.TanhLayer(W, x, b);
            AssertEntries("∂y/∂vec(W)", jacobians[0], n, n * m, (i, c) => i == c % n ? (1.0 - (y[i] * y[i])) * x[c / n] : 0.0, 1e-14);
            AssertEntries("∂y/∂x", jacobians[1], n, m, (i, j) => (1.0 - (y[i] * y[i])) * W[i, j], 1e-14);
            AssertEntries("∂y/∂b", jacobians[2], n, n, (i, c) => i == c ? 1.0 - (y[i] * y[i]) : 0.0, 1e-14);
        }, iter: Iterations);

    [Fact]
    public void Add_IsIdentityInBoth() =>
        (from n in Size
         from a in Vector(n)
         from b in Vector(n)
         select (a, b))
        .Sample((a, b) =>
        {
            var jacobians = Check(AddCase(a, b));
            foreach (var jacobian in jacobians)
            {
                Assert.Equal(JacobianStructure.Identity, jacobian.Structure);
                AssertEntries("∂(a + b)", jacobian, a.Length, a.Length, (r, c) => r == c ? 1.0 : 0.0);
            }
        }, iter: Iterations);

    [Fact]
    public void Residual_IsASumOfIdentityAndW() =>
        (from n in Size
         from W in Matrix(n, n)
         from x in Vector(n)
         select (W, x))
        .Sample((W, x) =>
        {
            int n = x.Length;
            var jacobians = Check(ResidualCase(W, x));
            Assert.Equal(JacobianStructure.Kronecker, jacobians[0].Structure);
            AssertEntries("∂y/∂vec(W)", jacobians[0], n, n * n, (i, c) => i == c % n ? x[c / n] : 0.0);
            Assert.Equal(JacobianStructure.Sum, jacobians[1].Structure);
            AssertEntries("∂y/∂x", jacobians[1], n, n, (i, j) => (i == j ? 1.0 : 0.0) + W[i, j]);
        }, iter: Iterations);

    [Fact]
    public void Softmax_IsDenseDiagonalMinusOuterProduct() =>
        (from n in Size
         from x in Vector(n)
         select x)
        .Sample(x =>
        {
            int n = x.Length;
            var jacobians = Check(SoftmaxCase(x));
            Assert.Equal(JacobianStructure.Dense, jacobians[0].Structure);

            // Independent softmax: s = exp(x − max) / Σ exp(x − max).
            double max = x.Max();
            double[] e = x.Select(v => Math.Exp(v - max)).ToArray();
            double total = e.Sum();
            double[] s = e.Select(v => v / total).ToArray();
            AssertEntries("∂s/∂x", jacobians[0], n, n, (i, j) => (i == j ? s[i] : 0.0) - (s[i] * s[j]), 1e-12);
        }, iter: Iterations);

    // ---------------------------------------------------------------------------------------------------------
    // Loop orders the structure pass may not recognize: values must be right either way
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void RowVecRowMajor_ValuesMatchTheRowForm() =>
        (from n in Size
         from m in Size
         from x in Vector(n)
         from W in Matrix(n, m)
         select (x, W))
        .Sample((x, W) =>
        {
            int n = W.GetLength(0), m = W.GetLength(1);
            var jacobians = Check(RowVecRowMajorCase(x, W));
            AssertEntries("∂y/∂x", jacobians[0], m, n, (j, i) => W[i, j]);
            AssertEntries("∂y/∂vec(W)", jacobians[1], m, n * m, (j, column) => j == column / n ? x[column % n] : 0.0);
        }, iter: Iterations);

    [Fact]
    public void AxbIndexOrder_ValuesMatchTheKroneckerForms() =>
        (from p in Size
         from m in Size
         from n in Size
         from q in Size
         from A in Matrix(p, m)
         from X in Matrix(m, n)
         from B in Matrix(n, q)
         select (A, X, B))
        .Sample((A, X, B) =>
        {
            int p = A.GetLength(0), m = A.GetLength(1), n = X.GetLength(1), q = B.GetLength(1);
            var jacobians = Check(AxbIndexOrderCase(A, X, B));
            double[,] xb = MatrixProduct(X, B);
            double[,] ax = MatrixProduct(A, X);
            AssertEntries("∂vec(Y)/∂vec(A)", jacobians[0], p * q, p * m, (r, c) => r % p == c % p ? xb[c / p, r / p] : 0.0, 1e-13);
            AssertEntries("∂vec(Y)/∂vec(X)", jacobians[1], p * q, m * n, (r, c) => A[r % p, c % m] * B[c / m, r / p], 1e-13);
            AssertEntries("∂vec(Y)/∂vec(B)", jacobians[2], p * q, n * q, (r, c) => r / p == c / n ? ax[r % p, c % n] : 0.0, 1e-13);
        }, iter: Iterations);

    /// <summary>The row form with the reduction loop outside is the same index notation: Iₘ ⊗ xᵀ.</summary>
    [Fact]
    public void RowVecRowMajor_IsStructuredLikeTheRowForm()
    {
        var (_, _, dW) = StructureFunctions.RowVecRowMajorJacobian([1.0, 2.0], new double[,] { { 1, 2, 3 }, { 4, 5, 6 } });
        Assert.Equal(JacobianStructure.Kronecker, dW.Structure);
    }

    /// <summary>A·X·B with its loops in index order i, j, k, l is the same index notation: Bᵀ ⊗ A in X.</summary>
    [Fact]
    public void AxbIndexOrder_IsStructuredLikeAxb()
    {
        var random = new Random(2);
        var (_, _, dX, _) = StructureFunctions.AxbIndexOrderJacobian(
            JacobianTestKit.RandomMatrix(random, 2, 3), JacobianTestKit.RandomMatrix(random, 3, 2), JacobianTestKit.RandomMatrix(random, 2, 2));
        Assert.Equal(JacobianStructure.Kronecker, dX.Structure);
    }

    // ---------------------------------------------------------------------------------------------------------
    // 1×1 and degenerate shapes, every function
    // ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void EveryFunction_OneByOne()
    {
        double[,] One(double v) => new double[,] { { v } };
        var cases = new[]
        {
            MatVecCase(One(0.7), [-1.3]),
            MatVecPrefixCase(One(0.7), [-1.3], 1),
            MatVecPrefixCase(One(0.7), [-1.3], 0),
            RowVecCase([0.4], One(-0.9)),
            RowVecRowMajorCase([0.4], One(-0.9)),
            OuterCase([1.1], [-0.6]),
            ElementwiseCase([0.3]),
            ElementwisePolynomialCase([0.3]),
            ElementwiseMatrixCase(One(-0.2)),
            ScaleCase(1.7, [0.25]),
            TransposeCase(One(0.5)),
            AxbCase(One(0.5), One(-1.5), One(2.0)),
            AxbIndexOrderCase(One(0.5), One(-1.5), One(2.0)),
            TanhLayerCase(One(0.5), [0.8], [-0.1]),
            AddCase([0.5], [1.5]),
            ResidualCase(One(0.5), [1.5]),
            SoftmaxCase([0.9]),
        };
        foreach (var c in cases)
        {
            Check(c);
        }

        // The structures survive the 1×1 case.
        Assert.Equal(JacobianStructure.Kronecker, Check(MatVecCase(One(0.7), [-1.3]))[0].Structure);
        Assert.Equal(JacobianStructure.Kronecker, Check(OuterCase([1.1], [-0.6]))[1].Structure);
        Assert.Equal(JacobianStructure.Permutation, Check(TransposeCase(One(0.5)))[0].Structure);
        Assert.Equal(JacobianStructure.Diagonal, Check(TanhLayerCase(One(0.5), [0.8], [-0.1]))[2].Structure);

        // Softmax of one element is constant 1: its Jacobian is exactly zero.
        Assert.Equal(0.0, StructureFunctions.SoftmaxJacobian([0.9]).dx[0, 0], 1e-15);
    }

    [Fact]
    public void NonSquareShapes_EveryFunction() =>
        (from rows in Gen.Int[1, 5]
         from columns in Gen.Int[1, 5].Where(c => c != rows)
         from W in Matrix(rows, columns)
         from x in Vector(columns)
         from r in Vector(rows)
         select (W, x, r))
        .Sample((W, x, r) =>
        {
            Check(MatVecCase(W, x));
            Check(RowVecCase(r, W));
            Check(RowVecRowMajorCase(r, W));
            Check(OuterCase(r, x));
            Check(ElementwiseMatrixCase(W));
            Check(TransposeCase(W));
            Check(TanhLayerCase(W, x, r));
            Check(AxbCase(W, JacobianTestKit.Transpose(W), (double[,])W.Clone()));
        }, iter: 10);

    private static double[,] MatrixProduct(double[,] a, double[,] b)
    {
        var product = new double[a.GetLength(0), b.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < b.GetLength(1); j++)
            {
                for (int k = 0; k < a.GetLength(1); k++)
                {
                    product[i, j] += a[i, k] * b[k, j];
                }
            }
        }

        return product;
    }
}
