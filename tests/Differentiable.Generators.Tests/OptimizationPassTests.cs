using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Emit;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Optimization;
using Differentiable.Generators.Vectorization;

namespace Differentiable.Generators.Tests;

/// <summary>The passes that run on finished companion bodies, on IR built by hand (no Roslyn): what they rewrite, and what they must leave.</summary>
public sealed class OptimizationPassTests
{
    private static readonly Dictionary<string, IrType> Types = new()
    {
        ["W"] = IrType.DoubleMatrix,
        ["U"] = IrType.DoubleMatrix,
        ["dW"] = IrType.DoubleMatrix,
        ["x"] = IrType.DoubleArray,
        ["dx"] = IrType.DoubleArray,
        ["y"] = IrType.DoubleArray,
        ["u"] = IrType.DoubleArray,
        ["n"] = IrType.Int32,
        ["i"] = IrType.Int32,
        ["s"] = IrType.Double,
        ["t"] = IrType.Double,
        ["z"] = IrType.Double,
        ["dz"] = IrType.Double,
        ["b"] = IrType.Boolean,
    };

    private static Variable V(string name) => new(name);

    private static ElementAccess At(string array, params Expr[] indices) => new(array, indices.ToEquatableArray());

    private static Binary Mul(Expr a, Expr b) => new(BinaryOperator.Multiply, a, b);

    private static Assign AddTo(Expr target, Expr term) => new(target, new Binary(BinaryOperator.Add, target, term));

    private static Block Body(params Stmt[] statements) => new(statements.ToEquatableArray());

    private static For Loop(string variable, params Stmt[] body) => new(variable, Constant.Int(0), V("n"), false, Body(body));

    private static string Print(Block block)
    {
        var writer = new CodeWriter();
        new CSharpPrinter(writer).Write(block);
        return writer.ToString();
    }

    [Fact]
    public void DotAndAxpyLoopsBecomeKernelCalls()
    {
        var body = Body(
            Loop("j", AddTo(V("s"), Mul(At("W", V("i"), V("j")), At("x", V("j"))))),
            Loop("j", AddTo(At("dW", V("i"), V("j")), Mul(V("t"), At("x", V("j")))), AddTo(At("dx", V("j")), Mul(V("t"), At("W", V("i"), V("j"))))));
        var text = Print(ContractionKernels.Rewrite(body, Types));
        Assert.Contains("s += global::Differentiable.Runtime.Kernels.Dot(W, i, 0, x, 0, n);", text);
        Assert.Contains("global::Differentiable.Runtime.Kernels.Axpy(t, x, 0, dW, i, 0, n);", text);
        Assert.Contains("global::Differentiable.Runtime.Kernels.Axpy(t, W, i, 0, dx, 0, n);", text);
        Assert.DoesNotContain("for (", text);
    }

    [Fact]
    public void ASumOfProductsIntoOneAccumulatorIsOneDotPerProduct()
    {
        // Forward mode's tangent of a row's dot: ds += dW[i, j]·x[j] + W[i, j]·dx[j] − W[i, j]·y[j], with its signs.
        var tangent = new Binary(
            BinaryOperator.Subtract,
            new Binary(BinaryOperator.Add, Mul(At("dW", V("i"), V("j")), At("x", V("j"))), Mul(At("W", V("i"), V("j")), At("dx", V("j")))),
            Mul(At("W", V("i"), V("j")), At("y", V("j"))));
        var text = Print(ContractionKernels.Rewrite(Body(Loop("j", AddTo(V("dz"), tangent), AddTo(V("z"), Mul(At("W", V("i"), V("j")), At("x", V("j")))))), Types));
        Assert.Contains("dz += global::Differentiable.Runtime.Kernels.Dot(dW, i, 0, x, 0, n);", text);
        Assert.Contains("dz += global::Differentiable.Runtime.Kernels.Dot(W, i, 0, dx, 0, n);", text);
        Assert.Contains("dz -= global::Differentiable.Runtime.Kernels.Dot(W, i, 0, y, 0, n);", text);
        Assert.Contains("z += global::Differentiable.Runtime.Kernels.Dot(W, i, 0, x, 0, n);", text);
        Assert.DoesNotContain("for (", text);

        // A term that is not a product keeps the loop.
        var mixed = Print(ContractionKernels.Rewrite(Body(Loop("j", AddTo(V("dz"), new Binary(BinaryOperator.Add, Mul(At("W", V("i"), V("j")), At("x", V("j"))), At("y", V("j")))))), Types));
        Assert.Contains("for (", mixed);
    }

    [Fact]
    public void LoopsThatAreNotContractionsStayLoops()
    {
        var cases = new[]
        {
            // α reads an array the loop writes: evaluated once it would be stale.
            Loop("j", AddTo(At("dx", V("j")), Mul(At("dx", Constant.Int(0)), At("x", V("j"))))),
            // Not contiguous: the loop runs down a column.
            Loop("j", AddTo(V("s"), Mul(At("W", V("j"), V("i")), At("x", V("j"))))),
            // Shifted index: a recurrence, not elementwise.
            Loop("j", AddTo(At("y", new Binary(BinaryOperator.Add, V("j"), Constant.Int(1))), Mul(V("t"), At("y", V("j"))))),
            // A dot beside a store into one of its operands.
            Loop("j", AddTo(V("s"), Mul(At("x", V("j")), At("y", V("j")))), AddTo(At("x", V("j")), Mul(V("t"), At("y", V("j"))))),
            // The tape: order matters.
            Loop("j", new TapePush(IrType.Double, V("s")), AddTo(V("s"), Mul(At("x", V("j")), At("y", V("j"))))),
            // Two parameters of one type may be the same array: y[i] may be among x's elements.
            Loop("j", AddTo(At("y", V("i")), Mul(At("x", V("j")), At("x", V("j"))))),
        };

        foreach (var loop in cases)
        {
            var text = Print(ContractionKernels.Rewrite(Body(loop), Types));
            Assert.DoesNotContain("Kernels", text);
            Assert.Contains("for (", text);
        }
    }

    [Fact]
    public void RepeatedCallsAreEvaluatedOnceUnlessTheirArgumentChanges()
    {
        var exp = new Call(MathFunction.Exp, new Expr[] { new Unary(UnaryOperator.Negate, V("z")) }.ToEquatableArray());
        var shared = Body(
            new Declare("t0", IrType.Double, new Binary(BinaryOperator.Add, Constant.One, exp)),
            AddTo(V("dz"), Mul(V("t0"), exp)));
        var text = Print(RepeatedCalls.Rewrite(Body(shared), Types));
        Assert.Contains("double f0 = global::System.Math.Exp(-z);", text);
        Assert.Contains("double t0 = 1.0 + f0;", text);
        Assert.Contains("dz += t0 * f0;", text);

        // z changes between the two calls: both must stay.
        var changing = Body(
            new Declare("t0", IrType.Double, exp),
            new Assign(V("z"), Constant.Of(2.0)),
            AddTo(V("dz"), exp));
        var unchanged = Print(RepeatedCalls.Rewrite(Body(changing), Types));
        Assert.DoesNotContain("f0", unchanged);
    }

    [Fact]
    public void ARepeatedMathFCallIsSharedInAFloatLocalAndNotWithTheDoubleCall()
    {
        Call Sqrt(bool single) => new(MathFunction.Sqrt, new Expr[] { V("z") }.ToEquatableArray(), single);
        Expr HalfOver(Expr e) => new Binary(BinaryOperator.Divide, Constant.Of(0.5), e);

        // A straight-line gradient: the forward statement, then its reverse in a block of its own.
        var shared = Print(RepeatedCalls.Rewrite(
            Body(new Assign(V("s"), new Binary(BinaryOperator.Subtract, Sqrt(single: true), Constant.One)), Body(AddTo(V("dz"), HalfOver(Sqrt(single: true))))),
            Types));
        Assert.Equal(1, CountOf(shared, "global::System.MathF.Sqrt(z)"));
        // A double local would turn the float arithmetic around it into double (and s = f0 − 1f would not compile).
        Assert.Contains("float f0 = global::System.MathF.Sqrt(z);", shared);
        Assert.Contains("s = f0 - 1.0;", shared);

        // √ in double is another value than MathF's: both stay.
        var mixed = Print(RepeatedCalls.Rewrite(
            Body(new Assign(V("s"), Sqrt(single: true)), Body(AddTo(V("dz"), HalfOver(Sqrt(single: false))))),
            Types));
        Assert.Equal(1, CountOf(mixed, "global::System.MathF.Sqrt(z)"));
        Assert.Equal(1, CountOf(mixed, "global::System.Math.Sqrt(z)"));
    }

    [Fact]
    public void ACallRepeatedInsideOneReturnedTupleIsEvaluatedOnceBeforeIt()
    {
        // A tangent's return: (σ(z), σ(z)·e^(−z)·dz/(1 + e^(−z))), written by forward mode with e^(−z) three times.
        var exp = new Call(MathFunction.Exp, new Expr[] { new Unary(UnaryOperator.Negate, V("z")) }.ToEquatableArray());
        var sigmoid = new Binary(BinaryOperator.Divide, Constant.One, Plus(Constant.One, exp));
        var tangent = new Binary(BinaryOperator.Divide, Mul(sigmoid, Mul(exp, V("dz"))), Plus(Constant.One, exp));
        var body = Body(
            new Assign(V("z"), Mul(V("z"), V("t"))),
            new Return(new Ir.Tuple(new Expr[] { sigmoid, tangent }.ToEquatableArray())));
        var text = Print(RepeatedCalls.Rewrite(body, Types));
        Assert.Equal(1, CountOf(text, "global::System.Math.Exp(-z)"));
        Assert.True(text.IndexOf("z = z * t;", System.StringComparison.Ordinal) < text.IndexOf("double f0 = global::System.Math.Exp(-z);", System.StringComparison.Ordinal), text);
        Assert.Contains("return (1.0 / (1.0 + f0), ", text);

        // Evaluated once in the statement, it is not worth a local.
        var once = Print(RepeatedCalls.Rewrite(Body(new Assign(V("z"), V("t")), new Return(sigmoid)), Types));
        Assert.DoesNotContain("f0", once);
    }

    [Fact]
    public void ACallThatMayThrowIsSharedOnlyWhereItIsEvaluatedOutsideABranch()
    {
        Call Exp(Expr argument) => new(MathFunction.Exp, new[] { argument }.ToEquatableArray());
        var byInt = Exp(Mul(V("z"), new Binary(BinaryOperator.Divide, V("n"), V("i"))));
        var guard = new Binary(BinaryOperator.NotEqual, V("i"), Constant.Int(0));
        Expr Guarded(Expr call) => new Conditional(guard, Mul(call, call), V("z"));

        // i != 0 ? e^(z·(n / i))² : z: evaluated ahead of the test, n / i would throw at i = 0 where the method does not.
        // Neither in a block of declarations (hoisted to its start) nor across blocks (ahead of the first statement).
        var flat = Print(RepeatedCalls.Rewrite(Body(Body(new Declare("t0", IrType.Double, Guarded(byInt)))), Types));
        Assert.DoesNotContain("f0", flat);
        var nested = Print(RepeatedCalls.Rewrite(Body(new Assign(V("s"), Guarded(byInt)), new Return(Guarded(byInt))), Types));
        Assert.DoesNotContain("f0", nested);
        Assert.Equal(4, CountOf(nested, "global::System.Math.Exp("));

        // An element or a length may throw too; after && it is guarded the same way.
        var element = Exp(At("x", V("i")));
        var afterAnd = new Binary(BinaryOperator.And, guard, new Binary(BinaryOperator.Greater, Mul(element, element), Constant.One));
        Assert.DoesNotContain("f0", Print(RepeatedCalls.Rewrite(Body(Body(new Declare("b", IrType.Boolean, afterAnd))), Types)));

        // Once evaluated outside the branch, the method throws there anyway: shared, in a block of declarations (an element,
        // which only that rewrite shares) and across statements (a return, which only that one reads).
        var unguardedElement = Print(RepeatedCalls.Rewrite(Body(Body(new Declare("t0", IrType.Double, element), new Declare("t1", IrType.Double, Guarded(element)))), Types));
        Assert.Equal(1, CountOf(unguardedElement, "global::System.Math.Exp("));
        var unguardedReturn = Print(RepeatedCalls.Rewrite(Body(new Declare("t0", IrType.Double, byInt), new Return(Guarded(byInt))), Types));
        Assert.Equal(1, CountOf(unguardedReturn, "global::System.Math.Exp("));

        // Evaluated outside a branch only after the guarded evaluation: hoisted ahead of the first, it would throw before
        // whatever runs between them (an element read past its array's end throwing IndexOutOfRange instead).
        Assert.Equal(3, CountOf(Print(RepeatedCalls.Rewrite(Body(Body(new Declare("t0", IrType.Double, Guarded(byInt)), new Declare("t1", IrType.Double, byInt))), Types)), "global::System.Math.Exp("));
        Assert.Equal(3, CountOf(Print(RepeatedCalls.Rewrite(Body(new Assign(V("s"), Guarded(byInt)), new Return(byInt)), Types)), "global::System.Math.Exp("));

        // Int arithmetic overflows with an exception in a checked build.
        var byProduct = Exp(Mul(V("z"), Mul(V("n"), Constant.Int(3000000))));
        Assert.DoesNotContain("f0", Print(RepeatedCalls.Rewrite(Body(Body(new Declare("t0", IrType.Double, Guarded(byProduct)))), Types)));

        // Doubles divide without throwing, and an int divided by a constant other than 0 and −1 cannot throw: shared.
        foreach (var quotient in new[] { new Binary(BinaryOperator.Divide, V("z"), V("t")), new Binary(BinaryOperator.Divide, V("n"), Constant.Int(2)) })
        {
            var text = Print(RepeatedCalls.Rewrite(Body(Body(new Declare("t0", IrType.Double, Guarded(Exp(quotient))))), Types));
            Assert.Equal(1, CountOf(text, "global::System.Math.Exp("));
        }
    }

