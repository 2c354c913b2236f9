using System.Globalization;
using System.IO;
using Differentiable;

namespace LinearLayer;

/// <summary>Draws a Jacobian's sparsity pattern as a grid of cells: one row per output, one column per input (vec order).</summary>
internal static class SparsityPlot
{
    public static void Write(Jacobian jacobian, double[] x, string path)
    {
        int rows = jacobian.Rows, columns = jacobian.Columns;
        int n = jacobian.InputShape.Rows;
        var plot = new ScottPlot.Plot();
        var dark = ScottPlot.Color.FromHex("#1f3b5c");
        var light = ScottPlot.Color.FromHex("#f4f4f4");
        var border = ScottPlot.Color.FromHex("#b0b0b0");

        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double entry = jacobian[r, c];
                double top = rows - r, bottom = top - 1; // row 0 at the top
                var cell = plot.Add.Rectangle(c, c + 1, bottom, top);
                cell.FillColor = entry != 0.0 ? dark : light;
                cell.LineColor = border;
                cell.LineWidth = 1;
                if (entry != 0.0)
                {
                    int q = c / n;
                    var label = plot.Add.Text($"x{Subscript(q)}\n{entry.ToString("0.##", CultureInfo.InvariantCulture)}", c + 0.5, bottom + 0.5);
                    label.LabelFontColor = ScottPlot.Colors.White;
                    label.LabelFontSize = 15;
                    label.LabelAlignment = ScottPlot.Alignment.MiddleCenter;
                }
            }
        }

        // Columns are vec(W): W[p, q] at p + q·n, so each block of n columns is one column q of W.
        for (int q = 1; q < columns / n; q++)
        {
            var separator = plot.Add.VerticalLine(q * n);
            separator.Color = ScottPlot.Colors.Black;
            separator.LineWidth = 2;
        }

        var bottomTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int c = 0; c < columns; c++)
        {
            bottomTicks.AddMajor(c + 0.5, $"W{Subscript(c % n)}{Subscript(c / n)}");
        }

        var leftTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int r = 0; r < rows; r++)
        {
            leftTicks.AddMajor(rows - r - 0.5, $"y{Subscript(r)}");
        }

        plot.Axes.Bottom.TickGenerator = bottomTicks;
        plot.Axes.Left.TickGenerator = leftTicks;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 16;
        plot.Axes.Left.TickLabelStyle.FontSize = 16;
        plot.Axes.SetLimits(0, columns, 0, rows);
        plot.Grid.IsVisible = false;
        plot.Title($"∂y/∂vec(W) for y = W·x, W {n}×{columns / n}: {rows}×{columns}, structure {jacobian.Structure} (x^T ⊗ I{Subscript(n)})");
        plot.XLabel("input: vec(W), column-major (W[p,q] at p + q·n)");
        plot.YLabel("output");

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        plot.SavePng(path, 1200, 420);
    }

    private static string Subscript(int value)
    {
        var digits = value.ToString(CultureInfo.InvariantCulture).ToCharArray();
        for (int k = 0; k < digits.Length; k++)
        {
            digits[k] = (char)('₀' + (digits[k] - '0'));
        }

        return new string(digits);
    }
}
