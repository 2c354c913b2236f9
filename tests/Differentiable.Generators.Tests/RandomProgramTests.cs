using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Differentiable.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Random loop programs (<see cref="LoopPrograms"/>), each compiled twice: as the user writes it, and as a twin marked
/// <c>Vectorize = false</c>, whose companions keep every loop as written. At several n (across the SIMD width and the
/// row blocks), with gradient buffers full of NaN:
/// <list type="bullet">
/// <item>the twin's gradient returns the method's value bit for bit, and its directional derivative matches central
/// differences of the method itself (independent truth);</item>
/// <item>the optimized gradient (fused sweeps, kernels, row blocks, lanes, batched outer products, known seeds, …)
/// matches the twin's to 1e-9 relative: the passes may reorder sums, never change a derivative;</item>
/// <item>the optimized tangent (JVP) matches the twin's gradient along the same direction;</item>
/// <item>with x passed as v as well, the two gradients still agree (the runtime alias checks' other paths);</item>
/// <item>array-valued programs the same way through their VJPs, and uᵀ·J·δ from the VJP, the tangent, the Jacobians
/// and central differences;</item>
/// <item>Hessian-vector products and dense Hessians (n ≤ 5) against each other and central differences of the
/// gradient;</item>
/// <item>programs over a constant n, unrolled, like the first kind, with arguments longer than n.</item>
/// </list>
/// A failure prints the seed and the program: rerun with DIFFERENTIABLE_PROGRAMS_SEED=&lt;seed&gt; to replay it, and
/// DIFFERENTIABLE_PROGRAMS=&lt;count&gt; for a longer run.
/// </summary>
public sealed class RandomProgramTests
{
    /// <summary>The seed CI runs, whose programs must reach every pass the tests name.</summary>
    private const int DefaultSeed = 20261123;
    private const int DefaultPrograms = 60;
    private const int DefaultArrayPrograms = 30;
    private const int DefaultHessianPrograms = 20;
    private const int DefaultFixedPrograms = 30;
    private const int DefaultIntArithmeticPrograms = 20;
    private const int DefaultMapPrograms = 30;
    private const int DefaultStencilPrograms = 24;
    private const int DefaultMatrixMapPrograms = 20;
    private const int DefaultFixedArrayPrograms = 8;
    private static readonly int[] HessianSizes = { 1, 2, 5 };
    private static readonly int[] Sizes = { 1, 2, 5, 8, 13, 33, 70 };
    private static readonly int[] ArraySizes = { 1, 3, 8, 13, 40 };

    /// <summary>Comments the optimizing passes write where they rewrite a loop.</summary>
    private static readonly string[] Passes =
    {
        "// vectorized:", "// fused:", "// blocked:", "// lanes:", "// batched:", "// checked at run time:",
    };

    /// <summary>
    /// And in scalar programs, where the adjoint of a double loop's sum is known before it runs, fusion of its inner loops
    /// inside the fused outer one (array-valued programs read the sums after their loops), the additions its inner
    /// loop makes into row i's adjoint summed in a local, and the pair's √ stored with the exp's argument that reads it.
    /// </summary>
    private static readonly string[] ScalarPasses = Passes.Append("their inner loops fused too").Append("// gathered:").Append("computed once, with the arguments").ToArray();

