using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Differentiable.Benchmarks;

/// <summary>
/// The C# source of a synthetic project for <see cref="GeneratorBenchmarks"/>: <see cref="Classes"/> partial classes, one
/// file each, with <see cref="MethodsPerClass"/> <c>[Differentiate]</c> methods per class drawn from ten templates (loops
/// over arrays, nested loops over <c>double[,]</c>, <c>if</c>/<c>else</c>, <c>Math</c> calls, local arrays,
/// <c>foreach</c>, <c>while</c> with <c>break</c>, calls to other methods and to a helper without <c>[Differentiate]</c>,
/// a few array-valued methods and a few with <c>Hessian = true</c>), with names and constants varied per method. Each
/// class also has one member without <c>[Differentiate]</c> (<c>Tag</c>), the target of the unrelated edit.
/// </summary>
internal static class SyntheticProject
{
    /// <summary>Classes, and files.</summary>
    public const int Classes = 50;

    /// <summary><c>[Differentiate]</c> methods in each class.</summary>
    public const int MethodsPerClass = 10;

    /// <summary><c>[Differentiate]</c> methods in the project.</summary>
    public const int Methods = Classes * MethodsPerClass;

    /// <summary>The class whose file the incremental edits change (one in the middle).</summary>
    public const int EditedClass = 25;

    /// <summary>The template of the method the incremental edit changes: <c>Huber</c>, which no other method calls.</summary>
    public const int EditedTemplate = 2;

    /// <summary>The file name of a class.</summary>
    public static string Path(int c) => $"Model{c:00}.cs";

    /// <summary>
    /// The file of class <paramref name="c"/>. <paramref name="editMethod"/> changes one constant in the body of that
    /// class's <see cref="EditedTemplate"/> method; <paramref name="editTag"/> changes the body of
    /// <c>Tag</c>, which has no <c>[Differentiate]</c>. <paramref name="editBy"/> is what the method edit adds to the
    /// constant, <paramref name="tagBy"/> what the tag edit adds to <c>Tag</c>'s (two edits of each kind that differ from
    /// each other, for runs that alternate between them).
    /// </summary>
    public static string Source(int c, bool editMethod = false, bool editTag = false, double editBy = 1.0, int tagBy = 1000)
    {
        var s = new StringBuilder();
        s.Append("using System;\nusing Differentiable;\n\nnamespace Synthetic;\n\n");
        s.Append(CultureInfo.InvariantCulture, $"public static partial class Model{c:00}\n{{\n");
        s.Append(CultureInfo.InvariantCulture, $"    public static int Tag(int k) => k + {(editTag ? c + tagBy : c)};\n");
        for (int t = 0; t < MethodsPerClass; t++)
        {
            s.Append('\n');
            s.Append(Method(c, t, editMethod && t == EditedTemplate ? editBy : 0.0));
        }

        s.Append(CultureInfo.InvariantCulture, $$"""

                private static double Smooth{{c}}(double t)
                {
                    double u = t * t;
                    return u / (1.0 + u) + Math.Sin({{K(c, 0, 3)}} * t);
                }
            }

            """);
        return s.ToString();
    }

    /// <summary>A constant that varies with the class, the template and a salt, always printed with a decimal point.</summary>
    private static string K(int c, int t, int salt, double offset = 0) =>
        (0.25 + ((c * 7 + t * 3 + salt * 5) % 11) * 0.125 + offset).ToString("0.0###", CultureInfo.InvariantCulture);

