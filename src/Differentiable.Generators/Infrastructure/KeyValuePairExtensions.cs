using System.Collections.Generic;

namespace Differentiable.Generators.Infrastructure;

/// <summary>netstandard2.0 lacks KeyValuePair deconstruction.</summary>
internal static class KeyValuePairExtensions
{
    public static void Deconstruct<TKey, TValue>(this KeyValuePair<TKey, TValue> pair, out TKey key, out TValue value)
    {
        key = pair.Key;
        value = pair.Value;
    }
}
