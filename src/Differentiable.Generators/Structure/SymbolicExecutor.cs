using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Structure;

/// <summary>The index-notation reading of an array-valued method: <c>y[O] = Definition</c> for every O in range.</summary>
/// <param name="Result">The returned array.</param>
/// <param name="OutputIndices">The loop variables that index the result, in its dimension order.</param>
/// <param name="Prelude">Statements before the loops that define int sizes, copied into the Jacobian companion.</param>
/// <param name="Ranges">The [lower, upper) range of every index variable, output and reduction.</param>
internal sealed record IndexNotation(
    string Result,
    string[] OutputIndices,
    TensorExpr Definition,
    List<Stmt> Prelude,
    Dictionary<string, (Expr Lower, Expr Upper)> Ranges)
{
    /// <summary>The index variables in the order their loops begin: a loop's bounds are computed only once the loops around it run.</summary>
    public List<string> LoopOrder { get; init; } = new();

    /// <summary>One loop nest around a single increment: where any of its loops runs no iteration, nothing is added to y.</summary>
    public bool IsPerfectNest { get; init; }

    /// <summary>
    /// The dimensions the method allocates its result with (<c>new double[n]</c>), where they read only parameters and the
    /// prelude ints declared before the allocation (the first <see cref="AllocatedAfter"/>); else null.
    /// </summary>
    public List<Expr>? Extents { get; init; }

    /// <summary>How many prelude statements come before the result's allocation.</summary>
    public int AllocatedAfter { get; init; }

    /// <summary>
    /// Whether every value the body computes reaches the definition (a double local's, an element of the result's): one
    /// overwritten or never read may have read an array element the definition does not, which would throw where the
    /// definition's reads do not.
    /// </summary>
    public bool DefinitionReadsAll { get; init; }

    /// <summary>A result whose loops start past 0 (<c>for i = 1 .. n − 2</c>): the elements before them are zero.</summary>
    public bool IsWindowed => OutputIndices.Any(o => Ranges[o].Lower is not Constant { Value: 0.0 });
}

/// <summary>
/// Reads a method body as index notation by executing it symbolically: output loops bind index variables, loops
/// that only accumulate (<c>s += …</c>, <c>y[i] += …</c>) become sums. Anything else — branches, local arrays other
/// than the result, data-dependent indices — means no structure is claimed and the Jacobian is computed densely.
/// </summary>
internal sealed class SymbolicExecutor
{
    private readonly MethodModel model;
    private readonly TypeEnvironment types;
    private readonly Dictionary<string, TensorExpr> scalars = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, (Expr Lower, Expr Upper)> ranges = new(System.StringComparer.Ordinal);
    private readonly List<Stmt> prelude = new();
    private readonly List<string> loopOrder = new();
    private readonly Dictionary<string, Expr> indexAliases = new(System.StringComparer.Ordinal);
    private bool perfectNest;
    private string result = string.Empty;
    private string[] outputIndices = System.Array.Empty<string>();
    private TensorExpr? definition;
    private List<Expr>? extents;
    private int allocatedAfter;
    private readonly HashSet<string> unread = new(System.StringComparer.Ordinal);
    private bool droppedValue;

    private SymbolicExecutor(MethodModel model, TypeEnvironment types)
    {
        this.model = model;
        this.types = types;
    }

    public static IndexNotation? Read(MethodModel model, TypeEnvironment types)
    {
        try
        {
            return new SymbolicExecutor(model, types).Run();
        }
        catch (NotIndexNotationException)
        {
            return null;
        }
    }

