using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Differentiable.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Differentiable.Generators.Parsing;

/// <summary>
/// Remembers each method's <see cref="ParseResult"/> across the runs of one generator driver, so that an edit parses
/// again only the methods it can change.
/// </summary>
/// <remarks>
/// <para>
/// <c>ForAttributeWithMetadataName</c> runs its transform again for every attributed method whenever the compilation
/// changes, and binding 500 method bodies again costs hundreds of milliseconds per keystroke. A result is reused instead
/// when nothing it was computed from can have changed:
/// </para>
/// <list type="bullet">
/// <item>every declaration of the compilation: each tree that changed since the last compilation seen changed only
/// inside member bodies, with the same directives, parse options, compilation options and references (an
/// <see cref="Epoch"/>: compilations whose declarations are the same share one);</item>
/// <item>every region of source the parse read — the method, helper bodies differentiated through, callee
/// declarations and containing types whose places diagnostics record — has the same text, starts on the same line and
/// column, and belongs to the same declaration (the same number of member declarations precede it).</item>
/// </list>
/// <para>
/// Binding a method body reads only its own text and the declarations in scope, so under these two conditions the
/// parse would produce an equal result. The cache holds no state between drivers (one per
/// <see cref="DifferentiateGenerator.Initialize"/>), holds trees weakly, and is safe to use from several threads.
/// </para>
/// </remarks>
internal sealed class ParseCache
{
    private readonly object gate = new();
    private readonly ConditionalWeakTable<Compilation, Epoch> epochs = new();
    private readonly ConditionalWeakTable<SyntaxTree, TreeEntries> entries = new();
    private readonly ConditionalWeakTable<SyntaxTree, int[]> memberStarts = new();
    private readonly Action<string>? onParse;

    /// <summary>The declarations of the last compilation seen, to compare the next one with.</summary>
    private Snapshot? last;

    /// <param name="onParse">Told the name of each method actually parsed (for tests of the cache).</param>
    public ParseCache(Action<string>? onParse = null) => this.onParse = onParse;

