namespace SelfSpec.Torch.Tests;

/// <summary>
/// Functional.DecodeAttention against softmax(q·kᵀ·scale)·v written with libtorch ops in float64, and CausalAttention
/// against DecodeAttention position by position, bit for bit.
/// </summary>
public class DecodeAttentionTests
{
    private static Tensor Reference(Tensor q, Tensor k, Tensor v, Tensor? blocked, double scale)
    {
        // q [B, Hq, D] → [B, Hkv, group, D]; k, v [B, Hkv, L, D].
        long b = q.Size(0), hq = q.Size(1), d = q.Size(2), hkv = k.Size(1), l = k.Size(2);
        var qg = q.To(DType.Float64).View(b, hkv, hq / hkv, d);
        var scores = qg.MatMul(k.To(DType.Float64).Transpose(2, 3)).Mul(scale); // [B, Hkv, group, L]
        if (blocked != null) scores = scores.MaskedFill(blocked.View(b, 1, 1, l), double.MinValue);
        return scores.Softmax(-1).MatMul(v.To(DType.Float64)).View(b, hq, d);
    }

    [Theory]
    [InlineData(1, 4, 4, 7, 16, false)]
    [InlineData(3, 8, 2, 13, 64, true)]
    [InlineData(8, 12, 12, 40, 64, true)]
    [InlineData(2, 4, 2, 3, 128, true)] // fewer keys than one block of eight; Llama-7B's head_dim (values: two blocks of 64 dims)
    [InlineData(1, 2, 1, 33, 80, false)] // head_dim 80: ten vectors (values: blocks of 64 + 16 dims); 33 keys = 4 blocks of eight + 1
    [InlineData(2, 3, 1, 27, 136, true)] // one KV head for three query heads; head_dim 136: values in blocks of 64 + 64 + 8 dims
    [InlineData(2, 6, 3, 5, 12, false)] // head_dim not a multiple of 8
    [InlineData(1, 2, 1, 9, 264, true)] // head_dim above the vector path's 256
    public void MatchesSoftmaxAttention(int batch, int heads, int kvHeads, int length, int dim, bool padded)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(11);
        var q = Tensor.Randn([batch, heads, dim], g);
        // Keys and values as a narrowed view of a larger cache, as the model passes them.
        var cacheK = Tensor.Randn([batch, kvHeads, length + 9, dim], g);
        var cacheV = Tensor.Randn([batch, kvHeads, length + 9, dim], g);
        var k = cacheK.Narrow(2, 0, length);
        var v = cacheV.Narrow(2, 0, length);
        Tensor? blocked = null;
        if (padded)
        {
            var flags = new bool[batch * length];
            for (var r = 0; r < batch; r++)
                for (var j = 0; j < Math.Min(r, length - 1); j++) flags[r * length + j] = true; // row r has r pad positions
            blocked = Tensor.From<bool>(flags, [batch, length]);
        }
        var scale = 1 / Math.Sqrt(dim);
        var got = Functional.DecodeAttention(q, k, v, blocked, scale);
        var want = Reference(q, k, v, blocked, scale);
        Assert.Equal([(long)batch, heads, dim], got.Shape);
        Assert.True(got.To(DType.Float64).Sub(want).Abs().Max().ItemDouble() < 1e-5);
    }

    [Theory]
    [InlineData(64, 70, 4)]   // a GQA group of 4: keys in blocks of eight and a tail, values in three ranges of keys
    [InlineData(128, 9, 4)]   // fewer keys than one range; values in two blocks of 64 dimensions
    [InlineData(16, 40, 20)]  // a group larger than one call takes (16 heads): two parts
    public void QueryHeadsSharingAKvHeadGetTheBitsTheyGetWithAKvHeadEach(int dim, int length, int group)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(17);
        // Enough rows that the kernel takes a KV head's query heads together (it does when that leaves two items a thread).
        int rows = Math.Max(3, Torch.Threads), kvHeads = 2;
        var q = Tensor.Randn([rows, kvHeads * group, dim], g);
        var k = Tensor.Randn([rows, kvHeads, length, dim], g);
        var v = Tensor.Randn([rows, kvHeads, length, dim], g);
        var flags = new bool[rows * length];
        for (var j = 0; j < 3; j++) flags[length + j] = true; // row 1 left-padded
        flags[2 * length + length / 2] = true;                // row 2 with a blocked key among its others
        var blocked = Tensor.From<bool>(flags, [rows, length]);
        var shared = Functional.DecodeAttention(q, k, v, blocked, 0.125);
        // The same keys and values repeated for every query head: one query head per KV head.
        var each = Functional.DecodeAttention(q, k.RepeatInterleave(group, 1), v.RepeatInterleave(group, 1), blocked, 0.125);
        Assert.Equal(each.ToArray<float>(), shared.ToArray<float>());
        Assert.True(shared.To(DType.Float64).Sub(Reference(q, k, v, blocked, 0.125)).Abs().Max().ItemDouble() < 1e-5);
    }

    [Fact]
    public void AllBlockedRowAveragesTheValues()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(2);
        var q = Tensor.Randn([1, 2, 8], g);
        var k = Tensor.Randn([1, 2, 3, 8], g);
        var v = Tensor.Randn([1, 2, 3, 8], g);
        var blocked = Tensor.Ones([1, 3], DType.Bool);
        var got = Functional.DecodeAttention(q, k, v, blocked, 0.5);
        Assert.True(got.AllClose(v.Mean([2]), 1e-5, 1e-6));
    }

    [Theory]
    [InlineData(16)] // the vector path
    [InlineData(12)] // head_dim not a multiple of 8: the plain path
    public void CausalAttentionGivesEachQueryTheBitsOfADecodeStepWhateverThePadding(int dim)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(5);
        const int rows = 2, heads = 4, kvHeads = 2, length = 21, queries = 6, pad = 5;
        var q = Tensor.Randn([rows, heads, queries, dim], g);
        var k = Tensor.Randn([rows, kvHeads, length, dim], g);
        var v = Tensor.Randn([rows, kvHeads, length, dim], g);
        var flags = new bool[rows * length];
        for (var j = 0; j < pad; j++) flags[length + j] = true; // row 1 is left-padded by 5 positions
        flags[length + 9] = true;                                 // and has one blocked key between its others
        var blocked = Tensor.From<bool>(flags, [rows, length]);
        var prefill = Functional.CausalAttention(q, k, v, blocked, 0.25);
        Assert.Equal([(long)rows, heads, queries, dim], prefill.Shape);
        for (var t = 0; t < queries; t++)
        {
            var seen = length - queries + t + 1;
            var step = Functional.DecodeAttention(q.Select(2, t), k.Narrow(2, 0, seen), v.Narrow(2, 0, seen), blocked.Narrow(1, 0, seen), 0.25);
            Assert.Equal(step.ToArray<float>(), prefill.Select(2, t).Contiguous().ToArray<float>());
        }
        // Row 1 without its padding (the keys it attends, in the same order, and nothing before them): the same bits.
        var unpadded = Functional.CausalAttention(q.Narrow(0, 1, 1), k.Narrow(0, 1, 1).Narrow(2, pad, length - pad),
            v.Narrow(0, 1, 1).Narrow(2, pad, length - pad), blocked.Narrow(0, 1, 1).Narrow(1, pad, length - pad), 0.25);
        Assert.Equal(prefill.Narrow(0, 1, 1).Contiguous().ToArray<float>(), unpadded.ToArray<float>());
    }
}
