using System;
using Xunit;

namespace Differentiable.Tests.Jacobians;

public class TensorShapeTests
{
    [Fact]
    public void ScalarIsTheDefaultAndHasOneElement()
    {
        Assert.Equal(TensorShape.Scalar, default);
        Assert.Equal(0, TensorShape.Scalar.Rank);
        Assert.Equal(1, TensorShape.Scalar.Length);
        Assert.Equal(0, TensorShape.Scalar.VecIndex(ReadOnlySpan<int>.Empty));
        Assert.Equal("scalar", TensorShape.Scalar.ToString());
    }

    [Fact]
    public void VectorIndexIsTheElementIndex()
    {
        TensorShape shape = TensorShape.Vector(5);
        Assert.Equal(1, shape.Rank);
        Assert.Equal(5, shape.Length);
        Assert.Equal(3, shape.VecIndex(3));
        Assert.Equal(3, shape.VecIndex(new[] { 3 }));
        Assert.Equal("vector[5]", shape.ToString());
    }

    [Fact]
    public void MatrixIndexIsColumnMajor()
    {
        TensorShape shape = TensorShape.Matrix(3, 4);
        Assert.Equal(2, shape.Rank);
        Assert.Equal(3, shape.Rows);
        Assert.Equal(4, shape.Columns);
        Assert.Equal(12, shape.Length);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(i + (j * 3), shape.VecIndex(i, j));
                Assert.Equal(i + (j * 3), shape.VecIndex(new[] { i, j }));
            }
        }

        Assert.Equal("matrix[3x4]", shape.ToString());
    }

    [Fact]
    public void EqualityComparesRankAndDimensions()
    {
        Assert.True(TensorShape.Matrix(2, 3) == TensorShape.Matrix(2, 3));
        Assert.True(TensorShape.Matrix(2, 3) != TensorShape.Matrix(3, 2));
        Assert.NotEqual(TensorShape.Vector(3), TensorShape.Matrix(3, 1));
        Assert.NotEqual(TensorShape.Vector(1), TensorShape.Scalar);
        Assert.Equal(TensorShape.Vector(4).GetHashCode(), TensorShape.Vector(4).GetHashCode());
    }

    [Fact]
    public void RejectsBadDimensionsAndIndices()
    {
        Assert.Throws<ArgumentOutOfRangeException>("length", () => TensorShape.Vector(-1));
        Assert.Throws<ArgumentOutOfRangeException>("rows", () => TensorShape.Matrix(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>("columns", () => TensorShape.Matrix(2, -1));
        Assert.Throws<ArgumentException>(() => TensorShape.Matrix(100_000, 100_000));
        Assert.Throws<ArgumentOutOfRangeException>("i", () => TensorShape.Vector(3).VecIndex(3));
        Assert.Throws<ArgumentOutOfRangeException>("j", () => TensorShape.Matrix(3, 2).VecIndex(0, 2));
        Assert.Throws<InvalidOperationException>(() => TensorShape.Matrix(3, 2).VecIndex(1));
        Assert.Throws<InvalidOperationException>(() => TensorShape.Vector(3).VecIndex(1, 0));
        Assert.Throws<ArgumentException>("index", () => TensorShape.Vector(3).VecIndex(new[] { 1, 0 }));
    }
}
