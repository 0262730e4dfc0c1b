using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>Batched RAG-token decoding: every query of a batch decodes as it does alone (and the fixture query as PyTorch does).</summary>
public sealed class RagTokenBatchTests
{
    [Fact]
    public void EachQueryOfABatchEqualsItsOwnCallAndTheReference()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        var query = Fixtures.Ints(c.GetProperty("query"));
        var docs = c.GetProperty("docs").EnumerateArray().Zip(Fixtures.Doubles(c.GetProperty("bm25_scores")))
            .Select(p => new RetrievedDocument(Fixtures.Ints(p.First), p.Second)).ToArray();
        RagTokenQuery[] queries =
        [
            new(query, docs),
            new([12, 250, 31, 77, 140, 9], [new RetrievedDocument([5, 6], 1.0)]),          // one longer prompt: padding elsewhere
            new([], [new RetrievedDocument([73, 5, 38, 193, 231], 2.0), new RetrievedDocument([88, 17], 0.5)]),
        ];
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        var decoder = new RagTokenDecoder(model);
        var options = new GenerationOptions { MaxNewTokens = 8, EosTokenIds = [] };
        var batch = decoder.Generate(queries, options);
        Assert.Equal(Fixtures.Ints(c.GetProperty("expected")), batch[0].TokenIds);
        var expectedLogProbs = Fixtures.Doubles(c.GetProperty("expected_logprobs"));
        for (var i = 0; i < 8; i++) Assert.Equal(expectedLogProbs[i], batch[0].LogProbs![i], 1e-4);
        foreach (var withAdapter in new[] { false, true })
        {
            var results = withAdapter ? decoder.Generate(queries, options, 1.5, adapter) : batch;
            for (var q = 0; q < queries.Length; q++)
            {
                var alone = decoder.Generate(queries[q].Query, queries[q].Documents, options, withAdapter ? 1.5 : 1.0, withAdapter ? adapter : null);
                Assert.Equal(alone.TokenIds, results[q].TokenIds);
                Assert.Equal(alone.LogProbs, results[q].LogProbs); // bit for bit: a row's numbers do not depend on its batch
            }
        }
    }

    [Fact]
    public void AFinishedQueryStopsWhileTheOthersContinue()
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        var expected = Fixtures.Ints(c.GetProperty("expected"));
        var docs = c.GetProperty("docs").EnumerateArray().Zip(Fixtures.Doubles(c.GetProperty("bm25_scores")))
            .Select(p => new RetrievedDocument(Fixtures.Ints(p.First), p.Second)).ToArray();
        using var model = LlamaModel.Load(Fixtures.Model);
        var decoder = new RagTokenDecoder(model);
        // the fixture sequence's 3rd token ends the first query; the second query (another prompt) runs on to the limit
        var other = new RagTokenQuery([73, 5, 38], [new RetrievedDocument([54, 61], 0)]);
        var options = new GenerationOptions { MaxNewTokens = 8, EosTokenIds = [expected[2]] };
        var results = decoder.Generate([new RagTokenQuery(Fixtures.Ints(c.GetProperty("query")), docs), other], options);
        Assert.Equal(expected.Take(3), results[0].TokenIds);
        Assert.Equal(FinishReason.EndOfSequence, results[0].FinishReason);
        var alone = decoder.Generate(other.Query, other.Documents, options);
        Assert.Equal(alone.TokenIds, results[1].TokenIds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DroppingFinishedQueriesFromTheBatchChangesNoQuery(bool sampled)
    {
        var c = Fixtures.Cases.GetProperty("rag_token");
        var docs = c.GetProperty("docs").EnumerateArray().Zip(Fixtures.Doubles(c.GetProperty("bm25_scores")))
            .Select(p => new RetrievedDocument(Fixtures.Ints(p.First), p.Second)).ToArray();
        RagTokenQuery[] queries =
        [
            new(Fixtures.Ints(c.GetProperty("query")), docs),
            new([12, 250, 31, 77, 140, 9], [new RetrievedDocument([5, 6], 1.0)]),
            new([73, 5, 38], [new RetrievedDocument([73, 5, 38, 193, 231], 2.0), new RetrievedDocument([88, 17], 0.5)]),
            new([40, 41], [new RetrievedDocument([54, 61], 0), new RetrievedDocument([9, 9, 9], 1)]),
        ];
        using var model = LlamaModel.Load(Fixtures.Model);
        var decoder = new RagTokenDecoder(model);
        GenerationOptions Options(IReadOnlyList<int> eos, bool drop) => new()
        {
            MaxNewTokens = 20, EosTokenIds = eos, DropFinishedRows = drop,
            Sampling = sampled ? SamplingOptions.Sample(1.0, 0.98, 3) : SamplingOptions.GreedyDecoding,
        };
        // End-of-sequence ids from what queries write at different steps, so they stop at different times.
        var free = decoder.Generate(queries, Options([], drop: false));
        int[] eos = [free[0].TokenIds[1], free[2].TokenIds[7]];
        var kept = decoder.Generate(queries, Options(eos, drop: false));
        var dropped = decoder.Generate(queries, Options(eos, drop: true));

        var lengths = kept.Select(r => r.TokenIds.Count).ToArray();
        Assert.True(lengths.Distinct().Count() >= 2 && lengths.Min() < 20, $"queries should finish at different steps: {string.Join(", ", lengths)}");
        for (var q = 0; q < queries.Length; q++)
        {
            Assert.Equal(kept[q].TokenIds, dropped[q].TokenIds);
            Assert.Equal(kept[q].LogProbs, dropped[q].LogProbs);
            Assert.Equal(kept[q].FinishReason, dropped[q].FinishReason);
        }
    }
}
