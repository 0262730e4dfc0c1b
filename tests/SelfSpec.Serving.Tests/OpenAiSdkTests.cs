using System.ClientModel;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Llm.Prompting;
using SelfSpec.Torch;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// The official OpenAI .NET SDK (2.15.0) against the server on a real port: models, chat (plain, streamed, with
/// logprobs), adapters chosen by model name, and errors as the SDK's exceptions; greedy and seeded results equal the
/// in-process generator's.
/// </summary>
public sealed class OpenAiSdkTests
{
    private static ServeOptions Options(string? apiKey = null) => new()
    {
        ModelDirectory = ServingFixtures.TextModel,
        ServedModelName = "tiny",
        LoraModules = new Dictionary<string, string> { ["fixture-lora"] = ServingFixtures.FixtureAdapter, ["extra-lora"] = ServingFixtures.ExtraAdapters[0] },
        ApiKey = apiKey,
    };

    private static OpenAIClient Client(ServingHost host, string key = "unused") =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(host.BaseUrl + "/v1") });

    [Fact]
    public async Task TheSdkListsTheBaseModelAndEachAdapterWithItsParent()
    {
        await using var host = await ServingHost.StartAsync(Options());
        var models = (await Client(host).GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Equal(["extra-lora", "fixture-lora", "tiny"], models.Select(m => m.Id).Order(StringComparer.Ordinal));
        using var raw = await host.Http.GetAsync("/v1/models");
        var data = JsonNode.Parse(await raw.Content.ReadAsStringAsync())!["data"]!.AsArray();
        var lora = data.Single(m => m!["id"]!.GetValue<string>() == "fixture-lora")!;
        Assert.Equal("tiny", lora["parent"]!.GetValue<string>());
        Assert.Equal(Path.GetFullPath(ServingFixtures.FixtureAdapter), lora["root"]!.GetValue<string>());
        Assert.Null(data.Single(m => m!["id"]!.GetValue<string>() == "tiny")!["parent"]);
    }

    [Fact]
    public async Task SdkChatOnAnAdapterIsTheAlpacaPromptGeneratedInProcessAndStreamsTheSameText()
    {
        await using var host = await ServingHost.StartAsync(Options());
        var chat = Client(host).GetChatClient("fixture-lora");
        var instruction = "Name a protein that binds oxygen.";
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        var completion = (await chat.CompleteChatAsync([new UserChatMessage(instruction)], options)).Value;

        var expected = InProcess(host, AlpacaTemplate.Format(instruction, null), 12, SamplingOptions.GreedyDecoding, ServingFixtures.FixtureAdapter);
        Assert.Equal(expected.Text, completion.Content[0].Text);
        Assert.Equal(expected.TokenIds.Count, completion.Usage.OutputTokenCount);
        Assert.Equal(expected.TokenIds.Count, completion.ContentTokenLogProbabilities.Count);
        Assert.All(completion.ContentTokenLogProbabilities, t =>
        {
            Assert.Equal(3, t.TopLogProbabilities.Count);
            Assert.True(t.LogProbability <= 0);
            Assert.Equal(t.TopLogProbabilities[0].LogProbability, t.LogProbability); // greedy: the chosen token is the most likely
        });

        var streamed = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(instruction)], new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12 }))
        {
            foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            finish ??= update.FinishReason;
        }
        Assert.Equal(expected.Text, streamed.ToString());
        Assert.NotNull(finish);
    }

    [Fact]
    public async Task SeededSdkChatEqualsInProcessSamplingWithThatSeed()
    {
        await using var host = await ServingHost.StartAsync(Options());
        var chat = Client(host).GetChatClient("extra-lora");
        var instruction = "List two enzymes.";
#pragma warning disable OPENAI001 // Seed is marked experimental in the SDK.
        var options = new ChatCompletionOptions { Temperature = 0.9f, TopP = 0.95f, Seed = 1234, MaxOutputTokenCount = 16 };
#pragma warning restore OPENAI001
        var tasks = Enumerable.Range(0, 4).Select(_ => chat.CompleteChatAsync([new UserChatMessage(instruction)], options)).ToArray();
        var texts = (await Task.WhenAll(tasks)).Select(r => r.Value.Content.Count == 0 ? "" : r.Value.Content[0].Text).ToArray();
        var expected = InProcess(host, AlpacaTemplate.Format(instruction, null), 16, SamplingOptions.Sample(temperature: (float)0.9f, topP: (float)0.95f, seed: 1234),
            ServingFixtures.ExtraAdapters[0]);
        Assert.All(texts, t => Assert.Equal(expected.Text, t));
    }

    [Fact]
    public async Task ErrorsReachTheSdkWithTheirStatus()
    {
        await using var host = await ServingHost.StartAsync(Options(apiKey: "sesame"));
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() =>
            Client(host, "sesame").GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(404, unknown.Status);
        Assert.Contains("no-such-model", unknown.Message);

        var tooMany = await Assert.ThrowsAsync<ClientResultException>(() => Client(host, "sesame").GetChatClient("tiny")
            .CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = 21 }));
        Assert.Equal(400, tooMany.Status);
        Assert.Contains("top_logprobs", tooMany.Message);

        var wrongKey = await Assert.ThrowsAsync<ClientResultException>(() => Client(host, "guess").GetChatClient("tiny").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, wrongKey.Status);
        var ok = await Client(host, "sesame").GetChatClient("tiny").CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 3 });
        Assert.Equal("tiny", ok.Value.Model);
    }

    /// <summary>The in-process reference: TextGenerator at batch 1 on the prompt as the server encodes it (BOS added).</summary>
    internal static GenerationResult InProcess(ServingHost host, string prompt, int maxTokens, SamplingOptions sampling, string? adapterDir)
    {
        var model = host.Models.Model;
        using var adapter = adapterDir is null ? null : LoraAdapter.Load(adapterDir, model.Config, DType.Float32);
        var ids = host.Models.Tokenizer!.Encode(prompt, addSpecialTokens: true);
        var result = new TextGenerator(model, host.Models.GenerationTokenizer).Generate([ids], new GenerationOptions { MaxNewTokens = maxTokens, Sampling = sampling }, adapter)[0];
        return result;
    }
}