    private static string Method(int c, int t, double edit)
    {
        int k = c * MethodsPerClass + t;
        return t switch
        {
            0 => $$"""
                    [Differentiate]
                    public static double SumSq{{k}}(double[] x)
                    {
                        double s = 0.0;
                        for (int i = 0; i < x.Length; i++)
                        {
                            double d = x[i] - {{K(c, t, 1)}};
                            s += d * d * {{K(c, t, 2)}};
                        }

                        return s;
                    }

                """,
            1 => $$"""
                    [Differentiate(nameof(A))]
                    public static double Layer{{k}}(double[,] A, double[] x)
                    {
                        int n = A.GetLength(0);
                        int m = A.GetLength(1);
                        double s = 0.0;
                        for (int i = 0; i < n; i++)
                        {
                            double r = 0.0;
                            for (int j = 0; j < m; j++)
                            {
                                r += A[i, j] * x[j];
                            }

                            s += Math.Tanh(r + {{K(c, t, 1)}}) * {{K(c, t, 2)}};
                        }

                        return s;
                    }

                """,
            2 => $$"""
                    [Differentiate]
                    public static double Huber{{k}}(double[] r, double delta)
                    {
                        double s = 0.0;
                        for (int i = 0; i < r.Length; i++)
                        {
                            double a = Math.Abs(r[i]);
                            if (a <= delta)
                            {
                                s += 0.5 * r[i] * r[i];
                            }
                            else
                            {
                                s += delta * (a - 0.5 * delta);
                            }
                        }

                        return s * {{K(c, t, 1, edit)}};
                    }

                """,
            3 => $$"""
                    [Differentiate]
                    public static double Wave{{k}}(double x, double y)
                    {
                        double a = Math.Sin({{K(c, t, 1)}} * x) * Math.Cos(y);
                        double b = Math.Exp(-x * x / {{K(c, t, 2)}}) + Math.Log(1.0 + y * y);
                        return a * b + Math.Sqrt(x * x + y * y + 1.0) + Math.Atan2(y, x + {{K(c, t, 3)}});
                    }

                """,
            4 => $$"""
                    [Differentiate]
                    public static double LogSumExp{{k}}(double[] z)
                    {
                        int n = z.Length;
                        double m = z[0];
                        for (int i = 1; i < n; i++)
                        {
                            m = Math.Max(m, z[i]);
                        }

                        double[] e = new double[n];
                        double s = 0.0;
                        for (int i = 0; i < n; i++)
                        {
                            e[i] = Math.Exp(z[i] - m);
                            s += e[i];
                        }

                        double r = 0.0;
                        for (int i = 0; i < n; i++)
                        {
                            r += e[i] / s * {{K(c, t, 1)}};
                        }

                        return m + Math.Log(s) + r;
                    }

                """,
            5 => $$"""
                    [Differentiate]
                    public static double Horner{{k}}(double[] a, double x)
                    {
                        double r = 0.0;
                        for (int i = a.Length - 1; i >= 0; i--)
                        {
                            r = r * x + a[i];
                        }

                        return r > 0.0 ? Math.Sqrt(r * r + {{K(c, t, 1)}}) : -r * {{K(c, t, 2)}};
                    }

                """,
            6 => $$"""
                    [Differentiate(nameof(w))]
                    public static double Ridge{{k}}(double[,] X, double[] y, double[] w, double lambda)
                    {
                        int n = X.GetLength(0);
                        double loss = 0.0;
                        for (int i = 0; i < n; i++)
                        {
                            double p = 0.0;
                            for (int j = 0; j < w.Length; j++)
                            {
                                p += X[i, j] * w[j];
                            }

                            double e = p - y[i];
                            loss += e * e;
                        }

                        double reg = 0.0;
                        foreach (double v in w)
                        {
                            reg += v * v;
                        }

                        return loss / n + lambda * reg * {{K(c, t, 1)}};
                    }

                """,
            7 => $$"""
                    [Differentiate]
                    public static double Combined{{k}}(double[] x, double y)
                    {
                        double a = SumSq{{k - 7}}(x) * {{K(c, t, 1)}};
                        double b = Wave{{k - 4}}(y, x[0]);
                        return a + b + Smooth{{c}}(y);
                    }

                """,
            8 => $$"""
                    [Differentiate]
                    public static double Series{{k}}(double x)
                    {
                        double term = 1.0;
                        double s = 0.0;
                        int n = 0;
                        while (n < {{20 + c % 5}})
                        {
                            s += term;
                            n++;
                            term = term * x / n;
                            if (Math.Abs(term) < 1e-12)
                            {
                                break;
                            }
                        }

                        return s * {{K(c, t, 1)}};
                    }

                """,
            _ => (c % 10) switch
            {
                0 => $$"""
                        [Differentiate]
                        public static double[] Dense{{k}}(double[,] W, double[] x)
                        {
                            int n = W.GetLength(0);
                            double[] y = new double[n];
                            for (int i = 0; i < n; i++)
                            {
                                double s = {{K(c, t, 1)}};
                                for (int j = 0; j < x.Length; j++)
                                {
                                    s += W[i, j] * x[j];
                                }

                                y[i] = Math.Tanh(s);
                            }

                            return y;
                        }

                    """,
                5 => $$"""
                        [Differentiate]
                        public static double[,] Outer{{k}}(double[] a, double[] b)
                        {
                            double[,] m = new double[a.Length, b.Length];
                            for (int i = 0; i < a.Length; i++)
                            {
                                for (int j = 0; j < b.Length; j++)
                                {
                                    m[i, j] = a[i] * b[j] * {{K(c, t, 1)}};
                                }
                            }

                            return m;
                        }

                    """,
                1 or 6 => $$"""
                        [Differentiate(Hessian = true)]
                        public static double Rosenbrock{{k}}(double[] x)
                        {
                            double sum = 0.0;
                            for (int i = 0; i + 1 < x.Length; i++)
                            {
                                double a = x[i + 1] - x[i] * x[i];
                                double b = {{K(c, t, 1)}} - x[i];
                                sum += 100.0 * a * a + b * b;
                            }

                            return sum;
                        }

                    """,
                _ => $$"""
                        [Differentiate]
                        public static double Smoothstep{{k}}(double[] x, double width)
                        {
                            double s = 0.0;
                            for (int i = 0; i < x.Length; i++)
                            {
                                double u = x[i] / width;
                                double v = u < 0.0 ? 0.0 : u > 1.0 ? 1.0 : u * u * (3.0 - 2.0 * u);
                                s += Math.Pow(v, {{K(c, t, 1)}}) + Math.Cbrt(1.0 + x[i] * x[i]);
                            }

                            return s;
                        }

                    """,
            },
        };
    }

    /// <summary>Every file of the project: (path, text).</summary>
    public static IEnumerable<(string Path, string Text)> Files()
    {
        for (int c = 0; c < Classes; c++)
        {
            yield return (Path(c), Source(c));
        }
    }

    /// <summary>Throws unless <paramref name="edited"/> differs from <paramref name="original"/> in exactly one line.</summary>
    public static void CheckOneLineEdit(string what, string original, string edited)
    {
        string[] a = original.Split('\n'), b = edited.Split('\n');
        int changed = 0;
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            changed += a[i] == b[i] ? 0 : 1;
        }

        if (a.Length != b.Length || changed != 1)
        {
            throw new InvalidOperationException($"{what}: expected one changed line, got {changed} ({a.Length} → {b.Length} lines).");
        }
    }
}
