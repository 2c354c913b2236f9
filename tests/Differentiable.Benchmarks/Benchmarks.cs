using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using BenchmarkDotNet.Attributes;
using MathNet.Numerics.Differentiation;

namespace Differentiable.Benchmarks;

/// <summary>Logistic-regression loss gradient with respect to w, n = 2000 samples × d features (peers.py's problem).</summary>
[MemoryDiagnoser]
public class LogisticRegression
{
    /// <summary>Samples.</summary>
    public const int Samples = 2000;

    private double[,] X = null!;
    private double[] y = null!;
    private double[] w = null!;
    private double[] g = null!;
    private Func<double[], double> loss = null!;
    private readonly NumericalJacobian finiteDifferences = new();

    /// <summary>Features.</summary>
    [ParamsSource(nameof(Features))]
    public int D { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Features => Mode.Sizes([8, 64, 512], [8, 32, 64, 128, 256, 512]);

    /// <summary>Draws the data and checks the generated gradient against the hand-written one.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        X = BenchData.Matrix(rng, Samples, D);
        y = BenchData.Labels(Samples);
        w = BenchData.Vector(rng, D, 0.5);
        g = new double[D];
        loss = v => Models.LogisticLoss(X, y, v);

        var expected = new double[D];
        double value = Benchmarks.HandWritten.LogisticGradient(X, y, w, expected);
        Verify.Close("logistic value", Models.LogisticLossGradient(X, y, w, g), value);
        Verify.Close("logistic gradient", g, expected);
        Verify.Close("logistic allocating gradient", Models.LogisticLossGradient(X, y, w).dw, expected);
        Verify.Close("logistic finite differences", finiteDifferences.Evaluate(loss, w), expected, Verify.FiniteDifferences);
    }

    /// <summary>The loss alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.LogisticLoss(X, y, w);

    /// <summary>Hand-written gradient, fused with the loss.</summary>
    [Benchmark]
    [Role(Role.Target)]
    public double HandWritten() => Benchmarks.HandWritten.LogisticGradient(X, y, w, g);

    /// <summary>Generated allocation-free gradient.</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double Generated() => Models.LogisticLossGradient(X, y, w, g);

    /// <summary>Generated allocating gradient (the tuple overload).</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double[] GeneratedAllocating() => Models.LogisticLossGradient(X, y, w).dw;

    /// <summary>MathNet central differences: 2d loss evaluations.</summary>
    [Benchmark]
    [Role(Role.FiniteDifferences)]
    [SizeLimit(nameof(D), 64, 64)]
    public double[] FiniteDifferencesMathNet() => finiteDifferences.Evaluate(loss, w);
}

/// <summary>Two-layer perceptron on one sample, ½‖tanh(W₂ tanh(W₁x + b₁) + b₂) − t‖², width h = input = output.</summary>
[MemoryDiagnoser]
public class Perceptron
{
    private double[,] W1 = null!;
    private double[] b1 = null!;
    private double[,] W2 = null!;
    private double[] b2 = null!;
    private double[] x = null!;
    private double[] t = null!;
    private double[,] gW1 = null!;
    private double[] gb1 = null!;
    private double[,] gW2 = null!;
    private double[] gb2 = null!;

    /// <summary>Width of every layer.</summary>
    [ParamsSource(nameof(Widths))]
    public int Width { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Widths => Mode.Sizes([16, 128, 512], [16, 64, 256, 512, 1024]);

    /// <summary>Draws the weights and checks the generated gradient against backpropagation by hand.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int h = Width;
        var rng = BenchData.Rng();
        W1 = BenchData.Matrix(rng, h, h, 0.1);
        b1 = BenchData.Vector(rng, h);
        W2 = BenchData.Matrix(rng, h, h, 0.1);
        b2 = BenchData.Vector(rng, h);
        x = BenchData.Vector(rng, h);
        t = BenchData.Vector(rng, h);
        gW1 = new double[h, h];
        gb1 = new double[h];
        gW2 = new double[h, h];
        gb2 = new double[h];

        var (eW1, eb1, eW2, eb2) = (new double[h, h], new double[h], new double[h, h], new double[h]);
        double value = Benchmarks.HandWritten.MlpGradient(W1, b1, W2, b2, x, t, eW1, eb1, eW2, eb2);
        Verify.Close("MLP value", Models.MlpLossGradient(W1, b1, W2, b2, x, t, gW1, gb1, gW2, gb2), value);
        Verify.Close("MLP dW1", gW1, eW1);
        Verify.Close("MLP db1", gb1, eb1);
        Verify.Close("MLP dW2", gW2, eW2);
        Verify.Close("MLP db2", gb2, eb2);
    }

    /// <summary>The loss alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.MlpLoss(W1, b1, W2, b2, x, t);

    /// <summary>Backpropagation by hand.</summary>
    [Benchmark]
    [Role(Role.Target)]
    public double HandWritten() => Benchmarks.HandWritten.MlpGradient(W1, b1, W2, b2, x, t, gW1, gb1, gW2, gb2);

