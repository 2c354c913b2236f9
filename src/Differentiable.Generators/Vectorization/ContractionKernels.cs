using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// The last pass before printing: innermost loops that are contractions over a contiguous run of arrays become calls to
/// the SIMD kernels of <c>Differentiable.Runtime.Kernels</c>.
/// <list type="bullet">
/// <item>a dot product, <c>s += a[j]·b[j]</c> (or <c>a[r, j]</c>, a row run), with one or more such sums per loop;</item>
/// <item>axpy updates, <c>y[j] += α·x[j]</c> with α invariant in the loop, any number per loop (reverse sweeps write
/// <c>dW[i, j] += t·x[j]</c> and <c>dx[j] += t·W[i, j]</c> side by side).</item>
/// </list>
/// Every array index of such a loop is the loop variable itself (or a row fixed in the loop, then the loop variable), so
/// each statement touches element j only: splitting the loop into one kernel per statement, and running each kernel in
/// any order, computes what the loop did. Axpy results are bit-identical; dot products are summed in another order.
/// Anything else (a read of what the loop writes, a call, a tape operation, a non-contiguous index) keeps its loop.
/// </summary>
internal static class ContractionKernels
{
    private const string Kernels = "global::Differentiable.Runtime.Kernels";

    /// <summary>Rewrites every contraction loop of a companion body.</summary>
    /// <param name="types">The type of every parameter and local the body uses; names missing from it are never rewritten.</param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types) => Rewrite(body, ArrayAliases.Of(body, types));

    /// <summary>As the other overload, with the array classes of an enclosing body (of which this is a part).</summary>
    public static Block Rewrite(Block body, ArrayAliases aliases) => (Block)RewriteStatement(body, aliases, 0);

    private static Stmt RewriteStatement(Stmt statement, ArrayAliases types, int depth)
    {
        StackGuard.Enter(depth);
        switch (statement)
        {
            case Block b:
                // A loop replaced by kernel calls alone splices into its block; one with hoisted locals keeps its scope.
                var statements = new List<Stmt>();
                foreach (var child in b.Statements)
                {
                    var rewritten = RewriteStatement(child, types, depth + 1);
                    if (child is For && rewritten is Block spliced)
                    {
                        statements.AddRange(spliced.Statements);
                    }
                    else
                    {
                        statements.Add(rewritten);
                    }
                }

                return new Block(statements.ToEquatableArray());
            case If i:
                return new If(i.Condition, (Block)RewriteStatement(i.Then, types, depth + 1), i.Else is null ? null : (Block)RewriteStatement(i.Else, types, depth + 1));
            case While w:
                return w with { Body = (Block)RewriteStatement(w.Body, types, depth + 1) };
            case For f:
                var body = (Block)RewriteStatement(f.Body, types, depth + 1);
                var loop = f with { Body = body };
                return TryKernels(loop, types) ?? loop;
            default:
                return statement;
        }
    }