    [Fact]
    public void OptimizedCompanionsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: false, hessian: false, DefaultPrograms, Sizes, ScalarPasses, Check, bulkSaves: true);

    [Fact]
    public void OptimizedVjpAndTangentOfArrayValuedProgramsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: true, hessian: false, DefaultArrayPrograms, ArraySizes, Passes, CheckArrayValued);

    /// <summary>
    /// Array-valued programs whose elements are also scaled by int divisions and remainders and by a <c>MathF</c> call
    /// (<see cref="LoopPrograms.Body"/>'s <c>intArithmetic</c>), whose int and float types the companions must keep.
    /// Programs of their own (the seed's stream shifted), so the other kinds keep theirs.
    /// </summary>
    [Fact]
    public void ArrayValuedProgramsWithIntArithmeticAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: true, hessian: false, DefaultIntArithmeticPrograms, ArraySizes, Array.Empty<string>(), CheckArrayValued, intArithmetic: true);

    /// <summary>
    /// Array-valued programs in index notation (<see cref="LoopPrograms.MapBody"/>), whose <c>Jacobian</c> companions
    /// build structured forms at run time (checked: some do), against the VJP, the tangent and central differences. They
    /// found a sum's bound index substituted and a repeated factor counted once (session 30).
    /// </summary>
    [Fact]
    public void StructuredJacobiansOfMapsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: true, hessian: false, DefaultMapPrograms, ArraySizes, Array.Empty<string>(), CheckMapWithWiderW, maps: true);

    /// <summary>
    /// Matrix-valued programs in index notation (<see cref="LoopPrograms.MatrixMapBody"/>): Kronecker, permutation and
    /// diagonal forms over vec(Y), checked like <see cref="StructuredJacobiansOfMapsAgreeWithLoopsAsWrittenAndWithCentralDifferences"/>.
    /// </summary>
    [Fact]
    public void StructuredJacobiansOfMatrixMapsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: true, hessian: false, DefaultMatrixMapPrograms, ArraySizes, Array.Empty<string>(), CheckMapWithWiderW, maps: true, matrixValued: true);

    /// <summary>
    /// Vector stencils (<see cref="LoopPrograms.StencilBody"/>): windows and moved or reversed reads, whose Jacobians
    /// are shift forms and whose <c>JacobianOnly</c> bounds each moved index at the loop's ends, against the VJP, the
    /// tangent, central differences and the Jacobians beside the value.
    /// </summary>
    [Fact]
    public void StencilProgramsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: true, hessian: false, DefaultStencilPrograms, ArraySizes, Array.Empty<string>(), CheckArrayValued, stencils: true);

    /// <summary>Rules the structure pass names where it builds a form (in twins too: it is not an optimization).</summary>
    private static readonly string[] StructureRules =
    {
        "(elementwise map: diagonal)", "(vec/Kronecker identity", "(chain rule through an elementwise function", "(sum rule)",
    };

    /// <summary>And those the matrix-valued maps reach.</summary>
    private static readonly string[] MatrixStructureRules =
    {
        "(vec/Kronecker identity", "K (commutation)", "(chain rule through an elementwise function", "(sum rule)",
    };

    [Fact]
    public void HessiansOfRandomProgramsAgreeWithLoopsAsWrittenAndWithCentralDifferencesOfTheGradient() =>
        RunPrograms(arrayValued: false, hessian: true, DefaultHessianPrograms, HessianSizes, new[] { "// vectorized:", "// fused:" }, CheckHessian);

    /// <summary>
    /// Programs over <c>const int n = 3</c>, whose loops unroll into straight-line code (buffer stores, the first-store
    /// rule, known dimensions), called with arrays of length 3 and 4: the fourth elements are read by nothing, so their
    /// gradient entries must come back 0 from buffers that held NaN.
    /// </summary>
    [Fact]
    public void UnrolledProgramsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: false, hessian: false, DefaultFixedPrograms, new[] { LoopPrograms.FixedSize, LoopPrograms.FixedSize + 1 }, Array.Empty<string>(), Check, fixedSize: true);

    /// <summary>
    /// Array-valued programs over <c>const int n = 3</c>, unrolled: their Jacobians are straight-line code writing the
    /// entries that are not structurally zero, their VJPs and tangents straight-line sweeps.
    /// </summary>
    [Fact]
    public void UnrolledArrayValuedProgramsAgreeWithLoopsAsWrittenAndWithCentralDifferences() =>
        RunPrograms(arrayValued: true, hessian: false, DefaultFixedArrayPrograms, new[] { LoopPrograms.FixedSize }, Array.Empty<string>(), CheckArrayValued, fixedSize: true);

    /// <summary>Generates, compiles and loads the programs with their twins, checks the passes are reached, then checks each at every size.</summary>
    /// <param name="bulkSaves">Also check that some companion, optimized or twin, saves a refilled scratch array in bulk.</param>
    /// <param name="intArithmetic">Programs with int arithmetic in their elements, from the seed's stream shifted.</param>
    /// <param name="maps">Programs in index notation (<see cref="LoopPrograms.MapBody"/>), from the seed's stream shifted.</param>
    /// <param name="matrixValued">With <paramref name="maps"/>: matrix-valued ones (<see cref="LoopPrograms.MatrixMapBody"/>).</param>
    private static void RunPrograms(bool arrayValued, bool hessian, int defaultCount, int[] sizes, string[] passes, Action<Type, string, int, Random, Func<string>> check, bool fixedSize = false, bool bulkSaves = false, bool intArithmetic = false, bool maps = false, bool matrixValued = false, bool stencils = false)
    {
        var seed = RandomPrograms.Seed(DefaultSeed);
        var count = RandomPrograms.Count(defaultCount);
        var stopwatch = Stopwatch.StartNew();
        // Kinds added later draw from the seed's stream shifted, so that the first kinds keep their programs.
        var shift = intArithmetic ? 7_919 : matrixValued ? 7_937 : maps ? 7_927 : fixedSize && arrayValued ? 7_933 : stencils ? 7_949 : 0;
        var random = new Random(unchecked(seed + shift));
        var bodies = Enumerable.Range(0, count)
            .Select(_ => matrixValued ? LoopPrograms.MatrixMapBody(random) : maps ? LoopPrograms.MapBody(random) : stencils ? LoopPrograms.StencilBody(random) : LoopPrograms.Body(random, arrayValued, calls: !hessian, fixedSize, intArithmetic))
            .ToArray();

        var returnType = matrixValued ? "double[,]" : arrayValued ? "double[]" : "double";
        var source = new StringBuilder("using System;\nusing Differentiable;\n\npublic static partial class Programs\n{\n");
        for (int k = 0; k < count; k++)
        {
            var (optimizedAttribute, twinAttribute) = hessian
                ? ("[Differentiate(Hessian = true)]", "[Differentiate(Hessian = true, Vectorize = false)]")
                : ("[Differentiate]", "[Differentiate(Vectorize = false)]");
            foreach (var (name, attribute) in new[] { ($"P{k}", optimizedAttribute), ($"P{k}Scalar", twinAttribute) })
            {
                source.Append("    ").AppendLine(attribute)
                    .Append($"    public static {returnType} ").Append(name).AppendLine("(double[,] W, double[] x, double[] v, double c)")
                    .AppendLine("    {").Append(bodies[k]).AppendLine("    }").AppendLine();
            }
        }

        source.AppendLine(LoopPrograms.Helpers).AppendLine("}");
        var run = RandomPrograms.Run(source.ToString());
        var programs = RandomPrograms.Load(run);

        // The programs reach the passes this test is for: each leaves its comment in some optimized companion.
        var optimized = run.Sections.Where(section => !section.Method.Contains("Scalar", StringComparison.Ordinal)).Select(section => section.Text).ToArray();
        var twins = run.Sections.Where(section => section.Method.Contains("Scalar", StringComparison.Ordinal)).Select(section => section.Text).ToArray();
        // Coverage is the default seed's promise; another seed's draws may miss a pass, and its programs still get checked.
        void Covered(bool reached, string failure)
        {
            if (!reached && seed != DefaultSeed)
            {
                Console.WriteLine($"seed {seed}: {failure}");
                return;
            }

            Assert.True(reached, failure);
        }

        foreach (var pass in passes)
        {
            Assert.DoesNotContain(twins, text => text.Contains(pass, StringComparison.Ordinal));
            Covered(optimized.Any(text => text.Contains(pass, StringComparison.Ordinal)), $"no optimized companion of the {count} programs has \"{pass}\": the programs no longer reach that pass");
        }

        foreach (var rule in matrixValued ? MatrixStructureRules : maps ? StructureRules : Array.Empty<string>())
        {
            Covered(run.Sections.Any(section => section.Text.Contains(rule, StringComparison.Ordinal)), $"no Jacobian of the {count} programs names \"{rule}\": the programs no longer reach that form");
        }

        if (stencils)
        {
            Covered(run.Sections.Any(section => section.Text.Contains("(shifted element:", StringComparison.Ordinal)), $"no Jacobian of the {count} stencils is a shift form");
        }

        if (maps || stencils)
        {
            // Some JacobianOnly skips the method's loops (CheckArrayValued holds it to the Jacobian beside the value).
            Covered(run.Sections.Any(section => section.Text.Contains("The result's shape, as the method allocates it", StringComparison.Ordinal)), $"no JacobianOnly of the {count} programs builds its Jacobians without the value");
        }

        if (bulkSaves)
        {
            // Not a pass of the optimizer but of the reverse sweep itself: twins save in bulk too.
            Covered(run.Sections.Any(section => section.Text.Contains("// saved in bulk:", StringComparison.Ordinal)), $"no companion of the {count} programs saves a scratch array in bulk");
        }

        if (fixedSize)
        {
            // Some program unrolled completely: its companions have no loop left.
            Covered(
                run.Sections.Any(section => System.Text.RegularExpressions.Regex.IsMatch(section.Method, @"\.P[0-9]+$") && !section.Text.Contains("for (", StringComparison.Ordinal)),
                $"no companion of the {count} fixed-size programs unrolled completely");
        }

        var checks = 0;
        for (int k = 0; k < count; k++)
        {
            string Replay() => $"program P{k} (DIFFERENTIABLE_PROGRAMS_SEED={seed}):\n{bodies[k]}";
            foreach (var n in sizes)
            {
                try
                {
                    check(programs, $"P{k}", n, new Random(unchecked((seed * 1_000_003) + (k * 1_009) + n)), Replay);
                    checks++;
                }
                catch (TargetInvocationException exception)
                {
                    Assert.Fail($"n = {n}: {exception.InnerException} in {Replay()}");
                }
            }
        }

        Console.WriteLine($"Random {returnType} programs: {count} programs × {sizes.Length} sizes ({checks} checks) in {stopwatch.Elapsed.TotalSeconds:F1} s, seed {seed}");
    }

    /// <summary>
    /// Array-valued programs, returning a double[] or (maps) an n × n double[,]: the VJPs (twin and optimized) against
    /// each other, and uᵀ·J·δ from the VJP, central differences, the tangent and the <c>Jacobian</c>s.
    /// </summary>
    private static void CheckArrayValued(Type programs, string name, int n, Random random, Func<string> replay) =>
        CheckArrayValued(programs, name, n, random, replay, widerW: false);

    /// <summary>
    /// <see cref="CheckArrayValued(Type, string, int, Random, Func{string})"/>, at odd n with a W of n + 1 rows and
    /// columns that the loops (to n = x.Length) never reach: a structured form must see that its loops do not cover W
    /// (the runtime checks), and the entries of the last row and column come out 0.
    /// </summary>
    private static void CheckMapWithWiderW(Type programs, string name, int n, Random random, Func<string> replay) =>
        CheckArrayValued(programs, name, n, random, replay, widerW: n % 2 == 1);

    private static void CheckArrayValued(Type programs, string name, int n, Random random, Func<string> replay, bool widerW)
    {
        var (W, x, v, c) = Point(random, n);
        if (widerW)
        {
            W = Matrix(random, n + 1, 0.5 / Math.Sqrt(n));
        }

        var inputs = new object[] { W, x, v, c };
        var copies = new object[] { W.Clone(), x.Clone(), v.Clone(), c };

        var result = (Array)Method(programs, name, 4).Invoke(null, inputs)!;
        // The seed u, shaped like the result; entries in memory (row-major) order, and in vec (column-major) order.
        Array seed = result.Rank == 1 ? Vector(random, n) : Matrix(random, n, 1.0);
        var seedEntries = seed.Cast<double>().ToArray();
        var seedVec = seed is double[,] seedMatrix ? Vec(seedMatrix) : seedEntries;
        var value = result.Cast<double>().ToArray();
        Assert.True(value.All(double.IsFinite), $"n = {n}: the method returns a value that is not finite: LoopPrograms made an unbounded program, in {replay()}");
        var scalar = Vjp(programs, name + "Scalar", inputs, seed, n);
        var optimized = Vjp(programs, name, inputs, seed, n);
        AssertInputsUnchanged(inputs, copies, n, replay);
        for (int i = 0; i < value.Length; i++)
        {
            Assert.True(
                BitConverter.DoubleToInt64Bits(scalar.Values[i]) == BitConverter.DoubleToInt64Bits(value[i]),
                $"n = {n}: the twin's VJP returns {scalar.Values[i]:R} at {i}, the method {value[i]:R}, in {replay()}");
            Close(value[i], optimized.Values[i], 1e-10, $"n = {n}: the optimized VJP's value at {i}", replay);
        }

        AssertSameEntries(scalar.Entries, optimized.Entries, n, $"n = {n}: VJP", replay);

        // uᵀ·J·δ three ways: central differences of uᵀ·f, the twin's Jᵀu along δ, and the optimized tangent J·δ.
        var (dW, dx, dv, dc) = Direction(random, n);
        if (widerW)
        {
            dW = Matrix(random, n + 1, 1.0);
        }

        var direction = Flatten(dW, dx, dv, dc);
        var (along, magnitude) = Along(scalar.Entries, direction);

        const double Step = 1e-6;
        double At(double t)
        {
            var f = (Array)Method(programs, name, 4).Invoke(null, new object[] { Shift(W, dW, t), Shift(x, dx, t), Shift(v, dv, t), c + (t * dc) })!;
            return f.Cast<double>().Select((e, i) => e * seedEntries[i]).Sum();
        }

        var tolerance = 1e-5 * (1.0 + magnitude + value.Sum(Math.Abs));
        var central = CentralDifference(At, Step, tolerance);
        Assert.True(
            Math.Abs(central - along) <= tolerance,
            $"n = {n}: uᵀJδ from the VJP is {along:R}, central differences {central:R}, in {replay()}");

        var jvp = (ITuple)Method(programs, name + "Jvp", 8).Invoke(null, new object[] { W, x, v, c, dW, dx, dv, dc })!;
        var tangent = ((Array)jvp[1]!).Cast<double>().ToArray();
        var fromTangent = tangent.Select((e, i) => e * seedEntries[i]).Sum();
        var tangentMagnitude = tangent.Select((e, i) => Math.Abs(e * seedEntries[i])).Sum();
        Assert.True(
            Math.Abs(fromTangent - along) <= 1e-9 * (1.0 + magnitude + tangentMagnitude),
            $"n = {n}: uᵀJδ from the optimized tangent is {fromTangent:R}, from the VJP {along:R}, in {replay()}");

        // And from the Jacobians (whatever their structure), each times its part of δ; vec(δW) and the rows (vec of the
        // result) are column-major.
        var jacobians = (ITuple)Method(programs, name + "Jacobian", 4).Invoke(null, new object[] { W, x, v, c })!;
        var parts = new[] { Vec(dW), dx, dv, new[] { dc } };
        var product = new double[value.Length];
        for (int p = 0; p < parts.Length; p++)
        {
            var jacobian = (Jacobian)jacobians[p + 1]!;
            var part = new double[value.Length];
            jacobian.Multiply(parts[p], part);
            for (int i = 0; i < value.Length; i++)
            {
                product[i] += part[i];
            }
        }

        var fromJacobians = product.Select((e, i) => e * seedVec[i]).Sum();
        Assert.True(
            Math.Abs(fromJacobians - along) <= 1e-9 * (1.0 + magnitude + tangentMagnitude),
            $"n = {n}: uᵀJδ from the Jacobians is {fromJacobians:R}, from the VJP {along:R}, in {replay()}");

        // JacobianOnly, which may skip the method's loops, returns the same Jacobians: structure and entries.
        var only = (ITuple)Method(programs, name + "JacobianOnly", 4).Invoke(null, new object[] { W, x, v, c })!;
        for (int p = 0; p < parts.Length; p++)
        {
            Jacobian expected = (Jacobian)jacobians[p + 1]!, actual = (Jacobian)only[p]!;
            Assert.True(expected.Structure == actual.Structure, $"n = {n}: JacobianOnly's Jacobian {p} is {actual}, beside the value {expected}, in {replay()}");
            double[,] want = expected.ToDense(), got = actual.ToDense();
            for (int i = 0; i < want.GetLength(0); i++)
            {
                for (int j = 0; j < want.GetLength(1); j++)
                {
                    Close(want[i, j], got[i, j], 1e-12, $"n = {n}: JacobianOnly's Jacobian {p} at [{i}, {j}]", replay);
                }
            }
        }
    }

    /// <summary>
    /// Hessian-vector products: the optimized one against the twin's, the twin's against central differences of the
    /// twin's gradient, and the dense Hessian (rows and columns over vec(W), x, v, c) times the direction against both.
    /// </summary>
    private static void CheckHessian(Type programs, string name, int n, Random random, Func<string> replay)
    {
        var (W, x, v, c) = Point(random, n);
        var (dW, dx, dv, dc) = Direction(random, n);
        var value = (double)Method(programs, name, 4).Invoke(null, new object[] { W, x, v, c })!;
        Assert.True(double.IsFinite(value), $"n = {n}: the method returns {value:R}: LoopPrograms made an unbounded program, in {replay()}");

        double[] Hvp(string method)
        {
            var result = (ITuple)Method(programs, method + "Hvp", 8).Invoke(null, new object[] { W, x, v, c, dW, dx, dv, dc })!;
            Close(value, (double)result[0]!, 1e-10, $"n = {n}: {method}Hvp's value", replay);
            return Flatten((double[,])result[1]!, (double[])result[2]!, (double[])result[3]!, (double)result[4]!);
        }

        var twin = Hvp(name + "Scalar");
        var optimized = Hvp(name);
        AssertSameEntries(twin, optimized, n, $"n = {n}: Hessian-vector product", replay);

        const double Step = 1e-5;
        double[] GradientAt(double t) =>
            Gradient(programs, name + "Scalar", new object[] { Shift(W, dW, t), Shift(x, dx, t), Shift(v, dv, t), c + (t * dc) }, n).Entries;
        var (plus, minus) = (GradientAt(Step), GradientAt(-Step));
        var scale = 1.0 + twin.Max(Math.Abs) + plus.Max(Math.Abs);
        for (int e = 0; e < twin.Length; e++)
        {
            var central = (plus[e] - minus[e]) / (2 * Step);
            Assert.True(
                Math.Abs(central - twin[e]) <= 1e-5 * scale,
                $"n = {n}: Hessian-vector product entry {e} ({Label(e, n)}) is {twin[e]:R}, central differences of the gradient {central:R}, in {replay()}");
        }

        // The dense Hessian orders W column-major (vec), the gradient buffers row-major.
        var hessian = (double[,])((ITuple)Method(programs, name + "Hessian", 4).Invoke(null, new object[] { W, x, v, c })!)[1]!;
        var vecDirection = Vec(dW).Concat(dx).Concat(dv).Append(dc).ToArray();
        for (int row = 0; row < vecDirection.Length; row++)
        {
            double product = 0.0;
            for (int column = 0; column < vecDirection.Length; column++)
            {
                product += hessian[row, column] * vecDirection[column];
            }

            var e = row < n * n ? ((row % n) * n) + (row / n) : row;
            Assert.True(
                Math.Abs(product - twin[e]) <= 1e-9 * scale,
                $"n = {n}: the Hessian times the direction is {product:R} at {Label(e, n)}, the Hessian-vector product {twin[e]:R}, in {replay()}");
        }
    }

    /// <summary>W (a contraction, norm about 0.6: no chaos to amplify a reordered sum), x, v and c at random.</summary>
    private static (double[,] W, double[] x, double[] v, double c) Point(Random random, int n) =>
        (Matrix(random, n, 0.5 / Math.Sqrt(n)), Vector(random, n), Vector(random, n), (random.NextDouble() * 2) - 1);

    /// <summary>A direction in (W, x, v, c), each entry in [−1, 1].</summary>
    private static (double[,] dW, double[] dx, double[] dv, double dc) Direction(Random random, int n) =>
        (Matrix(random, n, 1.0), Vector(random, n), Vector(random, n), (random.NextDouble() * 2) - 1);

    /// <summary>vec(M): the entries column by column, the order of the Jacobians' and Hessians' columns.</summary>
    private static double[] Vec(double[,] m) => Enumerable.Range(0, m.Length).Select(e => m[e % m.GetLength(0), e / m.GetLength(0)]).ToArray();

    private static (double Along, double Magnitude) Along(double[] entries, double[] direction)
    {
        double along = 0.0, magnitude = 0.0;
        for (int e = 0; e < direction.Length; e++)
        {
            along += entries[e] * direction[e];
            magnitude += Math.Abs(entries[e] * direction[e]);
        }

        return (along, magnitude);
    }

    /// <summary>A VJP's value (its entries in memory order) and the gradient buffers' entries.</summary>
    private static (double[] Values, double[] Entries) Vjp(Type programs, string name, object[] inputs, Array seed, int n)
    {
        var (values, entries) = WithBuffers(programs, name + "Vjp", inputs.Append(seed).ToArray(), n);
        return (((Array)values).Cast<double>().ToArray(), entries);
    }

    /// <summary>
    /// Calls a companion that overwrites gradient buffers (dW, dx, dv, out dc) after <paramref name="arguments"/>, each
    /// buffer full of NaN first; returns what it returns and the buffers' entries.
    /// </summary>
    private static (object Result, double[] Entries) WithBuffers(Type programs, string method, object[] arguments, int n)
    {
        var W = (double[,])arguments[0];
        var dW = new double[W.GetLength(0), W.GetLength(1)];
        var dx = new double[n];
        var dv = new double[n];
        Fill(dW);
        Array.Fill(dx, double.NaN);
        Array.Fill(dv, double.NaN);
        var all = arguments.Concat(new object?[] { dW, dx, dv, null }).ToArray();
        var result = Method(programs, method, all.Length).Invoke(null, all)!;
        return (result, Flatten(dW, dx, dv, (double)all[^1]!));
    }

    private static void AssertSameEntries(double[] expected, double[] actual, int n, string what, Func<string> replay)
    {
        var scale = 1.0 + expected.Max(Math.Abs);
        for (int e = 0; e < expected.Length; e++)
        {
            Assert.True(
                Math.Abs(expected[e] - actual[e]) <= 1e-9 * scale,
                $"{what} entry {e} ({Label(e, n)}): optimized {actual[e]:R}, as written {expected[e]:R}, in {replay()}");
        }
    }

    private static string Label(int e, int n) =>
        e < n * n ? $"dW[{e / n}, {e % n}]" : e < (n * n) + n ? $"dx[{e - (n * n)}]" : e < (n * n) + (2 * n) ? $"dv[{e - (n * n) - n}]" : "dc";

    private static void Check(Type programs, string name, int n, Random random, Func<string> replay)
    {
        var (W, x, v, c) = Point(random, n);
        var inputs = new object[] { W, x, v, c };
        var copies = new object[] { W.Clone(), x.Clone(), v.Clone(), c };

        double value = (double)Method(programs, name, 4).Invoke(null, inputs)!;
        Assert.True(double.IsFinite(value), $"n = {n}: the method returns {value:R}: LoopPrograms made an unbounded program, in {replay()}");
        var scalar = Gradient(programs, name + "Scalar", inputs, n);
        var optimized = Gradient(programs, name, inputs, n);
        AssertInputsUnchanged(inputs, copies, n, replay);

        AssertSameGradient(value, scalar, optimized, $"n = {n}", replay);

        // x passed as v too: the runtime alias checks take their other paths, and the partial derivatives still agree.
        var aliased = new object[] { W, x, x, c };
        AssertSameGradient(
            (double)Method(programs, name, 4).Invoke(null, aliased)!,
            Gradient(programs, name + "Scalar", aliased, n),
            Gradient(programs, name, aliased, n),
            $"n = {n}, v = x",
            replay);
        AssertInputsUnchanged(inputs, copies, n, replay);

        // Central differences along a random direction, against the twin's gradient.
        var (dW, dx, dv, dc) = Direction(random, n);
        var direction = Flatten(dW, dx, dv, dc);
        var (along, magnitude) = Along(scalar.Entries, direction);

        const double Step = 1e-6;
        double At(double t) => (double)Method(programs, name, 4).Invoke(null, new object[] { Shift(W, dW, t), Shift(x, dx, t), Shift(v, dv, t), c + (t * dc) })!;
        var tolerance = 1e-5 * (1.0 + magnitude + Math.Abs(value));
        var central = CentralDifference(At, Step, tolerance);
        Assert.True(
            Math.Abs(central - along) <= tolerance,
            $"n = {n}: the gradient along a direction is {along:R}, central differences {central:R}, in {replay()}");

        // The optimized tangent along the same direction.
        var jvp = (ITuple)Method(programs, name + "Jvp", 8).Invoke(null, new object[] { W, x, v, c, dW, dx, dv, dc })!;
        Close(value, (double)jvp[0]!, 1e-10, $"n = {n}: the tangent's value", replay);
        Assert.True(
            Math.Abs(along - (double)jvp[1]!) <= 1e-9 * (1.0 + magnitude),
            $"n = {n}: the optimized tangent is {(double)jvp[1]!:R}, the gradient along the same direction {along:R}, in {replay()}");
    }

    /// <summary>
    /// The central difference of <paramref name="at"/> at 0. Where the two one-sided differences disagree, the function
    /// bends inside the step (Abs, Max or a comparison of two random values that nearly meet: seed 74's P141 had
    /// |v[2] − c| = 6.8e-8 under a step of 1e-6), so the step shrinks, twice at most. On a smooth function the one-sided
    /// differences agree to about step·f″, so a wrong gradient is never retried away: it is wrong at every step.
    /// </summary>
    private static double CentralDifference(Func<double, double> at, double step, double tolerance)
    {
        for (int shrunk = 0; ; shrunk++)
        {
            double plus = at(step), middle = at(0), minus = at(-step);
            var central = (plus - minus) / (2 * step);
            var bends = Math.Abs((plus - middle) - (middle - minus)) / step > tolerance;
            if (!bends || shrunk == 2)
            {
                return central;
            }

            step /= 10;
        }
    }

    /// <summary>The twin returns the method's value bit for bit; the optimized gradient matches the twin's.</summary>
    private static void AssertSameGradient(double value, GradientResult scalar, GradientResult optimized, string where, Func<string> replay)
    {
        Assert.True(
            BitConverter.DoubleToInt64Bits(scalar.Value) == BitConverter.DoubleToInt64Bits(value),
            $"{where}: the twin's gradient returns {scalar.Value:R}, the method {value:R}, in {replay()}");
        Close(value, optimized.Value, 1e-10, $"{where}: the optimized gradient's value", replay);

        AssertSameEntries(scalar.Entries, optimized.Entries, scalar.N, $"{where}: gradient", replay);
    }

    private sealed record GradientResult(double Value, double[] Entries, int N);

    private static GradientResult Gradient(Type programs, string name, object[] inputs, int n)
    {
        var (value, entries) = WithBuffers(programs, name + "Gradient", inputs, n);
        return new GradientResult((double)value, entries, n);
    }

    private static void Close(double expected, double actual, double relative, string what, Func<string> replay) =>
        Assert.True(
            Math.Abs(expected - actual) <= relative * (1.0 + Math.Abs(expected)),
            $"{what} is {actual:R}, expected {expected:R}, in {replay()}");

    private static void AssertInputsUnchanged(object[] inputs, object[] copies, int n, Func<string> replay)
    {
        for (int p = 0; p < 3; p++)
        {
            var now = ((Array)inputs[p]).Cast<double>().ToArray();
            var before = ((Array)copies[p]).Cast<double>().ToArray();
            Assert.True(now.SequenceEqual(before), $"n = {n}: a companion changed input {p} in {replay()}");
        }
    }

    private static MethodInfo Method(Type programs, string name, int parameters) =>
        programs.GetMethods().Single(m => m.Name == name && m.GetParameters().Length == parameters);

    private static double[] Flatten(double[,] W, double[] x, double[] v, double c) =>
        W.Cast<double>().Concat(x).Concat(v).Append(c).ToArray();

    private static double[,] Shift(double[,] a, double[,] d, double t)
    {
        var result = (double[,])a.Clone();
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                result[i, j] += t * d[i, j];
            }
        }

        return result;
    }

    private static double[] Shift(double[] a, double[] d, double t) => a.Select((e, i) => e + (t * d[i])).ToArray();

    private static void Fill(double[,] a)
    {
        for (int i = 0; i < a.GetLength(0); i++)
        {
            for (int j = 0; j < a.GetLength(1); j++)
            {
                a[i, j] = double.NaN;
            }
        }
    }

    private static double[,] Matrix(Random random, int n, double scale)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m[i, j] = scale * ((random.NextDouble() * 2) - 1);
            }
        }

        return m;
    }

    private static double[] Vector(Random random, int n) => Enumerable.Range(0, n).Select(_ => (random.NextDouble() * 2) - 1).ToArray();
}