    /// <summary>Generated allocation-free gradient.</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double Generated() => Models.MlpLossGradient(W1, b1, W2, b2, x, t, gW1, gb1, gW2, gb2);
}

/// <summary>The vector-Jacobian product of y = W·x (W n×n): dW = seed·xᵀ, dx = Wᵀ·seed.</summary>
[MemoryDiagnoser]
public class MatVecVjp
{
    private double[,] W = null!;
    private double[] x = null!;
    private double[] seed = null!;
    private double[,] dW = null!;
    private double[] dx = null!;
    private double[,] copy = null!;

    /// <summary>n = m.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Sizes => Mode.Sizes([16, 256, 2048], [16, 64, 256, 1024, 2048, 4096]);

    /// <summary>Draws W, x and the seed and checks the generated VJP against the fused hand-written one.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        W = BenchData.Matrix(rng, N, N);
        x = BenchData.Vector(rng, N);
        seed = BenchData.Vector(rng, N);
        dW = new double[N, N];
        dx = new double[N];
        copy = new double[N, N];

        var (eW, ex) = (new double[N, N], new double[N]);
        double[] value = Benchmarks.HandWritten.MatVecVjp(W, x, seed, eW, ex);
        Verify.Close("W·x value", Models.MatVecVjp(W, x, seed, dW, dx), value);
        Verify.Close("W·x dW", dW, eW);
        Verify.Close("W·x dx", dx, ex);
    }

    /// <summary>W·x alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double[] Function() => Models.MatVec(W, x);

    /// <summary>Value, dW and dx in one sweep over W, by hand.</summary>
    [Benchmark]
    [Role(Role.Target)]
    public double[] HandWritten() => Benchmarks.HandWritten.MatVecVjp(W, x, seed, dW, dx);

    /// <summary>Generated VJP.</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double[] Generated() => Models.MatVecVjp(W, x, seed, dW, dx);

    /// <summary>
    /// The bandwidth floor: copying W moves what any VJP must (read n² doubles of W, write n² of dW), so
    /// Generated ÷ CopyBound is how far the VJP is from the memory-bound limit.
    /// </summary>
    [Benchmark]
    [Role(Role.Bound)]
    public double[,] CopyBound()
    {
        Array.Copy(W, copy, W.Length);
        return copy;
    }
}

/// <summary>
/// The Jacobian of y = W·x with respect to W (n×n): structured xᵀ ⊗ Iₙ (generated, or the runtime's Kronecker type by
/// hand) against the dense n × n² matrix, which only fits at small n.
/// </summary>
[MemoryDiagnoser]
public class MatVecJacobian
{
    private const string Structured = "structured";
    private const string StructuredOnly = "structured, no value";
    private const string Dense = "dense";

    private double[,] W = null!;
    private double[] x = null!;

    /// <summary>n = m.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Sizes => Mode.Sizes([16, 64, 4096], [16, 64, 128, 1024, 4096]);

    /// <summary>Draws W and x and checks the generated Jacobian entries against xᵀ ⊗ Iₙ.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        W = BenchData.Matrix(rng, N, N);
        x = BenchData.Vector(rng, N);

        var (value, dW) = Models.MatVecOfWJacobian(W, x);
        Verify.Close("W·x value", value, Benchmarks.HandWritten.MatVec(W, x));
        if (dW.Structure != JacobianStructure.Kronecker || dW.Rows != N || dW.Columns != N * N)
        {
            throw new InvalidOperationException($"W·x Jacobian: {dW}, expected a Kronecker {N}x{N * N}.");
        }

        var only = Models.MatVecOfWJacobianOnly(W, x);
        if (only.Structure != JacobianStructure.Kronecker || only.Rows != N || only.Columns != N * N)
        {
            throw new InvalidOperationException($"W·x Jacobian without the value: {only}, expected a Kronecker {N}x{N * N}.");
        }

