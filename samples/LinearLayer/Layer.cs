using Differentiable;

namespace LinearLayer;

public static partial class Layer
{
    /// <summary>
    /// y = W·x for W of n × m. The generator emits LinearJacobian (structured: ∂y/∂vec(W) = xᵀ ⊗ Iₙ, ∂y/∂x = W),
    /// LinearVjp (Jᵀ·ȳ into caller buffers: ∂L/∂W = ȳ·xᵀ, ∂L/∂x = Wᵀ·ȳ) and LinearJvp.
    /// </summary>
    [Differentiate]
    public static double[] Linear(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }

    /// <summary>
    /// The same layer differentiated with respect to W only. <see cref="Linear"/>'s Jacobian companion also returns
    /// ∂y/∂x = W, which it stores densely (a copy of W); for the large demonstration we ask for ∂y/∂vec(W) alone.
    /// </summary>
    [Differentiate(nameof(W))]
    public static double[] LinearInW(double[,] W, double[] x)
    {
        int n = W.GetLength(0);
        int m = W.GetLength(1);
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < m; j++)
            {
                y[i] += W[i, j] * x[j];
            }
        }

        return y;
    }
}