    [Fact]
    public void ACallTheForwardBlockMadeIsReadByTheReverseBlockUnlessItsArgumentChangedBetween()
    {
        var exp = new Call(MathFunction.Exp, new Expr[] { new Unary(UnaryOperator.Negate, V("z")) }.ToEquatableArray());
        Block Iteration(params Stmt[] between) => Body(Loop(
            "i",
            Body(
                new Assign(V("z"), At("x", V("i"))),
                new Assign(V("s"), new Binary(BinaryOperator.Divide, Constant.One, Plus(Constant.One, exp)))),
            Body(between),
            Body(new Declare("t0", IrType.Double, Plus(Constant.One, exp)), AddTo(V("dz"), Mul(V("t0"), exp)))));

        // A fused iteration { forward } { reverse }: exp(−z) once, in a local of the loop body the reverse block sees.
        var shared = Print(RepeatedCalls.Rewrite(Iteration(), Types));
        Assert.Equal(1, CountOf(shared, "global::System.Math.Exp(-z)"));
        // (The reverse block's own hoisting named it f0 first; that local now copies the shared f1.)
        Assert.Contains("double f1 = default;", shared);
        Assert.Contains("f1 = global::System.Math.Exp(-z);", shared);
        Assert.Contains("s = 1.0 / (1.0 + f1);", shared);
        Assert.Contains("double f0 = f1;", shared);
        Assert.True(shared.IndexOf("z = x[i];", System.StringComparison.Ordinal) < shared.IndexOf("f1 = global::System.Math.Exp(-z);", System.StringComparison.Ordinal));

        // A loop between them that leaves z alone does not matter.
        var untouched = Print(RepeatedCalls.Rewrite(Iteration(Loop("j", AddTo(At("dx", V("j")), V("s")))), Types));
        Assert.Equal(1, CountOf(untouched, "global::System.Math.Exp(-z)"));

        // z assigned between them, directly, in a loop, in a branch, as an out argument or by opaque code: the reverse block
        // evaluates again (once: its two uses share one evaluation).
        var callee = new Callee("M(out double)", "global::N.M", "M", new[] { IrType.Double }.ToEquatableArray(), EquatableArray<bool>.Empty, null!, null);
        var writers = new Stmt[]
        {
            new Assign(V("z"), Constant.Of(2.0)),
            Loop("j", AddTo(V("z"), At("x", V("j")))),
            new If(new Binary(BinaryOperator.Greater, V("s"), Constant.Zero), Body(new Assign(V("z"), Constant.Zero)), null),
            new Evaluate(new UserCall(callee, new Expr[] { new OutArgument("z") }.ToEquatableArray())),
            new Verbatim("Opaque();"),
        };
        foreach (var writer in writers)
        {
            var text = Print(RepeatedCalls.Rewrite(Iteration(writer), Types));
            Assert.Equal(2, CountOf(text, "global::System.Math.Exp(-z)"));
        }
    }

    [Fact]
    public void ATanhStoredIntoAFreshArrayBecomesOneMapAfterTheLoop()
    {
        var tanh = new Call(MathFunction.Tanh, new Expr[] { V("s") }.ToEquatableArray());
        var allocate = new Assign(V("y"), new NewArray(IrType.DoubleArray, new Expr[] { V("n") }.ToEquatableArray()));
        Stmt Layer(params Stmt[] extra) => Loop(
            "i",
            new Stmt[] { new Assign(V("s"), At("x", V("i"))), AddTo(V("s"), Mul(At("W", V("i"), Constant.Int(0)), At("x", Constant.Int(0)))) }
                .Concat(extra)
                .Append(new Assign(At("y", V("i")), tanh))
                .ToArray());

        var mapped = Print(ElementwiseMaps.Rewrite(Body(allocate, new Assign(V("t"), Constant.One), Layer()), Types));
        Assert.Contains("y[i] = s;", mapped);
        Assert.Contains("global::Differentiable.Runtime.Kernels.Tanh(y, 0, n);", mapped);
        Assert.DoesNotContain("global::System.Math.Tanh", mapped);
        Assert.True(mapped.IndexOf("Kernels.Tanh", System.StringComparison.Ordinal) > mapped.IndexOf("y[i] = s;", System.StringComparison.Ordinal));

        var refused = new[]
        {
            // Not fresh: y may be a caller's array, or another name may hold it.
            Body(Layer()),
            Body(allocate, new Assign(V("dx"), V("y")), Layer()),
            // Generated code between the allocation and the loop that names the array may keep a reference.
            Body(allocate, new Verbatim("Keep(y);"), Layer()),
            // An iteration reads an element another stored: tanh must be applied before that read.
            Body(allocate, Layer(AddTo(V("s"), At("y", Constant.Int(0))))),
            Body(allocate, Layer(AddTo(V("s"), new Invoke("global::Differentiable.Runtime.Kernels.Dot", new Expr[] { V("y"), Constant.Int(0), V("x"), Constant.Int(0), V("n") }.ToEquatableArray())))),
            // The bound moves as the loop runs: the run stored is not the run the map would cover.
            Body(allocate, Layer(new Assign(V("n"), Constant.Int(1)))),
        };
        foreach (var body in refused)
        {
            var text = Print(ElementwiseMaps.Rewrite(body, Types));
            Assert.Contains("y[i] = global::System.Math.Tanh(s);", text);
            Assert.DoesNotContain("Kernels.Tanh", text);
        }
    }

    [Fact]
    public void RowDotsStoredIntoAFreshArrayBecomeMatrixVectorProducts()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        Invoke Dot(params Expr[] arguments) => new(Kernels + ".Dot", arguments.ToEquatableArray());
        var rowDot = AddTo(V("s"), Dot(V("W"), V("i"), Constant.Int(0), V("x"), Constant.Int(0), V("n")));
        var allocate = new Assign(V("y"), new NewArray(IrType.DoubleArray, new Expr[] { V("n") }.ToEquatableArray()));
        Stmt Layer(params Stmt[] dots) => Loop(
            "i",
            new Stmt[] { new Assign(V("s"), At("x", V("i"))), new Comment("the dot") }
                .Concat(dots.Length == 0 ? new Stmt[] { rowDot } : dots)
                .Append(new Assign(At("y", V("i")), V("s")))
                .ToArray());

        var distributed = Print(MatrixVectorProducts.Rewrite(Body(allocate, Layer(), new Verbatim("Keep(sum);")), Types));
        Assert.Contains("y[i] = s;", distributed);
        Assert.DoesNotContain("Kernels.Dot", distributed);
        Assert.DoesNotContain("the dot", distributed);
        Assert.Contains(Kernels + ".MatVecAdd(W, 0, 0, x, 0, n, y, 0, n);", distributed);
        Assert.True(distributed.IndexOf("MatVecAdd", System.StringComparison.Ordinal) > distributed.IndexOf("y[i] = s;", System.StringComparison.Ordinal));

        // Two dots, the second against a matrix row: two products, in the order of the sums.
        var twoDots = Print(MatrixVectorProducts.Rewrite(
            Body(allocate, Layer(rowDot, AddTo(V("s"), Dot(V("dW"), V("i"), Constant.Int(1), V("W"), V("t"), Constant.Int(1), V("n"))))),
            Types));
        Assert.True(twoDots.IndexOf("MatVecAdd(W, 0, 0, x", System.StringComparison.Ordinal) < twoDots.IndexOf("MatVecAdd(dW, 0, 1, W, t, 1, n, y, 0, n)", System.StringComparison.Ordinal));