        if (N <= 128)
        {
            Verify.Close("W·x dense Jacobian", dW.ToDense(), Benchmarks.HandWritten.MatVecDenseJacobianOfW(N, x));
            Verify.Close("W·x dense Jacobian without the value", only.ToDense(), Benchmarks.HandWritten.MatVecDenseJacobianOfW(N, x));
        }
        else
        {
            // Spot checks: J[i, p + q·n] = δ(i,p)·x[q], on the diagonal blocks and off them.
            for (int k = 0; k < 1000; k++)
            {
                int i = rng.Next(N), p = k % 2 == 0 ? i : rng.Next(N), q = rng.Next(N);
                Verify.Close($"W·x J[{i}, {p} + {q}·n]", dW[i, p + q * N], i == p ? x[q] : 0.0);
                Verify.Close($"W·x J[{i}, {p} + {q}·n] without the value", only[i, p + q * N], i == p ? x[q] : 0.0);
            }
        }
    }

    /// <summary>W·x alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double[] Function() => Models.MatVecOfW(W, x);

    /// <summary>By hand: y = W·x and the runtime's Kronecker Jacobian over a copy of x (as the generated code keeps).</summary>
    [Benchmark]
    [Role(Role.Target, Structured)]
    public Jacobian HandWrittenStructured()
    {
        var y = Benchmarks.HandWritten.MatVec(W, x);
        return y.Length == N ? KroneckerJacobian.ForMatrixVectorProduct(N, (double[])x.Clone()) : null!;
    }

    /// <summary>Generated structured Jacobian (value and xᵀ ⊗ Iₙ).</summary>
    [Benchmark]
    [Role(Role.Generated, Structured)]
    public Jacobian GeneratedStructured() => Models.MatVecOfWJacobian(W, x).dW;

    /// <summary>By hand, without the value: the runtime's Kronecker Jacobian over a copy of x, once W's columns match x.</summary>
    [Benchmark]
    [Role(Role.Target, StructuredOnly)]
    public Jacobian HandWrittenStructuredOnly() =>
        W.GetLength(1) == x.Length ? KroneckerJacobian.ForMatrixVectorProduct(W.GetLength(0), (double[])x.Clone()) : throw new ArgumentException("W·x: shapes differ.");

    /// <summary>Generated structured Jacobian without the value (<c>MatVecOfWJacobianOnly</c>): xᵀ ⊗ Iₙ alone.</summary>
    [Benchmark]
    [Role(Role.Generated, StructuredOnly)]
    public Jacobian GeneratedStructuredOnly() => Models.MatVecOfWJacobianOnly(W, x);

    /// <summary>By hand: y = W·x and the dense n × n² Jacobian.</summary>
    [Benchmark]
    [Role(Role.Target, Dense)]
    [SizeLimit(nameof(N), 64, 128)]
    public double[,] HandWrittenDense()
    {
        var y = Benchmarks.HandWritten.MatVec(W, x);
        return y.Length == N ? Benchmarks.HandWritten.MatVecDenseJacobianOfW(N, x) : null!;
    }

    /// <summary>The generated structured Jacobian expanded with ToDense.</summary>
    [Benchmark]
    [Role(Role.Generated, Dense)]
    [SizeLimit(nameof(N), 64, 128)]
    public double[,] GeneratedToDense() => Models.MatVecOfWJacobian(W, x).dW.ToDense();
}

/// <summary>A recurrent-network shape: h hidden units, T steps (inputs of 8 features).</summary>
public sealed record RnnShape(int H, int T)
{
    /// <inheritdoc />
    public override string ToString() => $"h={H} T={T}";
}

/// <summary>
/// Backpropagation through time (peers.py's RNN): s_t = tanh(W s_{t−1} + U x_t + b), loss ‖s_T − target‖², the state
/// array replaced each step.
/// </summary>
[MemoryDiagnoser]
public class RecurrentNetwork
{
    /// <summary>Input features per step.</summary>
    public const int Inputs = 8;

    private double[,] W = null!;
    private double[,] U = null!;
    private double[] b = null!;
    private double[,] xs = null!;
    private double[] target = null!;
    private double[,] dW = null!;
    private double[,] dU = null!;
    private double[] db = null!;

    /// <summary>h and T.</summary>
    [ParamsSource(nameof(Shapes))]
    public RnnShape Shape { get; set; } = new(8, 10);

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<RnnShape> Shapes => Mode.Sizes<RnnShape>(
        [new(8, 10), new(32, 50), new(128, 200)],
        [new(8, 10), new(8, 200), new(32, 50), new(64, 100), new(128, 50), new(128, 200)]);

    /// <summary>Draws the weights and checks the generated BPTT against the hand-written one.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int h = Shape.H;
        var rng = BenchData.Rng();
        W = BenchData.Matrix(rng, h, h, 0.2);
        U = BenchData.Matrix(rng, h, Inputs, 0.2);
        b = BenchData.Vector(rng, h, 0.1);
        xs = BenchData.Matrix(rng, Shape.T, Inputs);
        target = BenchData.Vector(rng, h, 0.5);
        dW = new double[h, h];
        dU = new double[h, Inputs];
        db = new double[h];

        var (eW, eU, eb) = (new double[h, h], new double[h, Inputs], new double[h]);
        double value = Benchmarks.HandWritten.RnnGradient(W, U, b, xs, target, eW, eU, eb);
        Verify.Close("RNN value", Models.RnnLossGradient(W, U, b, xs, target, dW, dU, db), value);
        Verify.Close("RNN dW", dW, eW);
        Verify.Close("RNN dU", dU, eU);
        Verify.Close("RNN db", db, eb);
    }

    /// <summary>The loss alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.RnnLoss(W, U, b, xs, target);

    /// <summary>BPTT by hand.</summary>
    [Benchmark]
    [Role(Role.Target)]
    public double HandWritten() => Benchmarks.HandWritten.RnnGradient(W, U, b, xs, target, dW, dU, db);

    /// <summary>Generated allocation-free gradient.</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double Generated() => Models.RnnLossGradient(W, U, b, xs, target, dW, dU, db);
}

