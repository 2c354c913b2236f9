namespace Differentiable.Tests.Gradients;

/// <summary>
/// Two additions into "the same" element that must not merge into one: the array is rebound between them, or the index
/// reads an element written between them. (Found in review of the merging pass; each gave a wrong value.)
/// </summary>
public static partial class MergedAdditionFunctions
{
    [Differentiate]
    public static double Rebound(double[] x)
    {
        double[] a = new double[1];
        double[] b = new double[1];
        a[0] += x[0];
        a = b;
        a[0] += x[1] * x[1];
        return a[0] + 3.0 * x[0];
    }

    [Differentiate]
    public static double[] ReboundEachStep(double[] x)
    {
        double[] a = new double[x.Length];
        double[] b = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            a[i] += x[i];
            a = b;
            a[i] += 2.0 * x[i] * x[i];
        }

        return a;
    }

    [Differentiate]
    public static double IndexMovesBetween(double[] x)
    {
        int[] k = new int[1];
        double[] c = new double[2];
        c[k[0]] += x[0];
        k[0] = 1;
        c[k[0]] += x[0] * x[0];
        return c[0] + 10.0 * c[1];
    }
}
