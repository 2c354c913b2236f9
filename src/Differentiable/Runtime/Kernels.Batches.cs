using System;
using System.Buffers;
#if NET8_0_OR_GREATER
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
#endif

namespace Differentiable.Runtime;

/// <summary>
/// What a loop needs whose steps each add an outer product into a matrix (a row loop's <c>Axpy(αᵢ, x, M, i, …)</c>,
/// as backpropagation through time adds ∂L/∂W += δₜ·sₜᵀ): the steps' α and x are stored in batch buffers and the
/// batch is added at once, each element of M loaded and stored once per batch instead of once per step.
/// </summary>
public static partial class Kernels
{
    /// <summary>Steps per batch never exceed this.</summary>
    public const int MaxBatchSteps = 32;

    /// <summary>
    /// How many steps a batch stores when its longest vector (rows or columns of an update) has
    /// <paramref name="elements"/> elements: as many as keep each buffer within 32 KiB, between 4 and
    /// <see cref="MaxBatchSteps"/>. Measured on the RNN at h = 128: 8 to 32 steps were within noise of each other.
    /// </summary>
    public static int StepsPerBatch(int elements) => Math.Max(4, Math.Min(MaxBatchSteps, 4096 / Math.Max(1, elements)));

    /// <summary>A batch buffer of at least <paramref name="length"/> elements (contents unspecified) from the shared pool.</summary>
    public static double[] RentBatch(int length) => ArrayPool<double>.Shared.Rent(Math.Max(1, length));

    /// <summary>Gives a buffer of <see cref="RentBatch"/> back to the pool.</summary>
    public static void ReturnBatch(double[] buffer) => ArrayPool<double>.Shared.Return(buffer);

    /// <summary>y[yStart + k] = x[xStart + k] for k in [0, length).</summary>
    public static void Copy(double[] x, int xStart, double[] y, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xStart, length);
        CheckRun(y, yStart, length);
        Array.Copy(x, xStart, y, yStart, length);
    }

    /// <summary>y[yStart + k] = x[xRow, xStart + k] for k in [0, length).</summary>
    public static void Copy(double[,] x, int xRow, int xStart, double[] y, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xRow, xStart, length);
        CheckRun(y, yStart, length);
#if NET8_0_OR_GREATER
        Row(x, xRow, xStart, length).CopyTo(new Span<double>(y, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yStart + k] = x[xRow, xStart + k];
        }
#endif
    }

    /// <summary>
    /// m[mRow + r, mStart + c] += alpha[s·rows + r]·x[s·length + c] for s in [0, steps), r in [0, rows), c in [0, length):
    /// the <see cref="Axpy(double, double[], int, double[,], int, int, int)"/> calls of <paramref name="steps"/> steps of a
    /// row loop (step s, row r: α = alpha[s·rows + r], x = the run x[s·length …]), deferred to one call. Each element adds
    /// the steps in order, as those calls did (one multiply, one add each, no fused multiply-add), so the result is
    /// bit-identical; on .NET 8 and later a tile of 6 rows × 2 vectors stays in registers over the steps. m must not
    /// overlap alpha or x.
    /// </summary>
    public static void OuterProductsAdd(double[] alpha, double[] x, int steps, double[,] m, int mRow, int mStart, int rows, int length)
    {
        if (steps <= 0 || rows <= 0 || length <= 0)
        {
            return;
        }

        if (alpha is null || x is null)
        {
            throw new NullReferenceException();
        }

        if ((long)steps * rows > alpha.Length || (long)steps * length > x.Length)
        {
            throw new IndexOutOfRangeException();
        }

        CheckRows(m, mRow, mStart, length, rows);

        var column = 0;
#if NET8_0_OR_GREATER
        if (Vector512.IsHardwareAccelerated && Vector<double>.Count < Vector512<double>.Count)
        {
            column = OuterProductTiles<Lanes512, Vector512<double>>(alpha, x, steps, m, mRow, mStart, rows, length, column);
        }

        column = OuterProductTiles<LanesOfVector, Vector<double>>(alpha, x, steps, m, mRow, mStart, rows, length, column);
#endif
        for (var c = column; c < length; c++)
        {
            for (var r = 0; r < rows; r++)
            {
                var sum = m[mRow + r, mStart + c];
                for (var s = 0; s < steps; s++)
                {
                    sum += alpha[(s * rows) + r] * x[(s * length) + c];
                }

                m[mRow + r, mStart + c] = sum;
            }
        }
    }

