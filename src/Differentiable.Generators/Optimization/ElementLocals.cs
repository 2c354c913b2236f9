using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// Array elements kept in locals through straight-line code (scalar replacement): where unrolled code writes an element
/// at constant indices and touches it again (<c>dv[3] = t·R[3, 3]; … dv[3] += t·R[2, 3];</c>, or an adjoint array
/// <c>dy[3] += seed[3];</c> then read four times), the element lives in a local (<c>dv_3</c>) from its first access and
/// is stored back once after the last statement of the run. Each access of an array element is a load or a store with
/// a bounds check that the JIT cannot remove or keep in a register (it cannot prove the arrays distinct); the local
/// is a register. Nothing is computed differently — the same operations on the same values in the same order — so the
/// results are bit-identical and the pass runs whether or not the method allows vectorization.
/// <para>
/// A run is a maximal sequence of declarations, assignments, comments and blocks of them, whose expressions call
/// nothing but math functions (no user code, kernel or code printed verbatim). An array's elements are kept in locals
/// over a run when, in that run, every access of the array is at constant indices and outside conditional evaluation
/// (a branch of <c>?:</c>, the right of <c>&amp;&amp;</c>/<c>||</c>, which may not run), nothing touches another name
/// that may share its storage, and nothing names the array itself (binds it, hands it on, declares it). Then distinct
/// indices are distinct elements, nothing else can see them before the store back, and an element's first access reads
/// memory as the code did. Kept: the elements the run writes and touches at least twice. The store back is left out for
/// an array the body allocated itself, in a run at the top of the body, that nothing after the run names.
/// </para>
/// </summary>
internal static class ElementLocals
{
    /// <param name="storeIntoZero">
    /// Whether an element's first addition into a freshly allocated array may store the term (<c>0 + t</c> is t except
    /// for t = −0): only where the method allows vectorization, as in <see cref="KnownScalars"/>.
    /// </param>
    public static Block Rewrite(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers, bool storeIntoZero)
    {
        // Most bodies index by loop variables only: nothing to keep, and no need for the alias classes or the names.
        if (!IrWalker.Statements(body).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Any(n => n is ElementAccess e && Key(e) is not null))
        {
            return body;
        }

        var aliases = ArrayAliases.Of(body, types, buffers);
        var taken = new HashSet<string>(types.Keys, System.StringComparer.Ordinal);
        var verbatim = new List<string>();
        foreach (var statement in IrWalker.Statements(body))
        {
            taken.UnionWith(IrWalker.DeclaredNames(statement));
            foreach (var node in IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes))
            {
                if (node is Variable v)
                {
                    taken.Add(v.Name);
                }
            }

            if (statement is Verbatim code)
            {
                verbatim.Add(code.Code);
            }
        }

