using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>Greedy, RAG-token and contrastive sequences against cases.json (PyTorch reference).</summary>
public sealed class GenerationTests
{
    private static GenerationOptions Greedy(int n, bool cache = true) =>
        new() { MaxNewTokens = n, EosTokenIds = [], UseKvCache = cache };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GreedyContinuationMatchesReferenceWithAndWithoutCache(bool useCache)
    {
        var c = Fixtures.Cases.GetProperty("greedy");
        using var model = LlamaModel.Load(Fixtures.Model);
        var result = new TextGenerator(model).Generate([Fixtures.Ints(c.GetProperty("prompt"))], Greedy(c.GetProperty("new_tokens").GetInt32(), useCache))[0];
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), result.TokenIds);
        Assert.Equal(FinishReason.Length, result.FinishReason);
    }

    [Fact]
    public void GreedyWithAdapterMatchesReference()
    {
        var c = Fixtures.Cases.GetProperty("greedy_lora");
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Dir(c.GetProperty("adapter").GetString()!), model.Config, DType.Float32);
        var generator = new TextGenerator(model);
        var prompt = Fixtures.Ints(c.GetProperty("prompt"));
        var result = generator.Generate([prompt], Greedy(c.GetProperty("new_tokens").GetInt32()), adapter)[0];
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), result.TokenIds);

        // Several adapters on one base model: the next request without the adapter gets the base continuation.
        var plain = generator.Generate([prompt], Greedy(12))[0];
        Assert.Equal(Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("expected")), plain.TokenIds);
    }

    [Fact]
    public void LeftPaddedBatchGeneratesWhatEachRowGeneratesAlone()
    {
        var prompt = Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("prompt"));
        int[] shorter = [17, 250, 99];
        using var model = LlamaModel.Load(Fixtures.Model);
        var generator = new TextGenerator(model);
        var batch = generator.Generate([prompt, shorter], Greedy(10));
        Assert.Equal(Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("expected")).Take(10), batch[0].TokenIds);
        var alone = generator.Generate([shorter], Greedy(10))[0];
        Assert.Equal(alone.TokenIds, batch[1].TokenIds);
    }

    [Fact]
    public void StopsAtEndOfSequenceToken()
    {
        var c = Fixtures.Cases.GetProperty("greedy");
        var expected = Fixtures.Ints(c.GetProperty("expected"));
        using var model = LlamaModel.Load(Fixtures.Model);
        var result = new TextGenerator(model).Generate([Fixtures.Ints(c.GetProperty("prompt"))],
            new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [expected[3]] })[0];
        Assert.Equal(expected.Take(4), result.TokenIds);
        Assert.Equal(FinishReason.EndOfSequence, result.FinishReason);
    }

    [Fact]
    public void RagTokenSequenceAndLogProbsMatchReference()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        var docs = c.GetProperty("docs").EnumerateArray().Zip(Fixtures.Doubles(c.GetProperty("bm25_scores")))
            .Select(p => new RetrievedDocument(Fixtures.Ints(p.First), p.Second)).ToArray();
        var weights = RagTokenDecoder.DocumentWeights(docs.Select(d => d.Score).ToArray());
        var expectedWeights = Fixtures.Doubles(c.GetProperty("p_ret"));
        for (var i = 0; i < weights.Length; i++) Assert.Equal(expectedWeights[i], weights[i], 1e-12);

        using var model = LlamaModel.Load(Fixtures.Model);
        var result = new RagTokenDecoder(model).Generate(Fixtures.Ints(c.GetProperty("query")), docs, Greedy(c.GetProperty("steps").GetInt32()));
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), result.TokenIds);
        var expectedLogProbs = Fixtures.Doubles(c.GetProperty("expected_logprobs"));
        for (var i = 0; i < expectedLogProbs.Length; i++)
            Assert.InRange(Math.Abs(result.LogProbs![i] - expectedLogProbs[i]), 0, 1e-4);
    }

    [Fact]
    public void ContrastiveGreedySequenceMatchesReference()
    {
        var c = Fixtures.Cases.GetProperty("contrastive");
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        var decoder = new ContrastiveDecoder(model, adapter);
        var result = decoder.Generate(Fixtures.Ints(c.GetProperty("prompt")), Greedy(c.GetProperty("steps").GetInt32()),
            new ContrastiveOptions { Alpha = c.GetProperty("alpha").GetDouble() });
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), result.TokenIds);
    }

    [Fact]
    public void ContrastiveScoresFollowTheDocumentedTestVector()
    {
        // algorithms.md §4.1: p_exp = [0.6, 0.25, 0.11, 0.04], p_ama = [0.7, 0.1, 0.1, 0.1], α = 0.1.
        using var expert = Tensor.From(new[] { 0.6f, 0.25f, 0.11f, 0.04f }, [1, 4]).Log();
        using var amateur = Tensor.From(new[] { 0.7f, 0.1f, 0.1f, 0.1f }, [1, 4]).Log();
        using var tau1 = ContrastiveDecoder.Scores(expert, amateur, 0.1, 1.0);
        var s = tau1.ToArray<float>();
        Assert.Equal(-0.154151, s[0], 1e-5);
        Assert.Equal(0.916291, s[1], 1e-5);
        Assert.Equal(0.095310, s[2], 1e-5);
        Assert.True(float.IsNegativeInfinity(s[3]));
        using var tauHalf = ContrastiveDecoder.Scores(expert, amateur, 0.1, 0.5);
        var h = tauHalf.ToArray<float>();
        Assert.Equal(0.202524, h[0], 1e-5);
        Assert.Equal(3.218876, h[1], 1e-5);
        Assert.Equal(2.397895, h[2], 1e-5);
    }

    [Fact]
    public void ContrastiveBeamSearchReturnsTheBestScoringSequence()
    {
        var c = Fixtures.Cases.GetProperty("contrastive");
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        var decoder = new ContrastiveDecoder(model, adapter);
        var prompt = Fixtures.Ints(c.GetProperty("prompt"));
        var beam = decoder.Generate(prompt, Greedy(4), new ContrastiveOptions { Search = ContrastiveSearch.Beam, BeamWidth = 5 });
        var greedy = decoder.Generate(prompt, Greedy(4), new ContrastiveOptions());
        Assert.Equal(4, beam.TokenIds.Count);
        // On this fixture the width-5 beam finds a sequence scoring at least as well as greedy.
        Assert.True(beam.LogProbs!.Sum() >= greedy.LogProbs!.Sum() - 1e-4, $"beam {beam.LogProbs!.Sum()} < greedy {greedy.LogProbs!.Sum()}");
        // Each reported step score is the contrastive score of that token given the beam's own prefix.
        var prefix = prompt.ToList();
        using var noGrad = new NoGrad();
        for (var i = 0; i < beam.TokenIds.Count; i++)
        {
            using var ids = Fixtures.Row(prefix);
            using var e = model.Forward(ids, adapter: adapter, lastPositionOnly: true).Select(1, 0);
            using var a = model.Forward(ids, lastPositionOnly: true).Select(1, 0);
            using var scores = ContrastiveDecoder.Scores(e, a, 0.1, 1.0);
            Assert.Equal(scores.ToArray<float>()[beam.TokenIds[i]], beam.LogProbs![i], 1e-4);
            prefix.Add(beam.TokenIds[i]);
        }
    }

    [Fact]
    public void SeededSamplingIsReproducibleAndSeedsDiffer()
    {
        var prompt = Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("prompt"));
        using var model = LlamaModel.Load(Fixtures.Model);
        var generator = new TextGenerator(model);
        GenerationOptions Sampled(ulong seed) => new() { MaxNewTokens = 16, EosTokenIds = [], Sampling = SamplingOptions.Sample(1.0, 0.98, seed) };
        var a = generator.Generate([prompt], Sampled(7))[0].TokenIds;
        var b = generator.Generate([prompt], Sampled(7))[0].TokenIds;
        var c = generator.Generate([prompt], Sampled(8))[0].TokenIds;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DroppingFinishedRowsFromTheBatchChangesNoRow(bool sampled)
    {
        var prompt = Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("prompt"));
        IReadOnlyList<int>[] prompts = [prompt, [17, 250, 99], prompt.Skip(2).ToArray(), [5, 6], prompt.Take(4).ToArray()];
        using var model = LlamaModel.Load(Fixtures.Model);
        var generator = new TextGenerator(model);
        GenerationOptions Options(IReadOnlyList<int> eos, bool drop) => new()
        {
            MaxNewTokens = 24, EosTokenIds = eos, DropFinishedRows = drop,
            Sampling = sampled ? SamplingOptions.Sample(1.0, 0.98, 5) : SamplingOptions.GreedyDecoding,
        };
        // End-of-sequence ids taken from what rows write at different steps, so the rows stop at different times.
        var free = generator.Generate(prompts, Options([], drop: false));
        int[] eos = [free[0].TokenIds[2], free[3].TokenIds[9]];
        var kept = generator.Generate(prompts, Options(eos, drop: false));
        var dropped = generator.Generate(prompts, Options(eos, drop: true));

        var lengths = kept.Select(r => r.TokenIds.Count).ToArray();
        Assert.True(lengths.Distinct().Count() >= 2 && lengths.Min() < 24, $"rows should finish at different steps: {string.Join(", ", lengths)}");
        for (var b = 0; b < prompts.Length; b++)
        {
            Assert.Equal(kept[b].TokenIds, dropped[b].TokenIds);
            Assert.Equal(kept[b].FinishReason, dropped[b].FinishReason);
        }
    }

    [Fact]
    public void ComputingACommonPrefixOnceGeneratesWhatEachRowGeneratesAlone()
    {
        var header = Enumerable.Range(0, 24).Select(i => (i * 37 + 11) % 300 + 3).ToArray();
        var prompt = Fixtures.Ints(Fixtures.Cases.GetProperty("greedy").GetProperty("prompt"));
        IReadOnlyList<int>[] prompts = [[.. header, 17, 250, 99], [.. header, 5], [.. header, .. prompt], [.. header, .. prompt.Take(3)]];
        using var model = LlamaModel.Load(Fixtures.Model);
        var generator = new TextGenerator(model);
        var shared = generator.Generate(prompts, Greedy(12));
        var unshared = generator.Generate(prompts, Greedy(12) with { ShareCommonPrefix = false });
        for (var b = 0; b < prompts.Length; b++)
        {
            Assert.Equal(unshared[b].TokenIds, shared[b].TokenIds);
            Assert.Equal(generator.Generate([prompts[b]], Greedy(12))[0].TokenIds, shared[b].TokenIds);
        }
    }
}
