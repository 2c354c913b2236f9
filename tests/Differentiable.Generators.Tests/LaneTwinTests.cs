using System.IO;
using System.Runtime.CompilerServices;
using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>
/// The runtime tests compare <c>LaneFunctions.Logistic</c>, whose iterations run by vectors of rows, bit for bit with
/// its twin <c>LogisticScalar</c>; that comparison means something only while the twin's iterations stay scalar and the
/// original's do not. The functions are read from the runtime tests' source, so the two cannot drift apart.
/// </summary>
public sealed class LaneTwinTests
{
    private static string LaneFunctionsSource([CallerFilePath] string thisFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "Differentiable.Tests", "Vectorization", "LaneFunctions.cs"));

    [Fact]
    public void LogisticRunsByLanesAndItsTwinOneRowAtATime()
    {
        var run = GeneratorHarness.Run(LaneFunctionsSource());
        run.AssertClean();
        const string Lanes = "// lanes: the iterations run by vectors";
        Assert.Contains(Lanes, run.Source("LaneFunctions.Logistic.g.cs"));
        Assert.DoesNotContain(Lanes, run.Source("LaneFunctions.LogisticScalar.g.cs"));
        Assert.Contains("blocked: the loop over i runs in blocks of rows", run.Source("LaneFunctions.LogisticScalar.g.cs"));
    }
}
