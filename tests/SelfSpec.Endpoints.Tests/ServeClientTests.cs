using SelfSpec.Endpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Endpoints.Tests;

/// <summary>The client and the API-side decoders against a real <c>selfspec serve</c> child process.</summary>
[Trait(Category.Name, Category.Slow)]
public sealed class ServeClientTests(ServedModel served) : IClassFixture<ServedModel>
{
    private EndpointPool Pool(int topN = 320) => new(EndpointSpec.Parse($"openai:{served.Server.V1}#tiny&logprobs={topN}"));

    private static readonly string[] Documents =
    [
        "Aspirin inhibits cyclooxygenase and reduces the synthesis of prostaglandins.",
        "Insulin resistance is a hallmark of type 2 diabetes mellitus.",
        "Beta blockers lower heart rate and blood pressure.",
    ];

    private static readonly double[] Scores = [7.5, 6.1, 2.0];

    [Fact]
    public async Task ListsTokenizesCompletesWithTokenIdsAndReportsBadRequestsInOpenAisShape()
    {
        using var pool = Pool();
        var ct = CancellationToken.None;
        var models = await pool.SendAsync((e, t) => e.ListModelsAsync(t), ct);
        Assert.Contains("tiny", models);
        Assert.Contains("tiny-lora", models);

        var tokenizer = HuggingFaceTokenizer.TryLoad(served.ModelPath)!;
        var ids = await pool.SendAsync((e, t) => e.TokenizeAsync("tiny", Documents[0], true, t), ct);
        Assert.Equal(tokenizer.Encode(Documents[0]), ids);
        Assert.Equal(Documents[0], await pool.SendAsync((e, t) => e.DetokenizeAsync("tiny", ids, t), ct));

        var completion = await pool.SendAsync((e, t) => e.CompleteAsync(new CompletionRequest
        {
            Model = "tiny", PromptTokens = ids, MaxTokens = 6, Temperature = 0, LogProbs = 5, ReturnTokenIds = true,
        }, t), ct);
        using var model = LlamaModel.Load(served.ModelPath);
        var local = new TextGenerator(model, tokenizer).Generate([ids], new GenerationOptions { MaxNewTokens = 6 })[0];
        Assert.Equal(local.TokenIds, completion.TokenIds!.Take(local.TokenIds.Count));
        Assert.All(completion.TopLogProbs!, top => Assert.True(top.Count >= 5));

        var bad = await Assert.ThrowsAsync<EndpointRequestException>(() => pool.SendAsync((e, t) => e.CompleteAsync(new CompletionRequest
        {
            Model = "no-such-model", Prompt = "x", MaxTokens = 1,
        }, t), ct));
        Assert.Contains(served.Server.V1, bad.Message);
        Assert.Contains("POST /v1/completions", bad.Message);
        Assert.InRange(bad.Status, 400, 499);
        // a 4xx is the request's fault, not the endpoint's: not retried, not counted against its circuit
        Assert.Equal((4L, 0L), (pool.Counts.Single().Completed, pool.Counts.Single().Failed));
    }

    [Fact]
    public async Task RagTokenOverTheApiWithTheWholeVocabularyEqualsInProcessRagToken()
    {
        var tokenizer = HuggingFaceTokenizer.TryLoad(served.ModelPath)!;
        using var model = LlamaModel.Load(served.ModelPath);
        var prompts = Documents.Select(d => tokenizer.Encode(d + "\nAnswer:")).ToList();
        var options = new GenerationOptions { MaxNewTokens = 16, StopStrings = ["###"] };
        var exact = new RagTokenDecoder(model, tokenizer).Generate([new RagTokenQuery([], prompts.Select((p, j) => new RetrievedDocument(p, Scores[j])).ToList())],
            options, 1.0)[0];

        using var pool = Pool();
        var remote = await new RemoteTokenDecoder(pool).GenerateAsync(prompts.Select(p => (IReadOnlyList<int>)p).ToList(),
            RagTokenDecoder.LogDocumentWeights(Scores, 1.0), new RemoteDecodingOptions { Model = "tiny", MaxNewTokens = 16, StopStrings = ["###"], TopN = 320 },
            CancellationToken.None);
        Assert.Equal(exact.TokenIds, remote.TokenIds);
        for (var i = 0; i < exact.TokenIds.Count; i++) Assert.Equal(exact.LogProbs![i], remote.LogProbs[i], 1e-4);
        Assert.Equal(tokenizer.Decode(exact.TokenIds), remote.Text);
    }

    [Fact]
    public async Task ContrastiveRagTokenOverTheApiWithTheWholeVocabularyEqualsInProcess()
    {
        var tokenizer = HuggingFaceTokenizer.TryLoad(served.ModelPath)!;
        using var model = LlamaModel.Load(served.ModelPath);
        using var adapter = LoraAdapter.Load(TinyLlamaModel.FixtureAdapter, model.Config, DType.Float32);
        var prompts = Documents.Select(d => tokenizer.Encode(d + "\nAnswer:")).ToList();
        var options = new GenerationOptions { MaxNewTokens = 12 };
        var contrastive = new ContrastiveOptions { Alpha = 0.1, AmateurTemperature = 1.0, Search = ContrastiveSearch.Greedy };
        var exact = new ContrastiveRagTokenDecoder(model, adapter, null, tokenizer)
            .Generate([new RagTokenQuery([], prompts.Select((p, j) => new RetrievedDocument(p, Scores[j])).ToList())], options, contrastive, 1.0)[0];

        using var pool = Pool();
        var remote = await new RemoteTokenDecoder(pool).GenerateAsync(prompts.Select(p => (IReadOnlyList<int>)p).ToList(),
            RagTokenDecoder.LogDocumentWeights(Scores, 1.0),
            new RemoteDecodingOptions { Model = "tiny-lora", AmateurModel = "tiny", Alpha = 0.1, MaxNewTokens = 12, TopN = 320 }, CancellationToken.None);
        Assert.Equal(exact.TokenIds, remote.TokenIds);
    }

    [Fact]
    public async Task TheApiKeyIsSentAsABearerTokenAndAMissingOneIsARefusalNotARetry()
    {
        using var keyed = SelfSpecServer.Start(served.ModelPath, "--served-model-name", "tiny", "--api-key", "s3cret");
        var spec = EndpointSpec.Parse($"openai:{keyed.V1}#tiny");
        using (var pool = new EndpointPool(spec, apiKey: "s3cret"))
            Assert.Contains("tiny", await pool.SendAsync((e, t) => e.ListModelsAsync(t), CancellationToken.None));
        using var without = new EndpointPool(spec, apiKey: "");
        var refused = await Assert.ThrowsAsync<EndpointRequestException>(() => without.SendAsync((e, t) => e.ListModelsAsync(t), CancellationToken.None));
        Assert.Equal(401, refused.Status);
        Assert.DoesNotContain("s3cret", spec.ToString());
    }
}
