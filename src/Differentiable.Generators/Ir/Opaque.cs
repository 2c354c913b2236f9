namespace Differentiable.Generators.Ir;

/// <summary>
/// A value read from outside the method (a static field), printed as written. It never depends on the
/// differentiated parameters, so it is never active.
/// </summary>
internal sealed record Opaque(string Code, IrType Type) : Expr;
