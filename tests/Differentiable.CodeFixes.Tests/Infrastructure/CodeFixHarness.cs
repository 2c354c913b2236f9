using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Differentiable.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Differentiable.CodeFixes.Tests.Infrastructure;

/// <summary>
/// Runs a code fix the way the IDE does, in memory: an <see cref="AdhocWorkspace"/> holds the source, the real generator
/// reports the diagnostics, the provider registers its actions for one of them, and the first action's operations are
/// applied to the solution.
/// </summary>
internal static class CodeFixHarness
{
    public const string FilePath = "/src/Test.cs";

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(path => Path.GetFileName(path).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiateAttribute).Assembly.Location))
            .ToImmutableArray();
    });

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>A one-document C# project in a fresh workspace.</summary>
    public static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var documentId = DocumentId.CreateNewId(projectId);
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(
                projectId,
                VersionStamp.Create(),
                "Test",
                "Test",
                LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
                parseOptions: ParseOptions,
                metadataReferences: References.Value))
            .AddDocument(documentId, "Test.cs", SourceText.From(source), filePath: FilePath);
        Assert.True(workspace.TryApplyChanges(solution));
        return workspace.CurrentSolution.GetDocument(documentId)!;
    }

    /// <summary>Runs the generator over the project; returns its diagnostics and the errors of the compilation that includes the generated code.</summary>
    public static async Task<GeneratorOutcome> RunGeneratorAsync(Project project)
    {
        var compilation = (await project.GetCompilationAsync())!;
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            new[] { new DifferentiateGenerator().AsSourceGenerator() },
            parseOptions: (CSharpParseOptions)project.ParseOptions!);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Null(driver.GetRunResult().Results.Single().Exception);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        return new GeneratorOutcome(diagnostics, errors);
    }

    /// <summary>The actions <paramref name="provider"/> registers for the generator's diagnostic <paramref name="id"/> (exactly one must be reported).</summary>
    public static async Task<(Document Document, ImmutableArray<CodeAction> Actions)> GetActionsAsync(CodeFixProvider provider, string source, string id)
    {
        var document = CreateDocument(source);
        var outcome = await RunGeneratorAsync(document.Project);
        var diagnostic = Assert.Single(outcome.Diagnostics, d => d.Id == id);
        Assert.Contains(id, provider.FixableDiagnosticIds);
        return (document, await RegisterAsync(provider, document, diagnostic));
    }

    public static async Task<ImmutableArray<CodeAction>> RegisterAsync(CodeFixProvider provider, Document document, Diagnostic diagnostic)
    {
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return actions.ToImmutableArray();
    }

    /// <summary>Applies the action's operations (as the IDE does: simplification and formatting included) and returns the new solution.</summary>
    public static async Task<Solution> ApplyAsync(CodeAction action)
    {
        var operations = await action.GetOperationsAsync(CancellationToken.None);
        return Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
    }

    /// <summary>Runs the provider's first action for diagnostic <paramref name="id"/>; returns the fixed document.</summary>
    public static async Task<(Document Fixed, CodeAction Action)> FixAsync(CodeFixProvider provider, string source, string id)
    {
        var (document, actions) = await GetActionsAsync(provider, source, id);
        var action = Assert.Single(actions);
        var solution = await ApplyAsync(action);
        return (solution.GetDocument(document.Id)!, action);
    }

    public static async Task<string> TextAsync(Document document) => (await document.GetTextAsync()).ToString();

    /// <summary>Normalizes the test's own newlines so that expectations read the same on every OS.</summary>
    public static string Lf(string text) => text.Replace("\r\n", "\n");
}

internal sealed record GeneratorOutcome(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<Diagnostic> CompilationErrors)
{
    /// <summary>No generator diagnostic and no compilation error, generated code included.</summary>
    public void AssertClean()
    {
        Assert.True(Diagnostics.IsEmpty, string.Join(Environment.NewLine, Diagnostics.Select(d => d.ToString())));
        Assert.True(CompilationErrors.IsEmpty, string.Join(Environment.NewLine, CompilationErrors.Select(e => e.ToString())));
    }
}

/// <summary>Hands Fix All the generator's diagnostics.</summary>
internal sealed class GeneratorDiagnosticProvider : FixAllContext.DiagnosticProvider
{
    public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
    {
        var tree = await document.GetSyntaxTreeAsync(cancellationToken);
        var outcome = await CodeFixHarness.RunGeneratorAsync(document.Project);
        return outcome.Diagnostics.Where(d => d.Location.SourceTree == tree);
    }

    public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
        (await CodeFixHarness.RunGeneratorAsync(project)).Diagnostics.Where(d => !d.Location.IsInSource);

    public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
        (await CodeFixHarness.RunGeneratorAsync(project)).Diagnostics;
}
