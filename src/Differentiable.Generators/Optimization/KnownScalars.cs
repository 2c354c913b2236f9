using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Double locals whose value is a known constant at a statement, found by a forward data-flow pass over the structured
/// body (branches meet by intersection; a loop's head state is a fixed point of its entry and the end of its body).
/// Two rewrites use them:
/// <list type="bullet">
/// <item>a product with a local known to be 1 drops the factor (<c>df·a·100</c> → <c>a·100</c>): a scalar gradient's
/// seed is 1 and stays 1 through every loop that adds into the value, yet every adjoint multiplied by it;
/// 1·x is x exactly, so this is bit-identical;</item>
/// <item>an addition into a local known to be 0 stores (<c>da += t</c> → <c>da = t</c>): the reverse sweep resets a
/// scalar adjoint after using it, so in a loop each iteration's first contribution adds to zero. 0 + t is t except
/// for t = −0, whose sign the addition drops; like the reassociated sums, this runs only where the method allows
/// vectorization.</item>
/// </list>
/// Statements the pass cannot see through (code printed verbatim with unknown effects, but for a buffer's clear) forget
/// everything known. Last, a double local declared with a constant that the rest of its block never binds again is
/// replaced by the constant (a temporary <c>t0 = 200.0</c> that the first rewrite left of a seed times 200).
/// </summary>
internal static class KnownScalars
{
    /// <summary>Rewrites a companion body.</summary>
    /// <param name="types">The type of every name of the body; only names typed double are tracked.</param>
    /// <param name="storeIntoZero">Whether additions into a local known to be 0 become stores (not bit-exact for −0).</param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, bool storeIntoZero)
    {
        if (IrWalker.Statements(body).Any(s => s is Break or Continue))
        {
            return body;
        }

        // Adjoint locals are declared by the transformation, not the method: their declarations give their types.
        var all = new Dictionary<string, IrType>(System.StringComparer.Ordinal);
        foreach (var pair in types)
        {
            all[pair.Key] = pair.Value;
        }

        var conflicting = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var declaration in IrWalker.Statements(body).OfType<Declare>())
        {
            if (all.TryGetValue(declaration.Name, out var known) && known != declaration.Type)
            {
                conflicting.Add(declaration.Name);
            }

            all[declaration.Name] = declaration.Type;
        }

        foreach (var name in conflicting)
        {
            all.Remove(name);
        }

