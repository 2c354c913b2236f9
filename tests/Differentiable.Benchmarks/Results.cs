using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Differentiable.Benchmarks;

/// <summary>One row of a BenchmarkDotNet CSV report (written in ns and bytes by <see cref="Program"/>'s exporter).</summary>
/// <param name="Method">Benchmark method.</param>
/// <param name="Size">The size parameter as printed.</param>
/// <param name="X">The size as a number, for charts: the parameter, h²·T for the recurrent network, n·h for a batch.</param>
/// <param name="MedianNs">Median time per call, ns (NaN when the case failed).</param>
/// <param name="AllocatedBytes">Bytes allocated per call.</param>
/// <param name="Role">The method's role.</param>
/// <param name="Group">The group whose target it is compared with.</param>
internal sealed record ResultRow(string Method, string Size, double X, double MedianNs, double AllocatedBytes, Role Role, string Group);

/// <summary>The CSV reports of one run, class by class, in the order of <see cref="Classes"/>.</summary>
internal static class Results
{
    /// <summary>Benchmark classes in report order.</summary>
    public static readonly Type[] Classes =
    [
        typeof(LogisticRegression), typeof(Perceptron), typeof(BatchPerceptron), typeof(MatVecVjp), typeof(MatVecJacobian), typeof(RecurrentNetwork),
        typeof(Rosenbrock), typeof(PairEnergy), typeof(DecayFit), typeof(FixedSize),
    ];

    /// <summary>Reads every class's report found in <paramref name="directory"/>.</summary>
    public static IEnumerable<(Type Type, List<ResultRow> Rows)> Read(string directory)
    {
        foreach (var type in Classes)
        {
            string path = Path.Combine(directory, $"{type.FullName}-report.csv");
            if (File.Exists(path))
            {
                yield return (type, Parse(type, File.ReadAllLines(path)));
            }
        }
    }

    /// <summary>The name of the class's size parameter.</summary>
    public static string SizeParameter(Type type) => type.GetProperties()
        .First(p => p.GetCustomAttribute<ParamsSourceAttribute>() is not null || p.GetCustomAttribute<ParamsAttribute>() is not null)
        .Name;

    private static List<ResultRow> Parse(Type type, string[] lines)
    {
        var header = SplitCsv(lines[0]);
        int Column(string name) => header.FindIndex(h => h == name || h.StartsWith(name + " [", StringComparison.Ordinal)) is var i and >= 0
            ? i
            : throw new InvalidDataException($"{type.Name}: no column '{name}' in {string.Join(",", header)}");
        int method = Column("Method"), size = Column(SizeParameter(type)), median = Column("Median"), allocated = Column("Allocated");
        if (!header[median].EndsWith("[ns]", StringComparison.Ordinal) || !header[allocated].EndsWith("[B]", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{type.Name}: expected Median [ns] and Allocated [B], got {header[median]}, {header[allocated]}.");
        }

        var rows = new List<ResultRow>();
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var cells = SplitCsv(line);
            var role = type.GetMethod(cells[method])?.GetCustomAttribute<RoleAttribute>()
                ?? throw new InvalidDataException($"{type.Name}.{cells[method]} has no [Role].");
            rows.Add(new ResultRow(cells[method], cells[size], SizeValue(cells[size]), Number(cells[median]), Number(cells[allocated]), role.Role, role.Group));
        }

        return rows;
    }