    private IndexNotation? Run()
    {
        var statements = model.Body.Statements;
        if (statements.Count < 2 || statements[statements.Count - 1] is not Return { Value: Variable returned })
        {
            return null;
        }

        result = returned.Name;
        var stores = new List<ElementAccess>();
        CollectStores(model.Body, stores);
        if (stores.Count == 0 || stores.Any(s => s.Array != result) || stores.Select(s => s.Indices).Distinct().Count() != 1)
        {
            return null;
        }

        var indices = stores[0].Indices;
        if (indices.Any(i => i is not Variable) || indices.Select(i => ((Variable)i).Name).Distinct().Count() != indices.Count)
        {
            return null;
        }

        outputIndices = indices.Select(i => ((Variable)i).Name).ToArray();
        var allocated = false;
        for (var k = 0; k < statements.Count - 1; k++)
        {
            switch (statements[k])
            {
                case Declare { Initializer: NewArray allocation, Name: var name } when name == result && !allocated:
                    allocated = true;
                    extents = allocation.Dimensions.All(Recomputable) ? allocation.Dimensions.ToList() : null;
                    allocatedAfter = prelude.Count;
                    break;
                // Ints the definition reads by name, so each keeps one value: the prelude runs again in every block of
                // the Jacobian (an assignment n = n + 1 would run twice, and change n for the dense fallback), and all of
                // it before the Jacobian is built (an assignment after the loop would change what the loop read).
                // Its initializer is copied, so it may read only what the copy has: not a double local, which the
                // companion does not declare (int m = (int)c was CS0103 in the generated code).
                case Declare { Type: IrType.Int32, Initializer: { } initializer } when definition is null && Recomputable(initializer):
                    prelude.Add(statements[k]);
                    break;
                case Declare { Type: IrType.Double, Initializer: { } value, Name: var scalar }:
                    Define(scalar, Symbolic(value));
                    break;
                case For loop when allocated && definition is null && PerfectNest(loop) is { } nest:
                    // A perfect nest ending in one increment reads the same in any loop order: y[O] = Σ over the rest.
                    foreach (var level in nest.Loops)
                    {
                        Bind(level);
                    }

                    var term = Symbolic(nest.Increment);
                    foreach (var level in nest.Loops.Where(l => !outputIndices.Contains(l.Variable)).Reverse())
                    {
                        term = new TensorSum(level.Variable, level.Lower, level.Upper, term);
                    }

                    definition = term;
                    perfectNest = true;
                    break;
                case For loop when allocated && definition is null:
                    Execute(loop);
                    break;
                default:
                    return null;
            }
        }

        // The result must be indexed by loop variables (y[i, p] with p a dimension is one column, not a map).
        return definition is null || outputIndices.Any(index => !ranges.ContainsKey(index)) ? null : new IndexNotation(result, outputIndices, definition, prelude, ranges)
        {
            LoopOrder = loopOrder,
            IsPerfectNest = perfectNest,
            Extents = extents,
            AllocatedAfter = allocatedAfter,
            DefinitionReadsAll = !droppedValue && unread.Count == 0,
        };
    }

    /// <summary>Loops each holding only the next, ending in <c>y[O] += term</c> with every output index bound by one of them.</summary>
    private (List<For> Loops, Expr Increment)? PerfectNest(For loop)
    {
        var loops = new List<For> { loop };
        Stmt current = loop;
        while (current is For f && f.Body.Statements.Count == 1 && f.Body.Statements[0] is For inner)
        {
            loops.Add(inner);
            current = inner;
        }

        var last = loops[loops.Count - 1];
        if (last.Body.Statements.Count != 1
            || last.Body.Statements[0] is not Assign { Target: ElementAccess target, Value: Binary { Operator: BinaryOperator.Add } sum }
            || sum.Left != target || target.Array != result
            || !outputIndices.All(o => loops.Any(l => l.Variable == o))
            || loops.Select(l => l.Variable).Distinct().Count() != loops.Count)
        {
            return null;
        }

        // Bounds may not depend on other loop variables (a triangular nest is not a plain sum).
        var variables = new HashSet<string>(loops.Select(l => l.Variable));
        if (loops.Any(l => IrWalker.ReadNames(l.Lower).Concat(IrWalker.ReadNames(l.Upper)).Any(variables.Contains)))
        {
            return null;
        }

        return (loops, sum.Right);
    }

    private static void CollectStores(Stmt statement, List<ElementAccess> stores)
    {
        switch (statement)
        {
            case Assign { Target: ElementAccess e }:
                stores.Add(e);
                break;
            case For f:
                CollectStores(f.Body, stores);
                break;
            case If i:
                CollectStores(i.Then, stores);
                if (i.Else is not null)
                {
                    CollectStores(i.Else, stores);
                }

                break;
            case Block b:
                foreach (var inner in b.Statements)
                {
                    CollectStores(inner, stores);
                }

                break;
        }
    }

