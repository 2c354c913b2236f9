using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Infrastructure;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Control-flow lowering: break, continue and returns inside loops become flags that guard the rest of the
/// block and end the loop, so every transformation sees only structured For, While and If — the shape that
/// lets reverse mode run a loop backwards. A for loop that may be left early becomes a While, whose trip
/// count reverse mode records.
/// </summary>
internal sealed partial class MethodParser
{
    private sealed record LoopFlags(string? Break, string? Continue);

    private List<Stmt> LowerControlFlow(List<Stmt> statements, Ir.IrType returnType)
    {
        var body = new Block(statements.ToEquatableArray());
        string? returned = null;
        string? result = null;
        if (IrWalker.ReturnsInsideLoop(body))
        {
            returned = SyntheticLocal("returned", IrType.Boolean);
            result = SyntheticLocal("result", returnType);
        }

        var lowered = LowerList(statements, null, returned, result);
        if (returned is not null)
        {
            lowered.Insert(0, new Declare(returned, IrType.Boolean, False));
            lowered.Insert(1, new Declare(result!, returnType, returnType.IsArray() ? null : new Constant(0, returnType)));
            lowered.Add(new Return(new Variable(result!)));
        }

        return lowered;
    }

    private static readonly Constant True = new(1, IrType.Boolean);
    private static readonly Constant False = new(0, IrType.Boolean);

    private List<Stmt> LowerList(IReadOnlyList<Stmt> statements, LoopFlags? loop, string? returned, string? result)
    {
        var output = new List<Stmt>();
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            switch (statement)
            {
                case Break:
                    output.Add(new Assign(new Variable(loop!.Break!), True));
                    return output;
                case Continue:
                    output.Add(new Assign(new Variable(loop!.Continue!), True));
                    return output;
                case Return r when returned is not null:
                    output.Add(new Assign(new Variable(result!), r.Value));
                    output.Add(new Assign(new Variable(returned), True));
                    return output;
                case If conditional:
                    output.Add(new If(
                        conditional.Condition,
                        LowerBlock(conditional.Then, loop, returned, result),
                        conditional.Else is null ? null : LowerBlock(conditional.Else, loop, returned, result)));
                    break;
                case For loopStatement:
                    LowerFor(loopStatement, output, returned, result);
                    break;
                case While loopStatement:
                    LowerWhile(loopStatement, output, returned, result);
                    break;
                default:
                    output.Add(statement);
                    continue;
            }

            var jumps = (loop is not null && IrWalker.ContainsJump(statement)) || (returned is not null && IrWalker.ContainsReturn(statement));
            if (jumps)
            {
                // The rest of the block runs only if nothing above left it.
                var rest = LowerList(statements.Skip(i + 1).ToList(), loop, returned, result);
                if (rest.Count > 0)
                {
                    output.Add(new If(new Unary(UnaryOperator.Not, Any(loop?.Break, loop?.Continue, returned)), new Block(rest.ToEquatableArray()), null));
                }

                return output;
            }
        }

        return output;
    }

    private Block LowerBlock(Block block, LoopFlags? loop, string? returned, string? result) =>
        new(LowerList(block.Statements.ToList(), loop, returned, result).ToEquatableArray());

    private void LowerFor(For loop, List<Stmt> output, string? returned, string? result)
    {
        var flags = FlagsFor(loop.Body);
        var leavesEarly = flags.Break is not null || (returned is not null && IrWalker.ContainsReturn(loop.Body));
        if (!leavesEarly)
        {
            // Lowered once only: lowering declares synthetic locals, and a discarded pass would leave unused ones.
            output.Add(loop with { Body = LoopBody(loop.Body, flags, returned, result, step: null) });
            return;
        }

        // Left early: the trip count is data-dependent, so the loop runs as a While.
        if (!locals.Any(l => l.Name == loop.Variable))
        {
            locals.Add(new Model.LocalModel(loop.Variable, IrType.Int32));
        }

        var index = new Variable(loop.Variable);
        var start = loop.Descending ? new Binary(BinaryOperator.Subtract, loop.Upper, Constant.Int(1)) : loop.Lower;
        var condition = loop.Descending ? new Binary(BinaryOperator.GreaterOrEqual, index, loop.Lower) : (Expr)new Binary(BinaryOperator.Less, index, loop.Upper);
        var step = new Assign(index, new Binary(loop.Descending ? BinaryOperator.Subtract : BinaryOperator.Add, index, Constant.Int(1)));
        output.Add(new Declare(loop.Variable, IrType.Int32, start));
        AddLoop(output, flags, returned, condition, LoopBody(loop.Body, flags, returned, result, new Block(EquatableArray.Create<Stmt>(step))));
    }

    private void LowerWhile(While loop, List<Stmt> output, string? returned, string? result)
    {
        var flags = FlagsFor(loop.Body);
        AddLoop(output, flags, returned, loop.Condition, LoopBody(loop.Body, flags, returned, result, loop.Step));
    }

    private void AddLoop(List<Stmt> output, LoopFlags flags, string? returned, Expr condition, Block body)
    {
        if (flags.Break is not null)
        {
            output.Add(new Declare(flags.Break, IrType.Boolean, False));
        }

        // The flags are tested first, so a condition is never evaluated again after the body left the loop.
        var guard = Any(flags.Break, returned) is var left && left is Constant ? condition : new Binary(BinaryOperator.And, new Unary(UnaryOperator.Not, left), condition);
        output.Add(new While(guard, body));
    }

    private Block LoopBody(Block body, LoopFlags flags, string? returned, string? result, Block? step)
    {
        var statements = new List<Stmt>();
        if (flags.Continue is not null)
        {
            statements.Add(new Declare(flags.Continue, IrType.Boolean, False));
        }

        statements.AddRange(LowerList(body.Statements.ToList(), flags, returned, result));
        if (step is { Statements.Count: > 0 })
        {
            var left = Any(flags.Break, returned);
            statements.Add(left is Constant ? step : new If(new Unary(UnaryOperator.Not, left), step, null));
        }

        return new Block(statements.ToEquatableArray());
    }

    private LoopFlags FlagsFor(Block body) => new(
        IrWalker.ContainsBreak(body) ? SyntheticLocal("broke", IrType.Boolean) : null,
        IrWalker.ContainsJump(body) && ContainsContinue(body) ? SyntheticLocal("skip", IrType.Boolean) : null);

    private static bool ContainsContinue(Stmt? statement) => statement switch
    {
        Continue => true,
        Block b => b.Statements.Any(ContainsContinue),
        If i => ContainsContinue(i.Then) || ContainsContinue(i.Else),
        _ => false,
    };

    /// <summary>flag₁ || flag₂ || …, or false when there is none.</summary>
    private static Expr Any(params string?[] flags)
    {
        Expr? result = null;
        foreach (var flag in flags.Where(f => f is not null))
        {
            result = result is null ? new Variable(flag!) : new Binary(BinaryOperator.Or, result, new Variable(flag!));
        }

        return result ?? False;
    }
}
