using System;
using System.ComponentModel;
#if NET8_0_OR_GREATER
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
#endif

namespace Differentiable.Runtime;

/// <summary>
/// Contraction kernels that generated companions call where the generator recognizes a loop as a dot product or an
/// axpy (<c>y += α·x</c>) over a contiguous run of an array: a whole vector, or part of one row of a matrix. On .NET 8 and
/// later they run in SIMD registers (<see cref="System.Numerics.Vector{T}"/>, or 512-bit registers for runs of 256 elements
/// and more where the processor has AVX-512) with one bounds check per call; on
/// netstandard2.0 they are the plain loops the generator replaced. <c>Scale</c> (<c>y = α·x</c>) is the first axpy into a
/// gradient buffer that the loops cover whole, stored rather than added to a cleared buffer.
/// </summary>
/// <remarks>
/// An operand is an array and the place its run starts: <c>(double[] a, int start)</c>, or
/// <c>(double[,] a, int row, int start)</c> for <c>a[row, start … start + length − 1]</c>. A run that leaves its array
/// throws <see cref="IndexOutOfRangeException"/>, as the loop would have; a length of zero or less does nothing.
/// <para>
/// <c>Axpy</c> and <c>Scale</c> compute each element exactly as the loop did (one multiply, one add, no fused multiply-add), so its results
/// are bit-identical. <c>Dot</c> adds its products in a different order (several partial sums), so it may differ from the
/// sequential sum in the last bits, as any vectorized or blocked dot product does.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Kernels
{
    /// <summary>Σₖ a[aStart + k]·b[bStart + k] for k in [0, length).</summary>
    public static double Dot(double[] a, int aStart, double[] b, int bStart, int length)
    {
        if (length <= 0)
        {
            return 0.0;
        }

        CheckRun(a, aStart, length);
        CheckRun(b, bStart, length);
#if NET8_0_OR_GREATER
        return Dot(new ReadOnlySpan<double>(a, aStart, length), new ReadOnlySpan<double>(b, bStart, length));
#else
        var sum = 0.0;
        for (var k = 0; k < length; k++)
        {
            sum += a[aStart + k] * b[bStart + k];
        }

        return sum;
#endif
    }

    /// <summary>Σₖ a[aRow, aStart + k]·b[bStart + k] for k in [0, length).</summary>
    public static double Dot(double[,] a, int aRow, int aStart, double[] b, int bStart, int length)
    {
        if (length <= 0)
        {
            return 0.0;
        }

        CheckRun(a, aRow, aStart, length);
        CheckRun(b, bStart, length);
#if NET8_0_OR_GREATER
        return Dot(Row(a, aRow, aStart, length), new ReadOnlySpan<double>(b, bStart, length));
#else
        var sum = 0.0;
        for (var k = 0; k < length; k++)
        {
            sum += a[aRow, aStart + k] * b[bStart + k];
        }

        return sum;
#endif
    }

    /// <summary>Σₖ a[aRow, aStart + k]·b[bRow, bStart + k] for k in [0, length).</summary>
    public static double Dot(double[,] a, int aRow, int aStart, double[,] b, int bRow, int bStart, int length)
    {
        if (length <= 0)
        {
            return 0.0;
        }

        CheckRun(a, aRow, aStart, length);
        CheckRun(b, bRow, bStart, length);
#if NET8_0_OR_GREATER
        return Dot(Row(a, aRow, aStart, length), Row(b, bRow, bStart, length));
#else
        var sum = 0.0;
        for (var k = 0; k < length; k++)
        {
            sum += a[aRow, aStart + k] * b[bRow, bStart + k];
        }

        return sum;
#endif
    }

    /// <summary>y[yStart + k] += alpha·x[xStart + k] for k in [0, length).</summary>
    public static void Axpy(double alpha, double[] x, int xStart, double[] y, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xStart, length);
        CheckRun(y, yStart, length);
#if NET8_0_OR_GREATER
        Axpy(alpha, new ReadOnlySpan<double>(x, xStart, length), new Span<double>(y, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yStart + k] += alpha * x[xStart + k];
        }
#endif
    }

    /// <summary>y[yStart + k] += alpha·x[xRow, xStart + k] for k in [0, length).</summary>
    public static void Axpy(double alpha, double[,] x, int xRow, int xStart, double[] y, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xRow, xStart, length);
        CheckRun(y, yStart, length);
