using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;
using SelfSpec.Tokenizers;
using SelfSpec.Torch;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// <c>selfspec serve</c> as a child process: concurrent completions mixing adapters equal the in-process generator,
/// streaming, echo and full-distribution logprobs, a client leaving mid-stream frees its row, and the binding/key rules.
/// </summary>
[Trait(Category.Name, Category.Slow)]
public sealed class ServeCommandTests
{
    private static string[] Args() =>
    [
        "--served-model-name", "tiny", "--max-logprobs", "-1", "--max-num-seqs", "6",
        "--lora-modules", $"a={ServingFixtures.FixtureAdapter}", $"b={ServingFixtures.ExtraAdapters[0]}", $"c={ServingFixtures.ExtraAdapters[1]}",
    ];

    private static readonly string[] Texts =
    [
        "Name a protein.", "What does hemoglobin carry in the blood and why does it matter for the tissues?", "Insulin", "Describe the role of the liver in metabolism.",
        "DNA", "Explain how vaccines train the immune system to recognise a pathogen.", "List three enzymes.", "Why do cells divide?", "What is a gene?",
    ];

    private static string Post(ServeProcess server, string path, JsonObject body, out HttpStatusCode status)
    {
        using var response = server.Http.PostAsync(path, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
        status = response.StatusCode;
        return response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    [Fact]
    public async Task ConcurrentCompletionsMixingAdaptersEqualTheInProcessGeneratorTokenForToken()
    {
        using var server = ServeProcess.Start(ServingFixtures.TextModel, Args());
        string?[] modelOf = ["tiny", "a", "b", "c", "tiny", "a", "b", "c", "a"];
        var requests = Texts.Select((t, i) => new JsonObject
        {
            ["model"] = modelOf[i], ["prompt"] = t, ["max_tokens"] = 8 + 3 * (i % 4), ["temperature"] = 0, ["return_token_ids"] = true,
        }).ToArray();
        // Two start streaming; once tokens flow, the rest arrive together and join their running batch.
        var first = Enumerable.Range(0, 2).Select(i => Task.Run(() => Post(server, "/v1/completions", requests[i], out _))).ToList();
        await Task.Delay(50);
        var rest = Enumerable.Range(2, requests.Length - 2).Select(i => Task.Run(() => Post(server, "/v1/completions", requests[i], out _)));
        var bodies = await Task.WhenAll(first.Concat(rest));

        using var model = LlamaModel.Load(ServingFixtures.TextModel);
        var tokenizer = new HuggingFaceTokenizer(Tokenizer.FromDirectory(ServingFixtures.TextModel));
        var adapterDirs = new Dictionary<string, string> { ["a"] = ServingFixtures.FixtureAdapter, ["b"] = ServingFixtures.ExtraAdapters[0], ["c"] = ServingFixtures.ExtraAdapters[1] };
        for (var i = 0; i < requests.Length; i++)
        {
            var choice = JsonNode.Parse(bodies[i])!["choices"]![0]!;
            using var adapter = modelOf[i] == "tiny" ? null : LoraAdapter.Load(adapterDirs[modelOf[i]!], model.Config, DType.Float32);
            var prompt = tokenizer.Encode(Texts[i]);
            Assert.Equal(prompt, choice["prompt_token_ids"]!.AsArray().Select(x => x!.GetValue<int>()));
            var expected = new TextGenerator(model, tokenizer).Generate([prompt], new GenerationOptions { MaxNewTokens = requests[i]["max_tokens"]!.GetValue<int>() }, adapter)[0];
            Assert.Equal(expected.TokenIds, choice["token_ids"]!.AsArray().Select(x => x!.GetValue<int>()));
            Assert.Equal(expected.Text, choice["text"]!.GetValue<string>());
        }
        Assert.Contains("\"request\":\"cmpl-", server.Output);
    }

    [Fact]
    public async Task StreamingEchoAndTheFullDistributionOverTheVocabulary()
    {
        using var server = ServeProcess.Start(ServingFixtures.TextModel, Args());
        var body = new JsonObject { ["model"] = "a", ["prompt"] = "Describe the liver.", ["max_tokens"] = 10, ["temperature"] = 0 };
        var whole = JsonNode.Parse(Post(server, "/v1/completions", body, out var status))!;
        Assert.Equal(HttpStatusCode.OK, status);

        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        var events = await ReadEvents(server, body);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).ToList();
        var text = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["text"]!.GetValue<string>()));
        Assert.Equal(whole["choices"]![0]!["text"]!.GetValue<string>(), text);
        Assert.Equal(whole["usage"]!.ToJsonString(), chunks[^1]["usage"]!.ToJsonString());

