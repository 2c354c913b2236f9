using Differentiable.Generators.Infrastructure;

namespace Differentiable.Generators.Ir;

/// <summary>An IR expression: immutable, value-equatable, free of Roslyn types.</summary>
internal abstract record Expr;

/// <summary>A literal or a compile-time constant (a <c>const</c> local or field, <c>Math.PI</c>).</summary>
internal sealed record Constant(double Value, IrType Type) : Expr
{
    public static readonly Constant Zero = new(0.0, IrType.Double);
    public static readonly Constant One = new(1.0, IrType.Double);

    public static Constant Of(double value) => new(value, IrType.Double);

    public static Constant Int(int value) => new(value, IrType.Int32);

    /// <summary>
    /// Equal by bits, not by <see cref="double.Equals(double)"/>: 0.0 and −0.0 are two values here (1/0.0 and 1/−0.0
    /// differ), and every pass that matches expressions by value (shared calls, a block's arguments) must keep them
    /// apart (found by a review: tanh(1/(0.0·x)) − tanh(1/(−0.0·x)) came out 0).
    /// </summary>
    public bool Equals(Constant? other) =>
        other is not null && Type == other.Type && System.BitConverter.DoubleToInt64Bits(Value) == System.BitConverter.DoubleToInt64Bits(other.Value);

    public override int GetHashCode() => (System.BitConverter.DoubleToInt64Bits(Value).GetHashCode() * 31) + (int)Type;
}

/// <summary>A parameter or local (scalar or array reference).</summary>
internal sealed record Variable(string Name) : Expr;

/// <summary>An array element, <c>a[i]</c> or <c>a[i, j]</c>; indices are kept symbolic (index notation).</summary>
internal sealed record ElementAccess(string Array, EquatableArray<Expr> Indices) : Expr;

/// <summary><c>a.Length</c> (Dimension −1) or <c>a.GetLength(d)</c>.</summary>
internal sealed record ArrayLength(string Array, int Dimension) : Expr;

internal enum UnaryOperator
{
    Negate,
    Not,
}

internal sealed record Unary(UnaryOperator Operator, Expr Operand) : Expr;

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

internal sealed record Binary(BinaryOperator Operator, Expr Left, Expr Right) : Expr;

/// <summary>A call to a function with a built-in derivative rule.</summary>
/// <param name="Single">A <c>MathF</c> call, computed in float.</param>
internal sealed record Call(MathFunction Function, EquatableArray<Expr> Arguments, bool Single = false) : Expr;

internal sealed record Conditional(Expr Condition, Expr WhenTrue, Expr WhenFalse) : Expr;

/// <summary>An explicit numeric conversion, <c>(int)x</c> or <c>(double)n</c>.</summary>
internal sealed record Convert(IrType Type, Expr Operand) : Expr;

/// <summary><c>new double[n]</c> or <c>new double[n, m]</c>, zero-filled.</summary>
internal sealed record NewArray(IrType Type, EquatableArray<Expr> Dimensions) : Expr;

/// <summary>Generated code only: the last value saved on the tape.</summary>
internal sealed record TapePop(IrType Type) : Expr;

/// <summary>Generated code only: a tuple, <c>(a, b, …)</c>.</summary>
internal sealed record Tuple(EquatableArray<Expr> Elements) : Expr;

/// <summary>
/// A call to a user method, differentiated through its derivative companion or a [DerivativeOf] rule
/// (resolved at emit time, when all rules of the compilation are known).
/// </summary>
internal sealed record UserCall(Callee Callee, EquatableArray<Expr> Arguments) : Expr;

/// <param name="Key">Identity of the called method: its qualified name with parameter types.</param>
/// <param name="Invocation">The fully qualified name to call it by.</param>
/// <param name="Differentiated">Per parameter, whether the callee's own [Differentiate] companion differentiates it; empty when the callee has no [Differentiate].</param>
/// <param name="BuiltIn">A System.Math method the generator expands itself unless a [DerivativeOf] rule replaces it (<see cref="Calls.BuiltInCalls"/>).</param>
/// <param name="Needs">For a callee differentiated through its body: the calls in it that only a [DerivativeOf] rule can differentiate.</param>
/// <param name="Unresolved">For a callee with no companion: why, and the fix, for DIFF007 if no rule turns up either.</param>
/// <param name="ParameterNames">The callee's parameter names, for messages (DIFF017 names the one to add).</param>
internal sealed record Callee(
    string Key,
    string Invocation,
    string Display,
    EquatableArray<IrType> ParameterTypes,
    EquatableArray<bool> Differentiated,
    Diagnostics.LocationInfo Location,
    Diagnostics.LocationInfo? Declaration,
    string? BuiltIn = null,
    EquatableArray<CallNeed> Needs = default,
    string? Unresolved = null,
    EquatableArray<string> ParameterNames = default);

/// <summary>A call inside a helper's body that only a [DerivativeOf] rule can differentiate, and why (for DIFF007).</summary>
/// <param name="Within">The helper whose body makes the call, when it is one the first helper calls in turn.</param>
/// <param name="CallerType">The fully qualified type of the helper that makes the call, where its companion is
/// generated: the rule must be visible there.</param>
internal sealed record CallNeed(string Key, string Display, string Why, string? Within = null, string CallerType = "");

/// <summary>
/// Generated code only: a call by name, with an optional member read from its result (<c>.Tangent</c>). A name that
/// starts with a dot is an instance method of the first argument (<c>v.CopyTo(a, k)</c>), which walks then see as read.
/// </summary>
internal sealed record Invoke(string Method, EquatableArray<Expr> Arguments, string? Member = null) : Expr;

/// <summary>Generated code only: an <c>out</c> argument.</summary>
internal sealed record OutArgument(string Name) : Expr;