/// <summary>Batch size and hidden width of <see cref="BatchPerceptron"/>.</summary>
public sealed record BatchShape(int N, int H)
{
    /// <inheritdoc />
    public override string ToString() => $"n={N} h={H}";
}

/// <summary>
/// A two-layer tanh network's loss over a batch of samples, the hidden layer in one array reused by every sample (the
/// allocation-free way to write it in C#, where <see cref="Perceptron"/> is one sample).
/// </summary>
[MemoryDiagnoser]
public class BatchPerceptron
{
    /// <summary>Input features per sample.</summary>
    public const int Inputs = 32;

    /// <summary>Outputs per sample.</summary>
    public const int Outputs = 10;

    private double[,] X = null!;
    private double[,] T = null!;
    private double[,] W1 = null!;
    private double[] b1 = null!;
    private double[,] W2 = null!;
    private double[,] gW1 = null!;
    private double[] gb1 = null!;
    private double[,] gW2 = null!;

    /// <summary>n samples, h hidden units.</summary>
    [ParamsSource(nameof(Shapes))]
    public BatchShape Shape { get; set; } = new(16, 16);

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<BatchShape> Shapes => Mode.Sizes<BatchShape>(
        [new(256, 64), new(256, 256)],
        [new(16, 16), new(256, 64), new(256, 256), new(1000, 512)]);

    /// <summary>Draws the batch and the weights and checks the generated gradient against backpropagation by hand.</summary>
    [GlobalSetup]
    public void Setup()
    {
        int h = Shape.H;
        var rng = BenchData.Rng();
        X = BenchData.Matrix(rng, Shape.N, Inputs);
        T = BenchData.Matrix(rng, Shape.N, Outputs, 0.5);
        W1 = BenchData.Matrix(rng, h, Inputs, 0.2);
        b1 = BenchData.Vector(rng, h, 0.1);
        W2 = BenchData.Matrix(rng, Outputs, h, 0.1);
        gW1 = new double[h, Inputs];
        gb1 = new double[h];
        gW2 = new double[Outputs, h];

        var (eW1, eb1, eW2) = (new double[h, Inputs], new double[h], new double[Outputs, h]);
        double value = Benchmarks.HandWritten.BatchGradient(X, T, W1, b1, W2, eW1, eb1, eW2);
        Verify.Close("batch value", Models.BatchLossGradient(X, T, W1, b1, W2, gW1, gb1, gW2), value);
        Verify.Close("batch dW1", gW1, eW1);
        Verify.Close("batch db1", gb1, eb1);
        Verify.Close("batch dW2", gW2, eW2);
        Verify.Close("in-the-element value", Models.BatchLossInTheElementGradient(X, T, W1, b1, W2, gW1, gb1, gW2), value);
        Verify.Close("in-the-element dW1", gW1, eW1);
        Verify.Close("in-the-element db1", gb1, eb1);
        Verify.Close("in-the-element dW2", gW2, eW2);
    }

    /// <summary>The loss alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.BatchLoss(X, T, W1, b1, W2);

    /// <summary>Backpropagation by hand.</summary>
    [Benchmark]
    [Role(Role.Target)]
    public double HandWritten() => Benchmarks.HandWritten.BatchGradient(X, T, W1, b1, W2, gW1, gb1, gW2);

    /// <summary>Generated allocation-free gradient.</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double Generated() => Models.BatchLossGradient(X, T, W1, b1, W2, gW1, gb1, gW2);

    /// <summary>Generated gradient of the same loss written with each hidden unit summed in its element.</summary>
    [Benchmark]
    [Role(Role.Generated)]
    public double GeneratedInTheElement() => Models.BatchLossInTheElementGradient(X, T, W1, b1, W2, gW1, gb1, gW2);
}

/// <summary>Rosenbrock's function in n dimensions: gradient, Hessian-vector product and the dense Hessian.</summary>
[MemoryDiagnoser]
public class Rosenbrock
{
    private const string Gradient = "gradient";
    private const string Hvp = "Hessian-vector product";
    private const string Hessian = "Hessian";

    private double[] x = null!;
    private double[] v = null!;
    private double[] g = null!;
    private double[] hv = null!;
    private Func<double[], double> f = null!;
    private readonly NumericalJacobian gradientDifferences = new();
    private readonly NumericalHessian hessianDifferences = new();

    /// <summary>Dimension.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Sizes => Mode.Sizes([10, 100, 1000], [2, 10, 100, 1000]);

    /// <summary>Draws x and checks every generated derivative against the closed forms.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        x = BenchData.Vector(rng, N);
        v = BenchData.Vector(rng, N);
        g = new double[N];
        hv = new double[N];
        f = Models.Rosenbrock;