    public ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetNode is not MethodDeclarationSyntax syntax)
        {
            return MethodParser.Parse(context, cancellationToken, null);
        }

        var compilation = context.SemanticModel.Compilation;
        var tree = syntax.SyntaxTree;
        var epoch = EpochOf(compilation, cancellationToken);
        if (Find(epoch, compilation, tree, syntax.Span, cancellationToken) is { } cached)
        {
            return cached;
        }

        onParse?.Invoke(syntax.Identifier.ValueText);
        var reads = new List<SourceRead> { new(tree, syntax.Span) };
        var result = MethodParser.Parse(context, cancellationToken, reads);
        entries.GetValue(tree, static _ => new TreeEntries()).Set(syntax.Span, new Entry(epoch.Declarations, reads.Distinct().ToImmutableArray(), result));
        return result;
    }

    private ParseResult? Find(Epoch epoch, Compilation compilation, SyntaxTree tree, TextSpan span, CancellationToken cancellationToken)
    {
        // The same tree, or the tree this file had in the last compilation (the method's text is checked with the rest).
        var ownEntry = entries.TryGetValue(tree, out var own) ? own.Get(span) : null;
        var entry = ownEntry;
        if (entry is null && epoch.Replaced.TryGetValue(tree, out var previousTree) && entries.TryGetValue(previousTree, out var previous))
        {
            entry = previous.Get(span);
        }

        if (entry is null || entry.Declarations != epoch.Declarations)
        {
            return null;
        }

        // Reads in replaced trees are carried forward to this compilation's trees, so that the next edit compares with
        // them; on the common path (nothing the method read was edited) the entry is kept as it is.
        SourceRead[]? current = null;
        for (var i = 0; i < entry.Reads.Length; i++)
        {
            var read = entry.Reads[i];
            if (compilation.ContainsSyntaxTree(read.Tree))
            {
                continue;
            }

            if (!epoch.ReplacedBy.TryGetValue(read.Tree, out var newTree)
                || !SameRegion(read.Tree, newTree, read.Span, cancellationToken)
                || MembersBefore(read.Tree, read.Span.Start, cancellationToken) != MembersBefore(newTree, read.Span.Start, cancellationToken))
            {
                return null;
            }

            current ??= entry.Reads.ToArray();
            current[i] = new SourceRead(newTree, read.Span);
        }

        if (current is not null || ownEntry is null)
        {
            entries.GetValue(tree, static _ => new TreeEntries()).Set(span, current is null ? entry : entry with { Reads = current.ToImmutableArray() });
        }

        return entry.Result;
    }

    /// <summary>
    /// The region has the same text in both versions of the file and starts on the same line and column: the model
    /// records both offsets and line positions, so both must hold. (It must also belong to the same declaration, which
    /// identical text in the same place does not prove: the caller counts the declarations before it.)
    /// </summary>
    private static bool SameRegion(SyntaxTree before, SyntaxTree after, TextSpan span, CancellationToken cancellationToken)
    {
        var (x, y) = (before.GetText(cancellationToken), after.GetText(cancellationToken));
        return x.Length >= span.End
            && y.Length >= span.End
            && x.Lines.GetLinePosition(span.Start) == y.Lines.GetLinePosition(span.Start)
            && string.Equals(x.ToString(span), y.ToString(span), StringComparison.Ordinal);
    }

    private int MembersBefore(SyntaxTree tree, int position, CancellationToken cancellationToken) =>
        DeclarationComparer.CountBefore(memberStarts.GetValue(tree, t => DeclarationComparer.MemberStarts(t.GetRoot(cancellationToken))), position);

    private Epoch EpochOf(Compilation compilation, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (epochs.TryGetValue(compilation, out var known))
            {
                return known;
            }

            var trees = compilation.SyntaxTrees.ToImmutableArray();
            var references = compilation.References.ToImmutableArray();
            var replaced = new Dictionary<SyntaxTree, SyntaxTree>();
            var epoch = last is { } previous && SameDeclarations(previous, compilation, trees, references, replaced, cancellationToken)
                ? new Epoch(previous.Declarations, replaced, replaced.ToDictionary(pair => pair.Value, pair => pair.Key))
                : new Epoch(new object(), new Dictionary<SyntaxTree, SyntaxTree>(), new Dictionary<SyntaxTree, SyntaxTree>());
            epochs.Add(compilation, epoch);
            last = new Snapshot(epoch.Declarations, compilation.AssemblyName, compilation.Options, trees, references);
            return epoch;
        }
    }

    private static bool SameDeclarations(
        Snapshot previous,
        Compilation compilation,
        ImmutableArray<SyntaxTree> trees,
        ImmutableArray<MetadataReference> references,
        Dictionary<SyntaxTree, SyntaxTree> replaced,
        CancellationToken cancellationToken)
    {
        if (previous.AssemblyName != compilation.AssemblyName
            || !previous.Options.Equals(compilation.Options)
            || trees.Length != previous.Trees.Length
            || references.Length != previous.References.Length)
        {
            return false;
        }

        for (var i = 0; i < references.Length; i++)
        {
            if (!ReferenceEquals(references[i], previous.References[i]))
            {
                return false;
            }
        }

        for (var i = 0; i < trees.Length; i++)
        {
            var (before, after) = (previous.Trees[i], trees[i]);
            if (ReferenceEquals(before, after))
            {
                continue;
            }

            if (before.FilePath != after.FilePath
                || !before.Options.Equals(after.Options)
                || !DeclarationComparer.SameOutsideBodies(before.GetRoot(cancellationToken), after.GetRoot(cancellationToken), cancellationToken))
            {
                return false;
            }

            replaced[after] = before;
        }

        return true;
    }

    /// <summary>
    /// What a compilation declares, by identity (compilations that share <paramref name="Declarations"/> declare the
    /// same), and which of its trees replaced which of the last compilation's, both ways.
    /// </summary>
    private sealed record Epoch(object Declarations, Dictionary<SyntaxTree, SyntaxTree> Replaced, Dictionary<SyntaxTree, SyntaxTree> ReplacedBy);

    private sealed record Snapshot(object Declarations, string? AssemblyName, CompilationOptions Options, ImmutableArray<SyntaxTree> Trees, ImmutableArray<MetadataReference> References);

    /// <param name="Declarations">The epoch's identity only: an entry must not keep older compilations' trees alive.</param>
    /// <param name="Reads">The regions of source the parse read: the method itself, helper bodies, callee declarations.</param>
    private sealed record Entry(object Declarations, ImmutableArray<SourceRead> Reads, ParseResult Result);

    private sealed class TreeEntries
    {
        private readonly Dictionary<TextSpan, Entry> bySpan = new();

        public Entry? Get(TextSpan span)
        {
            lock (bySpan)
            {
                return bySpan.TryGetValue(span, out var entry) ? entry : null;
            }
        }

        public void Set(TextSpan span, Entry entry)
        {
            lock (bySpan)
            {
                bySpan[span] = entry;
            }
        }
    }
}

/// <summary>A region of source that a parse read: the model depends on its text and on its place in the file.</summary>
internal readonly record struct SourceRead(SyntaxTree Tree, TextSpan Span);