    private static double SizeValue(string size)
    {
        // "h=128 T=200" (the RNN: h²·T), "n=256 h=64" (a batch: n·h), or a number.
        var pairs = size.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('='))
            .ToDictionary(kv => kv.Length == 2 ? kv[0] : "", kv => double.Parse(kv[^1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return pairs.TryGetValue("T", out double t) ? pairs["h"] * pairs["h"] * t
            : pairs.TryGetValue("n", out double n) ? n * pairs["h"]
            : pairs.Values.First();
    }

    private static double Number(string cell)
    {
        string s = cell.Replace(",", "", StringComparison.Ordinal).Trim();
        return s == "-" ? 0.0 : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : double.NaN;
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }
}

/// <summary>The tables of docs/benchmarks.md: medians, ratios against the hand-written target and the function alone, bytes.</summary>
internal static class Report
{
    private static readonly string DefaultGroup = new RoleAttribute(Role.Function).Group;

    /// <summary>
    /// Generated ÷ hand-written for every generated method and size, one column per run: how far run-to-run noise moves
    /// the ratios on a shared machine.
    /// </summary>
    public static string RatiosAcrossRuns(IReadOnlyList<string> directories)
    {
        var runs = directories.Select(d => Results.Read(d).ToDictionary(r => r.Type, r => r.Rows)).ToArray();
        var text = new StringBuilder();
        text.Append("| case | size | method |");
        text.Append(string.Concat(directories.Select(d => $" {RunName(d)} |")));
        text.Append("\n|---|---|---|");
        text.Append(string.Concat(directories.Select(_ => "---:|")));
        text.Append('\n');
        foreach (var (type, rows) in runs[0].Select(kv => (kv.Key, kv.Value)))
        {
            foreach (var row in rows.Where(r => r.Role == Role.Generated).OrderBy(r => r.X).ThenBy(r => r.Method, StringComparer.Ordinal))
            {
                text.Append(CultureInfo.InvariantCulture, $"| {type.Name} | {row.Size} | {row.Method} |");
                foreach (var run in runs)
                {
                    var same = run.TryGetValue(type, out var r) ? r.Where(x => x.Size == row.Size).ToArray() : [];
                    var generated = same.FirstOrDefault(x => x.Method == row.Method);
                    var target = same.FirstOrDefault(x => x.Role == Role.Target && x.Group == row.Group);
                    text.Append(CultureInfo.InvariantCulture, $" {(generated is null || target is null ? "" : Ratio(generated.MedianNs / target.MedianNs))} |");
                }

                text.Append('\n');
            }
        }

        return text.ToString();
    }

    public static string Markdown(string directory)
    {
        var text = new StringBuilder();
        foreach (var (type, rows) in Results.Read(directory))
        {
            string parameter = Results.SizeParameter(type);
            text.Append(CultureInfo.InvariantCulture, $"### {type.Name}\n\n");
            text.Append(CultureInfo.InvariantCulture, $"| {parameter} | method | median | vs hand-written | vs function | allocated |\n");
            text.Append("|---|---|---:|---:|---:|---:|\n");
            foreach (var size in rows.GroupBy(r => r.Size).OrderBy(g => g.First().X))
            {
                // The function of the row's own group where it has one (FixedSize's System.Numerics cases), else the class's.
                var classFunction = size.FirstOrDefault(r => r.Role == Role.Function && r.Group == DefaultGroup)
                    ?? size.FirstOrDefault(r => r.Role == Role.Function);
                foreach (var row in size)
                {
                    var target = size.FirstOrDefault(r => r.Role == Role.Target && r.Group == row.Group);
                    var function = size.FirstOrDefault(r => r.Role == Role.Function && r.Group == row.Group) ?? classFunction;
                    string vsTarget = row.Role is Role.Function or Role.Target || target is null ? "" : Ratio(row.MedianNs / target.MedianNs);
                    string vsFunction = ReferenceEquals(row, function) || function is null ? "" : Ratio(row.MedianNs / function.MedianNs);
                    string name = row.Role == Role.Generated ? $"**{row.Method}**" : row.Method;
                    text.Append(CultureInfo.InvariantCulture, $"| {row.Size} | {name} | {Time(row.MedianNs)} | {vsTarget} | {vsFunction} | {Bytes(row.AllocatedBytes)} |\n");
                }
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    public static string Time(double ns) => double.IsNaN(ns) ? "failed" : ns switch
    {
        < 1e3 => string.Create(CultureInfo.InvariantCulture, $"{ns:0.0} ns"),
        < 1e6 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:0.00} µs"),
        < 1e9 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.00} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:0.00} s"),
    };

    // A function BenchmarkDotNet times at 0 ns was folded away by the JIT: no ratio against it means anything.
    private static string Ratio(double r) => double.IsNaN(r) || double.IsInfinity(r) ? "" : r.ToString(r < 10 ? "0.00" : "0", CultureInfo.InvariantCulture) + "×";

    /// <summary>
    /// A run's column name: its directory's, or for BenchmarkDotNet's <c>RUN/BenchmarkDotNet.Artifacts/results</c>,
    /// RUN's, so that runs started in different directories get different names.
    /// </summary>
    private static string RunName(string directory)
    {
        string path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        for (int up = 0; up < 2 && Path.GetFileName(path) is "results" or "BenchmarkDotNet.Artifacts"; up++)
        {
            path = Path.GetDirectoryName(path) ?? path;
        }

        return Path.GetFileName(path);
    }

    private static string Bytes(double b) => b switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{b:0} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{b / 1024:0.0} KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{b / (1024 * 1024):0.0} MB"),
    };
}