        var expected = new double[N];
        double value = Benchmarks.HandWritten.RosenbrockGradient(x, expected);
        Verify.Close("Rosenbrock value", Models.RosenbrockGradient(x, g), value);
        Verify.Close("Rosenbrock gradient", g, expected);
        Verify.Close("Rosenbrock finite-difference gradient", gradientDifferences.Evaluate(f, x), expected, Verify.FiniteDifferences);
        var expectedHv = new double[N];
        Benchmarks.HandWritten.RosenbrockHvp(x, v, expectedHv);
        Models.RosenbrockHvp(x, v, hv);
        Verify.Close("Rosenbrock H·v", hv, expectedHv);
        var expectedH = Benchmarks.HandWritten.RosenbrockHessian(x);
        Verify.Close("Rosenbrock Hessian", Models.RosenbrockHessian(x).Hessian, expectedH);
        if (N <= 100)
        {
            Verify.Close("Rosenbrock finite-difference Hessian", hessianDifferences.Evaluate(f, x), expectedH, 1e-3);
        }
    }

    /// <summary>f alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.Rosenbrock(x);

    /// <summary>Closed-form gradient.</summary>
    [Benchmark]
    [Role(Role.Target, Gradient)]
    public double HandWrittenGradient() => Benchmarks.HandWritten.RosenbrockGradient(x, g);

    /// <summary>Generated allocation-free gradient.</summary>
    [Benchmark]
    [Role(Role.Generated, Gradient)]
    public double GeneratedGradient() => Models.RosenbrockGradient(x, g);

    /// <summary>MathNet central differences: 2n evaluations of f.</summary>
    [Benchmark]
    [Role(Role.FiniteDifferences, Gradient)]
    public double[] FiniteDifferencesGradient() => gradientDifferences.Evaluate(f, x);

    /// <summary>Closed-form H·v (tridiagonal).</summary>
    [Benchmark]
    [Role(Role.Target, Hvp)]
    public double[] HandWrittenHvp()
    {
        Benchmarks.HandWritten.RosenbrockHvp(x, v, hv);
        return hv;
    }

    /// <summary>Generated H·v (reverse over forward).</summary>
    [Benchmark]
    [Role(Role.Generated, Hvp)]
    public double GeneratedHvp() => Models.RosenbrockHvp(x, v, hv);

    /// <summary>Closed-form dense Hessian.</summary>
    [Benchmark]
    [Role(Role.Target, Hessian)]
    public double[,] HandWrittenHessian() => Benchmarks.HandWritten.RosenbrockHessian(x);

    /// <summary>Generated dense Hessian: element Hessians, one sweep (three compressed Hessian-vector products before session 18).</summary>
    [Benchmark]
    [Role(Role.Generated, Hessian)]
    public double[,] GeneratedHessian() => Models.RosenbrockHessian(x).Hessian;

    /// <summary>MathNet finite-difference Hessian: O(n²) evaluations of f.</summary>
    [Benchmark]
    [Role(Role.FiniteDifferences, Hessian)]
    [SizeLimit(nameof(N), 100, 100)]
    public double[,] FiniteDifferencesHessian() => hessianDifferences.Evaluate(f, x);
}

/// <summary>
/// The gradient of a pairwise energy over N points in the plane (<see cref="Models.PairEnergy"/>, N(N − 1)/2 pairs): a
/// double loop whose inner iterations set the scalars their reverse needs. Since session 24 both loop levels run their
/// forward and reverse sweeps in one pass; before, the reverse sweep was a second double loop reading a tape.
/// </summary>
[MemoryDiagnoser]
public class PairEnergy
{
    private const string Gradient = "gradient";

    private double[] px = null!;
    private double[] py = null!;
    private double[] gx = null!;
    private double[] gy = null!;
    private Func<double[], double> f = null!;
    private readonly NumericalJacobian gradientDifferences = new();

    /// <summary>Points.</summary>
    [ParamsSource(nameof(Sizes))]
    public int N { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Sizes => Mode.Sizes([30, 300], [10, 30, 100, 300, 1000]);

    /// <summary>Draws the points and checks the generated gradient against the hand-written one and central differences.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        px = BenchData.Vector(rng, N, scale: 5.0);
        py = BenchData.Vector(rng, N, scale: 5.0);
        gx = new double[N];
        gy = new double[N];
        f = p => Models.PairEnergy(p[..N], p[N..]);

        var (ex, ey) = (new double[N], new double[N]);
        double value = Benchmarks.HandWritten.PairEnergyGradient(px, py, ex, ey);
        Verify.Close("pair energy value", Models.PairEnergyGradient(px, py, gx, gy), value);
        Verify.Close("pair energy gradient", [.. gx, .. gy], [.. ex, .. ey]);
        if (N <= 100)
        {
            Verify.Close("pair energy finite-difference gradient", gradientDifferences.Evaluate(f, [.. px, .. py]), [.. ex, .. ey], Verify.FiniteDifferences);
        }
    }

