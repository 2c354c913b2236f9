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

    /// <summary>Ticks at powers of ten (the data are log10 values), labelled with the value itself.</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v).ToString("#,0.#####", CultureInfo.InvariantCulture),
    };
}
