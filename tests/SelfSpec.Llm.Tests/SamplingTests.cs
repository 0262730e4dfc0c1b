using SelfSpec.Llm.Generation;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>The logits filters against hand-computed cases of Hugging Face's warpers.</summary>
public sealed class SamplingTests
{
    private static Tensor Logits(params double[] probs) => Tensor.From(probs.Select(p => (float)Math.Log(p)).ToArray(), [1, probs.Length]);

    private static bool[] Kept(Tensor scores) => scores.ToArray<float>().Select(v => !float.IsNegativeInfinity(v)).ToArray();

    [Fact]
    public void TopPKeepsTheSmallestNucleusReachingP()
    {
        // Ascending cumulative mass: 0.04, 0.10, 0.20, 0.50, 1.0; with p = 0.75 everything at or below 0.25 goes.
        using var logits = Logits(0.1, 0.5, 0.04, 0.3, 0.06);
        using var sampler = new LogitsSampler(SamplingOptions.Sample(topP: 0.75, seed: 1));
        using var scores = sampler.Process(logits, null);
        Assert.Equal([false, true, false, true, false], Kept(scores));
    }

    [Fact]
    public void TopPAlwaysKeepsTheMostLikelyToken()
    {
        using var logits = Logits(0.9, 0.05, 0.05);
        using var sampler = new LogitsSampler(SamplingOptions.Sample(topP: 0.01, seed: 1));
        using var scores = sampler.Process(logits, null);
        Assert.Equal([true, false, false], Kept(scores));
    }

    [Fact]
    public void TopKAndTemperature()
    {
        using var logits = Tensor.From(new[] { 1f, 4f, 2f, 3f }, [1, 4]);
        using var sampler = new LogitsSampler(new SamplingOptions { Greedy = false, TopK = 2, Temperature = 2, Seed = 1 });
        using var scores = sampler.Process(logits, null);
        var v = scores.ToArray<float>();
        Assert.True(float.IsNegativeInfinity(v[0]) && float.IsNegativeInfinity(v[2]));
        Assert.Equal(2f, v[1]);
        Assert.Equal(1.5f, v[3]);
    }

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits()
    {
        using var logits = Tensor.From(new[] { 2f, -1f, 0.5f }, [1, 3]);
        using var sampler = new LogitsSampler(new SamplingOptions { RepetitionPenalty = 2 });
        using var scores = sampler.Process(logits, [[0, 1, 1]]);
        Assert.Equal([1f, -2f, 0.5f], scores.ToArray<float>());
        using var close = Tensor.From(new[] { 2f, -1f, 1.5f }, [1, 3]);
        Assert.Equal(2L, sampler.Next(close, [[0]])[0]); // 2 / 2 = 1 < 1.5: greedy moves off the repeated token
    }

    [Fact]
    public void SamplingFollowsTheDistribution()
    {
        // 4000 draws from [0.7, 0.2, 0.1]: frequencies within 3 percentage points.
        using var logits = Logits(0.7, 0.2, 0.1).Expand(4000, 3).Contiguous();
        using var sampler = new LogitsSampler(SamplingOptions.Sample(seed: 42));
        var draws = sampler.Next(logits, null);
        double[] expected = [0.7, 0.2, 0.1];
        for (var k = 0; k < 3; k++) Assert.InRange(draws.Count(d => d == k) / 4000.0, expected[k] - 0.03, expected[k] + 0.03);
    }
}
