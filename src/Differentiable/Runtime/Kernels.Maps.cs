using System;
#if NET8_0_OR_GREATER
using System.Numerics;
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
#if NET8_0_OR_GREATER
        Map<TanhFunction>(a, start, length);
#else
        Map(a, start, length, Math.Tanh);
#endif
    }

    /// <summary>
    /// a[start + k] = exp(a[start + k]) for k in [0, length), in place: the map a blocked loop evaluates its
    /// <c>Math.Exp</c> calls with. On .NET 8 and later SIMD (Cephes' rational form, 2^k applied in two halves so that
    /// subnormal results are exact to the last bit of the rounding), within 2 ulp of <see cref="Math.Exp(double)"/>;
    /// exp(−∞) = 0, exp(+∞) = +∞, NaN stays NaN, overflow gives +∞ and underflow 0 where Math.Exp does.
    /// On netstandard2.0, <see cref="Math.Exp(double)"/> itself.
    /// </summary>
    public static void Exp(double[] a, int start, int length)
    {
#if NET8_0_OR_GREATER
        Map<ExpFunction>(a, start, length);
#else
        Map(a, start, length, Math.Exp);
#endif
    }

    /// <summary>
    /// a[start + k] = ln(a[start + k]) for k in [0, length), in place: the map a blocked loop evaluates its
    /// <c>Math.Log</c> calls with. On .NET 8 and later SIMD (Cephes' rational form of ln(1 + f) for the mantissa in
    /// [√½, √2), subnormals scaled first), within 1 ulp of <see cref="Math.Log(double)"/>; ln(±0) = −∞, ln(+∞) = +∞,
    /// negative numbers and NaN give NaN. On netstandard2.0, <see cref="Math.Log(double)"/> itself.
    /// </summary>
    public static void Log(double[] a, int start, int length)
    {
#if NET8_0_OR_GREATER
        Map<LogFunction>(a, start, length);
#else
        Map(a, start, length, Math.Log);
#endif
    }

