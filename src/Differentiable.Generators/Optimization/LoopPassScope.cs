using System.Collections.Generic;
using System.Linq;
using Differentiable.Generators.Analysis;
using Differentiable.Generators.Ir;

namespace Differentiable.Generators.Optimization;

/// <summary>
/// What a loop pass needs of the whole body once some loop qualifies: the array classes and the names in use. Both are
/// built on first need, since most bodies have no loop a pass rewrites and building them walks the whole body.
/// </summary>
internal sealed class LoopPassScope
{
    private readonly Block body;
    private readonly IReadOnlyDictionary<string, IrType> types;
    private readonly IEnumerable<string> buffers;
    private ArrayAliases? aliases;
    private NameScope? names;

    public LoopPassScope(Block body, IReadOnlyDictionary<string, IrType> types, IEnumerable<string> buffers)
    {
        this.body = body;
        this.types = types;
        this.buffers = buffers;
    }

    public ArrayAliases Aliases => aliases ??= ArrayAliases.Of(body, types, buffers);

    public NameScope Names => names ??= new NameScope(Aliases.Types.Keys.Concat(IrWalker.DeclaredNames(body)));
}
