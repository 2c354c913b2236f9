using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// The iterations of a blocked loop (<see cref="RowBlocks"/>) run <c>Vector&lt;double&gt;.Count</c> at a time, one row
/// per lane, when each is arithmetic on doubles: what is left of a logistic regression's sample once its dot, exp, logs
/// and axpy went to kernels (σ's and the logs' derivatives, four divisions a row).
/// <para>
/// Sound, and bit for bit the loop as written, when the body is straight-line declarations and assignments of doubles
/// (+, −, ×, ÷, negation, √, |·|) that read constants, invariant doubles, the block's scratch at its own row and
/// double arrays at exactly the row (<c>a[i]</c>, read or stored: two iterations never touch one element, even of two
/// names for one array) or, read only, at one place for every row (<c>a[k]</c>, k not the row: one broadcast, where no row
/// stores into that array under any name); and each double it assigns and did not declare is
/// <list type="bullet">
/// <item>private: written before it is read in every iteration (its last lane is written back after the loop);</item>
/// <item>reset: read first, and set last to a constant c, so each iteration after the first starts from c (the loop's
/// first iteration always runs one by one);</item>
/// <item>or a sum: only ever <c>v += e</c> or <c>v -= e</c> with e free of v, each lane's terms added after the lanes
/// in the loop's order.</item>
/// </list>
/// Every lane computes what its iteration computed, with the same operations in the same order (the JIT contracts
/// nothing into fused multiply–adds; a negation flips the sign bit, as −x does; int arithmetic stays scalar), and the
/// scratch rows of two iterations never
/// overlap: a slot is <c>RowBlocks</c>' run of 64 and a block has at most 64 rows. The iterations that do not fill a
/// vector, and all of them where the processor has no SIMD or an array is shorter than the rows, run as written. A loop
/// whose sums would cost more lane by lane than its vector work saves (fewer than four vector operations a sum) stays
/// scalar.
/// </para>
/// </summary>
internal static class LaneIterations
{
    private const string VectorType = "global::System.Numerics.Vector<double>";
    private const string Broadcast = "new " + VectorType;
    private const string Lanes = VectorType + ".Count";

    /// <summary>Vector operations a loop needs per sum it adds up lane by lane.</summary>
    private const int OperationsPerSum = 4;

    /// <summary>Expressions nested deeper than this stay scalar (the conversion recurses).</summary>
    private const int MaxDepth = 64;

