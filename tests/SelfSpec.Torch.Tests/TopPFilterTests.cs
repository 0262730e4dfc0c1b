namespace SelfSpec.Torch.Tests;

/// <summary>
/// Functional.TopPFilter against Hugging Face's TopPLogitsWarper written with libtorch's ops (stable ascending sort,
/// softmax, cumsum, scatter back, keep the last).
/// </summary>
public class TopPFilterTests
{
    private static Tensor Warper(Tensor scores, double topP)
    {
        var (sorted, order) = scores.Sort(-1, descending: false, stable: true);
        var removeSorted = sorted.Softmax(-1).CumSum(-1).Le(1 - topP);
        removeSorted.Narrow(-1, scores.Size(-1) - 1, 1).Fill(false);
        return scores.MaskedFill(removeSorted.Scatter(-1, order, removeSorted), double.NegativeInfinity);
    }

    private static void AssertSameAsWarper(Tensor scores, double topP)
    {
        var expected = Warper(scores, topP).ToArray<float>();
        var actual = Functional.TopPFilter(scores, topP).ToArray<float>();
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            if (!expected[i].Equals(actual[i]))
                Assert.Fail($"p = {topP}, element {i} (row {i / scores.Size(-1)}, token {i % scores.Size(-1)}): warper {expected[i]}, filter {actual[i]}");
    }

    [Theory]
    [InlineData(1, 0.9)]
    [InlineData(2, 0.5)]
    [InlineData(5, 0.75)]
    [InlineData(33, 0.98)]
    [InlineData(2048, 0.98)] // the demonstration model's vocabulary, the pipeline's p
    [InlineData(2048, 0.5)]
    [InlineData(2048, 0.01)]
    [InlineData(32000, 0.9)]
    [InlineData(32000, 0.999)]
    public void MatchesTheWarperOnRandomLogits(int vocab, double topP)
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator((ulong)vocab);
        // Peaked and flat rows: logits at scales 0.5 to 8.
        var scales = Tensor.From(new[] { 0.5f, 1f, 2f, 4f, 8f, 3f, 1.5f, 6f }, [8, 1]);
        AssertSameAsWarper(Tensor.Randn([8, vocab], g).Mul(scales), topP);
    }

    [Theory]
    [InlineData(0.9)]
    [InlineData(0.6)]
    [InlineData(0.3)]
    public void TiesAreCutInIndexOrderAsAStableSortDoes(double topP)
    {
        // Integer logits in a small range: many exact ties, some straddling the threshold.
        using var scope = DisposeScope.Begin();
        using var g = new Generator(5);
        var scores = Tensor.Randn([16, 300], g).Mul(1.5).Round();
        AssertSameAsWarper(scores, topP);
    }

    [Fact]
    public void TokensAlreadyRemovedStayRemovedAndAFullyRemovedRowIsLeftAsIs()
    {
        using var scope = DisposeScope.Begin();
        var minus = float.NegativeInfinity;
        var scores = Tensor.From(new[] { 1f, minus, 2f, minus, minus, minus, minus, minus, minus, 0.5f, 3f, 0f, -0f, 0f, 0f, 0f }, [4, 4]);
        AssertSameAsWarper(scores, 0.7);
        var filtered = Functional.TopPFilter(scores, 0.7).ToArray<float>();
        Assert.All(filtered.Skip(4).Take(4), v => Assert.Equal(minus, v));
        Assert.Equal(scores.ToArray<float>(), Functional.TopPFilter(scores, 1.0).ToArray<float>());
    }

    [Fact]
    public void HandCase()
    {
        // Ascending cumulative mass: 0.04, 0.10, 0.20, 0.50, 1.0; with p = 0.75 everything at or below 0.25 goes.
        using var scope = DisposeScope.Begin();
        var probs = new[] { 0.1, 0.5, 0.04, 0.3, 0.06 };
        var filtered = Functional.TopPFilter(Tensor.From(probs.Select(p => (float)Math.Log(p)).ToArray(), [1, 5]), 0.75).ToArray<float>();
        Assert.Equal([false, true, false, true, false], filtered.Select(v => !float.IsNegativeInfinity(v)));
    }

    [Fact]
    public void BadInputsAreClearErrors()
    {
        using var scope = DisposeScope.Begin();
        Assert.Contains("top_p must be in (0, 1]", Assert.Throws<TorchException>(() => Functional.TopPFilter(Tensor.Zeros([1, 4]), 0)).Message);
        Assert.Contains("top_p must be in (0, 1]", Assert.Throws<TorchException>(() => Functional.TopPFilter(Tensor.Zeros([1, 4]), 1.5)).Message);
        Assert.Contains("must be a float32 CPU tensor", Assert.Throws<TorchException>(() => Functional.TopPFilter(Tensor.Zeros([1, 4], DType.Float64), 0.5)).Message);
    }
}
