using System;
using Xunit.Sdk;

namespace Differentiable.Tests;

/// <summary>Closeness to a number of significant decimal digits, scaled by the magnitude.</summary>
/// <remarks>
/// xUnit's <c>Assert.Equal(expected, actual, precision)</c> rounds both sides and compares the rounded values, so two
/// numbers one ulp apart fail whenever they straddle a rounding boundary (13.562501398549998 against …999 at ten
/// places failed CI). This compares the difference instead: |expected − actual| ≤ 10^−digits · max(1, |expected|).
/// </remarks>
internal static class Near
{
    public static void Equal(double expected, double actual, int digits)
    {
        var tolerance = Math.Pow(10, -digits) * Math.Max(1.0, Math.Abs(expected));
        if (expected.Equals(actual) || Math.Abs(expected - actual) <= tolerance)
        {
            return;
        }

        throw new XunitException(
            $"Values differ by more than {tolerance:R} (10^-{digits} scaled by max(1, |expected|)).\nExpected: {expected:R}\nActual:   {actual:R}");
    }
}
