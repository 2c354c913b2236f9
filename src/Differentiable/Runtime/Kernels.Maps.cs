using System;
#if NET8_0_OR_GREATER
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
#endif

namespace Differentiable.Runtime;

/// <summary>Elementwise maps: tanh, exp and ln over a run of an array, in place.</summary>
public static partial class Kernels
{
    /// <summary>
    /// a[start + k] = tanh(a[start + k]) for k in [0, length), in place: the elementwise map that a loop storing
    /// <c>a[i] = Math.Tanh(u)</c> leaves for after it. On .NET 8 and later SIMD (Cephes' rational form below 0.625 and
    /// 1 − 2/(e^{2|x|} + 1) above, with a vectorized exp), within 2 ulp of <see cref="Math.Tanh(double)"/>; tanh(±0) = ±0,
    /// tanh(±∞) = ±1, NaN stays NaN. On netstandard2.0, <see cref="Math.Tanh(double)"/> itself.
    /// </summary>
    public static void Tanh(double[] a, int start, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(a, start, length);
#if NET8_0_OR_GREATER
        var run = new Span<double>(a, start, length);
        var vectors = MemoryMarshal.Cast<double, Vector<double>>(run);
        for (var k = 0; k < vectors.Length; k++)
        {
            vectors[k] = Tanh(vectors[k]);
        }

        for (var e = vectors.Length * Vector<double>.Count; e < run.Length; e++)
        {
            run[e] = Math.Tanh(run[e]);
        }
#else
        Map(a, start, length, Math.Tanh);
#endif
    }

    /// <summary>
    /// a[start + k] = exp(a[start + k]) for k in [0, length), in place: the map a blocked loop evaluates its
    /// <c>Math.Exp</c> calls with. On .NET 8 and later <c>TensorPrimitives.Exp</c> (System.Numerics.Tensors: SIMD, in
    /// 512-bit registers where the processor has them), within 2 ulp of <see cref="Math.Exp(double)"/>; exp(−∞) = 0,
    /// exp(+∞) = +∞, NaN stays NaN, overflow gives +∞ and underflow 0 where Math.Exp does, subnormal results included.
    /// On netstandard2.0, <see cref="Math.Exp(double)"/> itself.
    /// </summary>
    public static void Exp(double[] a, int start, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(a, start, length);
#if NET8_0_OR_GREATER
        var run = new Span<double>(a, start, length);
        System.Numerics.Tensors.TensorPrimitives.Exp<double>(run, run);
#else
        Map(a, start, length, Math.Exp);
#endif
    }

    /// <summary>
    /// a[start + k] = ln(a[start + k]) for k in [0, length), in place: the map a blocked loop evaluates its
    /// <c>Math.Log</c> calls with. On .NET 8 and later <c>TensorPrimitives.Log</c> (SIMD, as above), within 3 ulp of
    /// <see cref="Math.Log(double)"/> (3 at ln(1.5062095897766807); 1 ulp for all but about 2 in 100,000 arguments); ln(±0) = −∞, ln(+∞) = +∞,
    /// negative numbers and NaN give NaN, subnormal arguments included. On netstandard2.0, <see cref="Math.Log(double)"/> itself.
    /// </summary>
    public static void Log(double[] a, int start, int length)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(a, start, length);
#if NET8_0_OR_GREATER
        var run = new Span<double>(a, start, length);
        System.Numerics.Tensors.TensorPrimitives.Log<double>(run, run);
#else
        Map(a, start, length, Math.Log);
#endif
    }

#if NET8_0_OR_GREATER
    // Cephes tanh: x + x·s·P(s)/Q(s) with s = x² for |x| ≤ 0.625; 1 − 2/(e^{2|x|} + 1) above, |x| capped at 20 where
    // tanh is 1 to double precision. With e^{2|x|} = 2^k·(Q + P)/(Q − P) (Cephes exp's rational form), 2/(e + 1) is one
    // fraction, 2(Q − P)/(2^k(Q + P) + (Q − P)); each lane picks its branch's numerator and denominator before the one
    // division (a division costs as much as the rest of the vector's arithmetic). Verified within 2 ulp of libm.
    private static Vector<double> Tanh(Vector<double> x)
    {
        var magnitude = Vector.Abs(x);
        var s = x * x;
        var p = (((new Vector<double>(-9.64399179425052238628E-1) * s) + new Vector<double>(-9.92877231001918586564E1)) * s) + new Vector<double>(-1.61468768441708447952E3);
        var q = (((((s + new Vector<double>(1.12811678491632931402E2)) * s) + new Vector<double>(2.23548839060100448583E3)) * s) + new Vector<double>(4.84406305325125486048E3));

        var (sum, difference, scale) = ExpOfModerate(Vector.Min(magnitude, new Vector<double>(20.0)) * new Vector<double>(2.0));
        var large = Vector.GreaterThan(magnitude, new Vector<double>(0.625));
        var numerator = Vector.ConditionalSelect(large, new Vector<double>(2.0) * difference, x * s * p);
        var denominator = Vector.ConditionalSelect(large, (sum * scale) + difference, q);
        var quotient = numerator / denominator;

        var tail = Vector<double>.One - quotient;
        tail = Vector.ConditionalSelect(Vector.LessThan(x, Vector<double>.Zero), -tail, tail);
        var result = Vector.ConditionalSelect(large, tail, x + quotient);
        return Vector.ConditionalSelect(Vector.Equals(x, Vector<double>.Zero), x, result);
    }

    // Cephes exp for 0 ≤ x ≤ 40: x = k·ln 2 + r (ln 2 in two parts), e^r = (Q(r²) + r·P(r²))/(Q(r²) − r·P(r²)), and
    // e^x = 2^k·e^r, returned as its parts: the fraction's numerator and denominator, and 2^k. Inlined: the JIT would
    // otherwise return the three vectors through memory.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector<double> Sum, Vector<double> Difference, Vector<double> Scale) ExpOfModerate(Vector<double> x)
    {
        var k = Vector.Floor((x * new Vector<double>(1.4426950408889634073599)) + new Vector<double>(0.5));
        var r = x - (k * new Vector<double>(6.93145751953125E-1));
        r -= k * new Vector<double>(1.42860682030941723212E-6);
        var rr = r * r;
        var pr = r * ((((new Vector<double>(1.26177193074810590878E-4) * rr) + new Vector<double>(3.02994407707441961300E-2)) * rr) + new Vector<double>(9.99999999999999999910E-1));
        var qr = (((((new Vector<double>(3.00198505138664455042E-6) * rr) + new Vector<double>(2.52448340349684104192E-3)) * rr) + new Vector<double>(2.27265548208155028766E-1)) * rr) + new Vector<double>(2.00000000000000000009E0);
        // 2^k from k's bits: k + 1023 in the low mantissa bits of 2^52 + k + 1023, shifted into the exponent.
        var scale = Vector.AsVectorDouble(Vector.ShiftLeft(Vector.AsVectorInt64(k + new Vector<double>(4503599627371519.0)), 52));
        return (qr + pr, qr - pr, scale);
    }
#else
    // The run is checked.
    private static void Map(double[] a, int start, int length, Func<double, double> function)
    {
        for (var k = 0; k < length; k++)
        {
            a[start + k] = function(a[start + k]);
        }
    }
#endif
}