#if NET8_0_OR_GREATER
        Axpy(alpha, Row(x, xRow, xStart, length), new Span<double>(y, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yStart + k] += alpha * x[xRow, xStart + k];
        }
#endif
    }

    /// <summary>y[yRow, yStart + k] += alpha·x[xStart + k] for k in [0, length).</summary>
    public static void Axpy(double alpha, double[] x, int xStart, double[,] y, int yRow, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xStart, length);
        CheckRun(y, yRow, yStart, length);
#if NET8_0_OR_GREATER
        Axpy(alpha, new ReadOnlySpan<double>(x, xStart, length), Row(y, yRow, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yRow, yStart + k] += alpha * x[xStart + k];
        }
#endif
    }

    /// <summary>y[yRow, yStart + k] += alpha·x[xRow, xStart + k] for k in [0, length).</summary>
    public static void Axpy(double alpha, double[,] x, int xRow, int xStart, double[,] y, int yRow, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xRow, xStart, length);
        CheckRun(y, yRow, yStart, length);
#if NET8_0_OR_GREATER
        Axpy(alpha, Row(x, xRow, xStart, length), Row(y, yRow, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yRow, yStart + k] += alpha * x[xRow, xStart + k];
        }
#endif
    }

    /// <summary>y[yStart + k] = alpha·x[xStart + k] for k in [0, length): the first accumulation into a cleared buffer, stored.</summary>
    public static void Scale(double alpha, double[] x, int xStart, double[] y, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xStart, length);
        CheckRun(y, yStart, length);
#if NET8_0_OR_GREATER
        Scale(alpha, new ReadOnlySpan<double>(x, xStart, length), new Span<double>(y, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yStart + k] = alpha * x[xStart + k];
        }
#endif
    }

    /// <summary>y[yStart + k] = alpha·x[xRow, xStart + k] for k in [0, length): the first accumulation into a cleared buffer, stored.</summary>
    public static void Scale(double alpha, double[,] x, int xRow, int xStart, double[] y, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xRow, xStart, length);
        CheckRun(y, yStart, length);
#if NET8_0_OR_GREATER
        Scale(alpha, Row(x, xRow, xStart, length), new Span<double>(y, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yStart + k] = alpha * x[xRow, xStart + k];
        }
#endif
    }

    /// <summary>y[yRow, yStart + k] = alpha·x[xStart + k] for k in [0, length): the first accumulation into a cleared buffer, stored.</summary>
    public static void Scale(double alpha, double[] x, int xStart, double[,] y, int yRow, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xStart, length);
        CheckRun(y, yRow, yStart, length);
#if NET8_0_OR_GREATER
        Scale(alpha, new ReadOnlySpan<double>(x, xStart, length), Row(y, yRow, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yRow, yStart + k] = alpha * x[xStart + k];
        }
