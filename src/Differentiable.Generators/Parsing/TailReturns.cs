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
    public static Block Normalize(List<Stmt> statements, string resultName, IrType resultType, List<LocalModel> locals)
    {
        var returns = statements.Count(IrWalker.ContainsReturn);
        if (returns == 1 && statements[statements.Count - 1] is Return)
        {
            return new Block(statements.ToEquatableArray());
        }

        locals.Add(new LocalModel(resultName, resultType));
        var body = Rewrite(statements, resultName);
        // Zero of the result's own type: a double 0.0 does not convert to float implicitly (CS0664).
        body.Insert(0, new Declare(resultName, resultType, resultType.IsArray() ? null : new Constant(0, resultType)));
        body.Add(new Return(new Variable(resultName)));
        return new Block(body.ToEquatableArray());
    }

    private static List<Stmt> Rewrite(IReadOnlyList<Stmt> statements, string result)
    {
        var output = new List<Stmt>();
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            if (statement is Return r)
            {
                output.Add(new Assign(new Variable(result), r.Value));
                return output; // Anything after a return is unreachable.
            }

            if (statement is If conditional && IrWalker.ContainsReturn(conditional))
            {
                var rest = statements.Skip(i + 1).ToList();
                var then = Continue(conditional.Then.Statements, rest, result);
                var otherwise = Continue(conditional.Else?.Statements ?? EquatableArray<Stmt>.Empty, rest, result);
                output.Add(new If(conditional.Condition, then, otherwise));
                return output;
            }

            output.Add(statement);
        }

        return output;
    }

    /// <summary>A branch, followed by the statements after the if when the branch can fall through.</summary>
    private static Block Continue(EquatableArray<Stmt> branch, List<Stmt> rest, string result)
    {
        var statements = branch.ToList();
        if (!AlwaysReturns(statements))
        {
            statements.AddRange(rest);
        }

        return new Block(Rewrite(statements, result).ToEquatableArray());
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