        var pass = new Pass(all, storeIntoZero);
        return WithoutUnreadLocals(WithConstantsInlined(pass.Block(body, new Facts(), 0).Block, 0));
    }

    /// <summary>
    /// Each double local declared with a constant and never bound again in the rest of its block (nor named by code
    /// printed verbatim there) read as that constant, its declaration gone. The same value: bit-identical.
    /// </summary>
    private static Block WithConstantsInlined(Block block, int depth)
    {
        StackGuard.Enter(depth);
        var statements = block.Statements.Select(s => IrWalker.WithNestedBlocks(s, b => WithConstantsInlined(b, depth + 1))).ToList();

        // One walk from the end: the names bound after each statement (and the code printed verbatim after it) are known
        // when it is reached. C# lets no nested block declare a name again, so every read of a candidate in this block is
        // a read of its declaration.
        var boundAfter = new HashSet<string>(System.StringComparer.Ordinal);
        var verbatimAfter = new List<Verbatim>();
        var constants = new Dictionary<string, Constant>(System.StringComparer.Ordinal);
        for (var i = statements.Count - 1; i >= 0; i--)
        {
            if (statements[i] is Declare { Type: IrType.Double, Initializer: Constant { Type: IrType.Double } constant } declaration
                && !boundAfter.Contains(declaration.Name)
                && !verbatimAfter.Any(v => v.Reads.Contains(declaration.Name) || IrWalker.ContainsIdentifier(v.Code, declaration.Name)))
            {
                constants[declaration.Name] = constant;
            }

            boundAfter.UnionWith(IrWalker.AssignedNames(statements[i]));
            foreach (var inner in IrWalker.Statements(statements[i]))
            {
                if (inner is Verbatim v)
                {
                    verbatimAfter.Add(v);
                }

                boundAfter.UnionWith(IrWalker.OwnExpressions(inner).SelectMany(IrWalker.Nodes).OfType<OutArgument>().Select(o => o.Name));
            }
        }

        if (constants.Count == 0)
        {
            return new Block(statements.ToEquatableArray());
        }

        Expr Inline(Expr e) => IrWalker.RewriteBottomUp(e, node => node is Variable v && constants.TryGetValue(v.Name, out var value) ? value : node);
        return new Block(statements
            .Where(s => s is not Declare d || !constants.ContainsKey(d.Name))
            .Select(s => IrWalker.RewriteExpressions(s, Inline, target => target is Variable ? target : Inline(target)))
            .ToEquatableArray());
    }

    /// <summary>
    /// The body without the declaration and stores of each local no statement reads any more (a seed whose every
    /// product was dropped) and that is only ever stored constants: C# would warn that it is assigned but never used.
    /// </summary>
    private static Block WithoutUnreadLocals(Block body)
    {
        var statements = IrWalker.Statements(body).ToList();
        var read = new HashSet<string>(System.StringComparer.Ordinal);
        var verbatim = new List<string>();
        foreach (var statement in statements)
        {
            if (statement is Verbatim v)
            {
                verbatim.Add(v.Code);
                read.UnionWith(v.Reads);
            }

            foreach (var expression in IrWalker.OwnExpressions(statement))
            {
                // A store's target is not a read of the stored local, but an element store reads its array and indices.
                var reads = statement is Assign { Target: Variable target } && ReferenceEquals(expression, target) ? [] : IrWalker.ReadNames(expression);
                read.UnionWith(reads);
                read.UnionWith(IrWalker.Nodes(expression).OfType<OutArgument>().Select(o => o.Name));
            }
        }

        var unread = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var declaration in statements.OfType<Declare>())
        {
            if (declaration.Type is IrType.Double or IrType.Single or IrType.Int32 or IrType.Boolean
                && !read.Contains(declaration.Name) && !verbatim.Any(code => code.Contains(declaration.Name)))
            {
                unread.Add(declaration.Name);
            }
        }

        // Only locals that are stored nothing but constants go (C# warns of exactly those: 1, 2 * 0.5, an unrolled i + 1,
        // a Vector2's unread Y = 1f); any other store keeps its local.
        foreach (var statement in statements)
        {
            if (Store(statement) is { } store && unread.Contains(store.Name) && store.Value is { } value
                && !IrWalker.Nodes(value).All(n => n is Constant or Unary or Binary or Conditional or Convert))
            {
                unread.Remove(store.Name);
            }
        }

        return unread.Count == 0 ? body : (Block)Without(body, unread, 0);
    }

    private static (string Name, Expr? Value)? Store(Stmt statement) => statement switch
    {
        Declare d => (d.Name, d.Initializer),
        Assign { Target: Variable v } a => (v.Name, a.Value),
        _ => null,
    };

    private static Stmt Without(Stmt statement, HashSet<string> unread, int depth)
    {
        StackGuard.Enter(depth);
        return IrWalker.WithNestedBlocks(statement, b => new Block(b.Statements
            .Where(s => Store(s) is not { } store || !unread.Contains(store.Name))
            .Select(s => Without(s, unread, depth + 1))
            .ToEquatableArray()));
    }

    /// <summary>What is known at a point: local name → its value.</summary>
    private sealed class Facts : Dictionary<string, double>
    {
        public Facts()
            : base(System.StringComparer.Ordinal)
        {
        }

        public Facts(Facts other)
            : base(other, System.StringComparer.Ordinal)
        {
        }

        /// <summary>The facts that hold on both paths.</summary>
        public Facts Meet(Facts other)
        {
            var result = new Facts();
            foreach (var pair in this)
            {
                if (other.TryGetValue(pair.Key, out var value) && value.Equals(pair.Value))
                {
                    result[pair.Key] = pair.Value;
                }
            }

            return result;
        }

        public bool SameAs(Facts other) => Count == other.Count && this.All(pair => other.TryGetValue(pair.Key, out var value) && value.Equals(pair.Value));
    }

    private sealed class Pass(IReadOnlyDictionary<string, IrType> types, bool storeIntoZero)
    {
        private const int MaxTrialNesting = 3;

        private const int MaxTrials = 3;

        /// <summary>How many loops' trial iterations enclose the current point.</summary>
        private int trials;

        /// <summary>Rewrites a block from the facts at its start, which it updates in place (callers pass a copy where a
        /// branch or a trial iteration must keep the original).</summary>
        public (Block Block, Facts Out) Block(Block block, Facts facts, int depth)
        {
            StackGuard.Enter(depth);
            var statements = new List<Stmt>(block.Statements.Count);
            foreach (var statement in block.Statements)
            {
                var (rewritten, after) = Statement(statement, facts, depth + 1);
                statements.Add(rewritten);
                facts = after;
            }

            return (new Block(statements.ToEquatableArray()), facts);
        }

        private (Stmt Statement, Facts Out) Statement(Stmt statement, Facts facts, int depth)
        {
            switch (statement)
            {
                case Comment:
                    return (statement, facts);
                case Block b:
                    var (block, afterBlock) = Block(b, facts, depth);
                    return (block, afterBlock);
                case Declare d:
                    {
                        var initializer = d.Initializer is null ? null : Fold(d.Initializer, facts);
                        var after = Forget(facts, statement);
                        Learn(after, d.Name, initializer);
                        return (d with { Initializer = initializer }, after);
                    }

                case Assign { Target: Variable target } a:
                    {
                        var value = Fold(a.Value, facts);
                        if (storeIntoZero
                            && value is Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } sum
                            && sum.Left == target
                            && facts.TryGetValue(target.Name, out var known) && known.Equals(0.0)
                            && !IrWalker.ReadNames(sum.Right).Contains(target.Name))
                        {
                            // 0 + t is t, 0 − t is −t (both but for the sign of a zero t).
                            value = sum.Operator == BinaryOperator.Add ? sum.Right : new Unary(UnaryOperator.Negate, sum.Right);
                        }

                        var after = Forget(facts, statement);
                        Learn(after, target.Name, value);
                        return (new Assign(target, value), after);
                    }

                case Assign a:
                    return (new Assign(Fold(a.Target, facts), Fold(a.Value, facts)), Forget(facts, statement));
                case Evaluate e:
                    return (new Evaluate(Fold(e.Expression, facts)), Forget(facts, statement));
                case TapePush p:
                    return (p with { Value = Fold(p.Value, facts) }, Forget(facts, statement));
                case Return r:
                    return (new Return(Fold(r.Value, facts)), facts);
                case If i:
                    {
                        var condition = Fold(i.Condition, facts);
                        var (then, afterThen) = Block(i.Then, new Facts(facts), depth);
                        if (i.Else is null)
                        {
                            return (new If(condition, then, null), afterThen.Meet(facts));
                        }

                        var (otherwise, afterElse) = Block(i.Else, new Facts(facts), depth);
                        return (new If(condition, then, otherwise), afterThen.Meet(afterElse));
                    }

                case For f:
                    {
                        var entry = Forget(new Facts(facts), new Declare(f.Variable, IrType.Int32, null));
                        var head = Head(entry, f.Body, h => Block(f.Body, h, depth).Out);
                        var (body, _) = Block(f.Body, new Facts(head), depth);
                        return (f with { Lower = Fold(f.Lower, facts), Upper = Fold(f.Upper, head), Body = body }, head);
                    }

                case While w:
                    {
                        var head = Head(facts, w.Step is null ? w.Body : new Block(EquatableArray.Create<Stmt>(w.Body, w.Step)), h =>
                        {
                            var afterBody = Block(w.Body, h, depth).Out;
                            return w.Step is null ? afterBody : Block(w.Step, afterBody, depth).Out;
                        });
                        var (body, afterBody) = Block(w.Body, new Facts(head), depth);
                        var step = w.Step is null ? null : Block(w.Step, afterBody, depth).Block;
                        return (new While(Fold(w.Condition, head), body, step), head);
                    }

                case Verbatim { Reads.Count: > 0 }:
                    return (statement, facts);
                case Verbatim clear when BufferStores.IsClear(clear):
                    // A buffer's clear writes the buffer's elements, no local.
                    return (statement, facts);
                default:
                    // Verbatim code without a read list is opaque: it may write anything.
                    return (statement, new Facts());
            }
        }

        /// <summary>
        /// The facts at a loop's head: the largest subset of the entry's facts that one iteration started from it keeps
        /// (an adjoint reset to 0 at the end of each iteration stays known). Found by trial iterations from the entry's
        /// facts, each dropping what the last one lost: at most <see cref="MaxTrials"/> per loop, and none inside
        /// <see cref="MaxTrialNesting"/> enclosing trials, so the cost stays polynomial in the nesting depth. Where the
        /// trials run out, the head keeps only the facts about names the loop never writes.
        /// </summary>
        private Facts Head(Facts entry, Block body, System.Func<Facts, Facts> iterate)
        {
            var written = new HashSet<string>(IrWalker.AssignedNames(body), System.StringComparer.Ordinal);
            var unwritten = new Facts();
            foreach (var pair in entry)
            {
                if (!written.Contains(pair.Key))
                {
                    unwritten[pair.Key] = pair.Value;
                }
            }

            if (trials >= MaxTrialNesting || unwritten.Count == entry.Count)
            {
                return unwritten;
            }

            trials++;
            try
            {
                var head = new Facts(entry);
                for (var trial = 0; trial < MaxTrials; trial++)
                {
                    var next = head.Meet(iterate(new Facts(head)));
                    if (next.SameAs(head))
                    {
                        return head;
                    }

                    head = next;
                }

                return unwritten;
            }
            finally
            {
                trials--;
            }
        }

        private void Learn(Facts facts, string name, Expr? value)
        {
            if (value is Constant { Type: IrType.Double } constant && types.TryGetValue(name, out var type) && type == IrType.Double)
            {
                facts[name] = constant.Value;
            }
        }

        /// <summary>The facts without those about what a statement writes (its out arguments included).</summary>
        private static Facts Forget(Facts facts, Stmt statement)
        {
            foreach (var name in IrWalker.AssignedNames(statement))
            {
                facts.Remove(name);
            }

            foreach (var expression in IrWalker.OwnExpressions(statement))
            {
                foreach (var node in IrWalker.Nodes(expression))
                {
                    if (node is OutArgument o)
                    {
                        facts.Remove(o.Name);
                    }
                }
            }

            return facts;
        }

        /// <summary>The expression with every product by a local known to be 1 reduced to its other factor, when that is a double.</summary>
        private Expr Fold(Expr expression, Facts facts)
        {
            if (!facts.Any(pair => pair.Value.Equals(1.0)) || !ReadsAOne(expression, facts))
            {
                return expression;
            }

            return IrWalker.RewriteBottomUp(expression, node =>
                node is not Binary { Operator: BinaryOperator.Multiply } product ? node
                : IsOne(product.Left, facts) && IsDouble(product.Right, 0) ? product.Right
                : IsOne(product.Right, facts) && IsDouble(product.Left, 0) ? product.Left
                : node);
        }

        /// <summary>Whether an expression is certainly of type double (so 1·e may become e without changing its type).</summary>
        private bool IsDouble(Expr expression, int depth) => depth < 16 && expression switch
        {
            Constant c => c.Type == IrType.Double,
            Variable v => types.TryGetValue(v.Name, out var type) && type == IrType.Double,
            ElementAccess e => types.TryGetValue(e.Array, out var type) && type is IrType.DoubleArray or IrType.DoubleMatrix,
            Unary { Operator: UnaryOperator.Negate } u => IsDouble(u.Operand, depth + 1),
            Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide } b =>
                IsDouble(b.Left, depth + 1) || IsDouble(b.Right, depth + 1),
            Call { Single: false } c => c.Function is not (MathFunction.Sign or MathFunction.Abs or MathFunction.Max or MathFunction.Min),
            TapePop p => p.Type == IrType.Double,
            _ => false,
        };

        /// <summary>Whether the expression reads a local known to be 1 (most do not: then it is not rebuilt).</summary>
        private static bool ReadsAOne(Expr expression, Facts facts)
        {
            foreach (var node in IrWalker.Nodes(expression))
            {
                if (IsOne(node, facts))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool IsOne(Expr expression, Facts facts) =>
            expression is Variable v && facts.TryGetValue(v.Name, out var value) && value.Equals(1.0);
    }
}
