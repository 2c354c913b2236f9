using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// A VJP or JVP body of a method with a System.Numerics result, made to take its seed and return its value as that type
/// without allocating: the IR computes such a result as a small array of its components (<c>result = new double[3];
/// result[0] = r_X; …</c>), and the VJP reads its seed as one. Here each local array of constant size (at most
/// <see cref="MaxElements"/> elements) that the body only indexes at constants becomes one local per element
/// (<c>result_X</c>); the seed's elements are read from the seed's fields (<c>(double)seed.X</c>); each return builds the
/// System.Numerics value from the components. An array used any other way stays an array and is converted where it is
/// returned; a seed used any other way is copied into an array once, at the top. The same operations on the same values:
/// results are bit-identical to the array-valued body's.
/// </summary>
internal static class NumericsComponents
{
    /// <summary>The most elements an array may have to become locals: a Matrix4x4's.</summary>
    public const int MaxElements = 16;

    /// <param name="body">The optimized VJP or JVP body, array-valued.</param>
    /// <param name="numerics">The result's System.Numerics type: its fields name the components and build the value.</param>
    /// <param name="seed">The VJP's seed parameter (an array in <paramref name="body"/>, the System.Numerics type after); null for a JVP.</param>
    /// <param name="reserved">Names the body's signature and its printer use (parameters, buffers, the tape's locals).</param>
    /// <returns>The body, or null where a seed read other than at constants is also named in code printed verbatim.</returns>
    public static Block? Rewrite(Block body, NumericsResult numerics, string? seed, IEnumerable<string> reserved)
    {
        if (seed is not null)
        {
            // A System.Numerics seed has the result's shape by its type: the array seed's length check goes.
            body = Without(body, s => s is Verbatim v && v.Reads.Contains(seed) && v.Code.Contains("The seed must have"));
        }

        body = WithoutAliases(body);
        var context = new Context(body, numerics, seed, reserved);
        return context.Rewrite();
    }

    /// <summary>
    /// <c>double[] value = result;</c> at the top level of the body, where result is never bound again after it and value
    /// never otherwise: value is the same array as result from there on, so its uses read result instead. One walk to
    /// find them, one to rename.
    /// </summary>
    private static Block WithoutAliases(Block body)
    {
        var all = IrWalker.Statements(body).ToList();
        var bindings = new Dictionary<string, int>(System.StringComparer.Ordinal);
        var named = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var statement in all)
        {
            if (statement is Declare d)
            {
                bindings[d.Name] = bindings.TryGetValue(d.Name, out var n) ? n + 1 : 1;
            }
            else if (statement is Assign { Target: Variable v })
            {
                bindings[v.Name] = bindings.TryGetValue(v.Name, out var n) ? n + 1 : 1;
            }

            named.UnionWith(IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<OutArgument>().Select(o => o.Name));
        }

        // The last top-level statement that binds each name (or passes it out).
        var lastBound = new Dictionary<string, int>(System.StringComparer.Ordinal);
        for (var i = 0; i < body.Statements.Count; i++)
        {
            foreach (var statement in IrWalker.Statements(body.Statements[i]))
            {
                var bound = statement switch
                {
                    Declare d => d.Name,
                    Assign { Target: Variable v } => v.Name,
                    _ => null,
                };
                if (bound is not null)
                {
                    lastBound[bound] = i;
                }

                foreach (var passed in IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<OutArgument>())
                {
                    lastBound[passed.Name] = i;
                }
            }
        }

        var verbatim = all.OfType<Verbatim>().ToList();
        var renames = new Dictionary<string, string>(System.StringComparer.Ordinal);
        var removed = new HashSet<int>();
        for (var i = 0; i < body.Statements.Count; i++)
        {
            if (body.Statements[i] is Declare { Type: var type, Initializer: Variable source } alias && type.IsArray()
                && bindings[alias.Name] == 1 && !named.Contains(alias.Name)
                && !verbatim.Any(v => MentionsInCode(v, alias.Name))
                && (!lastBound.TryGetValue(source.Name, out var last) || last < i))
            {
                renames[alias.Name] = renames.TryGetValue(source.Name, out var further) ? further : source.Name;
                removed.Add(i);
            }
        }