    /// <summary>The energy alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.PairEnergy(px, py);

    /// <summary>Closed-form gradient, one pass over the pairs.</summary>
    [Benchmark]
    [Role(Role.Target, Gradient)]
    public double HandWrittenGradient() => Benchmarks.HandWritten.PairEnergyGradient(px, py, gx, gy);

    /// <summary>The generated allocation-free gradient.</summary>
    [Benchmark]
    [Role(Role.Generated, Gradient)]
    public double GeneratedGradient() => Models.PairEnergyGradient(px, py, gx, gy);

    /// <summary>MathNet central differences: 4N evaluations of the energy.</summary>
    [Benchmark]
    [Role(Role.FiniteDifferences, Gradient)]
    public double[] FiniteDifferencesGradient() => gradientDifferences.Evaluate(f, [.. px, .. py]);
}

/// <summary>
/// The 3×3 Hessian of a least-squares fit over M points (<see cref="Models.DecayFit"/>): a dense Hessian of few
/// parameters, summed over a loop, as a Newton step on a model fit needs it. Before session 18 the generator took one
/// Hessian-vector product per parameter; now one sweep of element Hessians.
/// </summary>
[MemoryDiagnoser]
public class DecayFit
{
    private const string Hessian = "Hessian";

    private double[] theta = null!;
    private double[] t = null!;
    private double[] y = null!;
    private Func<double[], double> f = null!;
    private readonly NumericalHessian hessianDifferences = new();

    /// <summary>Points.</summary>
    [ParamsSource(nameof(Sizes))]
    public int M { get; set; }

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<int> Sizes => Mode.Sizes([10, 1000], [10, 100, 1000]);

    /// <summary>Draws points near a decay and checks the generated Hessian against the closed form and finite differences.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        theta = [0.5, 2.0, 0.7];
        t = Enumerable.Range(0, M).Select(i => 5.0 * i / M).ToArray();
        y = t.Select(ti => 0.4 + (2.1 * Math.Exp(-0.8 * ti)) + (0.05 * ((2.0 * rng.NextDouble()) - 1.0))).ToArray();
        f = p => Models.DecayFit(p, t, y);

        var (value, expected) = Benchmarks.HandWritten.DecayFitHessian(theta, t, y);
        var (generatedValue, generated) = Models.DecayFitHessian(theta, t, y);
        // Within the SIMD exp map's ulps (the element form's loop runs its exp calls by blocks since session 25).
        Verify.Close("decay fit value", generatedValue, Models.DecayFit(theta, t, y));
        Verify.Close("decay fit value, hand-written", value, generatedValue);
        Verify.Close("decay fit Hessian", generated, expected);
        Verify.Close("decay fit finite-difference Hessian", hessianDifferences.Evaluate(f, theta), expected, 1e-3);
    }

    /// <summary>The loss alone.</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double Function() => Models.DecayFit(theta, t, y);

    /// <summary>Closed-form 3×3 Hessian, one sweep.</summary>
    [Benchmark]
    [Role(Role.Target, Hessian)]
    public double[,] HandWrittenHessian() => Benchmarks.HandWritten.DecayFitHessian(theta, t, y).Hessian;

    /// <summary>The generated Hessian.</summary>
    [Benchmark]
    [Role(Role.Generated, Hessian)]
    public double[,] GeneratedHessian() => Models.DecayFitHessian(theta, t, y).Hessian;

    /// <summary>MathNet finite-difference Hessian.</summary>
    [Benchmark]
    [Role(Role.FiniteDifferences, Hessian)]
    public double[,] FiniteDifferencesHessian() => hessianDifferences.Evaluate(f, theta);
}

/// <summary>
/// Fixed sizes, where the generator unrolls: y = R·v with an N×N <c>double[,]</c> R (N = 3, 4, <c>const</c> loop bounds),
/// timed three ways — the companions of the unrolled method (<see cref="Models.Rotate3"/>), of the same body with
/// <c>MaxUnroll = -1</c> (<see cref="Models.Rotate3NotUnrolled"/>), and straight-line code by hand — and, at N = 4 only,
/// the System.Numerics counterpart: gradients of float functions of a <see cref="Vector3"/> moved by a
/// <see cref="Matrix4x4"/> (R and v, narrowed to float, are that matrix and point).
/// </summary>
[MemoryDiagnoser]
public class FixedSize
{
    private const string JacobianGroup = "Jacobian";
    private const string VjpGroup = "VJP";
    private const string TransformZGroup = "TransformZ";
    private const string SpringGroup = "Spring";

    private double[,] R = null!;
    private double[] v = null!;
    private double[] seed = null!;
    private double[,] dR = null!;
    private double[] dv = null!;
    private Vector3 x;
    private Matrix4x4 M;
    private Vector3 r;
    private Vector3 gx;
    private Matrix4x4 gM;
    private Vector3 gr;

