using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Llm.Serving;
using SelfSpec.Torch;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// The continuous-batching engine gives every sequence exactly what <see cref="TextGenerator"/> gives its prompt alone
/// (batch 1, same adapter, same seed), token for token, while other prompts, other adapters and the base model share
/// its decode steps and rows join and leave mid-way.
/// </summary>
public sealed class EngineExactnessTests
{
    // Prompts of different lengths (3 to 41 tokens) so rows are padded differently and joins realign the batch.
    private static readonly int[][] Prompts =
    [
        [1, 17, 250, 99], [1, 5, 6], [1, 73, 5, 38, 193, 231, 87, 12, 44], Enumerable.Range(0, 41).Select(i => (i * 53 + 7) % 300 + 3).ToArray(),
        [1, 200, 201, 202, 203, 204], [1, 9, 8, 7, 6, 5, 4, 3, 2, 11, 13, 17, 19, 23, 29, 31], [1, 42, 42], Enumerable.Range(0, 25).Select(i => (i * 31 + 11) % 310 + 3).ToArray(),
    ];

    private sealed record Case(int[] Prompt, int AdapterIndex, int MaxTokens, SamplingOptions Sampling);

    private static List<Case> Cases(bool sampled) => Prompts.Select((p, i) => new Case(p, i % 4 - 1, 6 + 5 * (i % 5),
        sampled ? SamplingOptions.Sample(temperature: 0.8 + 0.1 * (i % 3), topP: i % 2 == 0 ? 0.9 : 1.0, seed: (ulong)(1000 + i), topK: i == 3 ? 20 : 0)
                : SamplingOptions.GreedyDecoding)).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EverySequenceEqualsTheInProcessGeneratorWhateverSharesItsSteps(bool sampled)
    {
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        var adapters = new[] { ServingFixtures.FixtureAdapter }.Concat(ServingFixtures.ExtraAdapters.Take(2))
            .Select(dir => LoraAdapter.Load(dir, model.Config, DType.Float32)).ToArray();
        try
        {
            var cases = Cases(sampled);
            LoraAdapter? AdapterOf(Case c) => c.AdapterIndex < 0 ? null : adapters[c.AdapterIndex];
            var expected = cases.Select(c => new TextGenerator(model).Generate([c.Prompt],
                new GenerationOptions { MaxNewTokens = c.MaxTokens, Sampling = c.Sampling }, AdapterOf(c))[0].TokenIds).ToArray();

            using var engine = new ServingEngine(model, null, new ServingOptions { MaxNumSeqs = 6, MaxModelLen = 256 });
            var handles = new SequenceHandle?[cases.Count];
            SequenceHandle Submit(int i) => handles[i] = engine.Submit(new SequenceRequest
            {
                PromptIds = cases[i].Prompt, MaxTokens = cases[i].MaxTokens, Sampling = cases[i].Sampling, Adapter = AdapterOf(cases[i]), TopLogprobs = 3,
            });
            // Three start together; the others join one by one while those decode (the 8th waits for a free row: max 6).
            for (var i = 0; i < 3; i++) Submit(i);
            for (var i = 3; i < cases.Count; i++)
            {
                var previous = handles[i - 1]!;
                await previous.Tokens.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
                Submit(i);
            }
            for (var i = 0; i < cases.Count; i++)
            {
                var result = await handles[i]!.Completion.WaitAsync(TimeSpan.FromMinutes(2));
                Assert.True(expected[i].SequenceEqual(result.TokenIds),
                    $"sequence {i} (adapter {cases[i].AdapterIndex}, {cases[i].Prompt.Length} prompt tokens): engine [{string.Join(",", result.TokenIds)}] vs in-process [{string.Join(",", expected[i])}]");
                Assert.All(result.Reported, t => Assert.True(t.Logprob <= 0 && t.Top!.Count == 3 && t.Top[0].Logprob >= t.Top[2].Logprob));
            }
            Assert.True(engine.Metrics.Steps > 0);
            Assert.Equal(0, engine.Metrics.Running);
        }
        finally
        {
            foreach (var a in adapters) a.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PromptsAdmittedTogetherArePrefilledInBatchesOfSimilarLengthAcrossAdaptersWithTheBitsTheyGetAlone(bool sampled)
    {
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        using var adapter = LoraAdapter.Load(ServingFixtures.FixtureAdapter, model.Config, DType.Float32);
        // All eight at once: four base prompts and four of one adapter, 3 to 41 tokens (left padding up to 38 columns).
        var cases = Cases(sampled).Select((c, i) => c with { AdapterIndex = i % 2 == 0 ? -1 : 0 }).ToList();
        LoraAdapter? AdapterOf(Case c) => c.AdapterIndex < 0 ? null : adapter;
        var expected = cases.Select(c => new TextGenerator(model).Generate([c.Prompt],
            new GenerationOptions { MaxNewTokens = c.MaxTokens, Sampling = c.Sampling }, AdapterOf(c))[0]).ToArray();

        using var engine = new ServingEngine(model, null, new ServingOptions { MaxNumSeqs = 8, MaxModelLen = 256, PrefillPassOverheadTokens = 24 });
        var handles = engine.SubmitAll(cases.Select(c => new SequenceRequest
        {
            PromptIds = c.Prompt, MaxTokens = c.MaxTokens, Sampling = c.Sampling, Adapter = AdapterOf(c), TopLogprobs = 2,
        }).ToList());
        for (var i = 0; i < cases.Count; i++)
        {
            var result = await handles[i].Completion.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(expected[i].TokenIds.SequenceEqual(result.TokenIds),
                $"sequence {i} (adapter {cases[i].AdapterIndex}): engine [{string.Join(",", result.TokenIds)}] vs in-process [{string.Join(",", expected[i].TokenIds)}]");
        }
        // Base and adapter prompts share passes (a float32 adapter goes through the native per-row kernel): the base's
        // 3, 4, 6 and 9 tokens with the adapter's 3, then the adapter's 16 and 25, and its 41 alone — the planner's
        // cheapest split of all eight lengths (per adapter it was the base's four, the adapter's 3, 16 and 25, and 41).
        Assert.Equal([[3, 3, 4, 6, 9], [16, 25], [41]], PrefillPlanner.Plan(cases.Select(c => c.Prompt.Length).ToList(), 24)
            .Select(pass => pass.Select(i => cases[i].Prompt.Length).Order().ToArray()).OrderBy(p => p[0]).ToArray());
        Assert.Equal(3, engine.Metrics.Prefills);
        Assert.Equal(cases.Count, engine.Metrics.PrefillRows);
        Assert.Equal(cases.Sum(c => c.Prompt.Length), engine.Metrics.PromptTokens);

        // Four prompts of one length, two base and two of the adapter: one pass (per adapter it would be two).
        var same = cases.Take(4).Select((c, i) => c with { Prompt = [.. Enumerable.Range(0, 12).Select(t => 3 + (t * 7 + i * 5) % 50)], AdapterIndex = i % 2 == 0 ? -1 : 0 }).ToList();
        var sameExpected = same.Select(c => new TextGenerator(model).Generate([c.Prompt],
            new GenerationOptions { MaxNewTokens = c.MaxTokens, Sampling = c.Sampling }, AdapterOf(c))[0]).ToArray();
        var sameHandles = engine.SubmitAll(same.Select(c => new SequenceRequest
        {
            PromptIds = c.Prompt, MaxTokens = c.MaxTokens, Sampling = c.Sampling, Adapter = AdapterOf(c),
        }).ToList());
        for (var i = 0; i < same.Count; i++)
            Assert.Equal(sameExpected[i].TokenIds, (await sameHandles[i].Completion.WaitAsync(TimeSpan.FromMinutes(2))).TokenIds);
        Assert.Equal(4, engine.Metrics.Prefills);
    }

    [Fact]
    public async Task BaseRowsKeepTheFusedDecodeBitsWhenAdapterRowsShareTheStep()
    {
        // A base row decodes with the fused per-layer kernel when alone, and so do rows of a float32 adapter, which then
        // share its fused steps (bfloat16 adapters stay op by op). The engine keeps each row on the path it would take
        // alone, so a base row's log-probabilities are the same bits with or without adapter rows beside it (and equal
        // TextGenerator's tokens).
        using var model = LlamaModel.Load(ServingFixtures.SlowModel);
        using var adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 4, Alpha = 8 }, seed: 5);
        using (new NoGrad())
        using (var g = new Generator(6))
            foreach (var pair in adapter.Pairs.Values) pair.B.NormalInPlace(0, 0.05, g);
        using var bf16Adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 4, Alpha = 8 }, seed: 5, dtype: DType.BFloat16);
        Assert.True(model.DecodesFused(1));
        Assert.True(model.DecodesFused(1, adapter));
        Assert.False(model.DecodesFused(1, bf16Adapter));
        Assert.False(model.DecodesFused(LlamaModel.MaxFusedDecodeRows + 1));
        Assert.False(model.DecodesFused(LlamaModel.MaxFusedDecodeRows + 1, adapter));
        int[] prompt = [1, 17, 250, 99, 5, 6];
        SequenceRequest Base() => new() { PromptIds = prompt, MaxTokens = 12, TopLogprobs = 0, IgnoreEos = true };

        async Task<double[]> Alone(bool fused)
        {
            model.FuseDecodeLayers = fused;
            using var engine = new ServingEngine(model, null);
            var result = await engine.Submit(Base()).Completion.WaitAsync(TimeSpan.FromMinutes(1));
            return result.Reported.Select(t => t.Logprob).ToArray();
        }
        var fusedAlone = await Alone(fused: true);
        var opByOpAlone = await Alone(fused: false);
        model.FuseDecodeLayers = true;

        using var shared = new ServingEngine(model, null);
        var others = Enumerable.Range(0, 3).Select(i => shared.Submit(new SequenceRequest
        {
            PromptIds = [1, 40 + i, 41, 42], MaxTokens = 30, Adapter = adapter, IgnoreEos = true,
        })).ToArray();
        await others[0].Tokens.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        var mixedResult = await shared.Submit(Base()).Completion.WaitAsync(TimeSpan.FromMinutes(1));
        var mixed = mixedResult.Reported.Select(t => t.Logprob).ToArray();
        await Task.WhenAll(others.Select(o => o.Completion)).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(fusedAlone.SequenceEqual(mixed),
            $"the base row's log-probabilities changed when adapter rows shared its steps (fused and op-by-op paths " +
            $"{(fusedAlone.SequenceEqual(opByOpAlone) ? "agree" : "differ")} bit for bit on this model)");
        var expected = new TextGenerator(model).Generate([prompt], new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [] })[0].TokenIds;
        Assert.Equal(expected, mixedResult.TokenIds);
    }

    [Fact]
    public async Task BaseRowsAndRowsOfFourAdaptersShareOneFusedDecodeStep()
    {
        // Ten sequences admitted together, two on the base model and two on each of four adapters (the fixture's and
        // ranks 2, 4, 6): every row takes the fused decode kernel, so all ten run in one batch, one step per token, and
        // each still generates exactly what TextGenerator gives it alone.
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        var adapters = new[] { ServingFixtures.FixtureAdapter }.Concat(ServingFixtures.ExtraAdapters)
            .Select(dir => LoraAdapter.Load(dir, model.Config, DType.Float32)).ToArray();
        try
        {
            Assert.All(adapters, a => Assert.True(model.DecodesFused(1, a)));
            const int tokens = 10;
            var requests = Enumerable.Range(0, 10).Select(i => new SequenceRequest
            {
                PromptIds = Prompts[i % Prompts.Length], MaxTokens = tokens, IgnoreEos = true, Adapter = i < 2 ? null : adapters[(i - 2) / 2],
            }).ToList();
            var expected = requests.Select(r => new TextGenerator(model).Generate([r.PromptIds.ToArray()],
                new GenerationOptions { MaxNewTokens = tokens, EosTokenIds = [] }, r.Adapter)[0].TokenIds).ToArray();

            using var engine = new ServingEngine(model, null, new ServingOptions { MaxNumSeqs = 10, MaxModelLen = 256 });
            var handles = engine.SubmitAll(requests);
            for (var i = 0; i < handles.Count; i++)
            {
                var result = await handles[i].Completion.WaitAsync(TimeSpan.FromMinutes(2));
                Assert.True(expected[i].SequenceEqual(result.TokenIds),
                    $"sequence {i}: engine [{string.Join(",", result.TokenIds)}] vs in-process [{string.Join(",", expected[i])}]");
            }
            // The first token comes from the prefill; the other tokens - 1 from decode steps of all ten rows together.
            Assert.Equal(tokens - 1, engine.Metrics.Steps);
            Assert.Equal(10 * (tokens - 1), engine.Metrics.RowSteps);
        }
        finally
        {
            foreach (var a in adapters) a.Dispose();
        }
    }

    [Fact]
    public void RowsOfDifferentAdaptersInOneForwardPassGetTheBitsOfTheirAdapterAlone()
    {
        using var noGrad = new NoGrad();
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        using var a = LoraAdapter.Load(ServingFixtures.FixtureAdapter, model.Config, DType.Float32);
        using var b = LoraAdapter.Load(ServingFixtures.ExtraAdapters[0], model.Config, DType.Float32);
        LoraAdapter?[] perRow = [a, null, b, a, b, null];
        var ids = new long[] { 5, 17, 250, 99, 42, 7 };
        using var input = Tensor.From<long>(ids, [6, 1]);
        using var rows = new RowAdapters(perRow);
        using var mixed = model.Forward(input, null, null, rows);
        var mixedRows = mixed.Contiguous().ToArray<float>();
        var vocab = model.Config.VocabSize;
        for (var r = 0; r < perRow.Length; r++)
        {
            using var one = Tensor.From<long>([ids[r]], [1, 1]);
            using var alone = model.Forward(one, null, null, perRow[r]);
            Assert.True(alone.ToArray<float>().AsSpan().SequenceEqual(mixedRows.AsSpan(r * vocab, vocab)), $"row {r} differs from its adapter alone");
        }
        // And the mixed rows really differ by adapter: the same token under a, b and the base gives three different rows.
        using var same = Tensor.From<long>([5, 5, 5], [3, 1]);
        using var threeWays = new RowAdapters([a, b, null]);
        var logits = model.Forward(same, null, null, threeWays).Contiguous().ToArray<float>();
        Assert.False(logits.AsSpan(0, vocab).SequenceEqual(logits.AsSpan(vocab, vocab)));
        Assert.False(logits.AsSpan(0, vocab).SequenceEqual(logits.AsSpan(2 * vocab, vocab)));
    }

    [Fact]
    public async Task RowsLeaveAndJoinARunningBatchInPlaceAndKeepTheirBatchOneBits()
    {
        // Three rows at most; six sequences submitted at once, so each time a row ends a waiting one takes its place at
        // the next step. Tokens per sequence (prefill's first included): A 4, B 9, C 20 start; D 5 joins as A leaves
        // (after step 3; its 41-token prompt is longer than the batch, which moves right for it), E 6 as D leaves
        // (step 7), F 3 as B leaves (step 8); F leaves after step 10, E after step 12, C ends the run at step 19. The
        // cache is composed once (A, B, C); every later change is in place: 3 × (one leaves, one joins) + F and E
        // leaving = 8 rows, each ended row's place taken by the batch's last row. Greedy and seeded rows mix in the
        // batch (the greedy ones take the batch's argmax).
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        int[] maxTokens = [4, 9, 20, 5, 6, 3];
        var cases = maxTokens.Select((n, i) => new Case(Prompts[i], -1, n,
            i % 3 == 1 ? SamplingOptions.Sample(temperature: 0.9, topP: 0.95, seed: (ulong)(70 + i)) : SamplingOptions.GreedyDecoding)).ToList();
        var expected = cases.Select(c => new TextGenerator(model).Generate([c.Prompt],
            new GenerationOptions { MaxNewTokens = c.MaxTokens, Sampling = c.Sampling, EosTokenIds = [] })[0].TokenIds).ToArray();

        using var engine = new ServingEngine(model, null, new ServingOptions { MaxNumSeqs = 3, MaxModelLen = 256, CacheChunk = 512 });
        var handles = engine.SubmitAll(cases.Select(c => new SequenceRequest
        {
            PromptIds = c.Prompt, MaxTokens = c.MaxTokens, Sampling = c.Sampling, IgnoreEos = true, TopLogprobs = 1,
        }).ToList());
        for (var i = 0; i < cases.Count; i++)
        {
            var result = await handles[i].Completion.WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(expected[i].SequenceEqual(result.TokenIds),
                $"sequence {i}: engine [{string.Join(",", result.TokenIds)}] vs in-process [{string.Join(",", expected[i])}]");
        }
        Assert.Equal(19, engine.Metrics.Steps);
        Assert.Equal(1, engine.Metrics.Composes);
        Assert.Equal(8, engine.Metrics.InPlaceRowChanges);
        Assert.Equal(0, engine.Metrics.Running);
    }

    [Fact]
    public async Task ACancelledSequenceLeavesTheBatchAndAFullQueueRefuses()
    {
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        using var engine = new ServingEngine(model, null, new ServingOptions { MaxNumSeqs = 1, MaxWaiting = 1, MaxModelLen = 256 });
        var request = new SequenceRequest { PromptIds = [1, 2, 3], MaxTokens = 200, IgnoreEos = true };
        var running = engine.Submit(request);
        await running.Tokens.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1));
        var waiting = engine.Submit(request);
        Assert.Throws<ServingQueueFullException>(() => engine.Submit(request));
        running.Cancel();
        Assert.Equal(SequenceFinish.Aborted, (await running.Completion.WaitAsync(TimeSpan.FromMinutes(1))).Finish);
        await waiting.Tokens.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(1)); // the waiting sequence got the freed row
        waiting.Cancel();
        await waiting.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(0, engine.Metrics.Running);
        Assert.Equal(0, engine.Metrics.Waiting);
    }

    /// <summary>
    /// A sequence's row is given back before its completion is seen: right after a short sequence completes (in a decode
    /// step whose later rows are still being sampled, or at its prefill's token, or cancelled) the engine no longer
    /// counts it as running, and once every sequence has completed it counts none. It once gave rows back only after
    /// the whole step, so a client that read <c>/metrics</c> (or a test) right after its response could still see it
    /// running.
    /// </summary>
    [Fact]
    public async Task ACompletedSequenceNoLongerCountsAsRunningWhenItsCompletionIsSeen()
    {
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        using var engine = new ServingEngine(model, null, new ServingOptions { MaxNumSeqs = 8, MaxModelLen = 256 });
        var sampled = SamplingOptions.Sample(temperature: 1.0, topP: 0.9, seed: 5);
        for (var i = 0; i < 40; i++)
        {
            // The short one first in the batch, then long ones that report their top log-probabilities (slow to sample).
            var requests = new List<SequenceRequest> { new() { PromptIds = [1, 2 + i % 50, 3], MaxTokens = 1 + i % 4, IgnoreEos = true } };
            for (var j = 0; j < 7; j++)
                requests.Add(new SequenceRequest { PromptIds = [1, 5, 7 + j], MaxTokens = 200, IgnoreEos = true, Sampling = sampled, TopLogprobs = 20 });
            var handles = engine.SubmitAll(requests);
            if (i % 10 == 9) handles[0].Cancel();
            await handles[0].Completion.WaitAsync(TimeSpan.FromMinutes(1));
            // At most the 7 others (fewer if some ended meanwhile: the test's continuation may wait for a busy CPU).
            Assert.True(engine.Metrics.Running <= 7, $"round {i}: {engine.Metrics.Running} running after the short sequence completed; at most 7 expected");
            foreach (var h in handles.Skip(1)) h.Cancel();
            foreach (var h in handles.Skip(1)) await h.Completion.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.True(engine.Metrics.Running == 0, $"round {i}: {engine.Metrics.Running} running after every sequence completed");
        }
    }

    [Fact]
    public void BadSequencesAreRefusedNamingWhatIsWrong()
    {
        using var model = LlamaModel.Load(ServingFixtures.TokenIdModel);
        using var engine = new ServingEngine(model, null, new ServingOptions { MaxModelLen = 32 });
        Assert.Contains("vocabulary", Assert.Throws<ArgumentException>(() => engine.Submit(new SequenceRequest { PromptIds = [1, 320] })).Message);
        Assert.Contains("maximum length 32", Assert.Throws<ArgumentException>(() => engine.Submit(new SequenceRequest { PromptIds = [1, 2], MaxTokens = 31 })).Message);
        Assert.Contains("tokenizer", Assert.Throws<ArgumentException>(() => engine.Submit(new SequenceRequest { PromptIds = [1], StopStrings = ["x"] })).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => engine.Submit(new SequenceRequest { PromptIds = [] })).Message);
    }
}