#if NET8_0_OR_GREATER
    /// <summary>One register width of doubles: what the outer-product tiles need of it.</summary>
    private interface ILanes<TVector>
        where TVector : struct
    {
        static abstract int Count { get; }

        static abstract TVector Load(ref double source, nuint offset);

        static abstract void Store(TVector value, ref double destination, nuint offset);

        static abstract TVector Broadcast(double value);

        /// <summary>sum + a·b, rounded twice (as <c>Axpy</c> rounds).</summary>
        static abstract TVector AddProduct(TVector sum, TVector a, TVector b);
    }

    private readonly struct LanesOfVector : ILanes<Vector<double>>
    {
        public static int Count => Vector<double>.Count;

        public static Vector<double> Load(ref double source, nuint offset) => Vector.LoadUnsafe(ref source, offset);

        public static void Store(Vector<double> value, ref double destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

        public static Vector<double> Broadcast(double value) => new(value);

        public static Vector<double> AddProduct(Vector<double> sum, Vector<double> a, Vector<double> b) => sum + (a * b);
    }

    private readonly struct Lanes512 : ILanes<Vector512<double>>
    {
        public static int Count => Vector512<double>.Count;

        public static Vector512<double> Load(ref double source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

        public static void Store(Vector512<double> value, ref double destination, nuint offset) => value.StoreUnsafe(ref destination, offset);

        public static Vector512<double> Broadcast(double value) => Vector512.Create(value);

        public static Vector512<double> AddProduct(Vector512<double> sum, Vector512<double> a, Vector512<double> b) => sum + (a * b);
    }

    /// <summary>How many rows an outer-product tile takes: a constant the JIT folds into each instantiation.</summary>
    private interface ITileRows
    {
        static abstract int Count { get; }
    }

    private readonly struct SixRows : ITileRows
    {
        public static int Count => 6;
    }

    private readonly struct FourRows : ITileRows
    {
        public static int Count => 4;
    }

    /// <summary>
    /// The columns from <paramref name="column"/> on that whole pairs of registers cover, each tile (6 rows, then 4, then 1
    /// for the last rows, × 2 registers) loaded once, updated by every step in order, stored once; returns the first column left.
    /// The caller has checked every run, so the loads go unchecked.
    /// </summary>
    private static int OuterProductTiles<TLanes, TVector>(double[] alpha, double[] x, int steps, double[,] m, int mRow, int mStart, int rows, int length, int column)
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
    {
        var width = TLanes.Count;
        var end = column + ((length - column) / (2 * width) * (2 * width));
        if (end == column)
        {
            return column;
        }

        ref var alphas = ref MemoryMarshal.GetArrayDataReference(alpha);
        ref var vectors = ref MemoryMarshal.GetArrayDataReference(x);
        var r = 0;
        // Six rows first: 12 sums, 2 loads of x and 6 broadcasts per step fill the 16 registers of AVX2 without spilling,
        // and were 8–13% faster than four rows on the RNN's 32-step batches at h = 128 (session 19).
        for (; r + 5 < rows; r += 6)
        {
            OuterProductRowTile<TLanes, TVector, SixRows>(ref alphas, ref vectors, steps, m, mRow + r, mStart, rows, r, length, column, end);
        }

        for (; r + 3 < rows; r += 4)
        {
            OuterProductRowTile<TLanes, TVector, FourRows>(ref alphas, ref vectors, steps, m, mRow + r, mStart, rows, r, length, column, end);
        }

        for (; r < rows; r++)
        {
            ref var m0 = ref m[mRow + r, mStart];
            for (var c = column; c < end; c += 2 * width)
            {
                var (low, high) = ((nuint)c, (nuint)(c + width));
                var (s00, s01) = (TLanes.Load(ref m0, low), TLanes.Load(ref m0, high));
                for (var s = 0; s < steps; s++)
                {
                    ref var run = ref Unsafe.Add(ref vectors, s * length);
                    var a0 = TLanes.Broadcast(Unsafe.Add(ref alphas, (s * rows) + r));
                    (s00, s01) = (TLanes.AddProduct(s00, a0, TLanes.Load(ref run, low)), TLanes.AddProduct(s01, a0, TLanes.Load(ref run, high)));
                }

                TLanes.Store(s00, ref m0, low);
                TLanes.Store(s01, ref m0, high);
            }
        }

        return end;
    }

    /// <summary>
    /// Rows [row, row + TRows.Count) of m over the columns [column, end), one tile of TRows.Count rows × 2 registers at a
    /// time; α of row r + k at step s is alphas[s·rows + r + k]. One body for both tile heights: the rows past the fourth
    /// exist only in the six-row instantiation, where TRows.Count is a constant.
    /// </summary>
    private static void OuterProductRowTile<TLanes, TVector, TRows>(ref double alphas, ref double vectors, int steps, double[,] m, int row, int mStart, int rows, int r, int length, int column, int end)
        where TLanes : struct, ILanes<TVector>
        where TVector : struct
        where TRows : struct, ITileRows
    {
        var width = TLanes.Count;
        var six = TRows.Count == 6;
        ref var m0 = ref m[row, mStart];
        ref var m1 = ref m[row + 1, mStart];
        ref var m2 = ref m[row + 2, mStart];
        ref var m3 = ref m[row + 3, mStart];
        ref var m4 = ref six ? ref m[row + 4, mStart] : ref m3;
        ref var m5 = ref six ? ref m[row + 5, mStart] : ref m3;
        for (var c = column; c < end; c += 2 * width)
        {
            var (low, high) = ((nuint)c, (nuint)(c + width));
            var (s00, s01) = (TLanes.Load(ref m0, low), TLanes.Load(ref m0, high));
            var (s10, s11) = (TLanes.Load(ref m1, low), TLanes.Load(ref m1, high));
            var (s20, s21) = (TLanes.Load(ref m2, low), TLanes.Load(ref m2, high));
            var (s30, s31) = (TLanes.Load(ref m3, low), TLanes.Load(ref m3, high));
            var (s40, s41, s50, s51) = (default(TVector), default(TVector), default(TVector), default(TVector));
            if (six)
            {
                (s40, s41) = (TLanes.Load(ref m4, low), TLanes.Load(ref m4, high));
                (s50, s51) = (TLanes.Load(ref m5, low), TLanes.Load(ref m5, high));
            }

            for (var s = 0; s < steps; s++)
            {
                ref var run = ref Unsafe.Add(ref vectors, s * length);
                var (x0, x1) = (TLanes.Load(ref run, low), TLanes.Load(ref run, high));
                ref var a = ref Unsafe.Add(ref alphas, (s * rows) + r);
                var a0 = TLanes.Broadcast(a);
                (s00, s01) = (TLanes.AddProduct(s00, a0, x0), TLanes.AddProduct(s01, a0, x1));
                var a1 = TLanes.Broadcast(Unsafe.Add(ref a, 1));
                (s10, s11) = (TLanes.AddProduct(s10, a1, x0), TLanes.AddProduct(s11, a1, x1));
                var a2 = TLanes.Broadcast(Unsafe.Add(ref a, 2));
                (s20, s21) = (TLanes.AddProduct(s20, a2, x0), TLanes.AddProduct(s21, a2, x1));
                var a3 = TLanes.Broadcast(Unsafe.Add(ref a, 3));
                (s30, s31) = (TLanes.AddProduct(s30, a3, x0), TLanes.AddProduct(s31, a3, x1));
                if (six)
                {
                    var a4 = TLanes.Broadcast(Unsafe.Add(ref a, 4));
                    (s40, s41) = (TLanes.AddProduct(s40, a4, x0), TLanes.AddProduct(s41, a4, x1));
                    var a5 = TLanes.Broadcast(Unsafe.Add(ref a, 5));
                    (s50, s51) = (TLanes.AddProduct(s50, a5, x0), TLanes.AddProduct(s51, a5, x1));
                }
            }

            TLanes.Store(s00, ref m0, low);
            TLanes.Store(s01, ref m0, high);
            TLanes.Store(s10, ref m1, low);
            TLanes.Store(s11, ref m1, high);
            TLanes.Store(s20, ref m2, low);
            TLanes.Store(s21, ref m2, high);
            TLanes.Store(s30, ref m3, low);
            TLanes.Store(s31, ref m3, high);
            if (six)
            {
                TLanes.Store(s40, ref m4, low);
                TLanes.Store(s41, ref m4, high);
                TLanes.Store(s50, ref m5, low);
                TLanes.Store(s51, ref m5, high);
            }
        }
    }
#endif
}
