namespace Differentiable.Generators.Ir;

/// <summary>
/// The math functions the generator knows a derivative for: <c>System.Math</c>'s (and <c>MathF</c>'s), and generic
/// math's that only <c>double</c> and <c>float</c> have (<see cref="ExpM1"/>, <see cref="LogP1"/>, <see cref="Hypot"/>).
/// </summary>
internal enum MathFunction
{
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Exp,
    ExpM1,
    Log,
    LogP1,
    Log2,
    Log10,
    Sqrt,
    Cbrt,
    Hypot,
    Pow,
    Abs,
    Max,
    Min,
    FusedMultiplyAdd,
    CopySign,
    Floor,
    Ceiling,
    Round,
    Truncate,
    Sign,
}
