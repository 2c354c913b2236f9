using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Differentiable.Benchmarks;

/// <summary>Charts of median time against size, one line per method, log-log, from a run's CSV reports.</summary>
internal static class Plots
{
    public static int Write(string resultsDirectory, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        int written = 0;
        foreach (var (type, rows) in Results.Read(resultsDirectory))
        {
            var sizes = rows.Select(r => r.X).Distinct().Count();
            if (sizes < 2)
            {
                continue;
            }

            var plot = new ScottPlot.Plot();
            var palette = new ScottPlot.Palettes.Category10();
            int index = 0;
            foreach (var method in rows.GroupBy(r => r.Method))
            {
                var points = method.Where(r => !double.IsNaN(r.MedianNs) && r.MedianNs > 0).OrderBy(r => r.X).ToArray();
                if (points.Length == 0)
                {
                    continue;
                }

                double[] xs = points.Select(p => Math.Log10(p.X)).ToArray();
                double[] ys = points.Select(p => Math.Log10(p.MedianNs / 1e3)).ToArray();
                if (points.Length == 1)
                {
                    // A baseline run at one size only (a size limit): a lone marker, since a one-point line draws nothing.
                    var marker = plot.Add.Marker(xs[0], ys[0]);
                    marker.LegendText = method.Key;
                    marker.Color = palette.GetColor(index++);
                    marker.Size = 9;
                    continue;
                }

                var line = plot.Add.Scatter(xs, ys);
                line.LegendText = method.Key;
                line.Color = palette.GetColor(index++);
                line.LineWidth = method.First().Role == Role.Generated ? 3 : 1.5f;
                line.MarkerSize = 7;
                if (method.First().Role is Role.Function or Role.FiniteDifferences)
                {
                    line.LinePattern = ScottPlot.LinePattern.Dashed;
                }
            }

            string parameter = Results.SizeParameter(type);
            plot.Axes.Bottom.TickGenerator = LogTicks();
            plot.Axes.Left.TickGenerator = LogTicks();
            plot.Grid.MajorLineColor = ScottPlot.Colors.Black.WithOpacity(0.15);
            plot.Grid.MinorLineColor = ScottPlot.Colors.Black.WithOpacity(0.05);
            plot.Grid.MinorLineWidth = 1;
            plot.Title($"{type.Name}: median time per call");
            plot.XLabel(parameter == "Shape" ? "h²·T (hidden units squared × steps)" : parameter);
            plot.YLabel("time per call (µs)");
            plot.ShowLegend(ScottPlot.Edge.Right);
            string path = Path.Combine(outputDirectory, $"{type.Name}.png");
            plot.SavePng(path, 1100, 600);
            Console.WriteLine(path);
            written++;
        }

        if (written == 0)
        {
            Console.Error.WriteLine($"No CSV reports with two or more sizes in {resultsDirectory}.");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Time relative to JAX per case, log scale, from a saved <c>--peers</c> run beside peers.py (the pinned section, and
    /// the naive C# lines): one group of bars per case, below 1 where a tool is faster than JAX.
    /// </summary>
    public static int WritePeers(string runFile, string outputPath)
    {
        var line = new System.Text.RegularExpressions.Regex(@"^(\S+) (.+?)(?: f_us=\S+)? (?:grad|vjp)_us=(\S+)$");
        var times = new System.Collections.Generic.Dictionary<(string Tool, string Case), double>();
        var cases = new System.Collections.Generic.List<string>();
        string section = string.Empty;
        foreach (var text in File.ReadLines(runFile))
        {
            if (text.StartsWith("## ", StringComparison.Ordinal))
            {
                section = text.Substring(3);
                continue;
            }

            var match = line.Match(text);
            if (text.StartsWith("#", StringComparison.Ordinal) || !match.Success || !(section == "pinned" || match.Groups[1].Value == "csharp"))
            {
                continue;
            }

            var (tool, name) = (match.Groups[1].Value, match.Groups[2].Value);
            times[(tool, name)] = double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
            if (tool == "generated")
            {
                cases.Add(name);
            }
        }

        var series = new[] { ("generated", "Differentiable (generated)"), ("torch", "PyTorch eager"), ("csharp", "naive C# by hand") };
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new System.Collections.Generic.List<ScottPlot.Tick>();
        for (int s = 0; s < series.Length; s++)
        {
            var bars = new System.Collections.Generic.List<ScottPlot.Bar>();
            for (int c = 0; c < cases.Count; c++)
            {
                if (times.TryGetValue((series[s].Item1, cases[c]), out double time) && times.TryGetValue(("jax", cases[c]), out double jax))
                {
                    bars.Add(new ScottPlot.Bar { Position = (c * (series.Length + 1)) + s, Value = Math.Log10(time / jax), FillColor = palette.GetColor(s) });
                }
            }

            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[s].Item2;
            plotted.Color = palette.GetColor(s);
        }

        for (int c = 0; c < cases.Count; c++)
        {
            ticks.Add(new ScottPlot.Tick((c * (series.Length + 1)) + 1, cases[c].Replace(" ", "\n", StringComparison.Ordinal)));
        }

        plot.Add.HorizontalLine(0, 2, ScottPlot.Colors.Black);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Left.TickGenerator = LogTicks();
        plot.Title("Time per gradient ÷ JAX's, one core each (below 1: faster than JAX)");
        plot.YLabel("time ÷ JAX time (log scale)");
        plot.ShowLegend(ScottPlot.Edge.Right);
        plot.SavePng(outputPath, 1300, 600);
        Console.WriteLine(outputPath);
        return 0;
    }

    /// <summary>Ticks at powers of ten (the data are log10 values), labelled with the value itself.</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v).ToString("#,0.#####", CultureInfo.InvariantCulture),
    };
}