        var declaredArrays = new HashSet<string>(
            IrWalker.Statements(body).OfType<Declare>().Where(d => d.Type.IsArray()).Select(d => d.Name),
            System.StringComparer.Ordinal);
        var context = new Context(aliases, taken, verbatim, declaredArrays, storeIntoZero);
        var rewritten = RewriteBlock(body, context, 0);
        return context.Unstored.Count == 0 ? rewritten : WithoutUnusedAllocations(rewritten, context.Unstored);
    }

    private sealed record Context(ArrayAliases Aliases, HashSet<string> Taken, List<string> Verbatim, HashSet<string> DeclaredArrays, bool StoreIntoZero)
    {
        /// <summary>Arrays some run left without storing its locals back: their allocations may now be unused.</summary>
        public HashSet<string> Unstored { get; } = new(System.StringComparer.Ordinal);
    }

    private static Block RewriteBlock(Block block, Context context, int depth)
    {
        StackGuard.Enter(depth);
        var statements = block.Statements
            .Select(s => s is Block ? s : IrWalker.WithNestedBlocks(s, b => RewriteBlock(b, context, depth + 1)))
            .ToList();
        var result = new List<Stmt>(statements.Count);
        var start = 0;
        while (start < statements.Count)
        {
            if (!IsStraightLine(statements[start]))
            {
                // A block that is not straight-line (it holds a loop) is its own region, as a loop's body is.
                result.Add(statements[start] is Block inner ? RewriteBlock(inner, context, depth + 1) : statements[start]);
                start++;
                continue;
            }

            var end = start;
            while (end < statements.Count && IsStraightLine(statements[end]))
            {
                end++;
            }

            // The statements before and after the run, as views: only a run that keeps elements looks at them.
            var before = depth == 0 ? statements.Take(start) : null;
            result.AddRange(RewriteRun(statements.GetRange(start, end - start), before, statements.Skip(end), context));
            start = end;
        }

        return new Block(result.ToEquatableArray());
    }

    /// <summary>A declaration, assignment, comment, or block of them, calling nothing but math functions.</summary>
    private static bool IsStraightLine(Stmt statement) => IrWalker.Statements(statement).All(s => s switch
    {
        Block or Comment => true,
        Declare or Assign => IrWalker.OwnExpressions(s).SelectMany(IrWalker.Nodes).All(n => n is Constant or Variable or ElementAccess or ArrayLength or Unary or Binary or Call or Convert or Conditional or NewArray or TapePop),
        _ => false,
    });

    private sealed class Element
    {
        public Element(ElementAccess access, string local)
        {
            Access = access;
            Local = local;
        }

        public ElementAccess Access { get; }

        public string Local { get; }

        public bool Written { get; set; }

        public bool Declared { get; set; }

        /// <summary>The element is 0 until the run first writes it: its array was allocated before the run, and nothing touched it since.</summary>
        public bool FreshZero { get; set; }

        /// <summary>What the element's first read gives: its memory, or 0 in a fresh array.</summary>
        public Expr Initial => FreshZero ? Constant.Zero : Access;
    }

    /// <param name="before">The statements before the run in the body's own block (null in a nested block).</param>
    private static List<Stmt> RewriteRun(List<Stmt> run, IEnumerable<Stmt>? before, IEnumerable<Stmt> rest, Context context)
    {
        var kept = KeptElements(run, context);
        if (kept.Count == 0)
        {
            return run;
        }

        foreach (var element in kept.Values)
        {
            // Only within the allocated sizes: an index past them must still throw, as the access did.
            element.FreshZero = before is not null && FreshSizes(element.Access.Array, before, context) is { } sizes && WithinSizes(element.Access, sizes);
        }

        var output = new List<Stmt>(run.Count + 2 * kept.Count + 1);
        foreach (var statement in run)
        {
            // Elements first touched inside a nested block are declared before it, so that the blocks after it see them.
            var hoisted = new List<Stmt>();
            var rewritten = statement is Block nested
                ? RewriteNested(nested, kept, hoisted)
                : RewriteTop(statement, kept, hoisted, context.StoreIntoZero);
            output.AddRange(hoisted);
            output.Add(rewritten);
        }

        // Stores back are left out only for a fresh array with every kept element in range (so none of them throws).
        var deadArrays = new HashSet<string>(
            kept.Values.GroupBy(e => e.Access.Array)
                .Where(g => g.All(e => e.FreshZero) && StoreIsDead(g.Key, rest, before is not null, context))
                .Select(g => g.Key),
            System.StringComparer.Ordinal);
        context.Unstored.UnionWith(deadArrays);
        var stores = kept.Values.Where(e => e.Written && !deadArrays.Contains(e.Access.Array)).ToList();
        foreach (var element in stores)
        {
            output.Add(new Assign(element.Access, new Variable(element.Local)));
        }

        var locals = new HashSet<string>(kept.Values.Select(e => e.Local), System.StringComparer.Ordinal);
        var first = output.FindIndex(s => s is Declare d && locals.Contains(d.Name));
        var names = string.Join(", ", kept.Values.Select(e => e.Access.Array).Distinct());
        output.Insert(first < 0 ? 0 : first, new Comment($"elements of {names} kept in locals from here through the straight-line code below{(stores.Count > 0 ? ", stored back after it" : string.Empty)}"));
        return output;
    }

    /// <summary>A top-level statement: its first write of an element declares the element's local in place.</summary>
    private static Stmt RewriteTop(Stmt statement, Dictionary<string, Element> kept, List<Stmt> hoisted, bool storeIntoZero)
    {
        if (statement is Assign { Target: ElementAccess target } assign && Key(target) is { } key && kept.TryGetValue(key, out var element) && !element.Declared)
        {
            // The value is evaluated first, reading the element from memory (or its 0) if it adds to it.
            var value = Substitute(assign.Value, kept, hoisted, except: key);
            if (element.FreshZero)
            {
                value = IrWalker.Rewrite(value, node => node is ElementAccess a && Key(a) == key ? Constant.Zero : null);
                if (storeIntoZero && value is Binary { Operator: BinaryOperator.Add, Left: Constant { Value: 0.0 } } sum)
                {
                    value = sum.Right;
                }
            }

            element.Declared = true;
            element.Written = true;
            return new Declare(element.Local, IrType.Double, value);
        }

        return RewriteStatement(statement, kept, hoisted);
    }

    private static Block RewriteNested(Block block, Dictionary<string, Element> kept, List<Stmt> hoisted) =>
        new(block.Statements.Select(s => s is Block inner ? RewriteNested(inner, kept, hoisted) : RewriteStatement(s, kept, hoisted)).ToEquatableArray());

    private static Stmt RewriteStatement(Stmt statement, Dictionary<string, Element> kept, List<Stmt> hoisted)
    {
        switch (statement)
        {
            case Declare { Initializer: { } initializer } declare:
                return declare with { Initializer = Substitute(initializer, kept, hoisted) };
            case Assign { Target: ElementAccess stored } assign when Key(stored) is { } key && kept.TryGetValue(key, out var element):
            {
                var value = Substitute(assign.Value, kept, hoisted);
                if (!element.Declared)
                {
                    // Assigned in a nested block: declared before the block, its first value read by nothing.
                    hoisted.Add(new Declare(element.Local, IrType.Double, null));
                    element.Declared = true;
                }

                element.Written = true;
                return new Assign(new Variable(element.Local), value);
            }

            case Assign assign:
                return new Assign(
                    assign.Target is ElementAccess target ? target with { Indices = target.Indices.Select(i => Substitute(i, kept, hoisted)).ToEquatableArray() } : assign.Target,
                    Substitute(assign.Value, kept, hoisted));
            default:
                return statement;
        }
    }

    /// <summary>The expression reading kept elements from their locals; an element read before any write is loaded once, before the statement.</summary>
    private static Expr Substitute(Expr expression, Dictionary<string, Element> kept, List<Stmt> hoisted, string? except = null) =>
        IrWalker.Rewrite(expression, node =>
        {
            if (node is not ElementAccess access || Key(access) is not { } key || key == except || !kept.TryGetValue(key, out var element))
            {
                return null;
            }

            if (!element.Declared)
            {
                hoisted.Add(new Declare(element.Local, IrType.Double, element.Initial));
                element.Declared = true;
            }

            return new Variable(element.Local);
        });

    /// <summary>The elements of the run's clean arrays that it writes and touches at least twice, by key, in order of first access.</summary>
    private static Dictionary<string, Element> KeptElements(List<Stmt> run, Context context)
    {
        var accesses = new List<(ElementAccess Access, bool Write, bool Conditional, int Statement)>();
        var whole = new HashSet<string>(System.StringComparer.Ordinal);
        var ordinal = 0;
        foreach (var statement in run.SelectMany(IrWalker.StatementsInOrder))
        {
            ordinal++;
            switch (statement)
            {
                case Declare d:
                    whole.Add(d.Name);
                    if (d.Initializer is { } initializer)
                    {
                        Collect(initializer, accesses, whole, ordinal);
                    }

                    break;
                case Assign a:
                    Collect(a.Value, accesses, whole, ordinal);
                    if (a.Target is ElementAccess target)
                    {
                        foreach (var index in target.Indices)
                        {
                            Collect(index, accesses, whole, ordinal);
                        }

                        accesses.Add((target, true, false, ordinal));
                    }
                    else if (a.Target is Variable v)
                    {
                        whole.Add(v.Name);
                    }

                    break;
            }
        }

        var arrays = accesses.Select(a => a.Access.Array).Distinct().ToList();
        var clean = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var array in arrays)
        {
            if (context.Aliases.Types.TryGetValue(array, out var type) && type is IrType.DoubleArray or IrType.DoubleMatrix
                && !whole.Any(name => context.Aliases.MayAlias(name, array))
                && accesses.All(a => a.Access.Array == array
                    ? Key(a.Access) is not null && !a.Conditional
                    : !context.Aliases.MayAlias(a.Access.Array, array)))
            {
                clean.Add(array);
            }
        }

        var kept = new Dictionary<string, Element>(System.StringComparer.Ordinal);
        foreach (var group in accesses.Where(a => clean.Contains(a.Access.Array)).GroupBy(a => Key(a.Access)!, System.StringComparer.Ordinal))
        {
            if (group.Select(a => a.Statement).Distinct().Count() >= 2 && group.Any(a => a.Write))
            {
                var access = group.First().Access;
                kept.Add(group.Key, new Element(access, FreshName(access, context)));
            }
        }

        return kept;
    }

    /// <summary>Element accesses in evaluation order (an access's indices before it), and names used whole.</summary>
    private static void Collect(Expr expression, List<(ElementAccess, bool, bool, int)> accesses, HashSet<string> whole, int statement)
    {
        // Post-order without recursion: a node after its children, the children in evaluation order.
        var stack = new Stack<(Expr Node, bool Conditional, bool Visited)>();
        stack.Push((expression, false, false));
        while (stack.Count > 0)
        {
            var (node, inConditional, visited) = stack.Pop();
            if (visited)
            {
                if (node is ElementAccess access)
                {
                    accesses.Add((access, false, inConditional, statement));
                }

                continue;
            }

            stack.Push((node, inConditional, true));
            switch (node)
            {
                case Variable v:
                    whole.Add(v.Name);
                    break;
                case Conditional c:
                    stack.Push((c.WhenFalse, true, false));
                    stack.Push((c.WhenTrue, true, false));
                    stack.Push((c.Condition, inConditional, false));
                    break;
                case Binary { Operator: BinaryOperator.And or BinaryOperator.Or } b:
                    stack.Push((b.Right, true, false));
                    stack.Push((b.Left, inConditional, false));
                    break;
                default:
                    var children = IrWalker.Children(node).ToList();
                    for (var i = children.Count - 1; i >= 0; i--)
                    {
                        stack.Push((children[i], inConditional, false));
                    }

                    break;
            }
        }
    }

    /// <summary>The element's key, array and constant indices; null when an index is not a constant.</summary>
    private static string? Key(ElementAccess access)
    {
        var parts = new string[access.Indices.Count + 1];
        parts[0] = access.Array;
        for (var i = 0; i < access.Indices.Count; i++)
        {
            if (access.Indices[i] is not Constant { Type: IrType.Int32 } c)
            {
                return null;
            }

            parts[i + 1] = ((int)c.Value).ToString(CultureInfo.InvariantCulture);
        }

        return string.Join("|", parts);
    }

    /// <summary><c>dv_3</c>, <c>dR_1_2</c>: a name nothing in the body uses, nor the code it prints verbatim.</summary>
    private static string FreshName(ElementAccess access, Context context)
    {
        // A negative index (s[0 - 1], which throws as the method does) is spelled m1: ds_-1 is no name (CS1002).
        var name = access.Array + "_" + string.Join("_", access.Indices.Select(i => (int)((Constant)i).Value).Select(v => v < 0
            ? "m" + (-(long)v).ToString(CultureInfo.InvariantCulture)
            : v.ToString(CultureInfo.InvariantCulture)));
        var candidate = name;
        for (var n = 2; context.Taken.Contains(candidate) || context.Verbatim.Any(code => IrWalker.ContainsIdentifier(code, candidate)); n++)
        {
            candidate = name + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        context.Taken.Add(candidate);
        return candidate;
    }

    /// <summary>
    /// Whether storing the run's values back into the array can change nothing: an array the body declared, where no
    /// statement after a top-level run names it or a name that may share its storage (code printed verbatim by its
    /// read list or its text).
    /// </summary>
    private static bool StoreIsDead(string array, IEnumerable<Stmt> rest, bool atTop, Context context)
    {
        if (!atTop || !context.DeclaredArrays.Contains(array))
        {
            return false;
        }

        var sharing = SharingStorage(array, context);
        return !rest.Any(statement => NamesAny(statement, sharing));
    }

    /// <summary>The names that may reach the array's storage, itself included.</summary>
    private static List<string> SharingStorage(string array, Context context) =>
        context.Taken.Where(name => context.Aliases.MayAlias(name, array)).ToList();

    /// <summary>Whether a statement names one of the names, code printed verbatim by its read list or its text.</summary>
    private static bool NamesAny(Stmt statement, List<string> names) =>
        names.Any(name => IrWalker.Mentions(statement, name) || IrWalker.Statements(statement).OfType<Verbatim>().Any(code => IrWalker.ContainsIdentifier(code.Code, name)));

    /// <summary>
    /// The sizes of the array when it holds zeros as the run starts: the last of the statements before it that names the
    /// array, or a name that may share its storage, allocates it (<c>new double[4]</c> at constant sizes); null otherwise.
    /// </summary>
    private static int[]? FreshSizes(string array, IEnumerable<Stmt> before, Context context)
    {
        var sharing = SharingStorage(array, context);
        foreach (var statement in before.Reverse())
        {
            if (!NamesAny(statement, sharing))
            {
                continue;
            }

            var allocation = statement switch
            {
                Assign { Target: Variable v, Value: NewArray n } when v.Name == array => n,
                Declare { Initializer: NewArray n } d when d.Name == array => n,
                _ => null,
            };
            return allocation is not null && IsConstantAllocation(allocation)
                ? allocation.Dimensions.Select(d => (int)((Constant)d).Value).ToArray()
                : null;
        }

        return null;
    }

    private static bool WithinSizes(ElementAccess access, int[] sizes) =>
        access.Indices.Count == sizes.Length
        && access.Indices.Select((index, d) => (int)((Constant)index).Value is var k && k >= 0 && k < sizes[d]).All(inRange => inRange);

    private static bool IsConstantAllocation(NewArray allocation) =>
        allocation.Dimensions.All(d => d is Constant { Type: IrType.Int32, Value: >= 0 });

    /// <summary>
    /// The body without the allocations of arrays nothing reads or writes any more (of those whose stores back a run left
    /// out): a declaration and assignments of <c>new double[…]</c> at constant sizes, which cannot throw, are all that
    /// name them.
    /// </summary>
    private static Block WithoutUnusedAllocations(Block body, IEnumerable<string> arrays)
    {
        var unused = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var array in arrays)
        {
            var naming = IrWalker.Statements(body).Where(s => s is not Block && IrWalker.Mentions(s, array)).ToList();
            if (naming.Count > 0 && naming.All(s => IsAllocationOf(s, array)))
            {
                unused.Add(array);
            }
        }

        return unused.Count == 0 ? body : Without(body, unused, 0);

        static Block Without(Block block, HashSet<string> unused, int depth)
        {
            StackGuard.Enter(depth);
            return new Block(block.Statements
                .Where(s => !unused.Any(array => IsAllocationOf(s, array)))
                .Select(s => IrWalker.WithNestedBlocks(s, b => Without(b, unused, depth + 1)))
                .ToEquatableArray());
        }
    }

    private static bool IsAllocationOf(Stmt statement, string array) => statement switch
    {
        Declare d => d.Name == array && (d.Initializer is null || (d.Initializer is NewArray n && IsConstantAllocation(n))),
        Assign { Target: Variable v, Value: NewArray n } => v.Name == array && IsConstantAllocation(n),
        _ => false,
    };
}
