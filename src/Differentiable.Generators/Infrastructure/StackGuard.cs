using System.Runtime.CompilerServices;

namespace Differentiable.Generators.Infrastructure;

/// <summary>
/// Guards every recursion whose depth follows the user's code: deep expressions become a DIFF diagnostic
/// instead of a stack overflow that would take the compiler down.
/// </summary>
internal static class StackGuard
{
    /// <summary>Nesting deeper than this is reported rather than walked.</summary>
    public const int MaxDepth = 400;

    public static void Enter(int depth)
    {
        if (depth > MaxDepth)
        {
            throw new CodeTooComplexException();
        }

        RuntimeHelpers.EnsureSufficientExecutionStack();
    }
}

/// <summary>Thrown when an expression or statement nests too deeply for the generator to process safely.</summary>
internal sealed class CodeTooComplexException : System.Exception
{
    public CodeTooComplexException()
        : base("nesting too deep")
    {
    }
}
