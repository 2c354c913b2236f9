using System;

namespace Differentiable.Tests.Rnn;

/// <summary>Backpropagation through time: the second seed, with the state array replaced every step.</summary>
public static partial class RecurrentNetwork
{
    [Differentiate(nameof(W), nameof(U), nameof(b))]
    public static double Loss(double[,] W, double[,] U, double[] b, double[,] xs, double[] target)
    {
        int h = b.Length;
        int d = U.GetLength(1);
        var s = new double[h];
        for (int t = 0; t < xs.GetLength(0); t++)
        {
            var next = new double[h];
            for (int i = 0; i < h; i++)
            {
                double a = b[i];
                for (int j = 0; j < h; j++)
                    a += W[i, j] * s[j];
                for (int k = 0; k < d; k++)
                    a += U[i, k] * xs[t, k];
                next[i] = Math.Tanh(a);
            }

            s = next;
        }

        double loss = 0;
        for (int i = 0; i < h; i++)
            loss += (s[i] - target[i]) * (s[i] - target[i]);
        return loss;
    }

    /// <summary>The textbook BPTT, written by hand: store every state, then walk time backwards.</summary>
    public static (double Loss, double[,] dW, double[,] dU, double[] db) HandWritten(double[,] W, double[,] U, double[] b, double[,] xs, double[] target)
    {
        int h = b.Length, d = U.GetLength(1), steps = xs.GetLength(0);
        var states = new double[steps + 1][];
        states[0] = new double[h];
        for (int t = 0; t < steps; t++)
        {
            states[t + 1] = new double[h];
            for (int i = 0; i < h; i++)
            {
                double a = b[i];
                for (int j = 0; j < h; j++) a += W[i, j] * states[t][j];
                for (int k = 0; k < d; k++) a += U[i, k] * xs[t, k];
                states[t + 1][i] = Math.Tanh(a);
            }
        }

        double loss = 0;
        var ds = new double[h];
        for (int i = 0; i < h; i++)
        {
            var e = states[steps][i] - target[i];
            loss += e * e;
            ds[i] = 2 * e;
        }

        var dW = new double[h, h];
        var dU = new double[h, d];
        var db = new double[h];
        for (int t = steps - 1; t >= 0; t--)
        {
            var da = new double[h];
            for (int i = 0; i < h; i++) da[i] = ds[i] * (1 - states[t + 1][i] * states[t + 1][i]);
            var previous = new double[h];
            for (int i = 0; i < h; i++)
            {
                db[i] += da[i];
                for (int j = 0; j < h; j++)
                {
                    dW[i, j] += da[i] * states[t][j];
                    previous[j] += W[i, j] * da[i];
                }

                for (int k = 0; k < d; k++) dU[i, k] += da[i] * xs[t, k];
            }

            ds = previous;
        }

        return (loss, dW, dU, db);
    }
}

public sealed class RnnTests
{
    private const int H = 6, D = 3, T = 10;

