using SelfSpec.Endpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Endpoints.Tests;

/// <summary>
/// The API-side RAG-token mixture against the in-process decoder on the fixture Llama: fed the full next-token
/// distributions it equals the exact mixture (token and log p of <see cref="RagTokenDecoder"/>'s step), and truncated to
/// top-N its lower bound never exceeds the exact mixture, nor its upper bound falls below it.
/// </summary>
public sealed class TopNMixtureTests
{
    private static readonly int[][] Documents = [[1, 73, 5, 38, 193, 231, 12], [1, 88, 17, 250, 31], [1, 54, 61, 140, 9, 77, 3, 44]];
    private static readonly double[] Scores = [7.5, 6.1, 2.0];

    private static Dictionary<int, double>[] NextTokenLogProbs(LlamaModel model)
    {
        using var noGrad = new NoGrad();
        return Documents.Select(doc =>
        {
            using var scope = DisposeScope.Begin();
            var ids = Tensor.From(doc.Select(i => (long)i).ToArray(), [1, doc.Length]);
            var logits = model.Forward(ids, lastPositionOnly: true).Select(1, 0).Select(0, 0);
            var lp = logits.LogSoftmax(-1).To(DType.Float64).Contiguous().ToArray<double>();
            return lp.Select((v, i) => (v, i)).ToDictionary(p => p.i, p => p.v);
        }).ToArray();
    }

    private static Dictionary<int, double> Top(Dictionary<int, double> full, int n) =>
        full.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(n).ToDictionary(kv => kv.Key, kv => kv.Value);

    [Fact]
    public void WithTheWholeVocabularyTheMixtureIsRagTokensExactStep()
    {
        using var model = LlamaModel.Load(Paths.Fixture("llama", "tiny-llama"));
        var full = NextTokenLogProbs(model);
        var weights = RagTokenDecoder.LogDocumentWeights(Scores, 1.0);
        var mixed = TopNMixture.LowerBound(full, weights);
        var exact = new RagTokenDecoder(model).Generate([], Documents.Select((d, j) => new RetrievedDocument(d, Scores[j])).ToList(),
            new GenerationOptions { MaxNewTokens = 1, EosTokenIds = [] });
        Assert.Equal(exact.TokenIds[0], RemoteTokenDecoder.ArgMax(mixed));
        Assert.Equal(exact.LogProbs![0], mixed[exact.TokenIds[0]], 1e-5);
        Assert.Equal(1.0, mixed.Values.Sum(Math.Exp), 1e-6);
        // every token's upper bound is exact too: nothing is missing
        var upper = TopNMixture.UpperBound(full, weights, mixed.Keys);
        foreach (var (t, v) in mixed) Assert.Equal(v, upper[t], 1e-12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    public void TruncatedToTopNTheBoundsEncloseTheExactMixture(int n)
    {
        using var model = LlamaModel.Load(Paths.Fixture("llama", "tiny-llama"));
        var full = NextTokenLogProbs(model);
        var weights = RagTokenDecoder.LogDocumentWeights(Scores, 1.0);
        var exact = TopNMixture.LowerBound(full, weights);
        var truncated = full.Select(d => (IReadOnlyDictionary<int, double>)Top(d, n)).ToArray();
        var lower = TopNMixture.LowerBound(truncated, weights);
        var upper = TopNMixture.UpperBound(truncated, weights, exact.Keys);
        Assert.Equal(truncated.SelectMany(d => d.Keys).ToHashSet(), lower.Keys.ToHashSet());
        foreach (var (t, v) in lower) Assert.True(v <= exact[t] + 1e-12, $"token {t}: lower bound {v} > exact {exact[t]}");
        foreach (var (t, v) in exact) Assert.True(upper[t] >= v - 1e-12, $"token {t}: upper bound {upper[t]} < exact {v}");
        Assert.True(lower.Values.Sum(Math.Exp) <= 1 + 1e-9);
        // the best document's own top token is always a candidate, so greedy never picks a token no document proposed
        Assert.Contains(full[0].MaxBy(kv => kv.Value).Key, lower.Keys);
    }
}
