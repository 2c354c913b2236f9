using System;

namespace Differentiable.Tests.Vectorization;

/// <summary>
/// Methods whose blocked loops run their iterations by vectors of rows (<c>LaneIterations</c>). <see cref="Logistic"/>
/// has a twin, <see cref="LogisticScalar"/>, that differs only in copying the row index into an int, a statement the
/// lanes refuse: both companions are otherwise the same code, so they must agree bit for bit.
/// </summary>
public static partial class LaneFunctions
{
    /// <summary>Mean cross-entropy of σ(Xw + b): the fused loop's iteration is the lanes' (private, reset and summed doubles).</summary>
    [Differentiate(nameof(w), nameof(b))]
    public static double Logistic(double[,] X, double[] y, double[] w, double b)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        double loss = 0.0;
        for (int i = 0; i < n; i++)
        {
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += X[i, j] * w[j];
            }

            double p = 1.0 / (1.0 + Math.Exp(-z));
            loss -= y[i] * Math.Log(p) + (1.0 - y[i]) * Math.Log(1.0 - p);
        }

        return loss / n;
    }

    /// <summary><see cref="Logistic"/>, with an int copy of the row that keeps its iterations one by one.</summary>
    [Differentiate(nameof(w), nameof(b))]
    public static double LogisticScalar(double[,] X, double[] y, double[] w, double b)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        double loss = 0.0;
        int row = 0;
        for (int i = 0; i < n; i++)
        {
            row = i;
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += X[i, j] * w[j];
            }

            double p = 1.0 / (1.0 + Math.Exp(-z));
            loss -= y[i] * Math.Log(p) + (1.0 - y[i]) * Math.Log(1.0 - p);
        }

        return loss / n + 0.0 * row;
    }

    /// <summary>
    /// ½(v·tanh(Wx + c) − 1)², with respect to x and c: the reverse loop over the layer's rows runs downwards, storing
    /// and clearing adjoint elements at its row and adding ∂f/∂c up lane by lane.
    /// </summary>
    [Differentiate(nameof(x), nameof(c))]
    public static double Layer(double[,] W, double[] x, double c, double[] v)
    {
        int m = W.GetLength(0);
        int n = W.GetLength(1);
        double[] h = new double[m];
        for (int j = 0; j < m; j++)
        {
            double a = c;
            for (int i = 0; i < n; i++)
            {
                a += W[j, i] * x[i];
            }

            h[j] = Math.Tanh(a);
        }

        double o = 0.0;
        for (int j = 0; j < m; j++)
        {
            o += v[j] * h[j];
        }

        return 0.5 * (o - 1.0) * (o - 1.0);
    }

    /// <summary>
    /// Σ eˣ·x / (1 + x²) + 1 / |−2|, the last term an int division (0): the lanes must not compute it in double (0.5),
    /// nor may a shared call's double local (found by an audit: the value was 48.9 against 140.9 at n = 200).
    /// </summary>
    [Differentiate(nameof(x))]
    public static double IntegerDivision(double[] x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Exp(x[i]) * x[i] / (1.0 + x[i] * x[i]) + (1 / Math.Abs(-2));
        }

        return s;
    }

    /// <summary>
    /// (Σ eˣ + c·x²)·(Σ x³): the first loop's reverse adds three terms into dx[i], which the last pass merges; the lanes
    /// must add them as the merged rows do.
    /// </summary>
    [Differentiate(nameof(x))]
    public static double MergedTerms(double[] x, double c)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Exp(x[i]) + c * x[i] * x[i];
        }

        double t = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            t += x[i] * x[i] * x[i];
        }

        return s * t;
    }

    /// <summary><see cref="MergedTerms"/> with an int factor of 1 in the first loop, which keeps its reverse one row at a time.</summary>
    [Differentiate(nameof(x))]
    public static double MergedTermsScalar(double[] x, double c, int one)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Exp(x[i]) * one + c * x[i] * x[i];
        }

        double t = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            t += x[i] * x[i] * x[i];
        }

        return s * t;
    }

    /// <summary>
    /// Σ over pairs i &lt; j of e^(−r)/r, r the distance of points i and j: the inner loop's iterations run by lanes,
    /// reading point i at one place for every row and adding into its adjoint through a sum gathered before blocking.
    /// </summary>
    [Differentiate]
    public static double PairEnergy(double[] px, double[] py)
    {
        double energy = 0.0;
        for (int i = 0; i < px.Length; i++)
        {
            for (int j = i + 1; j < px.Length; j++)
            {
                double dx = px[j] - px[i];
                double dy = py[j] - py[i];
                double r = Math.Sqrt(dx * dx + dy * dy);
                energy += Math.Exp(-r) / r;
            }
        }

        return energy;
    }

    /// <summary><see cref="PairEnergy"/>, with an int copy of j that keeps its inner iterations one by one.</summary>
    [Differentiate]
    public static double PairEnergyScalar(double[] px, double[] py)
    {
        double energy = 0.0;
        int row = 0;
        for (int i = 0; i < px.Length; i++)
        {
            for (int j = i + 1; j < px.Length; j++)
            {
                row = j;
                double dx = px[j] - px[i];
                double dy = py[j] - py[i];
                double r = Math.Sqrt(dx * dx + dy * dy);
                energy += Math.Exp(-r) / r;
            }
        }

        return energy + 0.0 * row;
    }

    /// <summary>
    /// Σⱼ e^(−√(xⱼ² + t/n)) + e^(10⁻³·d²), t = j + 1 an int copied into a double and d = (float)j + 0.1f widened: a block
    /// writes the exp's arguments out from the iteration's start, where t / n must stay a division of doubles and d·d a
    /// product of doubles (found by a review: t was written out as j, and j / n divided ints).
    /// </summary>
    [Differentiate]
    public static double WidenedLocals(double[] x)
    {
        double s = 0.0;
        int n = x.Length;
        for (int j = 0; j < n; j++)
        {
            double t = j + 1;
            float f = (float)j + 0.1f;
            double d = f;
            double r = Math.Sqrt((x[j] * x[j]) + (t / n));
            s += Math.Exp(-r) + Math.Exp(d * d * 1e-3);
        }

        return s;
    }

    /// <summary><see cref="WidenedLocals"/> with the kernels off: the loop as written.</summary>
    [Differentiate(Vectorize = false)]
    public static double WidenedLocalsExact(double[] x)
    {
        double s = 0.0;
        int n = x.Length;
        for (int j = 0; j < n; j++)
        {
            double t = j + 1;
            float f = (float)j + 0.1f;
            double d = f;
            double r = Math.Sqrt((x[j] * x[j]) + (t / n));
            s += Math.Exp(-r) + Math.Exp(d * d * 1e-3);
        }

        return s;
    }

    /// <summary>
    /// Σ w·(tanh(1/(0.0·xᵢ)) − tanh(1/(−0.0·xᵢ))), 2w per positive xᵢ: the two calls differ only in the sign of a zero, so a
    /// block that matched them by value gave both one slot and returned 0 (found by a review).
    /// </summary>
    [Differentiate(nameof(w))]
    public static double SignedZeros(double[] x, double w)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            double a = 0.0;
            double b = -0.0;
            s += w * (Math.Tanh(1.0 / (a * x[i])) - Math.Tanh(1.0 / (b * x[i])));
        }

        return s;
    }

    /// <summary>The same zeros as literals, without the kernels: 2 + xᵢ² per positive xᵢ, which shared calls gave as xᵢ².</summary>
    [Differentiate(nameof(x), Hessian = true, Vectorize = false)]
    public static double SignedZeroLiterals(double[] x)
    {
        double s = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            s += Math.Tanh(1.0 / (0.0 * x[i])) - Math.Tanh(1.0 / (-0.0 * x[i])) + (x[i] * x[i]);
        }

        return s;
    }

    /// <summary>
    /// Σ e^(xᵢ·tᵢ₊₄) + (7 / (i − 3))·xᵢ², which divides by zero at row 3 and with t as long as x reads past t's end from
    /// row n − 4: blocked, the exp's arguments for every row were read before row 3 ran, and the companions threw
    /// IndexOutOfRangeException where the method throws DivideByZeroException (found by a review).
    /// </summary>
    [Differentiate(nameof(x), Hessian = true)]
    public static double DividesByZeroFirst(double[] x, double[] t)
    {
        double f = 0.0;
        for (int i = 0; i < x.Length; i++)
        {
            int q = 7 / (i - 3);
            f += Math.Exp(x[i] * t[i + 4]) + (q * x[i] * x[i]);
        }

        return f;
    }
}
