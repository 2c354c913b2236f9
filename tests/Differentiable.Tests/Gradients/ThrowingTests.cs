using System;
using CsCheck;
using Differentiable.Runtime;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>
/// A gradient that throws where its method throws leaves the thread's tape as it found it (<see cref="ThrowingFunctions"/>),
/// and the same companions, when nothing throws, agree with central differences.
/// </summary>
public class ThrowingTests
{
    private const long Iterations = 60;

    [Fact]
    public void PushesThenReadsLeavesTheTapeAsItFoundIt()
    {
        var x = new[] { 0.4, -0.3, 0.8, -0.6 };
        var before = Tape.Current.Mark();
        Assert.Throws<IndexOutOfRangeException>(() => ThrowingFunctions.PushesThenReads(x, x.Length));
        for (int call = 0; call < 3; call++)
        {
            Assert.Throws<IndexOutOfRangeException>(() => ThrowingFunctions.PushesThenReadsGradient(x, x.Length));
            AssertSameCounts(before, Tape.Current.Mark());
        }
    }

    [Fact]
    public void DividesInTheLoopLeavesTheTapeAsItFoundIt()
    {
        var x = new[] { 0.4, -0.3, 0.8, -0.6, 0.2 };
        var before = Tape.Current.Mark();
        Assert.Throws<DivideByZeroException>(() => ThrowingFunctions.DividesInTheLoop(x, 3));
        Assert.Throws<DivideByZeroException>(() => ThrowingFunctions.DividesInTheLoopGradient(x, 3));
        AssertSameCounts(before, Tape.Current.Mark());
    }

    [Fact]
    public void PushesThenReadsAgainstCentralDifferences() =>
        (from n in Gen.Int[1, 7]
         from x in Vector(n, -1.0, 1.0)
         from at in Gen.Int[0, n - 1]
         select (x, at))
        .Sample((x, at) =>
        {
            var g = ThrowingFunctions.PushesThenReadsGradient(x, at);
            AssertGradient(nameof(ThrowingFunctions.PushesThenReads), a => ThrowingFunctions.PushesThenReads((double[])a[0], at), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void DividesInTheLoopAgainstCentralDifferences() =>
        Gen.Int[1, 7].SelectMany(n => Vector(n, -1.0, 1.0)).Sample(x =>
        {
            // zeroAt = n: no step divides by zero.
            var g = ThrowingFunctions.DividesInTheLoopGradient(x, x.Length);
            AssertGradient(nameof(ThrowingFunctions.DividesInTheLoop), a => ThrowingFunctions.DividesInTheLoop((double[])a[0], x.Length), [x], g.Value, g.dx);
        }, iter: Iterations);

    private static void AssertSameCounts(TapeMark expected, TapeMark actual)
    {
        Assert.Equal(expected.Doubles, actual.Doubles);
        Assert.Equal(expected.Integers, actual.Integers);
        Assert.Equal(expected.References, actual.References);
    }
}