        if (renames.Count == 0)
        {
            return body;
        }

        Expr Rename(Expr e) => IrWalker.RewriteBottomUp(e, node => node switch
        {
            Variable v when renames.TryGetValue(v.Name, out var to) => new Variable(to),
            ElementAccess a when renames.TryGetValue(a.Array, out var to) => a with { Array = to },
            ArrayLength l when renames.TryGetValue(l.Array, out var to) => l with { Array = to },
            _ => node,
        });
        return new Block(body.Statements.Where((_, i) => !removed.Contains(i)).Select(s => IrWalker.RewriteExpressions(s, Rename)).ToEquatableArray());
    }

    private static bool Binds(Stmt statement, string name) =>
        statement is Declare d && d.Name == name || statement is Assign { Target: Variable v } && v.Name == name;

    private static bool MentionsInCode(Verbatim code, string name) =>
        code.Reads.Contains(name) || IrWalker.ContainsIdentifier(code.Code, name);

    private static Block Without(Block block, System.Func<Stmt, bool> drop, int depth = 0)
    {
        StackGuard.Enter(depth);
        return new(block.Statements.Where(s => !drop(s)).Select(s => IrWalker.WithNestedBlocks(s, b => Without(b, drop, depth + 1))).ToEquatableArray());
    }

    /// <summary>One rewrite: the arrays that become locals and the names taken.</summary>
    private sealed class Context
    {
        private readonly Block body;
        private readonly NumericsResult numerics;
        private readonly string? seed;
        private readonly HashSet<string> taken;
        private readonly List<string> verbatim;

        /// <summary>The arrays that become locals: each one's dimensions and element locals (row by row).</summary>
        private readonly Dictionary<string, (int[] Dimensions, string[] Locals)> scalarized = new(System.StringComparer.Ordinal);
        private readonly int[] resultDimensions;
        private bool seedAsArray;
        private string seedArray = string.Empty;

        public Context(Block body, NumericsResult numerics, string? seed, IEnumerable<string> reserved)
        {
            this.body = body;
            this.numerics = numerics;
            this.seed = seed;
            resultDimensions = numerics.Columns == 0 ? new[] { numerics.Fields.Count } : new[] { numerics.Fields.Count / numerics.Columns, numerics.Columns };
            taken = new HashSet<string>(reserved, System.StringComparer.Ordinal);
            verbatim = new List<string>();
            foreach (var statement in IrWalker.Statements(body))
            {
                taken.UnionWith(IrWalker.DeclaredNames(statement));
                taken.UnionWith(IrWalker.OwnExpressions(statement).SelectMany(IrWalker.Nodes).OfType<Variable>().Select(v => v.Name));
                if (statement is Verbatim code)
                {
                    verbatim.Add(code.Code);
                }
            }
        }

        public Block? Rewrite()
        {
            var statements = IrWalker.Statements(body).ToList();
            // Arrays of doubles only: an int[]'s elements are ints (an index, an integer division).
            foreach (var name in statements.OfType<Declare>().Where(d => d.Type is IrType.DoubleArray or IrType.DoubleMatrix).Select(d => d.Name).Distinct().OrderBy(n => n, System.StringComparer.Ordinal))
            {
                if (name != seed && Dimensions(statements, name) is { } dimensions)
                {
                    scalarized.Add(name, (dimensions, Locals(name, dimensions)));
                }
            }

            seedAsArray = seed is not null && !OnlyConstantElements(statements, seed, resultDimensions);
            if (seedAsArray && statements.OfType<Verbatim>().Any(code => MentionsInCode(code, seed!)))
            {
                return null;
            }

            var rewritten = RewriteBlock(body, 0);
            if (!seedAsArray)
            {
                return rewritten;
            }

            // The seed's elements are read other than at constants (a loop over the result): copied into an array once.
            var type = numerics.Columns == 0 ? IrType.DoubleArray : IrType.DoubleMatrix;
            return new Block(rewritten.Statements.AsImmutableArray().Insert(0, new Declare(SeedArray, type, new Opaque(numerics.ToArray(seed!), type))).ToEquatableArray());
        }

        /// <summary>
        /// The dimensions of an array that may become locals: every binding allocates it with the same constant dimensions
        /// (or declares it unassigned), and every other use indexes it at constants within them or reads its lengths.
        /// </summary>
        private int[]? Dimensions(List<Stmt> statements, string name)
        {
            int[]? dimensions = null;
            foreach (var statement in statements)
            {
                // Declared unassigned (hoisted for the reverse sweep), or not bound here at all.
                var allocation = statement switch
                {
                    Declare d when d.Name == name => d.Initializer,
                    Assign { Target: Variable v } a when v.Name == name => a.Value,
                    _ => null,
                };
                if (allocation is null)
                {
                    continue;
                }

                if (allocation is not NewArray { Dimensions: var sizes } || !sizes.All(s => s is Constant { Type: IrType.Int32 }))
                {
                    return null;
                }

                var constant = sizes.Select(s => (int)((Constant)s).Value).ToArray();
                if (dimensions is not null && !dimensions.SequenceEqual(constant))
                {
                    return null;
                }

                dimensions = constant;
            }

            if (dimensions is null || dimensions.Any(d => d < 0) || dimensions.Aggregate(1L, (a, b) => a * b) > MaxElements)
            {
                return null;
            }

            return OnlyConstantElements(statements, name, dimensions) ? dimensions : null;
        }

        /// <summary>
        /// Whether every use of the array, other than binding it and returning it, is an element at constant indices within
        /// the dimensions or a length; code printed verbatim may not name it.
        /// </summary>
        private static bool OnlyConstantElements(List<Stmt> statements, string name, int[] dimensions)
        {
            foreach (var statement in statements)
            {
                if (statement is Verbatim code && MentionsInCode(code, name))
                {
                    return false;
                }

                var expressions = statement switch
                {
                    Assign { Target: Variable v } a when v.Name == name => new[] { a.Value },
                    Return { Value: Variable v } when v.Name == name => System.Array.Empty<Expr>(),
                    Return { Value: Tuple t } => t.Elements.Where(e => e is not Variable v || v.Name != name),
                    _ => IrWalker.OwnExpressions(statement),
                };
                foreach (var node in expressions.SelectMany(IrWalker.Nodes))
                {
                    switch (node)
                    {
                        case ElementAccess e when e.Array == name:
                            if (e.Indices.Count != dimensions.Length || Index(e, dimensions) is null)
                            {
                                return false;
                            }

                            break;
                        case ArrayLength l when l.Array == name:
                            if (l.Dimension >= dimensions.Length)
                            {
                                return false;
                            }

                            break;
                        case Variable v when v.Name == name:
                            return false;
                        case OutArgument o when o.Name == name:
                            return false;
                    }
                }
            }

            return true;
        }

        /// <summary>The element's place in row-by-row order, or null when an index is not a constant within the dimensions.</summary>
        private static int? Index(ElementAccess element, int[] dimensions)
        {
            var at = 0;
            for (var d = 0; d < dimensions.Length; d++)
            {
                if (element.Indices[d] is not Constant { Type: IrType.Int32, Value: var value } || value < 0 || value >= dimensions[d])
                {
                    return null;
                }

                at = (at * dimensions[d]) + (int)value;
            }

            return at;
        }

        private static string Suffix(int k, int[] dimensions) => dimensions.Length == 1
            ? k.ToString(CultureInfo.InvariantCulture)
            : (k / dimensions[1]).ToString(CultureInfo.InvariantCulture) + "_" + (k % dimensions[1]).ToString(CultureInfo.InvariantCulture);

        /// <summary>
        /// One local per element, named by the element's field where the array has the result's shape (<c>result_X</c>,
        /// <c>dresult_M21</c>), else by its indices (<c>tmp_0</c>, <c>tmp_1_2</c>); where a name is taken, the array's
        /// name takes a number (<c>dresult2_X</c>), so that a suffix never reads as an index.
        /// </summary>
        private string[] Locals(string name, int[] dimensions)
        {
            var suffixes = Enumerable.Range(0, dimensions.Aggregate(1, (a, b) => a * b))
                .Select(k => dimensions.SequenceEqual(resultDimensions) ? numerics.Fields[k] : Suffix(k, dimensions))
                .ToArray();
            var stem = name;
            for (var number = 2; suffixes.Any(suffix => Taken(stem + "_" + suffix)); number++)
            {
                stem = name + number.ToString(CultureInfo.InvariantCulture);
            }

            var locals = suffixes.Select(suffix => stem + "_" + suffix).ToArray();
            taken.UnionWith(locals);
            return locals;
        }

        private bool Taken(string name) => taken.Contains(name) || verbatim.Any(code => IrWalker.ContainsIdentifier(code, name));

        private string Fresh(string preferred)
        {
            var name = preferred;
            for (var number = 2; Taken(name); number++)
            {
                name = preferred + number.ToString(CultureInfo.InvariantCulture);
            }

            taken.Add(name);
            return name;
        }

        private Block RewriteBlock(Block block, int depth)
        {
            StackGuard.Enter(depth);
            var output = new List<Stmt>(block.Statements.Count);
            // Elements a fresh allocation left to a write just after it: the write declares them.
            var declaredByWrite = new HashSet<string>(System.StringComparer.Ordinal);
            for (var i = 0; i < block.Statements.Count; i++)
            {
                var statement = block.Statements[i];
                switch (statement)
                {
                    case Declare d when scalarized.TryGetValue(d.Name, out var array):
                        var writtenNext = d.Initializer is null ? new HashSet<int>() : WrittenNext(block, i, d.Name);
                        for (var k = 0; k < array.Locals.Length; k++)
                        {
                            if (writtenNext.Contains(k))
                            {
                                declaredByWrite.Add(array.Locals[k]);
                            }
                            else
                            {
                                // Unassigned where the array was (hoisted for the reverse sweep), else a new array's zero.
                                output.Add(new Declare(array.Locals[k], IrType.Double, d.Initializer is null ? null : Constant.Zero));
                            }
                        }

                        break;
                    case Assign { Target: Variable v } when scalarized.TryGetValue(v.Name, out var array):
                        var written = WrittenNext(block, i, v.Name);
                        output.AddRange(array.Locals.Where((_, k) => !written.Contains(k)).Select(local => new Assign(new Variable(local), Constant.Zero)));
                        break;
                    case Assign { Target: ElementAccess e, Value: var value } when scalarized.TryGetValue(e.Array, out var array)
                        && declaredByWrite.Remove(array.Locals[Index(e, array.Dimensions)!.Value]):
                        output.Add(new Declare(array.Locals[Index(e, array.Dimensions)!.Value], IrType.Double, Expression(value)));
                        break;
                    case Return r:
                        output.AddRange(Returned(r));
                        break;
                    default:
                        var own = IrWalker.WithNestedBlocks(statement, b => RewriteBlock(b, depth + 1));
                        output.Add(own is Block or For or While or If
                            ? RewriteOwn(own)
                            : IrWalker.RewriteExpressions(own, Expression));
                        break;
                }
            }

            return new Block(output.ToEquatableArray());
        }

        /// <summary>A compound statement's own expressions (its nested blocks are rewritten already).</summary>
        private Stmt RewriteOwn(Stmt statement) => statement switch
        {
            For f => f with { Lower = Expression(f.Lower), Upper = Expression(f.Upper) },
            If i => i with { Condition = Expression(i.Condition) },
            While w => w with { Condition = Expression(w.Condition) },
            _ => statement,
        };

        /// <summary>
        /// The elements of a new array that the statements right after its allocation write before anything reads them:
        /// assignments to elements at constants (of any array) whose values do not name it, and other allocations.
        /// </summary>
        private HashSet<int> WrittenNext(Block block, int at, string name)
        {
            var written = new HashSet<int>();
            var (dimensions, _) = scalarized[name];
            for (var i = at + 1; i < block.Statements.Count; i++)
            {
                var statement = block.Statements[i];
                if (statement is Comment || (statement is Declare { Initializer: NewArray } or Assign { Value: NewArray, Target: Variable } && !Binds(statement, name)))
                {
                    continue;
                }

                if (statement is not Assign { Target: ElementAccess target } assign
                    || target.Indices.Any(index => index is not Constant)
                    || IrWalker.Nodes(assign.Value).Any(n => IrWalker.Names(n, name)))
                {
                    break;
                }

                if (target.Array == name && Index(target, dimensions) is { } k)
                {
                    written.Add(k);
                }
            }

            return written;
        }

        private Expr Expression(Expr expression) => IrWalker.Rewrite(expression, node => node switch
        {
            ElementAccess e when scalarized.TryGetValue(e.Array, out var array) => new Variable(array.Locals[Index(e, array.Dimensions)!.Value]),
            ArrayLength l when scalarized.TryGetValue(l.Array, out var array) => Constant.Int(Length(array.Dimensions, l.Dimension)),
            ElementAccess e when e.Array == seed && !seedAsArray => SeedField(Index(e, resultDimensions)!.Value),
            ElementAccess e when e.Array == seed => e with { Array = SeedArray, Indices = e.Indices.Select(Expression).ToEquatableArray() },
            Variable v when v.Name == seed && seedAsArray => new Variable(SeedArray),
            ArrayLength l when l.Array == seed => Constant.Int(Length(resultDimensions, l.Dimension)),
            _ => null,
        });

        private static int Length(int[] dimensions, int dimension) => dimension < 0 ? dimensions.Aggregate(1, (a, b) => a * b) : dimensions[dimension];

        private Expr SeedField(int k) => new Convert(IrType.Double, new Variable($"{seed}.{numerics.Fields[k]}"));

        private string SeedArray => seedArray.Length > 0 ? seedArray : seedArray = Fresh(seed + "Array");

        /// <summary>A return of the array (or of the value and tangent arrays) as a return of the System.Numerics value.</summary>
        private IEnumerable<Stmt> Returned(Return statement)
        {
            var before = new List<Stmt>();
            Expr Value(Expr returned)
            {
                switch (returned)
                {
                    case Variable v when scalarized.TryGetValue(v.Name, out var array):
                        var fields = array.Locals.Select(local => $"(float){local}");
                        return new Opaque($"new {numerics.TypeName}({string.Join(", ", fields)})", IrType.Double);
                    case Variable v:
                        return new Opaque(numerics.FromArray(v.Name), IrType.Double);
                    case NewArray:
                        // The tangent of a result that does not depend on the differentiated parameters.
                        return new Opaque($"default({numerics.TypeName})", IrType.Double);
                    default:
                        var temporary = Fresh("array");
                        before.Add(new Declare(temporary, numerics.Columns == 0 ? IrType.DoubleArray : IrType.DoubleMatrix, Expression(returned)));
                        return new Opaque(numerics.FromArray(temporary), IrType.Double);
                }
            }

            var value = statement.Value is Tuple t ? new Tuple(t.Elements.Select(Value).ToEquatableArray()) : Value(statement.Value);
            return before.Append(new Return(value));
        }
    }
}
