using System;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// The semantic models the parser asks its questions of: symbols, types and constants, never nullability. Where the
/// compiler offers it, the model skips nullable analysis, which otherwise runs over each method body the first time a
/// question is asked in it (about a tenth of a cold run over the 500-method benchmark project).
/// </summary>
internal static class SemanticModels
{
    /// <summary>Set once a host's compiler turned out to predate the option (Roslyn before 4.10): every later model is a plain one.</summary>
    private static volatile bool optionMissing;

    /// <summary>A model of <paramref name="tree"/> in <paramref name="compilation"/> without nullable analysis where it can be had.</summary>
    public static SemanticModel For(Compilation compilation, SyntaxTree tree)
    {
        if (!optionMissing)
        {
            try
            {
                return WithoutNullableAnalysis(compilation, tree);
            }
            catch (Exception exception) when (exception is MissingMethodException or MissingFieldException or TypeLoadException)
            {
                optionMissing = true;
            }
        }

        return compilation.GetSemanticModel(tree);
    }

    // Apart, and not inlined, so that a compiler without the option fails this call, caught above, and not the caller's JIT.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SemanticModel WithoutNullableAnalysis(Compilation compilation, SyntaxTree tree)
    {
        // Experimental in Roslyn (RSEXPERIMENTAL001) and absent before Roslyn 4.10: a missing one falls back above.
#pragma warning disable RSEXPERIMENTAL001
        return compilation.GetSemanticModel(tree, SemanticModelOptions.DisableNullableAnalysis);
#pragma warning restore RSEXPERIMENTAL001
    }
}
