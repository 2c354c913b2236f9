using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;

namespace Differentiable.Generators.Ir;

/// <summary>Read and write sets of IR nodes, used by the parser's checks and by the analyses.</summary>
internal static class IrWalker
{
    /// <summary>The direct subexpressions of an expression.</summary>
    public static IEnumerable<Expr> Children(Expr expression) => expression switch
    {
        ElementAccess e => e.Indices,
        Unary u => new[] { u.Operand },
        Binary b => new[] { b.Left, b.Right },
        Call c => c.Arguments,
        UserCall u => u.Arguments,
        Invoke i => i.Arguments,
        Conditional c => new[] { c.Condition, c.WhenTrue, c.WhenFalse },
        Convert c => new[] { c.Operand },
        NewArray n => n.Dimensions,
        Tuple t => t.Elements,
        _ => System.Array.Empty<Expr>(),
    };

    /// <summary>An expression of the same kind with new direct subexpressions, in the order <see cref="Children"/> lists them.</summary>
    public static Expr WithChildren(Expr expression, IReadOnlyList<Expr> children) => expression switch
    {
        ElementAccess e => e with { Indices = children.ToEquatableArray() },
        Unary u => u with { Operand = children[0] },
        Binary b => b with { Left = children[0], Right = children[1] },
        Call c => c with { Arguments = children.ToEquatableArray() },
        UserCall u => u with { Arguments = children.ToEquatableArray() },
        Invoke i => i with { Arguments = children.ToEquatableArray() },
        Conditional => new Conditional(children[0], children[1], children[2]),
        Convert c => c with { Operand = children[0] },
        NewArray n => n with { Dimensions = children.ToEquatableArray() },
        Tuple t => t with { Elements = children.ToEquatableArray() },
        _ => expression,
    };

    /// <summary>The expressions a statement evaluates itself, not those of the statements nested in it.</summary>
    public static IEnumerable<Expr> OwnExpressions(Stmt statement) => statement switch
    {
        Declare { Initializer: { } initializer } => new[] { initializer },
        Assign a => new[] { a.Target, a.Value },
        For f => new[] { f.Lower, f.Upper },
        If i => new[] { i.Condition },
        While w => new[] { w.Condition },
        Return r => new[] { r.Value },
        TapePush p => new[] { p.Value },
        Evaluate e => new[] { e.Expression },
        _ => System.Array.Empty<Expr>(),
    };

    /// <summary>
    /// The expression with every node that <paramref name="replace"/> maps (to non-null) replaced, outermost first: a
    /// replaced node's own subexpressions are not visited. Walked without recursion, so deep expressions are safe.
    /// </summary>
    public static Expr Rewrite(Expr expression, System.Func<Expr, Expr?> replace) =>
        Rebuild(expression, replace, node => node);

    /// <summary>
    /// The expression rebuilt from the leaves up, each node passed to <paramref name="rebuild"/> after its children were
    /// (so it sees them rewritten). Walked without recursion, so deep expressions are safe.
    /// </summary>
    public static Expr RewriteBottomUp(Expr expression, System.Func<Expr, Expr> rebuild) =>
        Rebuild(expression, _ => null, rebuild);

    /// <summary>
    /// Both rewrites: a node that <paramref name="before"/> maps is replaced outright (its subtree not visited); any
    /// other is rebuilt from its rewritten children and passed to <paramref name="after"/>.
    /// </summary>
    private static Expr Rebuild(Expr expression, System.Func<Expr, Expr?> before, System.Func<Expr, Expr> after)
    {
        var work = new Stack<(Expr Node, bool Visited)>();
        var results = new Stack<Expr>();
        work.Push((expression, false));
        while (work.Count > 0)
        {
            var (node, visited) = work.Pop();
            if (!visited && before(node) is { } replacement)
            {
                results.Push(replacement);
                continue;
            }

            var children = Children(node).ToList();
            if (children.Count == 0)
            {
                results.Push(after(node));
                continue;
            }

            if (!visited)
            {
                work.Push((node, true));
                foreach (var child in children)
                {
                    work.Push((child, false));
                }

                continue;
            }

            // Children were pushed in order, so the last one was rebuilt first and the first child's result is on top.
            var rebuilt = new Expr[children.Count];
            for (var i = 0; i < children.Count; i++)
            {
                rebuilt[i] = results.Pop();
            }

            // Compared by reference: value equality of records would walk whole subtrees (recursively) at every level.
            var unchanged = true;
            for (var i = 0; i < rebuilt.Length && unchanged; i++)
            {
                unchanged = ReferenceEquals(rebuilt[i], children[i]);
            }

            results.Push(after(unchanged ? node : WithChildren(node, rebuilt)));
        }

        return results.Pop();
    }