    /// <summary>3 or 4.</summary>
    [Params(3, 4)]
    public int N { get; set; }

    /// <summary>
    /// Draws R, v, the seed and the anchor r. Checks that the three Jacobians and the three VJPs agree bit for bit (same
    /// operations in the same order), and the generated System.Numerics gradients against the hand-written ones to 1e-5.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = BenchData.Rng();
        R = BenchData.Matrix(rng, N, N);
        v = BenchData.Vector(rng, N);
        seed = BenchData.Vector(rng, N);
        dR = new double[N, N];
        dv = new double[N];
        var anchor = BenchData.Vector(rng, 3, 2.0);
        var M4 = N == 4 ? R : BenchData.Matrix(BenchData.Rng(), 4, 4);
        M = new Matrix4x4(
            (float)M4[0, 0], (float)M4[0, 1], (float)M4[0, 2], (float)M4[0, 3],
            (float)M4[1, 0], (float)M4[1, 1], (float)M4[1, 2], (float)M4[1, 3],
            (float)M4[2, 0], (float)M4[2, 1], (float)M4[2, 2], (float)M4[2, 3],
            (float)M4[3, 0], (float)M4[3, 1], (float)M4[3, 2], (float)M4[3, 3]);
        x = new Vector3((float)v[0], (float)v[1], (float)v[2]);
        r = new Vector3((float)anchor[0], (float)anchor[1], (float)anchor[2]);

        string size = $"{N}x{N}";
        var (eValue, eR, ev) = HandWrittenJacobian();
        var (value, jR, jv) = GeneratedJacobian();
        Verify.Close($"{size} unrolled Jacobian value", value, eValue, Verify.Identical);
        Verify.Close($"{size} unrolled dy/dR", ((DenseJacobian)jR).Matrix, eR, Verify.Identical);
        Verify.Close($"{size} unrolled dy/dv", ((DenseJacobian)jv).Matrix, ev, Verify.Identical);
        var (notUnrolled, nR, nv) = GeneratedJacobianNotUnrolledToDense();
        // Not unrolled, the Jacobian's value runs the body with its row sums as SIMD dot products: equal up to rounding.
        Verify.Close($"{size} not-unrolled Jacobian value", notUnrolled, eValue);
        Verify.Close($"{size} not-unrolled dy/dR", nR, eR, Verify.Identical);
        Verify.Close($"{size} not-unrolled dy/dv", nv, ev, Verify.Identical);

        var (eVjpR, eVjpv) = (new double[N, N], new double[N]);
        var eVjpValue = N == 3 ? Benchmarks.HandWritten.Rotate3Vjp(R, v, seed, eVjpR, eVjpv) : Benchmarks.HandWritten.Rotate4Vjp(R, v, seed, eVjpR, eVjpv);
        Verify.Close($"{size} hand-written VJP value", eVjpValue, Function(), Verify.Identical);
        Verify.Close($"{size} unrolled VJP value", GeneratedVjp(), eVjpValue, Verify.Identical);
        Verify.Close($"{size} unrolled VJP dR", dR, eVjpR, Verify.Identical);
        Verify.Close($"{size} unrolled VJP dv", dv, eVjpv, Verify.Identical);
        // Not unrolled, the value's row sums are SIMD dot products, and the fused sweep adds dv's terms rows first to
        // last (the reverse sweep alone went last to first): equal up to rounding.
        Verify.Close($"{size} not-unrolled VJP value", GeneratedVjpNotUnrolled(), eVjpValue);
        Verify.Close($"{size} not-unrolled VJP dR", dR, eVjpR, Verify.Identical);
        Verify.Close($"{size} not-unrolled VJP dv", dv, eVjpv);

