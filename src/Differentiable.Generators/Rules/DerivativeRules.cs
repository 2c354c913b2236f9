using System;
using System.Collections.Generic;
using Differentiable.Generators.Ir;
using static Differentiable.Generators.Rules.Build;

namespace Differentiable.Generators.Rules;

/// <summary>
/// Partial derivatives of the <c>System.Math</c> functions, shared by forward and reverse mode.
/// Conventions at non-differentiable points follow JAX: |x|′(0) = 1, ties in Max/Min split ½/½,
/// piecewise-constant functions (Floor, Ceiling, Round, Truncate, Sign) have derivative 0 everywhere.
/// </summary>
internal static class DerivativeRules
{
    private const double Ln2 = 0.69314718055994531;
    private const double Ln10 = 2.3025850929940459;

    /// <summary>
    /// ∂f/∂(argument <paramref name="k"/>) at <paramref name="u"/>, or null where it is identically zero.
    /// <paramref name="bind"/> stores a value needed twice in a temporary and returns the temporary.
    /// </summary>
    /// <param name="self">
    /// The call f(u) itself as the primal wrote it, for the partials that read f's own value (exp′ = exp, √′ = 1/(2√),
    /// tanh′ = 1 − tanh², ∛′ = 1/(3∛²)): where the primal's evaluation is in reach, the pass that evaluates a repeated
    /// call once then shares it instead of calling f again. Without it, f is called on <paramref name="u"/> (in double).
    /// </param>
    public static Expr? Partial(MathFunction function, IReadOnlyList<Expr> u, int k, Func<Expr, Expr> bind, Call? self = null)
    {
        Expr Self() => self ?? Call(function, System.Linq.Enumerable.ToArray(u));
        var x = u[0];
        switch (function)
        {
            case MathFunction.Sin:
                return Call(MathFunction.Cos, x);
            case MathFunction.Cos:
                return Neg(Call(MathFunction.Sin, x));
            case MathFunction.Tan:
                var cos = bind(Call(MathFunction.Cos, x));
                return Div(Constant.One, Mul(cos, cos));
            case MathFunction.Asin:
                return Div(Constant.One, Call(MathFunction.Sqrt, Sub(Constant.One, Mul(x, x))));
            case MathFunction.Acos:
                return Neg(Div(Constant.One, Call(MathFunction.Sqrt, Sub(Constant.One, Mul(x, x)))));
            case MathFunction.Atan:
                return Div(Constant.One, Add(Constant.One, Mul(x, x)));
            case MathFunction.Atan2:
                // atan2(y, x): ∂y = x/(x² + y²), ∂x = −y/(x² + y²), without the squares, which overflow or underflow past
                // 1e±154: with the smaller over the larger, t = y/x (|x| ≥ |y|), x/(x² + y²) = 1/(x + y·t) and
                // y/(x² + y²) = t/(x + y·t). Both arms are the same smooth function, so second derivatives through the
                // choice are right (1/(x + y·(y/x)) alone has y/x² in its own derivative: ∞·0 on the axis x = 0).
                var y = u[0];
                var xx = u[1];
                var xLarger = Compare(BinaryOperator.GreaterOrEqual, Call(MathFunction.Abs, xx), Call(MathFunction.Abs, y));
                var overX = Add(xx, Mul(y, Div(y, xx)));
                var overY = Add(y, Mul(xx, Div(xx, y)));
                return k == 0
                    ? If(xLarger, Div(Constant.One, overX), Div(Div(xx, y), overY))
                    : Neg(If(xLarger, Div(Div(y, xx), overX), Div(Constant.One, overY)));
            case MathFunction.Sinh:
                return Call(MathFunction.Cosh, x);
            case MathFunction.Cosh:
                return Call(MathFunction.Sinh, x);
            case MathFunction.Tanh:
                // In double even for MathF.Tanh: 1 − t² cancels where t → ±1, and a float t leaves 1 − t² a multiple of 2⁻²⁴.
                var tanh = bind(self is { Single: false } ? self : Call(MathFunction.Tanh, x));
                return Sub(Constant.One, Mul(tanh, tanh));
            case MathFunction.Asinh:
                // Past 2²⁷, √(x² ± 1) is |x| to double precision, and x² overflows past 1.3e154.
                return If(Compare(BinaryOperator.Greater, Call(MathFunction.Abs, x), Constant.Of(134217728.0)), Div(Constant.One, Call(MathFunction.Abs, x)), Div(Constant.One, Call(MathFunction.Sqrt, Add(Mul(x, x), Constant.One))));
            case MathFunction.Acosh:
                return If(Compare(BinaryOperator.Greater, x, Constant.Of(134217728.0)), Div(Constant.One, x), Div(Constant.One, Call(MathFunction.Sqrt, Sub(Mul(x, x), Constant.One))));
            case MathFunction.Atanh:
                return Div(Constant.One, Sub(Constant.One, Mul(x, x)));
            case MathFunction.Exp:
                return Self();
            case MathFunction.ExpM1:
                // exp(u) itself, not the value + 1, which cancels for u < 0 (relative error 1e-3 at u = −30, and 0 from
                // u ≈ −37.4 on, where exp(u) is 5e-17: a reviewer's note).
                return Call(MathFunction.Exp, x);
            case MathFunction.Log when u.Count == 2:
                // log_b(x) = ln x / ln b
                var lnB = bind(Call(MathFunction.Log, u[1]));
                return k == 0
                    ? Div(Constant.One, Mul(x, lnB))
                    : Neg(Div(Call(MathFunction.Log, x), Mul(u[1], Mul(lnB, lnB))));
            case MathFunction.Log:
                return Div(Constant.One, x);
            case MathFunction.LogP1:
                return Div(Constant.One, Add(x, Constant.One));
            case MathFunction.Log2:
                return Div(Constant.One, Mul(x, Constant.Of(Ln2)));
            case MathFunction.Log10:
                return Div(Constant.One, Mul(x, Constant.Of(Ln10)));
            case MathFunction.Sqrt:
                return Div(Constant.Of(0.5), Self());
            case MathFunction.Cbrt:
                var cbrt = bind(Self());
                return Div(Constant.One, Mul(Constant.Of(3.0), Mul(cbrt, cbrt)));
            case MathFunction.Hypot:
                // ∂ √(x² + y²) = x/h, y/h, from the value (no squares to overflow); 0 at the origin, the subgradient of
                // least norm (PyTorch's norm takes the same), where x/h would be 0/0.
                var hypot = bind(Self());
                return If(Compare(BinaryOperator.Equal, hypot, Constant.Zero), Constant.Zero, Div(u[k], hypot));
            case MathFunction.CopySign:
                // |x| with y's sign: sign(x)·sign(y) in x (1 for x = 0, as |x|′), 0 in y (it moves only the sign bit).
                return k == 0
                    ? If(Compare(BinaryOperator.GreaterOrEqual, x, Constant.Zero), Call(MathFunction.CopySign, Constant.One, u[1]), Neg(Call(MathFunction.CopySign, Constant.One, u[1])))
                    : null;
            case MathFunction.Pow:
                return k == 0 ? PowerBase(x, u[1]) : PowerExponent(x, u[1]);
            case MathFunction.Abs:
                return If(Compare(BinaryOperator.GreaterOrEqual, x, Constant.Zero), Constant.One, Constant.Of(-1.0));
            case MathFunction.Max:
                return Selector(k == 0 ? u[0] : u[1], k == 0 ? u[1] : u[0], BinaryOperator.Greater);
            case MathFunction.Min:
                return Selector(k == 0 ? u[0] : u[1], k == 0 ? u[1] : u[0], BinaryOperator.Less);
            case MathFunction.FusedMultiplyAdd:
                return k switch { 0 => u[1], 1 => u[0], _ => Constant.One };
            default:
                return null; // Floor, Ceiling, Round, Truncate, Sign: piecewise constant.
        }
    }

