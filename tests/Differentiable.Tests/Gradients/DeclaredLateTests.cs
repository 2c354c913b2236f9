using CsCheck;
using static Differentiable.Tests.Gens;
using static Differentiable.Tests.Gradients.FiniteDifference;

namespace Differentiable.Tests.Gradients;

/// <summary>Locals declared without a value in a loop (<see cref="DeclaredLateFunctions"/>) against central differences.</summary>
public class DeclaredLateTests
{
    private const long Iterations = 60;

    [Fact]
    public void ArrayDeclaredLate() =>
        (from n in Gen.Int[1, 7]
         from x in Vector(n, -1.0, 1.0)
         from steps in Gen.Int[0, 4]
         select (x, steps))
        .Sample((x, steps) =>
        {
            var g = DeclaredLateFunctions.ArrayDeclaredLateGradient(x, steps);
            AssertGradient(nameof(DeclaredLateFunctions.ArrayDeclaredLate), a => DeclaredLateFunctions.ArrayDeclaredLate((double[])a[0], steps), [x], g.Value, g.dx);
        }, iter: Iterations);

    [Fact]
    public void ScalarDeclaredLate() =>
        Gen.Int[1, 7].SelectMany(n => Vector(n, -1.0, 1.0)).Sample(x =>
        {
            var g = DeclaredLateFunctions.ScalarDeclaredLateGradient(x);
            AssertGradient(nameof(DeclaredLateFunctions.ScalarDeclaredLate), a => DeclaredLateFunctions.ScalarDeclaredLate((double[])a[0]), [x], g.Value, g.dx);
        }, iter: Iterations);
}
