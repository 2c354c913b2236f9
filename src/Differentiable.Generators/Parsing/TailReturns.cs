using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;
using Differentiable.Generators.Model;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Rewrites returns inside if/else into assignments to one result local followed by a single final return,
/// so the reverse sweep has one place to start from. A body that already ends in its only return is kept.
/// </summary>
internal static class TailReturns
{
    /// <param name="fixedShape">
    /// The dimensions of a System.Numerics result's components. Its returns copy their arrays' elements into one array
    /// allocated at the top, where other results bind the result to the returned array: a join by reference would make
    /// the arrays aliases, and the companions could no longer keep their elements in locals.
    /// </param>
    public static Block Normalize(List<Stmt> statements, string resultName, IrType resultType, List<LocalModel> locals, int[]? fixedShape = null)
    {
        var returns = statements.Count(IrWalker.ContainsReturn);
        if (returns == 1 && statements[statements.Count - 1] is Return)
        {
            return new Block(statements.ToEquatableArray());
        }

        locals.Add(new LocalModel(resultName, resultType));
        var join = new Join(resultName, fixedShape);
        var body = join.Rewrite(statements);
        // Zero of the result's own type: a double 0.0 does not convert to float implicitly (CS0664).
        var initial = fixedShape is not null
            ? (Expr)new NewArray(resultType, fixedShape.Select(d => (Expr)Constant.Int(d)).ToEquatableArray())
            : resultType.IsArray() ? null : new Constant(0, resultType);
        body.Insert(0, new Declare(resultName, resultType, initial));
        body.Add(new Return(new Variable(resultName)));
        return new Block(body.ToEquatableArray());
    }

    /// <summary>How each return becomes a binding of the result.</summary>
    private sealed class Join(string result, int[]? fixedShape)
    {
        public List<Stmt> Rewrite(IReadOnlyList<Stmt> statements)
        {
            var output = new List<Stmt>();
            for (var i = 0; i < statements.Count; i++)
            {
                var statement = statements[i];
                if (statement is Return r)
                {
                    output.AddRange(Bind(r.Value));
                    return output; // Anything after a return is unreachable.
                }

                if (statement is If conditional && IrWalker.ContainsReturn(conditional))
                {
                    var rest = statements.Skip(i + 1).ToList();
                    var then = Continue(conditional.Then.Statements, rest);
                    var otherwise = Continue(conditional.Else?.Statements ?? EquatableArray<Stmt>.Empty, rest);
                    output.Add(new If(conditional.Condition, then, otherwise));
                    return output;
                }

                output.Add(statement);
            }

            return output;
        }

        private IEnumerable<Stmt> Bind(Expr value)
        {
            if (fixedShape is null || value is not Variable array)
            {
                return new[] { new Assign(new Variable(result), value) };
            }

            // result[k] = array[k] for every element, row by row.
            var count = fixedShape.Aggregate(1, (a, b) => a * b);
            return Enumerable.Range(0, count).Select(k =>
            {
                var indices = Indices(k);
                return (Stmt)new Assign(new ElementAccess(result, indices), new ElementAccess(array.Name, indices));
            }).ToList();
        }

        private EquatableArray<Expr> Indices(int k) => fixedShape!.Length == 1
            ? EquatableArray.Create<Expr>(Constant.Int(k))
            : EquatableArray.Create<Expr>(Constant.Int(k / fixedShape[1]), Constant.Int(k % fixedShape[1]));

        /// <summary>A branch, followed by the statements after the if when the branch can fall through.</summary>
        private Block Continue(EquatableArray<Stmt> branch, List<Stmt> rest)
        {
            var statements = branch.ToList();
            if (!AlwaysReturns(statements))
            {
                statements.AddRange(rest);
            }

            return new Block(Rewrite(statements).ToEquatableArray());
        }
    }

    private static bool AlwaysReturns(IReadOnlyList<Stmt> statements)
    {
        foreach (var statement in statements)
        {
            if (statement is Return || (statement is If { Else: not null } i && AlwaysReturns(i.Then.Statements.ToList()) && AlwaysReturns(i.Else.Statements.ToList())))
            {
                return true;
            }
        }

        return false;
    }
}
