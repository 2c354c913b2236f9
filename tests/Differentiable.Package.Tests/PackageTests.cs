using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace Differentiable.Package.Tests;

/// <summary>
/// The only test of what users install: pack the one package into a temporary feed, then build and run a fresh
/// project that references it from that feed alone (with its own empty package cache), and check its gradient.
/// </summary>
public sealed class PackageTests
{
    private const string Consumer = """
        using System;
        using Differentiable;

        var (value, dx, dy) = Model.FGradient(1.5, -0.5);
        Console.WriteLine(FormattableString.Invariant($"{value:R} {dx:R} {dy:R}"));

        public static partial class Model
        {
            [Differentiate]
            public static double F(double x, double y) => Math.Sin(x) * y + x * x;
        }
        """;

    [Fact]
    public void PackedPackageDifferentiatesInAFreshProject()
    {
        var work = Directory.CreateTempSubdirectory("differentiable-package-");
        try
        {
            var feed = Directory.CreateDirectory(Path.Combine(work.FullName, "feed")).FullName;
            // The pack uses the machine's own package cache: an isolated one would be written into src/Differentiable/obj
            // and leave later builds of the repository pointing at a deleted folder.
            Run(RepositoryRoot(), "dotnet", $"pack src/Differentiable -c Release -o \"{feed}\"", packages: null);
            var package = Directory.GetFiles(feed, "Differentiable.*.nupkg").Single(p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
            using (var zip = ZipFile.OpenRead(package))
            {
                var entries = zip.Entries.Select(e => e.FullName).ToList();
                Assert.Contains("analyzers/dotnet/cs/Differentiable.Generators.dll", entries);
                Assert.Contains("analyzers/dotnet/cs/Differentiable.CodeFixes.dll", entries);
                Assert.Contains("lib/netstandard2.0/Differentiable.dll", entries);
                Assert.Contains("lib/net8.0/Differentiable.dll", entries);

                // net8.0 and later depend on System.Numerics.Tensors (the exp and log maps); the feed gets its package
                // from the machine's cache, as a user's restore gets it from nuget.org.
                var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
                var net8 = nuspec.Descendants().Where(e => e.Name.LocalName == "group" && (string?)e.Attribute("targetFramework") == "net8.0").Single();
                var dependencies = net8.Elements().Where(e => e.Name.LocalName == "dependency").Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!)).ToList();
                Assert.Equal(new[] { "System.Numerics.Tensors" }, dependencies.Select(d => d.Item1));
                foreach (var (id, dependencyVersion) in dependencies)
                {
                    var lower = id.ToLowerInvariant();
                    File.Copy(Path.Combine(GlobalPackages(), lower, dependencyVersion, $"{lower}.{dependencyVersion}.nupkg"), Path.Combine(feed, $"{lower}.{dependencyVersion}.nupkg"));
                }
            }

            var version = Path.GetFileNameWithoutExtension(package).Substring("Differentiable.".Length);
            var app = Directory.CreateDirectory(Path.Combine(work.FullName, "app")).FullName;
            File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Differentiable" Version="{version}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(app, "Program.cs"), Consumer);

            var output = Run(app, "dotnet", "run", packages: Path.Combine(work.FullName, "packages")).Trim().Split('\n').Last().Split(' ');
            var (x, y) = (1.5, -0.5);
            Assert.Equal(Math.Sin(x) * y + x * x, double.Parse(output[0], CultureInfo.InvariantCulture), tolerance: 1e-12);
            Assert.Equal(Math.Cos(x) * y + 2 * x, double.Parse(output[1], CultureInfo.InvariantCulture), tolerance: 1e-12);
            Assert.Equal(Math.Sin(x), double.Parse(output[2], CultureInfo.InvariantCulture), tolerance: 1e-12);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A build server may still hold a file; the temporary folder is cleaned by the OS.
            }
        }
    }

    private static string Run(string directory, string command, string arguments, string? packages)
    {
        var start = new ProcessStartInfo(command, arguments + " -nodeReuse:false")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (packages is not null)
        {
            start.Environment["NUGET_PACKAGES"] = packages;
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"{command} {arguments} timed out");
        Assert.True(process.ExitCode == 0, $"{command} {arguments} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>The machine's NuGet package cache, where the pack's restore put the dependencies.</summary>
    private static string GlobalPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static string RepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "Generators.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("Generators.sln not found above the test's folder");
        }

        return directory;
    }
}
