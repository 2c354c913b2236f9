using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Rules;

/// <summary>Smart constructors that fold the algebra of structural zeros and ones as derivative code is built.</summary>
internal static class Build
{
    public static bool IsZero(Expr e) => e is Constant { Value: 0.0 } c && c.Type != IrType.Boolean;

    public static bool IsOne(Expr e) => e is Constant { Value: 1.0 } c && c.Type != IrType.Boolean;

    public static Expr Neg(Expr e) => e switch
    {
        Constant { Type: IrType.Double } c => Constant.Of(-c.Value),
        Unary { Operator: UnaryOperator.Negate } u => u.Operand,
        _ => new Unary(UnaryOperator.Negate, e),
    };

    public static Expr Add(Expr a, Expr b)
    {
        if (IsZero(a))
        {
            return b;
        }

        if (IsZero(b))
        {
            return a;
        }

        return b is Unary { Operator: UnaryOperator.Negate } n ? new Binary(BinaryOperator.Subtract, a, n.Operand) : new Binary(BinaryOperator.Add, a, b);
    }

    public static Expr Sub(Expr a, Expr b)
    {
        if (IsZero(b))
        {
            return a;
        }

        return IsZero(a) ? Neg(b) : new Binary(BinaryOperator.Subtract, a, b);
    }

    public static Expr Mul(Expr a, Expr b)
    {
        if (IsZero(a) || IsZero(b))
        {
            return Constant.Zero;
        }

        if (IsOne(a))
        {
            return b;
        }

        if (IsOne(b))
        {
            return a;
        }

        if (a is Constant { Value: -1.0 })
        {
            return Neg(b);
        }

        if (a is Unary { Operator: UnaryOperator.Negate } na)
        {
            return Neg(Mul(na.Operand, b));
        }

        if (b is Unary { Operator: UnaryOperator.Negate } nb)
        {
            return Neg(Mul(a, nb.Operand));
        }

        return new Binary(BinaryOperator.Multiply, a, b);
    }

    public static Expr Div(Expr a, Expr b)
    {
        if (IsZero(a))
        {
            return Constant.Zero;
        }

        if (IsOne(b))
        {
            return a;
        }

        if (a is Unary { Operator: UnaryOperator.Negate } na)
        {
            return Neg(Div(na.Operand, b));
        }

        return new Binary(BinaryOperator.Divide, a, b);
    }

    /// <summary>
    /// factor·partial, written factor/g where the partial is ±1/g: one operation less, and 1/g overflows where g is
    /// subnormal though factor/g need not (∂(x·ln x) at x = 1e-310 came out +∞ for −712.8).
    /// </summary>
    /// <param name="partialFirst">Writes partial·factor otherwise (forward mode's f′(u)·du: the same product).</param>
    public static Expr MulPartial(Expr factor, Expr partial, bool partialFirst = false) => partial switch
    {
        Binary { Operator: BinaryOperator.Divide, Left: Constant { Value: 1.0, Type: IrType.Double } } reciprocal => Div(factor, reciprocal.Right),
        Unary { Operator: UnaryOperator.Negate, Operand: Binary { Operator: BinaryOperator.Divide, Left: Constant { Value: 1.0, Type: IrType.Double } } negated } => Neg(Div(factor, negated.Right)),
        _ => partialFirst ? Mul(partial, factor) : Mul(factor, partial),
    };

    public static Expr Call(MathFunction function, params Expr[] arguments) => new Call(function, EquatableArray.Create(arguments));

    public static Expr Compare(BinaryOperator op, Expr a, Expr b) => new Binary(op, a, b);

    public static Expr If(Expr condition, Expr whenTrue, Expr whenFalse) => new Conditional(condition, whenTrue, whenFalse);

    /// <summary>A value that can be repeated in generated code without recomputation.</summary>
    public static bool IsLeaf(Expr e) => e is Constant or Variable or Opaque || (e is Unary { Operator: UnaryOperator.Negate } u && u.Operand is Constant or Variable);

    /// <summary>A zero-filled array shaped like <paramref name="primal"/>: <c>new double[x.Length]</c> or <c>new double[W.GetLength(0), W.GetLength(1)]</c>.</summary>
    public static Expr NewLike(string primal, IrType type) => type == IrType.DoubleMatrix
        ? new NewArray(type, EquatableArray.Create<Expr>(new ArrayLength(primal, 0), new ArrayLength(primal, 1)))
        : new NewArray(type, EquatableArray.Create<Expr>(new ArrayLength(primal, -1)));

    /// <summary><c>target += value</c>, folding <c>+= -v</c> to <c>-= v</c> when printed.</summary>
    public static Stmt Accumulate(Expr target, Expr value) => new Assign(target, Add(target, value));
}
