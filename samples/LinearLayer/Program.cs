// The derivative of a vector with respect to a matrix, for y = W·x with W of n × m:
//   (a) as a third-order tensor, ∂y_i/∂W_pq = δ_ip·x_q;
//   (b) vectorized (column-major), ∂y/∂vec(W) = xᵀ ⊗ Iₙ, an n × nm Kronecker product;
//   (c) inside backpropagation, where ȳ = ∂L/∂y is given: ∂L/∂W = ȳ·xᵀ and ∂L/∂x = Wᵀ·ȳ.
// Every number below comes from code the generator wrote at compile time (Layer.LinearJacobian, Layer.LinearVjp).
using System;
using System.Globalization;
using System.IO;
using Differentiable;
using LinearLayer;

const int N = 3, M = 4;
double[,] W =
{
    { 0.5, -1.0, 2.0, 0.25 },
    { 1.5, 0.0, -0.5, 1.0 },
    { -2.0, 0.75, 1.0, -1.25 },
};
double[] x = { 2.0, -1.0, 0.5, 3.0 };
int failures = 0;

var (y, dW, dx) = Layer.LinearJacobian(W, x);
Console.WriteLine($"y = W·x with W {N}×{M}, x = {Format(x)}");
Console.WriteLine($"y = {Format(y)}");
Console.WriteLine($"∂y/∂W: {dW}");
Console.WriteLine($"∂y/∂x: {dx}");
Console.WriteLine();

// (a) The third-order tensor, one n × m slice per output element: slice i holds ∂y_i/∂W_pq over p (rows) and q (columns).
Console.WriteLine("(a) ∂y_i/∂W_pq = δ_ip·x_q, read with dW.Partial(i, p, q): one slice per i, p down, q across");
for (int i = 0; i < N; i++)
{
    Console.WriteLine($"  i = {i}:");
    for (int p = 0; p < N; p++)
    {
        Console.Write("    ");
        for (int q = 0; q < M; q++)
        {
            double entry = dW.Partial(i, p, q);
            Console.Write($"{entry + 0.0,6:0.##}"); // + 0.0 prints −0 (δ·x for a negative x) as 0
            failures += Check(entry, i == p ? x[q] : 0.0, $"∂y_{i}/∂W_{p}{q}");
        }

        Console.WriteLine();
    }
}

Console.WriteLine();

// (b) The vec form: row i, column p + q·n (column-major vec of W). Compare with xᵀ ⊗ Iₙ built here from its definition.
double[,] dense = dW.ToDense();
double[,] expected = Kronecker(RowVector(x), Identity(N));
Console.WriteLine($"(b) dW.Structure = {dW.Structure}; dW.ToDense() is {dense.GetLength(0)}×{dense.GetLength(1)}, columns in vec(W) order (W[p,q] at p + q·{N})");
Console.WriteLine($"    {"dW.ToDense():",-48}      xᵀ ⊗ I₃ computed in this program:");
for (int r = 0; r < N; r++)
{
    Console.WriteLine($"    {Row(dense, r)}      {Row(expected, r)}");
}

for (int r = 0; r < N; r++)
{
    for (int c = 0; c < N * M; c++)
    {
        failures += Check(dense[r, c], expected[r, c], $"ToDense()[{r}, {c}]");
        failures += Check(dW[r, c], expected[r, c], $"dW[{r}, {c}]");
    }
}

failures += dW.Structure == JacobianStructure.Kronecker ? 0 : Fail($"expected a Kronecker structure, got {dW.Structure}");
double[,] denseX = dx.ToDense();
for (int r = 0; r < N; r++)
{
    for (int c = 0; c < M; c++)
    {
        failures += Check(denseX[r, c], W[r, c], $"∂y/∂x[{r}, {c}]");
    }
}

Console.WriteLine($"    ∂y/∂x is W itself ({dx.Structure}, {dx.Rows}×{dx.Columns}).");
Console.WriteLine();

