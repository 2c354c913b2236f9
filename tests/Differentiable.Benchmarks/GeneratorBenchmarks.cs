using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Differentiable.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Differentiable.Benchmarks;

/// <summary>
/// The generator itself, run in memory as the compiler and the IDE run it, over <see cref="SyntheticProject"/> (500
/// <c>[Differentiate]</c> methods in 50 files). Every run gets a compilation it has not seen: a
/// <see cref="Compilation.Clone"/> (fresh source symbols; the references' metadata stays loaded) for the cold runs, and a
/// <see cref="Compilation.ReplaceSyntaxTree"/> of one pre-parsed tree for the edits, as the IDE makes after a keystroke.
/// Parsing the sources is not timed (the compiler does it before generators run); parsing the generated sources is, as
/// <see cref="GeneratorDriver.RunGenerators(Compilation, System.Threading.CancellationToken)"/> does it.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private static readonly Lazy<Fixture> Shared = new(() => new Fixture());

    private Fixture fixture = null!;

    /// <summary>Builds the project and checks, once per process, that the generator handles all of it cleanly.</summary>
    [GlobalSetup]
    public void Setup() => fixture = Shared.Value;

    /// <summary>A fresh driver over the whole project: what a clean build (or opening the solution) costs.</summary>
    [Benchmark]
    public GeneratorDriver ColdRun() => Fixture.CreateDriver(new DifferentiateGenerator()).RunGenerators(fixture.Compilation.Clone());

    /// <summary>
    /// The floor of any incremental generator keyed on the same attribute: a fresh driver whose generator finds the 500
    /// methods with <c>ForAttributeWithMetadataName</c>, binds each body (<c>GetOperation</c>, as parsing must) and
    /// writes a line per method in a file per class. What <see cref="ColdRun"/> adds to this is the generator's own work.
    /// </summary>
    [Benchmark]
    public GeneratorDriver ColdRunRoslynFloor() => Fixture.CreateDriver(new FloorGenerator(bind: true)).RunGenerators(fixture.Compilation.Clone());

    /// <summary>
    /// One constant changed in one <c>[Differentiate]</c> method's body, after a run over the whole project. Each run
    /// reparses the file with the change (as the IDE does on a keystroke, well under a millisecond) and alternates
    /// between two values, so that no run sees the text the run before it saw: the generator's parse cache must parse
    /// the edited method again every time, as it would after a real keystroke.
    /// </summary>
    [Benchmark]
    public GeneratorDriver IncrementalEdit() =>
        fixture.WarmDriver.RunGenerators(fixture.Compilation.ReplaceSyntaxTree(fixture.EditedTree, fixture.NextMethodEdit()));

    /// <summary>
    /// The body of a member without <c>[Differentiate]</c> changed (<c>k + 25</c> to <c>k + 1025</c> or <c>k + 10025</c>,
    /// alternately), above ten methods with it in the same file. Each run's text is one character longer or shorter than
    /// the run's before it, so the ten methods below the edit move: their models record places, so they are parsed again.
    /// </summary>
    [Benchmark]
    public GeneratorDriver IncrementalUnrelatedEdit() =>
        fixture.WarmDriver.RunGenerators(fixture.Compilation.ReplaceSyntaxTree(fixture.EditedTree, fixture.NextUnrelatedEdit()));

    /// <summary>
    /// <see cref="IncrementalEdit"/> for the floor generator: Roslyn runs the transform of <c>ForAttributeWithMetadataName</c>
    /// again for every attributed method whenever the compilation changes (its output is then compared), so this is what
    /// binding the 500 bodies again costs on each edit.
    /// </summary>
    [Benchmark]
    public GeneratorDriver IncrementalEditRoslynFloor() =>
        fixture.WarmFloorDriver.RunGenerators(fixture.Compilation.ReplaceSyntaxTree(fixture.EditedTree, fixture.NextMethodEdit()));

    /// <summary><see cref="IncrementalEditRoslynFloor"/> with a transform that binds nothing (it returns the method's name).</summary>
    [Benchmark]
    public GeneratorDriver IncrementalEditUnboundFloor() =>
        fixture.WarmUnboundFloorDriver.RunGenerators(fixture.Compilation.ReplaceSyntaxTree(fixture.EditedTree, fixture.NextMethodEdit()));

    /// <summary>The project, its edits, a driver that has run over it, and the checks that the benchmarks time what they claim.</summary>
    private sealed class Fixture
    {
        private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

        public Fixture()
        {
            var trees = SyntheticProject.Files()
                .Select(file => CSharpSyntaxTree.ParseText(file.Text, ParseOptions, file.Path))
                .ToArray();
            Compilation = CSharpCompilation.Create(
                "Synthetic",
                trees,
                References(),
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            ThrowOnErrors("the synthetic project", Compilation.GetDiagnostics());

            int c = SyntheticProject.EditedClass;
            EditedTree = trees[c];
            string original = SyntheticProject.Source(c);
            string methodEdit = SyntheticProject.Source(c, editMethod: true);
            string otherMethodEdit = SyntheticProject.Source(c, editMethod: true, editBy: 2.0);
            string unrelatedEdit = SyntheticProject.Source(c, editTag: true);
            SyntheticProject.CheckOneLineEdit("method edit", original, methodEdit);
            SyntheticProject.CheckOneLineEdit("unrelated edit", original, unrelatedEdit);
            SyntheticProject.CheckOneLineEdit("second method edit", methodEdit, otherMethodEdit);
            methodEdits = [Change(original, methodEdit), Change(original, otherMethodEdit)];
            unrelatedEdits = [Change(original, unrelatedEdit), Change(original, SyntheticProject.Source(c, editTag: true, tagBy: 10000))];
            // Incremental reparses, as the IDE makes them.
            MethodEdit = EditedTree.WithChangedText(SourceText.From(methodEdit));
            UnrelatedEdit = EditedTree.WithChangedText(SourceText.From(unrelatedEdit));

            // The cold run: no exception, no diagnostic, companions of every method (a file per class, a section per method and per helper), and code that compiles.
            var driver = CreateDriver(new DifferentiateGenerator()).RunGeneratorsAndUpdateCompilation(Compilation.Clone(), out var output, out var diagnostics);
            var result = driver.GetRunResult().Results.Single();
            if (result.Exception is not null)
            {
                throw new InvalidOperationException("The generator threw.", result.Exception);
            }

            ThrowOnAny("the generator", diagnostics.AddRange(result.Diagnostics));
            // A file per class; a section (the companions of one method) per method and per helper.
            GeneratedSections = result.GeneratedSources.Sum(source => Sections(source.SourceText.ToString()));
            if (GeneratedSections < SyntheticProject.Methods)
            {
                throw new InvalidOperationException($"The generator wrote companions for {GeneratedSections} methods of {SyntheticProject.Methods}.");
            }

            GeneratedFiles = result.GeneratedSources.Length;
            ThrowOnErrors("the project with the generated code", output.GetDiagnostics());

            WarmDriver = CreateDriver(new DifferentiateGenerator()).RunGenerators(Compilation);
            WarmFloorDriver = CreateDriver(new FloorGenerator(bind: true)).RunGenerators(Compilation);
            WarmUnboundFloorDriver = CreateDriver(new FloorGenerator(bind: false)).RunGenerators(Compilation);

            // The edits rerun what they should (steps tracked here only; the timed drivers do not track). The method edit
            // keeps every position in the file: exactly that method is parsed into a new model and emitted again. The
            // unrelated edit makes the text longer, which shifts the methods below it: no generated file may change.
            var tracked = CreateDriver(new DifferentiateGenerator(), trackSteps: true).RunGenerators(Compilation);
            var method = Rerun(tracked, MethodEdit);
            var unrelated = Rerun(tracked, UnrelatedEdit);
            Expect("method edit", method.ParseChanged == 1 && method.EmitRun == 1 && method.EmitChanged == 1, method);
            Expect("unrelated edit", unrelated.EmitChanged == 0, unrelated);

            foreach (var floorDriver in new[] { WarmFloorDriver, WarmUnboundFloorDriver })
            {
                var floor = floorDriver.GetRunResult().Results.Single();
                if (floor.Exception is not null || floor.GeneratedSources.Length != SyntheticProject.Classes)
                {
                    throw new InvalidOperationException($"The floor generator produced {floor.GeneratedSources.Length} files.", floor.Exception);
                }
            }

            Console.WriteLine(
                $"// GeneratorBenchmarks: {SyntheticProject.Methods} [Differentiate] methods in {trees.Length} files, " +
                $"{GeneratedFiles} generated files ({GeneratedSections} methods' companions), {output.SyntaxTrees.Skip(trees.Length).Sum(t => t.GetText().Lines.Count)} generated lines; " +
                $"method edit: {method}; unrelated edit: {unrelated}.");
        }

        /// <summary>The synthetic project, never given to a timed run itself (they get clones and edits of it).</summary>
        public CSharpCompilation Compilation { get; }

        /// <summary>A driver that has run over <see cref="Compilation"/>.</summary>
        public GeneratorDriver WarmDriver { get; }

        /// <summary>A driver of the floor generator that has run over <see cref="Compilation"/>.</summary>
        public GeneratorDriver WarmFloorDriver { get; }

        /// <summary>The same, with a floor generator that binds nothing.</summary>
        public GeneratorDriver WarmUnboundFloorDriver { get; }

        /// <summary>The tree both edits replace.</summary>
        public SyntaxTree EditedTree { get; }

        /// <summary>That tree with one constant of one method changed.</summary>
        public SyntaxTree MethodEdit { get; }

        /// <summary>That tree with the body of <c>Tag</c> changed.</summary>
        public SyntaxTree UnrelatedEdit { get; }

        /// <summary>Files the generator writes for the project.</summary>
        public int GeneratedFiles { get; }

        /// <summary>Methods (with <c>[Differentiate]</c> or called from one) those files hold companions of.</summary>
        public int GeneratedSections { get; }

        private readonly TextChange[] methodEdits;
        private readonly TextChange[] unrelatedEdits;
        private int editCount;
        private int unrelatedEditCount;

        /// <summary>
        /// <see cref="EditedTree"/> with the method edit, reparsed incrementally from the change; the constant alternates
        /// between two values from one call to the next.
        /// </summary>
        public SyntaxTree NextMethodEdit() => Reparsed(methodEdits, ref editCount);

        /// <summary><see cref="EditedTree"/> with the unrelated edit, reparsed; alternating as <see cref="NextMethodEdit"/> does.</summary>
        public SyntaxTree NextUnrelatedEdit() => Reparsed(unrelatedEdits, ref unrelatedEditCount);

        /// <summary><see cref="EditedTree"/> reparsed incrementally with the next of <paramref name="edits"/>, in turn.</summary>
        private SyntaxTree Reparsed(TextChange[] edits, ref int count) =>
            EditedTree.WithChangedText(EditedTree.GetText().WithChanges(edits[count++ % edits.Length]));

        /// <summary>The one change that turns <paramref name="before"/> into <paramref name="after"/> (common prefix and suffix kept).</summary>
        private static TextChange Change(string before, string after)
        {
            int prefix = 0;
            while (prefix < before.Length && prefix < after.Length && before[prefix] == after[prefix])
            {
                prefix++;
            }

            int suffix = 0;
            while (suffix < before.Length - prefix && suffix < after.Length - prefix && before[^(suffix + 1)] == after[^(suffix + 1)])
            {
                suffix++;
            }

            return new TextChange(new TextSpan(prefix, before.Length - prefix - suffix), after[prefix..^suffix]);
        }

        public static GeneratorDriver CreateDriver(IIncrementalGenerator generator, bool trackSteps = false) => CSharpGeneratorDriver.Create(
            [generator.AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

        /// <summary>
        /// The runtime library and the framework's reference assemblies from the trusted platform assemblies, as the
        /// generator tests build them (only those of the shared framework directory, not this app's own dependencies).
        /// </summary>
        private static IEnumerable<MetadataReference> References()
        {
            string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
            return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
                .Split(Path.PathSeparator)
                .Where(path => Path.GetDirectoryName(path) == framework)
                .Where(path => Path.GetFileName(path).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
                .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
                .Append(MetadataReference.CreateFromFile(typeof(DifferentiateAttribute).Assembly.Location));
        }

        /// <summary>What an edit made the tracked driver do.</summary>
        private Rerun Rerun(GeneratorDriver driver, SyntaxTree edit)
        {
            var result = driver.RunGenerators(Compilation.ReplaceSyntaxTree(EditedTree, edit)).GetRunResult().Results.Single();
            IncrementalStepRunReason[] Reasons(string step) => result.TrackedSteps.TryGetValue(step, out var runs)
                ? runs.SelectMany(run => run.Outputs).Select(output => output.Reason).ToArray()
                : [];
            static int Changed(IncrementalStepRunReason[] reasons) =>
                reasons.Count(r => r is IncrementalStepRunReason.New or IncrementalStepRunReason.Modified or IncrementalStepRunReason.Removed);
            var parse = Reasons(DifferentiateGenerator.Steps.Parse);
            var emit = Reasons(DifferentiateGenerator.Steps.Emit);
            return new Rerun(parse.Count(r => r != IncrementalStepRunReason.Cached), Changed(parse), emit.Count(r => r != IncrementalStepRunReason.Cached), Changed(emit));
        }

        private static void Expect(string what, bool condition, Rerun rerun)
        {
            if (!condition)
            {
                throw new InvalidOperationException($"{what}: {rerun}, not what the benchmark assumes.");
            }
        }

        private static int Sections(string source)
        {
            int count = 0;
            for (int at = source.IndexOf("\n// Derivatives of ", StringComparison.Ordinal); at >= 0; at = source.IndexOf("\n// Derivatives of ", at + 1, StringComparison.Ordinal))
            {
                count++;
            }

            return count;
        }

        private static void ThrowOnErrors(string what, ImmutableArray<Diagnostic> diagnostics) =>
            ThrowOnAny(what, diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());

        private static void ThrowOnAny(string what, ImmutableArray<Diagnostic> diagnostics)
        {
            if (!diagnostics.IsEmpty)
            {
                throw new InvalidOperationException(
                    $"{what}: {diagnostics.Length} diagnostics, the first: {string.Join(Environment.NewLine, diagnostics.Take(10))}");
            }
        }
    }

    /// <summary>
    /// Outputs of an incremental run: Parse steps run (not <c>Cached</c>) and models that changed, Emit steps run and
    /// generated files that changed.
    /// </summary>
    private sealed record Rerun(int ParseRun, int ParseChanged, int EmitRun, int EmitChanged)
    {
        public override string ToString() =>
            $"Parse ran {ParseRun} times ({ParseChanged} models changed), Emit ran {EmitRun} times ({EmitChanged} files changed)";
    }

    /// <summary>
    /// The least an incremental generator on <c>[Differentiate]</c> does: find the methods, bind their bodies (unless
    /// <paramref name="bind"/> is false), write a line each in a file per class. Not marked <c>[Generator]</c>: it is only ever created here.
    /// </summary>
    private sealed class FloorGenerator(bool bind) : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            bool bindBodies = bind;
            var methods = context.SyntaxProvider.ForAttributeWithMetadataName(
                "Differentiable.DifferentiateAttribute",
                static (node, _) => node is MethodDeclarationSyntax,
                (syntaxContext, cancellationToken) =>
                {
                    if (bindBodies && syntaxContext.SemanticModel.GetOperation(syntaxContext.TargetNode, cancellationToken) is null)
                    {
                        throw new InvalidOperationException($"No operation for {syntaxContext.TargetSymbol.Name}.");
                    }

                    return syntaxContext.TargetSymbol.ContainingType.Name + "." + syntaxContext.TargetSymbol.Name;
                });
            // A file per class, as the generator writes them.
            context.RegisterSourceOutput(methods.Collect(), static (output, names) =>
            {
                foreach (var file in names.GroupBy(name => name[..name.IndexOf('.', StringComparison.Ordinal)], StringComparer.Ordinal).OrderBy(file => file.Key, StringComparer.Ordinal))
                {
                    output.AddSource(file.Key + ".g.cs", string.Concat(file.OrderBy(name => name, StringComparer.Ordinal).Select(name => $"// {name}\n")));
                }
            });
        }
    }
}