#if NET8_0_OR_GREATER
    /// <summary>A function applied elementwise: in SIMD registers, and to the elements a whole register does not cover.</summary>
    private interface IElementwise
    {
        static abstract Vector<double> Apply(Vector<double> x);

        static abstract double Apply(double x);
    }

    private readonly struct TanhFunction : IElementwise
    {
        public static Vector<double> Apply(Vector<double> x) => Tanh(x);

        public static double Apply(double x) => Math.Tanh(x);
    }

    private readonly struct ExpFunction : IElementwise
    {
        public static Vector<double> Apply(Vector<double> x) => Exp(x);

        public static double Apply(double x) => Math.Exp(x);
    }

    private readonly struct LogFunction : IElementwise
    {
        public static Vector<double> Apply(Vector<double> x) => Log(x);

        public static double Apply(double x) => Math.Log(x);
    }

    // A struct type argument makes the JIT compile one loop per function, with the function inlined.
    private static void Map<TFunction>(double[] a, int start, int length)
        where TFunction : struct, IElementwise
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(a, start, length);
        var run = new Span<double>(a, start, length);
        var vectors = MemoryMarshal.Cast<double, Vector<double>>(run);
        for (var k = 0; k < vectors.Length; k++)
        {
            vectors[k] = TFunction.Apply(vectors[k]);
        }

        for (var e = vectors.Length * Vector<double>.Count; e < run.Length; e++)
        {
            run[e] = TFunction.Apply(run[e]);
        }
    }

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
    // e^x = 2^k·e^r, returned as its parts: the fraction's numerator and denominator, and 2^k.
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

    // Cephes exp over the whole range: as above, with x clamped to [−746, 710] and 2^k applied as 2^⌊k/2⌋·2^(k − ⌊k/2⌋)
    // (each factor a normal number), then +∞ above ln(MaxValue), 0 below the smallest subnormal's log, NaN kept.
    private static Vector<double> Exp(Vector<double> x)
    {
        var clamped = Vector.Min(Vector.Max(x, new Vector<double>(-746.0)), new Vector<double>(710.0));
        var k = Vector.Floor((clamped * new Vector<double>(1.4426950408889634073599)) + new Vector<double>(0.5));
        var r = clamped - (k * new Vector<double>(6.93145751953125E-1));
        r -= k * new Vector<double>(1.42860682030941723212E-6);
        var rr = r * r;
        var pr = r * ((((new Vector<double>(1.26177193074810590878E-4) * rr) + new Vector<double>(3.02994407707441961300E-2)) * rr) + new Vector<double>(9.99999999999999999910E-1));
        var qr = (((((new Vector<double>(3.00198505138664455042E-6) * rr) + new Vector<double>(2.52448340349684104192E-3)) * rr) + new Vector<double>(2.27265548208155028766E-1)) * rr) + new Vector<double>(2.00000000000000000009E0);
        var er = Vector<double>.One + (new Vector<double>(2.0) * (pr / (qr - pr)));
        var exponent = Vector.ConvertToInt64(k);
        var half = Vector.ShiftRightArithmetic(exponent, 1);
        var first = Vector.AsVectorDouble(Vector.ShiftLeft(half + new Vector<long>(1023), 52));
        var second = Vector.AsVectorDouble(Vector.ShiftLeft(exponent - half + new Vector<long>(1023), 52));
        var result = er * first * second;
        result = Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<double>(709.782712893384)), new Vector<double>(double.PositiveInfinity), result);
        result = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<double>(-745.2)), Vector<double>.Zero, result);
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
    }

    // Cephes log: x = m·2^e with m in [√½, √2) (subnormals scaled by 2^52 first), ln m = f − f²/2 + f³·P(f)/Q(f) with
    // f = m − 1, plus e·ln 2 in two parts; then the special values: 0 → −∞, negative → NaN, +∞ and NaN kept.
    private static Vector<double> Log(Vector<double> x)
    {
        var subnormal = Vector.LessThan(x, new Vector<double>(2.2250738585072014E-308));
        var bits = Vector.AsVectorInt64(Vector.ConditionalSelect(subnormal, x * new Vector<double>(4503599627370496.0), x));
        var e = Vector.ShiftRightLogical(bits, 52) - new Vector<long>(1022);
        e = Vector.ConditionalSelect(Vector.AsVectorInt64(subnormal), e - new Vector<long>(52), e);
        var m = Vector.AsVectorDouble((bits & new Vector<long>(0x000FFFFFFFFFFFFFL)) | new Vector<long>(0x3FE0000000000000L));
        var low = Vector.LessThan(m, new Vector<double>(0.70710678118654752440));
        e = Vector.ConditionalSelect(low, e - Vector<long>.One, e);
        var f = Vector.ConditionalSelect(Vector.AsVectorDouble(low), m + m, m) - Vector<double>.One;
        var z = f * f;
        var p = (new Vector<double>(1.01875663804580931796E-4) * f) + new Vector<double>(4.97494994976747001425E-1);
        p = (p * f) + new Vector<double>(4.70579119878881725854E0);
        p = (p * f) + new Vector<double>(1.44989225341610930846E1);
        p = (p * f) + new Vector<double>(1.79368678507819816313E1);
        p = (p * f) + new Vector<double>(7.70838733755885391666E0);
        var q = f + new Vector<double>(1.12873587189167450590E1);
        q = (q * f) + new Vector<double>(4.52279145837532221105E1);
        q = (q * f) + new Vector<double>(8.29875266912776603211E1);
        q = (q * f) + new Vector<double>(7.11544750618563894466E1);
        q = (q * f) + new Vector<double>(2.31251620126765340583E1);
        var exponent = Vector.ConvertToDouble(e);
        var y = f * (z * p / q);
        y -= exponent * new Vector<double>(2.121944400546905827679e-4);
        y -= z * new Vector<double>(0.5);
        var result = f + y + (exponent * new Vector<double>(0.693359375));
        result = Vector.ConditionalSelect(Vector.Equals(x, Vector<double>.Zero), new Vector<double>(double.NegativeInfinity), result);
        result = Vector.ConditionalSelect(Vector.LessThan(x, Vector<double>.Zero), new Vector<double>(double.NaN), result);
        result = Vector.ConditionalSelect(Vector.Equals(x, new Vector<double>(double.PositiveInfinity)), x, result);
        return Vector.ConditionalSelect(Vector.Equals(x, x), result, x);
    }
#else
    private static void Map(double[] a, int start, int length, Func<double, double> function)
    {
        if (length <= 0)
        {
            return;
        }

        CheckRun(a, start, length);
        for (var k = 0; k < length; k++)
        {
            a[start + k] = function(a[start + k]);
        }
    }
#endif
}