// (c) Backpropagation: with a seed ȳ = ∂L/∂y, one reverse sweep gives ∂L/∂W = ȳ·xᵀ and ∂L/∂x = Wᵀ·ȳ, no Jacobian formed.
double[] seed = { 1.0, -2.0, 0.5 };
var gradW = new double[N, M];
var gradX = new double[M];
Layer.LinearVjp(W, x, seed, gradW, gradX);
Console.WriteLine($"(c) Layer.LinearVjp(W, x, ȳ, dW, dx) with ȳ = {Format(seed)}");
Console.WriteLine($"    {"∂L/∂W from the VJP:",-30} ȳ·xᵀ computed here:");
for (int p = 0; p < N; p++)
{
    var outer = new double[M];
    for (int q = 0; q < M; q++)
    {
        outer[q] = seed[p] * x[q];
        failures += Check(gradW[p, q], outer[q], $"∂L/∂W[{p}, {q}]");
    }

    Console.WriteLine($"    {Format(Slice(gradW, p)),-30} {Format(outer)}");
}

var transposeTimesSeed = new double[M];
for (int q = 0; q < M; q++)
{
    for (int i = 0; i < N; i++)
    {
        transposeTimesSeed[q] += W[i, q] * seed[i];
    }

    failures += Check(gradX[q], transposeTimesSeed[q], $"∂L/∂x[{q}]");
}

Console.WriteLine($"    ∂L/∂x from the VJP: {Format(gradX)}   Wᵀ·ȳ computed here: {Format(transposeTimesSeed)}");

// The structured Jacobian gives the same pull-back: Jᵀ·ȳ = vec(ȳ·xᵀ).
var pulledBack = new double[N * M];
dW.TransposeMultiply(seed, pulledBack);
for (int p = 0; p < N; p++)
{
    for (int q = 0; q < M; q++)
    {
        failures += Check(pulledBack[p + q * N], gradW[p, q], $"(Jᵀ·ȳ)[{p} + {q}·{N}]");
    }
}

Console.WriteLine("    dW.TransposeMultiply(ȳ) = vec(ȳ·xᵀ): the Kronecker Jacobian and the VJP agree.");
Console.WriteLine();

// Scale: n = m = 3000. The Jacobian has 3000 × 9,000,000 entries; the Kronecker form stores x and the size of I.
const int Large = 3000;
var bigW = new double[Large, Large];
var bigX = new double[Large];
for (int q = 0; q < Large; q++)
{
    bigX[q] = Math.Sin(q);
    for (int p = 0; p < Large; p++)
    {
        bigW[p, q] = Math.Cos(p + 0.5 * q);
    }
}

Layer.LinearInWJacobian(new double[2, 2], new double[2]); // warm-up: JIT and type loading are not the Jacobian's cost
long before = GC.GetAllocatedBytesForCurrentThread();
var (bigY, bigJ) = Layer.LinearInWJacobian(bigW, bigX);
long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
long entries = (long)bigJ.Rows * bigJ.Columns;
Console.WriteLine($"n = m = {Large}: {bigJ}");
Console.WriteLine($"    Rows × Columns = {bigJ.Rows:N0} × {bigJ.Columns:N0} = {entries:N0} entries ({entries * 8.0 / 1e9:N0} GB as dense doubles)");
Console.WriteLine($"    allocated by LinearInWJacobian: {allocated:N0} bytes, of which the result y is {8 * bigY.Length:N0} and the copy of x {8 * bigX.Length:N0}");
int row = Large - 1, column = (Large - 1) + (Large - 1) * Large;
Console.WriteLine($"    J[{row}, {column:N0}] = {bigJ[row, column]:0.######} = x[{Large - 1}]; J[0, {column:N0}] = {bigJ[0, column]}");
failures += entries == 27_000_000_000L ? 0 : Fail($"expected 27,000,000,000 entries, got {entries}");
failures += allocated < 1_000_000 ? 0 : Fail($"expected a Jacobian of kilobytes, allocated {allocated} bytes");
failures += Check(bigJ[row, column], bigX[Large - 1], "large J entry");
failures += Check(bigJ[0, column], 0.0, "large J zero entry");