#endif
    }

    /// <summary>y[yRow, yStart + k] = alpha·x[xRow, xStart + k] for k in [0, length): the first accumulation into a cleared buffer, stored.</summary>
    public static void Scale(double alpha, double[,] x, int xRow, int xStart, double[,] y, int yRow, int yStart, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(x, xRow, xStart, length);
        CheckRun(y, yRow, yStart, length);
#if NET8_0_OR_GREATER
        Scale(alpha, Row(x, xRow, xStart, length), Row(y, yRow, yStart, length));
#else
        for (var k = 0; k < length; k++)
        {
            y[yRow, yStart + k] = alpha * x[xRow, xStart + k];
        }
#endif
    }

    /// <summary>
    /// One sweep of a linear layer's forward and reverse over a row: returns Σₖ a[aRow, aStart + k]·b[bStart + k], while
    /// ya[yaStart + k] += alpha·a[aRow, aStart + k] and yb[ybRow, ybStart + k] = alpha·b[bStart + k] (the first store
    /// into a cleared gradient row), for k in [0, length). <c>Dot</c>, <c>Axpy</c> and <c>Scale</c> in sequence read
    /// the row of a twice and write yb's row between the reads; this reads each element once. The updates are those of
    /// <c>Axpy</c> and <c>Scale</c> bit for bit; the sum is added in its own order (one SIMD partial sum), which may differ
    /// from <c>Dot</c>'s in the last bits. The runs must not overlap (the generator calls it only for arrays that cannot
    /// alias).
    /// </summary>
    public static double DotAxpyScale(double[,] a, int aRow, int aStart, double[] b, int bStart, double alpha, double[] ya, int yaStart, double[,] yb, int ybRow, int ybStart, int length) =>
        DotAxpyUpdate(a, aRow, aStart, b, bStart, alpha, ya, yaStart, yb, ybRow, ybStart, length, store: true);

    /// <summary>
    /// As <see cref="DotAxpyScale"/>, but yb[ybRow, ybStart + k] += alpha·b[bStart + k]: a gradient row that already
    /// holds contributions.
    /// </summary>
    public static double DotAxpyAxpy(double[,] a, int aRow, int aStart, double[] b, int bStart, double alpha, double[] ya, int yaStart, double[,] yb, int ybRow, int ybStart, int length) =>
        DotAxpyUpdate(a, aRow, aStart, b, bStart, alpha, ya, yaStart, yb, ybRow, ybStart, length, store: false);

    private static double DotAxpyUpdate(double[,] a, int aRow, int aStart, double[] b, int bStart, double alpha, double[] ya, int yaStart, double[,] yb, int ybRow, int ybStart, int length, bool store)
    {
        if (length <= 0)
        {
            return 0.0;
        }

        CheckRun(a, aRow, aStart, length);
        CheckRun(b, bStart, length);
        CheckRun(ya, yaStart, length);
        CheckRun(yb, ybRow, ybStart, length);
#if NET8_0_OR_GREATER
        return store
            ? DotAxpyUpdate(Row(a, aRow, aStart, length), new ReadOnlySpan<double>(b, bStart, length), alpha, new Span<double>(ya, yaStart, length), Row(yb, ybRow, ybStart, length), store: true)
            : DotAxpyUpdate(Row(a, aRow, aStart, length), new ReadOnlySpan<double>(b, bStart, length), alpha, new Span<double>(ya, yaStart, length), Row(yb, ybRow, ybStart, length), store: false);
#else
        var sum = 0.0;
        for (var k = 0; k < length; k++)
        {
            var ak = a[aRow, aStart + k];
            var bk = b[bStart + k];
            sum += ak * bk;
            ya[yaStart + k] += alpha * ak;
            yb[ybRow, ybStart + k] = store ? alpha * bk : yb[ybRow, ybStart + k] + (alpha * bk);
        }

        return sum;
#endif
    }

    /// <summary>
    /// y[yStart + r] += Σₖ m[mRow + r, mStart + k]·v[vStart + k] for r in [0, rows), k in [0, length): a loop whose
    /// iterations each add one row's <see cref="Dot(double[,], int, int, double[], int, int)"/> into their own element,
    /// as one matrix–vector product. Four rows at a time share each load of v and keep four sums in flight, about twice
    /// as fast as a dot product per row for rows of 8 to 1024 elements. Each row's sum is added in its own order (one
    /// SIMD partial sum), which may differ from <c>Dot</c>'s in the last bits; with a length of zero or less every
    /// element still gets + 0.0, as the loop gave it. y must not overlap m or v.
    /// </summary>
    public static void MatVecAdd(double[,] m, int mRow, int mStart, double[] v, int vStart, int length, double[] y, int yStart, int rows)
    {
        if (!HasProducts(y, yStart, rows, length))
        {
            return;
        }

        CheckRows(m, mRow, mStart, length, rows);
        CheckRun(v, vStart, length);
#if NET8_0_OR_GREATER
        MatVecAdd(m, mRow, mStart, new ReadOnlySpan<double>(v, vStart, length), new Span<double>(y, yStart, rows));
#else
        for (var r = 0; r < rows; r++)
        {
            var sum = 0.0;
            for (var k = 0; k < length; k++)
            {
                sum += m[mRow + r, mStart + k] * v[vStart + k];
            }

            y[yStart + r] += sum;
        }
#endif
    }

    /// <summary>As the other overload, with v a run of a matrix row: v[vRow, vStart + k].</summary>
    public static void MatVecAdd(double[,] m, int mRow, int mStart, double[,] v, int vRow, int vStart, int length, double[] y, int yStart, int rows)
    {
        if (!HasProducts(y, yStart, rows, length))
        {
            return;
        }

        CheckRows(m, mRow, mStart, length, rows);
        CheckRun(v, vRow, vStart, length);
#if NET8_0_OR_GREATER
        MatVecAdd(m, mRow, mStart, Row(v, vRow, vStart, length), new Span<double>(y, yStart, rows));
#else
        for (var r = 0; r < rows; r++)
        {
            var sum = 0.0;
            for (var k = 0; k < length; k++)
            {
                sum += m[mRow + r, mStart + k] * v[vRow, vStart + k];
            }

            y[yStart + r] += sum;
        }
#endif
    }

    /// <summary>
    /// Checks the run of y and does what a loop with nothing to multiply does: nothing for no rows, + 0.0 into each
    /// element for no columns. False when nothing is left to do.
    /// </summary>
    private static bool HasProducts(double[] y, int yStart, int rows, int length)
    {
        if (rows <= 0)
        {
            return false;
        }

        CheckRun(y, yStart, rows);
        if (length > 0)
        {
            return true;
        }

        for (var r = 0; r < rows; r++)
        {
            y[yStart + r] += 0.0;
        }

        return false;
    }

    /// <summary>Rows [row, row + rows) of the matrix each hold the run [start, start + length).</summary>
    private static void CheckRows(double[,] array, int row, int start, int length, int rows)
    {
        CheckRun(array, row, start, length);
        if ((long)row + rows > array.GetLength(0))
        {
            throw new IndexOutOfRangeException();
        }
    }

    private static void CheckRun(double[] array, int start, int length)
    {
        // Unsigned comparisons also reject negative starts; long arithmetic cannot overflow.
        if (array is null)
        {
            throw new NullReferenceException();
        }

        if ((uint)start >= (uint)array.Length || (long)start + length > array.Length)
        {
            throw new IndexOutOfRangeException();
        }
    }

    private static void CheckRun(double[,] array, int row, int start, int length)
    {
        if (array is null)
        {
            throw new NullReferenceException();
        }

        var columns = array.GetLength(1);
        if ((uint)row >= (uint)array.GetLength(0) || (uint)start >= (uint)columns || (long)start + length > columns)
        {
            throw new IndexOutOfRangeException();
        }
    }