    /// <summary>
    /// The statement with each block directly nested in it (a block itself, a loop's body and step, a branch) replaced by
    /// <paramref name="rewrite"/>'s result; other statements as they are. The passes that work block by block recurse
    /// through it.
    /// </summary>
    public static Stmt WithNestedBlocks(Stmt statement, System.Func<Block, Block> rewrite) => statement switch
    {
        Block b => rewrite(b),
        For f => f with { Body = rewrite(f.Body) },
        While w => new While(w.Condition, rewrite(w.Body), w.Step is null ? null : rewrite(w.Step)),
        If i => new If(i.Condition, rewrite(i.Then), i.Else is null ? null : rewrite(i.Else)),
        _ => statement,
    };

    /// <summary>
    /// The statement with each expression that it and the statements nested in it hold replaced by
    /// <paramref name="rewrite"/>'s result; assignment targets too, or by <paramref name="rewriteTarget"/>'s where given.
    /// </summary>
    public static Stmt RewriteExpressions(Stmt statement, System.Func<Expr, Expr> rewrite, System.Func<Expr, Expr>? rewriteTarget = null, int depth = 0)
    {
        StackGuard.Enter(depth);
        var own = statement switch
        {
            Declare { Initializer: { } initializer } d => d with { Initializer = rewrite(initializer) },
            Assign a => new Assign((rewriteTarget ?? rewrite)(a.Target), rewrite(a.Value)),
            For f => f with { Lower = rewrite(f.Lower), Upper = rewrite(f.Upper) },
            If i => i with { Condition = rewrite(i.Condition) },
            While w => w with { Condition = rewrite(w.Condition) },
            Return r => new Return(rewrite(r.Value)),
            TapePush p => p with { Value = rewrite(p.Value) },
            Evaluate e => new Evaluate(rewrite(e.Expression)),
            _ => statement,
        };
        return WithNestedBlocks(own, b => new Block(b.Statements.Select(s => RewriteExpressions(s, rewrite, rewriteTarget, depth + 1)).ToEquatableArray()));
    }

    /// <summary>
    /// The block with every loop in it (nested ones first) replaced by what <paramref name="rewriteLoop"/> returns for
    /// it, given the statements of its block before it (already rewritten); a loop it returns null for stays.
    /// </summary>
    public static Block RewriteLoops(Block block, System.Func<For, List<Stmt>, Stmt[]?> rewriteLoop, int depth = 0)
    {
        StackGuard.Enter(depth);
        var statements = new List<Stmt>(block.Statements.Count);
        foreach (var statement in block.Statements)
        {
            var nested = WithNestedBlocks(statement, b => RewriteLoops(b, rewriteLoop, depth + 1));
            if (nested is For loop && rewriteLoop(loop, statements) is { } replacement)
            {
                statements.AddRange(replacement);
            }
            else
            {
                statements.Add(nested);
            }
        }

        return new Block(statements.ToEquatableArray());
    }

