using System;
using Differentiable;

namespace InverseKinematics;

public static partial class Arm
{
    /// <summary>
    /// Forward kinematics of a planar arm: link k has length <paramref name="lengths"/>[k] and turns by
    /// <paramref name="theta"/>[k] relative to the previous link, so its absolute angle is θ₀ + … + θₖ. Returns the end
    /// effector (x, y) = (Σ_k l_k·cos(θ₀ + … + θₖ), Σ_k l_k·sin(θ₀ + … + θₖ)). Differentiated with respect to the joint
    /// angles only: the generator emits EndEffectorJacobian (2 × joints), EndEffectorVjp and EndEffectorJvp.
    /// </summary>
    [Differentiate(nameof(theta))]
    public static double[] EndEffector(double[] theta, double[] lengths)
    {
        var position = new double[2];
        double angle = 0.0;
        for (int k = 0; k < theta.Length; k++)
        {
            angle += theta[k];
            position[0] += lengths[k] * Math.Cos(angle);
            position[1] += lengths[k] * Math.Sin(angle);
        }

        return position;
    }
}
