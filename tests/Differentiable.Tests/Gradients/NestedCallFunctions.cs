using System;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// Straight-line code with exp, √, tanh and ∛ nested inside larger expressions: their derivatives read the value the
/// primal computed (exp′ = exp, √′ = 1/(2√), tanh′ = 1 − tanh², ∛′ = 1/(3∛²)), in double and in float.
/// </summary>
public static partial class NestedCallFunctions
{
    [Differentiate]
    public static double Nested(double x, double y)
    {
        double r = Math.Sqrt(x * x + y * y + 1.0) - 1.0;
        return Math.Exp(-r * r) * Math.Tanh(x * y) + Math.Cbrt(x + 2.0) * r;
    }

    [Differentiate]
    public static float NestedSingle(float x, float y)
    {
        float r = MathF.Sqrt(x * x + y * y + 1f) - 1f;
        return MathF.Exp(-r * r) * MathF.Tanh(x * y) + MathF.Cbrt(x + 2f) * r;
    }

    /// <summary>A guard on an int division: the companions must not evaluate e^(x·(n / k)) where k = 0.</summary>
    [Differentiate(nameof(x))]
    public static double GuardedDivision(double x, int n, int k) => k != 0 ? Math.Exp(x * (n / k)) * Math.Exp(x * (n / k)) : x;

    /// <summary>The same guard on a statement and inside the returned expression.</summary>
    [Differentiate(nameof(x))]
    public static double GuardedStatements(double x, int n, int k)
    {
        double s = x;
        if (k != 0)
        {
            s = Math.Exp(x * (n / k));
        }

        return s * (k != 0 ? Math.Exp(x * (n / k)) : 1.0);
    }

    /// <summary>tanh′ = 1 − tanh² in float would cancel to a multiple of 2⁻²⁴ (or to 0) where tanh is near ±1.</summary>
    [Differentiate]
    public static float SaturatedTanh(float x) => MathF.Tanh(x) * 1f;

    /// <summary>The same tanh stored in a float local: the reverse must not read 1 − y² from the float y.</summary>
    [Differentiate]
    public static float SaturatedTanhLocal(float x)
    {
        float y = MathF.Tanh(x);
        return y * 1f;
    }
}
