using System;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Differentiable.Benchmarks;

/// <summary>
/// <c>--peers</c>: the problems and sizes of <c>../shared/peers/peers.py</c>, timed with its protocol (warm up, double the
/// inner count until a batch takes 5 ms, then the median of 7–41 batches within 400 ms) so that one run on the device
/// machine puts our numbers beside JAX's and PyTorch's. One line per case and method, in peers.py's format
/// (<c>tool case grad_us=…</c>). BenchmarkDotNet is not used here: the device machine has no SDK, and this mode must
/// work in a trimmed self-contained build.
/// </summary>
internal static class Peers
{
    private const double IllConditioned = 1e-6;
    private static readonly double WarmUpMilliseconds =
        double.TryParse(Environment.GetEnvironmentVariable("PEERS_WARMUP_MS"), CultureInfo.InvariantCulture, out double ms) ? ms : 500;

    public static int Run()
    {
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"# {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores, " +
            $"Vector<double>: {Vector<double>.Count} lanes (accelerated: {Vector.IsHardwareAccelerated}), " +
            $"AVX2: {Avx2.IsSupported}, FMA: {Fma.IsSupported}, AVX-512F: {Avx512F.IsSupported}, " +
            $"Vector512 accelerated: {Vector512.IsHardwareAccelerated}"));
        if (Environment.ProcessorCount == 1 && Environment.GetEnvironmentVariable("DOTNET_TC_DelaySingleProcMultiplier") != "1")
        {
            // On one CPU the runtime multiplies tiering's quiet period (100 ms) by 10, restarted by every tier-0 compilation:
            // a case's kernels can still run unoptimized after the warm-up. Measured on a 2-core VM pinned to one core:
            // tier 1 after 2–4 s instead of about 0.2 s, with a SIMD map 18× slower until then.
            Console.WriteLine("# warning: one CPU and DOTNET_TC_DelaySingleProcMultiplier is not 1: tier-1 code may arrive after the warm-up; set it to 1");
        }

        // Every case first checks the generated derivative against the hand-written one, as the BenchmarkDotNet classes do.
        foreach (var (n, d) in new[] { (2000, 32), (2000, 512) })
        {
            var rng = BenchData.Rng();
            var w = BenchData.Vector(rng, d);
            var X = BenchData.Matrix(rng, n, d);
            var y = BenchData.Labels(n);
            var (g, e) = (new double[d], new double[d]);
            Verify.Close("logistic value", Models.LogisticLossGradient(X, y, w, g), HandWritten.LogisticGradient(X, y, w, e));
            // peers.py draws w in [−1, 1], so at d = 512 some p are within 1e−9 of 1: the chain rule through log(1 − p)
            // loses ε/(1 − p) relative where the hand-written (p − y) does not.
            Verify.Close("logistic gradient", g, e, IllConditioned);
            string name = $"logistic n={n} d={d}";
            Print("function", name, Time(() => Models.LogisticLoss(X, y, w)));
            Print("handwritten", name, Time(() => HandWritten.LogisticGradient(X, y, w, g)));
            Print("generated", name, Time(() => Models.LogisticLossGradient(X, y, w, g)));
        }

        foreach (int h in new[] { 64, 512 })
        {
            var rng = BenchData.Rng();
            var (W1, b1) = (BenchData.Matrix(rng, h, h, 0.1), BenchData.Vector(rng, h));
            var (W2, b2) = (BenchData.Matrix(rng, h, h, 0.1), BenchData.Vector(rng, h));
            var (x, t) = (BenchData.Vector(rng, h), BenchData.Vector(rng, h));
            var (gW1, gb1, gW2, gb2) = (new double[h, h], new double[h], new double[h, h], new double[h]);
            var (eW1, eb1, eW2, eb2) = (new double[h, h], new double[h], new double[h, h], new double[h]);
            Verify.Close(
                "MLP value",
                Models.MlpLossGradient(W1, b1, W2, b2, x, t, gW1, gb1, gW2, gb2),
                HandWritten.MlpGradient(W1, b1, W2, b2, x, t, eW1, eb1, eW2, eb2));
            Verify.Close("MLP dW1", gW1, eW1);
            Verify.Close("MLP dW2", gW2, eW2);
            string name = $"mlp width={h}";
            Print("function", name, Time(() => Models.MlpLoss(W1, b1, W2, b2, x, t)));
            Print("handwritten", name, Time(() => HandWritten.MlpGradient(W1, b1, W2, b2, x, t, gW1, gb1, gW2, gb2)));
            Print("generated", name, Time(() => Models.MlpLossGradient(W1, b1, W2, b2, x, t, gW1, gb1, gW2, gb2)));
        }

        foreach (var (h, steps) in new[] { (32, 50), (128, 200) })
        {
            const int d = RecurrentNetwork.Inputs;
            var rng = BenchData.Rng();
            var (W, U, b) = (BenchData.Matrix(rng, h, h, 0.2), BenchData.Matrix(rng, h, d, 0.2), BenchData.Vector(rng, h, 0.1));
            var (xs, target) = (BenchData.Matrix(rng, steps, d), BenchData.Vector(rng, h, 0.5));
            var (dW, dU, db) = (new double[h, h], new double[h, d], new double[h]);
            var (eW, eU, eb) = (new double[h, h], new double[h, d], new double[h]);
            Verify.Close(
                "RNN value",
                Models.RnnLossGradient(W, U, b, xs, target, dW, dU, db),
                HandWritten.RnnGradient(W, U, b, xs, target, eW, eU, eb));
            Verify.Close("RNN dW", dW, eW);
            string name = $"rnn h={h} T={steps}";
            Print("function", name, Time(() => Models.RnnLoss(W, U, b, xs, target)));
            Print("handwritten", name, Time(() => HandWritten.RnnGradient(W, U, b, xs, target, dW, dU, db)));
            Print("generated", name, Time(() => Models.RnnLossGradient(W, U, b, xs, target, dW, dU, db)));
        }

        foreach (int n in new[] { 256, 2048 })
        {
            var rng = BenchData.Rng();
            var (W, x, seed) = (BenchData.Matrix(rng, n, n), BenchData.Vector(rng, n), BenchData.Vector(rng, n));
            var (dW, dx, copy) = (new double[n, n], new double[n], new double[n, n]);
            var (eW, ex) = (new double[n, n], new double[n]);
            Verify.Close("W·x value", Models.MatVecVjp(W, x, seed, dW, dx), HandWritten.MatVecVjp(W, x, seed, eW, ex));
            Verify.Close("W·x dW", dW, eW);
            Verify.Close("W·x dx", dx, ex);
            string name = $"matvec_vjp n={n}";
            Print("function", name, Time(() => Models.MatVec(W, x)));
            Print("copybound", name, Time(() => Array.Copy(W, copy, W.Length)));
            Print("handwritten", name, Time(() => HandWritten.MatVecVjp(W, x, seed, dW, dx)));
            Print("generated", name, Time(() => Models.MatVecVjp(W, x, seed, dW, dx)));
        }

        return 0;
    }

    private static void Print(string tool, string name, double microseconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{tool} {name} grad_us={microseconds:F1}"));

    /// <summary>
    /// peers.py's <c>timeit</c>: microseconds per call, the median of the batches. Its five warm-up calls compile JAX's
    /// function; here the JIT's tiers need time instead (tier 1 comes 100 ms after the last tier-0 compilation, ten times
    /// that on one CPU unless <c>DOTNET_TC_DelaySingleProcMultiplier=1</c>), so the warm-up runs for
    /// <see cref="WarmUpMilliseconds"/> first, as BenchmarkDotNet's warm-up phase does.
    /// </summary>
    private static double Time(Action call, double budgetMilliseconds = 400)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 5 || clock.Elapsed.TotalMilliseconds < WarmUpMilliseconds; i++)
        {
            call();
        }

        int inner = 1;
        while (true)
        {
            clock.Restart();
            for (int i = 0; i < inner; i++)
            {
                call();
            }

            if (clock.Elapsed.TotalMilliseconds > 5 || inner > 1 << 20)
            {
                break;
            }

            inner *= 2;
        }

        int repetitions = Math.Clamp((int)(budgetMilliseconds / Math.Max(clock.Elapsed.TotalMilliseconds, 0.01)), 7, 41);
        var times = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            clock.Restart();
            for (int i = 0; i < inner; i++)
            {
                call();
            }

            times[r] = clock.Elapsed.TotalMilliseconds * 1000 / inner;
        }

        Array.Sort(times);
        return times[repetitions / 2];
    }
}
