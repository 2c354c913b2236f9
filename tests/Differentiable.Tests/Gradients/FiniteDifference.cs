using System;
using System.Globalization;
using Xunit.Sdk;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Shape-generic helpers over the differentiable parameter kinds (<c>double</c>, <c>double[]</c>, <c>double[,]</c>):
/// a parameter is an <see cref="object"/>, its elements are numbered 0 … Count − 1 (row-major for matrices).
/// </summary>
internal static class FiniteDifference
{
    /// <summary>Base step; the step for an element x is <c>BaseStep · max(1, |x|)</c>.</summary>
    public const double BaseStep = 1e-6;

    /// <summary>|fd − g| ≤ RelativeTolerance · max(1, |fd|, |g|).</summary>
    public const double RelativeTolerance = 1e-6;

    public static int Count(object parameter) => parameter switch
    {
        double => 1,
        double[] vector => vector.Length,
        double[,] matrix => matrix.Length,
        _ => throw new ArgumentException($"Not a differentiable parameter: {parameter?.GetType().Name ?? "null"}.", nameof(parameter)),
    };

    public static double Get(object parameter, int element) => parameter switch
    {
        double scalar => element == 0 ? scalar : throw new ArgumentOutOfRangeException(nameof(element)),
        double[] vector => vector[element],
        double[,] matrix => matrix[element / matrix.GetLength(1), element % matrix.GetLength(1)],
        _ => throw new ArgumentException($"Not a differentiable parameter: {parameter?.GetType().Name ?? "null"}.", nameof(parameter)),
    };

    /// <summary>Sets one element: arrays are changed in place and returned; a scalar comes back as the new value.</summary>
    public static object Set(object parameter, int element, double value)
    {
        switch (parameter)
        {
            case double:
                return element == 0 ? value : throw new ArgumentOutOfRangeException(nameof(element));
            case double[] vector:
                vector[element] = value;
                return vector;
            case double[,] matrix:
                matrix[element / matrix.GetLength(1), element % matrix.GetLength(1)] = value;
                return matrix;
            default:
                throw new ArgumentException($"Not a differentiable parameter: {parameter?.GetType().Name ?? "null"}.", nameof(parameter));
        }
    }

    /// <summary>
    /// Central difference (f(x + h) − f(x − h)) / (2h) of <paramref name="f"/> with respect to element
    /// <paramref name="element"/> of parameter <paramref name="parameter"/>; <paramref name="args"/> is restored afterwards.
    /// </summary>
    public static double Central(Func<object[], double> f, object[] args, int parameter, int element)
    {
        object original = args[parameter];
        double x = Get(original, element);
        double h = BaseStep * Math.Max(1.0, Math.Abs(x));
        double xPlus = x + h;
        double xMinus = x - h;
        try
        {
            args[parameter] = Set(original, element, xPlus);
            double fPlus = f(args);
            args[parameter] = Set(original, element, xMinus);
            double fMinus = f(args);
            return (fPlus - fMinus) / (xPlus - xMinus);
        }
        finally
        {
            args[parameter] = Set(original, element, x);
        }
    }

    /// <summary>
    /// Asserts that <paramref name="value"/> is f(args) (up to summation order, see <see cref="Values"/>) and that every element of every gradient component agrees
    /// with a central difference. <paramref name="gradient"/> lines up with <paramref name="args"/>; null marks a
    /// parameter that is not differentiated (an int, or one left out of <c>withRespectTo</c>).
    /// </summary>
    public static void AssertGradient(string function, Func<object[], double> f, object[] args, double value, params object?[] gradient)
    {
        if (gradient.Length != args.Length)
        {
            throw new ArgumentException("One gradient entry (or null) per argument.", nameof(gradient));
        }

        double expected = f(args);
        if (!Values.Agree(expected, value))
        {
            throw new XunitException($"{function}: gradient companion returned value {Format(value)}, the function returns {Format(expected)}.");
        }

        for (int p = 0; p < args.Length; p++)
        {
            if (gradient[p] is not { } component)
            {
                continue;
            }

            AssertSameShape(function, p, args[p], component);
            int count = Count(args[p]);
            for (int e = 0; e < count; e++)
            {
                double fd = Central(f, args, p, e);
                double g = Get(component, e);
                double scale = Math.Max(1.0, Math.Max(Math.Abs(fd), Math.Abs(g)));
                if (!(Math.Abs(fd - g) <= RelativeTolerance * scale))
                {
                    throw new XunitException(
                        $"{function}: ∂f/∂(parameter {p}, element {e}) is {Format(g)}, central difference gives {Format(fd)} " +
                        $"(|difference| = {Format(Math.Abs(fd - g))}, allowed {Format(RelativeTolerance * scale)}).");
                }
            }
        }
    }