    /// <summary>The iterations as a scalar head and a vector loop, or null when the body does not qualify.</summary>
    /// <param name="loop">The iterations of one block, from its lower row (a name) to its upper one.</param>
    /// <param name="scratch">The block's buffer: read and stored at <c>i − low</c> plus a slot's multiple of 64.</param>
    /// <param name="types">The types of the names the loop had before blocking.</param>
    /// <param name="mayAlias">
    /// Whether two array names may share storage; without it, arrays must be read and stored at exactly the row.
    /// </param>
    public static Stmt[]? Rewrite(For loop, string scratch, IReadOnlyDictionary<string, IrType> types, FreshNames names, System.Func<string, string, bool>? mayAlias = null)
    {
        if (loop.Lower is not Variable low)
        {
            return null;
        }

        var row = loop.Variable;
        var leaves = IrWalker.StatementsInOrder(loop.Body).Where(s => s is not Block and not Comment).ToList();
        var declared = new HashSet<string>(StringComparer);

        // Each array the body reads or stores (the scratch aside), at the one place in a row where it does; and the
        // arrays it reads at one place for every row.
        var indices = new Dictionary<string, Expr>(StringComparer);
        var broadcast = new HashSet<string>(StringComparer);
        foreach (var statement in leaves)
        {
            switch (statement)
            {
                case Declare { Type: IrType.Double } declare:
                    declared.Add(declare.Name);
                    break;
                case Assign { Target: Variable target } when target.Name != row && IsDouble(target.Name, types, declared):
                    break;
                case Assign { Target: ElementAccess store } when store.Array == scratch ? IsSlot(store, row, low.Name) : IsAtRow(store, row, types):
                    break;
                default:
                    return null;
            }

            foreach (var element in IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<ElementAccess>().Where(e => e.Array != scratch))
            {
                if (IsInvariantElement(element, row, types))
                {
                    // Read at one place for every row (the pair loop's px[i]): one broadcast, if no row stores there.
                    broadcast.Add(element.Array);
                    continue;
                }

                if (!indices.TryGetValue(element.Array, out var index))
                {
                    indices[element.Array] = element.Indices[0];
                }
                else if (!index.Equals(element.Indices[0]))
                {
                    // One array at two places of a row: a lane would read a place another lane's row stores.
                    return null;
                }
            }
        }

        // An element every row reads at one place stays one value only if no row stores into its array under any name.
        var stored = leaves.OfType<Assign>().Select(a => a.Target).OfType<ElementAccess>().Select(e => e.Array).Where(a => a != scratch).Distinct().ToList();
        if (broadcast.Any(array => stored.Any(s => s == array || mayAlias is null || mayAlias(s, array))))
        {
            return null;
        }

        // An array at an offset from the row (a[e + i]) is apart from every array at another place, or rows would meet.
        foreach (var pair in indices.Where(p => p.Value is not Variable))
        {
            if (mayAlias is null || indices.Any(other => other.Key != pair.Key && !other.Value.Equals(pair.Value) && mayAlias(pair.Key, other.Key)))
            {
                return null;
            }
        }

        // What each assigned double that outlives an iteration is; anything else keeps the loop scalar.
        var sums = new HashSet<string>(StringComparer);
        var resets = new Dictionary<string, Constant>(StringComparer);
        var privates = new List<string>();
        foreach (var name in leaves.OfType<Assign>().Select(a => a.Target).OfType<Variable>().Select(v => v.Name).Distinct().Where(n => !declared.Contains(n)))
        {
            var mentioning = leaves.Where(s => IrWalker.Mentions(s, name)).ToList();
            if (mentioning.All(s => IsSumTerm(s, name)))
            {
                sums.Add(name);
            }
            else if (mentioning[0] is Assign { Target: Variable target } first && target.Name == name && !IrWalker.ReadNames(first.Value).Contains(name))
            {
                privates.Add(name);
            }
            else if (mentioning.Last(s => s is Assign { Target: Variable v } && v.Name == name) is Assign { Value: Constant constant })
            {
                resets[name] = constant;
            }
            else
            {
                return null;
            }
        }

        // Each name that lives across iterations gets a vector of its own; invariant doubles one broadcast each.
        var laneNames = new Dictionary<string, string>(StringComparer);
        foreach (var name in privates.Concat(resets.Keys))
        {
            laneNames[name] = names.Fresh(name + "Lanes");
        }

        var invariants = new Dictionary<string, string>(StringComparer);
        var invariantElements = new Dictionary<ElementAccess, string>();
        var terms = new List<(string Sum, BinaryOperator Operator, string Terms)>();
        var converter = new Converter(row, scratch, low.Name, types, declared, laneNames, invariants, invariantElements, names);

        // The body with its blocks (sibling blocks may declare one name twice), each statement on vectors.
        Block? ConvertBlock(Block block, int depth)
        {
            if (depth > MaxDepth)
            {
                return null;
            }

            var converted = new List<Stmt>();
            foreach (var statement in block.Statements)
            {
                switch (statement)
                {
                    case Comment:
                        break;
                    case Block nested:
                        if (ConvertBlock(nested, depth + 1) is not { } inner)
                        {
                            return null;
                        }

                        converted.Add(inner);
                        break;
                    case Declare declare:
                        var initializer = declare.Initializer is null ? null : converter.Convert(declare.Initializer);
                        if (declare.Initializer is not null && initializer is null)
                        {
                            return null;
                        }

                        converted.Add(new Declare(declare.Name, IrType.DoubleVector, initializer));
                        break;
                    case Assign { Target: Variable { Name: var sum }, Value: Binary term } when sums.Contains(sum):
                        if (converter.Convert(term.Right) is not { } termLanes)
                        {
                            return null;
                        }

                        // Declared at the top of the vector iteration, where the lanes' additions read it.
                        var termName = names.Fresh(sum + "Terms");
                        converted.Add(new Assign(new Variable(termName), termLanes));
                        terms.Add((sum, term.Operator, termName));
                        break;
                    case Assign { Target: Variable target } assign:
                        if (converter.Convert(assign.Value) is not { } value)
                        {
                            return null;
                        }

                        converted.Add(new Assign(new Variable(laneNames.TryGetValue(target.Name, out var lanes) ? lanes : target.Name), value));
                        break;
                    case Assign { Target: ElementAccess store } assign:
                        if (converter.Convert(assign.Value) is not { } stored)
                        {
                            return null;
                        }

                        if (stored is not Variable source)
                        {
                            source = new Variable(names.Fresh("laneStore"));
                            converted.Add(new Declare(source.Name, IrType.DoubleVector, stored));
                        }

                        converted.Add(new Evaluate(new Invoke(CopyTo, new Expr[] { source, new Variable(store.Array), store.Indices[0] }.ToEquatableArray())));
                        break;
                    default:
                        return null;
                }
            }

            return new Block(converted.ToEquatableArray());
        }

        if (ConvertBlock(loop.Body, 0) is not { } vectorBody)
        {
            return null;
        }

        // A sum's lanes are W scalar additions per vector, as many as the rows made: worth it beside enough vector work.
        var operations = IrWalker.Statements(vectorBody).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.Nodes).Count(n => n is Binary or Invoke { Arguments.Count: 1 } and not Invoke { Method: Broadcast });
        if (operations < OperationsPerSum * terms.Count)
        {
            return null;
        }

