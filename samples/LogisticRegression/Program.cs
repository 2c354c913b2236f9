// Binary logistic regression trained by gradient descent with a gradient generated at compile time.
// Data: 200 points in the plane from two overlapping Gaussian clouds (fixed seed). The loss is Classifier.Loss;
// every step calls the allocation-free Classifier.LossGradient, which writes ∂L/∂w into a buffer we own.
using System;
using System.IO;
using LogisticRegression;

const int Points = 200, Features = 2, Steps = 300, ReportEvery = 25;
const double LearningRate = 0.2, Lambda = 0.01;

// 1. Data: class 1 around (1.5, 1.0), class 0 around (−1.0, −0.8), unit spread.
var random = new Random(20240601);
var X = new double[Points, Features];
var y = new double[Points];
for (int i = 0; i < Points; i++)
{
    y[i] = i % 2;
    double cx = y[i] == 1 ? 1.5 : -1.0, cy = y[i] == 1 ? 1.0 : -0.8;
    X[i, 0] = cx + Gaussian(random);
    X[i, 1] = cy + Gaussian(random);
}

var w = new double[] { -0.5, 0.3 };
double b = 0.2;
int failures = 0;

// 2. Check the generated gradient against central finite differences at the starting point.
var (loss0, dw0, db0) = Classifier.LossGradient(X, y, w, b, Lambda);
Console.WriteLine($"{Points} points, {Features} features; initial loss {loss0:F6}");
Console.WriteLine("Generated gradient vs central finite differences (h = 1e-6):");
for (int j = 0; j < Features; j++)
{
    double saved = w[j];
    w[j] = saved + 1e-6;
    double plus = Classifier.Loss(X, y, w, b, Lambda);
    w[j] = saved - 1e-6;
    double minus = Classifier.Loss(X, y, w, b, Lambda);
    w[j] = saved;
    failures += Compare($"∂L/∂w[{j}]", dw0[j], (plus - minus) / 2e-6);
}

failures += Compare("∂L/∂b   ", db0, (Classifier.Loss(X, y, w, b + 1e-6, Lambda) - Classifier.Loss(X, y, w, b - 1e-6, Lambda)) / 2e-6);

// Forward mode agrees with reverse mode: the JVP along t is ∇L·t.
double[] tw = { 0.3, -0.7 };
const double tb = 0.5;
var (_, directional) = Classifier.LossJvp(X, y, w, b, Lambda, tw, tb);
failures += Compare("∇L·t (JVP)", directional, dw0[0] * tw[0] + dw0[1] * tw[1] + db0 * tb);
Console.WriteLine();

// 3. Gradient descent with the allocation-free overload.
var gradient = new double[Features];
var losses = new double[Steps + 1];
Classifier.LossGradient(X, y, w, b, Lambda, gradient, out _); // warm-up: JIT, and the per-thread tape grows once
long before = GC.GetAllocatedBytesForCurrentThread();
for (int step = 0; step <= Steps; step++)
{
    losses[step] = Classifier.LossGradient(X, y, w, b, Lambda, gradient, out double gradientB);
    if (step == Steps)
    {
        break;
    }

    for (int j = 0; j < Features; j++)
    {
        w[j] -= LearningRate * gradient[j];
    }

    b -= LearningRate * gradientB;
}

long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
Console.WriteLine($"Gradient descent, learning rate {LearningRate}, λ = {Lambda}:");
for (int step = 0; step <= Steps; step += ReportEvery)
{
    Console.WriteLine($"  step {step,3}   loss {losses[step]:F6}");
}

int correct = 0;
for (int i = 0; i < Points; i++)
{
    double z = b + w[0] * X[i, 0] + w[1] * X[i, 1];
    correct += (z > 0) == (y[i] == 1) ? 1 : 0;
}

double accuracy = (double)correct / Points;
Console.WriteLine($"Final w = ({w[0]:F4}, {w[1]:F4}), b = {b:F4}; training accuracy {correct}/{Points} = {accuracy:P1}");
Console.WriteLine($"Bytes allocated by {Steps + 1} gradient evaluations: {allocated}");
Console.WriteLine($"Gradient norm at the end: {Math.Sqrt(gradient[0] * gradient[0] + gradient[1] * gradient[1]):E2}");

if (!(losses[Steps] < losses[0]))
{
    Console.WriteLine("CHECK FAILED: the loss did not decrease");
    failures++;
}

if (accuracy < 0.75)
{
    Console.WriteLine($"CHECK FAILED: training accuracy {accuracy:P1} is below 75%");
    failures++;
}

// 4. The loss curve.
string path = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "out", "loss.png"));
Directory.CreateDirectory(Path.GetDirectoryName(path)!);
var plot = new ScottPlot.Plot();
var steps = new double[Steps + 1];
for (int step = 0; step <= Steps; step++)
{
    steps[step] = step;
}

var line = plot.Add.Scatter(steps, losses);
line.MarkerSize = 0;
line.LineWidth = 2;
plot.Title($"Regularized logistic loss, gradient descent (learning rate {LearningRate}, λ = {Lambda}, {Points} points)");
plot.XLabel("step");
plot.YLabel("loss");
plot.SavePng(path, 900, 500);
Console.WriteLine($"Loss curve written to {path}");

Console.WriteLine(failures == 0 ? "All checks passed." : $"{failures} check(s) failed.");
return failures == 0 ? 0 : 1;

static double Gaussian(Random random)
{
    // Box–Muller.
    double u1 = 1.0 - random.NextDouble();
    double u2 = random.NextDouble();
    return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
}

static int Compare(string name, double generated, double reference)
{
    double relativeError = Math.Abs(generated - reference) / Math.Max(1e-12, Math.Abs(reference));
    bool ok = relativeError < 1e-6;
    Console.WriteLine($"  {name} = {generated,12:F8}   reference {reference,12:F8}   rel. error {relativeError:E1}{(ok ? string.Empty : "   FAILED")}");
    return ok ? 0 : 1;
}
