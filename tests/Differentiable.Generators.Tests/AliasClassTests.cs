using Differentiable.Generators.Tests.Infrastructure;

namespace Differentiable.Generators.Tests;

/// <summary>The alias classes the array passes ask about: which names may share storage.</summary>
public class AliasClassTests
{
    private const string Source = """
        using System;
        using Differentiable;

        public static partial class Model
        {
            [Differentiate(nameof(W))]
            public static double Logits(double[,] X, double[,] W)
            {
                int n = X.GetLength(0);
                int d = X.GetLength(1);
                int k = W.GetLength(0);
                double[] z = new double[k];
                double loss = 0.0;
                for (int s = 0; s < n; s++)
                {
                    for (int c = 0; c < k; c++)
                    {
                        double a = 0.0;
                        for (int j = 0; j < d; j++)
                        {
                            a += W[c, j] * X[s, j];
                        }

                        z[c] = a;
                    }

                    double sum = 0.0;
                    for (int c = 0; c < k; c++)
                    {
                        sum += Math.Exp(z[c]);
                    }

                    loss += Math.Log(sum) - z[s % k];
                }

                return loss / n;
            }
        }
        """;

    [Fact]
    public void AnElementStoreOfALocalDoesNotPutTheLocalInTheArraysClass()
    {
        // z[c] = a once joined a to z's class, so the store's value seemed to read z, and z was saved on the tape in
        // every iteration instead of in bulk around the loop.
        var run = GeneratorHarness.Run(Source);
        run.AssertClean();
        var text = run.Section("Model.Logits");
        Assert.Contains("// saved in bulk: the elements of z that the loop over c overwrites, one per iteration", text);
        Assert.DoesNotContain("tape.Push(z[c]);", text);
    }
}
