using Differentiable.Generators.Infrastructure;

namespace Differentiable.Generators.Ir;

/// <summary>An IR statement. Statements stay structured, as in the source, so loops can be reversed and unrolled.</summary>
internal abstract record Stmt;

/// <summary>A local declaration, optionally initialized.</summary>
internal sealed record Declare(string Name, IrType Type, Expr? Initializer) : Stmt;

/// <summary><c>target = value</c>; the target is a <see cref="Variable"/> or an <see cref="ElementAccess"/>.</summary>
internal sealed record Assign(Expr Target, Expr Value) : Stmt;

/// <summary>
/// A counted loop over the half-open range [Lower, Upper): ascending <c>for (int v = Lower; v &lt; Upper; v++)</c>,
/// or descending <c>for (int v = Upper - 1; v &gt;= Lower; v--)</c>.
/// </summary>
internal sealed record For(string Variable, Expr Lower, Expr Upper, bool Descending, Block Body) : Stmt;

internal sealed record If(Expr Condition, Block Then, Block? Else) : Stmt;

/// <summary>A loop whose trip count is known only when it runs; reverse mode records the count.</summary>
/// <param name="Step">Parser only: what a general for loop runs after each iteration, even one left by continue.</param>
internal sealed record While(Expr Condition, Block Body, Block? Step = null) : Stmt;

/// <summary>Parser only: removed by <c>ControlFlowLowering</c> before any transformation sees the body.</summary>
internal sealed record Break : Stmt;

/// <summary>Parser only: removed by <c>ControlFlowLowering</c>.</summary>
internal sealed record Continue : Stmt;

internal sealed record Return(Expr Value) : Stmt;

internal sealed record Block(EquatableArray<Stmt> Statements) : Stmt
{
    public static readonly Block Empty = new(EquatableArray<Stmt>.Empty);
}

/// <summary>Generated code only: a comment line.</summary>
internal sealed record Comment(string Text) : Stmt;

/// <summary>Generated code only: save a value on the tape.</summary>
internal sealed record TapePush(IrType Type, Expr Value) : Stmt;

/// <summary>Generated code only: an expression evaluated for its effect (a kernel call).</summary>
internal sealed record Evaluate(Expr Expression) : Stmt;

/// <summary>Generated code only: an expression whose value is returned as-is (a raw tuple or call in C#).</summary>
/// <param name="Reads">
/// When given, what the code touches: it reads these names (their values, or an array's reference and lengths, never
/// elements), writes nothing, and may throw (an argument check). When default, the code is opaque to every pass.
/// </param>
internal sealed record Verbatim(string Code, EquatableArray<string> Reads = default) : Stmt;
