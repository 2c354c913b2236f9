// A recurrent network trained by gradient descent with a gradient generated at compile time.
// Task: after reading a sequence of T inputs x_t ∈ R^d, the final state's first d components should hold the
// sequence's mean (scaled by ½), the rest zero. Backpropagation through time is the generated LossGradient.
using System;
using Rnn;

const int H = 6, D = 3, T = 10, Sequences = 32, Epochs = 600;
const double LearningRate = 0.05;
var random = new Random(7);
double Uniform(double scale) => (random.NextDouble() * 2 - 1) * scale;

var W = new double[H, H];
var U = new double[H, D];
var b = new double[H];
for (int i = 0; i < H; i++)
{
    for (int j = 0; j < H; j++) W[i, j] = Uniform(0.3);
    for (int k = 0; k < D; k++) U[i, k] = Uniform(0.3);
}

var inputs = new double[Sequences][,];
var targets = new double[Sequences][];
for (int n = 0; n < Sequences; n++)
{
    inputs[n] = new double[T, D];
    targets[n] = new double[H];
    for (int t = 0; t < T; t++)
        for (int k = 0; k < D; k++)
        {
            inputs[n][t, k] = Uniform(1);
            targets[n][k] += 0.5 * inputs[n][t, k] / T;
        }
}

var dW = new double[H, H];
var dU = new double[H, D];
var db = new double[H];
var gW = new double[H, H];
var gU = new double[H, D];
var gb = new double[H];
Console.WriteLine($"Training an RNN (h = {H}, d = {D}, T = {T}) on {Sequences} sequences by gradient descent:");
for (int epoch = 0; epoch <= Epochs; epoch++)
{
    Array.Clear(gW);
    Array.Clear(gU);
    Array.Clear(gb);
    double total = 0;
    for (int n = 0; n < Sequences; n++)
    {
        total += Recurrent.LossGradient(W, U, b, inputs[n], targets[n], dW, dU, db);
        Add(gW, dW);
        Add(gU, dU);
        for (int i = 0; i < H; i++) gb[i] += db[i];
    }

    if (epoch % 100 == 0)
        Console.WriteLine($"  epoch {epoch,3}: mean loss {total / Sequences:E3}");
    if (epoch == Epochs)
        break;
    Step(W, gW);
    Step(U, gU);
    for (int i = 0; i < H; i++) b[i] -= LearningRate * gb[i] / Sequences;
}

// Check the generated gradient against central finite differences on one sequence.
var (value, cW, cU, cb) = Recurrent.LossGradient(W, U, b, inputs[0], targets[0]);
double worst = 0;
const double Step0 = 1e-6;
for (int i = 0; i < H; i++)
    for (int j = 0; j < H; j++)
    {
        double saved = W[i, j];
        W[i, j] = saved + Step0;
        double plus = Recurrent.Loss(W, U, b, inputs[0], targets[0]);
        W[i, j] = saved - Step0;
        double minus = Recurrent.Loss(W, U, b, inputs[0], targets[0]);
        W[i, j] = saved;
        double fd = (plus - minus) / (2 * Step0);
        worst = Math.Max(worst, Math.Abs(fd - cW[i, j]) / Math.Max(1e-8, Math.Abs(fd) + Math.Abs(cW[i, j])));
    }

Console.WriteLine($"Finite-difference check of ∂L/∂W on one sequence: worst relative error {worst:E2} (loss {value:E3})");
return worst < 1e-5 ? 0 : 1;

void Add(double[,] into, double[,] from)
{
    for (int i = 0; i < into.GetLength(0); i++)
        for (int j = 0; j < into.GetLength(1); j++)
            into[i, j] += from[i, j];
}

void Step(double[,] parameter, double[,] gradient)
{
    for (int i = 0; i < parameter.GetLength(0); i++)
        for (int j = 0; j < parameter.GetLength(1); j++)
            parameter[i, j] -= LearningRate * gradient[i, j] / Sequences;
}
