using System.Linq;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// The generated code for each supported construct, accepted by reading it. Each test also checks that the
/// generated code compiles with the user's code, with no generator diagnostic.
/// </summary>
public sealed class SnapshotTests
{
    private static void VerifyGenerated(string body, [System.Runtime.CompilerServices.CallerMemberName] string test = "", [System.Runtime.CompilerServices.CallerFilePath] string file = "")
    {
        var source = $$"""
            using System;
            using System.Numerics;
            using Differentiable;

            namespace Samples;

            public static partial class Functions
            {
            {{body}}
            }
            """;
        var run = GeneratorHarness.Run(source);
        run.AssertClean();
        var failures = run.Sources
            .Select(generated => Snapshot.Check(generated.SourceText.ToString(), generated.HintName.Replace(".g.cs", string.Empty), file, test))
            .Where(failure => failure is not null)
            .ToList();
        Assert.True(failures.Count == 0, string.Join(System.Environment.NewLine, failures));
    }

    [Fact]
    public void Arithmetic() => VerifyGenerated("""
            [Differentiate]
            public static double Arithmetic(double x, double y) => -x * y + x / y - (x - y) * 2.5;
        """);

    [Fact]
    public void MathFunctions() => VerifyGenerated("""
            [Differentiate]
            public static double Smooth(double x, double y)
            {
                double a = Math.Sin(x) * Math.Cos(y) + Math.Tan(x) + Math.Exp(-x * x) + Math.Log(1 + y * y);
                double b = Math.Tanh(a) + Math.Sqrt(1 + x * x) + Math.Pow(x, 3) + Math.Pow(2, y) + Math.Atan2(y, x);
                return a * b + Math.Log(x * x + 1, 2) + Math.Cbrt(y);
            }
        """);

    [Fact]
    public void WindowedSumHessian() => VerifyGenerated("""
            [Differentiate(Hessian = true)]
            public static double Rosenbrock(double[] x)
            {
                double f = 0.0;
                for (int i = 0; i < x.Length - 1; i++)
                {
                    double a = x[i + 1] - x[i] * x[i];
                    double b = 1.0 - x[i];
                    f += 100.0 * a * a + b * b;
                }

                return f;
            }
        """);

    [Fact]
    public void StraightLineHessian() => VerifyGenerated("""
            [Differentiate(Hessian = true)]
            public static double SpringEnergy(double[] q, double k)
            {
                double dx = q[1] - q[0];
                double stretch = Math.Sqrt(dx * dx + 1.0) - 1.0;
                return 0.5 * k * stretch * stretch;
            }
        """);

    [Fact]
    public void SumOfSquaresLoop() => VerifyGenerated("""
            [Differentiate]
            public static double SumOfSquares(double[] x)
            {
                double sum = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    sum += x[i] * x[i];
                }

                return sum;
            }
        """);

    [Fact]
    public void QuadraticForm() => VerifyGenerated("""
            [Differentiate]
            public static double QuadraticForm(double[,] A, double[] x)
            {
                double result = 0;
                for (int i = 0; i < x.Length; i++)
                    for (int j = 0; j < x.Length; j++)
                        result += x[i] * A[i, j] * x[j];
                return result;
            }
        """);

    [Fact]
    public void LocalArrayLayer() => VerifyGenerated("""
            [Differentiate(nameof(W), nameof(b))]
            public static double Layer(double[,] W, double[] b, double[] x, int n)
            {
                var h = new double[n];
                for (int i = 0; i < n; i++)
                {
                    double a = b[i];
                    for (int j = 0; j < x.Length; j++)
                        a += W[i, j] * x[j];
                    h[i] = Math.Tanh(a);
                }

                double loss = 0;
                for (int i = 0; i < n; i++)
                    loss += 0.5 * h[i] * h[i];
                return loss;
            }
        """);

    [Fact]
    public void Branches() => VerifyGenerated("""
            [Differentiate]
            public static double Piecewise(double x, double y)
            {
                double z;
                if (x > y)
                    z = x * x;
                else
                    z = Math.Abs(y) + Math.Max(x, 0.0);
                double w = x < 0 ? -x : Math.Min(x, y);
                if (z > 10)
                    return z;
                return z * w;
            }
        """);