        var refused = new[]
        {
            // Not fresh: y may be x or W under another name.
            Body(Layer()),
            // The accumulator is read after the loop, where it would hold x[i] and not the sum.
            Body(allocate, Layer(), new Assign(V("t"), V("s"))),
            Body(allocate, Layer(), new Verbatim("Keep(s);")),
            // A dot that reads the array the loop stores, or a row other than the loop's.
            Body(allocate, Layer(AddTo(V("s"), Dot(V("W"), V("i"), Constant.Int(0), V("y"), Constant.Int(0), V("n"))))),
            Body(allocate, Layer(AddTo(V("s"), Dot(V("W"), Constant.Int(0), Constant.Int(0), V("x"), Constant.Int(0), V("n"))))),
            // Anything else in the loop, or a dot whose length the loop changes.
            Body(allocate, Layer(rowDot, new Assign(V("t"), V("s")))),
            Body(allocate, Loop("i", new Assign(V("s"), new Invoke("Fill", new Expr[] { new OutArgument("t") }.ToEquatableArray())), rowDot, new Assign(At("y", V("i")), V("s")))),
            Body(allocate, Layer(AddTo(V("s"), Dot(V("W"), V("i"), Constant.Int(0), V("x"), Constant.Int(0), V("s"))))),
        };
        foreach (var body in refused)
        {
            var text = Print(MatrixVectorProducts.Rewrite(body, Types));
            Assert.Contains("Kernels.Dot(W, ", text);
            Assert.DoesNotContain("MatVecAdd", text);
        }
    }

    [Fact]
    public void OuterProductUpdatesOfAStepsRowLoopAreAddedByBatchesOfSteps()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        Invoke Kernel(string name, params Expr[] arguments) => new(Kernels + "." + name, arguments.ToEquatableArray());
        var zero = Constant.Int(0);
        var types = new Dictionary<string, IrType>(Types) { ["k"] = IrType.Int32, ["m"] = IrType.Int32, ["X"] = IrType.DoubleMatrix, ["dU"] = IrType.DoubleMatrix };
        var helper = new Callee("H(double)", "global::N.H", "H", new[] { IrType.Double }.ToEquatableArray(), EquatableArray<bool>.Empty, null!, null);
        var alpha = new Assign(V("z"), Mul(At("u", V("i")), V("t")));
        var intoW = new Evaluate(Kernel("Axpy", V("z"), V("x"), zero, V("dW"), V("i"), zero, V("n")));
        var intoU = new Evaluate(Kernel("Axpy", V("z"), V("X"), V("k"), zero, V("dU"), V("i"), zero, V("n")));
        For Rows(params Stmt[] extra) => new("i", zero, V("n"), true, Body(new Stmt[] { alpha }.Concat(extra).ToArray()));
        For Steps(params Stmt[] body) => new("k", zero, V("m"), true, Body(body));
        // x, y and u come from the caller (one class: they may be one array); the gradient buffers alias nothing.
        var aliases = Analysis.ArrayAliases.Of(Body(), types, new[] { "dx", "dW", "dU" });
        string Rewritten(Stmt loop, List<KeyValuePair<string, IrType>>? fresh = null) =>
            Print(OuterProductBatches.Rewrite(Body(loop), () => aliases, fresh ?? new List<KeyValuePair<string, IrType>>()));

        // BPTT's shape: per step, a row loop whose rows add α·x into their row of dW (x a vector) and of dU (x a row of X).
        var declared = new List<KeyValuePair<string, IrType>>();
        var batched = Rewritten(Steps(Rows(intoW, intoU)), declared);
        Assert.Contains("int batchSteps = " + Kernels + ".StepsPerBatch(n);", batched);
        Assert.Contains("double[] dWAlphas = " + Kernels + ".RentBatch(batchSteps * n);", batched);
        Assert.Contains("double[] dUVectors = " + Kernels + ".RentBatch(batchSteps * n);", batched);
        Assert.Contains("if (n > 0)", batched);
        Assert.Contains(Kernels + ".Copy(x, 0, dWVectors, batchStep * n, n);", batched);
        Assert.Contains(Kernels + ".Copy(X, k, 0, dUVectors, batchStep * n, n);", batched);
        Assert.Contains("dWAlphas[batchStep * n + i] = z;", batched);
        Assert.Contains("dUAlphas[batchStep * n + i] = z;", batched);
        Assert.DoesNotContain(Kernels + ".Axpy(", batched);
        Assert.Equal(2, CountOf(batched, Kernels + ".OuterProductsAdd(dWAlphas, dWVectors, batchStep, dW, 0, 0, n, n);"));
        Assert.Equal(2, CountOf(batched, Kernels + ".OuterProductsAdd(dUAlphas, dUVectors, batchStep, dU, 0, 0, n, n);"));
        Assert.Contains("batchStep += 1;", batched);
        Assert.Contains("if (batchStep == batchSteps)", batched);
        Assert.Contains(Kernels + ".ReturnBatch(dUVectors);", batched);
        Assert.True(batched.IndexOf("Copy(x", System.StringComparison.Ordinal) < batched.IndexOf("for (int i", System.StringComparison.Ordinal));
        Assert.True(batched.IndexOf("batchStep += 1;", System.StringComparison.Ordinal) > batched.IndexOf("dUAlphas[batchStep", System.StringComparison.Ordinal));
        Assert.True(batched.LastIndexOf("OuterProductsAdd", System.StringComparison.Ordinal) < batched.IndexOf("ReturnBatch", System.StringComparison.Ordinal));
        Assert.Equal(new[] { "batchSteps", "batchStep", "dWAlphas", "dWVectors", "dUAlphas", "dUVectors" }, declared.Select(p => p.Key));

        // Rows from 1: α at its row's place in the step's run, and the kernel starts at row 1.
        var offset = Rewritten(Steps(new For("i", Constant.Int(1), V("n"), false, Body(alpha, intoW))));
        Assert.Contains("dWAlphas[batchStep * (n - 1) + (i - 1)] = z;", offset);
        Assert.Contains("OuterProductsAdd(dWAlphas, dWVectors, batchStep, dW, 1, 0, n - 1, n);", offset);

        // The row loop stores into y, which may be x under another name: the step is batched when they are two arrays;
        // otherwise it adds the batch so far and runs its row loop as written.
        var versioned = Rewritten(Steps(Rows(intoW, new Assign(At("y", V("i")), V("z")))));
        Assert.Contains("if (!global::System.Object.ReferenceEquals(x, y))", versioned);
        Assert.Contains("dWAlphas[batchStep * n + i] = z;", versioned);
        Assert.Contains("else", versioned);
        Assert.Contains(Kernels + ".Axpy(z, x, 0, dW, i, 0, n);", versioned);
        Assert.True(versioned.IndexOf("OuterProductsAdd", versioned.IndexOf("else", System.StringComparison.Ordinal), System.StringComparison.Ordinal)
            < versioned.IndexOf(Kernels + ".Axpy(", System.StringComparison.Ordinal));

        // Under the guard ContractionKernels puts around an axpy whose α it hoisted: the α is stored under the guard,
        // and an empty run (n ≤ 0) stores none and adds nothing.
        If Guarded(Expr test, Stmt update, Block? otherwise = null) => new(test, Body(new Declare("t0", IrType.Double, At("u", V("i"))), update), otherwise);
        var guardedUpdate = new Evaluate(Kernel("Axpy", V("t0"), V("x"), zero, V("dW"), V("i"), zero, V("n")));
        var guarded = Rewritten(Steps(Rows(Guarded(new Binary(BinaryOperator.Greater, V("n"), zero), guardedUpdate))));
        Assert.Contains("dWAlphas[batchStep * n + i] = t0;", guarded);
        Assert.DoesNotContain(Kernels + ".Axpy(", guarded);
        Assert.True(guarded.IndexOf("if (n > 0)", guarded.IndexOf("for (int i", System.StringComparison.Ordinal), System.StringComparison.Ordinal)
            < guarded.IndexOf("dWAlphas[batchStep", System.StringComparison.Ordinal));
        foreach (var (why, loop) in new[]
        {
            ("a test of another length", Steps(Rows(Guarded(new Binary(BinaryOperator.Greater, V("m"), zero), guardedUpdate)))),
            ("a branch with an else", Steps(Rows(Guarded(new Binary(BinaryOperator.Greater, V("n"), zero), guardedUpdate, Body(new Assign(V("t"), V("z"))))))),
            ("a branch on a value", Steps(Rows(Guarded(new Binary(BinaryOperator.Greater, V("t"), new Constant(0.0, IrType.Double)), guardedUpdate)))),
            ("a user's branch whose test calls a helper", Steps(Rows(intoW, new If(new Binary(BinaryOperator.Greater, new UserCall(helper, new Expr[] { V("z") }.ToEquatableArray()), new Constant(0.0, IrType.Double)), Body(new Assign(V("t"), V("z"))), null)))),
        })
        {
            Assert.True(!Rewritten(loop).Contains("batch"), why);
        }

        // Two row loops, one checked at run time: only the unchecked loop's update is batched.
        var twoLoops = Rewritten(Steps(Rows(intoW, new Assign(At("y", V("i")), V("z"))), Rows(intoU)));
        Assert.Contains("dUAlphas[batchStep * n + i] = z;", twoLoops);
        Assert.Contains(Kernels + ".Axpy(z, x, 0, dW, i, 0, n);", twoLoops);
        Assert.DoesNotContain("ReferenceEquals", twoLoops);

        var refused = new Stmt[]
        {
            // dW read, or rebound, elsewhere in the step: it must see every earlier step's update.
            Steps(Rows(intoW), new Assign(V("t"), At("dW", zero, zero))),
            Steps(Rows(intoW), new Assign(V("dW"), V("U"))),
            // A branch, a user call or a write of its own variable in the row loop: not every row makes its update once.
            Steps(Rows(intoW, new If(V("b"), Body(new Assign(V("t"), V("z"))), null))),
            Steps(Rows(intoW, new Assign(V("t"), new UserCall(helper, new Expr[] { V("z") }.ToEquatableArray())))),
            Steps(Rows(intoW, new Assign(V("i"), V("n")))),
            // x written by the row loop (stored into, or updated by a kernel): the copy before it is not what every row read.
            Steps(Rows(intoW, new Assign(At("x", V("i")), V("z")))),
            Steps(Rows(intoW, new Evaluate(Kernel("Axpy", V("z"), V("W"), V("i"), zero, V("x"), zero, V("n"))))),
            // Bounds or a length the steps change, or that need more than names and constants before the loop.
            Steps(new Assign(V("n"), V("k")), Rows(intoW)),
            Steps(Rows(new Evaluate(Kernel("Axpy", V("z"), V("x"), zero, V("dW"), V("i"), zero, V("k"))))),
            Steps(new For("i", zero, new ArrayLength("x", -1), true, Body(alpha, intoW))),
            // The vector's row read from an array (written by the row loop through a kernel, or under another name).
            Steps(Rows(new Evaluate(Kernel("Axpy", V("z"), V("X"), new Convert(IrType.Int32, At("u", zero)), zero, V("dU"), V("i"), zero, V("n"))))),
            // The steps' bound reads dW, or U, which may be W, into which the rows add: each step must see the last.
            new For("k", zero, new Convert(IrType.Int32, At("dW", zero, zero)), false, Body(Rows(intoW))),
            new For("k", zero, new Convert(IrType.Int32, At("U", zero, zero)), false, Body(Rows(new Evaluate(Kernel("Axpy", V("z"), V("x"), zero, V("W"), V("i"), zero, V("n")))))),
            // One update object standing twice in the row loop: two updates, one α slot (from a review; no pass shares
            // statements today, and the batch would have thrown).
            Steps(Rows(intoW, intoW)),
            // A return inside the steps: the batch would not be added.
            Steps(Rows(intoW), new Return(V("t"))),
            // An update into W, which may be U (both from the caller), read in the step.
            Steps(Rows(new Evaluate(Kernel("Axpy", V("z"), V("x"), zero, V("W"), V("i"), zero, V("n")))), new Assign(V("t"), At("U", zero, zero))),
        };
        foreach (var loop in refused)
        {
            var text = Rewritten(loop);
            Assert.DoesNotContain("batch", text);
        }

        // Fewer than four steps known at compile time: nothing to batch.
        Assert.DoesNotContain("batch", Rewritten(new For("k", zero, Constant.Int(3), false, Body(Rows(intoW)))));
    }

    [Fact]
    public void RowDotsAndRowUpdatesRunByBlocksOfRows()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        Invoke Kernel(string name, params Expr[] arguments) => new(Kernels + "." + name, arguments.ToEquatableArray());
        var zero = Constant.Int(0);
        var helper = new Callee("H(double)", "global::N.H", "H", new[] { IrType.Double }.ToEquatableArray(), EquatableArray<bool>.Empty, null!, null);
        var rowDot = AddTo(V("s"), Kernel("Dot", V("W"), V("i"), zero, V("x"), zero, V("n")));
        var scalar = new Assign(V("z"), Mul(V("s"), V("s")));
        Stmt Update(string vector) => new Evaluate(Kernel("Axpy", V("z"), V("W"), V("i"), zero, V(vector), zero, V("n")));
        // A logistic iteration's shape: the row's dot, scalar work, the row's update of a gradient buffer.
        Stmt[] Iteration(params Stmt[] extra) => new Stmt[] { new Assign(V("s"), Constant.Zero), rowDot, scalar }.Concat(extra).Append(Update("dx")).ToArray();
        // The classes of the body before kernels (handing an array to one would let it escape): x and y come from the
        // caller and may be one array; the gradient buffers dx and dW alias nothing.
        var aliases = Analysis.ArrayAliases.Of(Body(), Types, new[] { "dx", "dW" });
        string Rewritten(Stmt loop) => Print(RowBlocks.Rewrite(Body(loop), () => aliases));

        var blocked = Rewritten(Loop("i", Iteration()));
        Assert.Contains("double[] rowBlock = " + Kernels + ".Scratch(128);", blocked);
        Assert.Contains(Kernels + ".MatVecAdd(W, blockLow, 0, x, 0, n, rowBlock, 0, blockSize);", blocked);
        Assert.Contains("s += rowBlock[i - blockLow];", blocked);
        Assert.Contains("rowBlock[64 + (i - blockLow)] = z;", blocked);
        Assert.Contains(Kernels + ".MatTVecAdd(rowBlock, 64, W, blockLow, 0, dx, 0, n, blockSize, false);", blocked);
        // The iterations are arithmetic: a scalar head, then vectors of rows (LaneIterations).
        Assert.Contains("for (int i = blockLow; i < vectorStart; i++)", blocked);
        Assert.Contains("while (i < blockLow + blockSize)", blocked);
        Assert.DoesNotContain("Kernels.Dot(", blocked);
        Assert.DoesNotContain("Kernels.Axpy(", blocked);
        Assert.True(blocked.IndexOf("MatVecAdd", System.StringComparison.Ordinal) < blocked.IndexOf("for (int i", System.StringComparison.Ordinal));
        Assert.True(blocked.IndexOf("MatTVecAdd", System.StringComparison.Ordinal) > blocked.IndexOf("rowBlock[64 + (i - blockLow)] = z;", System.StringComparison.Ordinal));

        // A reverse loop runs its blocks from the top down, each in the loop's order, and the kernel adds rows downwards.
        var descending = Rewritten(new For("i", zero, V("n"), true, Body(Iteration())));
        Assert.Contains("for (int i = blockTop - 1; i >= vectorTop; i--)", descending);
        Assert.Contains("while (i >= blockLow)", descending);
        Assert.Contains("int blockLow = blockTop - blockSize;", descending);
        Assert.Contains(Kernels + ".MatTVecAdd(rowBlock, 64, W, blockLow, 0, dx, 0, n, blockSize, true);", descending);

        // The update alone, when the dot reads what the loop writes (x): only the update is deferred.
        var updateOnly = Rewritten(Loop("i", Iteration(new Assign(At("x", V("i")), V("z")))));
        Assert.Contains("Kernels.Dot(W, i, 0, x, 0, n)", updateOnly);
        Assert.Contains("MatTVecAdd(rowBlock, 0, W", updateOnly);

        // The update into y, which may be x under another name (both come from the caller): the block runs when it is not.
        var versioned = Rewritten(Loop("i", new Assign(V("s"), Constant.Zero), rowDot, new Assign(At("x", V("i")), V("s")), new Assign(V("z"), V("s")), Update("y")));
        Assert.Contains("if (!global::System.Object.ReferenceEquals(x, y))", versioned);
        Assert.Contains("MatTVecAdd(rowBlock, 0, W, blockLow, 0, y, 0, n, blockSize, false);", versioned);
        Assert.Contains("else", versioned);
        Assert.Contains(Kernels + ".Axpy(z, W, i, 0, y, 0, n);", versioned);
        Assert.True(versioned.IndexOf("MatTVecAdd", System.StringComparison.Ordinal) < versioned.IndexOf(Kernels + ".Axpy(", System.StringComparison.Ordinal));

        // A dot against x while the loop stores into u, which may be x (both come from the caller): checked the same way.
        var versionedDot = Rewritten(Loop("i", new Assign(V("s"), Constant.Zero), rowDot, new Assign(At("u", V("i")), V("s"))));
        Assert.Contains("if (!global::System.Object.ReferenceEquals(u, x))", versionedDot);
        Assert.Contains("MatVecAdd(W, blockLow, 0, x, 0, n, rowBlock, 0, blockSize);", versionedDot);
        Assert.Contains("Kernels.Dot(W, i, 0, x, 0, n)", versionedDot);

        // The matrix written through U, which may be W: the dot runs by block when U is not W; the update stays in the loop.
        var matrixWritten = Rewritten(Loop("i", Iteration(new Assign(At("U", V("i"), zero), V("z")))));
        Assert.Contains("if (!global::System.Object.ReferenceEquals(U, W))", matrixWritten);
        Assert.Contains("MatVecAdd(W, blockLow", matrixWritten);
        Assert.DoesNotContain("MatTVecAdd", matrixWritten);

        var refused = new[]
        {
            // A branch or a call: not every iteration takes every dot, or the callee could use the scratch.
            Loop("i", Iteration(new If(V("b"), Body(new Assign(V("t"), V("z"))), null))),
            Loop("i", Iteration(new Evaluate(new Invoke("Fill", new Expr[] { V("x") }.ToEquatableArray())))),
            Loop("i", Iteration(new Assign(V("t"), new UserCall(helper, new Expr[] { V("z") }.ToEquatableArray())))),
            // The dot's vector written by the loop, and the updated vector read in it.
            Loop("i", Iteration(new Assign(At("x", V("i")), V("z")), new Assign(V("t"), At("dx", V("i"))))),
            // The update into y, which may be u (both from the caller), when the loop rebinds u: no check before the loop holds.
            Loop("i", new Assign(V("u"), V("x")), new Assign(V("t"), At("u", V("i"))), new Assign(V("z"), V("t")), Update("y")),
            // The dot against x while the loop rebinds u, which may be x, and stores into it: no check before the loop holds.
            Loop("i", new Assign(V("s"), Constant.Zero), rowDot, new Assign(V("u"), V("y")), new Assign(At("u", V("i")), V("s"))),
            // The matrix written in the loop: neither the dots nor the updates may move.
            Loop("i", Iteration(new Assign(At("W", V("i"), zero), V("z")))),
            // A length the loop changes.
            Loop("i", Iteration(new Assign(V("n"), V("i")))),
            // A bound, or a dot's start, read from the vector the rows update (a kernel's write, which the loop as written
            // sees row by row): a block evaluates it once.
            new For("i", zero, new Convert(IrType.Int32, At("dx", zero)), false, Body(Iteration())),
            Loop("i", new Assign(V("s"), Constant.Zero), AddTo(V("s"), Kernel("Dot", V("W"), V("i"), new Convert(IrType.Int32, At("dx", zero)), V("x"), zero, V("n"))), scalar, Update("dx")),
            // Four rows known at compile time.
            new For("i", zero, Constant.Int(4), false, Body(Iteration())),
        };
        foreach (var loop in refused)
        {
            var text = Rewritten(loop);
            Assert.DoesNotContain("blocked", text);
            Assert.DoesNotContain("rowBlock", text);
        }

        // A dot under a conditional may not run: it stays, and with no update nothing is blocked.
        var conditional = Rewritten(Loop("i", new Assign(V("s"), new Conditional(V("b"), Kernel("Dot", V("W"), V("i"), zero, V("x"), zero, V("n")), Constant.Zero))));
        Assert.DoesNotContain("rowBlock", conditional);
    }

    [Fact]
    public void ArithmeticIterationsOfABlockRunByVectorsOfRows()
    {
        const string Lanes = "global::System.Numerics.Vector<double>.Count";
        var zero = Constant.Int(0);
        Expr Slot(int slot) => At("rowBlock", slot == 0 ? new Binary(BinaryOperator.Subtract, V("i"), V("lo")) : new Binary(BinaryOperator.Add, Constant.Int(slot), new Binary(BinaryOperator.Subtract, V("i"), V("lo"))));
        Binary Div(Expr a, Expr b) => new(BinaryOperator.Divide, a, b);
        Assign SubtractFrom(Expr target, Expr term) => new(target, new Binary(BinaryOperator.Subtract, target, term));
        // A block's iteration: f declared, z private (written first), dz reset (read first, set to 0 last), s a sum with
        // invariant t, a scratch store and a store into x at the row.
        Stmt[] Iteration(params Stmt[] extra) => new Stmt[]
        {
            new Declare("f", IrType.Double, Slot(0)),
            new Assign(V("z"), Mul(V("f"), At("y", V("i")))),
            SubtractFrom(V("dz"), Div(V("z"), V("f"))),
            new Assign(Slot(64), V("dz")),
            new Assign(V("dz"), Constant.Zero),
            AddTo(V("s"), Mul(Mul(V("z"), V("z")), Div(V("t"), V("f")))),
            new Assign(At("x", V("i")), new Unary(UnaryOperator.Negate, V("f"))),
        }.Concat(extra).ToArray();
        var types = new Dictionary<string, IrType>(Types) { ["f"] = IrType.Double };
        var aliases = Analysis.ArrayAliases.Of(Body(), types, new[] { "dx" });
        string? Rewritten(bool descending, params Stmt[] body)
        {
            var loop = new For("i", V("lo"), V("hi"), descending, Body(body));
            var lanes = LaneIterations.Rewrite(loop, "rowBlock", types, FreshNames.Of(Body(loop), aliases));
            return lanes is null ? null : Print(Body(lanes));
        }

        var ascending = Rewritten(false, Iteration())!;
        Assert.Contains($"int vectorStart = global::System.Numerics.Vector.IsHardwareAccelerated && hi - lo > {Lanes} && lo >= 0 && hi <= x.Length && hi <= y.Length ? lo + ((hi - lo - 1) % {Lanes} + 1) : hi;", ascending);
        Assert.Contains("for (int i = lo; i < vectorStart; i++)", ascending);
        Assert.Contains("global::System.Numerics.Vector<double> dzLanes = new global::System.Numerics.Vector<double>(0.0);", ascending);
        Assert.Contains("global::System.Numerics.Vector<double> tLanes = new global::System.Numerics.Vector<double>(t);", ascending);
        Assert.Contains("zLanes = f * new global::System.Numerics.Vector<double>(y, i);", ascending);
        Assert.Contains("dzLanes.CopyTo(rowBlock, 64 + (i - lo));", ascending);
        Assert.Contains("global::System.Numerics.Vector<double> laneStore = global::System.Numerics.Vector.Xor(f, new global::System.Numerics.Vector<double>(-0.0));", ascending);
        Assert.Contains("laneStore.CopyTo(x, i);", ascending);

        // A vector store reads its vector as the walks see reads: a pass that drops unread locals keeps laneStore.
        var stores = LaneIterations.Rewrite(new For("i", V("lo"), V("hi"), false, Body(Iteration())), "rowBlock", types, FreshNames.Of(Body(), aliases))!;
        var read = stores.SelectMany(IrWalker.Statements).SelectMany(IrWalker.OwnExpressions).SelectMany(IrWalker.ReadNames).ToHashSet();
        Assert.Contains("laneStore", read);
        Assert.Contains("dzLanes", read);
        Assert.Contains($"for (int lane = 0; lane < {Lanes}; lane++)", ascending);
        Assert.Contains("s += sTerms[lane];", ascending);
        Assert.Contains($"i += {Lanes};", ascending);
        Assert.Contains($"z = zLanes[{Lanes} - 1];", ascending);
        Assert.DoesNotContain("dz = dzLanes", ascending);

        // Downwards: the top rows one by one, vectors from the split down, lanes added top first, the last row lane 0.
        var descending = Rewritten(true, Iteration())!;
        Assert.Contains($"int vectorTop = global::System.Numerics.Vector.IsHardwareAccelerated && hi - lo > {Lanes} && lo >= 0 && hi <= x.Length && hi <= y.Length ? hi - ((hi - lo - 1) % {Lanes} + 1) : lo;", descending);
        Assert.Contains("for (int i = hi - 1; i >= vectorTop; i--)", descending);
        Assert.Contains($"int i = vectorTop - {Lanes};", descending);
        Assert.Contains("while (i >= lo)", descending);
        Assert.Contains($"for (int lane = {Lanes} - 1; lane >= 0; lane--)", descending);
        Assert.Contains("z = zLanes[0];", descending);

        // Left one by one: anything the lanes cannot run, or runs out of order.
        var refused = new (string Why, Stmt[] Body)[]
        {
            ("an element off the row", Iteration(new Assign(V("z"), At("y", new Binary(BinaryOperator.Add, V("i"), Constant.Int(1)))))),
            ("a matrix element", Iteration(new Assign(V("z"), At("W", V("i"), zero)))),
            ("a scratch element not at a slot", Iteration(new Assign(V("z"), At("rowBlock", V("i"))))),
            ("a double carried from row to row", Iteration(new Assign(V("dz"), Mul(V("dz"), V("f"))))),
            ("an int", Iteration(new Assign(V("n"), V("i")))),
            ("the row as a value", Iteration(new Assign(V("z"), new Convert(IrType.Double, V("i"))))),
            ("a kernel call", Iteration(new Evaluate(new Invoke("global::Differentiable.Runtime.Kernels.Axpy", new Expr[] { V("z"), V("x"), zero, V("dx"), zero, V("n") }.ToEquatableArray())))),
            ("a conditional", Iteration(new Assign(V("z"), new Conditional(V("b"), V("f"), V("t"))))),
            ("an exp call", Iteration(new Assign(V("z"), new Call(MathFunction.Exp, new Expr[] { V("f") }.ToEquatableArray())))),
            ("a sum read before the loop ends", Iteration(new Assign(V("z"), V("s")))),
            ("a sum with little work", new Stmt[] { AddTo(V("s"), Slot(0)) }),
            ("int arithmetic", Iteration(new Assign(V("z"), new Binary(BinaryOperator.Add, V("f"), Div(Constant.Int(1), new Call(MathFunction.Abs, new Expr[] { Constant.Int(-2) }.ToEquatableArray())))))),
        };
        foreach (var (why, body) in refused)
        {
            Assert.True(Rewritten(false, body) is null, why);
        }
    }

    /// <summary>
    /// <c>IrWalker.Nodes</c> pushes children without <c>Children</c>'s arrays: over every kind of expression it must visit
    /// what a walk through <c>Children</c> visits, in the same order.
    /// </summary>
    [Fact]
    public void NodesVisitsWhatChildrenListInTheSameOrder()
    {
        static List<Expr> ThroughChildren(Expr expression)
        {
            var order = new List<Expr>();
            var stack = new Stack<Expr>();
            stack.Push(expression);
            while (stack.Count > 0)
            {
                var current = stack.Pop();
                order.Add(current);
                foreach (var child in IrWalker.Children(current))
                {
                    stack.Push(child);
                }
            }

            return order;
        }

        static EquatableArray<Expr> Of(params Expr[] items) => items.ToEquatableArray();
        var callee = new Callee("K", "global::M.F", "F", EquatableArray<IrType>.Empty, EquatableArray<bool>.Empty, new Diagnostics.LocationInfo("f.cs", 0, 0, 0, 0, 0, 0), null);
        var leaves = new Expr[] { V("a"), Constant.Int(1), new ArrayLength("x", -1), new TapePop(IrType.Double), new OutArgument("o"), new Opaque("C.F", IrType.Double) };
        var every = new Expr[]
        {
            At("W", V("i"), V("j")),
            new Unary(UnaryOperator.Negate, V("a")),
            Mul(V("a"), V("b")),
            new Call(MathFunction.Pow, Of(V("a"), V("b"))),
            new Conditional(V("c"), V("a"), V("b")),
            new Convert(IrType.Double, V("k")),
            new NewArray(IrType.DoubleMatrix, Of(V("n"), V("m"))),
            new Tuple(Of(V("a"), V("b"), V("c"))),
            new UserCall(callee, Of(V("a"), V("b"))),
            new Invoke("global::K.Dot", Of(V("x"), V("i"), V("y"))),
        };
        var nested = every.Aggregate((Expr)Constant.One, (inner, outer) => IrWalker.WithChildren(outer, IrWalker.Children(outer).Select((_, k) => k == 0 ? inner : leaves[k % leaves.Length]).ToList()));
        foreach (var expression in every.Concat(leaves).Append(nested))
        {
            Assert.Equal(ThroughChildren(expression), IrWalker.Nodes(expression).ToList());
        }

        Assert.True(IrWalker.Nodes(nested).Count() > every.Length * 2);
    }

    [Fact]
    public void IterationsStoringAtAnOffsetFromTheRowRunByVectorsWhereTheArrayIsApart()
    {
        const string Lanes = "global::System.Numerics.Vector<double>.Count";
        // BPTT's batched α: o[k·n + i] = dz, beside reads and stores of x and y at the row.
        var offset = Mul(V("k"), V("n"));
        Expr AtOffset(string array, Expr e) => At(array, new Binary(BinaryOperator.Add, e, V("i")));
        Stmt[] Iteration(params Stmt[] extra) => new Stmt[]
        {
            new Assign(V("z"), Mul(V("t"), At("y", V("i")))),
            new Assign(AtOffset("o", offset), V("z")),
            new Assign(At("x", V("i")), Mul(V("z"), V("z"))),
        }.Concat(extra).ToArray();
        var types = new Dictionary<string, IrType>(Types) { ["o"] = IrType.DoubleArray, ["p"] = IrType.DoubleArray, ["k"] = IrType.Int32 };
        string? Rewritten(System.Func<string, string, bool>? mayAlias, params Stmt[] body)
        {
            var loop = new For("i", V("lo"), V("hi"), false, Body(body));
            var lanes = LaneIterations.Rewrite(loop, "rowBlock", types, FreshNames.Of(Body(loop), Analysis.ArrayAliases.Of(Body(), types)), mayAlias);
            return lanes is null ? null : Print(Body(lanes));
        }

        // o apart from x and y (a buffer the pass rented); p may share storage with o.
        bool MayAlias(string a, string b) => a == b || (a, b) is ("o", "p") or ("p", "o");
        var text = Rewritten(MayAlias, Iteration())!;
        Assert.Contains($"hi - lo > {Lanes} && lo >= 0 && k * n >= 0 && hi <= o.Length - k * n && hi <= x.Length && hi <= y.Length ?", text);
        Assert.Contains("zLanes.CopyTo(o, k * n + i);", text);
        Assert.Contains("new global::System.Numerics.Vector<double>(y, i)", text);

        // The same offset twice is one place per row, even through two names for one array.
        Assert.NotNull(Rewritten(MayAlias, Iteration(new Assign(AtOffset("p", offset), V("t")))));
        var rowFirst = Rewritten(MayAlias, new Assign(At("o", new Binary(BinaryOperator.Add, V("i"), offset)), Mul(V("t"), At("y", V("i")))))!;
        Assert.Contains("CopyTo(o, i + k * n);", rowFirst);

        var refused = new (string Why, System.Func<string, string, bool>? MayAlias, Stmt[] Body)[]
        {
            ("no alias classes to check against", null, Iteration()),
            ("a name that may share o's storage at another place", MayAlias, Iteration(new Assign(At("p", V("i")), V("t")))),
            ("one array at two places", MayAlias, Iteration(new Assign(V("t"), At("o", V("i"))))),
            ("an offset read from an array", MayAlias, new Stmt[] { new Assign(AtOffset("o", At("u", Constant.Int(0))), V("t")) }),
            ("an offset below the row", MayAlias, new Stmt[] { new Assign(At("o", new Binary(BinaryOperator.Subtract, V("i"), V("k"))), V("t")) }),
            ("an offset of the row itself", MayAlias, new Stmt[] { new Assign(AtOffset("o", V("i")), V("t")) }),
        };
        foreach (var (why, mayAlias, body) in refused)
        {
            Assert.True(Rewritten(mayAlias, body) is null, why);
        }
    }

    [Fact]
    public void ElementsReadAtOnePlaceForEveryRowAreBroadcastWhereNoRowStoresIntoTheirArray()
    {
        // A pair loop's iteration over j: px[i] and W[k, 0] are the same in every row; dx is stored at the row.
        var types = new Dictionary<string, IrType>(Types) { ["px"] = IrType.DoubleArray, ["p"] = IrType.DoubleArray, ["j"] = IrType.Int32, ["k"] = IrType.Int32 };
        Stmt[] Iteration(params Stmt[] extra) => new Stmt[]
        {
            new Assign(V("z"), new Binary(BinaryOperator.Subtract, At("px", V("j")), At("px", V("i")))),
            new Assign(V("t"), Mul(V("z"), At("W", V("k"), Constant.Int(0)))),
            new Assign(At("dx", V("j")), new Call(MathFunction.Sqrt, new Expr[] { Mul(V("z"), V("t")) }.ToEquatableArray())),
        }.Concat(extra).ToArray();
        string? Rewritten(System.Func<string, string, bool>? mayAlias, params Stmt[] body)
        {
            var loop = new For("j", V("lo"), V("hi"), false, Body(body));
            var lanes = LaneIterations.Rewrite(loop, "rowBlock", types, FreshNames.Of(Body(loop), Analysis.ArrayAliases.Of(Body(), types)), mayAlias);
            return lanes is null ? null : Print(Body(lanes));
        }

        // dx is a gradient buffer, apart from every input; p may share storage with px.
        bool MayAlias(string a, string b) => a == b || (a, b) is ("px", "p") or ("p", "px");
        var text = Rewritten(MayAlias, Iteration())!;
        Assert.Contains("global::System.Numerics.Vector<double> pxLanes = new global::System.Numerics.Vector<double>(px[i]);", text);
        Assert.Contains("global::System.Numerics.Vector<double> WLanes = new global::System.Numerics.Vector<double>(W[k, 0]);", text);
        Assert.Contains("zLanes = new global::System.Numerics.Vector<double>(px, j) - pxLanes;", text);
        Assert.Contains("tLanes = zLanes * WLanes;", text);
        // The broadcasts come after the scalar head, which read each element first (an index out of range threw there).
        Assert.True(text.IndexOf("for (int j = lo; j < vectorStart; j++)", System.StringComparison.Ordinal) < text.IndexOf("pxLanes = ", System.StringComparison.Ordinal));

        var refused = new (string Why, System.Func<string, string, bool>? MayAlias, Stmt[] Body)[]
        {
            ("no alias classes to check against", null, Iteration()),
            ("a row stores into the array", MayAlias, Iteration(new Assign(At("px", V("j")), V("t")))),
            ("a row stores into a name that may share its storage", MayAlias, Iteration(new Assign(At("p", V("j")), V("t")))),
            ("a row stores into the element itself", MayAlias, Iteration(new Assign(At("px", V("i")), V("t")))),
            ("a matrix element in the row's row", MayAlias, Iteration(new Assign(V("t"), At("W", V("j"), Constant.Int(0))))),
        };
        foreach (var (why, mayAlias, body) in refused)
        {
            Assert.True(Rewritten(mayAlias, body) is null, why);
        }
    }

    [Fact]
    public void CallsWhoseArgumentsABlockKnowsAheadBecomeMapsInRounds()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        Call Math(MathFunction function, Expr argument) => new(function, new[] { argument }.ToEquatableArray());
        var zero = Constant.Int(0);
        var loop = Loop(
            "i",
            new Assign(V("s"), Constant.Zero),
            AddTo(V("s"), new Invoke(Kernels + ".Dot", new Expr[] { V("W"), V("i"), zero, V("x"), zero, V("n") }.ToEquatableArray())),
            // Round 1 reads the dot; round 2 reads round 1 through a local.
            new Assign(V("z"), Math(MathFunction.Exp, new Unary(UnaryOperator.Negate, V("s")))),
            new Assign(V("t"), Math(MathFunction.Log, new Binary(BinaryOperator.Add, Constant.One, V("z")))),
            // Stay: an argument carried from the previous iteration, one that reads an element another iteration writes, one
            // under a branch.
            AddTo(V("dz"), Math(MathFunction.Exp, V("dz"))),
            new Assign(At("dx", V("i")), V("t")),
            AddTo(V("dz"), Math(MathFunction.Exp, At("dx", new Binary(BinaryOperator.Add, V("i"), Constant.Int(1))))),
            AddTo(V("dz"), new Conditional(V("b"), Math(MathFunction.Tanh, V("t")), Constant.Zero)));
        var text = Print(RowBlocks.Rewrite(Body(loop), () => Analysis.ArrayAliases.Of(Body(), Types, new[] { "dx" })));

        Assert.Contains("rowBlock[64 + (i - blockLow)] = -(0.0 + rowBlock[i - blockLow]);", text);
        Assert.Contains(Kernels + ".Exp(rowBlock, 64, blockSize);", text);
        Assert.Contains("rowBlock[128 + (i - blockLow)] = 1.0 + rowBlock[64 + (i - blockLow)];", text);
        Assert.Contains(Kernels + ".Log(rowBlock, 128, blockSize);", text);
        Assert.True(text.IndexOf(Kernels + ".Exp(", System.StringComparison.Ordinal) < text.IndexOf("rowBlock[128 + (i - blockLow)] =", System.StringComparison.Ordinal));
        Assert.Contains("z = rowBlock[64 + (i - blockLow)];", text);
        Assert.Contains("t = rowBlock[128 + (i - blockLow)];", text);
        Assert.Contains("in 2 rounds", text);
        Assert.Contains("global::System.Math.Exp(dz)", text);
        Assert.Contains("global::System.Math.Exp(dx[i + 1])", text);
        Assert.Contains("global::System.Math.Tanh(t)", text);
        Assert.Equal(2, CountOf(text, Kernels + ".Exp(") + CountOf(text, Kernels + ".Log("));

        // Logistic regression's two logs, of p = 1/(1 + e) and 1 − p: the second argument reads the first's slot, where
        // the same iteration has just stored p, instead of dividing again.
        var p = new Binary(BinaryOperator.Divide, Constant.One, new Binary(BinaryOperator.Add, Constant.One, V("z")));
        var logs = Loop(
            "i",
            new Assign(V("z"), Math(MathFunction.Exp, At("x", V("i")))),
            new Assign(V("t"), new Binary(BinaryOperator.Add, Math(MathFunction.Log, p), Math(MathFunction.Log, new Binary(BinaryOperator.Subtract, Constant.One, p)))));
        var shared = Print(RowBlocks.Rewrite(Body(logs), () => Analysis.ArrayAliases.Of(Body(), Types, new[] { "dx" })));
        Assert.Contains("rowBlock[64 + (i - blockLow)] = 1.0 / (1.0 + rowBlock[i - blockLow]);", shared);
        Assert.Contains("rowBlock[128 + (i - blockLow)] = 1.0 - rowBlock[64 + (i - blockLow)];", shared);
        Assert.Equal(1, CountOf(shared, "1.0 / ("));
    }

    [Fact]
    public void AnElementOnlyItsIterationTouchesIsReadAheadAndThroughItsStores()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        var zero = Constant.Int(0);
        Call Tanh(Expr argument) => new(MathFunction.Tanh, new[] { argument }.ToEquatableArray());
        string Blocked(For loop) => Print(RowBlocks.Rewrite(Body(loop), () => Analysis.ArrayAliases.Of(Body(), Types, new[] { "dx" })));
        Invoke Dot() => new(Kernels + ".Dot", new Expr[] { V("W"), V("i"), zero, V("x"), zero, V("n") }.ToEquatableArray());

        // A reused layer summed in its element, then squashed in place: the map's argument is what the stores left there.
        var layer = Blocked(Loop(
            "i",
            new Assign(At("dx", V("i")), Constant.Zero),
            AddTo(At("dx", V("i")), Dot()),
            new Assign(At("dx", V("i")), Tanh(At("dx", V("i"))))));
        Assert.Contains("rowBlock[64 + (i - blockLow)] = 0.0 + rowBlock[i - blockLow];", layer);
        Assert.Contains(Kernels + ".Tanh(rowBlock, 64, blockSize);", layer);
        Assert.Contains("dx[i] = rowBlock[64 + (i - blockLow)];", layer);
        Assert.DoesNotContain("Math.Tanh", layer);

        // Updated in place: the argument reads the element as the loop found it, which no earlier row has changed.
        var inPlace = Blocked(Loop("i", new Assign(At("dx", V("i")), Tanh(new Binary(BinaryOperator.Add, At("dx", V("i")), At("x", V("i")))))));
        Assert.Contains("rowBlock[i - blockLow] = dx[i] + x[i];", inPlace);
        Assert.Contains(Kernels + ".Tanh(rowBlock, 0, blockSize);", inPlace);

        // Stay: the array read at another row, written whole by a kernel, or sharing storage with another array the loop
        // writes (y and u are parameters: they may be one array).
        var squash = new Assign(At("dx", V("i")), Tanh(At("dx", V("i"))));
        var refused = new (string Why, For Loop, string Call)[]
        {
            ("another row's element", Loop("i", new Assign(V("t"), At("dx", new Binary(BinaryOperator.Add, V("i"), Constant.Int(1)))), squash), "Math.Tanh(dx[i])"),
            ("the array written whole", Loop("i", new Evaluate(new Invoke(Kernels + ".Axpy", new Expr[] { V("t"), V("W"), V("i"), zero, V("dx"), zero, V("n") }.ToEquatableArray())), squash), "Math.Tanh(dx[i])"),
            ("another name for it written", Loop("i", new Assign(At("u", new Binary(BinaryOperator.Add, V("i"), Constant.Int(1))), V("t")), new Assign(At("y", V("i")), Tanh(At("y", V("i"))))), "Math.Tanh(y[i])"),
            ("a store of a value carried from the previous iteration", Loop("i", new Assign(At("dx", V("i")), V("dz")), AddTo(V("dz"), Tanh(At("dx", V("i"))))), "Math.Tanh(dx[i])"),
        };
        foreach (var (why, loop, call) in refused)
        {
            var text = Blocked(loop);
            Assert.True(text.Contains(call) && !text.Contains(Kernels + ".Tanh"), why);
        }
    }

    [Fact]
    public void CostlyCallsAMappedArgumentReadsAreComputedOnceWithTheArguments()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        Call Math(MathFunction function, params Expr[] arguments) => new(function, arguments.ToEquatableArray());
        string Blocked(For loop) => Print(RowBlocks.Rewrite(Body(loop), () => Analysis.ArrayAliases.Of(Body(), Types, new[] { "dx" })));

        // The pair energy's r = √(x²) read by e^(−r) and by the iteration: stored in round 1 before the argument reads it.
        var pair = Blocked(Loop(
            "i",
            new Assign(V("t"), Math(MathFunction.Sqrt, Mul(At("x", V("i")), At("x", V("i"))))),
            new Assign(V("z"), Math(MathFunction.Exp, new Unary(UnaryOperator.Negate, V("t")))),
            AddTo(V("s"), new Binary(BinaryOperator.Divide, V("z"), V("t")))));
        Assert.Contains("rowBlock[i - blockLow] = global::System.Math.Sqrt(x[i] * x[i]);", pair);
        Assert.Contains("rowBlock[64 + (i - blockLow)] = -rowBlock[i - blockLow];", pair);
        Assert.Contains(Kernels + ".Exp(rowBlock, 64, blockSize);", pair);
        Assert.DoesNotContain(Kernels + ".Exp(rowBlock, 0,", pair);
        Assert.Contains("t = rowBlock[i - blockLow];", pair);
        Assert.Contains("z = rowBlock[64 + (i - blockLow)];", pair);
        Assert.Equal(1, CountOf(pair, "Math.Sqrt("));
        Assert.Contains("its sqrt call, which a map's argument reads, is computed once, with the arguments", pair);
        Assert.DoesNotContain("rounds", pair);

        // A stored call that reads a map's result is computed in the next round, with the argument that reads it; a pow
        // of two arguments is stored as a whole.
        var chained = Blocked(Loop(
            "i",
            new Assign(V("z"), Math(MathFunction.Exp, At("x", V("i")))),
            new Assign(V("t"), Math(MathFunction.Pow, V("z"), At("y", V("i")))),
            AddTo(V("s"), Math(MathFunction.Log, V("t")))));
        Assert.Contains("rowBlock[64 + (i - blockLow)] = global::System.Math.Pow(rowBlock[i - blockLow], y[i]);", chained);
        Assert.Contains("rowBlock[128 + (i - blockLow)] = rowBlock[64 + (i - blockLow)];", chained);
        Assert.Contains(Kernels + ".Log(rowBlock, 128, blockSize);", chained);
        Assert.True(chained.IndexOf(Kernels + ".Exp(", System.StringComparison.Ordinal) < chained.IndexOf("Math.Pow(", System.StringComparison.Ordinal));
        Assert.Contains("in 2 rounds", chained);
        Assert.Equal(1, CountOf(chained, "Math.Pow("));

        // Left in the iteration: a costly call no mapped argument reads, and a cheap one that one does.
        var alone = Blocked(Loop(
            "i",
            new Assign(V("t"), Math(MathFunction.Sin, At("x", V("i")))),
            new Assign(V("z"), Math(MathFunction.Exp, At("y", V("i")))),
            new Assign(V("dz"), Math(MathFunction.Exp, Math(MathFunction.Abs, At("y", V("i"))))),
            AddTo(V("s"), Mul(V("z"), Mul(V("dz"), V("t"))))));
        Assert.Contains("t = global::System.Math.Sin(x[i]);", alone);
        Assert.Contains("rowBlock[64 + (i - blockLow)] = global::System.Math.Abs(y[i]);", alone);
        Assert.DoesNotContain("computed once", alone);
        Assert.Equal(1, CountOf(alone, "Math.Sin("));

        // One call object in two statements (a sweep may share nodes): one slot for both only where they agree.
        var root = Math(MathFunction.Sqrt, Mul(At("x", V("i")), V("t")));
        var exp = Math(MathFunction.Exp, root);
        Stmt[] Shared(params Stmt[] between) => new Stmt[] { new Assign(V("t"), At("y", V("i"))), new Assign(V("z"), exp) }
            .Concat(between).Append(AddTo(V("s"), Mul(V("z"), root))).ToArray();
        var agreeing = Blocked(Loop("i", Shared()));
        Assert.Equal(1, CountOf(agreeing, "Math.Sqrt("));
        Assert.Contains("s += z * rowBlock[i - blockLow];", agreeing);
        // t changes between the two: the later √ is another value, so neither is stored; the exp still maps.
        var disagreeing = Blocked(Loop("i", Shared(new Assign(V("t"), Mul(V("t"), V("t"))))));
        Assert.Contains("s += z * global::System.Math.Sqrt(x[i] * t);", disagreeing);
        Assert.Contains(Kernels + ".Exp(rowBlock, 0, blockSize);", disagreeing);
        Assert.Contains("rowBlock[i - blockLow] = global::System.Math.Sqrt(x[i] * y[i]);", disagreeing);

        // Nor where one place goes unchecked (found by a review): before the object could be slotted (t still the last
        // iteration's), or under ?: (never evaluated ahead).
        var early = Blocked(Loop(
            "i",
            new Assign(V("z"), exp),
            new Assign(V("t"), At("y", V("i"))),
            AddTo(V("s"), Mul(V("z"), Math(MathFunction.Log, root)))));
        Assert.Contains("z = global::System.Math.Exp(global::System.Math.Sqrt(x[i] * t));", early);
        Assert.Contains("rowBlock[i - blockLow] = global::System.Math.Sqrt(x[i] * y[i]);", early);
        var underConditional = Blocked(Loop(
            "i",
            new Assign(V("t"), At("y", V("i"))),
            new Assign(V("z"), new Conditional(V("b"), root, Constant.Zero)),
            new Assign(V("t"), Mul(V("t"), V("t"))),
            AddTo(V("s"), Mul(V("z"), Math(MathFunction.Log, root)))));
        Assert.Contains("z = b ? global::System.Math.Sqrt(x[i] * t) : 0.0;", underConditional);
        Assert.Contains("rowBlock[i - blockLow] = global::System.Math.Sqrt(x[i] * (y[i] * y[i]));", underConditional);
    }

    [Fact]
    public void CallsOfOneFunctionOnTheSameArgumentsShareOneSlotAndOneMap()
    {
        const string Kernels = "global::Differentiable.Runtime.Kernels";
        Call Math(MathFunction function, Expr argument) => new(function, new[] { argument }.ToEquatableArray());
        string Blocked(For loop) => Print(RowBlocks.Rewrite(Body(loop), () => Analysis.ArrayAliases.Of(Body(), Types, new[] { "dx" })));

        // The forward's e^(−x·t) and the reverse's, which the chain rule evaluates again: two objects, one value.
        var u = new Unary(UnaryOperator.Negate, Mul(At("x", V("i")), V("t")));
        var text = Blocked(Loop(
            "i",
            new Assign(V("z"), Math(MathFunction.Exp, u)),
            AddTo(V("s"), Mul(V("z"), V("z"))),
            new Assign(V("dz"), Mul(Constant.Of(2.0), Math(MathFunction.Exp, u with { }))),
            AddTo(V("s"), Math(MathFunction.Exp, new Unary(UnaryOperator.Negate, Mul(At("y", V("i")), V("t")))))));
        Assert.Equal(2, CountOf(text, Kernels + ".Exp("));
        Assert.Contains("z = rowBlock[i - blockLow];", text);
        Assert.Contains("dz = 2.0 * rowBlock[i - blockLow];", text);
        Assert.Contains("its exp calls are 2 SIMD maps", text);

        // The same function on another value keeps its own slot, and so does another function on the same value.
        var other = Blocked(Loop(
            "i",
            new Assign(V("z"), Math(MathFunction.Exp, u)),
            new Assign(V("dz"), Math(MathFunction.Tanh, u with { })),
            AddTo(V("s"), Mul(V("z"), V("dz")))));
        Assert.Contains(Kernels + ".Exp(rowBlock, 0, blockSize);", other);
        Assert.Contains(Kernels + ".Tanh(rowBlock, 64, blockSize);", other);
    }

    [Fact]
    public void LocalsNothingReadsAreDropped()
    {
        Stmt Declared(string name) => new Declare(name, IrType.Double, Constant.Zero);
        // f sums what nothing reads (a Hessian-vector product's value); t feeds only f; s is returned.
        var body = Body(
            Declared("f"),
            Declared("t"),
            Declared("s"),
            Loop("i", new Assign(V("t"), Mul(At("x", V("i")), At("x", V("i")))), AddTo(V("f"), V("t")), AddTo(V("s"), At("x", V("i")))),
            new Return(V("s")));
        var text = Print(DeadStores.Rewrite(body));
        Assert.DoesNotContain("f", text.Replace("for (", string.Empty, System.StringComparison.Ordinal));
        Assert.DoesNotContain("t =", text);
        Assert.Contains("s += x[i];", text);
        Assert.Contains("return s;", text);

        var kept = new[]
        {
            // Read by generated code, pushed on the tape, or assigned from a call (which may have effects).
            Body(Declared("f"), AddTo(V("f"), V("z")), new Verbatim("Keep(f);")),
            Body(Declared("f"), AddTo(V("f"), V("z")), new TapePush(IrType.Double, V("f"))),
            Body(Declared("f"), new Assign(V("f"), new Invoke("Compute", new Expr[] { V("z") }.ToEquatableArray()))),
        };
        foreach (var live in kept)
        {
            Assert.Equal(Print(live), Print(DeadStores.Rewrite(live)));
        }
    }

    [Fact]
    public void UnrolledAdditionsIntoAClearedBufferStoreFirstAndClearOnlyOutsideTheirBox()
    {
        Assign Into(int r, int c, string term) => AddTo(At("dW", Constant.Int(r), Constant.Int(c)), V(term));
        var clear = new Verbatim(BufferStores.ClearCode("dW"));
        string Rewritten(params Stmt[] statements) => Print(BufferStores.Rewrite(Body(statements), Types, new[] { "dW" }));

        var full = Rewritten(clear, Body(Into(0, 0, "t"), Into(0, 1, "t")), Body(Into(1, 0, "s"), Into(1, 1, "s")), Into(0, 0, "s"));
        Assert.Contains("if (2 != dW.GetLength(0) || 2 != dW.GetLength(1))", full);
        Assert.Contains("dW[0, 0] = t;", full);
        Assert.Contains("dW[1, 1] = s;", full);
        Assert.Contains("dW[0, 0] += s;", full);
        Assert.Equal(1, CountOf(full, "global::System.Array.Clear(dW"));

        // A diagonal does not fill its box: the clear stays unconditional, the first additions still store.
        var diagonal = Rewritten(clear, Into(0, 0, "t"), Into(1, 1, "s"));
        Assert.DoesNotContain("if (", diagonal);
        Assert.Contains("global::System.Array.Clear(dW, 0, dW.Length);", diagonal);
        Assert.Contains("dW[1, 1] = s;", diagonal);

        var refused = new[]
        {
            // An element read between the additions: it must see the cleared buffer.
            Rewritten(clear, Into(0, 0, "t"), new Assign(V("s"), At("dW", Constant.Int(0), Constant.Int(0))), Into(0, 1, "s")),
            // A loop between the first and the last addition.
            Rewritten(clear, Into(0, 0, "t"), Loop("j", AddTo(V("s"), At("x", V("j")))), Into(0, 1, "s")),
            // An index the code computes.
            Rewritten(clear, Into(0, 0, "t"), AddTo(At("dW", V("i"), Constant.Int(1)), V("s"))),
        };
        foreach (var text in refused)
        {
            Assert.Contains("dW[0, 0] += t;", text);
            Assert.DoesNotContain("if (", text);
        }
    }

    private static Expr C(int value) => Constant.Int(value);

    private static string KeptInLocals(bool storeIntoZero, params Stmt[] statements) =>
        Print(ElementLocals.Rewrite(Body(statements), Types, new[] { "dx", "dW" }, storeIntoZero));

    [Fact]
    public void ElementsStraightLineCodeTouchesAgainLiveInLocalsAndAreStoredBackOnce()
    {
        // An unrolled reverse sweep: dx[0] stored, then added to in a nested block and after it, then read.
        var text = KeptInLocals(
            true,
            new Assign(At("dx", C(0)), Mul(V("s"), At("x", C(0)))),
            Body(new Declare("t0", IrType.Double, V("t")), AddTo(At("dx", C(0)), Mul(V("t0"), At("x", C(1)))), AddTo(At("dx", C(1)), V("s"))),
            AddTo(At("dx", C(0)), V("z")),
            new Assign(V("dz"), At("dx", C(0))));
        Assert.Contains("double dx_0 = s * x[0];", text);
        Assert.Contains("dx_0 += t0 * x[1];", text);
        Assert.Contains("dx_0 += z;", text);
        Assert.Contains("dz = dx_0;", text);
        // Stored back once, after the last statement; dx[1], touched by one statement, stays an element.
        Assert.Equal(1, CountOf(text, "dx[0]"));
        Assert.EndsWith("dx[0] = dx_0;\n}", text.TrimEnd());
        Assert.Contains("dx[1] += s;", text);
        Assert.DoesNotContain("dx_1", text);

        // First touched inside a nested block: declared before the block, so the statements after it see the local.
        var nested = KeptInLocals(true, Body(new Assign(At("dW", C(1), C(0)), V("s"))), AddTo(At("dW", C(1), C(0)), V("t")));
        Assert.Contains("double dW_1_0 = default;", nested);
        Assert.Contains("dW_1_0 = s;", nested);
        Assert.Contains("dW_1_0 += t;", nested);
        Assert.EndsWith("dW[1, 0] = dW_1_0;\n}", nested.TrimEnd());

        // A name the body already uses is not taken again.
        var taken = KeptInLocals(true, new Declare("dx_0", IrType.Double, V("s")), new Assign(At("dx", C(0)), V("dx_0")), AddTo(At("dx", C(0)), V("t")));
        Assert.Contains("double dx_0_2 = dx_0;", taken);
        Assert.Contains("dx[0] = dx_0_2;", taken);
    }

    [Fact]
    public void ElementsStayInMemoryWhereAnotherAccessCouldSeeThem()
    {
        Stmt Store(Expr value) => new Assign(At("dx", C(0)), value);
        var refused = new[]
        {
            // The array at an index the code computes.
            new[] { Store(V("s")), AddTo(At("dx", V("i")), V("t")), AddTo(At("dx", C(0)), V("z")) },
            // A loop between the accesses: each side is a run of its own, touching the element once.
            new[] { Store(V("s")), Loop("j", AddTo(V("t"), At("x", V("j")))), AddTo(At("dx", C(0)), V("z")) },
            // Code printed verbatim between them.
            new Stmt[] { Store(V("s")), new Verbatim("Inspect(dx);"), AddTo(At("dx", C(0)), V("z")) },
            // A read that may not run (a branch of ?:).
            new[] { Store(V("s")), AddTo(At("dx", C(0)), V("z")), new Assign(V("t"), new Conditional(V("b"), At("dx", C(0)), Constant.Zero)) },
            // The array itself handed on (a local bound to it reads the elements under another name).
            new[] { Store(V("s")), new Declare("other", IrType.DoubleArray, V("dx")), AddTo(At("dx", C(0)), V("z")) },
        };
        foreach (var statements in refused)
        {
            var text = KeptInLocals(true, statements);
            Assert.DoesNotContain("dx_0", text);
            Assert.Equal(Print(Body(statements)), text);
        }

        // Parameters may share storage (y may be x): y's elements stay in memory while x's are read between.
        var shared = new Stmt[] { new Assign(At("y", C(0)), V("s")), new Assign(V("t"), At("x", C(0))), AddTo(At("y", C(0)), V("t")) };
        Assert.Equal(Print(Body(shared)), KeptInLocals(true, shared));
    }

    [Fact]
    public void AFreshLocalArrayWhoseElementsAllLiveInLocalsIsNotAllocated()
    {
        // An adjoint array allocated before a check, then added to and read at constant indices only.
        var statements = new Stmt[]
        {
            new Declare("a", IrType.DoubleArray, null),
            new Assign(V("a"), new NewArray(IrType.DoubleArray, new Expr[] { C(2) }.ToEquatableArray())),
            new Verbatim("Check(x);"),
            AddTo(At("a", C(0)), V("s")),
            AddTo(At("a", C(1)), V("t")),
            new Assign(V("z"), Mul(At("a", C(0)), At("a", C(1)))),
            new Assign(V("dz"), At("a", C(0))),
            new Return(V("z")),
        };
        var text = KeptInLocals(true, statements);
        Assert.Contains("double a_0 = s;", text);
        Assert.Contains("double a_1 = t;", text);
        Assert.Contains("z = a_0 * a_1;", text);
        Assert.DoesNotContain("a[", text);
        Assert.DoesNotContain("new double", text);
        Assert.DoesNotContain("double[] a", text);

        // Without leave to store into zero, 0 + s keeps the sign of a −0 as the addition did.
        var exact = KeptInLocals(false, statements);
        Assert.Contains("double a_0 = 0.0 + s;", exact);
        Assert.DoesNotContain("new double", exact);

        // An index past the allocated size still reads and stores the element, so the access throws as it did.
        var past = KeptInLocals(
            true,
            new Declare("a", IrType.DoubleArray, new NewArray(IrType.DoubleArray, new Expr[] { C(2) }.ToEquatableArray())),
            new Verbatim("Check(x);"),
            AddTo(At("a", C(2)), V("s")),
            new Assign(V("z"), At("a", C(2))),
            new Return(V("z")));
        Assert.Contains("double a_2 = a[2] + s;", past);
        Assert.Contains("a[2] = a_2;", past);
        Assert.Contains("new double[2]", past);

        // Read after the run (here returned): the allocation and the stores back stay.
        var returned = KeptInLocals(true, statements.Take(7).Append(new Return(V("a"))).ToArray());
        Assert.Contains("new double[2]", returned);
        Assert.Contains("a[0] = a_0;", returned);
        Assert.Contains("a[1] = a_1;", returned);
    }

    private static Binary Plus(Expr a, Expr b) => new(BinaryOperator.Add, a, b);

    [Fact]
    public void AdditionsIntoOneElementMergeAcrossOtherElements()
    {
        // The Rosenbrock reverse: dx[i] −= dc; dc = 0; dx[i + 1] += da; dx[i] −= da·x[i].
        var body = Body(
            new Assign(At("dx", V("i")), new Binary(BinaryOperator.Subtract, At("dx", V("i")), V("s"))),
            new Assign(V("s"), Constant.Zero),
            AddTo(At("dx", Plus(V("i"), Constant.Int(1))), V("t")),
            new Assign(At("dx", V("i")), new Binary(BinaryOperator.Subtract, At("dx", V("i")), Mul(V("t"), At("x", V("i"))))));
        var text = Print(MergedAccumulations.Rewrite(body, Types, new[] { "dx" }));
        Assert.Contains("dx[i] -= s + t * x[i];", text);
        Assert.Contains("dx[i + 1] += t;", text);
        Assert.Single(text.Split('\n'), line => line.Contains("dx[i] -="));
    }

    [Fact]
    public void AdditionsStayApartWhereMovingTheTermChangesIt()
    {
        var later = AddTo(At("dx", V("i")), Mul(V("t"), At("x", V("i"))));
        var cases = new (string Why, Stmt Between, string[] Buffers)[]
        {
            ("the element is read between the additions", new Assign(V("z"), At("dx", V("i"))), new[] { "dx" }),
            ("an element at an index not provably different is written", AddTo(At("dx", V("n")), V("t")), new[] { "dx" }),
            ("the later term's scalar changes between", new Assign(V("t"), Constant.Zero), new[] { "dx" }),
            ("the later term's array is written between", new Assign(At("x", V("i")), Constant.Zero), new[] { "dx" }),
            ("dx is no buffer: y may be dx, and y is written between", new Assign(At("y", V("i")), Constant.Zero), new string[0]),
            ("the index changes between", new Assign(V("i"), Constant.Int(0)), new[] { "dx" }),
        };

        foreach (var (why, between, buffers) in cases)
        {
            var body = Body(AddTo(At("dx", V("i")), V("s")), between, later);
            var text = Print(MergedAccumulations.Rewrite(body, Types, buffers));
            Assert.True(text.Contains("dx[i] += s;"), why);
        }

        // The target array is rebound between: the two additions go to different arrays.
        var rebound = Body(AddTo(At("dx", V("i")), V("s")), new Assign(V("dx"), V("y")), AddTo(At("dx", V("i")), V("t")));
        Assert.Contains("dx[i] += s;", Print(MergedAccumulations.Rewrite(rebound, Types, new[] { "dx" })));
    }

    [Fact]
    public void AdditionsWhoseIndexReadsAnArrayStayApart()
    {
        var types = new Dictionary<string, IrType>(Types) { ["k"] = IrType.Int32Array };
        var kZero = At("k", Constant.Int(0));

        // The index element is written between the additions.
        var moved = Body(AddTo(At("y", kZero), At("x", Constant.Int(0))), new Assign(kZero, Constant.Int(1)), AddTo(At("y", kZero), At("x", Constant.Int(1))));
        Assert.Equal(2, CountOf(Print(MergedAccumulations.Rewrite(moved, types, new string[0])), "+="));

        // The index reads the target itself: the first addition moves it.
        var selfIndexed = Body(AddTo(At("k", kZero), Constant.Int(1)), AddTo(At("k", kZero), Constant.Int(1)));
        Assert.Equal(2, CountOf(Print(MergedAccumulations.Rewrite(selfIndexed, types, new string[0])), "+="));
    }

    private static Declare Local(string name, double value) => new(name, IrType.Double, Constant.Of(value));

    [Fact]
    public void ASeedKnownToBeOneMultipliesNothingAndItsLocalGoes()
    {
        // df = 1 before the loop and never written in it: every df·e is e, and df is left unread.
        var body = Body(
            Local("df", 0.0),
            AddTo(V("df"), Constant.One),
            Loop("i", AddTo(At("dx", V("i")), Mul(Mul(V("df"), At("x", V("i"))), Constant.Of(2.0)))));
        var text = Print(KnownScalars.Rewrite(body, Types, storeIntoZero: true));
        Assert.Contains("dx[i] += x[i] * 2.0;", text);
        Assert.DoesNotContain("df", text);
    }

    [Fact]
    public void AnAdjointResetEveryIterationIsStoredNotAdded()
    {
        // da is 0 at the loop's head: before the loop, and again after each iteration's reset.
        var body = Body(
            Local("da", 0.0),
            Loop("i", AddTo(V("da"), At("x", V("i"))), AddTo(V("da"), V("t")), AddTo(At("dx", V("i")), V("da")), new Assign(V("da"), Constant.Zero)));
        var text = Print(KnownScalars.Rewrite(body, Types, storeIntoZero: true));
        Assert.Contains("da = x[i];", text);
        Assert.Contains("da += t;", text);

        // Not where the method keeps exact sums (0 + t is t only up to the sign of a zero).
        Assert.Contains("da += x[i];", Print(KnownScalars.Rewrite(body, Types, storeIntoZero: false)));
    }

    [Fact]
    public void WhatIsNotKnownAtEveryArrivalStaysAnAddition()
    {
        // A running sum: 0 on entry, but not at the head of the second iteration.
        var sum = Body(Local("s", 0.0), Loop("i", AddTo(V("s"), At("x", V("i")))));
        Assert.Contains("s += x[i];", Print(KnownScalars.Rewrite(sum, Types, storeIntoZero: true)));

        // Reset inside a loop nested in the loop that adds: the outer head does not know it.
        var nested = Body(Local("s", 0.0), Loop("i", AddTo(V("s"), At("x", V("i"))), Loop("j", new Assign(V("s"), Constant.Zero))));
        Assert.Contains("s += x[i];", Print(KnownScalars.Rewrite(nested, Types, storeIntoZero: true)));

        // Written on one branch only.
        var branch = Body(Local("s", 0.0), new If(V("b"), Body(new Assign(V("s"), V("t"))), null), AddTo(V("s"), V("z")));
        var types = new Dictionary<string, IrType>(Types) { ["b"] = IrType.Boolean };
        Assert.Contains("s += z;", Print(KnownScalars.Rewrite(branch, types, storeIntoZero: true)));

        // Written on both branches, to the same constant: known after.
        var both = Body(new Declare("s", IrType.Double, V("t")), new If(V("b"), Body(new Assign(V("s"), Constant.Zero)), Body(new Assign(V("s"), Constant.Zero))), AddTo(V("s"), V("z")));
        Assert.Contains("s = z;", Print(KnownScalars.Rewrite(both, types, storeIntoZero: true)));

        // Verbatim code with no read list may write anything.
        var opaque = Body(Local("s", 0.0), new Verbatim("s = Compute();"), AddTo(V("s"), V("z")));
        Assert.Contains("s += z;", Print(KnownScalars.Rewrite(opaque, Types, storeIntoZero: true)));

        // An out argument writes its local.
        var outArgument = Body(Local("s", 0.0), new Evaluate(new Invoke("F", EquatableArray.Create<Expr>(new OutArgument("s")))), AddTo(V("s"), V("z")));
        Assert.Contains("s += z;", Print(KnownScalars.Rewrite(outArgument, Types, storeIntoZero: true)));
    }

    [Fact]
    public void AOneThatIsNotADoubleProductKeepsItsFactor()
    {
        // 1·n is a double; n alone is an int, and n / 2 would become integer division. (df, never bound again, is
        // then read as its constant.)
        var body = Body(
            Local("df", 1.0),
            new Assign(V("t"), new Binary(BinaryOperator.Divide, Mul(V("df"), V("n")), Constant.Int(2))));
        var text = Print(KnownScalars.Rewrite(body, Types, storeIntoZero: true));
        Assert.Contains("t = 1.0 * n / 2;", text);
    }

    [Fact]
    public void AConstantTemporaryIsReadAsItsConstantUnlessBoundAgain()
    {
        // t0 = 200.0 (a seed of 1 times 200, folded): read as 200.0, its declaration gone.
        var once = Print(KnownScalars.Rewrite(Body(
            Local("t0", 200.0),
            new Assign(V("da"), Mul(V("t0"), V("x"))),
            new Assign(V("db"), Mul(V("t0"), V("y")))), Types, storeIntoZero: true));
        Assert.Contains("da = 200.0 * x;", once);
        Assert.Contains("db = 200.0 * y;", once);
        Assert.DoesNotContain("t0", once);

        // Bound again later in its block (in a nested loop, too): it stays a local.
        var rebound = Print(KnownScalars.Rewrite(Body(
            Local("t0", 200.0),
            new Assign(V("da"), Mul(V("t0"), V("x"))),
            Loop("i", new Assign(V("t0"), V("y")))), Types, storeIntoZero: true));
        Assert.Contains("da = t0 * x;", rebound);

        // Named by code printed verbatim after it: it stays.
        var named = Print(KnownScalars.Rewrite(Body(
            Local("t0", 200.0),
            new Verbatim("Use(t0);")), Types, storeIntoZero: true));
        Assert.Contains("double t0 = 200.0;", named);
    }

    [Fact]
    public void DeeplyNestedLoopsStayCheap()
    {
        // Each level resets da; one trial iteration per level and no cap would walk the innermost body 2^40 times.
        static Block Nest(int levels)
        {
            Stmt inner = Body(AddTo(V("da"), V("t")), AddTo(At("dx", V("i")), V("da")), new Assign(V("da"), Constant.Zero));
            for (var level = 0; level < levels; level++)
            {
                inner = Loop("i" + level, inner);
            }

            return Body(Local("da", 0.0), inner, AddTo(V("da"), V("z")));
        }

        // Within the cap every head knows da = 0, so after the nest (run or not) it is still 0.
        var shallow = Print(KnownScalars.Rewrite(Nest(2), Types, storeIntoZero: true));
        Assert.Contains("da = t;", shallow);
        Assert.Contains("da = z;", shallow);

        // Beyond it, the deeper heads forget what their bodies write: less is known, nothing is wrong, and it ends.
        var deep = Print(KnownScalars.Rewrite(Nest(40), Types, storeIntoZero: true));
        Assert.Contains("da += z;", deep);
    }

    /// <summary>
    /// The fused iteration of y = W·x's VJP before kernels: forward y[i] += W[i, j]·x[j], then reverse with the adjoint
    /// t0 = α; y and dy are locals, dx and dW gradient buffers (unless told otherwise).
    /// </summary>
    private static string SweptRow(Expr alpha, Stmt? between = null, string[]? buffers = null)
    {
        var types = new Dictionary<string, IrType>(Types) { ["dy"] = IrType.DoubleArray };
        var forward = Body(new Comment("forward sweep of iteration i"), Loop("j", AddTo(At("y", V("i")), Mul(At("W", V("i"), V("j")), At("x", V("j"))))));
        var reverse = Body(
            new Comment("reverse sweep of iteration i"),
            Loop("j", new Declare("t0", IrType.Double, alpha), AddTo(At("dW", V("i"), V("j")), Mul(V("t0"), At("x", V("j")))), AddTo(At("dx", V("j")), Mul(V("t0"), At("W", V("i"), V("j"))))));
        var iteration = between is null ? Body(forward, reverse) : Body(forward, between, reverse);
        var body = Body(
            new Declare("y", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create<Expr>(V("n")))),
            new Declare("dy", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create<Expr>(V("n")))),
            Loop("i", iteration));
        var kernels = ContractionKernels.Rewrite(body, types);
        return Print(FusedRowSweeps.Rewrite(kernels, Analysis.ArrayAliases.Of(body, types, buffers ?? new[] { "dx", "dW" })));
    }

    [Fact]
    public void ARowsDotAndBothReverseUpdatesBecomeOneSweep()
    {
        var text = SweptRow(At("dy", V("i")));
        Assert.Contains("double t0 = dy[i];", text);
        Assert.Contains("y[i] += global::Differentiable.Runtime.Kernels.DotAxpyAxpy(W, i, 0, x, 0, t0, dx, 0, dW, i, 0, n);", text);
        Assert.DoesNotContain("Kernels.Dot(", text);
        Assert.DoesNotContain("Kernels.Axpy(", text);

        // The guard of the hoisted t0 stays: evaluated only where the loops would run.
        Assert.Contains("if (n > 0)", text);
    }

    [Fact]
    public void ASweepThatWouldChangeWhatIsReadStaysThreeKernels()
    {
        // α reads the sum the dot stores: evaluated first it would miss this row's dot.
        Assert.Contains("Kernels.Dot(", SweptRow(At("y", V("i"))));

        // dx and dW are not buffers here: as parameters they may be x (or W) itself, which the dot reads.
        Assert.Contains("Kernels.Dot(", SweptRow(At("dy", V("i")), buffers: new string[0]));

        // A statement between the forward and reverse sweeps.
        Assert.Contains("Kernels.Dot(", SweptRow(At("dy", V("i")), between: new Assign(V("s"), Constant.One)));
    }

    private static int CountOf(string text, string part) => text.Split(part).Length - 1;

    private static Assign SubtractFrom(Expr target, Expr term) => new(target, new Binary(BinaryOperator.Subtract, target, term));

    [Fact]
    public void AdditionsALoopMakesIntoOneElementAreSummedInALocalAndAddedOnceWhereTheLoopRan()
    {
        // The reverse of a pair loop: dx[i] at the loop's constant index, dx[j] beside it (the same element at j = i).
        var body = Body(Loop("j",
            new Assign(V("t"), Mul(At("x", V("j")), V("s"))),
            AddTo(At("dx", V("j")), V("t")),
            SubtractFrom(At("dx", V("i")), V("t")),
            AddTo(At("dx", V("i")), Mul(V("t"), V("t")))));
        var text = Print(InvariantAccumulations.Rewrite(body, Types, new[] { "dx" }));
        Assert.Contains("double dx_i = 0.0;", text);
        Assert.Contains("dx_i -= t;", text);
        Assert.Contains("dx_i += t * t;", text);
        Assert.Contains("dx[j] += t;", text);
        Assert.Contains("if (0 < n)", text);
        var code = string.Join("\n", text.Split('\n').Where(line => !line.TrimStart().StartsWith("//", System.StringComparison.Ordinal)));
        Assert.Equal(1, code.Split("dx[i]").Length - 1);
        Assert.True(text.IndexOf("dx[i] += dx_i;", System.StringComparison.Ordinal) > text.IndexOf("dx_i += t * t;", System.StringComparison.Ordinal));
    }

    [Fact]
    public void AdditionsStayInTheElementWhereTheLoopCouldSeeItOrMoveIt()
    {
        var cases = new (string Why, Block Body)[]
        {
            ("the loop reads dx[j], which at j = i is the element",
                Body(Loop("j", AddTo(At("dx", V("i")), At("dx", V("j")))))),
            ("the loop stores dx[j]: at j = i the store would overwrite what the element had gathered",
                Body(Loop("j", AddTo(At("dx", V("i")), V("s")), new Assign(At("dx", V("j")), V("s"))))),
            ("the index changes in the loop",
                Body(Loop("j", AddTo(At("dx", V("i")), V("s")), new Assign(V("i"), V("j"))))),
            ("the term reads the array",
                Body(Loop("j", AddTo(At("dx", V("i")), Mul(V("s"), At("u", V("j"))))), new Declare("u", IrType.DoubleArray, V("dx")))),
            ("the bounds change in the loop, so whether it ran is not known after it",
                Body(Loop("j", AddTo(At("dx", V("i")), V("s")), new Assign(V("n"), V("j"))))),
            ("the loop calls a kernel, which may read the element",
                Body(Loop("j", AddTo(At("dx", V("i")), V("s")), new Evaluate(new Invoke("global::Differentiable.Runtime.Kernels.Axpy", EquatableArray.Create<Expr>(V("s"), V("x"), Constant.Int(0), V("dx"), Constant.Int(0), V("n"))))))),
        };

        foreach (var (why, body) in cases)
        {
            Assert.False(Print(InvariantAccumulations.Rewrite(body, Types, new[] { "dx" })).Contains("gathered", System.StringComparison.Ordinal), why);
        }
    }

    [Fact]
    public void AClearOfALoopNestTakesTheEntryClearsPlaceUnlessWhatItReadsIsSetLater()
    {
        // dx[j] += s·x[j] over j < n: the nest stores, and the check of its bound against dx's length replaces the
        // entry clear when nothing up to the nest sets n; where a statement sets n first, the check waits for it.
        var clear = new Verbatim(BufferStores.ClearCode("dx"));
        var nest = Loop("j", AddTo(At("dx", V("j")), Mul(V("s"), At("x", V("j")))));
        var atEntry = Print(BufferStores.Rewrite(Body(clear, new Assign(V("z"), Constant.Zero), nest), Types, new[] { "dx" }));
        Assert.Contains("dx[j] = s * x[j];", atEntry);
        Assert.True(atEntry.IndexOf("if (n != dx.Length)", System.StringComparison.Ordinal) < atEntry.IndexOf("z = 0", System.StringComparison.Ordinal));

        var waits = Print(BufferStores.Rewrite(Body(clear, new Assign(V("n"), Constant.Int(3)), nest), Types, new[] { "dx" }));
        Assert.Contains("dx[j] = s * x[j];", waits);
        Assert.True(waits.IndexOf("if (n != dx.Length)", System.StringComparison.Ordinal) > waits.IndexOf("n = 3", System.StringComparison.Ordinal));
    }

    [Fact]
    public void NeighbouringAdditionsAreCarriedInLocalsUnlessTheBufferIsReadOtherwise()
    {
        // dx[i] += s·x[i]; dx[i + 1] += t over i < n: element i + 1 is carried into the next iteration, each stored once.
        var clear = new Verbatim(BufferStores.ClearCode("dx"));
        var next = new Binary(BinaryOperator.Add, V("i"), Constant.Int(1));
        var stencil = Loop("i", AddTo(At("dx", V("i")), Mul(V("s"), At("x", V("i")))), AddTo(At("dx", next), V("t")));
        var carried = Print(BufferStores.Rewrite(Body(clear, stencil), Types, new[] { "dx" }));
        Assert.Contains("dxCurrent += s * x[i];", carried);
        Assert.Contains("dxNext += t;", carried);
        Assert.Contains("dx[i] = dxCurrent;", carried);
        Assert.Contains("dx[n] = dxCurrent;", carried);
        Assert.Contains("if (n + 1 != dx.Length || 0 >= n)", carried);

        // A read of the buffer in the loop (or offsets two apart) keeps the clear and the additions.
        var read = Loop("i", AddTo(At("dx", V("i")), At("dx", next)), AddTo(At("dx", next), V("t")));
        Assert.Contains("dx[i] += dx[i + 1];", Print(BufferStores.Rewrite(Body(clear, read), Types, new[] { "dx" })));
        var apart = Loop("i", AddTo(At("dx", V("i")), V("s")), AddTo(At("dx", new Binary(BinaryOperator.Add, V("i"), Constant.Int(2))), V("t")));
        Assert.Contains("dx[i + 2] += t;", Print(BufferStores.Rewrite(Body(clear, apart), Types, new[] { "dx" })));
    }

    [Fact]
    public void ASeedStaysKnownAcrossABuffersClearButNotAcrossOtherCode()
    {
        Block Seeded(Stmt between) => Body(
            Local("df", 0.0),
            AddTo(V("df"), Constant.One),
            new If(V("b"), Body(between), null),
            Loop("i", AddTo(At("dx", V("i")), Mul(V("df"), At("x", V("i"))))));
        Assert.Contains("dx[i] += x[i];", Print(KnownScalars.Rewrite(Seeded(new Verbatim(BufferStores.ClearCode("dW"))), Types, storeIntoZero: true)));
        Assert.Contains("dx[i] += df * x[i];", Print(KnownScalars.Rewrite(Seeded(new Verbatim("Reset(ref df);")), Types, storeIntoZero: true)));
    }

    [Fact]
    public void AnElementReadAgainAfterAStoreIsReadOncePerIteration()
    {
        // A quadratic form's fused iteration: W[i, j] and x[i] are read, dW[i, j] stored, then both read again.
        var body = Body(Loop("j",
            AddTo(V("s"), Mul(Mul(At("x", V("i")), At("W", V("i"), V("j"))), At("x", V("j")))),
            new Assign(At("dW", V("i"), V("j")), Mul(At("x", V("j")), At("x", V("i")))),
            AddTo(At("dx", V("j")), Mul(At("x", V("i")), At("W", V("i"), V("j"))))));
        var text = Print(RepeatedReads.Rewrite(body, Types, new[] { "dW", "dx" }));
        Assert.Contains("double W_ij = W[i, j];", text);
        Assert.Contains("double x_i = x[i];", text);
        Assert.Contains("dx[j] += x_i * W_ij;", text);
        // x[j] is read twice with no store between: the JIT reads it once by itself.
        Assert.DoesNotContain("x_j", text);

        var kept = new (string Why, Block Body)[]
        {
            ("the loop stores into the array it reads",
                Body(Loop("j", new Assign(V("s"), At("x", V("i"))), new Assign(At("x", V("j")), V("s")), AddTo(V("s"), At("x", V("i")))))),
            ("the loop stores into an array that may be the one it reads",
                Body(new Declare("u", IrType.DoubleArray, V("x")), Loop("j", new Assign(V("s"), At("x", V("i"))), new Assign(At("u", V("j")), V("s")), AddTo(V("s"), At("x", V("i")))))),
            ("the index changes in the iteration",
                Body(Loop("j", new Assign(V("s"), At("x", V("i"))), new Assign(At("dx", V("j")), V("s")), new Assign(V("i"), V("j")), AddTo(V("s"), At("x", V("i")))))),
            ("the first read runs only in some iterations",
                Body(Loop("j", new If(V("b"), Body(new Assign(V("s"), At("x", V("i")))), null), new Assign(At("dx", V("j")), V("s")), AddTo(V("s"), At("x", V("i")))))),
        };
        foreach (var (why, kept1) in kept)
        {
            Assert.False(Print(RepeatedReads.Rewrite(kept1, Types, new[] { "dW", "dx" })).Contains("read once", System.StringComparison.Ordinal), why);
        }
    }

    private static readonly Model.NumericsResult Vector3Result = new("global::System.Numerics.Vector3", EquatableArray.Create("X", "Y", "Z"), 0);

    private static string WithComponents(string? seed, params Stmt[] statements) =>
        Print(NumericsComponents.Rewrite(Body(statements), Vector3Result, seed, new[] { "a", "seed" })!);

    private static Verbatim SeedCheck(string value) =>
        new($"if (seed is null || seed.Length != {value}.Length) throw new global::System.ArgumentException(\"The seed must have the length of the result.\", nameof(seed));", EquatableArray.Create(value, "seed"));

    [Fact]
    public void ASystemNumericsResultAndSeedLiveInLocalsAndTheReturnBuildsTheValue()
    {
        // A VJP's shape: the result hoisted, allocated and written, an alias returned, the seed read at constants.
        var text = WithComponents(
            "seed",
            new Declare("result", IrType.DoubleArray, null),
            new Assign(V("result"), new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            new Assign(At("result", C(0)), V("s")),
            new Assign(At("result", C(2)), Mul(V("t"), At("result", C(0)))),
            new Declare("value", IrType.DoubleArray, V("result")),
            SeedCheck("value"),
            new Assign(V("dz"), Mul(At("seed", C(1)), new ArrayLength("value", -1))),
            new Return(V("value")));
        Assert.Contains("double result_X = default;", text);
        // Y is never written after the allocation: it is the new array's zero. X and Z are written right after it.
        Assert.Contains("result_Y = 0.0;", text);
        Assert.DoesNotContain("result_X = 0.0;", text);
        Assert.Contains("result_X = s;", text);
        Assert.Contains("result_Z = t * result_X;", text);
        Assert.Contains("dz = (double)seed.Y * 3;", text);
        Assert.Contains("return new global::System.Numerics.Vector3((float)result_X, (float)result_Y, (float)result_Z);", text);
        Assert.DoesNotContain("new double", text);
        Assert.DoesNotContain("seed.Length", text);
        Assert.DoesNotContain("value", text);
    }

    [Fact]
    public void AJvpsValueAndTangentLiveInLocalsAndAConstantTangentIsTheDefault()
    {
        var text = WithComponents(
            null,
            new Declare("dresult", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            new Declare("result", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            new Assign(At("dresult", C(1)), V("t")),
            new Assign(At("result", C(1)), V("s")),
            new If(V("b"), Body(new Return(new Tuple(EquatableArray.Create<Expr>(V("result"), V("dresult"))))), null),
            new Return(new Tuple(EquatableArray.Create<Expr>(V("result"), new NewArray(IrType.DoubleArray, EquatableArray.Create<Expr>(new ArrayLength("result", -1)))))));
        // Elements written right after the allocations are declared there; the others are zero.
        Assert.Contains("double dresult_X = 0.0;", text);
        Assert.Contains("double dresult_Y = t;", text);
        Assert.Contains("double result_Y = s;", text);
        Assert.Contains("return (new global::System.Numerics.Vector3((float)result_X, (float)result_Y, (float)result_Z), new global::System.Numerics.Vector3((float)dresult_X, (float)dresult_Y, (float)dresult_Z));", text);
        Assert.Contains("return (new global::System.Numerics.Vector3((float)result_X, (float)result_Y, (float)result_Z), default(global::System.Numerics.Vector3));", text);
        Assert.DoesNotContain("new double", text);
    }

    [Fact]
    public void ArraysAndSeedsUsedOtherwiseStayArraysConvertedAtTheEdges()
    {
        // Indexed by a loop variable, handed to a kernel, rebound to another array: arrays, converted where returned.
        var text = WithComponents(
            "seed",
            new Declare("result", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            new Declare("other", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            new Declare("shared", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            Loop("i", new Assign(At("result", V("i")), At("seed", V("i")))),
            new Evaluate(new Invoke("global::Differentiable.Runtime.Kernels.Touch", EquatableArray.Create<Expr>(V("other")))),
            new Declare("value", IrType.DoubleArray, V("shared")),
            new Assign(V("shared"), V("result")),
            new If(V("b"), Body(new Return(V("value"))), null),
            new Return(V("result")));
        Assert.Contains("double[] seedArray = new double[] { seed.X, seed.Y, seed.Z };", text);
        // An int[] keeps its elements ints (an index, an integer division): never locals of the result's components.
        var indices = WithComponents(
            null,
            new Declare("index", IrType.Int32Array, new NewArray(IrType.Int32Array, EquatableArray.Create(C(3)))),
            new Assign(At("index", C(0)), C(1)),
            new Declare("result", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create(C(3)))),
            new Assign(At("result", C(0)), At("x", At("index", C(0)))),
            new Return(new Tuple(EquatableArray.Create<Expr>(V("result"), V("result")))));
        Assert.Contains("int[] index = new int[3];", indices);
        Assert.Contains("index[0] = 1;", indices);
        Assert.Contains("double result_X = x[index[0]];", indices);
        Assert.Contains("result[i] = seedArray[i];", text);
        Assert.Contains("double[] other = new double[3];", text);
        // shared is bound again after value aliases it: value is its own array, not a name for shared.
        Assert.Contains("double[] value = shared;", text);
        Assert.Contains("return new global::System.Numerics.Vector3((float)value[0], (float)value[1], (float)value[2]);", text);
        Assert.Contains("return new global::System.Numerics.Vector3((float)result[0], (float)result[1], (float)result[2]);", text);
    }
}
