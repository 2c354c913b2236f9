using System;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using Differentiable.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>Runs the generator in memory over C# source, as the compiler would.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted
            .Where(path => Path.GetFileName(path).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(path) is "mscorlib.dll" or "netstandard.dll")
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(DifferentiateAttribute).Assembly.Location))
            .ToImmutableArray();
    });

    // Documentation comments diagnosed, as <GenerateDocumentationFile> does: the companions' must not warn either.
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "Tests",
        sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: $"File{i}.cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999));

    public static GeneratorDriver CreateDriver(bool trackSteps = false) => CSharpGeneratorDriver.Create(
        new[] { new DifferentiateGenerator().AsSourceGenerator() },
        parseOptions: ParseOptions,
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns its result and every error of the compilation that includes the generated code.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(Compile(sources));

    /// <summary>
    /// <see cref="Run(string[])"/> for deeply nested code, on a thread with a 256 MB stack and with Roslyn's work kept on
    /// it. Roslyn's own parser, binder and flow analysis recurse on nesting and give up (a syntax error, CS8078) or
    /// overflow at depths that depend on the thread's stack (8 MB on this VM, about 1.7 MB where <c>ulimit -s</c> is
    /// unlimited, as on CI) and on whether their code is optimized yet; here they never do, so what a test sees is the
    /// generator's own bound.
    /// </summary>
    public static GeneratorRun RunDeep(params string[] sources) => OnLargeStack(() =>
    {
        var compilation = Compile(sources);
        return Run(compilation.WithOptions(compilation.Options.WithConcurrentBuild(false)));
    });

    /// <summary>Runs <paramref name="work"/> on a thread with a 256 MB stack (reserved, not committed) and returns its result.</summary>
    public static T OnLargeStack<T>(Func<T> work)
    {
        T result = default!;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new System.Threading.Thread(
            () =>
            {
                try
                {
                    result = work();
                }
                catch (Exception exception)
                {
                    failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception);
                }
            },
            256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Runs the generator on a compilation built by the test (references of its own, options).</summary>
    public static GeneratorRun Run(CSharpCompilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult();
        return new GeneratorRun(result, output, generatorDiagnostics, output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());
    }
}

internal sealed record GeneratorRun(GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompilationErrors)
{
    public ImmutableArray<GeneratedSourceResult> Sources => Result.Results.Single().GeneratedSources;

    /// <summary>
    /// The companions of every method, in file order: the generator writes a file per containing type with a section
    /// per method, each opened by <c>// Derivatives of Namespace.Type.Method, …</c>.
    /// </summary>
    public ImmutableArray<(string Method, string Text)> Sections => Sources
        .SelectMany(source => source.SourceText.ToString().Split(SectionMarker).Skip(1))
        .Select(section => (section[..section.IndexOf(',', StringComparison.Ordinal)], SectionMarker + section))
        .ToImmutableArray();

    /// <summary>The one section of <paramref name="method"/> (<c>Type.Method</c>, or more of the qualified name).</summary>
    public string Section(string method) => Sections.Single(s => Names(s.Method, method)).Text;

    /// <summary>Whether some file has a section for <paramref name="method"/>, as <see cref="Section"/> finds it.</summary>
    public bool HasSection(string method) => Sections.Any(s => Names(s.Method, method));

    private static bool Names(string qualified, string method) =>
        qualified == method || qualified.EndsWith("." + method, StringComparison.Ordinal);

    private const string SectionMarker = "// Derivatives of ";

    /// <summary>The compilation with the generated code, emitted and loaded (optimized, as a Release build runs it, when asked).</summary>
    public System.Reflection.Assembly Load(bool optimized = false)
    {
        using var stream = new MemoryStream();
        var emit = (optimized ? Output.WithOptions(Output.Options.WithOptimizationLevel(OptimizationLevel.Release)) : Output).Emit(stream);
        Assert.True(emit.Success, string.Join(Environment.NewLine, emit.Diagnostics));
        return System.Reflection.Assembly.Load(stream.ToArray());
    }

    /// <summary>
    /// The compiler's warnings in the generated files that the user's own code does not have already (an unused local, or
    /// s &gt; s, copied from the method's body): a consumer that treats warnings as errors (as this repository does)
    /// cannot build with any of them.
    /// </summary>
    public ImmutableArray<Diagnostic> GeneratedWarnings
    {
        get
        {
            var warnings = Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree is not null).ToList();
            static bool Generated(Diagnostic d) => !d.Location.SourceTree!.FilePath.StartsWith("File", StringComparison.Ordinal);
            var users = warnings.Where(d => !Generated(d)).Select(d => (d.Id, d.GetMessage(CultureInfo.InvariantCulture))).ToHashSet();
            return warnings.Where(d => Generated(d) && !users.Contains((d.Id, d.GetMessage(CultureInfo.InvariantCulture)))).ToImmutableArray();
        }
    }

    /// <summary>The generator neither threw nor produced code the compiler rejects or warns about.</summary>
    public void AssertClean()
    {
        Assert.Null(Result.Results.Single().Exception);
        Assert.Empty(GeneratorDiagnostics);
        Assert.True(CompilationErrors.IsEmpty, string.Join(Environment.NewLine, CompilationErrors.Select(e => e.ToString())));
        Assert.True(GeneratedWarnings.IsEmpty, string.Join(Environment.NewLine, GeneratedWarnings.Select(e =>
            e + Environment.NewLine + "    " + e.Location.SourceTree!.GetText().Lines[e.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim())));
    }
}
