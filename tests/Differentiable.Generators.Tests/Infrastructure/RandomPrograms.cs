using System;
using System.Reflection;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>
/// What the random-program tests share: their environment variables (DIFFERENTIABLE_PROGRAMS_SEED to replay a failure,
/// DIFFERENTIABLE_PROGRAMS for the count, DIFFERENTIABLE_PROGRAMS_DUMP for a post-mortem), compiling and loading the
/// programs, calling them, and central differences that say where they cannot be trusted.
/// </summary>
internal static class RandomPrograms
{
    public static int Seed(int defaultSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS_SEED"), out var seed) ? seed : defaultSeed;

    public static int Count(int defaultCount) =>
        int.TryParse(Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS"), out var count) ? count : defaultCount;

    /// <summary>
    /// Runs the generator over the programs, checks it is clean, and loads class <c>Programs</c> optimized. With
    /// DIFFERENTIABLE_PROGRAMS_DUMP=&lt;dir&gt;, writes the programs and every generated file there first.
    /// </summary>
    public static Type Compile(string source) => Load(Run(source));

    /// <summary>The run of the generator over the programs, written to DIFFERENTIABLE_PROGRAMS_DUMP when it is set.</summary>
    public static GeneratorRun Run(string source)
    {
        var run = GeneratorHarness.Run(source);
        if (Environment.GetEnvironmentVariable("DIFFERENTIABLE_PROGRAMS_DUMP") is { Length: > 0 } dump)
        {
            System.IO.Directory.CreateDirectory(dump);
            System.IO.File.WriteAllText(System.IO.Path.Combine(dump, "Programs.cs"), source);
            foreach (var file in run.Sources)
            {
                System.IO.File.WriteAllText(System.IO.Path.Combine(dump, file.HintName), file.SourceText.ToString());
            }
        }

        return run;
    }

    /// <summary>Checks the run is clean and loads class <c>Programs</c> from it, optimized.</summary>
    public static Type Load(GeneratorRun run)
    {
        run.AssertClean();
        return run.Load(optimized: true).GetType("Programs")!;
    }

    /// <summary>Calls the overload with as many parameters as arguments; an exception it throws comes out unwrapped.</summary>
    public static object Invoke(Type programs, string name, params object[] arguments)
    {
        var method = System.Linq.Enumerable.Single(programs.GetMethods(), m => m.Name == name && m.GetParameters().Length == arguments.Length);
        try
        {
            return method.Invoke(null, arguments)!;
        }
        catch (TargetInvocationException exception) when (exception.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(inner).Throw();
            throw;
        }
    }

    /// <summary>
    /// Central differences at two steps: null where they disagree (a kink, a branch switching, or rounding swamping the
    /// step), or where a one-sided difference disagrees with them (a branch on values equal but for rounding, x + y − y
    /// against y, taken one way at the point and the other at both shifts), else the finer one.
    /// </summary>
    public static double? Central(Func<double, double> at, double step)
    {
        var (plus, minus, here) = (at(step), at(-step), at(0));
        var coarse = (plus - minus) / (2 * step);
        var fine = (at(step / 2) - at(-step / 2)) / step;
        var (forward, backward) = ((plus - here) / step, (here - minus) / step);
        var agree = Math.Abs(coarse - fine) <= 1e-6 * (1.0 + Math.Abs(fine))
            && Math.Abs(forward - fine) <= 1e-2 * (1.0 + Math.Abs(fine))
            && Math.Abs(backward - fine) <= 1e-2 * (1.0 + Math.Abs(fine));
        return double.IsFinite(coarse) && double.IsFinite(fine) && agree ? fine : null;
    }
}
