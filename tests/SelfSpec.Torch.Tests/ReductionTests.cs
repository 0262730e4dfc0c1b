namespace SelfSpec.Torch.Tests;

public class ReductionTests
{
    private const int Rows = 7, Cols = 13;
    private static readonly float[] Data = Reference.RandomFloats(Rows * Cols, 21, 4f);

    private static ReadOnlySpan<float> Row(int r) => Data.AsSpan(r * Cols, Cols);

    [Fact]
    public void SumMeanMaxArgMaxAlongDimensions()
    {
        using var scope = DisposeScope.Begin();
        var t = Tensor.From(Data, [Rows, Cols]);
        var rowSums = Enumerable.Range(0, Rows).Select(r => Row(r).ToArray().Sum(v => (double)v)).ToArray();
        Reference.AssertClose(rowSums, t.Sum(1).ToArray<float>(), 1e-5);
        Reference.AssertClose(rowSums.Select(s => s / Cols).ToArray(), t.Mean(1).ToArray<float>(), 1e-5);
        Reference.AssertClose([Data.Sum(v => (double)v)], [t.Sum().ItemDouble()], 1e-4);
        Assert.Equal([Rows, 1L], t.Sum([1], keepDim: true).Shape);

        var (values, indices) = t.Max(1);
        var argmax = t.ArgMax(1).ToArray<long>();
        for (var r = 0; r < Rows; r++)
        {
            var row = Row(r).ToArray();
            var best = Array.IndexOf(row, row.Max());
            Assert.Equal(row.Max(), values.ToArray<float>()[r]);
            Assert.Equal(best, indices.ToArray<long>()[r]);
            Assert.Equal(best, argmax[r]);
        }
        Assert.Equal(Data.Max(), t.Max().ItemFloat());
        Assert.Equal(Data.Min(), t.Min().ItemFloat());
        Assert.Equal(Array.IndexOf(Data, Data.Max()), t.ArgMax().ItemLong());
        var colSums = Enumerable.Range(0, Cols).Select(c => Enumerable.Range(0, Rows).Sum(r => (double)Data[r * Cols + c])).ToArray();
        Reference.AssertClose(colSums, t.Sum(0).ToArray<float>(), 1e-5);
    }

    [Fact]
    public void SoftmaxLogSoftmaxAndLogSumExpAreNormalisedAndStable()
    {
        using var scope = DisposeScope.Begin();
        var t = Tensor.From(Data, [Rows, Cols]);
        var sm = t.Softmax(-1).ToArray<float>();
        var lsm = t.LogSoftmax(-1).ToArray<float>();
        var lse = t.LogSumExp(-1).ToArray<float>();
        for (var r = 0; r < Rows; r++)
        {
            var expected = Reference.Softmax(Row(r));
            Reference.AssertClose(expected, sm.AsSpan(r * Cols, Cols).ToArray(), 1e-6);
            Reference.AssertClose(expected.Select(v => Math.Log(v)).ToArray(), lsm.AsSpan(r * Cols, Cols).ToArray(), 1e-5);
            var max = Row(r).ToArray().Max();
            var refLse = max + Math.Log(Row(r).ToArray().Sum(v => Math.Exp(v - max)));
            Reference.AssertClose([refLse], [lse[r]], 1e-6);
        }
        // large logits do not overflow
        var big = Tensor.From([1000f, 1001f, 999f]);
        Reference.AssertClose(Reference.Softmax([1000f, 1001f, 999f]), big.Softmax(0).ToArray<float>(), 1e-6);
    }

    [Fact]
    public void CumSumTopKSortAndArgSort()
    {
        using var scope = DisposeScope.Begin();
        var v = Tensor.From([3f, 1f, 4f, 1f, 5f, 9f, 2f, 6f]);
        Assert.Equal([3f, 4, 8, 9, 14, 23, 25, 31], v.CumSum(0).ToArray<float>());
        var (top, topIdx) = v.TopK(3);
        Assert.Equal([9f, 6, 5], top.ToArray<float>());
        Assert.Equal([5L, 7, 4], topIdx.ToArray<long>());
        var (low, _) = v.TopK(2, largest: false);
        Assert.Equal([1f, 1f], low.ToArray<float>());
        var (sorted, order) = v.Sort(descending: true);
        Assert.Equal(new[] { 3f, 1, 4, 1, 5, 9, 2, 6 }.OrderByDescending(x => x).ToArray(), sorted.ToArray<float>());
        var perm = order.ToArray<long>();
        Assert.Equal(sorted.ToArray<float>(), perm.Select(i => new[] { 3f, 1, 4, 1, 5, 9, 2, 6 }[i]).ToArray());
        Assert.Equal(v.ArgSort().ToArray<long>().Select(i => new[] { 3f, 1, 4, 1, 5, 9, 2, 6 }[i]).ToArray(), new[] { 1f, 1, 2, 3, 4, 5, 6, 9 });
    }
}