    [Fact]
    public void RecordedBranch() => VerifyGenerated("""
            [Differentiate]
            public static double Clip(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * s + 1;
                    if (s > 2)
                        s = Math.Sqrt(s);
                }

                return s;
            }
        """);

    [Fact]
    public void CountingDownAndCompound() => VerifyGenerated("""
            [Differentiate]
            public static double Horner(double[] c, double x)
            {
                double p = 0;
                for (int i = c.Length - 1; i >= 0; i--)
                {
                    p *= x;
                    p += c[i];
                }

                return p;
            }
        """);

    [Fact]
    public void ReplacedState() => VerifyGenerated("""
            [Differentiate(nameof(W))]
            public static double Recurrent(double[,] W, double[] s0, int steps)
            {
                int h = s0.Length;
                double[] s = s0;
                for (int t = 0; t < steps; t++)
                {
                    var next = new double[h];
                    for (int i = 0; i < h; i++)
                    {
                        double a = 0;
                        for (int j = 0; j < h; j++)
                            a += W[i, j] * s[j];
                        next[i] = Math.Tanh(a);
                    }

                    s = next;
                }

                double loss = 0;
                for (int i = 0; i < h; i++)
                    loss += s[i] * s[i];
                return loss;
            }
        """);

    /// <summary>The state of <see cref="ReplacedState"/> kept in one array, overwritten each step: saved in bulk around the row loop.</summary>
    [Fact]
    public void ReusedState() => VerifyGenerated("""
            [Differentiate(nameof(W))]
            public static double Recurrent(double[,] W, double[] s0, int steps)
            {
                int h = s0.Length;
                double[] s = new double[h];
                double[] next = new double[h];
                for (int i = 0; i < h; i++)
                    s[i] = s0[i];
                for (int t = 0; t < steps; t++)
                {
                    for (int i = 0; i < h; i++)
                    {
                        double a = 0;
                        for (int j = 0; j < h; j++)
                            a += W[i, j] * s[j];
                        next[i] = Math.Tanh(a);
                    }

                    for (int i = 0; i < h; i++)
                        s[i] = next[i];
                }

                double loss = 0;
                for (int i = 0; i < h; i++)
                    loss += s[i] * s[i];
                return loss;
            }
        """);

    [Fact]
    public void MatVecJacobian() => VerifyGenerated("""
            [Differentiate]
            public static double[] MatVec(double[,] W, double[] x)
            {
                int n = W.GetLength(0);
                var y = new double[n];
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < x.Length; j++)
                        y[i] += W[i, j] * x[j];
                return y;
            }
        """);

    [Fact]
    public void TanhLayerJacobian() => VerifyGenerated("""
            [Differentiate]
            public static double[] Layer(double[,] W, double[] x, double[] b)
            {
                var y = new double[b.Length];
                for (int i = 0; i < b.Length; i++)
                {
                    double a = b[i];
                    for (int j = 0; j < x.Length; j++)
                        a += W[i, j] * x[j];
                    y[i] = Math.Tanh(a);
                }

                return y;
            }
        """);

    [Fact]
    public void StencilJacobian() => VerifyGenerated("""
            [Differentiate]
            public static double[] Laplacian(double[] x)
            {
                var y = new double[x.Length - 2];
                for (int i = 0; i < y.Length; i++)
                    y[i] = Math.Tanh(x[i] - 2.0 * x[i + 1] + x[i + 2]);

                return y;
            }
        """);

    [Fact]
    public void WindowedStencilJacobian() => VerifyGenerated("""
            [Differentiate]
            public static double[] Diffusion(double[] x)
            {
                int n = x.Length;
                var y = new double[n];
                for (int i = 1; i < n - 1; i++)
                    y[i] = x[i] * (x[i - 1] - 2.0 * x[i] + x[i + 1]);

                return y;
            }
        """);

    [Fact]
    public void GridStencilJacobian() => VerifyGenerated("""
            [Differentiate]
            public static double[,] Laplacian(double[,] u)
            {
                int m = u.GetLength(0);
                int n = u.GetLength(1);
                var y = new double[m, n];
                for (int j = 1; j < n - 1; j++)
                    for (int i = 1; i < m - 1; i++)
                        y[i, j] = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j];

                return y;
            }
        """);

