// Inverse kinematics of a planar three-link arm by damped least squares (Levenberg–Marquardt), with the 2 × 3
// Jacobian of the forward kinematics generated at compile time (Arm.EndEffectorJacobian).
using System;
using InverseKinematics;

double[] lengths = { 1.0, 0.8, 0.5 };
double[] theta = { 0.3, 0.3, 0.3 };
double[] target = { 1.2, 1.1 };
const int Joints = 3, MaxIterations = 50;
const double Tolerance = 1e-10;
int failures = 0;

// 1. The generated Jacobian against central finite differences, once, at the starting angles.
var (start, jacobian) = Arm.EndEffectorJacobian(theta, lengths);
double[,] J = jacobian.ToDense();
Console.WriteLine($"Three links {Format(lengths)}, start θ = {Format(theta)}, end effector {Format(start)}, target {Format(target)}");
Console.WriteLine($"∂(x, y)/∂θ: {jacobian}");
double worst = 0.0;
for (int k = 0; k < Joints; k++)
{
    double saved = theta[k];
    theta[k] = saved + 1e-6;
    double[] plus = Arm.EndEffector(theta, lengths);
    theta[k] = saved - 1e-6;
    double[] minus = Arm.EndEffector(theta, lengths);
    theta[k] = saved;
    for (int r = 0; r < 2; r++)
    {
        double fd = (plus[r] - minus[r]) / 2e-6;
        worst = Math.Max(worst, Math.Abs(fd - J[r, k]));
    }
}

Console.WriteLine($"  row x: {Format(Row(J, 0))}");
Console.WriteLine($"  row y: {Format(Row(J, 1))}");
Console.WriteLine($"  largest difference from central finite differences: {worst:E1}");
if (worst > 1e-8)
{
    Console.WriteLine("CHECK FAILED: the Jacobian disagrees with finite differences");
    failures++;
}

Console.WriteLine();

// 2. Damped least squares: Δθ = Jᵀ·(J·Jᵀ + λ·I)⁻¹·e with e = target − p(θ). λ shrinks after a step that lowers the
//    error (towards Gauss–Newton, which converges quadratically) and grows after one that does not.
double lambda = 1e-2;
double error = Distance(start, target);
Console.WriteLine("iteration   |target − p(θ)|      λ");
Console.WriteLine($"{0,9}   {error,14:E3}");
int iteration = 0;
while (error >= Tolerance && iteration < MaxIterations)
{
    iteration++;
    var (position, dtheta) = Arm.EndEffectorJacobian(theta, lengths);
    J = dtheta.ToDense();
    double ex = target[0] - position[0], ey = target[1] - position[1];

    // A = J·Jᵀ + λI (2 × 2), solve A·u = e, then Δθ = Jᵀ·u.
    double a00 = lambda, a01 = 0.0, a11 = lambda;
    for (int k = 0; k < Joints; k++)
    {
        a00 += J[0, k] * J[0, k];
        a01 += J[0, k] * J[1, k];
        a11 += J[1, k] * J[1, k];
    }

    double determinant = a00 * a11 - a01 * a01;
    double ux = (a11 * ex - a01 * ey) / determinant;
    double uy = (a00 * ey - a01 * ex) / determinant;
    var candidate = new double[Joints];
    for (int k = 0; k < Joints; k++)
    {
        candidate[k] = theta[k] + J[0, k] * ux + J[1, k] * uy;
    }

    double candidateError = Distance(Arm.EndEffector(candidate, lengths), target);
    bool accepted = candidateError < error;
    if (accepted)
    {
        theta = candidate;
        error = candidateError;
        lambda = Math.Max(lambda / 10.0, 1e-12);
    }
    else
    {
        lambda *= 10.0;
    }

    Console.WriteLine($"{iteration,9}   {error,14:E3}   {lambda,8:E0}{(accepted ? string.Empty : "   (step rejected: error would grow; λ raised)")}");
}

double[] reached = Arm.EndEffector(theta, lengths);
Console.WriteLine();
Console.WriteLine($"θ = {Format(theta)} puts the end effector at ({reached[0]:F12}, {reached[1]:F12})");
if (error >= Tolerance)
{
    Console.WriteLine($"CHECK FAILED: error {error:E2} after {iteration} iterations");
    failures++;
}

Console.WriteLine(failures == 0 ? "All checks passed." : $"{failures} check(s) failed.");
return failures == 0 ? 0 : 1;

static double Distance(double[] a, double[] b) => Math.Sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]));

static double[] Row(double[,] matrix, int row)
{
    var result = new double[matrix.GetLength(1)];
    for (int c = 0; c < result.Length; c++)
    {
        result[c] = matrix[row, c];
    }

    return result;
}

static string Format(double[] values) =>
    "(" + string.Join(", ", Array.ConvertAll(values, v => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture))) + ")";
