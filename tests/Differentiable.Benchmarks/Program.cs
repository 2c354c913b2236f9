using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using Perfolizer.Metrology;

namespace Differentiable.Benchmarks;

/// <summary>
/// Entry point. Everything BenchmarkDotNet accepts (<c>--filter</c>, <c>--list</c>, <c>--job</c> …) passes through, plus:
/// <list type="bullet">
/// <item><c>--quick</c>: fewer sizes and a short in-process job (1 launch, 3 warm-ups, 5 iterations of 100 ms). With a
/// <c>--filter</c> that selects several classes, each runs in a process of its own, one after another.</item>
/// <item><c>--plot DIR [--out DIR]</c>: charts (PNG) of time against size from the CSV reports in DIR.</item>
/// <item><c>--plot-peers RUN PNG</c>: the chart of a saved <c>--peers</c> run beside peers.py, relative to JAX.</item>
/// <item><c>--peers</c>: the problems of <c>../shared/peers/peers.py</c> timed with its protocol, without BenchmarkDotNet
/// (see <see cref="Peers"/>).</item>
/// <item><c>--report DIR [DIR …]</c>: the markdown tables of docs/benchmarks.md from the CSV reports in the last DIR,
/// and with more than one, the generated ÷ hand-written ratios of every run side by side.</item>
/// </list>
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == "--peers")
        {
            return Peers.Run();
        }

        if (args.Length >= 3 && args[0] == "--plot-peers")
        {
            return Plots.WritePeers(args[1], args[2]);
        }

        if (args.Length >= 2 && args[0] == "--plot")
        {
            string output = Option(args, "--out") ?? "docs/benchmarks";
            return Plots.Write(args[1], output);
        }

        if (args.Length >= 2 && args[0] == "--report")
        {
            Console.Write(Report.Markdown(args[^1]));
            if (args.Length > 2)
            {
                Console.Write("\n### Generated ÷ hand-written across runs\n\n" + Report.RatiosAcrossRuns(args[1..]));
            }

            return 0;
        }

        bool quick = args.Contains("--quick");
        if (quick)
        {
            Environment.SetEnvironmentVariable(Mode.QuickVariable, "1");
        }

        IConfig config = Config(quick);
        string? only = Option(args, ClassOnlyOption);
        string[] switcherArguments = args.Where((a, i) => a != "--quick" && a != ClassOnlyOption && (i == 0 || args[i - 1] != ClassOnlyOption)).ToArray();
        if (only is not null)
        {
            return Run(BenchmarkClasses().Where(type => type.Name == only).ToArray(), switcherArguments, config);
        }

        if (!quick || FilterPatterns(args) is not { } patterns || args.Any(a => ListingOptions.Contains(a)))
        {
            return Run(BenchmarkClasses(), switcherArguments, config);
        }

        // The quick job runs in-process, so with several classes selected each gets a process of its own, as
        // BenchmarkDotNet's default job gives each case. Sharing one, a class timed code that earlier classes had shaped:
        // DecayFit's Hessian at M = 1000 took 8.6 µs after BatchPerceptron and 4.9 µs alone (4.7 µs after it with
        // DOTNET_TieredPGO=0); the generator's cold run 1154-1261 ms after the runtime classes against 844 ms alone.
        var filter = new GlobFilter(patterns);
        Type[] selected = BenchmarkClasses().Where(type => BenchmarkConverter.TypeToBenchmarks(type, config).BenchmarksCases.Any(filter.Predicate)).ToArray();
        if (selected.Length <= 1)
        {
            return Run(selected, switcherArguments, config);
        }

        int exitCode = 0;
        foreach (Type type in selected)
        {
            int classExitCode = RunClassProcess(args, type.Name);
            exitCode = exitCode != 0 ? exitCode : classExitCode;
        }

        return exitCode;
    }

    /// <summary>Passed to a child process that runs one benchmark class, named after it.</summary>
    private const string ClassOnlyOption = "--class-only";

    private static int Run(Type[] classes, string[] switcherArguments, IConfig config)
    {
        var summaries = BenchmarkSwitcher.FromTypes(classes).Run(switcherArguments, config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    /// <summary>Runs this program again with <see cref="ClassOnlyOption"/>, its output going to the same console.</summary>
    private static int RunClassProcess(string[] args, string className)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("The host process has no path.");
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (string argument in args.Append(ClassOnlyOption).Append(className))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>Options that list or explain instead of running: one process answers them, not two.</summary>
    private static readonly string[] ListingOptions = ["--list", "--help", "-h", "-?", "--version", "--info", "--join"];

    /// <summary>
    /// The patterns after <c>--filter</c> or <c>-f</c> (up to the next option), or null without either; then the
    /// classes share one process, as before.
    /// </summary>
    private static string[]? FilterPatterns(string[] args)
    {
        int i = Array.FindIndex(args, a => a is "--filter" or "-f");
        return i < 0 ? null : args.Skip(i + 1).TakeWhile(a => !a.StartsWith('-')).ToArray();
    }

    /// <summary>
    /// The benchmark classes in the order they run: by name, with <see cref="GeneratorBenchmarks"/> last. Its fixture (a
    /// 500-method compilation and warm drivers, some hundreds of MB) lives until the process ends, and BenchmarkDotNet
    /// forces a full collection around every iteration. Run before the others in one process (by name it came second),
    /// it made their cases 2–3× slower to measure (the perceptron's 9: 42 s instead of 15 s; the quick suite 7.4
    /// minutes) and the allocating ones slower too (the perceptron's function at width 16: 3.7 µs instead of 1.0 µs). A
    /// quick run with a filter goes further and gives each class a process of its own.
    /// </summary>
    private static Type[] BenchmarkClasses() =>
        typeof(Program).Assembly.GetTypes()
            .Where(type => type.IsClass && !type.IsAbstract && type.GetMethods().Any(m => m.GetCustomAttribute<BenchmarkDotNet.Attributes.BenchmarkAttribute>() is not null))
            .OrderBy(type => type == typeof(GeneratorBenchmarks))
            .ThenBy(type => type.Name, StringComparer.Ordinal)
            .ToArray();

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>
    /// Medians in the summary, bytes allocated, CSV in fixed units (ns, B, invariant culture) for --plot and --report,
    /// and the filter that leaves out the O(d) and O(n²) baselines above their size limits.
    /// </summary>
    private static IConfig Config(bool quick)
    {
        var job = quick
            ? Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(3)
                .WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(100))
                .WithId("Quick")
            : Job.Default.WithId("Full");
        var csvStyle = new SummaryStyle(
            CultureInfo.InvariantCulture,
            printUnitsInHeader: true,
            sizeUnit: SizeUnit.B,
            timeUnit: TimeUnit.Nanosecond,
            printUnitsInContent: false,
            printZeroValuesInContent: true);
        // DefaultConfig's pieces without its CSV exporter, which would write the same file name as ours.
        return ManualConfig.CreateEmpty()
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            // Quick iterations are 100 ms by design: drop the analyser that asks for longer ones there.
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().Where(a => !quick || a.Id != "MinIterationTime").ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddExporter(MarkdownExporter.GitHub, new CsvExporter(CsvSeparator.Comma, csvStyle))
            .AddJob(job.AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.Median)
            .AddFilter(new SimpleFilter(SizeLimits.Allows))
            .WithOptions(ConfigOptions.DisableLogFile)
            .HideColumns(Column.Error, Column.RatioSD)
            .WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
    }
}

/// <summary>Applies <see cref="SizeLimitAttribute"/> and <see cref="OnlyAtAttribute"/>.</summary>
internal static class SizeLimits
{
    public static bool Allows(BenchmarkCase benchmark)
    {
        var method = benchmark.Descriptor.WorkloadMethod;
        var limit = method.GetCustomAttribute<SizeLimitAttribute>();
        var only = method.GetCustomAttribute<OnlyAtAttribute>();
        return (limit is null || benchmark.Parameters[limit.Parameter] is not int size || size <= limit.Limit)
            && (only is null || benchmark.Parameters[only.Parameter] is not int value || value == only.Value);
    }
}
