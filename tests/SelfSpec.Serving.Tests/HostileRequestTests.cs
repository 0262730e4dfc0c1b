using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// Malformed and hostile requests get a 4xx in OpenAI's error shape naming the parameter, the server keeps serving,
/// and its managed memory returns near where it was.
/// </summary>
public sealed class HostileRequestTests
{
    private sealed record Hostile(string What, string Method, string Path, byte[]? Body, int Status, string? Param = null);

    private static Hostile Post(string what, string path, string json, int status, string? param = null) => new(what, "POST", path, Encoding.UTF8.GetBytes(json), status, param);

    private static IEnumerable<Hostile> Requests()
    {
        const string c = "/v1/completions";
        yield return Post("malformed JSON", c, "{\"prompt\": [1, 2", 400);
        yield return Post("a JSON list", c, "[1, 2, 3]", 400);
        yield return Post("an empty body", c, "", 400);
        yield return Post("no prompt", c, "{\"max_tokens\": 3}", 400, "prompt");
        yield return Post("a number prompt", c, "{\"prompt\": 42}", 400, "prompt");
        yield return Post("an empty prompt list", c, "{\"prompt\": []}", 400, "prompt");
        yield return Post("mixed prompt list", c, "{\"prompt\": [1, \"a\"]}", 400, "prompt");
        yield return Post("an empty id list in a batch", c, "{\"prompt\": [[1, 2], []]}", 400, "prompt");
        yield return Post("a token id outside the vocabulary", c, "{\"prompt\": [1, 99999]}", 400, "prompt");
        yield return Post("a negative token id", c, "{\"prompt\": [-1]}", 400, "prompt");
        yield return Post("a fractional token id", c, "{\"prompt\": [1.5]}", 400, "prompt");
        yield return Post("negative max_tokens", c, "{\"prompt\": [1], \"max_tokens\": -5}", 400, "max_tokens");
        yield return Post("huge max_tokens", c, "{\"prompt\": [1], \"max_tokens\": 1000000000000}", 400, "max_tokens");
        yield return Post("max_tokens as a string", c, "{\"prompt\": [1], \"max_tokens\": \"10\"}", 400, "max_tokens");
        yield return Post("fractional max_tokens", c, "{\"prompt\": [1], \"max_tokens\": 2.5}", 400, "max_tokens");
        yield return Post("negative temperature", c, "{\"prompt\": [1], \"temperature\": -1}", 400, "temperature");
        yield return Post("temperature as a word", c, "{\"prompt\": [1], \"temperature\": \"hot\"}", 400, "temperature");
        yield return Post("top_p 0", c, "{\"prompt\": [1], \"top_p\": 0}", 400, "top_p");
        yield return Post("top_p 2", c, "{\"prompt\": [1], \"top_p\": 2}", 400, "top_p");
        yield return Post("logprobs above the cap", c, "{\"prompt\": [1], \"logprobs\": 21}", 400, "logprobs");
        yield return Post("negative logprobs", c, "{\"prompt\": [1], \"logprobs\": -1}", 400, "logprobs");
        yield return Post("n 0", c, "{\"prompt\": [1], \"n\": 0}", 400, "n");
        yield return Post("n 1000", c, "{\"prompt\": [1], \"n\": 1000}", 400, "n");
        yield return Post("an unknown model", c, "{\"model\": \"gpt-9\", \"prompt\": [1]}", 404, "model");
        yield return Post("a prompt longer than the context", c, $"{{\"prompt\": [{string.Join(",", Enumerable.Repeat(5, 300))}]}}", 400, "prompt");
        yield return Post("prompt + max_tokens beyond the context", c, "{\"prompt\": [1, 2, 3], \"max_tokens\": 255}", 400, "max_tokens");
        yield return Post("an unknown field", c, "{\"prompt\": [1], \"frobnicate\": true}", 400, "frobnicate");
        yield return Post("stop as a number", c, "{\"prompt\": [1], \"stop\": 5}", 400, "stop");
        yield return Post("an empty stop string", c, "{\"prompt\": \"hi\", \"stop\": [\"\"]}", 400, "stop");
        yield return Post("stream as a string", c, "{\"prompt\": [1], \"stream\": \"yes\"}", 400, "stream");
        yield return Post("seed as a word", c, "{\"prompt\": [1], \"seed\": \"abc\"}", 400, "seed");
        yield return Post("logit_bias", c, "{\"prompt\": [1], \"logit_bias\": {\"5\": 10}}", 400, "logit_bias");
        yield return Post("best_of above n", c, "{\"prompt\": [1], \"best_of\": 3}", 400, "best_of");
        yield return Post("stream_options without stream", c, "{\"prompt\": [1], \"stream_options\": {\"include_usage\": true}}", 400, "stream_options");
        yield return Post("JSON nested 1000 deep", c, "{\"prompt\": " + new string('[', 1000) + new string(']', 1000) + "}", 400);
        yield return new Hostile("invalid UTF-8", "POST", c, [(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 400);
        yield return new Hostile("a 10 MB body", "POST", c, Encoding.UTF8.GetBytes("{\"prompt\": \"" + new string('a', 10 * 1024 * 1024) + "\"}"), 413);
        yield return Post("chat without messages", "/v1/chat/completions", "{\"model\": \"tiny\"}", 400, "messages");
        yield return Post("chat with an unknown role", "/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}", 400, "messages");
        yield return Post("chat content as a number", "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}", 400, "messages");
        yield return Post("chat top_logprobs without logprobs", "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"top_logprobs\": 2}", 400, "top_logprobs");
        yield return Post("chat with tools", "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\"}]}", 400, "tools");
        yield return Post("a lora_path walking up", "/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"../../../etc\"}", 400, "lora_path");
        yield return Post("a lora_path that is no adapter", "/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"/etc\"}", 400, "lora_path");
        yield return Post("a lora_path that does not exist", "/v1/load_lora_adapter", "{\"lora_name\": \"x\", \"lora_path\": \"/no/such/adapter\"}", 400, "lora_path");
        yield return Post("load without a name", "/v1/load_lora_adapter", "{\"lora_path\": \"/tmp\"}", 400, "lora_name");
        yield return Post("an adapter name already served", "/v1/load_lora_adapter", $"{{\"lora_name\": \"lora\", \"lora_path\": \"{ServingFixtures.FixtureAdapter}\"}}", 400, "lora_name");
        yield return Post("unloading an unknown adapter", "/v1/unload_lora_adapter", "{\"lora_name\": \"nope\"}", 404, "lora_name");
        yield return Post("detokenize outside the vocabulary", "/detokenize", "{\"tokens\": [999999]}", 400, "tokens");
        yield return Post("detokenize a string", "/detokenize", "{\"tokens\": \"abc\"}", 400, "tokens");
        yield return Post("tokenize without a prompt", "/tokenize", "{}", 400, "prompt");
        yield return new Hostile("an unknown path", "GET", "/v1/engines", null, 404);
        yield return new Hostile("POST to a GET endpoint", "POST", "/v1/models", Encoding.UTF8.GetBytes("{}"), 405);
        yield return new Hostile("path traversal in the URL", "GET", "/v1/../../etc/passwd", null, 404);
    }

    [Fact]
    public async Task EveryHostileRequestGetsA4xxInOpenAisShapeAndTheServerKeepsServing()
    {
        await using var host = await ServingHost.StartAsync(new ServeOptions
        {
            ModelDirectory = ServingFixtures.TextModel, ServedModelName = "tiny",
            LoraModules = new Dictionary<string, string> { ["lora"] = ServingFixtures.FixtureAdapter },
        });
        var valid = "{\"model\": \"lora\", \"prompt\": \"What is a gene?\", \"max_tokens\": 6, \"temperature\": 0}";
        var reference = (await host.PostOkAsync("/v1/completions", valid))["choices"]![0]!["text"]!.GetValue<string>();
        var requests = Requests().ToList();
        Assert.True(requests.Count >= 30);
        var baseline = Managed();
        for (var round = 0; round < 3; round++)
            foreach (var r in requests)
            {
                // Expect: 100-continue, so a body the server refuses by its Content-Length is never sent (else the client's write breaks).
                using var message = new HttpRequestMessage(new HttpMethod(r.Method), r.Path) { Headers = { ExpectContinue = r.Status == 413 } };
                if (r.Body is not null) message.Content = new ByteArrayContent(r.Body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
                using var response = await host.Http.SendAsync(message);
                var text = await response.Content.ReadAsStringAsync();
                Assert.True((int)response.StatusCode == r.Status, $"{r.What}: expected {r.Status}, got {(int)response.StatusCode}: {text}");
                var error = JsonNode.Parse(text)?["error"] ?? throw new Xunit.Sdk.XunitException($"{r.What}: no error object in {text}");
                Assert.False(string.IsNullOrWhiteSpace(error["message"]?.GetValue<string>()), r.What);
                Assert.NotNull(error["type"]);
                Assert.Equal(r.Status, error["code"]!.GetValue<int>());
                if (r.Param is not null) Assert.True(r.Param == error["param"]?.GetValue<string>(), $"{r.What}: param {error["param"]} instead of {r.Param}: {text}");
            }
        // Still serving, with the same answer, and the waste collected.
        Assert.Equal(reference, (await host.PostOkAsync("/v1/completions", valid))["choices"]![0]!["text"]!.GetValue<string>());
        var after = Managed();
        Assert.True(after - baseline < 32L * 1024 * 1024, $"managed memory grew from {baseline:N0} to {after:N0} bytes");
        Assert.Equal(0, host.Models.Engine.Metrics.Running);
    }

    [Fact]
    public async Task AFullQueueIs429AndAStoppingEngineIs503()
    {
        await using var host = await ServingHost.StartAsync(new ServeOptions { ModelDirectory = ServingFixtures.SlowModel, MaxNumSeqs = 1, MaxWaiting = 1 });
        var longRequest = "{\"prompt\": [1, 2, 3], \"max_tokens\": 4000, \"ignore_eos\": true}";
        var running = host.PostAsync("/v1/completions", longRequest);
        var waiting = host.PostAsync("/v1/completions", longRequest);
        for (var poll = 0; poll < 600 && (host.Models.Engine.Metrics.Running, host.Models.Engine.Metrics.Waiting) != (1, 1); poll++) await Task.Delay(20);
        var (status, body, text) = await host.PostAsync("/v1/completions", longRequest);
        Assert.True(status == 429, text);
        Assert.Equal("rate_limit_exceeded", body!["error"]!["type"]!.GetValue<string>());

        host.Models.Engine.Dispose(); // what shutting down does: queued and running sequences end, new ones are refused
        (status, _, text) = await host.PostAsync("/v1/completions", longRequest);
        Assert.True(status == 503, text);
        // The two in flight were ended by the shutdown: 503 as well, not a 500.
        Assert.All(await Task.WhenAll(running, waiting), r => Assert.True(r.Status == 503, r.Text));
    }

    private static long Managed()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