        // echo + logprobs: the prompt's tokens first (the first without a log-probability), then the generated ones.
        var echo = JsonNode.Parse(Post(server, "/v1/completions", new JsonObject
        {
            ["model"] = "tiny", ["prompt"] = "Insulin", ["max_tokens"] = 3, ["temperature"] = 0, ["echo"] = true, ["logprobs"] = 320, ["return_tokens_as_token_ids"] = true,
        }, out status))!;
        Assert.Equal(HttpStatusCode.OK, status);
        var logprobs = echo["choices"]![0]!["logprobs"]!;
        var promptIds = Tokenizer.FromDirectory(ServingFixtures.TextModel).Encode("Insulin");
        var tokens = logprobs["tokens"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        Assert.Equal(promptIds.Length + 3, tokens.Length);
        Assert.Equal(promptIds.Select(i => $"token_id:{i}"), tokens.Take(promptIds.Length));
        Assert.Null(logprobs["token_logprobs"]![0]);
        Assert.Null(logprobs["top_logprobs"]![0]);
        foreach (var top in logprobs["top_logprobs"]!.AsArray().Skip(1))
        {
            var map = top!.AsObject();
            Assert.Equal(320, map.Count); // every token of the vocabulary
            Assert.Equal(1.0, map.Sum(kv => Math.Exp(kv.Value!.GetValue<double>())), 6);
        }
        Assert.StartsWith("Insulin", echo["choices"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task AClientLeavingMidStreamFreesItsRow()
    {
        using var server = ServeProcess.Start(ServingFixtures.SlowModel, "--served-model-name", "slow");
        const int limit = 4000;
        var body = new JsonObject { ["prompt"] = new JsonArray(1, 17, 250), ["max_tokens"] = limit, ["ignore_eos"] = true, ["stream"] = true };
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") })
        using (var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: {", await reader.ReadLineAsync());
            Assert.Equal(1, await Gauge(server, "vllm:num_requests_running"));
        } // the client hangs up after the first token
        var running = -1.0;
        for (var poll = 0; poll < 600 && running != 0; poll++)
        {
            running = await Gauge(server, "vllm:num_requests_running");
            if (running != 0) await Task.Delay(100);
        }
        Assert.Equal(0, running);
        var metrics = await server.Http.GetStringAsync("/metrics");
        Assert.True(metrics.Contains("finished_reason=\"abort\"} 1"), metrics);
        Assert.True(await Gauge(server, "vllm:generation_tokens_total") < limit, "the abandoned sequence ran to its end");

        // The same without streaming: the client gives up while the server is still generating.
        body.Remove("stream");
        using (var cancel = new CancellationTokenSource())
        {
            var pending = server.Http.PostAsync("/v1/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), cancel.Token);
            for (var poll = 0; poll < 600 && await Gauge(server, "vllm:num_requests_running") == 0; poll++) await Task.Delay(20);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }
        running = -1;
        for (var poll = 0; poll < 600 && running != 0; poll++)
        {
            running = await Gauge(server, "vllm:num_requests_running");
            if (running != 0) await Task.Delay(100);
        }
        Assert.Equal(0, running);
        metrics = await server.Http.GetStringAsync("/metrics");
        Assert.True(metrics.Contains("finished_reason=\"abort\"} 2"), metrics);
        Assert.True(await Gauge(server, "vllm:generation_tokens_total") < 2 * limit, "the abandoned request ran to its end");
    }

    [Fact]
    public async Task OffLoopbackWithoutAKeyItRefusesToStartAndWithAKeyV1NeedsIt()
    {
        var refused = ServeProcess.Run(["serve", ServingFixtures.TokenIdModel, "--host", "0.0.0.0", "--port", "0"], environment: new Dictionary<string, string> { ["SELFSPEC_API_KEY"] = "" });
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("refusing to listen on 0.0.0.0 without an API key", refused.StdErr);

        using var server = ServeProcess.Start(ServingFixtures.TokenIdModel, "--api-key", "s3cret");
        using var noKey = await server.Http.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal("authentication_error", JsonNode.Parse(await noKey.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health")).StatusCode);
        using var withKey = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("{\"prompt\": [1, 5, 6], \"max_tokens\": 4, \"temperature\": 0, \"logprobs\": 1}", Encoding.UTF8, "application/json"),
        };
        withKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        using var ok = await server.Http.SendAsync(withKey);
        var choice = JsonNode.Parse(await ok.Content.ReadAsStringAsync())!["choices"]![0]!;
        Assert.Equal("", choice["text"]!.GetValue<string>()); // no tokenizer: token ids only
        Assert.All(choice["logprobs"]!["tokens"]!.AsArray(), t => Assert.StartsWith("token_id:", t!.GetValue<string>()));
        Assert.Equal(4, choice["token_ids"]!.AsArray().Count);

        // Without a tokenizer there is no text to find a stop string in: a 400 naming 'stop' (stop_token_ids work).
        using var stop = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = new StringContent("{\"prompt\": [1, 5, 6], \"stop\": \"x\"}", Encoding.UTF8, "application/json"),
        };
        stop.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        using var refusedStop = await server.Http.SendAsync(stop);
        Assert.Equal(HttpStatusCode.BadRequest, refusedStop.StatusCode);
        Assert.Equal("stop", JsonNode.Parse(await refusedStop.Content.ReadAsStringAsync())!["error"]!["param"]!.GetValue<string>());
    }

    private static async Task<List<string>> ReadEvents(ServeProcess server, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        using var response = await server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) continue;
            Assert.StartsWith("data: ", line);
            events.Add(line["data: ".Length..]);
        }
        return events;
    }

    internal static async Task<double> Gauge(ServeProcess server, string name)
    {
        var text = await server.Http.GetStringAsync("/metrics");
        var line = text.Split('\n').First(l => l.StartsWith(name + "{", StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
