namespace SelfSpec.Torch.Tests;

public class ViewTests
{
    private static Tensor Iota(params long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        return Tensor.Arange(0, n, 1, DType.Float32).Reshape(shape);
    }

    [Fact]
    public void StartsAtSameDataAsTellsAliasesAndViewsAtOffsetZeroFromCopies()
    {
        using var scope = DisposeScope.Begin();
        var t = Iota(4, 3);
        Assert.True(t.Alias().StartsAtSameDataAs(t));
        Assert.True(t.Narrow(0, 0, 2).StartsAtSameDataAs(t));
        Assert.False(t.Narrow(0, 1, 2).StartsAtSameDataAs(t));
        Assert.False(t.Clone().StartsAtSameDataAs(t));
    }

    [Fact]
    public void ViewAndReshapeKeepRowMajorOrder()
    {
        using var scope = DisposeScope.Begin();
        var t = Iota(2, 3, 4);
        var v = t.View(6, -1);
        Assert.Equal([6L, 4], v.Shape);
        Assert.Equal(t.ToArray<float>(), v.ToArray<float>());
        Assert.Equal([24L], t.Reshape(-1).Shape);
    }

    [Fact]
    public void TransposeAndPermuteMoveElementsAsIndexArithmeticSays()
    {
        using var scope = DisposeScope.Begin();
        var t = Iota(2, 3, 4);
        var p = t.Permute(2, 0, 1); // [4,2,3]; p[k,i,j] = t[i,j,k] = 12i + 4j + k
        Assert.Equal([4L, 2, 3], p.Shape);
        Assert.False(p.IsContiguous);
        var vals = p.ToArray<float>();
        for (var k = 0; k < 4; k++)
            for (var i = 0; i < 2; i++)
                for (var j = 0; j < 3; j++)
                    Assert.Equal(12 * i + 4 * j + k, vals[k * 6 + i * 3 + j]);
        var c = p.Contiguous();
        Assert.True(c.IsContiguous);
        Assert.Equal(vals, c.ToArray<float>());
        var tt = Iota(3, 5).Transpose(0, 1).ToArray<float>(); // [5,3]
        for (var i = 0; i < 5; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(j * 5 + i, tt[i * 3 + j]);
    }

    [Fact]
    public void NarrowSliceAndSelectAreViewsOfTheRightEntries()
    {
        using var scope = DisposeScope.Begin();
        var t = Iota(4, 5);
        Assert.Equal([6f, 7, 8, 11, 12, 13], t.Narrow(0, 1, 2).Narrow(1, 1, 3).ToArray<float>());
        Assert.Equal([1f, 3, 6, 8, 11, 13, 16, 18], t.Slice(1, 1, 5, 2).ToArray<float>());
        Assert.Equal([15f, 16, 17, 18, 19], t.Slice(0, -1, long.MaxValue).ToArray<float>());
        Assert.Equal([2f, 7, 12, 17], t.Select(1, 2).ToArray<float>());
        // views share storage: writing through a narrow view changes the base
        t.Narrow(0, 0, 1).Fill(-1);
        Assert.Equal(-1f, t.ToArray<float>()[4]);
    }

    [Fact]
    public void ExpandBroadcastsWithoutCopyingAndUnsqueezeSqueezeFlatten()
    {
        using var scope = DisposeScope.Begin();
        var col = Tensor.From([1f, 2f, 3f], [3, 1]);
        var e = col.Expand(3, 4);
        Assert.Equal([3L, 4], e.Shape);
        Assert.Equal([1L, 0], e.Strides); // the expanded dimension has stride 0: no copy
        Assert.Equal([1f, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], e.ToArray<float>());
        var u = col.Squeeze(1).Unsqueeze(0);
        Assert.Equal([1L, 3], u.Shape);
        Assert.Equal([24L], Iota(2, 3, 4).Flatten().Shape);
        Assert.Equal([2L, 12], Iota(2, 3, 4).Flatten(1).Shape);
    }
}
