using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// After <see cref="ContractionKernels"/>: one sweep over a matrix row where a fused loop iteration computes the row's
/// dot product and then, its adjoint known, both reverse updates over the same runs. For y[i] += W[i, ·]·x:
/// <code>
/// y[i] += Dot(W, i, 0, x, 0, n);            // forward of iteration i
/// double t0 = dy[i];                         // reverse of iteration i
/// Scale(t0, x, 0, dW, i, 0, n);             // dW[i, ·] = t0·x
/// Axpy(t0, W, i, 0, dx, 0, n);               // dx += t0·W[i, ·]
/// </code>
/// becomes <c>y[i] += DotAxpyScale(W, i, 0, x, 0, t0, dx, 0, dW, i, 0, n)</c>, which reads the row once instead of twice
/// (the store of dW's row between the two reads evicts it). Moving the updates before the sum's store and α before the
/// dot is sound when nothing but comments lies between them, α and the declarations it needs read nothing the sum
/// writes, and no update target can reach the sum, the dot's operands or the other target.
/// </summary>
internal static class FusedRowSweeps
{
    private const string Kernels = "global::Differentiable.Runtime.Kernels";

    /// <param name="aliases">Array classes of the body before kernels were introduced (handing an array to a kernel
    /// call would otherwise count as letting it escape).</param>
    public static Block Rewrite(Block body, ArrayAliases aliases) => RewriteBlock(body, aliases, 0);

    private static Block RewriteBlock(Block block, ArrayAliases aliases, int depth)
    {
        StackGuard.Enter(depth);
        var statements = block.Statements.Select(s => RewriteNested(s, aliases, depth + 1)).ToList();
        for (var p = 0; p < statements.Count; p++)
        {
            var q = p + 1;
            while (q < statements.Count && statements[q] is Comment)
            {
                q++;
            }

            if (q < statements.Count && TryFuse(statements[p], statements[q], aliases) is { } fused)
            {
                statements[p] = fused.Forward;
                statements[q] = fused.Reverse;
            }
        }

        return new Block(statements.ToEquatableArray());
    }

    private static Stmt RewriteNested(Stmt statement, ArrayAliases aliases, int depth) =>
        IrWalker.WithNestedBlocks(statement, b => RewriteBlock(b, aliases, depth));

