using System.Numerics;

namespace Differentiable.Tests.ControlFlow;

/// <summary>
/// Methods that overwrite a parameter. Its incoming value is a definition the body never reads again after the
/// assignment, so the reverse sweep must clear its adjoint there; before, a parameter assigned once kept what flowed into
/// the assigned value (x = y; return x·y gave ∂/∂x = y).
/// </summary>
public static partial class ReassignedParameterFunctions
{
    /// <summary>y².</summary>
    [Differentiate(Hessian = true)]
    public static double OverwrittenByTheOther(double x, double y)
    {
        x = y;
        return x * y;
    }

    /// <summary>3y: both parameters overwritten.</summary>
    [Differentiate]
    public static double BothOverwritten(double x, double y)
    {
        x = y;
        y = 3;
        return x * y;
    }

    /// <summary>2(x + y)².</summary>
    [Differentiate(Hessian = true)]
    public static double UpdatedThenOverwritten(double x, double y)
    {
        x += y;
        y = x * 2;
        return x * y;
    }

    /// <summary>y²·x: the parameters swapped.</summary>
    [Differentiate]
    public static double Swapped(double x, double y)
    {
        double t = x;
        x = y;
        y = t;
        return x * x * y;
    }

    /// <summary>y² where x &gt; ½, x·y elsewhere.</summary>
    [Differentiate]
    public static double OverwrittenInABranch(double x, double y)
    {
        if (x > 0.5)
        {
            x = y;
        }

        return x * y;
    }

    /// <summary>Y²: a component overwritten.</summary>
    [Differentiate]
    public static float ComponentOverwritten(Vector2 v)
    {
        v.X = v.Y;
        return v.X * v.Y;
    }

    private static double SquareOfSecond(double x, double y)
    {
        x = y;
        return x * y;
    }

    /// <summary>y² + x, the overwrite inside a helper differentiated through its body.</summary>
    [Differentiate]
    public static double ThroughAHelper(double x, double y) => SquareOfSecond(x, y) + x;

    /// <summary>(w₀·w₁, w₀): x overwritten by an element.</summary>
    [Differentiate]
    public static double[] ArrayValued(double x, double[] w)
    {
        x = w[0];
        var r = new double[2];
        r[0] = x * w[1];
        r[1] = x;
        return r;
    }
}