    /// <summary>The kernel calls that replace a contraction loop, or null when the loop is not one.</summary>
    private static Stmt? TryKernels(For loop, ArrayAliases types)
    {
        var statements = new List<Stmt>();
        if (!Flatten(loop.Body, statements))
        {
            return null;
        }

        var j = loop.Variable;
        var declarations = statements.OfType<Declare>().ToList();
        var updates = statements.OfType<Assign>().SelectMany(update => SplitSumOfProducts(update, types)).ToList();
        if (updates.Count == 0 || statements.Any(s => s is not (Declare or Assign or Comment)))
        {
            return null;
        }

        // What the loop writes: arrays stored into, scalars summed into, locals it declares.
        var written = new HashSet<string>();
        foreach (var update in updates)
        {
            written.Add(update.Target switch { ElementAccess e => e.Array, Variable v => v.Name, _ => string.Empty });
        }

        var declared = new HashSet<string>();
        foreach (var declaration in declarations)
        {
            if (!declared.Add(declaration.Name) || written.Contains(declaration.Name) || declaration.Initializer is null || !IsInvariant(declaration.Initializer, j, written, declared, types))
            {
                return null;
            }
        }

        if (!IsInvariant(loop.Lower, j, written, declared, types) || !IsInvariant(loop.Upper, j, written, declared, types))
        {
            return null;
        }

        var kernels = new List<Stmt>();
        var dots = 0;
        foreach (var update in updates)
        {
            var kernel = Axpy(update, loop, written, declared, types) ?? Dot(update, loop, written, declared, types) ?? Scale(update, loop, written, declared, types);
            if (kernel is null)
            {
                return null;
            }

            dots += kernel is Assign ? 1 : 0;
            kernels.Add(kernel);
        }

        // A sum reads its operands: it may share its loop only with other sums, which write no array.
        if (dots > 0 && dots != kernels.Count)
        {
            return null;
        }

        var stores = kernels.Count(k => k is Evaluate { Expression: Invoke { Method: Kernels + ".Scale" } });
        var axpys = kernels.Count - dots - stores;
        var parts = stores == 0
            ? new[] { axpys == 1 ? "an axpy update, run += α·x" : $"{axpys} axpy updates, run += α·x" }
            : new[]
            {
                axpys == 0 ? null : axpys == 1 ? "an axpy update (run += α·x)" : $"{axpys} axpy updates (run += α·x)",
                stores == 1 ? "a scaled copy (run = α·x)" : $"{stores} scaled copies (run = α·x)",
            };
        var replacement = new List<Stmt>
        {
            new Comment(dots > 0
                ? $"vectorized: the loop over {j} is {(dots == 1 ? "a dot product" : dots + " dot products")} (SIMD kernel; partial sums in another order)"
                : $"vectorized: the loop over {j} is {string.Join(" and ", parts.Where(p => p is not null))} (SIMD kernel)"),
        };
        replacement.AddRange(statements.OfType<Comment>());
        replacement.AddRange(declarations);
        replacement.AddRange(kernels);
        var block = new Block(replacement.ToEquatableArray());

        // Hoisted initializers run only if the loop would have run: they may index out of range otherwise.
        return declarations.Count == 0
            ? block
            : new If(new Binary(BinaryOperator.Greater, loop.Upper, loop.Lower), block, null);
    }

