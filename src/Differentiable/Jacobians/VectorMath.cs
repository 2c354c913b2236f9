using System;
using System.Buffers;

namespace Differentiable;

/// <summary>The few vector kernels the Jacobian products share.</summary>
internal static class VectorMath
{
    /// <summary>y += a·x over the length of <paramref name="y"/>.</summary>
    public static void AddScaled(Span<double> y, double a, ReadOnlySpan<double> x)
    {
        x = x.Slice(0, y.Length); // one bounds check up front lets the JIT drop the per-element ones
        for (int i = 0; i < y.Length; i++)
        {
            y[i] += a * x[i];
        }
    }

    /// <summary>y ∘= d, elementwise.</summary>
    public static void MultiplyElementwise(Span<double> y, ReadOnlySpan<double> d)
    {
        d = d.Slice(0, y.Length);
        for (int i = 0; i < y.Length; i++)
        {
            y[i] *= d[i];
        }
    }

    /// <summary>y += a·(d ∘ x).</summary>
    public static void AddScaledProduct(Span<double> y, double a, ReadOnlySpan<double> d, ReadOnlySpan<double> x)
    {
        d = d.Slice(0, y.Length);
        x = x.Slice(0, y.Length);
        for (int i = 0; i < y.Length; i++)
        {
            y[i] += a * d[i] * x[i];
        }
    }
}

/// <summary>Argument checks shared by the constructors.</summary>
internal static class Guard
{
    /// <summary>Returns <paramref name="value"/>, or throws if it is null; usable in constructor initialisers.</summary>
    public static T NotNull<T>(T? value, string parameterName)
        where T : class => value ?? throw new ArgumentNullException(parameterName);
}

/// <summary>
/// A zeroed scratch vector rented from <see cref="ArrayPool{T}.Shared"/>, so products that need a temporary
/// allocate nothing once the pool is warm. Dispose it (with <c>using</c>) to give the array back.
/// </summary>
internal ref struct PooledVector
{
    private double[]? array;

    public PooledVector(int length)
    {
        array = ArrayPool<double>.Shared.Rent(length);
        Span = array.AsSpan(0, length);
        Span.Clear();
    }

    public Span<double> Span { get; }

    public void Dispose()
    {
        if (array is not null)
        {
            ArrayPool<double>.Shared.Return(array);
            array = null;
        }
    }
}