    /// <summary>Σ gradient·direction over the given (gradient, direction) pairs, and Σ |gradient·direction| as a scale.</summary>
    public static (double Dot, double Scale) Dot(params (object Gradient, object Direction)[] pairs)
    {
        double dot = 0.0;
        double scale = 0.0;
        foreach (var (g, v) in pairs)
        {
            int count = Count(g);
            if (count != Count(v))
            {
                throw new ArgumentException("Gradient and direction differ in shape.", nameof(pairs));
            }

            for (int e = 0; e < count; e++)
            {
                double term = Get(g, e) * Get(v, e);
                dot += term;
                scale += Math.Abs(term);
            }
        }

        return (dot, scale);
    }

    /// <summary>|actual − expected| ≤ relative · max(1, |expected|), element by element, with a readable failure.</summary>
    public static void AssertClose(string what, object expected, object actual, double relative)
    {
        AssertSameShape(what, 0, expected, actual);
        int count = Count(expected);
        for (int e = 0; e < count; e++)
        {
            double x = Get(expected, e);
            double y = Get(actual, e);
            if (!(Math.Abs(x - y) <= relative * Math.Max(1.0, Math.Abs(x))))
            {
                throw new XunitException($"{what}: element {e} is {Format(y)}, expected {Format(x)}.");
            }
        }
    }

    /// <summary>
    /// The row-major element number (as <see cref="Get"/> and <see cref="Set"/> count) of the element at column-major
    /// vec index <paramref name="vecIndex"/>: for an m×n matrix, X[i, j] sits at vec index i + j·m.
    /// </summary>
    public static int ElementOfVec(object parameter, int vecIndex) => parameter is double[,] matrix
        ? ((vecIndex % matrix.GetLength(0)) * matrix.GetLength(1)) + (vecIndex / matrix.GetLength(0))
        : vecIndex;

    /// <summary>The element at column-major vec index <paramref name="vecIndex"/>.</summary>
    public static double GetVec(object parameter, int vecIndex) => Get(parameter, ElementOfVec(parameter, vecIndex));

    /// <summary>vec(<paramref name="value"/>): its elements in column-major order, in a new array.</summary>
    public static double[] Vec(object value)
    {
        var vec = new double[Count(value)];
        for (int k = 0; k < vec.Length; k++)
        {
            vec[k] = GetVec(value, k);
        }

        return vec;
    }

    /// <summary>
    /// The Jacobian ∂vec(f)/∂vec(args[parameter]) of an array-valued (or scalar-valued) <paramref name="f"/> by
    /// central differences, one column per input element in column-major vec order; <paramref name="args"/> is
    /// restored afterwards.
    /// </summary>
    public static double[,] CentralJacobian(Func<object[], object> f, object[] args, int parameter)
    {
        int rows = Count(f(args));
        int columns = Count(args[parameter]);
        var jacobian = new double[rows, columns];
        for (int c = 0; c < columns; c++)
        {
            object original = args[parameter];
            int element = ElementOfVec(original, c);
            double x = Get(original, element);
            double h = BaseStep * Math.Max(1.0, Math.Abs(x));
            double xPlus = x + h;
            double xMinus = x - h;
            try
            {
                args[parameter] = Set(original, element, xPlus);
                double[] plus = Vec(f(args));
                args[parameter] = Set(original, element, xMinus);
                double[] minus = Vec(f(args));
                for (int r = 0; r < rows; r++)
                {
                    jacobian[r, c] = (plus[r] - minus[r]) / (xPlus - xMinus);
                }
            }
            finally
            {
                args[parameter] = Set(original, element, x);
            }
        }

        return jacobian;
    }

    private static void AssertSameShape(string function, int parameter, object argument, object gradient)
    {
        bool same = (argument, gradient) switch
        {
            (double, double) => true,
            (double[] a, double[] g) => a.Length == g.Length,
            (double[,] a, double[,] g) => a.GetLength(0) == g.GetLength(0) && a.GetLength(1) == g.GetLength(1),
            _ => false,
        };
        if (!same)
        {
            throw new XunitException($"{function}: gradient of parameter {parameter} does not have the parameter's shape.");
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
