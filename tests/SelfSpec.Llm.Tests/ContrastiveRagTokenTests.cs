using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// RAG-token marginalisation inside contrastive decoding (iteration 2), checked by equivalences that do not go through
/// the decoder's own batching: one document is plain contrastive decoding (and the PyTorch fixture), α = 1 is plain
/// RAG-token decoding with the expert, and a step-by-step reference recomputes each marginal without cache or padding.
/// </summary>
public sealed class ContrastiveRagTokenTests : IDisposable
{
    private readonly LlamaModel _model = LlamaModel.Load(Fixtures.Model);
    private readonly LoraAdapter _adapter;

    public ContrastiveRagTokenTests() => _adapter = LoraAdapter.Load(Fixtures.Adapter, _model.Config, DType.Float32);

    public void Dispose()
    {
        _adapter.Dispose();
        _model.Dispose();
    }

    private static GenerationOptions Greedy(int n) => new() { MaxNewTokens = n, EosTokenIds = [] };

    private static RetrievedDocument[] RagDocs()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        return c.GetProperty("docs").EnumerateArray().Zip(Fixtures.Doubles(c.GetProperty("bm25_scores")))
            .Select(p => new RetrievedDocument(Fixtures.Ints(p.First), p.Second)).ToArray();
    }

    [Fact]
    public void WithOneDocumentItIsContrastiveDecodingOfThatPromptAndMatchesTheReference()
    {
        var c = Fixtures.Cases.GetProperty("contrastive");
        var prompt = Fixtures.Ints(c.GetProperty("prompt"));
        var steps = c.GetProperty("steps").GetInt32();
        var options = new ContrastiveOptions { Alpha = c.GetProperty("alpha").GetDouble() };
        var rag = new ContrastiveRagTokenDecoder(_model, _adapter).Generate(prompt[2..], [new RetrievedDocument(prompt[..2], 3.0)], Greedy(steps), options);
        var plain = new ContrastiveDecoder(_model, _adapter).Generate(prompt, Greedy(steps), options);
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), rag.TokenIds);
        Assert.Equal(plain.TokenIds, rag.TokenIds);
        // the reported log-probs are the expert's (base + adapter) log-softmax of each chosen token given its prefix
        var prefix = prompt.ToList();
        using var noGrad = new NoGrad();
        for (var i = 0; i < steps; i++)
        {
            using var ids = Fixtures.Row(prefix);
            using var logits = _model.Forward(ids, adapter: _adapter, lastPositionOnly: true);
            using var logSoftmax = logits.LogSoftmax(-1);
            Assert.Equal(logSoftmax.ToArray<float>()[rag.TokenIds[i]], rag.LogProbs![i], 1e-4);
            prefix.Add(rag.TokenIds[i]);
        }
    }

    [Fact]
    public void AlphaOneLeavesOnlyTheExpertsBestTokenSoItIsRagTokenDecodingWithTheAdapter()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        var query = Fixtures.Ints(c.GetProperty("query"));
        var docs = RagDocs();
        var expert = new RagTokenDecoder(_model).Generate(query, docs, Greedy(8), adapter: _adapter);
        var cd = new ContrastiveRagTokenDecoder(_model, _adapter).Generate(query, docs, Greedy(8), new ContrastiveOptions { Alpha = 1.0 });
        Assert.Equal(expert.TokenIds, cd.TokenIds);
        for (var i = 0; i < 8; i++) Assert.Equal(expert.LogProbs![i], cd.LogProbs![i], 1e-5);
        // without the adapter the expert is the base model: the PyTorch fixture's RAG-token sequence and log-probs
        var none = new ContrastiveRagTokenDecoder(_model, null).Generate(query, docs, Greedy(8), new ContrastiveOptions { Alpha = 1.0 });
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), none.TokenIds);
        var expectedLogProbs = Fixtures.Doubles(c.GetProperty("expected_logprobs"));
        for (var i = 0; i < 8; i++) Assert.Equal(expectedLogProbs[i], none.LogProbs![i], 1e-4);
    }

    [Theory]
    [InlineData(0.1, 1.0, 1.0)]
    [InlineData(0.05, 0.5, 3.0)]
    public void EveryStepEqualsAnUncachedReferenceOfTheTwoMarginals(double alpha, double amateurTemperature, double docTemperature)
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        var query = Fixtures.Ints(c.GetProperty("query"));
        var docs = RagDocs();
        var result = new ContrastiveRagTokenDecoder(_model, _adapter).Generate(query, docs, Greedy(6),
            new ContrastiveOptions { Alpha = alpha, AmateurTemperature = amateurTemperature }, docTemperature);
        Assert.Equal(6, result.TokenIds.Count);

        // Reference: each document's full sequence alone (no cache, no padding), mixed and contrasted in double precision.
        var scores = docs.Select(d => d.Score).ToArray();
        var max = scores.Max();
        var w = scores.Select(s => Math.Exp((s - max) / docTemperature)).ToArray();
        var logW = w.Select(x => Math.Log(x / w.Sum())).ToArray();
        var generated = new List<int>();
        using var noGrad = new NoGrad();
        for (var step = 0; step < 6; step++)
        {
            var expert = Mixture(docs, query, generated, logW, _adapter);
            var amateur = Mixture(docs, query, generated, logW, null);
            var best = expert.Max();
            var cd = expert.Select((e, v) => e >= best + Math.Log(alpha) ? e - amateur[v] / amateurTemperature : double.NegativeInfinity).ToArray();
            var token = Array.IndexOf(cd, cd.Max());
            Assert.Equal(token, result.TokenIds[step]);
            Assert.Equal(expert[token], result.LogProbs![step], 1e-4);
            generated.Add(token);
        }
    }

    private double[] Mixture(RetrievedDocument[] docs, int[] query, List<int> generated, double[] logW, LoraAdapter? adapter)
    {
        var perDoc = new List<double[]>();
        foreach (var d in docs)
        {
            using var ids = Fixtures.Row(d.TokenIds.Concat(query).Concat(generated));
            using var logits = _model.Forward(ids, adapter: adapter, lastPositionOnly: true);
            var l = logits.To(DType.Float64).ToArray<double>();
            var m = l.Max();
            var lse = m + Math.Log(l.Sum(x => Math.Exp(x - m)));
            perDoc.Add(l.Select(x => x - lse).ToArray());
        }
        var vocab = perDoc[0].Length;
        var mixed = new double[vocab];
        for (var v = 0; v < vocab; v++)
        {
            var terms = perDoc.Select((p, j) => p[v] + logW[j]).ToArray();
            var m = terms.Max();
            mixed[v] = m + Math.Log(terms.Sum(t => Math.Exp(t - m)));
        }
        return mixed;
    }

    [Fact]
    public void EachQueryOfABatchEqualsItsOwnCall()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        RagTokenQuery[] queries =
        [
            new(Fixtures.Ints(c.GetProperty("query")), RagDocs()),
            new([12, 250, 31, 77, 140, 9], [new RetrievedDocument([5, 6], 1.0)]),
            new([], [new RetrievedDocument([73, 5, 38, 193, 231], 2.0), new RetrievedDocument([88, 17], 0.5)]),
        ];
        var decoder = new ContrastiveRagTokenDecoder(_model, _adapter);
        var options = new ContrastiveOptions { Alpha = 0.1, AmateurTemperature = 0.5 };
        var batch = decoder.Generate(queries, Greedy(6), options, 1.5);
        for (var q = 0; q < queries.Length; q++)
        {
            var alone = decoder.Generate(queries[q].Query, queries[q].Documents, Greedy(6), options, 1.5);
            Assert.Equal(alone.TokenIds, batch[q].TokenIds);
            for (var i = 0; i < alone.TokenIds.Count; i++) Assert.Equal(alone.LogProbs![i], batch[q].LogProbs![i], 1e-4);
        }
    }

    [Fact]
    public void BeamSearchIsRefusedAndAnEmptyDocumentListIsAnError()
    {
        var decoder = new ContrastiveRagTokenDecoder(_model, _adapter);
        Assert.Throws<NotSupportedException>(() => decoder.Generate([1, 2], RagDocs(), Greedy(2), new ContrastiveOptions { Search = ContrastiveSearch.Beam }));
        Assert.Throws<ArgumentException>(() => decoder.Generate([1, 2], [], Greedy(2), new ContrastiveOptions()));
    }

    [Fact]
    public void DroppingFinishedQueriesFromTheBatchChangesNoQuery()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        RagTokenQuery[] queries =
        [
            new(Fixtures.Ints(c.GetProperty("query")), RagDocs()),
            new([12, 250, 31, 77, 140, 9], [new RetrievedDocument([5, 6], 1.0)]),
            new([73, 5, 38], [new RetrievedDocument([73, 5, 38, 193, 231], 2.0), new RetrievedDocument([88, 17], 0.5)]),
        ];
        var decoder = new ContrastiveRagTokenDecoder(_model, _adapter);
        var contrastive = new ContrastiveOptions { Alpha = 0.1, AmateurTemperature = 0.5, Search = ContrastiveSearch.Sample };
        GenerationOptions Options(IReadOnlyList<int> eos, bool drop) =>
            new() { MaxNewTokens = 16, EosTokenIds = eos, DropFinishedRows = drop, Sampling = SamplingOptions.Sample(1.0, 1.0, 9) };
        var free = decoder.Generate(queries, Options([], drop: false), contrastive, 1.5);
        int[] eos = [free[0].TokenIds[2], free[1].TokenIds[6]];
        var kept = decoder.Generate(queries, Options(eos, drop: false), contrastive, 1.5);
        var dropped = decoder.Generate(queries, Options(eos, drop: true), contrastive, 1.5);
        Assert.True(kept.Select(r => r.TokenIds.Count).Distinct().Count() >= 2, "queries should finish at different steps");
        for (var q = 0; q < queries.Length; q++)
        {
            Assert.Equal(kept[q].TokenIds, dropped[q].TokenIds);
            Assert.Equal(kept[q].LogProbs, dropped[q].LogProbs);
        }
    }
}