        var body = terms.Select(t => (Stmt)new Declare(t.Terms, IrType.DoubleVector, null)).ToList();
        body.AddRange(vectorBody.Statements);

        // The sums take each lane's terms in the loop's order of rows, as the iterations added them.
        var step = new Variable(row);
        var lanesCount = new Variable(Lanes);
        if (terms.Count > 0)
        {
            var lane = names.Fresh("lane");
            var additions = terms.Select(t => (Stmt)new Assign(new Variable(t.Sum), new Binary(t.Operator, new Variable(t.Sum), new ElementAccess(t.Terms, new Expr[] { new Variable(lane) }.ToEquatableArray()))));
            body.Add(new For(lane, Constant.Int(0), lanesCount, loop.Descending, new Block(additions.ToEquatableArray())));
        }

        body.Add(new Assign(step, new Binary(loop.Descending ? BinaryOperator.Subtract : BinaryOperator.Add, step, lanesCount)));

        // Rows [low, upper): the first count mod W (W if that is 0) rows in the loop's order run as written, the rest by
        // vectors; all run as written without SIMD, with a vector's worth of rows or less, or with an array too short (a
        // null one throws NullReferenceException here, before any row's effects; a test for null would make C#'s flow
        // analysis take the array for maybe-null in the code after it).
        var upper = loop.Upper;
        var count = upper is Binary { Operator: BinaryOperator.Add, Left: Variable from, Right: var size } && from.Name == low.Name
            ? size
            : new Binary(BinaryOperator.Subtract, upper, low);
        var head = new Binary(BinaryOperator.Add, new Binary(BinaryOperator.Remainder, new Binary(BinaryOperator.Subtract, count, Constant.Int(1)), lanesCount), Constant.Int(1));
        Expr condition = new Binary(BinaryOperator.And, new Variable("global::System.Numerics.Vector.IsHardwareAccelerated"), new Binary(BinaryOperator.Greater, count, lanesCount));
        if (indices.Count > 0)
        {
            condition = new Binary(BinaryOperator.And, condition, new Binary(BinaryOperator.GreaterOrEqual, low, Constant.Int(0)));
            foreach (var array in indices.Keys.OrderBy(a => a, StringComparer))
            {
                if (OffsetOf(indices[array], row) is { } offset)
                {
                    // Rows [e + low, e + upper): e ≥ 0 and upper ≤ Length − e, which cannot overflow where e + upper could.
                    condition = new Binary(BinaryOperator.And, condition, new Binary(BinaryOperator.GreaterOrEqual, offset, Constant.Int(0)));
                    condition = new Binary(BinaryOperator.And, condition, new Binary(BinaryOperator.LessOrEqual, upper, new Binary(BinaryOperator.Subtract, new ArrayLength(array, -1), offset)));
                }
                else
                {
                    condition = new Binary(BinaryOperator.And, condition, new Binary(BinaryOperator.LessOrEqual, upper, new ArrayLength(array, -1)));
                }
            }
        }