    /// <summary>
    /// The forward statement (or block ending in it) with the fused sweep in place of its dot product, and the reverse
    /// statement (or block) left with its comments; null when the pair is not a row's dot and its two updates.
    /// </summary>
    private static (Stmt Forward, Stmt Reverse)? TryFuse(Stmt forward, Stmt reverse, ArrayAliases aliases)
    {
        // The dot: the statement itself, or the last one of a block (only comments after it).
        var forwardBlock = forward as Block;
        var dotIndex = forwardBlock is null ? -1 : IrWalker.LastNonComment(forwardBlock.Statements);
        var dotStatement = forwardBlock is null ? forward : dotIndex < 0 ? null : forwardBlock.Statements[dotIndex];
        if (dotStatement is not Assign { Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum } dotAssign
            || sum.Left != dotAssign.Target
            || sum.Right is not Invoke { Method: Kernels + ".Dot", Member: null } dot
            || dot.Arguments.Count != 6
            || !IsMatrix(dot.Arguments[0], aliases)
            || !IsVector(dot.Arguments[3], aliases))
        {
            return null;
        }

        // The updates: the reverse statement (or the one non-comment statement of its block) is a guard around them, or
        // they stand in the block themselves.
        var reverseBlock = reverse as Block;
        var reverseStatements = reverseBlock?.Statements.Where(s => s is not Comment).ToList() ?? new List<Stmt> { reverse };
        Expr? guard = null;
        IReadOnlyList<Stmt> group;
        if (reverseStatements.Count == 1 && reverseStatements[0] is If { Else: null } guarded)
        {
            guard = guarded.Condition;
            group = guarded.Then.Statements;
        }
        else if (reverseBlock is not null)
        {
            group = reverseBlock.Statements;
        }
        else
        {
            return null;
        }

        if (group.Any(s => s is not (Comment or Declare { Initializer: not null } or Evaluate)))
        {
            return null;
        }

        var calls = group.OfType<Evaluate>().Select(e => e.Expression as Invoke).ToList();
        if (calls.Count != 2 || calls.Any(c => c is null || c.Member is not null || c.Arguments.Count != 7))
        {
            return null;
        }

        // The update from the row (into a vector) and the one from the vector (into a row), in either order.
        var (a, aRow, aStart, b, bStart, length) = (dot.Arguments[0], dot.Arguments[1], dot.Arguments[2], dot.Arguments[3], dot.Arguments[4], dot.Arguments[5]);
        var fromRow = calls.FirstOrDefault(c => c!.Method == Kernels + ".Axpy" && c.Arguments[1] == a && c.Arguments[2] == aRow && c.Arguments[3] == aStart && IsVector(c.Arguments[4], aliases));
        var fromVector = calls.FirstOrDefault(c => c!.Method is Kernels + ".Axpy" or Kernels + ".Scale" && c.Arguments[1] == b && c.Arguments[2] == bStart && IsMatrix(c.Arguments[3], aliases));
        if (fromRow is null || fromVector is null || fromRow == fromVector
            || fromRow.Arguments[0] != fromVector.Arguments[0]
            || fromRow.Arguments[6] != length || fromVector.Arguments[6] != length)
        {
            return null;
        }

        // The guard, if any, is the loop's "it runs" test: false exactly when the dot adds zero (skipping that drops
        // only the sign of a zero sum, as the reordered sums do).
        if (guard is not null && !IsRunsTest(guard, length))
        {
            return null;
        }

        var alpha = fromRow.Arguments[0];
        var declarations = group.OfType<Declare>().ToList();
        var sumName = Name(dotAssign.Target);
        var ya = ((Variable)fromRow.Arguments[4]).Name;
        var yb = ((Variable)fromVector.Arguments[3]).Name;
        var operands = new[] { ((Variable)a).Name, ((Variable)b).Name };

        // α, the declarations it needs and the runs' rows and starts are evaluated before the sum's store and before
        // either update now: they must not read what those write.
        var early = declarations.Select(d => d.Initializer!).Append(alpha)
            .Concat(new[] { aRow, aStart, bStart, length })
            .Concat(fromRow.Arguments.Skip(5).Take(1))
            .Concat(fromVector.Arguments.Skip(4).Take(2));
        if (sumName is null || early.SelectMany(IrWalker.ReadNames).Any(name => new[] { sumName, ya, yb }.Any(written => aliases.MayAlias(name, written))))
        {
            return null;
        }

        // The updates now run during the dot and before the sum's store: their targets must reach neither.
        if (aliases.MayAlias(ya, yb)
            || new[] { ya, yb }.Any(target => aliases.MayAlias(target, sumName) || operands.Any(operand => aliases.MayAlias(target, operand))))
        {
            return null;
        }

        // The declarations move into the forward block: their names must not clash with what it declares.
        if (forwardBlock is not null)
        {
            var declared = new HashSet<string>(IrWalker.Statements(forwardBlock).OfType<Declare>().Select(d => d.Name), System.StringComparer.Ordinal);
            if (declarations.Any(d => declared.Contains(d.Name)))
            {
                return null;
            }
        }

        var store = fromVector.Method == Kernels + ".Scale";
        var arguments = new List<Expr> { a, aRow, aStart, b, bStart, alpha, fromRow.Arguments[4], fromRow.Arguments[5], fromVector.Arguments[3], fromVector.Arguments[4], fromVector.Arguments[5], length };
        var fusedCall = new Invoke(Kernels + (store ? ".DotAxpyScale" : ".DotAxpyAxpy"), arguments.ToEquatableArray());
        var replacement = new List<Stmt>
        {
            new Comment($"fused: the dot product and both reverse updates over the row in one sweep ({(store ? "dot, axpy, scaled copy" : "dot, two axpy updates")}; SIMD kernel)"),
        };
        replacement.AddRange(group.OfType<Comment>().Where(c => !IsKernelComment(c)));
        replacement.AddRange(declarations);
        replacement.Add(new Assign(dotAssign.Target, new Binary(sum.Operator, dotAssign.Target, fusedCall)));
        Stmt fusedStatement = guard is null ? new Block(replacement.ToEquatableArray()) : new If(guard, new Block(replacement.ToEquatableArray()), null);

        Stmt newForward = fusedStatement;
        if (forwardBlock is not null)
        {
            // The kernel comment of the dot alone gives way to the fused one.
            var kept = forwardBlock.Statements.ToList();
            kept[dotIndex] = fusedStatement;
            if (dotIndex > 0 && kept[dotIndex - 1] is Comment previous && IsKernelComment(previous))
            {
                kept.RemoveAt(dotIndex - 1);
            }

            newForward = new Block(kept.ToEquatableArray());
        }

        var left = (reverseBlock?.Statements.Where(s => s is Comment) ?? Enumerable.Empty<Stmt>()).Append(new Comment("its updates run in the fused sweep above"));
        Stmt newReverse = new Block(left.ToEquatableArray());
        return (newForward, newReverse);
    }

    /// <summary>The comment <see cref="ContractionKernels"/> puts above the kernels of one loop, which the fused sweep replaces.</summary>
    private static bool IsKernelComment(Comment comment) => comment.Text.StartsWith("vectorized:", System.StringComparison.Ordinal);

    /// <summary><c>upper &gt; lower</c> for a kernel length of <c>upper</c> (lower 0) or <c>upper − lower</c>.</summary>
    internal static bool IsRunsTest(Expr guard, Expr length) =>
        guard is Binary { Operator: BinaryOperator.Greater } test
        && (length == new Binary(BinaryOperator.Subtract, test.Left, test.Right)
            || (test.Right is Constant { Value: 0.0 } && length == test.Left));

    private static string? Name(Expr target) => target switch
    {
        Variable v => v.Name,
        ElementAccess e => e.Array,
        _ => null,
    };

    private static bool IsMatrix(Expr expression, ArrayAliases aliases) =>
        expression is Variable v && aliases.Types.TryGetValue(v.Name, out var type) && type == IrType.DoubleMatrix;

    private static bool IsVector(Expr expression, ArrayAliases aliases) =>
        expression is Variable v && aliases.Types.TryGetValue(v.Name, out var type) && type == IrType.DoubleArray;
}