    /// <summary>
    /// The functions whose derivative is written with their value alone: given <c>self</c>, the partial reads no bound
    /// argument (a <c>MathF.Tanh</c>'s calls <c>Math.Tanh</c> on the argument as written, once).
    /// </summary>
    public static bool DerivativeReadsOnlyValue(MathFunction function) =>
        function is MathFunction.Exp or MathFunction.Sqrt or MathFunction.Tanh or MathFunction.Cbrt;

    /// <summary>
    /// ∂/∂x xʸ = y·xʸ⁻¹, folded for constant exponents; 0 at x = y = 0, where it would be 0·∞. Guarded there only, so
    /// that its derivative in y at y = 0 is x⁻¹, as that of ∂/∂y xʸ = xʸ·ln x in x (a Hessian's mixed entry either way).
    /// </summary>
    private static Expr PowerBase(Expr x, Expr y)
    {
        if (y is Constant c)
        {
            return c.Value switch
            {
                0.0 => Constant.Zero,
                1.0 => Constant.One,
                2.0 => Mul(Constant.Of(2.0), x),
                _ => Mul(Constant.Of(c.Value), Call(MathFunction.Pow, x, Constant.Of(c.Value - 1.0))),
            };
        }

        return If(
            Compare(BinaryOperator.And, Compare(BinaryOperator.Equal, y, Constant.Zero), Compare(BinaryOperator.Equal, x, Constant.Zero)),
            Constant.Zero,
            Mul(y, Call(MathFunction.Pow, x, Sub(y, Constant.One))));
    }

