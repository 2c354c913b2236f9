using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace Differentiable.Generators.Tests.Infrastructure;

/// <summary>
/// Snapshot assertions with Verify's conventions, so a later swap to Verify.SourceGenerators is a package change:
/// the accepted text lives in <c>Snapshots/{Class}.{Test}#{HintName}.verified.cs</c> next to the test; a mismatch
/// writes <c>.received.cs</c> beside it and fails. Accept deliberately by reading the diff and renaming the
/// received file to verified (or run once with <c>DIFFERENTIABLE_ACCEPT_SNAPSHOTS=1</c>).
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string hintName, [CallerFilePath] string testFile = "", [CallerMemberName] string test = "")
    {
        if (Check(actual, hintName, testFile, test) is { } failure)
        {
            Assert.Fail(failure);
        }
    }

    /// <summary>
    /// The test file's real path. A CI build (ContinuousIntegrationBuild) maps source paths to "/_/" for determinism,
    /// so [CallerFilePath] no longer names a file on disk: map it back to the repository root.
    /// </summary>
    private static string SourcePath(string callerFilePath)
    {
        if (File.Exists(callerFilePath))
        {
            return callerFilePath;
        }

        var normalized = callerFilePath.Replace('\\', '/');
        const string mapped = "/_/";
        var relative = normalized.StartsWith(mapped, StringComparison.Ordinal) ? normalized.Substring(mapped.Length) : normalized.TrimStart('/');
        return Path.Combine(DiagnosticTests.RepositoryRoot(), relative);
    }

    /// <summary>Compares one file; on mismatch writes the received file and returns why, so several files can be checked before failing.</summary>
    public static string? Check(string actual, string hintName, string testFile, string test)
    {
        var directory = Path.Combine(Path.GetDirectoryName(SourcePath(testFile))!, "Snapshots");
        var name = $"{Path.GetFileNameWithoutExtension(testFile)}.{test}#{hintName}";
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");

        if (File.Exists(verified) && File.ReadAllText(verified).Replace("\r\n", "\n") == actual)
        {
            File.Delete(received);
            return null;
        }

        Directory.CreateDirectory(directory);
        if (Environment.GetEnvironmentVariable("DIFFERENTIABLE_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            return null;
        }

        File.WriteAllText(received, actual);
        return (File.Exists(verified)
            ? $"Generated code differs from the snapshot. Compare {received} with {verified}; if the change is intended, accept it by replacing the verified file."
            : $"No snapshot yet. Read {received}; if it is right, accept it by renaming it to {Path.GetFileName(verified)}.");
    }
}
