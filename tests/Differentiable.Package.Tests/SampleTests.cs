using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace Differentiable.Package.Tests;

/// <summary>
/// Every sample runs and passes its own check (each compares its generated derivatives with finite differences and
/// exits non-zero when they disagree). The solution build compiles them; a sample not built yet is built here.
/// </summary>
public sealed class SampleTests
{
    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (var directory in Directory.GetDirectories(Path.Combine(RepositoryRoot(), "samples")).OrderBy(d => d, StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(directory, Path.GetFileName(directory) + ".csproj")))
            {
                data.Add(Path.GetFileName(directory));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void SampleRunsAndPassesItsOwnCheck(string sample)
    {
        var directory = Path.Combine(RepositoryRoot(), "samples", sample);
        var assembly = Path.Combine(directory, "bin", "Debug", "net10.0", sample + ".dll");
        if (!File.Exists(assembly))
        {
            Run(directory, $"build -nodeReuse:false");
        }

        var output = Run(directory, $"\"{assembly}\"");
        Assert.False(string.IsNullOrWhiteSpace(output), $"{sample} printed nothing");
    }

    private static string Run(string directory, string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), $"dotnet {arguments} timed out");
        Assert.True(process.ExitCode == 0, $"dotnet {arguments} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private static string RepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Generators.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Generators.sln not found");
        }

        return directory;
    }
}