    /// <summary>∂/∂y xʸ = xʸ·ln x (0 where x = 0, as JAX).</summary>
    private static Expr PowerExponent(Expr x, Expr y) =>
        If(Compare(BinaryOperator.Equal, x, Constant.Zero), Constant.Zero, Mul(Call(MathFunction.Pow, x, y), Call(MathFunction.Log, x)));

    /// <summary>1 where this argument wins, ½ on a tie, 0 where the other wins.</summary>
    // Max(a, a) is always a tie: ½ without the comparisons a > a and a == a (CS1718 in the generated code).
    private static Expr Selector(Expr self, Expr other, BinaryOperator wins) => self.Equals(other)
        ? Constant.Of(0.5)
        : If(Compare(wins, self, other), Constant.One, If(Compare(BinaryOperator.Equal, self, other), Constant.Of(0.5), Constant.Zero));

    /// <summary>The rule in math notation, for the comment above generated code.</summary>
    public static string? RuleText(MathFunction function, int arity) => function switch
    {
        MathFunction.Sin => "∂/∂u sin(u) = cos(u)",
        MathFunction.Cos => "∂/∂u cos(u) = −sin(u)",
        MathFunction.Tan => "∂/∂u tan(u) = 1/cos²(u)",
        MathFunction.Asin => "∂/∂u asin(u) = 1/√(1 − u²)",
        MathFunction.Acos => "∂/∂u acos(u) = −1/√(1 − u²)",
        MathFunction.Atan => "∂/∂u atan(u) = 1/(1 + u²)",
        MathFunction.Atan2 => "∂ atan2(y, x) = (x·dy − y·dx)/(x² + y²)",
        MathFunction.Sinh => "∂/∂u sinh(u) = cosh(u)",
        MathFunction.Cosh => "∂/∂u cosh(u) = sinh(u)",
        MathFunction.Tanh => "∂/∂u tanh(u) = 1 − tanh²(u)",
        MathFunction.Asinh => "∂/∂u asinh(u) = 1/√(u² + 1)",
        MathFunction.Acosh => "∂/∂u acosh(u) = 1/√(u² − 1)",
        MathFunction.Atanh => "∂/∂u atanh(u) = 1/(1 − u²)",
        MathFunction.Exp => "∂/∂u exp(u) = exp(u)",
        MathFunction.ExpM1 => "∂/∂u (exp(u) − 1) = exp(u)",
        MathFunction.LogP1 => "∂/∂u ln(1 + u) = 1/(1 + u)",
        MathFunction.Hypot => "∂ √(x² + y²) = (x·dx + y·dy)/√(x² + y²), 0 at the origin",
        MathFunction.CopySign => "∂ copysign(x, y) = sign(x)·sign(y)·dx",
        MathFunction.Log when arity == 2 => "∂ log_b(u) = du/(u·ln b) − ln(u)·db/(b·ln²b)",
        MathFunction.Log => "∂/∂u ln(u) = 1/u",
        MathFunction.Log2 => "∂/∂u log₂(u) = 1/(u·ln 2)",
        MathFunction.Log10 => "∂/∂u log₁₀(u) = 1/(u·ln 10)",
        MathFunction.Sqrt => "∂/∂u √u = 1/(2√u)",
        MathFunction.Cbrt => "∂/∂u ∛u = 1/(3∛u²)",
        MathFunction.Pow => "∂ uᵛ = v·uᵛ⁻¹·du + uᵛ·ln(u)·dv",
        MathFunction.Abs => "∂/∂u |u| = sign(u), 1 at u = 0",
        MathFunction.Max => "∂ max(a, b): 1 to the larger argument, ½ each on a tie",
        MathFunction.Min => "∂ min(a, b): 1 to the smaller argument, ½ each on a tie",
        MathFunction.FusedMultiplyAdd => "∂ (a·b + c) = b·da + a·db + dc",
        MathFunction.Floor or MathFunction.Ceiling or MathFunction.Round or MathFunction.Truncate or MathFunction.Sign =>
            $"∂/∂u {function.ToString().ToLowerInvariant()}(u) = 0 (piecewise constant)",
        _ => null,
    };
}