        var split = new Variable(names.Fresh(loop.Descending ? "vectorTop" : "vectorStart"));
        var setup = new List<Stmt>();
        setup.AddRange(privates.Select(p => (Stmt)new Declare(laneNames[p], IrType.DoubleVector, null)));
        setup.AddRange(resets.Select(r => (Stmt)new Declare(laneNames[r.Key], IrType.DoubleVector, Converter.BroadcastOf(Constant.Of(r.Value.Value)))));
        setup.AddRange(invariants.Select(v => (Stmt)new Declare(v.Value, IrType.DoubleVector, Converter.BroadcastOf(new Variable(v.Key)))));
        // After the scalar head, which read each of these elements at least once: an index out of range has thrown there.
        setup.AddRange(invariantElements.Select(e => (Stmt)new Declare(e.Value, IrType.DoubleVector, Converter.BroadcastOf(e.Key))));
        Stmt scalarHead;
        if (loop.Descending)
        {
            // Rows [split, upper) from the top down, then vectors of rows from split − W down to low.
            setup.Add(new Declare(row, IrType.Int32, new Binary(BinaryOperator.Subtract, split, lanesCount)));
            setup.Add(new While(new Binary(BinaryOperator.GreaterOrEqual, step, low), new Block(body.ToEquatableArray())));
            scalarHead = loop with { Lower = split };
        }
        else
        {
            setup.Add(new Declare(row, IrType.Int32, split));
            setup.Add(new While(new Binary(BinaryOperator.Less, step, upper), new Block(body.ToEquatableArray())));
            scalarHead = loop with { Upper = split };
        }

        // A private's value after the loop is the last row's: the highest lane ascending, the lowest descending.
        var last = loop.Descending ? (Expr)Constant.Int(0) : new Binary(BinaryOperator.Subtract, lanesCount, Constant.Int(1));
        setup.AddRange(privates.Select(p => (Stmt)new Assign(new Variable(p), new ElementAccess(laneNames[p], new[] { last }.ToEquatableArray()))));

