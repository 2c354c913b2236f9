using System;
using Differentiable;

// Logistic regression on a tiny fixed data set: two features, twelve points, labels 0/1 (not linearly separable).
double[,] X =
{
    { 0.5, 1.2 }, { 1.0, 0.8 }, { 1.5, 1.9 }, { 2.0, 1.1 }, { 2.5, 2.4 }, { 3.0, 2.9 },
    { -0.5, -0.3 }, { -1.0, 0.4 }, { -1.5, -1.2 }, { 0.2, -0.8 }, { -0.8, -1.5 }, { 1.2, 0.1 },
};
double[] y = { 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0 };

double[] w = { 0.3, -0.2 };
double worstRelativeError = 0;
double b = 0.1;

// 1. Value and gradient from the generated allocating overload.
var (loss, dw, db) = Model.LossGradient(X, y, w, b);
Console.WriteLine($"Loss at w = ({w[0]}, {w[1]}), b = {b}: {loss:F6}");
Console.WriteLine();
Console.WriteLine("Generated gradient vs central finite differences:");
for (int j = 0; j < w.Length; j++)
{
    double fd = CentralDifference(h => { double saved = w[j]; w[j] += h; double f = Model.Loss(X, y, w, b); w[j] = saved; return f; });
    Report($"dL/dw[{j}]", dw[j], fd);
}

Report("dL/db   ", db, CentralDifference(h => Model.Loss(X, y, w, b + h)));
Console.WriteLine();

// 2. Gradient descent with the allocation-free overload: the caller owns the gradient buffer.
const int Steps = 200;
const double LearningRate = 0.1;
var gradient = new double[w.Length];
var losses = new double[Steps + 1];
long bytesBefore = GC.GetAllocatedBytesForCurrentThread();
for (int step = 0; step <= Steps; step++)
{
    losses[step] = Model.LossGradient(X, y, w, b, gradient, out double gradientB);
    if (step == Steps)
    {
        break;
    }

    for (int j = 0; j < w.Length; j++)
    {
        w[j] -= LearningRate * gradient[j];
    }

    b -= LearningRate * gradientB;
}

long bytes = GC.GetAllocatedBytesForCurrentThread() - bytesBefore;
Console.WriteLine($"Gradient descent, learning rate {LearningRate}:");
for (int step = 0; step <= Steps; step += 50)
{
    Console.WriteLine($"  step {step,3}   loss {losses[step]:F6}");
}

int correct = 0;
for (int i = 0; i < y.Length; i++)
{
    double z = b + w[0] * X[i, 0] + w[1] * X[i, 1];
    correct += (z > 0) == (y[i] > 0.5) ? 1 : 0;
}

Console.WriteLine($"Final w = ({w[0]:F4}, {w[1]:F4}), b = {b:F4}; training accuracy {correct}/{y.Length}");
Console.WriteLine($"Bytes allocated by {Steps + 1} gradient evaluations: {bytes}");

// Exit non-zero if the generated gradient disagreed with finite differences (CI runs every sample).
return worstRelativeError < 1e-6 ? 0 : 1;

static double CentralDifference(Func<double, double> f)
{
    const double h = 1e-6;
    return (f(h) - f(-h)) / (2 * h);
}

void Report(string name, double generated, double finiteDifference)
{
    double relativeError = Math.Abs(generated - finiteDifference) / Math.Max(1e-12, Math.Abs(finiteDifference));
    worstRelativeError = Math.Max(worstRelativeError, relativeError);
    Console.WriteLine($"  {name} = {generated,10:F6}   fd = {finiteDifference,10:F6}   rel. error {relativeError:E1}");
}

internal static partial class Model
{
    /// <summary>
    /// Mean logistic loss plus a small L2 penalty. Only <paramref name="w"/> and <paramref name="b"/> are differentiated:
    /// the data <paramref name="X"/> and <paramref name="y"/> pass through. The generator emits
    /// <c>LossGradient(X, y, w, b)</c> → (Value, dw, db), <c>LossGradient(X, y, w, b, dw, out db)</c> and <c>LossJvp</c>.
    /// </summary>
    [Differentiate(nameof(w), nameof(b))]
    public static double Loss(double[,] X, double[] y, double[] w, double b)
    {
        int n = X.GetLength(0);
        int d = X.GetLength(1);
        double total = 0.0;
        for (int i = 0; i < n; i++)
        {
            double z = b;
            for (int j = 0; j < d; j++)
            {
                z += X[i, j] * w[j];
            }

            // −[y log σ(z) + (1 − y) log(1 − σ(z))] = log(1 + eᶻ) − y·z
            total += Math.Log(1.0 + Math.Exp(z)) - y[i] * z;
        }

        double penalty = 0.0;
        for (int j = 0; j < d; j++)
        {
            penalty += w[j] * w[j];
        }

        return total / n + 0.005 * penalty;
    }
}
