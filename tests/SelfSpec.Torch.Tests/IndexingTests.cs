namespace SelfSpec.Torch.Tests;

public class IndexingTests
{
    [Fact]
    public void IndexSelectGatherScatterAndEmbedding()
    {
        using var scope = DisposeScope.Begin();
        var table = Tensor.Arange(0, 12, 1, DType.Float32).Reshape(4, 3);
        Assert.Equal([9f, 10, 11, 0, 1, 2, 9, 10, 11], table.IndexSelect(0, Tensor.From([3L, 0L, 3L])).ToArray<float>());
        Assert.Equal([2f, 0, 5, 3, 8, 6, 11, 9], table.IndexSelect(1, Tensor.From([2L, 0L])).ToArray<float>());
        Assert.Equal(table.IndexSelect(0, Tensor.From([1L, 2L])).ToArray<float>(),
            Functional.Embedding(table, Tensor.From([1L, 2L])).ToArray<float>());

        // gather picks one column per row: out[i] = table[i, idx[i]]
        var picked = table.Gather(1, Tensor.From([2L, 0L, 1L, 2L], [4, 1])).ToArray<float>();
        Assert.Equal([2f, 3, 7, 11], picked);
        var scattered = Tensor.Zeros([2, 4]).Scatter(1, Tensor.From([3L, 1L], [2, 1]), Tensor.From([5f, 7f], [2, 1]));
        Assert.Equal([0f, 0, 0, 5, 0, 7, 0, 0], scattered.ToArray<float>());
        Assert.Equal([1f, 5f], Tensor.From([1f, 5f, 3f]).MaskedSelect(Tensor.From([true, true, false])).ToArray<float>());
    }

    [Fact]
    public void CatAndStackJoinInOrder()
    {
        using var scope = DisposeScope.Begin();
        var a = Tensor.From([1f, 2f, 3f, 4f], [2, 2]);
        var b = Tensor.From([5f, 6f], [1, 2]);
        var c0 = Tensor.Cat([a, b], 0);
        Assert.Equal([3L, 2], c0.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], c0.ToArray<float>());
        var c1 = Tensor.Cat([a, a], 1);
        Assert.Equal([1f, 2, 1, 2, 3, 4, 3, 4], c1.ToArray<float>());
        var s = Tensor.Stack([a, a], 0);
        Assert.Equal([2L, 2, 2], s.Shape);
        Assert.Equal([1f, 2, 3, 4, 1, 2, 3, 4], s.ToArray<float>());
        Assert.Equal([1f, 2, 1, 2, 3, 4, 3, 4], a.RepeatInterleave(2, 0).ToArray<float>()); // rows repeated: GQA key/value expansion
    }

    [Fact]
    public void MultinomialIsSeededAndFollowsTheProbabilities()
    {
        using var scope = DisposeScope.Begin();
        var probs = Tensor.From([0.1f, 0f, 0.6f, 0.3f]);
        using var g1 = new Generator(123);
        using var g2 = new Generator(123);
        var s1 = probs.Multinomial(4000, replacement: true, generator: g1).ToArray<long>();
        var s2 = probs.Multinomial(4000, replacement: true, generator: g2).ToArray<long>();
        Assert.Equal(s1, s2);
        Assert.DoesNotContain(1L, s1);
        // frequencies within 5 standard errors of the probabilities
        foreach (var (cls, p) in new[] { (0L, 0.1), (2L, 0.6), (3L, 0.3) })
        {
            var freq = s1.Count(x => x == cls) / 4000.0;
            Assert.InRange(freq, p - 5 * Math.Sqrt(p * (1 - p) / 4000), p + 5 * Math.Sqrt(p * (1 - p) / 4000));
        }
        // without replacement every index appears at most once
        var distinct = probs.Multinomial(3, replacement: false, generator: g1).ToArray<long>();
        Assert.Equal(3, distinct.Distinct().Count());
    }
}
