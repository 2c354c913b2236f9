using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Differentiable.Benchmarks;

/// <summary>Quick or full sizes. <c>--quick</c> sets the variable, which the in-process and child runs both read.</summary>
public static class Mode
{
    /// <summary>Environment variable that selects the quick sizes ("1").</summary>
    public const string QuickVariable = "DIFFERENTIABLE_BENCHMARKS_QUICK";

    /// <summary>Whether this run uses the quick sizes.</summary>
    public static bool Quick => Environment.GetEnvironmentVariable(QuickVariable) == "1";

    /// <summary>The sizes of this mode.</summary>
    public static IEnumerable<T> Sizes<T>(T[] quick, T[] full) => Quick ? quick : full;
}

/// <summary>What a benchmark method measures, for the report's ratios and the charts.</summary>
public enum Role
{
    /// <summary>The function alone (the class's BenchmarkDotNet baseline).</summary>
    Function,

    /// <summary>The hand-written derivative: the target of its group.</summary>
    Target,

    /// <summary>A companion the generator emitted.</summary>
    Generated,

    /// <summary>MathNet.Numerics finite differences.</summary>
    FiniteDifferences,

    /// <summary>A floor, not a derivative: a copy moving the bytes the derivative must move at least.</summary>
    Bound,
}

/// <summary>The role of a benchmark method and the group (gradient, Hessian, VJP, …) whose target it is compared with.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RoleAttribute(Role role, string group = "derivative") : Attribute
{
    /// <summary>The role.</summary>
    public Role Role { get; } = role;

    /// <summary>Methods of one group are compared with that group's <see cref="Role.Target"/>.</summary>
    public string Group { get; } = group;
}

/// <summary>Runs the method only while the class's size parameter is at most the limit (O(d) or O(n²) baselines).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SizeLimitAttribute(string parameter, int quick, int full) : Attribute
{
    /// <summary>Name of the int parameter compared.</summary>
    public string Parameter { get; } = parameter;

    /// <summary>The limit in this mode.</summary>
    public int Limit => Mode.Quick ? quick : full;
}

/// <summary>Runs the method only at one value of the class's int parameter (cases that do not depend on it).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OnlyAtAttribute(string parameter, int value) : Attribute
{
    /// <summary>Name of the int parameter compared.</summary>
    public string Parameter { get; } = parameter;

    /// <summary>The one value at which the method runs.</summary>
    public int Value { get; } = value;
}

/// <summary>Deterministic problem data: every class draws from here, with the distributions of peers.py.</summary>
public static class BenchData
{
    /// <summary>A generator with a fixed seed, so every run and every process times the same numbers.</summary>
    public static Random Rng(int seed = 1) => new(seed);

    /// <summary>n values uniform in [−scale, scale].</summary>
    public static double[] Vector(Random rng, int n, double scale = 1.0)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = scale * (rng.NextDouble() * 2.0 - 1.0);
        }

        return v;
    }

    /// <summary>A rows×columns matrix uniform in [−scale, scale].</summary>
    public static double[,] Matrix(Random rng, int rows, int columns, double scale = 1.0)
    {
        var m = new double[rows, columns];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                m[i, j] = scale * (rng.NextDouble() * 2.0 - 1.0);
            }
        }

        return m;
    }

    /// <summary>Alternating 0/1 labels.</summary>
    public static double[] Labels(int n)
    {
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 2;
        }

        return y;
    }
}

/// <summary>
/// The check each class runs once in its global setup: the generated derivative must match the hand-written one, so a
/// benchmark never times wrong code. Relative to the largest magnitude of the expected values (max-norm).
/// </summary>
public static class Verify
{
    /// <summary>Generated against hand-written: both exact, so only rounding differs.</summary>
    public const double Exact = 1e-9;

    /// <summary>The same operations in the same order: bit for bit (−0 and +0 compare equal).</summary>
    public const double Identical = 0.0;

    /// <summary>float against float computed in another order, or against derivatives accumulated in double.</summary>
    public const double Float = 1e-5;

    /// <summary>Finite differences against exact: truncation and cancellation error.</summary>
    public const double FiniteDifferences = 1e-4;

    /// <summary>Throws unless |actual − expected| ≤ tolerance·max(1, |expected|).</summary>
    public static void Close(string what, double actual, double expected, double tolerance = Exact) =>
        Close(what, [actual], [expected], tolerance);

    /// <summary>Throws unless ‖actual − expected‖∞ ≤ tolerance·max(‖expected‖∞, 1e-300).</summary>
    public static void Close(string what, ReadOnlySpan<double> actual, ReadOnlySpan<double> expected, double tolerance = Exact)
    {
        if (actual.Length != expected.Length)
        {
            throw new InvalidOperationException($"{what}: {actual.Length} values, expected {expected.Length}.");
        }

        double scale = 1e-300;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }

        if (expected.Length == 1)
        {
            scale = Math.Max(scale, 1.0);
        }

        for (int i = 0; i < actual.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= tolerance * scale))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error / scale:E2} relative to {scale:E2}, tolerance {tolerance:E0})."));
            }
        }
    }

    /// <summary>Matrices element by element.</summary>
    public static void Close(string what, double[,] actual, double[,] expected, double tolerance = Exact)
    {
        if (actual.GetLength(0) != expected.GetLength(0) || actual.GetLength(1) != expected.GetLength(1))
        {
            throw new InvalidOperationException(
                $"{what}: shape {actual.GetLength(0)}×{actual.GetLength(1)}, expected {expected.GetLength(0)}×{expected.GetLength(1)}.");
        }

        Close(what, Flat(actual), Flat(expected), tolerance);
    }

    /// <summary>The components of a vector, widened.</summary>
    public static double[] Flat(Vector3 vector) => [vector.X, vector.Y, vector.Z];

    /// <summary>The elements of a matrix, row by row, widened.</summary>
    public static double[] Flat(Matrix4x4 m) =>
        [m.M11, m.M12, m.M13, m.M14, m.M21, m.M22, m.M23, m.M24, m.M31, m.M32, m.M33, m.M34, m.M41, m.M42, m.M43, m.M44];

    /// <summary>The elements of a matrix in memory (row-major) order.</summary>
    public static ReadOnlySpan<double> Flat(double[,] matrix) =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<byte, double>(ref MemoryMarshal.GetArrayDataReference(matrix)), matrix.Length);
}
