using System;

namespace Differentiable.Tests.Calls;

/// <summary>a·b², by way of the bit pattern: nothing the generator can differentiate.</summary>
public static class OpaqueProduct
{
    public static double Of(double a, double b) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(a)) * b * b;
}

/// <summary>A rule for Of's second parameter only: its buffer db, named for b, is ∂/∂b.</summary>
public static class OpaqueProductRules
{
    [DerivativeOf(typeof(OpaqueProduct), nameof(OpaqueProduct.Of))]
    public static double OfGradient(double a, double b, out double db)
    {
        db = 2 * a * b;
        return a * b * b;
    }
}

public static partial class RuleBufferFunctions
{
    /// <summary>a·b², differentiated with respect to b only, with a rule of exactly its companion's signature.</summary>
    [Differentiate(nameof(b))]
    public static double OnlyB(double a, double b) => a * b * b;

    [DerivativeOf(nameof(OnlyB))]
    public static double OnlyBRule(double a, double b, out double db)
    {
        db = 2 * a * b;
        return a * b * b;
    }

    [Differentiate]
    public static double ThroughTheSecond(double x) => OpaqueProduct.Of(3.0, x) + OnlyB(2.0, x);
}

public sealed class RuleBufferTests
{
    // The rules' buffers were bound by type, in order: db was taken for ∂/∂a, so a call passing x as b would have had
    // a derivative of 0 through it, and one passing x as a (RuleBufferFunctions' own H2 and H3 in a helper's hunt) got
    // 2·a·b for a derivative of b². Now x as a is DIFF017 (the rules have no buffer for a), and x as b is right.
    [Fact]
    public void ABufferNamedForAParameterIsThatParametersDerivative()
    {
        foreach (var x in new[] { -1.5, 0.7, 2.0 })
        {
            var (value, dx) = RuleBufferFunctions.ThroughTheSecondGradient(x);
            Assert.Equal(RuleBufferFunctions.ThroughTheSecond(x), value);
            Near.Equal((2 * 3.0 * x) + (2 * 2.0 * x), dx, 14);
            Near.Equal(dx, RuleBufferFunctions.ThroughTheSecondJvp(x, 1.0).Tangent, 14);
        }
    }
}