    /// <summary>Whether generated code has the name as a whole identifier (not inside a longer one).</summary>
    public static bool ContainsIdentifier(string code, string name)
    {
        for (var at = code.IndexOf(name, System.StringComparison.Ordinal); at >= 0; at = code.IndexOf(name, at + 1, System.StringComparison.Ordinal))
        {
            var end = at + name.Length;
            if ((at == 0 || !IsIdentifierCharacter(code[at - 1])) && (end == code.Length || !IsIdentifierCharacter(code[end])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsIdentifierCharacter(char c) => char.IsLetterOrDigit(c) || c == '_';

    /// <summary>The names a statement (and everything nested in it) declares: locals and loop variables.</summary>
    public static IEnumerable<string> DeclaredNames(Stmt statement) => Statements(statement).Select(s => s switch
    {
        Declare d => d.Name,
        For f => f.Variable,
        _ => null,
    }).OfType<string>();

    /// <summary>Every node of an expression, the expression itself first, walked without recursion.</summary>
    public static IEnumerable<Expr> Nodes(Expr expression)
    {
        var stack = new Stack<Expr>();
        stack.Push(expression);
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            PushChildren(stack, current);
        }
    }

    /// <summary>
    /// Pushes the direct subexpressions in the order <see cref="Children"/> lists them, without the array it allocates
    /// per node: walks over expressions were a tenth of the generator's cold run.
    /// </summary>
    private static void PushChildren(Stack<Expr> stack, Expr expression)
    {
        switch (expression)
        {
            case Binary b:
                stack.Push(b.Left);
                stack.Push(b.Right);
                break;
            case Unary u:
                stack.Push(u.Operand);
                break;
            case Convert c:
                stack.Push(c.Operand);
                break;
            case Conditional c:
                stack.Push(c.Condition);
                stack.Push(c.WhenTrue);
                stack.Push(c.WhenFalse);
                break;
            case ElementAccess e:
                PushAll(stack, e.Indices);
                break;
            case Call c:
                PushAll(stack, c.Arguments);
                break;
            case UserCall u:
                PushAll(stack, u.Arguments);
                break;
            case Invoke i:
                PushAll(stack, i.Arguments);
                break;
            case NewArray n:
                PushAll(stack, n.Dimensions);
                break;
            case Tuple t:
                PushAll(stack, t.Elements);
                break;
        }
    }

    private static void PushAll(Stack<Expr> stack, EquatableArray<Expr> expressions)
    {
        for (var i = 0; i < expressions.Count; i++)
        {
            stack.Push(expressions[i]);
        }
    }

    /// <summary>Every variable name an expression reads, arrays included (an element read reads its array).</summary>
    public static IEnumerable<string> ReadNames(Expr expression)
    {
        foreach (var node in Nodes(expression))
        {
            switch (node)
            {
                case Variable v:
                    yield return v.Name;
                    break;
                case ElementAccess e:
                    yield return e.Array;
                    break;
                case ArrayLength l:
                    yield return l.Array;
                    break;
            }
        }
    }

    /// <summary>The names a statement (and everything nested in it) assigns: locals, and arrays whose elements it stores.</summary>
    public static IEnumerable<string> AssignedNames(Stmt statement)
    {
        var stack = new Stack<Stmt>();
        stack.Push(statement);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case Declare d:
                    yield return d.Name;
                    break;
                case Assign { Target: Variable v }:
                    yield return v.Name;
                    break;
                case Assign { Target: ElementAccess e }:
                    yield return e.Array;
                    break;
                case For f:
                    yield return f.Variable;
                    stack.Push(f.Body);
                    break;
                case While w:
                    stack.Push(w.Body);
                    break;
                case If i:
                    stack.Push(i.Then);
                    if (i.Else is not null)
                    {
                        stack.Push(i.Else);
                    }

                    break;
                case Block b:
                    foreach (var inner in b.Statements)
                    {
                        stack.Push(inner);
                    }

                    break;
            }
        }
    }

    /// <summary>Every statement nested in <paramref name="statement"/>, itself included (a fixed order, but not that of the source).</summary>
    public static IEnumerable<Stmt> Statements(Stmt statement) => Walk(statement, inSourceOrder: false);

    /// <summary>
    /// Every statement nested in <paramref name="statement"/>, itself included, in the order of the source (each before
    /// what it contains).
    /// </summary>
    public static IEnumerable<Stmt> StatementsInOrder(Stmt statement) => Walk(statement, inSourceOrder: true);

    /// <summary>A depth-first walk without recursion; pushing the children backwards pops them in source order.</summary>
    private static IEnumerable<Stmt> Walk(Stmt statement, bool inSourceOrder)
    {
        var stack = new Stack<Stmt>();
        stack.Push(statement);
        var children = new List<Stmt>();
        while (stack.Count > 0)
        {
            var current = stack.Pop();
            yield return current;
            children.Clear();
            switch (current)
            {
                case For f:
                    children.Add(f.Body);
                    break;
                case While w:
                    children.Add(w.Body);
                    if (w.Step is not null)
                    {
                        children.Add(w.Step);
                    }

                    break;
                case If i:
                    children.Add(i.Then);
                    if (i.Else is not null)
                    {
                        children.Add(i.Else);
                    }

                    break;
                case Block b:
                    children.AddRange(b.Statements);
                    break;
            }

            for (var k = 0; k < children.Count; k++)
            {
                stack.Push(children[inSourceOrder ? children.Count - 1 - k : k]);
            }
        }
    }

    /// <summary>
    /// Whether a statement or anything nested in it names <paramref name="name"/>: declares it, reads or assigns it, an
    /// element or its length included, or passes it as an out argument; generated code (<see cref="Verbatim"/>) by its
    /// read list or its text.
    /// </summary>
    public static bool Mentions(Stmt statement, string name) => Statements(statement).Any(s => s switch
    {
        Declare d when d.Name == name => true,
        Verbatim v => v.Reads.Contains(name) || v.Code.Contains(name),
        _ => OwnExpressions(s).SelectMany(Nodes).Any(n => Names(n, name)),
    });

    /// <summary>Whether the statement runs each time the block does: it is one of the block's, or of blocks nested in it.</summary>
    public static bool IsDirect(Block block, Stmt statement) =>
        block.Statements.Any(s => ReferenceEquals(s, statement) || (s is Block nested && IsDirect(nested, statement)));

    /// <summary>
    /// Whether the body is plain code the loop passes can read through: assignments, declarations, branches, loops and
    /// jumps out of an iteration, over expressions that call nothing but math functions (no user code, kernel, tape,
    /// allocation or code printed verbatim).
    /// </summary>
    public static bool IsPlain(Block body)
    {
        var statements = Statements(body).ToList();
        return statements.All(s => s is Block or Comment or Declare or Assign or If or For or Break or Continue)
            && statements.SelectMany(OwnExpressions).SelectMany(Nodes)
                .All(n => n is Constant or Variable or ElementAccess or ArrayLength or Unary or Binary or Call or Conditional or Convert);
    }

    /// <summary>Whether one node names <paramref name="name"/> (see <see cref="Mentions"/>).</summary>
    public static bool Names(Expr node, string name) => node switch
    {
        Variable v => v.Name == name,
        ElementAccess e => e.Array == name,
        ArrayLength l => l.Array == name,
        OutArgument o => o.Name == name,
        _ => false,
    };

    /// <summary>
    /// Whether a node reads state that statements may change without naming it: an array element (through a kernel's
    /// write or another name), or whatever a call or a tape pop touches. A pass that evaluates an expression once where
    /// the code evaluated it again and again (a loop's bound, a kernel's row) refuses such nodes; names it checks itself.
    /// </summary>
    public static bool ReadsMutableState(Expr node) => node is ElementAccess or UserCall or Invoke or TapePop;

    /// <summary>The index of the last statement that is not a comment; −1 when there is none.</summary>
    public static int LastNonComment(EquatableArray<Stmt> statements)
    {
        for (var i = statements.Count - 1; i >= 0; i--)
        {
            if (statements[i] is not Comment)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The arrays whose elements an expression reads.</summary>
    public static IEnumerable<string> ElementArrays(Expr expression) => Nodes(expression).OfType<ElementAccess>().Select(e => e.Array);

    /// <summary>Whether any statement nested in <paramref name="statement"/> is a return.</summary>
    public static bool ContainsReturn(Stmt? statement) => statement switch
    {
        Return => true,
        Block b => Any(b, ContainsReturn),
        If i => ContainsReturn(i.Then) || ContainsReturn(i.Else),
        For f => ContainsReturn(f.Body),
        While w => ContainsReturn(w.Body),
        _ => false,
    };

    /// <summary>Whether a break or continue of this loop level occurs in the statement (not counting inner loops).</summary>
    public static bool ContainsJump(Stmt? statement) => statement switch
    {
        Break or Continue => true,
        Block b => Any(b, ContainsJump),
        If i => ContainsJump(i.Then) || ContainsJump(i.Else),
        _ => false,
    };

    /// <summary>Whether a break of this loop level occurs in the statement (not counting inner loops).</summary>
    public static bool ContainsBreak(Stmt? statement) => statement switch
    {
        Break => true,
        Block b => Any(b, ContainsBreak),
        If i => ContainsBreak(i.Then) || ContainsBreak(i.Else),
        _ => false,
    };

    /// <summary>Whether any return sits inside a loop.</summary>
    public static bool ReturnsInsideLoop(Stmt? statement) => statement switch
    {
        Block b => Any(b, ReturnsInsideLoop),
        If i => ReturnsInsideLoop(i.Then) || ReturnsInsideLoop(i.Else),
        For f => ContainsReturn(f.Body),
        While w => ContainsReturn(w.Body),
        _ => false,
    };

    private static bool Any(Block block, System.Func<Stmt, bool> predicate)
    {
        foreach (var statement in block.Statements)
        {
            if (predicate(statement))
            {
                return true;
            }
        }

        return false;
    }
}
