using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Vectorization;

/// <summary>Fresh identifiers: unused by the body's declarations, its types and its generated text.</summary>
internal sealed class FreshNames
{
    private readonly NameScope scope;
    private readonly List<string> generated;

    private FreshNames(NameScope scope, List<string> generated)
    {
        this.scope = scope;
        this.generated = generated;
    }

    /// <summary>The names a body uses: its types', its declarations', its loop variables' and its generated text's.</summary>
    public static FreshNames Of(Block body, ArrayAliases aliases) => Of(body, aliases.Types.Keys);

    /// <summary>The names a body uses, with <paramref name="typed"/> (the names its type table knows).</summary>
    public static FreshNames Of(Block body, IEnumerable<string> typed) =>
        new(new NameScope(typed.Concat(IrWalker.DeclaredNames(body))), IrWalker.Statements(body).OfType<Verbatim>().Select(v => v.Code).ToList());

    /// <summary>The scope's next fresh name (preferred, preferred2, …) that no generated text contains either.</summary>
    public string Fresh(string preferred)
    {
        string name;
        do
        {
            name = scope.Fresh(preferred);
        }
        while (generated.Any(code => code.Contains(name)));
        return name;
    }
}
