using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Emit;
using Differentiable.Generators.Fusion;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Tests;

/// <summary>
/// Sweep fusion on IR built by hand (no Roslyn): the VJP of y = W·x, where the forward loop and its reverse meet, is
/// fused; each variation that would make the fused order compute something else keeps the two sweeps apart.
/// </summary>
public sealed class SweepFusionTests
{
    private static readonly Dictionary<string, IrType> Types = new()
    {
        ["W"] = IrType.DoubleMatrix,
        ["dW"] = IrType.DoubleMatrix,
        ["x"] = IrType.DoubleArray,
        ["dx"] = IrType.DoubleArray,
        ["y"] = IrType.DoubleArray,
        ["dy"] = IrType.DoubleArray,
        ["seed"] = IrType.DoubleArray,
        ["n"] = IrType.Int32,
        ["a"] = IrType.Double,
        ["s"] = IrType.Double,
        ["z"] = IrType.Double,
        ["f"] = IrType.Double,
        ["df"] = IrType.Double,
        ["dz"] = IrType.Double,
        ["value"] = IrType.Double,
        ["u"] = IrType.Double,
        ["d"] = IrType.Double,
        ["r"] = IrType.Double,
        ["dd"] = IrType.Double,
        ["dr"] = IrType.Double,
    };

    private static readonly string[] Buffers = { "dW", "dx" };

    private static Variable V(string name) => new(name);

    private static ElementAccess At(string array, params Expr[] indices) => new(array, indices.ToEquatableArray());

    private static Binary Mul(Expr a, Expr b) => new(BinaryOperator.Multiply, a, b);

    private static Binary Plus(Expr a, Expr b) => new(BinaryOperator.Add, a, b);

    private static Assign AddTo(Expr target, Expr term) => new(target, Plus(target, term));

    private static Block Body(IEnumerable<Stmt> statements) => new(statements.ToEquatableArray());

    private static For Up(string variable, params Stmt[] body) => new(variable, Constant.Int(0), V("n"), false, Body(body));

    private static For Down(string variable, params Stmt[] body) => new(variable, Constant.Int(0), V("n"), true, Body(body));

