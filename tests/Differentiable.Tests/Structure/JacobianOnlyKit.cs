using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace Differentiable.Tests.Structure;

/// <summary>
/// Holds <c>FJacobianOnly</c> to the Jacobians <c>FJacobian</c> returned beside the value, which the harnesses have
/// already held to central differences: the same structure, shape and entries. Where it skips the method's loops it
/// computes f′(u) from u instead of reading the value (tanh′ = 1 − y²), so entries agree to rounding, not bit for bit.
/// </summary>
internal static class JacobianOnlyKit
{
    private const double Tolerance = 1e-12;

    /// <summary>Finds <c>{method}JacobianOnly</c> in <paramref name="type"/> by the arguments' types and checks it.</summary>
    public static void AssertAgrees(Type type, string method, object[] args, Jacobian[] expected)
    {
        var types = args.Select(a => a.GetType()).ToArray();
        var companion = type.GetMethod(method + "JacobianOnly", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, null, types, null)
            ?? throw new XunitException($"{type.Name}.{method}JacobianOnly({string.Join(", ", types.Select(t => t.Name))}) was not generated.");
        object? result;
        try
        {
            result = companion.Invoke(null, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new XunitException($"{method}JacobianOnly threw where {method}Jacobian returned: {e.InnerException}");
        }

        var actual = result switch
        {
            Jacobian single => new[] { single },
            ITuple tuple => Enumerable.Range(0, tuple.Length).Select(k => (Jacobian)tuple[k]!).ToArray(),
            _ => throw new XunitException($"{method}JacobianOnly returned {result}."),
        };
        AssertAgrees(method, expected, actual);
    }

    public static void AssertAgrees(string method, Jacobian[] expected, Jacobian[] actual)
    {
        if (actual.Length != expected.Length)
        {
            throw new XunitException($"{method}JacobianOnly returned {actual.Length} Jacobians, {method}Jacobian {expected.Length}.");
        }

        for (int k = 0; k < expected.Length; k++)
        {
            string what = $"{method}JacobianOnly, Jacobian {k}";
            if (actual[k].Structure != expected[k].Structure || actual[k].OutputShape != expected[k].OutputShape || actual[k].InputShape != expected[k].InputShape)
            {
                throw new XunitException($"{what}: {actual[k]} ({actual[k].OutputShape} by {actual[k].InputShape}), with the value {expected[k]} ({expected[k].OutputShape} by {expected[k].InputShape}).");
            }

            double[,] want = expected[k].ToDense(), got = actual[k].ToDense();
            for (int r = 0; r < want.GetLength(0); r++)
            {
                for (int c = 0; c < want.GetLength(1); c++)
                {
                    if (!(Math.Abs(got[r, c] - want[r, c]) <= Tolerance * Math.Max(1.0, Math.Abs(want[r, c]))) && !(double.IsNaN(got[r, c]) && double.IsNaN(want[r, c])))
                    {
                        throw new XunitException($"{what}: entry [{r}, {c}] is {got[r, c]:R}, with the value {want[r, c]:R}.");
                    }
                }
            }
        }
    }
}