// Without the value: LinearInWJacobianOnly does not run the 9,000,000 multiply–adds of W·x; xᵀ ⊗ I needs only x.
Layer.LinearInWJacobianOnly(new double[2, 2], new double[2]);
before = GC.GetAllocatedBytesForCurrentThread();
var onlyJ = Layer.LinearInWJacobianOnly(bigW, bigX);
long allocatedOnly = GC.GetAllocatedBytesForCurrentThread() - before;
Console.WriteLine($"    LinearInWJacobianOnly: {onlyJ.Structure}, allocated {allocatedOnly:N0} bytes (no y), J[{row}, {column:N0}] = {onlyJ[row, column]:0.######}");
failures += onlyJ.Structure == JacobianStructure.Kronecker ? 0 : Fail($"expected a Kronecker Jacobian without the value, got {onlyJ.Structure}");
failures += allocatedOnly < allocated - (8 * bigY.Length) + 1024 ? 0 : Fail($"expected no value allocated, allocated {allocatedOnly} bytes");
failures += Check(onlyJ[row, column], bigX[Large - 1], "large J entry without the value");

string path = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "out", "jacobian-sparsity.png");
path = Path.GetFullPath(path);
SparsityPlot.Write(dW, x, path);
Console.WriteLine();
Console.WriteLine($"Sparsity pattern of ∂y/∂vec(W) written to {path}");

Console.WriteLine(failures == 0 ? "All checks passed." : $"{failures} check(s) failed.");
return failures == 0 ? 0 : 1;

static int Check(double actual, double expected, string what)
{
    if (Math.Abs(actual - expected) <= 1e-12 * Math.Max(1.0, Math.Abs(expected)))
    {
        return 0;
    }

    return Fail($"{what}: got {actual}, expected {expected}");
}

static int Fail(string message)
{
    Console.WriteLine("CHECK FAILED: " + message);
    return 1;
}

static string Format(double[] values) =>
    "(" + string.Join(", ", Array.ConvertAll(values, v => (v + 0.0).ToString("0.##", CultureInfo.InvariantCulture))) + ")";

static double[] Slice(double[,] matrix, int row)
{
    var result = new double[matrix.GetLength(1)];
    for (int c = 0; c < result.Length; c++)
    {
        result[c] = matrix[row, c];
    }

    return result;
}

static string Row(double[,] matrix, int row)
{
    var text = new System.Text.StringBuilder();
    for (int c = 0; c < matrix.GetLength(1); c++)
    {
        text.Append((matrix[row, c] + 0.0).ToString("0.#", CultureInfo.InvariantCulture).PadLeft(4));
    }

    return text.ToString();
}

static double[,] RowVector(double[] values)
{
    var result = new double[1, values.Length];
    for (int c = 0; c < values.Length; c++)
    {
        result[0, c] = values[c];
    }

    return result;
}

static double[,] Identity(int size)
{
    var result = new double[size, size];
    for (int k = 0; k < size; k++)
    {
        result[k, k] = 1.0;
    }

    return result;
}

// (A ⊗ B)[r, c] = A[r / rows(B), c / columns(B)] · B[r % rows(B), c % columns(B)].
static double[,] Kronecker(double[,] a, double[,] b)
{
    int rowsB = b.GetLength(0), columnsB = b.GetLength(1);
    var result = new double[a.GetLength(0) * rowsB, a.GetLength(1) * columnsB];
    for (int r = 0; r < result.GetLength(0); r++)
    {
        for (int c = 0; c < result.GetLength(1); c++)
        {
            result[r, c] = a[r / rowsB, c / columnsB] * b[r % rowsB, c % columnsB];
        }
    }

    return result;
}
