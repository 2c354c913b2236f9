using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>
/// What a versioned loop needs where the alias classes cannot tell two arrays apart (two arrays from the tape): the
/// check it runs under, exact because .NET arrays have no views (two names share storage only as one object), the
/// comment that says so, and the names a check before the loop cannot speak for.
/// </summary>
internal static class RunTimeChecks
{
    /// <summary><c>!ReferenceEquals(a, b) &amp;&amp; …</c>, one comparison per pair, in order.</summary>
    public static Expr AllDistinct(IEnumerable<(string First, string Second)> pairs) => pairs
        .Select(p => (Expr)new Unary(UnaryOperator.Not, new Invoke("global::System.Object.ReferenceEquals", new Expr[] { new Variable(p.First), new Variable(p.Second) }.ToEquatableArray())))
        .Aggregate((a, b) => new Binary(BinaryOperator.And, a, b));

    /// <summary>"y is not x; z is none of a, b": each checked array, with the arrays it is compared with.</summary>
    public static string Describe(IEnumerable<(string Checked, string Other)> pairs) =>
        string.Join("; ", pairs.GroupBy(p => p.Checked).Select(g => $"{g.Key} is {(g.Count() == 1 ? "not" : "none of")} {string.Join(", ", g.Select(p => p.Other))}"));

    /// <summary>The names statements bind as a whole (declare, or assign as a variable): a check before them does not hold after.</summary>
    public static HashSet<string> Rebound(IEnumerable<Stmt> statements) =>
        new(statements.Select(s => s switch { Declare d => d.Name, Assign { Target: Variable v } => v.Name, _ => null }).OfType<string>(), System.StringComparer.Ordinal);
}