        float eZ = Benchmarks.HandWritten.TransformZGradient(x, M, out var ex, out var eM);
        Verify.Close("TransformZ value", GeneratedTransformZGradient(), eZ, Verify.Float);
        Verify.Close("TransformZ dx", Verify.Flat(gx), Verify.Flat(ex), Verify.Float);
        Verify.Close("TransformZ dM", Verify.Flat(gM), Verify.Flat(eM), Verify.Float);
        float eE = Benchmarks.HandWritten.SpringEnergyGradient(x, M, r, out ex, out eM, out var er);
        Verify.Close("spring value", GeneratedSpringEnergyGradient(), eE, Verify.Float);
        Verify.Close("spring dx", Verify.Flat(gx), Verify.Flat(ex), Verify.Float);
        Verify.Close("spring dM", Verify.Flat(gM), Verify.Flat(eM), Verify.Float);
        Verify.Close("spring dr", Verify.Flat(gr), Verify.Flat(er), Verify.Float);
    }

    /// <summary>R·v alone (unrolled).</summary>
    [Benchmark(Baseline = true)]
    [Role(Role.Function)]
    public double[] Function() => N == 3 ? Models.Rotate3(R, v) : Models.Rotate4(R, v);

    /// <summary>R·v alone, the loops kept.</summary>
    [Benchmark]
    [Role(Role.Function)]
    public double[] FunctionNotUnrolled() => N == 3 ? Models.Rotate3NotUnrolled(R, v) : Models.Rotate4NotUnrolled(R, v);

    /// <summary>y and both dense Jacobians, written out by hand.</summary>
    [Benchmark]
    [Role(Role.Target, JacobianGroup)]
    public (double[] Value, double[,] dR, double[,] dv) HandWrittenJacobian() =>
        N == 3 ? Benchmarks.HandWritten.Rotate3Jacobian(R, v) : Benchmarks.HandWritten.Rotate4Jacobian(R, v);

    /// <summary>The unrolled method's Jacobian companion: straight-line code filling two dense arrays.</summary>
    [Benchmark]
    [Role(Role.Generated, JacobianGroup)]
    public (double[] Value, Jacobian dR, Jacobian dv) GeneratedJacobian() =>
        N == 3 ? Models.Rotate3Jacobian(R, v) : Models.Rotate4Jacobian(R, v);

    /// <summary>The not-unrolled method's Jacobian companion, as it returns it: vᵀ ⊗ I structured, R copied.</summary>
    [Benchmark]
    [Role(Role.Generated, JacobianGroup)]
    public (double[] Value, Jacobian dR, Jacobian dv) GeneratedJacobianNotUnrolled() =>
        N == 3 ? Models.Rotate3NotUnrolledJacobian(R, v) : Models.Rotate4NotUnrolledJacobian(R, v);

    /// <summary>The same, expanded with ToDense: the dense arrays the other two produce.</summary>
    [Benchmark]
    [Role(Role.Generated, JacobianGroup)]
    public (double[] Value, double[,] dR, double[,] dv) GeneratedJacobianNotUnrolledToDense()
    {
        var (value, jR, jv) = GeneratedJacobianNotUnrolled();
        return (value, jR.ToDense(), jv.ToDense());
    }

    /// <summary>The VJP by hand, written out (y, dR = seed·vᵀ, dv = Rᵀ·seed).</summary>
    [Benchmark]
    [Role(Role.Target, VjpGroup)]
    public double[] HandWrittenVjp() =>
        N == 3 ? Benchmarks.HandWritten.Rotate3Vjp(R, v, seed, dR, dv) : Benchmarks.HandWritten.Rotate4Vjp(R, v, seed, dR, dv);

    /// <summary>The unrolled method's VJP companion.</summary>
    [Benchmark]
    [Role(Role.Generated, VjpGroup)]
    public double[] GeneratedVjp() => N == 3 ? Models.Rotate3Vjp(R, v, seed, dR, dv) : Models.Rotate4Vjp(R, v, seed, dR, dv);

    /// <summary>The not-unrolled method's VJP companion.</summary>
    [Benchmark]
    [Role(Role.Generated, VjpGroup)]
    public double[] GeneratedVjpNotUnrolled() =>
        N == 3 ? Models.Rotate3NotUnrolledVjp(R, v, seed, dR, dv) : Models.Rotate4NotUnrolledVjp(R, v, seed, dR, dv);

    /// <summary>Vector3.Transform(x, M).Z alone.</summary>
    [Benchmark]
    [Role(Role.Function, TransformZGroup)]
    [OnlyAt(nameof(N), 4)]
    public float TransformZ() => Models.TransformZ(x, M);

    /// <summary>Its gradient by hand.</summary>
    [Benchmark]
    [Role(Role.Target, TransformZGroup)]
    [OnlyAt(nameof(N), 4)]
    public float HandWrittenTransformZGradient() => Benchmarks.HandWritten.TransformZGradient(x, M, out gx, out gM);

    /// <summary>The generated gradient (out Vector3, out Matrix4x4).</summary>
    [Benchmark]
    [Role(Role.Generated, TransformZGroup)]
    [OnlyAt(nameof(N), 4)]
    public double GeneratedTransformZGradient() => Models.TransformZGradient(x, M, out gx, out gM);

    /// <summary>½(|Transform(x, M) − r| − 1)² alone.</summary>
    [Benchmark]
    [Role(Role.Function, SpringGroup)]
    [OnlyAt(nameof(N), 4)]
    public float SpringEnergy() => Models.SpringEnergy(x, M, r);

    /// <summary>Its gradient by hand, with System.Numerics operations.</summary>
    [Benchmark]
    [Role(Role.Target, SpringGroup)]
    [OnlyAt(nameof(N), 4)]
    public float HandWrittenSpringEnergyGradient() => Benchmarks.HandWritten.SpringEnergyGradient(x, M, r, out gx, out gM, out gr);

    /// <summary>The generated gradient.</summary>
    [Benchmark]
    [Role(Role.Generated, SpringGroup)]
    [OnlyAt(nameof(N), 4)]
    public double GeneratedSpringEnergyGradient() => Models.SpringEnergyGradient(x, M, r, out gx, out gM, out gr);
}