    /// <param name="weights">The range of W's entries (±): long sequences need W's spectral radius below 1, or the
    /// states, chaotic, amplify the last bits of the forward sweep (the kernels sum in another order) beyond any tolerance.</param>
    private static (double[,] W, double[,] U, double[] b, double[,] xs, double[] target) Problem(int seed, int hidden = H, int inputs = D, int steps = T, double weights = 0.5)
    {
        var random = new Random(seed);
        double Uniform(double scale) => (random.NextDouble() * 2 - 1) * scale;
        var W = new double[hidden, hidden];
        var U = new double[hidden, inputs];
        var b = new double[hidden];
        var xs = new double[steps, inputs];
        var target = new double[hidden];
        for (int i = 0; i < hidden; i++)
        {
            b[i] = Uniform(0.1);
            target[i] = Uniform(0.5);
            for (int j = 0; j < hidden; j++) W[i, j] = Uniform(weights);
            for (int k = 0; k < inputs; k++) U[i, k] = Uniform(0.5);
        }

        for (int t = 0; t < steps; t++)
            for (int k = 0; k < inputs; k++) xs[t, k] = Uniform(1);
        return (W, U, b, xs, target);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void GeneratedBpttEqualsHandWrittenBptt(int seed) => AssertBpttIsHandWritten(Problem(seed));

    /// <summary>
    /// Hidden sizes past one block of rows (the reverse row loop's ds update runs by blocks, from the top down, with a
    /// partial last block): 150 rows of 150 make blocks of 12.
    /// </summary>
    [Theory]
    [InlineData(6, 70, 2)]
    [InlineData(7, 150, 4)]
    public void GeneratedBpttEqualsHandWrittenBptt_OverSeveralBlocksOfRows(int seed, int hidden, int inputs) =>
        AssertBpttIsHandWritten(Problem(seed, hidden, inputs, 5));

    /// <summary>
    /// Sequences past one batch of steps (the reverse sweep stores each step's outer products of dW and dU and adds them
    /// by batches: 32 steps at h = 6, 27 at h = 150), with a partial last batch. W's entries are within ±1/√h.
    /// </summary>
    [Theory]
    [InlineData(10, 6, 3, 45)]
    [InlineData(11, 150, 4, 60)]
    public void GeneratedBpttEqualsHandWrittenBptt_OverSeveralBatchesOfSteps(int seed, int hidden, int inputs, int steps) =>
        AssertBpttIsHandWritten(Problem(seed, hidden, inputs, steps, 1.0 / Math.Sqrt(hidden)));

    private static void AssertBpttIsHandWritten((double[,] W, double[,] U, double[] b, double[,] xs, double[] target) problem)
    {
        var (W, U, b, xs, target) = problem;
        var (value, dW, dU, db) = RecurrentNetwork.LossGradient(W, U, b, xs, target);
        var expected = RecurrentNetwork.HandWritten(W, U, b, xs, target);
        Near.Equal(expected.Loss, value, 12);
        AssertClose(expected.dW, dW, 1e-9);
        AssertClose(expected.dU, dU, 1e-9);
        for (int i = 0; i < b.Length; i++) Assert.True(Close(expected.db[i], db[i], 1e-9), $"db[{i}]");
    }

    /// <summary>
    /// Forward mode over several blocks of rows (its row loop runs blocked, its dots against s and ds under a run-time
    /// check that they are not the arrays the loop stores): the tangent is the hand-written gradient along the direction.
    /// </summary>
    [Theory]
    [InlineData(8, 70, 2)]
    [InlineData(9, 150, 4)]
    public void GeneratedJvpIsTheHandWrittenGradientAlongTheDirection_OverSeveralBlocksOfRows(int seed, int hidden, int inputs)
    {
        var (W, U, b, xs, target) = Problem(seed, hidden, inputs, 5);
        var (vW, vU, vb, _, _) = Problem(seed + 100, hidden, inputs, 5);
        var expected = RecurrentNetwork.HandWritten(W, U, b, xs, target);
        var along = 0.0;
        for (int i = 0; i < hidden; i++)
        {
            along += expected.db[i] * vb[i];
            for (int j = 0; j < hidden; j++) along += expected.dW[i, j] * vW[i, j];
            for (int k = 0; k < inputs; k++) along += expected.dU[i, k] * vU[i, k];
        }

        var (value, tangent) = RecurrentNetwork.LossJvp(W, U, b, xs, target, vW, vU, vb);
        Near.Equal(expected.Loss, value, 12);
        Assert.True(Close(along, tangent, 1e-9), $"tangent {tangent:R}, the gradient along the direction {along:R}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void GeneratedBpttEqualsFiniteDifferences(int seed)
    {
        var (W, U, b, xs, target) = Problem(seed);
        var (_, dW, dU, db) = RecurrentNetwork.LossGradient(W, U, b, xs, target);
        double F() => RecurrentNetwork.Loss(W, U, b, xs, target);
        for (int i = 0; i < H; i++)
        {
            for (int j = 0; j < H; j++) Assert.True(Close(Central(() => F(), v => W[i, j] = v, W[i, j]), dW[i, j], 1e-6), $"dW[{i},{j}]");
            for (int k = 0; k < D; k++) Assert.True(Close(Central(() => F(), v => U[i, k] = v, U[i, k]), dU[i, k], 1e-6), $"dU[{i},{k}]");
            Assert.True(Close(Central(() => F(), v => b[i] = v, b[i]), db[i], 1e-6), $"db[{i}]");
        }
    }

    [Fact]
    public void BpttAllocatesOnlyTheStatesTheMethodItselfAllocates()
    {
        var (W, U, b, xs, target) = Problem(9);
        var dW = new double[H, H];
        var dU = new double[H, D];
        var db = new double[H];
        RecurrentNetwork.LossGradient(W, U, b, xs, target, dW, dU, db);
        var before = GC.GetAllocatedBytesForCurrentThread();
        RecurrentNetwork.Loss(W, U, b, xs, target);
        var function = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        RecurrentNetwork.LossGradient(W, U, b, xs, target, dW, dU, db);
        var gradient = GC.GetAllocatedBytesForCurrentThread() - before;

        // The method allocates T + 1 state arrays; the gradient adds their shadows (adjoints), and nothing per operation.
        Assert.True(gradient <= 2 * function + 256, $"function {function} B, gradient {gradient} B");
    }

    private static double Central(Func<double> f, Action<double> set, double at)
    {
        const double step = 1e-6;
        set(at + step);
        var plus = f();
        set(at - step);
        var minus = f();
        set(at);
        return (plus - minus) / (2 * step);
    }

    private static bool Close(double expected, double actual, double relative) =>
        Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Max(Math.Abs(expected), Math.Abs(actual)));

    private static void AssertClose(double[,] expected, double[,] actual, double relative)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Close(expected[i, j], actual[i, j], relative), $"[{i},{j}]: expected {expected[i, j]}, got {actual[i, j]}");
    }
}