    /// <summary>
    /// <c>a += p₁ ± p₂ …</c> with every term a product as one update per term (<c>a += p₁; a ±= p₂; …</c>), so that each
    /// can be a dot product: forward mode's tangent of a row's dot, <c>da += dW[i, j]·s[j] + W[i, j]·ds[j]</c>, is two.
    /// The sum is reassociated, as the dot kernels reassociate it anyway; any other statement is itself. Not when a term
    /// after the first reads the target under any name: split, it would see the earlier terms' additions.
    /// </summary>
    private static IEnumerable<Assign> SplitSumOfProducts(Assign update, ArrayAliases aliases)
    {
        if (update.Value is not Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Right: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } } sum
            || sum.Left != update.Target)
        {
            return new[] { update };
        }

        // The signed terms of the right side, left to right, through additions and subtractions only.
        var terms = new List<(bool Negative, Expr Term)>();
        var pending = new Stack<(bool Negative, Expr Term)>();
        pending.Push((sum.Operator == BinaryOperator.Subtract, sum.Right));
        while (pending.Count > 0)
        {
            var (negative, term) = pending.Pop();
            if (term is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } inner)
            {
                pending.Push((negative ^ (inner.Operator == BinaryOperator.Subtract), inner.Right));
                pending.Push((negative, inner.Left));
                continue;
            }

            terms.Add((negative, term));
        }

        var target = update.Target switch { ElementAccess e => e.Array, Variable v => v.Name, _ => string.Empty };
        if (terms.Any(t => t.Term is not Binary { Operator: BinaryOperator.Multiply })
            || terms.Skip(1).SelectMany(t => IrWalker.ReadNames(t.Term)).Any(name => aliases.MayAlias(name, target)))
        {
            return new[] { update };
        }

        return terms.Select(t => new Assign(update.Target, new Binary(t.Negative ? BinaryOperator.Subtract : BinaryOperator.Add, update.Target, t.Term)));
    }

    /// <summary>The loop body as one list, when its nested blocks hold only straight-line statements with distinct locals.</summary>
    private static bool Flatten(Block block, List<Stmt> into)
    {
        foreach (var statement in block.Statements)
        {
            if (statement is Block nested)
            {
                if (!Flatten(nested, into))
                {
                    return false;
                }
            }
            else if (statement is For or While or If)
            {
                return false;
            }
            else
            {
                into.Add(statement);
            }
        }

        return true;
    }

    /// <summary><c>y[j] += α·x[j]</c>, <c>y[j] -= α·x[j]</c>, <c>y[j] += x[j]</c>: an axpy kernel call.</summary>
    private static Stmt? Axpy(Assign update, For loop, HashSet<string> written, HashSet<string> declared, ArrayAliases types)
    {
        if (update.Target is not ElementAccess target
            || update.Value is not Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum
            || sum.Left != target
            || Operand(target, loop, written, declared, types) is not { } y)
        {
            return null;
        }

        if (ScaledRun(sum.Right, loop, written, declared, types) is not { } scaled)
        {
            return null;
        }

        var (x, alpha) = scaled;

        // y −= α·x is y += (−α)·x exactly: negation is exact.
        if (sum.Operator == BinaryOperator.Subtract)
        {
            alpha = new Unary(UnaryOperator.Negate, alpha);
        }

        var arguments = new List<Expr> { alpha };
        arguments.AddRange(x);
        arguments.AddRange(y);
        arguments.Add(Length(loop));
        return new Evaluate(new Invoke(Kernels + ".Axpy", arguments.ToEquatableArray()));
    }

    /// <summary><c>y[j] = α·x[j]</c>, <c>y[j] = x[j]</c>: a scale kernel call (a store along the run, as the loop made).</summary>
    private static Stmt? Scale(Assign update, For loop, HashSet<string> written, HashSet<string> declared, ArrayAliases types)
    {
        if (update.Target is not ElementAccess target || Operand(target, loop, written, declared, types) is not { } y)
        {
            return null;
        }

        var negated = update.Value is Unary { Operator: UnaryOperator.Negate };
        if (ScaledRun(negated ? ((Unary)update.Value).Operand : update.Value, loop, written, declared, types) is not { } scaled)
        {
            return null;
        }

        var (x, alpha) = scaled;

        var arguments = new List<Expr> { negated ? new Unary(UnaryOperator.Negate, alpha) : alpha };
        arguments.AddRange(x);
        arguments.AddRange(y);
        arguments.Add(Length(loop));
        return new Evaluate(new Invoke(Kernels + ".Scale", arguments.ToEquatableArray()));
    }

    /// <summary>
    /// A term α·x[j]: x[j] itself (α = 1), or a product with a run of x on one side and α, invariant in the loop, on the
    /// other. Null for anything else.
    /// </summary>
    private static (IReadOnlyList<Expr> Run, Expr Alpha)? ScaledRun(Expr term, For loop, HashSet<string> written, HashSet<string> declared, ArrayAliases types)
    {
        if (Operand(term, loop, written, declared, types) is { } whole)
        {
            return (whole, Constant.One);
        }

        if (term is Binary { Operator: BinaryOperator.Multiply } product)
        {
            foreach (var (run, factor) in new[] { (product.Right, product.Left), (product.Left, product.Right) })
            {
                if (Operand(run, loop, written, declared, types) is { } candidate && IsInvariant(factor, loop.Variable, written, declared, types))
                {
                    return (candidate, factor);
                }
            }
        }

        return null;
    }

    /// <summary><c>s += a[j]·b[j]</c> (or <c>-=</c>): the sum plus a dot kernel call.</summary>
    private static Stmt? Dot(Assign update, For loop, HashSet<string> written, HashSet<string> declared, ArrayAliases types)
    {
        if (update.Value is not Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum
            || sum.Left != update.Target
            || sum.Right is not Binary { Operator: BinaryOperator.Multiply } product)
        {
            return null;
        }

        // The accumulator: a double local, or an element at a place the loop does not move along; the operands must
        // not reach the accumulator's array under any name.
        var accumulator = update.Target switch
        {
            Variable v => types.Types.TryGetValue(v.Name, out var type) && type == IrType.Double,
            ElementAccess e => e.Indices.All(index => IsInvariant(index, loop.Variable, written, declared, types)),
            _ => false,
        };
        if (!accumulator
            || Operand(product.Left, loop, written, declared, types) is not { } a
            || Operand(product.Right, loop, written, declared, types) is not { } b
            || written.Any(w => types.MayAlias(w, ((Variable)a[0]).Name) || types.MayAlias(w, ((Variable)b[0]).Name)))
        {
            return null;
        }

        // Matrix operands first: the kernels take (matrix, vector) and (matrix, matrix). The product is commutative.
        var (first, second) = a.Count == 2 && b.Count == 3 ? (b, a) : (a, b);
        var arguments = new List<Expr>();
        arguments.AddRange(first);
        arguments.AddRange(second);
        arguments.Add(Length(loop));
        var dot = new Invoke(Kernels + ".Dot", arguments.ToEquatableArray());
        return new Assign(update.Target, new Binary(sum.Operator, update.Target, dot));
    }

    /// <summary>
    /// A run of an array along the loop: <c>a[j]</c> gives (a, lower); <c>a[r, j]</c> with r fixed in the loop gives
    /// (a, r, lower). Null for anything else.
    /// </summary>
    private static IReadOnlyList<Expr>? Operand(Expr expression, For loop, HashSet<string> written, HashSet<string> declared, ArrayAliases types)
    {
        if (expression is not ElementAccess access || !types.Types.TryGetValue(access.Array, out var type))
        {
            return null;
        }

        var along = new Variable(loop.Variable);
        if (type == IrType.DoubleArray && access.Indices.Count == 1 && access.Indices[0] == along)
        {
            return new Expr[] { new Variable(access.Array), loop.Lower };
        }

        if (type == IrType.DoubleMatrix && access.Indices.Count == 2 && access.Indices[1] == along
            && IsInvariant(access.Indices[0], loop.Variable, written, declared, types))
        {
            return new Expr[] { new Variable(access.Array), access.Indices[0], loop.Lower };
        }

        return null;
    }

    private static Expr Length(For loop) => loop.Lower is Constant { Value: 0.0 }
        ? loop.Upper
        : new Binary(BinaryOperator.Subtract, loop.Upper, loop.Lower);

    /// <summary>
    /// Whether an expression has one value for the whole loop and can be evaluated once, early: it does not mention the
    /// loop variable or anything the loop writes (under any name), and it is pure (no user calls, no tape, no allocation).
    /// </summary>
    private static bool IsInvariant(Expr expression, string j, HashSet<string> written, HashSet<string> declared, ArrayAliases types)
    {
        foreach (var node in IrWalker.Nodes(expression))
        {
            switch (node)
            {
                case Variable v when v.Name == j || written.Contains(v.Name):
                    return false;
                case Variable v when !declared.Contains(v.Name) && !types.Types.ContainsKey(v.Name):
                    return false;
                case ElementAccess e when written.Any(w => types.MayAlias(w, e.Array)):
                    return false;
                case Constant or Variable or ElementAccess or ArrayLength or Unary or Binary or Call or Convert or Conditional:
                    break;
                default:
                    return false;
            }
        }

        return true;
    }
}
