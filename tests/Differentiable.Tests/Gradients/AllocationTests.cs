using System;

namespace Differentiable.Tests.Gradients;

/// <summary>The caller-buffer FGradient overload: allocation-free after warm-up, overwrites its buffers, checks their shapes.</summary>
public class AllocationTests
{
    private const int Calls = 100;

    private static double[] RandomVector(Random random, int length, double scale = 1.0)
    {
        var v = new double[length];
        for (int i = 0; i < length; i++)
        {
            v[i] = scale * (2.0 * random.NextDouble() - 1.0);
        }

        return v;
    }

    private static double[,] RandomMatrix(Random random, int rows, int columns, double scale = 1.0)
    {
        var m = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                m[i, j] = scale * (2.0 * random.NextDouble() - 1.0);
            }
        }

        return m;
    }

    /// <summary>Bytes the calling thread allocates over 100 calls, after three calls of warm-up.</summary>
    internal static long AllocatedBytes(Action call)
    {
        // Warm up: JIT, tiering and growth of the per-thread tape happen here.
        for (int k = 0; k < 3; k++)
        {
            call();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < Calls; k++)
        {
            call();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void RosenbrockGradientAllocatesNothing()
    {
        double[] x = RandomVector(new Random(1), 50, 1.5);
        var dx = new double[x.Length];
        long bytes = AllocatedBytes(() => TestFunctions.RosenbrockGradient(x, dx));
        Assert.Equal(0L, bytes);
    }

    [Fact]
    public void LogisticLossGradientAllocatesNothing()
    {
        var random = new Random(2);
        double[,] X = RandomMatrix(random, 40, 3);
        double[] y = RandomVector(random, 40);
        double[] w = RandomVector(random, 3);
        var dX = new double[40, 3];
        var dy = new double[40];
        var dw = new double[3];
        double sink = 0.0;
        long bytes = AllocatedBytes(() => sink += TestFunctions.LogisticLossGradient(X, y, w, 0.1, dX, dy, dw, out double db) + db);
        Assert.Equal(0L, bytes);
        Assert.False(double.IsNaN(sink));
    }

    [Fact]
    public void GradientsWithLoopsOverScalarsAllocateNothing()
    {
        var random = new Random(3);
        double[] c = RandomVector(random, 8);
        double[,] A = RandomMatrix(random, 6, 6);
        double[] x = RandomVector(random, 6);
        var dc = new double[c.Length];
        var dA = new double[6, 6];
        var dxBuffer = new double[6];
        double sink = 0.0;
        long bytes = AllocatedBytes(() =>
        {
            sink += TestFunctions.IteratedMapGradient(0.3, 1.2, 10, out double dx, out double dr) + dx + dr;
            sink += TestFunctions.HornerGradient(c, 0.7, dc, out double dHorner);
            sink += TestFunctions.QuadraticFormGradient(A, x, dA, dxBuffer);
            sink += TestFunctions.AllMathGradient(0.4, -0.9, out double ax, out double ay) + ax + ay + dHorner;
        });
        Assert.Equal(0L, bytes);
        Assert.False(double.IsNaN(sink));
    }

    [Fact]
    public void BufferOverloadOverwritesInsteadOfAccumulating()
    {
        var random = new Random(4);
        double[,] X = RandomMatrix(random, 5, 2);
        double[] y = RandomVector(random, 5);
        double[] w = RandomVector(random, 2);
        var expected = TestFunctions.LogisticLossGradient(X, y, w, -0.3);

        // Buffers full of garbage: the result must not depend on what was there.
        var dX = new double[5, 2];
        var dy = new double[5];
        var dw = new double[2];
        Fill(dX, 1e6);
        Array.Fill(dy, double.NaN);
        Array.Fill(dw, -7.0);

        double first = TestFunctions.LogisticLossGradient(X, y, w, -0.3, dX, dy, dw, out double db1);
        var firstX = (double[,])dX.Clone();
        var firstY = (double[])dy.Clone();
        var firstW = (double[])dw.Clone();

        double second = TestFunctions.LogisticLossGradient(X, y, w, -0.3, dX, dy, dw, out double db2);

        Assert.Equal(expected.Value, first);
        Assert.Equal(first, second);
        Assert.Equal(expected.db, db1);
        Assert.Equal(db1, db2);
        Assert.Equal(expected.dX, firstX);
        Assert.Equal(expected.dy, firstY);
        Assert.Equal(expected.dw, firstW);
        Assert.Equal(firstX, dX);
        Assert.Equal(firstY, dy);
        Assert.Equal(firstW, dw);
    }

    [Fact]
    public void BufferOverloadOverwritesForLoopsAndLocalArrays()
    {
        var random = new Random(5);
        double[] x = RandomVector(random, 3);
        double[,] W = RandomMatrix(random, 4, 3);
        double[] v = RandomVector(random, 4);
        var expected = TestFunctions.HiddenLayerLossGradient(x, W, v);
        var dx = new double[3];
        var dW = new double[4, 3];
        var dv = new double[4];
        for (int call = 0; call < 3; call++)
        {
            double value = TestFunctions.HiddenLayerLossGradient(x, W, v, dx, dW, dv);
            Assert.Equal(expected.Value, value);
            Assert.Equal(expected.dx, dx);
            Assert.Equal(expected.dW, dW);
            Assert.Equal(expected.dv, dv);
        }

        double[] r = RandomVector(random, 7);
        var expectedRosenbrock = TestFunctions.RosenbrockGradient(r);
        var dr = new double[7];
        Array.Fill(dr, 42.0);
        TestFunctions.RosenbrockGradient(r, dr);
        TestFunctions.RosenbrockGradient(r, dr);
        Assert.Equal(expectedRosenbrock.dx, dr);
    }

    [Fact]
    public void WrongLengthVectorBuffersThrow()
    {
        double[] x = [0.5, -0.2, 1.1, 0.0];
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.RosenbrockGradient(x, new double[3]));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.RosenbrockGradient(x, new double[5]));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.RosenbrockGradient(x, null!));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.PenalizedGradient(x, new double[4], 1.0, 2, new double[2]));
    }

    [Fact]
    public void WrongShapeMatrixBuffersThrow()
    {
        var X = new double[3, 2];
        var y = new double[3];
        var w = new double[2];
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.LogisticLossGradient(X, y, w, 0.0, new double[2, 2], new double[3], new double[2], out _));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.LogisticLossGradient(X, y, w, 0.0, new double[3, 3], new double[3], new double[2], out _));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.LogisticLossGradient(X, y, w, 0.0, new double[2, 3], new double[3], new double[2], out _));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.LogisticLossGradient(X, y, w, 0.0, new double[3, 2], new double[2], new double[2], out _));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.LogisticLossGradient(X, y, w, 0.0, new double[3, 2], new double[3], new double[3], out _));
        Assert.ThrowsAny<ArgumentException>(() => TestFunctions.TraceAXBGradient(
            new double[2, 3], new double[3, 4], new double[4, 2], new double[2, 3], new double[4, 3], new double[4, 2]));
    }

    private static void Fill(double[,] matrix, double value)
    {
        for (int i = 0; i < matrix.GetLength(0); i++)
        {
            for (int j = 0; j < matrix.GetLength(1); j++)
            {
                matrix[i, j] = value;
            }
        }
    }
}