    [Fact]
    public void ConvolutionJacobian() => VerifyGenerated("""
            [Differentiate(nameof(x))]
            public static double[] CausalConvolution(double[] x, double[] w)
            {
                var y = new double[x.Length];
                for (int i = w.Length - 1; i < x.Length; i++)
                {
                    double s = 0.0;
                    for (int j = 0; j < w.Length; j++)
                        s += w[j] * x[i - j];
                    y[i] = Math.Tanh(s);
                }

                return y;
            }
        """);

    [Fact]
    public void ImageFilterJacobian() => VerifyGenerated("""
            [Differentiate(nameof(x))]
            public static double[,] Blur(double[,] x, double[,] k)
            {
                var y = new double[x.GetLength(0) - k.GetLength(0) + 1, x.GetLength(1) - k.GetLength(1) + 1];
                for (int j = 0; j < y.GetLength(1); j++)
                    for (int i = 0; i < y.GetLength(0); i++)
                        for (int b = 0; b < k.GetLength(1); b++)
                            for (int a = 0; a < k.GetLength(0); a++)
                                y[i, j] += k[a, b] * x[i + a, j + b];

                return y;
            }
        """);

    [Fact]
    public void OuterProductJacobian() => VerifyGenerated("""
            [Differentiate]
            public static double[,] Outer(double[] u, double[] v)
            {
                var y = new double[u.Length, v.Length];
                for (int i = 0; i < u.Length; i++)
                    for (int j = 0; j < v.Length; j++)
                        y[i, j] = u[i] * v[j];
                return y;
            }
        """);

    [Fact]
    public void BreakAndWhile() => VerifyGenerated("""
            [Differentiate]
            public static double FirstBig(double[] x)
            {
                double s = 0;
                for (int i = 0; i < x.Length; i++)
                {
                    s += x[i] * x[i];
                    if (s > 1.0) break;
                }

                int k = 0;
                while (k < x.Length && s < 10)
                {
                    s = s * 1.5 + x[k];
                    k++;
                }

                return s;
            }
        """);

    [Fact]
    public void CallsAndRules() => VerifyGenerated("""
            [Differentiate]
            public static double Dot(double[] a, double[] b)
            {
                double s = 0;
                for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
                return s;
            }

            [Differentiate]
            public static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

            [Differentiate(nameof(w))]
            public static double Loss(double[] w, double[] x) => -Math.Log(Sigmoid(Dot(w, x))) + 0.01 * Dot(w, w) + Opaque(w[0]);

            public static double Opaque(double v) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(v)) * v;

            [DerivativeOf(nameof(Opaque))]
            public static double OpaqueGradient(double v, out double dv)
            {
                dv = 2 * v;
                return v * v;
            }
        """);

    /// <summary>
    /// A System.Numerics result through a loop: the companions compute the array of its components and convert at their
    /// signatures; the dense Jacobian sweeps local array-valued copies of the JVP and VJP (only those it calls).
    /// </summary>
    [Fact]
    public void NumericsResult() => VerifyGenerated("""
            [Differentiate]
            public static Vector2 Centroid(double[] xs, float scale)
            {
                double sx = 0;
                double sy = 0;
                for (int i = 0; i + 1 < xs.Length; i += 2)
                {
                    sx += xs[i];
                    sy += xs[i + 1];
                }

                return new Vector2((float)sx * scale, (float)sy);
            }
        """);

    /// <summary>
    /// A Hessian with respect to System.Numerics and float parameters: the public signature passes the components, in vec
    /// order, to a local Hessian of the method seen in double, with the local H·v and value it calls.
    /// </summary>
    [Fact]
    public void NumericsHessian() => VerifyGenerated("""
            [Differentiate(Hessian = true)]
            public static float Bend(Vector2 a, float k)
            {
                float c = a.X * a.Y - 1f;
                return k * c * c;
            }
        """);

    [Fact]
    public void NumericsSpring() => VerifyGenerated("""
            [Differentiate]
            public static float Spring(Vector3 p, Vector3 r)
            {
                float stretch = Vector3.Distance(p, r) - 1f;
                return 0.5f * stretch * stretch;
            }
        """);
}
