namespace SelfSpec.Torch.Tests;

/// <summary>
/// Functional.SampleRows against the inverse CDF computed here in float64 from the same generator's uniforms, and
/// against the distribution it samples.
/// </summary>
public class SampleRowsTests
{
    [Fact]
    public void EachRowTakesOneUniformInRowOrderAndWalksTheRunningSum()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(21);
        var scores = Tensor.Randn([64, 300], g).Mul(2.0);
        scores.Narrow(1, 0, 100).Fill(double.NegativeInfinity); // a third of each row already removed
        var s = scores.ToArray<float>();

        using var sampling = new Generator(99);
        var drawn = Functional.SampleRows(scores, sampling).ToArray<long>();
        using var same = new Generator(99);
        var u = Tensor.Rand([64], same, DType.Float64).ToArray<double>();
        for (var r = 0; r < 64; r++)
        {
            var row = s.AsSpan(r * 300, 300).ToArray();
            var max = row.Max();
            var mass = row.Select(v => Math.Exp(v - max)).ToArray();
            var target = u[r] * mass.Sum();
            var running = 0.0;
            var expected = Array.FindIndex(mass, m => (running += m) > target);
            Assert.Equal(expected, drawn[r]);
        }
    }

    [Fact]
    public void DrawsFollowTheDistributionAndNeverPickARemovedToken()
    {
        using var scope = DisposeScope.Begin();
        var probs = new[] { 0.5, 0.0, 0.3, 0.15, 0.05 };
        var row = probs.Select(p => p == 0 ? float.NegativeInfinity : (float)Math.Log(p)).ToArray();
        const int draws = 40000;
        var scores = Tensor.From(row, [1, 5]).Expand(draws, 5).Contiguous();
        using var g = new Generator(3);
        var counts = new int[5];
        foreach (var i in Functional.SampleRows(scores, g).ToArray<long>()) counts[i]++;
        Assert.Equal(0, counts[1]);
        for (var i = 0; i < 5; i++)
        {
            // Within 4 standard deviations of the binomial count.
            var sd = Math.Sqrt(draws * probs[i] * (1 - probs[i]));
            Assert.InRange(counts[i], draws * probs[i] - 4 * sd - 1, draws * probs[i] + 4 * sd + 1);
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameDrawsAndTheShapeDropsTheLastDimension()
    {
        using var scope = DisposeScope.Begin();
        using var g = new Generator(5);
        var scores = Tensor.Randn([2, 3, 1000], g);
        using var a = new Generator(8);
        using var b = new Generator(8);
        using var c = new Generator(9);
        var first = Functional.SampleRows(scores, a);
        Assert.Equal([2, 3], first.Shape);
        Assert.Equal(DType.Int64, first.DType);
        Assert.Equal(first.ToArray<long>(), Functional.SampleRows(scores, b).ToArray<long>());
        Assert.NotEqual(first.ToArray<long>(), Functional.SampleRows(scores, c).ToArray<long>());
    }

    [Fact]
    public void BadRowsAreClearErrors()
    {
        using var scope = DisposeScope.Begin();
        var minus = float.NegativeInfinity;
        var empty = Tensor.From(new[] { 0f, 1f, minus, minus }, [2, 2]);
        Assert.Contains("row 1 has no token left to sample", Assert.Throws<TorchException>(() => Functional.SampleRows(empty)).Message);
        var nan = Tensor.From(new[] { 0f, 1f, 2f, float.NaN, 0f, 1f }, [2, 3]);
        Assert.Contains("row 1 has a NaN score (token 0)", Assert.Throws<TorchException>(() => Functional.SampleRows(nan)).Message);
        Assert.Contains("must be a float32 CPU tensor", Assert.Throws<TorchException>(() => Functional.SampleRows(Tensor.Zeros([2, 2], DType.Float64))).Message);
    }
}
