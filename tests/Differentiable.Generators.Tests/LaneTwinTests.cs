using System.IO;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// The runtime tests compare <c>LaneFunctions.Logistic</c>, whose iterations run by vectors of rows, bit for bit with
/// its twin <c>LogisticScalar</c>; that comparison means something only while the twin's iterations stay scalar and the
/// original's do not. The functions are read from the runtime tests' source, so the two cannot drift apart.
/// </summary>
public sealed class LaneTwinTests
{
    private static string LaneFunctionsSource() =>
        File.ReadAllText(Path.Combine(DiagnosticTests.RepositoryRoot(), "tests", "Differentiable.Tests", "Vectorization", "LaneFunctions.cs"));

    [Fact]
    public void LogisticRunsByLanesAndItsTwinOneRowAtATime()
    {
        var run = GeneratorHarness.Run(LaneFunctionsSource());
        run.AssertClean();
        // Both run the blocks' rounds of call arguments by lanes; only the original runs its iterations so.
        const string Lanes = "// lanes: the iterations run by vectors";
        int Count(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
        var original = run.Section("LaneFunctions.Logistic");
        var twin = run.Section("LaneFunctions.LogisticScalar");
        Assert.Contains("blocked: the loop over i runs in blocks of rows", twin);
        Assert.Contains("for (int i = blockLow; i < blockLow + blockSize; i++)", twin);
        Assert.Contains("row = i;", twin);
        // Each companion (gradient, tangent) has one iteration loop, the row copied in it.
        Assert.Equal(Count(twin, Lanes) + Count(twin, "row = i;"), Count(original, Lanes));

        // The pair energy's inner iterations read point i at one place for every row and add into its gathered adjoint.
        var pairs = run.Section("LaneFunctions.PairEnergy");
        var pairsTwin = run.Section("LaneFunctions.PairEnergyScalar");
        Assert.Contains("gathered: the loop's additions into dpy[i], dpx[i]", pairs);
        Assert.Contains("pxLanes = new global::System.Numerics.Vector<double>(px[i]);", pairs);
        Assert.Contains("dpx_i -= dpx_iTerms[lane];", pairs);
        Assert.Contains("row = j;", pairsTwin);
        Assert.Equal(Count(pairsTwin, Lanes) + Count(pairsTwin, "row = j;"), Count(pairs, Lanes));
    }
}