#if NET8_0_OR_GREATER
    // A row of a matrix is contiguous (C# rectangular arrays are row-major); CheckRun has kept the run inside it.
    private static Span<double> Row(double[,] array, int row, int start, int length) =>
        MemoryMarshal.CreateSpan(ref array[row, start], length);

    // Runs at least this long use 512-bit registers where the processor has them (AVX-512): measured faster for rows of
    // 256 and 512 elements, slower for 32 (docs/benchmarks-history.md, session 7). Shorter runs, and the fused sweeps, stay at Vector<T>.
    private const int WideRun = 256;

    private static bool Wide(int length) => length >= WideRun && Vector512.IsHardwareAccelerated && Vector<double>.Count < Vector512<double>.Count;

    private static void MatVecAdd(double[,] m, int mRow, int mStart, ReadOnlySpan<double> v, Span<double> y)
    {
        var length = v.Length;
        var r = 0;
        if (!Wide(length))
        {
            var x = MemoryMarshal.Cast<double, Vector<double>>(v);
            var full = x.Length * Vector<double>.Count;
            for (; r + 3 < y.Length; r += 4)
            {
                var a0 = MemoryMarshal.Cast<double, Vector<double>>(Row(m, mRow + r, mStart, length));
                var a1 = MemoryMarshal.Cast<double, Vector<double>>(Row(m, mRow + r + 1, mStart, length));
                var a2 = MemoryMarshal.Cast<double, Vector<double>>(Row(m, mRow + r + 2, mStart, length));
                var a3 = MemoryMarshal.Cast<double, Vector<double>>(Row(m, mRow + r + 3, mStart, length));
                var (s0, s1, s2, s3) = (Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero, Vector<double>.Zero);
                for (var k = 0; k < x.Length; k++)
                {
                    var xk = x[k];
                    s0 += a0[k] * xk;
                    s1 += a1[k] * xk;
                    s2 += a2[k] * xk;
                    s3 += a3[k] * xk;
                }

                var (t0, t1, t2, t3) = (Vector.Sum(s0), Vector.Sum(s1), Vector.Sum(s2), Vector.Sum(s3));
                for (var e = full; e < length; e++)
                {
                    var ve = v[e];
                    t0 += m[mRow + r, mStart + e] * ve;
                    t1 += m[mRow + r + 1, mStart + e] * ve;
                    t2 += m[mRow + r + 2, mStart + e] * ve;
                    t3 += m[mRow + r + 3, mStart + e] * ve;
                }

                y[r] += t0;
                y[r + 1] += t1;
                y[r + 2] += t2;
                y[r + 3] += t3;
            }
        }

        // The last rows, and every row of a run long enough for 512-bit registers (which one row fills on its own).
        for (; r < y.Length; r++)
        {
            y[r] += Dot(Row(m, mRow + r, mStart, length), v);
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (Wide(a.Length))
        {
            return DotWide(a, b);
        }

        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
        var s0 = Vector<double>.Zero;
        var s1 = Vector<double>.Zero;
        var s2 = Vector<double>.Zero;
        var s3 = Vector<double>.Zero;
        var k = 0;
        // Four independent partial sums hide the latency of the adds.
        for (; k + 3 < va.Length; k += 4)
        {
            s0 += va[k] * vb[k];
            s1 += va[k + 1] * vb[k + 1];
            s2 += va[k + 2] * vb[k + 2];
            s3 += va[k + 3] * vb[k + 3];
        }

        for (; k < va.Length; k++)
        {
            s0 += va[k] * vb[k];
        }

        var sum = Vector.Dot((s0 + s1) + (s2 + s3), Vector<double>.One);
        for (var e = va.Length * Vector<double>.Count; e < a.Length; e++)
        {
            sum += a[e] * b[e];
        }

        return sum;
    }

    // One partial sum: the sweep is bound by its three streams, not by the latency of the adds (four sums measured
    // slower). Inlined into its two callers so that store is a constant there and the loop carries no branch.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static double DotAxpyUpdate(ReadOnlySpan<double> a, ReadOnlySpan<double> b, double alpha, Span<double> ya, Span<double> yb, bool store)
    {
        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b).Slice(0, va.Length);
        var vya = MemoryMarshal.Cast<double, Vector<double>>(ya).Slice(0, va.Length);
        var vyb = MemoryMarshal.Cast<double, Vector<double>>(yb).Slice(0, va.Length);
        var valpha = new Vector<double>(alpha);
        var partial = Vector<double>.Zero;
        for (var k = 0; k < va.Length; k++)
        {
            var ak = va[k];
            var bk = vb[k];
            partial += ak * bk;
            vya[k] += valpha * ak;
            vyb[k] = store ? valpha * bk : vyb[k] + (valpha * bk);
        }

        var sum = Vector.Dot(partial, Vector<double>.One);
        for (var e = va.Length * Vector<double>.Count; e < a.Length; e++)
        {
            sum += a[e] * b[e];
            ya[e] += alpha * a[e];
            yb[e] = store ? alpha * b[e] : yb[e] + (alpha * b[e]);
        }

        return sum;
    }

    private static double DotWide(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        var length = (nuint)a.Length;
        var width = (nuint)Vector512<double>.Count;
        var s0 = Vector512<double>.Zero;
        var s1 = Vector512<double>.Zero;
        var s2 = Vector512<double>.Zero;
        var s3 = Vector512<double>.Zero;
        nuint k = 0;
        for (; k + (4 * width) <= length; k += 4 * width)
        {
            s0 += Vector512.LoadUnsafe(ref ra, k) * Vector512.LoadUnsafe(ref rb, k);
            s1 += Vector512.LoadUnsafe(ref ra, k + width) * Vector512.LoadUnsafe(ref rb, k + width);
            s2 += Vector512.LoadUnsafe(ref ra, k + (2 * width)) * Vector512.LoadUnsafe(ref rb, k + (2 * width));
            s3 += Vector512.LoadUnsafe(ref ra, k + (3 * width)) * Vector512.LoadUnsafe(ref rb, k + (3 * width));
        }

        for (; k + width <= length; k += width)
        {
            s0 += Vector512.LoadUnsafe(ref ra, k) * Vector512.LoadUnsafe(ref rb, k);
        }

        var sum = Vector512.Sum((s0 + s1) + (s2 + s3));
        for (; k < length; k++)
        {
            sum += a[(int)k] * b[(int)k];
        }

        return sum;
    }

    private static void Scale(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        if (Wide(x.Length))
        {
            UpdateWide(alpha, x, y, store: true);
            return;
        }

        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(alpha);
        for (var k = 0; k < vx.Length; k++)
        {
            vy[k] = va * vx[k];
        }

        for (var e = vx.Length * Vector<double>.Count; e < x.Length; e++)
        {
            y[e] = alpha * x[e];
        }
    }

    // y = α·x (store) or y += α·x in 512-bit registers; inlined into its two callers so that store is a constant there.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void UpdateWide(double alpha, ReadOnlySpan<double> x, Span<double> y, bool store)
    {
        ref var rx = ref MemoryMarshal.GetReference(x);
        ref var ry = ref MemoryMarshal.GetReference(y);
        var length = (nuint)x.Length;
        var width = (nuint)Vector512<double>.Count;
        var va = Vector512.Create(alpha);
        nuint k = 0;
        for (; k + width <= length; k += width)
        {
            var term = va * Vector512.LoadUnsafe(ref rx, k);
            Vector512.StoreUnsafe(store ? term : Vector512.LoadUnsafe(ref ry, k) + term, ref ry, k);
        }

        for (; k < length; k++)
        {
            y[(int)k] = store ? alpha * x[(int)k] : y[(int)k] + (alpha * x[(int)k]);
        }
    }

    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        if (Wide(x.Length))
        {
            UpdateWide(alpha, x, y, store: false);
            return;
        }

        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(alpha);
        for (var k = 0; k < vx.Length; k++)
        {
            vy[k] += va * vx[k];
        }

        for (var e = vx.Length * Vector<double>.Count; e < x.Length; e++)
        {
            y[e] += alpha * x[e];
        }
    }
#endif
}