    /// <summary>A loop over an output index: binds the index and runs its body once, symbolically.</summary>
    private void Execute(For loop)
    {
        if (!outputIndices.Contains(loop.Variable))
        {
            throw new NotIndexNotationException();
        }

        Bind(loop);
        // The body runs once, symbolically, for every iteration at once: a scalar it changes must start afresh in each
        // iteration (declared in this body). One declared outside, or a parameter, would carry a value from the iteration
        // before (a running sum s += x[i]; y[i] = s), which one symbolic pass cannot see.
        var own = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in loop.Body.Statements)
        {
            switch (statement)
            {
                case For inner when outputIndices.Contains(inner.Variable):
                    Execute(inner);
                    break;
                case For reduction:
                    foreach (var (target, sum) in Reduce(reduction))
                    {
                        if (target != result && !own.Contains(target))
                        {
                            throw new NotIndexNotationException();
                        }

                        Accumulate(target, sum);
                    }

                    break;
                case Declare { Type: IrType.Double, Initializer: { } value, Name: var name }:
                    Define(name, Symbolic(value));
                    own.Add(name);
                    break;
                // An index named once (int right = i + 1; … x[right]): read as the index it names. Nothing may assign it
                // (an assignment is no statement this pass reads), and only element indices may read it.
                case Declare { Type: IrType.Int32, Initializer: { } index, Name: var alias } when !indexAliases.ContainsKey(alias)
                    && (Shifted(index) is not null || index is Variable { Name: var bound } && outputIndices.Contains(bound) && ranges.ContainsKey(bound)):
                    indexAliases[alias] = index;
                    break;
                case Assign { Target: Variable v, Value: var value } when types[v.Name] == IrType.Double && own.Contains(v.Name):
                    Define(v.Name, Symbolic(value));
                    break;
                case Assign { Target: ElementAccess e, Value: var value } when e.Array == result && outputIndices.All(ranges.ContainsKey):
                    // y[i] = z[i]; y[i] = 2·x[i]: the first value, overwritten, read z all the same.
                    droppedValue |= definition is not null;
                    definition = Symbolic(value);
                    break;
                default:
                    throw new NotIndexNotationException();
            }
        }
    }

    /// <summary>A double local's new value; the one it replaces, if never read, is dropped (see <see cref="IndexNotation.DefinitionReadsAll"/>).</summary>
    private void Define(string name, TensorExpr value)
    {
        droppedValue |= !unread.Add(name);
        scalars[name] = value;
    }

    private void Bind(For loop)
    {
        // Bounds reading an index already bound make a triangular nest, not a sum over a fixed range. An output loop may
        // start past 0 (for i = 1 .. n − 2, a stencil that leaves both ends of y, or a grid's border, zero): its
        // Jacobian's rows outside the loops are zero, which only the shift forms, with row windows, represent.
        // The bounds are printed again in the Jacobian, so they may read only what it recomputes (not a double local).
        var windowed = outputIndices.Length <= 2 && outputIndices.Contains(loop.Variable);
        if ((loop.Lower is not Constant { Value: 0.0 } && !windowed) || ranges.ContainsKey(loop.Variable)
            || !Recomputable(loop.Lower) || !Recomputable(loop.Upper))
        {
            throw new NotIndexNotationException();
        }

        ranges[loop.Variable] = (loop.Lower, loop.Upper);
        loopOrder.Add(loop.Variable);
    }

    private void Accumulate(string target, TensorExpr sum)
    {
        if (target == result)
        {
            definition = definition is null ? sum : new TensorBinary(BinaryOperator.Add, definition, sum);
        }
        else
        {
            scalars[target] = new TensorBinary(BinaryOperator.Add, scalars.TryGetValue(target, out var current) ? current : throw new NotIndexNotationException(), sum);
        }
    }

    /// <summary>A loop that only accumulates: for each target, Σ over the loop of what one iteration adds.</summary>
    private List<(string Target, TensorExpr Sum)> Reduce(For loop, IReadOnlyCollection<string>? enclosing = null)
    {
        Bind(loop);
        // What the loop accumulates into changes from iteration to iteration, but a symbolic read of it sees its value
        // from before the loop (s += x[j]; t += W[j, i]·s): a term reading one is not a sum of independent terms. So is
        // what an enclosing loop accumulates, in a nested loop or a sibling of it.
        var accumulated = IrWalker.Statements(loop.Body).OfType<Assign>()
            .Select(a => a.Target switch { Variable v => v.Name, ElementAccess e => e.Array, _ => null })
            .OfType<string>()
            .Concat(enclosing ?? System.Array.Empty<string>())
            .ToList();
        var increments = new List<(string Target, TensorExpr Term)>();
        foreach (var statement in loop.Body.Statements)
        {
            switch (statement)
            {
                case For inner when !outputIndices.Contains(inner.Variable):
                    increments.AddRange(Reduce(inner, accumulated));
                    break;
                case Assign { Target: var target, Value: Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract } b } when b.Left == target:
                    var name = target switch
                    {
                        Variable v when types[v.Name] == IrType.Double => v.Name,
                        ElementAccess e when e.Array == result && e.Indices.Select(i => (i as Variable)?.Name).SequenceEqual(outputIndices) => result,
                        _ => throw new NotIndexNotationException(),
                    };
                    if (IrWalker.ReadNames(b.Right).Any(accumulated.Contains))
                    {
                        throw new NotIndexNotationException();
                    }

                    var term = Symbolic(b.Right);
                    if (increments.Any(i => term.Reads(i.Target)) || term.FreeIndices().Contains(name))
                    {
                        throw new NotIndexNotationException();
                    }

                    increments.Add((name, b.Operator == BinaryOperator.Subtract ? new TensorNegate(term) : term));
                    break;
                default:
                    throw new NotIndexNotationException();
            }
        }

        return increments
            .GroupBy(i => i.Target)
            .Select(g => (g.Key, (TensorExpr)new TensorSum(loop.Variable, loop.Lower, loop.Upper, g.Select(i => i.Term).Aggregate((a, b) => new TensorBinary(BinaryOperator.Add, a, b)))))
            .ToList();
    }

    /// <summary>
    /// A float value the loops cannot change: float parameters and System.Numerics parameters' components the body never
    /// assigns, under the float arithmetic the method writes between them (s * t). MathF calls stay out: the structure
    /// reads them in double.
    /// </summary>
    private bool FloatScalar(Expr expression) =>
        types.TryTypeOf(expression) == IrType.Single
        && IrWalker.Nodes(expression).All(n => n is Variable or Constant or Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide } or Unary { Operator: UnaryOperator.Negate })
        && IrWalker.ReadNames(expression).All(name => !AssignedNames.Contains(name)
            && model.Parameters.Any(p => p.IsComposite && p.Components.AsImmutableArray().Contains(name)));

    private HashSet<string> AssignedNames => assignedNames ??= new HashSet<string>(
        IrWalker.Statements(model.Body).OfType<Assign>().Select(a => a.Target).OfType<Variable>().Select(v => v.Name), System.StringComparer.Ordinal);

    private HashSet<string>? assignedNames;

    private TensorExpr Symbolic(Expr expression)
    {
        switch (expression)
        {
            // Tensor expressions compute in double: a float constant or MathF call would round differently from the method.
            case Constant c when c.Type is not (IrType.Boolean or IrType.Single):
                return new TensorConstant(c.Value);
            case Variable v when scalars.TryGetValue(v.Name, out var value):
                unread.Remove(v.Name);
                return value;
            case var integer when integer is not Constant && IsScalarInteger(integer):
                return new TensorInteger(integer);
            case Variable v when types[v.Name] is IrType.Double && model.Parameters.Any(p => p.Name == v.Name):
                return new TensorScalar(v.Name);
            case var single when FloatScalar(single):
                return new TensorScalar(new Emit.CSharpPrinter(new Emit.CodeWriter()).Expression(single), single);
            case ElementAccess e when e.Indices.Any(i => i is Variable v && indexAliases.ContainsKey(v.Name)):
                return Symbolic(e with { Indices = e.Indices.Select(i => i is Variable v && indexAliases.TryGetValue(v.Name, out var named) ? named : i).ToEquatableArray() });
            case ElementAccess e when model.Parameters.Any(p => p.Name == e.Array) && types[e.Array] != IrType.Int32Array
                && e.Indices.All(i => i is Variable index && ranges.ContainsKey(index.Name)):
                return new TensorElement(e.Array, e.Indices.Select(i => ((Variable)i).Name).ToArray());
            case ElementAccess { Indices.Count: 1 } e when model.Parameters.Any(p => p.Name == e.Array) && types[e.Array] == IrType.DoubleArray
                && Shifted(e.Indices[0]) is var (index, offset, reversed, modulus):
                return new TensorShifted(e.Array, index, offset, reversed, modulus, e.Indices[0]);
            // A correlation's or a convolution's element, x[i + j] or x[i − j] inside a sum over j.
            case ElementAccess { Indices.Count: 1 } e when model.Parameters.Any(p => p.Name == e.Array) && types[e.Array] == IrType.DoubleArray
                && Banded(e.Indices[0]) is { } banded:
                return new TensorBanded(e.Array, banded);
            // Both indices output indices, one or both moved (X[i + 1, j]): the unmoved one is moved by 0.
            case ElementAccess { Indices.Count: 2 } e when model.Parameters.Any(p => p.Name == e.Array) && types[e.Array] == IrType.DoubleMatrix
                && MatrixIndex(e.Indices[0]) is { } row && MatrixIndex(e.Indices[1]) is { } column && row.Index != column.Index:
                return new TensorShiftedMatrix(e.Array, row, column);
            // A 2-D correlation's element, X[i + a, j + b], or one index banded (X[i − a, j]), inside sums over a and b.
            case ElementAccess { Indices.Count: 2 } e when model.Parameters.Any(p => p.Name == e.Array) && types[e.Array] == IrType.DoubleMatrix
                && BandedMatrixIndex(e.Indices[0]) is { } bandedRow && BandedMatrixIndex(e.Indices[1]) is { } bandedColumn
                && bandedRow.Index != bandedColumn.Index && (bandedRow.Band ?? bandedColumn.Band) is not null && bandedRow.Band != bandedColumn.Band:
                return new TensorBandedMatrix(e.Array, bandedRow, bandedColumn);
            case Unary { Operator: UnaryOperator.Negate } u:
                return new TensorNegate(Symbolic(u.Operand));
            // Not an int division (n / 2 truncates; in double it would not).
            case Binary { Operator: BinaryOperator.Add or BinaryOperator.Subtract or BinaryOperator.Multiply or BinaryOperator.Divide } b
                when b.Operator != BinaryOperator.Divide || !IsInteger(b.Left) || !IsInteger(b.Right):
                return new TensorBinary(b.Operator, Symbolic(b.Left), Symbolic(b.Right));
            // Elementwise maps of one argument or more (max(0, x[i]), pow(x[i], p), hypot(x[i], z[i])); not the piecewise
            // constant ones, whose derivative is 0.
            case Call { Single: false } c when c.Function is not (MathFunction.Floor or MathFunction.Ceiling or MathFunction.Round or MathFunction.Truncate or MathFunction.Sign):
                var call = new TensorCall(c.Function, c.Arguments.Select(Symbolic).ToEquatableArray());
                // A kink decided on a sum (max(0, Σ_j W[i, j]·x[j]), a ReLU layer) must be decided on the sum the value
                // and the other companions computed; the structure's own loop rounds differently (no SIMD kernel, another
                // association), and 1e-16 on the other side of 0 flips the derivative from 0 to 1 (a helper's find).
                if (c.Function is MathFunction.Abs or MathFunction.Max or MathFunction.Min or MathFunction.CopySign or MathFunction.Hypot
                    && call.Arguments.Any(ContainsSum))
                {
                    throw new NotIndexNotationException();
                }

                return call;
            default:
                throw new NotIndexNotationException();
        }
    }

    /// <summary>
    /// An index that is an output index moved by ints no index varies: <c>i + k</c>, <c>k + i</c>, <c>i − k</c>,
    /// <c>i + k − 1</c> (offset k − 1), or, the index subtracted, reversed: <c>n − 1 − i</c> and <c>n − i − 1</c> are
    /// (n − 1) − i. Null for anything else.
    /// </summary>
    private (string Index, Expr Offset, bool Reversed, Expr? Modulus)? Shifted(Expr index)
    {
        // A periodic stencil's index, (i + 1) % n, (i − 1 + n) % n, i % n: a shift, then the remainder.
        if (index is Binary { Operator: BinaryOperator.Remainder } remainder && IsShift(remainder.Right))
        {
            return IsOutput(remainder.Left) ? (((Variable)remainder.Left).Name, Constant.Int(0), false, remainder.Right)
                : Shifted(remainder.Left) is (var name, var moved, var reversed, null) ? (name, moved, reversed, remainder.Right)
                : null;
        }

        if (!AdditiveChain.IsChain(index))
        {
            return null;
        }

        var terms = AdditiveChain.Terms(index);
        var at = terms.FindIndex(t => IsOutput(t.Term));
        if (at < 0 || terms.Where((t, k) => k != at && !IsShift(t.Term)).Any())
        {
            return null;
        }

        return Fold(terms.Where((_, k) => k != at)) is { } offset ? (((Variable)terms[at].Term).Name, offset, terms[at].Negated, null) : null;
    }

    /// <summary>
    /// An index that is an output index plus or minus a summed index, moved by ints no index varies: <c>i + j</c>,
    /// <c>i − j</c>, <c>i + j − k</c> (offset −k). Null for anything else, and for the output index subtracted (j − i).
    /// </summary>
    private BandIndex? Banded(Expr index)
    {
        if (!AdditiveChain.IsChain(index))
        {
            return null;
        }

        var terms = AdditiveChain.Terms(index);
        var at = terms.FindIndex(t => IsOutput(t.Term));
        var band = terms.FindIndex(t => t.Term is Variable v && !outputIndices.Contains(v.Name) && ranges.ContainsKey(v.Name));
        if (at < 0 || band < 0 || terms[at].Negated || terms.Where((t, k) => k != at && k != band && !IsShift(t.Term)).Any())
        {
            return null;
        }

        return Fold(terms.Where((_, k) => k != at && k != band)) is { } offset
            ? new BandIndex(((Variable)terms[at].Term).Name, ((Variable)terms[band].Term).Name, terms[band].Negated, offset, index)
            : null;
    }

    /// <summary>A matrix element's index in a 2-D correlation: an output index, moved (not reversed), or banded.</summary>
    private BandIndex? BandedMatrixIndex(Expr index) =>
        IsOutput(index) ? new BandIndex(((Variable)index).Name, null, false, Constant.Int(0), index)
        : Shifted(index) is (var name, var offset, false, null) ? new BandIndex(name, null, false, offset, index)
        : Banded(index);

    private bool IsOutput(Expr e) => e is Variable v && outputIndices.Contains(v.Name) && ranges.ContainsKey(v.Name);

    private bool IsShift(Expr e) => e is Constant { Type: IrType.Int32 } || (e is not Constant && IsScalarInteger(e));

    /// <summary>
    /// The rest of an index, signs kept: what it is moved by, in int as the method computes it (equal modulo 2³², and a
    /// read the method survived did not wrap). Constants are folded and go last, so i + k − 1 and i − 1 + k are one band,
    /// k − 1. Null where the folded constant leaves int.
    /// </summary>
    private static Expr? Fold(IEnumerable<(Expr Term, bool Negated)> terms)
    {
        Expr? offset = null;
        long constant = 0;
        foreach (var (term, negated) in terms)
        {
            if (term is Constant c)
            {
                constant += negated ? -(long)c.Value : (long)c.Value;
                continue;
            }

            offset = offset is null
                ? negated ? new Unary(UnaryOperator.Negate, term) : term
                : new Binary(negated ? BinaryOperator.Subtract : BinaryOperator.Add, offset, term);
        }

        if (constant is < int.MinValue + 1 or > int.MaxValue)
        {
            return null;
        }

        return (offset, constant) switch
        {
            (null, _) => Constant.Int((int)constant),
            (_, 0) => offset,
            (_, < 0) => new Binary(BinaryOperator.Subtract, offset, Constant.Int((int)-constant)),
            _ => new Binary(BinaryOperator.Add, offset, Constant.Int((int)constant)),
        };
    }

    private static bool ContainsSum(TensorExpr expression) => expression.Nodes().Any(node => node is TensorSum);

    /// <summary>
    /// An expression the Jacobian companion can compute again before the structure: it reads parameters, the prelude's
    /// ints and the result's lengths (its value's), nothing a loop binds and no double local.
    /// </summary>
    private bool Recomputable(Expr expression) =>
        !IrWalker.Nodes(expression).Any(node => node is ElementAccess e && e.Array == result)
        && IrWalker.ReadNames(expression).All(name => name == result
            || model.Parameters.Any(p => p.Name == name) || prelude.Any(p => IrWalker.AssignedNames(p).Contains(name)));

    /// <summary>A matrix element's index: an output index, as it is or moved (<see cref="Shifted"/>).</summary>
    private IndexShift? MatrixIndex(Expr index) =>
        index is Variable v && outputIndices.Contains(v.Name) && ranges.ContainsKey(v.Name) ? new IndexShift(v.Name, Constant.Int(0), false)
        : Shifted(index) is var (name, offset, reversed, modulus) ? new IndexShift(name, offset, reversed, modulus, index)
        : null;

    /// <summary>An int expression of parameters and prelude ints only: the same for every element.</summary>
    private bool IsScalarInteger(Expr expression) =>
        IsInteger(expression) && IrWalker.ReadNames(expression).All(name => !ranges.ContainsKey(name)
            && (model.Parameters.Any(p => p.Name == name) || prelude.Any(p => IrWalker.AssignedNames(p).Contains(name))));

    private bool IsInteger(Expr expression) =>
        IrWalker.ReadNames(expression).All(name => types.Names.Contains(name)) && types.TypeOf(expression) == IrType.Int32;

    private sealed class NotIndexNotationException : System.Exception
    {
    }
}
