using System;

namespace Differentiable;

/// <summary>
/// Declares a user-written derivative rule. The attributed method's signature must be exactly the companion the
/// generator would emit for the target (<c>{F}Gradient</c> with caller buffers for a scalar-valued <c>F</c>,
/// <c>{F}Vjp</c> for an array-valued one). Wherever a <see cref="DifferentiateAttribute"/> method calls the target,
/// the generator calls this rule instead of differentiating the target's body.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class DerivativeOfAttribute : Attribute
{
    /// <summary>A rule for the method <paramref name="methodName"/> of the containing type.</summary>
    public DerivativeOfAttribute(string methodName)
    {
        MethodName = methodName;
    }

    /// <summary>A rule for the method <paramref name="methodName"/> of <paramref name="declaringType"/>.</summary>
    public DerivativeOfAttribute(Type declaringType, string methodName)
    {
        DeclaringType = declaringType;
        MethodName = methodName;
    }

    /// <summary>The type that declares the target method, or <see langword="null"/> for the rule's own type.</summary>
    public Type? DeclaringType { get; }

    /// <summary>The name of the target method.</summary>
    public string MethodName { get; }
}