    /// <summary>The reverse-mode body of y = W·x as the transform writes it, with room for one change in each part.</summary>
    private static Block MatVecVjp(Stmt[]? forward = null, Stmt[]? between = null, Stmt[]? reverse = null) => Body(new Stmt[]
        {
            new Declare("da", IrType.Double, Constant.Zero),
            new Declare("y", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create<Expr>(V("n")))),
            new Declare("dy", IrType.DoubleArray, new NewArray(IrType.DoubleArray, EquatableArray.Create<Expr>(V("n")))),
            Up("i", new Stmt[] { Up("j", AddTo(At("y", V("i")), Mul(At("W", V("i"), V("j")), At("x", V("j"))))) }.Concat(forward ?? new Stmt[0]).ToArray()),
            new Declare("value", IrType.DoubleArray, V("y")),
            new Verbatim("if (seed is null || seed.Length != value.Length) throw new global::System.ArgumentException();", EquatableArray.Create("value", "seed")),
        }
        .Concat(between ?? new Stmt[0])
        .Append(Up("k", AddTo(At("dy", V("k")), At("seed", V("k")))))
        .Append(Down("i", new Stmt[]
            {
                Down("j",
                    AddTo(At("dW", V("i"), V("j")), Mul(At("dy", V("i")), At("x", V("j")))),
                    AddTo(At("dx", V("j")), Mul(At("dy", V("i")), At("W", V("i"), V("j"))))),
            }.Concat(reverse ?? new Stmt[0]).ToArray()))
        .Append(new Return(V("value"))));

    private static string Print(Block block)
    {
        var writer = new CodeWriter();
        new CSharpPrinter(writer).Write(block);
        return writer.ToString();
    }

    private static bool Fused(Block body, IEnumerable<string>? buffers = null) =>
        Print(SweepFusion.Rewrite(body, Types, buffers ?? Buffers)).Contains("fused:");

    [Fact]
    public void TheVjpOfMatVecRunsOneSweep()
    {
        var text = Print(SweepFusion.Rewrite(MatVecVjp(), Types, Buffers));
        Assert.Contains("fused:", text);
        Assert.DoesNotContain("i >= 0", text);
        // The seed is applied first, then one ascending loop does row i's dot product and its two updates.
        Assert.True(text.IndexOf("dy[k] += seed[k]") < text.IndexOf("for (int i = 0"));
        Assert.True(text.IndexOf("y[i] += W[i, j] * x[j]") < text.IndexOf("dW[i, j] += dy[i] * x[j]"));
    }

    [Fact]
    public void ScalarsTheReverseResetsEachIterationAllowFusion()
    {
        var accumulate = new Stmt[] { AddTo(V("da"), At("dy", V("i"))), AddTo(At("dx", Constant.Int(0)), V("da")), new Assign(V("da"), Constant.Zero) };
        Assert.True(Fused(MatVecVjp(reverse: accumulate)));
    }

    [Fact]
    public void ScalarsTheReverseOnlyAddsIntoAllowFusion()
    {
        // The adjoint of a scalar parameter: every iteration adds its share, nothing in R reads the running sum.
        Assert.True(Fused(MatVecVjp(reverse: new Stmt[] { AddTo(V("da"), Mul(At("dy", V("i")), At("x", V("i")))) })));
    }

    [Fact]
    public void SweepsThatWouldComputeSomethingElseStayApart()
    {
        var cases = new (string Why, Block Body, string[] Buffers)[]
        {
            ("dx is no buffer: it may be x, which later forward rows read", MatVecVjp(), new[] { "dW" }),
            ("y is no local: it may be x, which the reverse reads",
                Body(MatVecVjp().Statements.Where(s => s is not Declare { Name: "y" })), Buffers),
            ("between the sweeps an element of y is read into a scalar the reverse reads: it can go neither ahead of F nor behind R",
                MatVecVjp(between: new Stmt[] { new Assign(V("s"), At("y", Constant.Int(0))) }, reverse: new Stmt[] { AddTo(At("dx", Constant.Int(0)), V("s")) }), Buffers),
            ("the reverse reads row i + 1 of y, which the fused loop has not computed yet",
                MatVecVjp(reverse: new Stmt[] { AddTo(At("dx", Constant.Int(0)), At("y", Plus(V("i"), Constant.Int(1)))) }), Buffers),
            ("a scalar the reverse adds into, and reads, is not reset: iterations would see each other's sums",
                MatVecVjp(reverse: new Stmt[] { AddTo(V("da"), At("dy", V("i"))), AddTo(At("dx", Constant.Int(0)), V("da")) }), Buffers),
            ("the forward writes a scalar the reverse reads: the reverse would see this row's value, not the last",
                MatVecVjp(forward: new Stmt[] { new Assign(V("a"), At("x", V("i"))) }, reverse: new Stmt[] { AddTo(At("dx", Constant.Int(0)), V("a")) }), Buffers),
            ("the forward reads a scalar the reverse adds into: unfused it sees none of the sums, fused some",
                MatVecVjp(forward: new Stmt[] { AddTo(At("y", V("i")), V("da")) }, reverse: new Stmt[] { AddTo(V("da"), At("dy", V("i"))) }), Buffers),
            ("the tape is last in, first out",
                MatVecVjp(reverse: new Stmt[] { new Assign(V("a"), new TapePop(IrType.Double)) }), Buffers),
            ("an addition into dx beside a store into dx: the reverse's iterations do not commute",
                MatVecVjp(reverse: new Stmt[] { new Assign(At("dx", Constant.Int(0)), At("dy", V("i"))) }), Buffers),
        };

        foreach (var (why, body, buffers) in cases)
        {
            Assert.False(Fused(body, buffers), why);
        }
    }

    [Fact]
    public void WhatReadsTheForwardResultsMovesBehindTheFusedLoop()
    {
        var text = Print(SweepFusion.Rewrite(MatVecVjp(between: new Stmt[] { new Assign(V("s"), At("y", Constant.Int(0))) }), Types, Buffers));
        Assert.Contains("fused:", text);
        Assert.True(text.IndexOf("s = y[0]") > text.IndexOf("dx[j] += dy[i] * W[i, j]"));
    }

    /// <summary>
    /// The gradient of Σ (x[i + 1] − x[i]²)², shaped as the reverse transform writes it: the loss is read between the
    /// sweeps (the value), and the reverse recomputes a rather than saving it; with <paramref name="push"/> it saves a
    /// on the tape instead. Each part can be varied.
    /// </summary>
    private static Block SumOfSquares(bool push = false, Stmt[]? forwardHead = null, Stmt[]? reverseTail = null, Stmt[]? after = null)
    {
        var a = new Assign(V("a"), new Binary(BinaryOperator.Subtract, At("x", Plus(V("i"), Constant.Int(1))), Mul(At("x", V("i")), At("x", V("i")))));
        var forward = (forwardHead ?? new Stmt[0])
            .Concat(push ? new Stmt[] { new TapePush(IrType.Double, V("a")) } : new Stmt[0])
            .Concat(new Stmt[] { a, AddTo(V("f"), Mul(V("a"), V("a"))) });
        var reverse = (push ? new Stmt[0] : new Stmt[] { a })
            .Concat(new Stmt[]
            {
                AddTo(V("da"), Mul(V("df"), Mul(Constant.Of(2.0), V("a")))),
                AddTo(At("dx", Plus(V("i"), Constant.Int(1))), V("da")),
                AddTo(At("dx", V("i")), Mul(V("da"), At("x", V("i")))),
            })
            .Concat(push ? new Stmt[] { new Assign(V("a"), new TapePop(IrType.Double)) } : new Stmt[0])
            .Concat(reverseTail ?? new Stmt[0])
            .Append(new Assign(V("da"), Constant.Zero));
        return Body(new Stmt[]
            {
                new Declare("a", IrType.Double, Constant.Zero),
                new Declare("da", IrType.Double, Constant.Zero),
                new Declare("df", IrType.Double, Constant.Zero),
                new Declare("f", IrType.Double, Constant.Zero),
                Up("i", forward.ToArray()),
                new Declare("value", IrType.Double, V("f")),
                AddTo(V("df"), Constant.Of(1.0)),
                Down("i", reverse.ToArray()),
            }
            .Concat(after ?? new Stmt[0])
            .Append(new Return(V("value"))));
    }

    [Fact]
    public void AScalarGradientFusesWithItsValueComputedAfterTheLoop()
    {
        var text = Print(SweepFusion.Rewrite(SumOfSquares(), Types, new[] { "dx" }));
        Assert.Contains("fused:", text);
        // The seed of the loss is set before the loop, the value read after it, and the reverse's recomputation of a dropped.
        Assert.True(text.IndexOf("df += 1") < text.IndexOf("for (int i = 0"));
        Assert.True(text.IndexOf("double value = f") > text.IndexOf("dx[i] += da * x[i]"));
        Assert.Equal(1, CountOf(text, "a = x[i + 1] - x[i] * x[i];"));
    }

    [Fact]
    public void TapePairsTheFusedOrderMakesNeedlessAreRemoved()
    {
        var text = Print(SweepFusion.Rewrite(SumOfSquares(push: true), Types, new[] { "dx" }));
        Assert.Contains("fused:", text);
        Assert.DoesNotContain("tape", text);
    }

    [Fact]
    public void ScalarGradientsThatWouldComputeSomethingElseStayApart()
    {
        var cases = new (string Why, Block Body)[]
        {
            ("the reverse reads the value its pop restored (F(i − 1)'s), which the fused order does not restore",
                SumOfSquares(push: true, reverseTail: new Stmt[] { AddTo(At("dx", V("i")), V("a")) })),
            ("F reads a before setting it (the value of iteration i − 1), which R(i − 1) would have changed",
                SumOfSquares(forwardHead: new Stmt[] { AddTo(V("s"), V("a")) })),
            ("the push saves a after F has set it once: the pair does not hand R(i − 1) the a of iteration i − 1",
                SumOfSquares(push: true, forwardHead: new Stmt[] { new Assign(V("a"), At("x", V("i"))) })),
            ("a is read after the loops, where it holds another value in the fused order",
                SumOfSquares(after: new Stmt[] { new Assign(V("s"), V("a")) })),
            ("the reverse reads a without recomputing or popping it: unfused it sees the last iteration's a",
                Body(SumOfSquares().Statements.Select(s => s is For { Descending: true } down
                    ? down with { Body = Body(down.Body.Statements.Skip(1)) }
                    : s))),
            ("the value is read by the reverse: it cannot move behind it",
                SumOfSquares(reverseTail: new Stmt[] { AddTo(At("dx", V("i")), V("value")) })),
        };

        foreach (var (why, body) in cases)
        {
            Assert.False(Fused(body, new[] { "dx" }), why);
        }
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part); at >= 0; at = text.IndexOf(part, at + part.Length))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void ARecomputationReadingALocalTheReverseRedeclaresStays()
    {
        // F: u = x[i]; s = u. R declares its own u = 2·x[i], then s = u: not what F left in s.
        var body = Body(new Stmt[]
        {
            new Declare("s", IrType.Double, Constant.Zero),
            new Declare("f", IrType.Double, Constant.Zero),
            Up("i", new Declare("u", IrType.Double, At("x", V("i"))), new Assign(V("s"), V("u")), AddTo(V("f"), V("s"))),
            new Declare("value", IrType.Double, V("f")),
            Down("i", new Declare("u", IrType.Double, Mul(Constant.Of(2.0), At("x", V("i")))), new Assign(V("s"), V("u")), AddTo(At("dx", V("i")), V("s"))),
            new Return(V("value")),
        });
        var text = Print(SweepFusion.Rewrite(body, Types, new[] { "dx" }));
        Assert.DoesNotContain("left it in", text);
        Assert.Equal(2, CountOf(text, "s = u;"));
    }

    /// <summary>
    /// The gradient of Σ over pairs i &lt; j of r², r = (x[j] − x[i])², shaped as the reverse transform writes it: the inner
    /// forward loop saves r on the tape before setting it, the inner reverse loop recomputes d and pops r after its last
    /// use; the adjoints dd and dr are reset in each inner iteration. Each part can be varied.
    /// </summary>
    private static Block PairSum(Stmt[]? forwardHead = null, Stmt[]? reverseHead = null, Stmt[]? reverseTail = null, Expr? reverseInnerLower = null, bool push = true)
    {
        Stmt d = new Assign(V("d"), new Binary(BinaryOperator.Subtract, At("x", V("j")), At("x", V("i"))));
        var lower = Plus(V("i"), Constant.Int(1));
        var forwardInner = (forwardHead ?? new Stmt[0])
            .Concat(new[] { d })
            .Concat(push ? new Stmt[] { new TapePush(IrType.Double, V("r")) } : new Stmt[0])
            .Concat(new Stmt[] { new Assign(V("r"), Mul(V("d"), V("d"))), AddTo(V("f"), Mul(V("r"), V("r"))) });
        var reverseInner = new Stmt[]
            {
                d,
                AddTo(V("dr"), Mul(V("df"), Mul(Constant.Of(2.0), V("r")))),
                AddTo(V("dd"), Mul(V("dr"), Mul(Constant.Of(2.0), V("d")))),
                new Assign(V("dr"), Constant.Zero),
                AddTo(At("dx", V("j")), V("dd")),
                new Assign(At("dx", V("i")), new Binary(BinaryOperator.Subtract, At("dx", V("i")), V("dd"))),
                new Assign(V("dd"), Constant.Zero),
            }
            .Concat(push ? new Stmt[] { new Assign(V("r"), new TapePop(IrType.Double)) } : new Stmt[0]);
        return Body(new Stmt[]
            {
                new Declare("d", IrType.Double, Constant.Zero),
                new Declare("r", IrType.Double, Constant.Zero),
                new Declare("dd", IrType.Double, Constant.Zero),
                new Declare("dr", IrType.Double, Constant.Zero),
                new Declare("df", IrType.Double, Constant.Zero),
                new Declare("f", IrType.Double, Constant.Zero),
                Up("i", new For("j", lower, V("n"), false, Body(forwardInner))),
                new Declare("value", IrType.Double, V("f")),
                AddTo(V("df"), Constant.Of(1.0)),
                Down("i", (reverseHead ?? new Stmt[0]).Append(new For("j", reverseInnerLower ?? lower, V("n"), true, Body(reverseInner))).Concat(reverseTail ?? new Stmt[0]).ToArray()),
                new Return(V("value")),
            });
    }

    [Fact]
    public void ADoubleLoopOverPairsFusesAtBothLevelsAndDropsItsInnerTapePairs()
    {
        var text = Print(SweepFusion.Rewrite(PairSum(), Types, new[] { "dx" }));
        Assert.Equal(2, CountOf(text, "fused: the loop over"));
        Assert.Contains("their inner loops fused too", text);
        Assert.DoesNotContain("tape", text);
        // The reverse's recomputation of d is what the forward just stored: dropped.
        Assert.Equal(1, CountOf(text, "d = x[j] - x[i];"));
        Assert.True(text.IndexOf("df += 1") < text.IndexOf("for (int i = 0"));
    }

    [Fact]
    public void DoubleLoopsThatWouldComputeSomethingElseStayApart()
    {
        var cases = new (string Why, Block Body)[]
        {
            ("R reads r after its inner loop, where the pops have restored the r from before F(i)'s inner loop",
                PairSum(reverseTail: new Stmt[] { AddTo(At("dx", V("i")), V("r")) })),
            ("R reads r before its inner loop: where the inner loops do not run (i = n − 1) that is F(i − 1)'s last r unfused, another fused",
                PairSum(reverseHead: new Stmt[] { AddTo(At("dx", V("i")), V("r")) })),
            ("R's inner loop runs over other pairs than F's: no mirror to pair the tape with",
                PairSum(reverseInnerLower: Constant.Int(0))),
            ("F's inner loop reads r before setting it: the value of the pair before, which the fused order changes",
                PairSum(forwardHead: new Stmt[] { AddTo(V("f"), V("r")) })),
            ("R's inner loop reads r without a pop: unfused it sees the last pair's r of all, fused each i's last",
                PairSum(push: false)),
        };

        foreach (var (why, body) in cases)
        {
            Assert.DoesNotContain("their inner loops fused too", Print(SweepFusion.Rewrite(body, Types, new[] { "dx" })));
        }

        foreach (var (why, body) in cases.Take(3))
        {
            Assert.False(Fused(body, new[] { "dx" }), why);
        }
    }
}
