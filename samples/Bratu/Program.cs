using System;
using Differentiable;

// Newton's method for the Bratu problem u″ + λ·eᵘ = 0, u(0) = u(1) = 0, on 10,001 grid points. Each step solves
// J·δ = −r with the Jacobian the generator derives from Problem.Residual: a stencil's three shifts, returned structured,
// whose bands are read off for a tridiagonal solve. The result is checked against the closed-form solution.
const int N = 10_001;
const double Lambda = 1.0;
double h = 1.0 / (N - 1);
var u = new double[N];
bool ok = true;

Console.WriteLine($"Bratu problem, λ = {Lambda}, {N} grid points (h = {h:G3})");
for (int step = 0; ; step++)
{
    var (r, jacobian) = Problem.ResidualJacobian(u, Lambda);
    double norm = 0.0;
    foreach (double value in r)
    {
        norm = Math.Max(norm, Math.Abs(value));
    }

    Console.WriteLine($"  Newton step {step}: max |r| = {norm:E2}");
    if (step == 0)
    {
        Console.WriteLine($"  ∂r/∂u is a {jacobian.Structure} Jacobian of {jacobian.Rows} × {jacobian.Columns}; dense it would be {8.0 * jacobian.Rows * jacobian.Columns / 1e9:F1} GB");
        ok &= CheckEntries(jacobian, u);
    }

    if (norm < 1e-6 || step == 10)
    {
        ok &= Check("Newton converged", norm < 1e-6);
        break;
    }

    // The interior rows and columns form a tridiagonal system; its bands are entries of the structured Jacobian.
    int m = N - 2;
    var below = new double[m];
    var diagonal = new double[m];
    var above = new double[m];
    var rhs = new double[m];
    for (int k = 0; k < m; k++)
    {
        int i = k + 1;
        below[k] = k > 0 ? jacobian[i, i - 1] : 0.0;
        diagonal[k] = jacobian[i, i];
        above[k] = k < m - 1 ? jacobian[i, i + 1] : 0.0;
        rhs[k] = -r[i];
    }

    var delta = SolveTridiagonal(below, diagonal, above, rhs);
    for (int k = 0; k < m; k++)
    {
        u[k + 1] += delta[k];
    }
}

// The closed form: u(x) = −2·ln(cosh((x − ½)·θ/2) / cosh(θ/4)), θ the smaller root of θ = √(2λ)·cosh(θ/4).
double theta = 1.0;
for (int k = 0; k < 200; k++)
{
    theta = Math.Sqrt(2.0 * Lambda) * Math.Cosh(theta / 4.0);
}

double worst = 0.0;
for (int i = 0; i < N; i++)
{
    double x = i * h;
    double exact = -2.0 * Math.Log(Math.Cosh((x - 0.5) * theta / 2.0) / Math.Cosh(theta / 4.0));
    worst = Math.Max(worst, Math.Abs(u[i] - exact));
}

Console.WriteLine($"  u(½) = {u[N / 2]:F10}; the closed form's largest difference from u on the grid: {worst:E2} (O(h²))");
ok &= Check("matches the closed-form solution to 1e-7", worst < 1e-7);
Console.WriteLine(ok ? "All checks passed." : "A check FAILED.");
return ok ? 0 : 1;

// The Jacobian's entries against the derivative by hand: 1/h² beside the diagonal, −2/h² + λ·eᵘ on it, zero rows at the ends.
static bool CheckEntries(Jacobian jacobian, double[] u)
{
    int n = u.Length;
    double h = 1.0 / (n - 1);
    double worst = 0.0;
    foreach (int i in new[] { 1, 2, n / 2, n - 2 })
    {
        worst = Math.Max(worst, Math.Abs(jacobian[i, i - 1] - (1.0 / (h * h))) * h * h);
        worst = Math.Max(worst, Math.Abs(jacobian[i, i + 1] - (1.0 / (h * h))) * h * h);
        worst = Math.Max(worst, Math.Abs(jacobian[i, i] - ((-2.0 / (h * h)) + (Lambda * Math.Exp(u[i])))) * h * h);
    }

    return Check("Jacobian entries match the derivative by hand", worst < 1e-12 && jacobian[0, 0] == 0.0 && jacobian[n - 1, n - 1] == 0.0);
}

// The Thomas algorithm: forward elimination, back substitution.
static double[] SolveTridiagonal(double[] below, double[] diagonal, double[] above, double[] rhs)
{
    int m = diagonal.Length;
    var c = new double[m];
    var d = new double[m];
    c[0] = above[0] / diagonal[0];
    d[0] = rhs[0] / diagonal[0];
    for (int k = 1; k < m; k++)
    {
        double pivot = diagonal[k] - (below[k] * c[k - 1]);
        c[k] = above[k] / pivot;
        d[k] = (rhs[k] - (below[k] * d[k - 1])) / pivot;
    }

    var x = new double[m];
    x[m - 1] = d[m - 1];
    for (int k = m - 2; k >= 0; k--)
    {
        x[k] = d[k] - (c[k] * x[k + 1]);
    }

    return x;
}

static bool Check(string what, bool passed)
{
    Console.WriteLine($"  {(passed ? "ok  " : "FAIL")} {what}");
    return passed;
}