        var splitValue = loop.Descending
            ? new Conditional(condition, new Binary(BinaryOperator.Subtract, upper, head), low)
            : new Conditional(condition, new Binary(BinaryOperator.Add, low, head), upper);
        return new Stmt[]
        {
            new Comment($"lanes: the iterations run by vectors of W = Vector<double>.Count rows, one row per lane, after the first (count − 1) mod W + 1 as written (the same operations per row, bit for bit{(terms.Count > 0 ? "; the sums add each lane's terms in the rows' order" : "")})"),
            new Declare(split.Name, IrType.Int32, splitValue),
            scalarHead,
            new If(
                loop.Descending ? new Binary(BinaryOperator.Greater, split, low) : new Binary(BinaryOperator.Less, split, upper),
                new Block(setup.ToEquatableArray()),
                null),
        };
    }

    private static readonly System.StringComparer StringComparer = System.StringComparer.Ordinal;

    /// <summary>A vector's load from an array, <c>new Vector&lt;double&gt;(a, k)</c>, or store into one, <c>v.CopyTo(a, k)</c>.</summary>
    public static bool IsElementAccess(Invoke invoke) =>
        (invoke.Arguments.Count == 2 && invoke.Method == Broadcast) || (invoke.Arguments.Count == 3 && invoke.Method == CopyTo);

    private const string CopyTo = ".CopyTo";

    private static bool IsDouble(string name, IReadOnlyDictionary<string, IrType> types, HashSet<string> declared) =>
        declared.Contains(name) || (types.TryGetValue(name, out var type) && type == IrType.Double);

    /// <summary><c>v += e</c> or <c>v -= e</c> with e free of v.</summary>
    private static bool IsSumTerm(Stmt statement, string name) =>
        statement is Assign { Target: Variable target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract, Left: Variable left } term }
        && target.Name == name && left.Name == name && !IrWalker.ReadNames(term.Right).Contains(name);

    /// <summary>
    /// An element of a double array at exactly the row, <c>a[i]</c> (iterations then touch disjoint elements of every
    /// array, whichever names share storage), or at an offset from it, <c>a[e + i]</c> (which <see cref="Rewrite"/> takes
    /// only for an array apart from the others).
    /// </summary>
    private static bool IsAtRow(ElementAccess access, string row, IReadOnlyDictionary<string, IrType> types) =>
        access.Indices.Count == 1
        && ((access.Indices[0] is Variable index && index.Name == row) || OffsetOf(access.Indices[0], row) is not null)
        && types.TryGetValue(access.Array, out var type) && type == IrType.DoubleArray;

    /// <summary>
    /// An element of a double array or matrix at indices that are int arithmetic on constants and names other than the
    /// row: the same element in every row (the loop assigns no int).
    /// </summary>
    private static bool IsInvariantElement(ElementAccess access, string row, IReadOnlyDictionary<string, IrType> types) =>
        types.TryGetValue(access.Array, out var type)
        && ((type == IrType.DoubleArray && access.Indices.Count == 1) || (type == IrType.DoubleMatrix && access.Indices.Count == 2))
        && access.Indices.All(index => IsInvariantIndex(index, row, 0));

    /// <summary>Int arithmetic (+, −, ×) on int constants and names other than the row.</summary>
    private static bool IsInvariantIndex(Expr e, string row, int depth) => depth <= MaxDepth && e switch
    {
        Constant { Type: IrType.Int32 } => true,
        Variable v => v.Name != row,
        Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply } b => IsInvariantIndex(b.Left, row, depth + 1) && IsInvariantIndex(b.Right, row, depth + 1),
        _ => false,
    };

    /// <summary>
    /// e in an index <c>e + i</c> or <c>i + e</c>, where e is int arithmetic (+, −, ×) on constants and names: the loop
    /// assigns no int, so e is the same in every row. Null for any other index.
    /// </summary>
    private static Expr? OffsetOf(Expr index, string row)
    {
        bool IsRow(Expr e) => e is Variable v && v.Name == row;
        return index switch
        {
            Binary { Operator: BinaryOperator.Add, Left: var e, Right: var i } when IsRow(i) && IsInvariantIndex(e, row, 0) => e,
            Binary { Operator: BinaryOperator.Add, Left: var i, Right: var e } when IsRow(i) && IsInvariantIndex(e, row, 0) => e,
            _ => null,
        };
    }

    /// <summary>A scratch element at the row: <c>i − low</c> or <c>c + (i − low)</c> for an int constant c ≥ 0.</summary>
    private static bool IsSlot(ElementAccess access, string row, string low)
    {
        if (access.Indices.Count != 1)
        {
            return false;
        }

        bool Offset(Expr e) => e is Binary { Operator: BinaryOperator.Subtract, Left: Variable i, Right: Variable l } && i.Name == row && l.Name == low;
        return access.Indices[0] switch
        {
            var e when Offset(e) => true,
            Binary { Operator: BinaryOperator.Add, Left: Constant { Type: IrType.Int32, Value: >= 0 }, Right: var e } => Offset(e),
            _ => false,
        };
    }

    /// <summary>Scalar expressions of one row to vector expressions of W rows; null for anything that has none.</summary>
    private sealed class Converter(
        string row,
        string scratch,
        string low,
        IReadOnlyDictionary<string, IrType> types,
        HashSet<string> declared,
        Dictionary<string, string> laneNames,
        Dictionary<string, string> invariants,
        Dictionary<ElementAccess, string> invariantElements,
        FreshNames names)
    {
        public static Expr BroadcastOf(Expr scalar) => new Invoke(Broadcast, new[] { scalar }.ToEquatableArray());

        /// <summary>Whether an expression is int-typed: int constants and names, and operators and calls on them only.</summary>
        private bool IsInteger(Expr expression, int depth) => depth > MaxDepth || expression switch
        {
            Constant { Type: IrType.Int32 } => true,
            Variable { Name: var name } => name == row || (types.TryGetValue(name, out var type) && type == IrType.Int32),
            Binary binary => IsInteger(binary.Left, depth + 1) && IsInteger(binary.Right, depth + 1),
            Unary unary => IsInteger(unary.Operand, depth + 1),
            Call call => call.Arguments.All(a => IsInteger(a, depth + 1)),
            _ => false,
        };

        public Expr? Convert(Expr expression) => Convert(expression, 0);

        private Expr? Convert(Expr expression, int depth)
        {
            if (depth > MaxDepth)
            {
                return null;
            }

            switch (expression)
            {
                case Constant { Type: IrType.Double or IrType.Int32 } constant:
                    return BroadcastOf(Constant.Of(constant.Value));
                case Variable { Name: var name } when name == row:
                    return null;
                case Variable { Name: var name } when laneNames.TryGetValue(name, out var lanes):
                    return new Variable(lanes);
                case Variable { Name: var name } when declared.Contains(name):
                    return new Variable(name);
                case Variable { Name: var name } when types.TryGetValue(name, out var type) && type == IrType.Double:
                    if (!invariants.TryGetValue(name, out var broadcast))
                    {
                        broadcast = names.Fresh(name + "Lanes");
                        invariants[name] = broadcast;
                    }

                    return new Variable(broadcast);
                case ElementAccess access when access.Array == scratch && IsSlot(access, row, low):
                    return new Invoke(Broadcast, new[] { new Variable(scratch), access.Indices[0] }.ToEquatableArray());
                case ElementAccess access when IsAtRow(access, row, types):
                    return new Invoke(Broadcast, new Expr[] { new Variable(access.Array), access.Indices[0] }.ToEquatableArray());
                case ElementAccess access when IsInvariantElement(access, row, types):
                    if (!invariantElements.TryGetValue(access, out var element))
                    {
                        element = names.Fresh(access.Array + "Lanes");
                        invariantElements[access] = element;
                    }

                    return new Variable(element);
                case Binary or Unary or Call when IsInteger(expression, depth):
                    // int arithmetic (1 / Math.Abs(-2) is 0) would become double arithmetic on the lanes.
                    return null;
                case Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide } binary:
                    var left = Convert(binary.Left, depth + 1);
                    var right = left is null ? null : Convert(binary.Right, depth + 1);
                    return right is null ? null : new Binary(binary.Operator, left!, right);
                case Unary { Operator: UnaryOperator.Negate } negation:
                    // −x flips the sign bit, of zeros and NaNs too: x XOR −0.0 does the same (0 − x and (−1)·x do not).
                    var operand = Convert(negation.Operand, depth + 1);
                    return operand is null ? null : new Invoke("global::System.Numerics.Vector.Xor", new[] { operand, BroadcastOf(Constant.Of(-0.0)) }.ToEquatableArray());
                case Call { Single: false, Function: MathFunction.Sqrt or MathFunction.Abs, Arguments.Count: 1 } call:
                    var argument = Convert(call.Arguments[0], depth + 1);
                    var method = call.Function == MathFunction.Sqrt ? "SquareRoot" : "Abs";
                    return argument is null ? null : new Invoke("global::System.Numerics.Vector." + method, new[] { argument }.ToEquatableArray());
                default:
                    return null;
            }
        }
    }
}
