using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Differentiable.Generators.Diagnostics;
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
/// column, and belongs to the same declaration (the same number of member declarations precede it). Text typed above
/// the method may move it: the model records places in the method's own file relative to where the method starts, so a
/// parse still stands when every region it read in that file moved as far as the method did (same column, as many
/// lines); only its <see cref="ParseResult.Anchor"/> is updated.</item>
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
        if (Find(epoch, compilation, tree, syntax, cancellationToken) is { } cached)
        {
            return cached;
        }

        onParse?.Invoke(syntax.Identifier.ValueText);
        var reads = new List<SourceRead> { new(tree, syntax.Span) };
        var result = MethodParser.Parse(context, cancellationToken, reads);
        entries.GetValue(tree, static _ => new TreeEntries()).Set(syntax.Span, new Entry(epoch.Declarations, reads.Distinct().ToImmutableArray(), result));
        return result;
    }

    private ParseResult? Find(Epoch epoch, Compilation compilation, SyntaxTree tree, MethodDeclarationSyntax syntax, CancellationToken cancellationToken)
    {
        // The same tree, or the tree this file had in the last compilation (the method's text is checked with the rest).
        var span = syntax.Span;
        var ownEntry = entries.TryGetValue(tree, out var own) ? own.Get(span) : null;
        var entry = ownEntry;
        SyntaxTree? previousTree = null;
        var shift = 0;
        if (entry is null && epoch.Replaced.TryGetValue(tree, out previousTree) && entries.TryGetValue(previousTree, out var previous))
        {
            entry = previous.Get(span);

            // Text typed above the method moved it by the change in the file's length: its model is relative to where it
            // starts, so the parse stands if everything it read in this file moved with it (checked below).
            if (entry is null && tree.Length != previousTree.Length && span.Start - (tree.Length - previousTree.Length) >= 0)
            {
                shift = tree.Length - previousTree.Length;
                entry = previous.Get(new TextSpan(span.Start - shift, span.Length));
            }
        }

        if (entry is null || entry.Declarations != epoch.Declarations)
        {
            return null;
        }

        // Reads in replaced trees are carried forward to this compilation's trees, so that the next edit compares with
        // them; on the common path (nothing the method read was edited) the entry is kept as it is.
        SourceRead[]? current = null;
        var lineShift = shift == 0 ? 0 : LineOf(tree, span.Start, cancellationToken) - LineOf(previousTree!, span.Start - shift, cancellationToken);
        for (var i = 0; i < entry.Reads.Length; i++)
        {
            var read = entry.Reads[i];
            if (compilation.ContainsSyntaxTree(read.Tree))
            {
                continue;
            }

            if (!epoch.ReplacedBy.TryGetValue(read.Tree, out var newTree))
            {
                return null;
            }

            var moved = read.Tree == previousTree;
            var newSpan = moved ? new TextSpan(read.Span.Start + shift, read.Span.Length) : read.Span;
            if (!SameRegion(read.Tree, newTree, read.Span, newSpan, moved ? lineShift : 0, cancellationToken)
                || MembersBefore(read.Tree, read.Span.Start, cancellationToken) != MembersBefore(newTree, newSpan.Start, cancellationToken))
            {
                return null;
            }

            current ??= entry.Reads.ToArray();
            current[i] = new SourceRead(newTree, newSpan);
        }

        var result = entry.Result;
        if (shift != 0)
        {
            result = result with { Anchor = result.Anchor is { } anchor ? MethodAnchor.Of(anchor.Key, syntax) : null };
        }

        if (current is not null || ownEntry is null)
        {
            var carried = current is null ? entry : entry with { Reads = current.ToImmutableArray() };
            entries.GetValue(tree, static _ => new TreeEntries()).Set(span, carried with { Result = result });
        }

        return result;
    }

    /// <summary>
    /// The region has the same text in both versions of the file, on the same column, and <paramref name="lineShift"/>
    /// lines further down (as many as the method itself moved; 0 outside its file, or when it did not move): the model
    /// records places in the method's file relative to where the method starts, and columns as they are. (It must also
    /// belong to the same declaration, which identical text in the same place does not prove: the caller counts the
    /// declarations before it.)
    /// </summary>
    private static bool SameRegion(SyntaxTree before, SyntaxTree after, TextSpan span, TextSpan newSpan, int lineShift, CancellationToken cancellationToken)
    {
        var (x, y) = (before.GetText(cancellationToken), after.GetText(cancellationToken));
        if (x.Length < span.End || y.Length < newSpan.End)
        {
            return false;
        }

        var (was, now) = (x.Lines.GetLinePosition(span.Start), y.Lines.GetLinePosition(newSpan.Start));
        return was.Character == now.Character
            && now.Line - was.Line == lineShift
            && string.Equals(x.ToString(span), y.ToString(newSpan), StringComparison.Ordinal)
            && SameSyntaxErrors(before, after, span, newSpan, cancellationToken);
    }

    /// <summary>
    /// A syntax error touches the region in both versions or in neither: the compiler-error screen asks that of a method
    /// and its helpers, and text outside the region decides where such an error lands (a stray '$' glued to a method's
    /// ';' is reported where the method ends; a class brace missing at the end of the file, at the end of its last
    /// method or past the next token, by whether a newline follows). Found by helpers' fuzz of edits: the cached answer
    /// made warm drivers keep companions a fresh one drops, and drop (until a declaration changed) ones it writes.
    /// </summary>
    private static bool SameSyntaxErrors(SyntaxTree before, SyntaxTree after, TextSpan span, TextSpan newSpan, CancellationToken cancellationToken) =>
        CompilerErrorScreen.SyntaxErrorTouches(before, span, cancellationToken) == CompilerErrorScreen.SyntaxErrorTouches(after, newSpan, cancellationToken);

    private static int LineOf(SyntaxTree tree, int position, CancellationToken cancellationToken) =>
        tree.GetText(cancellationToken).Lines.GetLinePosition(position).Line;

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
