using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Serving.Templates;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// The endpoints beyond plain completions: chat through the tokenizer's Jinja template (the prompt Python's jinja2
/// renders), tokenize/detokenize, adapters loaded and unloaded at run time, stop strings, and n choices with a seed.
/// </summary>
public sealed class EndpointTests
{
    [Fact]
    public async Task ChatOnTheBaseModelUsesTheTokenizersTemplateAsJinja2RendersIt()
    {
        var python = ExternalReference.RequirePython("jinja2", "python3-jinja2");
        await using var host = await ServingHost.StartAsync(new ServeOptions { ModelDirectory = ServingFixtures.ChatModel, ServedModelName = "chat" });
        var messages = new JsonArray(
            new JsonObject { ["role"] = "system", ["content"] = "Answer briefly." },
            new JsonObject { ["role"] = "user", ["content"] = "What does insulin do?" });
        var input = JsonSerializer.Serialize(new[]
        {
            new { template = ServingFixtures.LlamaChatTemplate, variables = new Dictionary<string, object> { ["messages"] = JsonSerializer.Deserialize<object>(messages.ToJsonString())!, ["bos_token"] = "<s>", ["eos_token"] = "</s>", ["add_generation_prompt"] = true } },
        });
        var run = ChildProcess.Run(python, [Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Serving.Tests", "python", "render_chat_template.py")], stdin: input);
        Assert.True(run.ExitCode == 0, run.ToString());
        var prompt = JsonNode.Parse(run.StdOut)![0]!["text"]!.GetValue<string>();
        var ids = host.Models.Tokenizer!.Encode(prompt, addSpecialTokens: false);

        var tokenized = await host.PostOkAsync("/tokenize", new JsonObject { ["model"] = "chat", ["messages"] = messages.DeepClone() }.ToJsonString());
        Assert.Equal(ids, tokenized["tokens"]!.AsArray().Select(t => t!.GetValue<int>()));
        Assert.Equal(ids.Length, tokenized["count"]!.GetValue<int>());

        var chat = await host.PostOkAsync("/v1/chat/completions", new JsonObject { ["model"] = "chat", ["messages"] = messages.DeepClone(), ["max_tokens"] = 10, ["temperature"] = 0 }.ToJsonString());
        var expected = new TextGenerator(host.Models.Model, host.Models.GenerationTokenizer).Generate([ids], new GenerationOptions { MaxNewTokens = 10 })[0];
        Assert.Equal(expected.Text, chat["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(ids.Length, chat["usage"]!["prompt_tokens"]!.GetValue<int>());

        // The template's own raise_exception (roles must alternate) is a 400 naming messages.
        var (status, body, _) = await host.PostAsync("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}]}");
        Assert.Equal(400, status);
        Assert.Equal("messages", body!["error"]!["param"]!.GetValue<string>());
        Assert.Contains("Conversation roles must alternate", body["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokenizeDetokenizeAndAdaptersLoadedAndUnloadedAtRunTime()
    {
        await using var host = await ServingHost.StartAsync(new ServeOptions { ModelDirectory = ServingFixtures.TextModel, ServedModelName = "tiny" });
        var tokens = await host.PostOkAsync("/tokenize", "{\"model\": \"tiny\", \"prompt\": \"Insulin lowers blood sugar.\"}");
        var ids = host.Models.Tokenizer!.Encode("Insulin lowers blood sugar.");
        Assert.Equal(ids, tokens["tokens"]!.AsArray().Select(t => t!.GetValue<int>()));
        Assert.Equal(host.Models.MaxModelLen, tokens["max_model_len"]!.GetValue<int>());
        var text = await host.PostOkAsync("/detokenize", new JsonObject { ["model"] = "tiny", ["tokens"] = tokens["tokens"]!.DeepClone() }.ToJsonString());
        Assert.Equal(host.Models.Tokenizer.Decode(ids), text["prompt"]!.GetValue<string>());

        var adapterDir = ServingFixtures.ExtraAdapters[2];
        var (status, _, reply) = await host.PostAsync("/v1/load_lora_adapter", new JsonObject { ["lora_name"] = "late", ["lora_path"] = adapterDir }.ToJsonString());
        Assert.True(status == 200, reply);
        var models = JsonNode.Parse(await host.Http.GetStringAsync("/v1/models"))!["data"]!.AsArray();
        Assert.Contains(models, m => m!["id"]!.GetValue<string>() == "late" && m["parent"]!.GetValue<string>() == "tiny");

        var completion = await host.PostOkAsync("/v1/completions", "{\"model\": \"late\", \"prompt\": \"What is a gene?\", \"max_tokens\": 8, \"temperature\": 0}");
        using (var adapter = LoraAdapter.Load(adapterDir, host.Models.Model.Config, DType.Float32))
        {
            var expected = new TextGenerator(host.Models.Model, host.Models.GenerationTokenizer)
                .Generate([host.Models.Tokenizer.Encode("What is a gene?")], new GenerationOptions { MaxNewTokens = 8 }, adapter)[0];
            Assert.Equal(expected.Text, completion["choices"]![0]!["text"]!.GetValue<string>());
        }

        (status, _, reply) = await host.PostAsync("/v1/unload_lora_adapter", "{\"lora_name\": \"late\"}");
        Assert.True(status == 200, reply);
        (status, _, _) = await host.PostAsync("/v1/completions", "{\"model\": \"late\", \"prompt\": \"x\", \"max_tokens\": 2}");
        Assert.Equal(404, status);
        models = JsonNode.Parse(await host.Http.GetStringAsync("/v1/models"))!["data"]!.AsArray();
        Assert.DoesNotContain(models, m => m!["id"]!.GetValue<string>() == "late");
    }

    [Fact]
    public async Task StopStringsAndSeededChoicesEqualTheInProcessGenerator()
    {
        await using var host = await ServingHost.StartAsync(new ServeOptions { ModelDirectory = ServingFixtures.TextModel, ServedModelName = "tiny" });
        var prompt = host.Models.Tokenizer!.Encode("Describe the role of the liver.");
        var generator = new TextGenerator(host.Models.Model, host.Models.GenerationTokenizer);
        var free = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 24 })[0];
        // A stop string taken from the middle of the greedy output.
        var stop = free.Text!.Length > 6 ? free.Text.Substring(free.Text.Length / 2, 2) : free.Text;
        var expected = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 24, StopStrings = [stop] })[0];
        var stopped = (await host.PostOkAsync("/v1/completions", new JsonObject
        {
            ["prompt"] = "Describe the role of the liver.", ["max_tokens"] = 24, ["temperature"] = 0, ["stop"] = stop,
        }.ToJsonString()))["choices"]![0]!;
        Assert.Equal(expected.Text, stopped["text"]!.GetValue<string>());
        Assert.Equal("stop", stopped["finish_reason"]!.GetValue<string>());
        Assert.Equal(stop, stopped["stop_reason"]!.GetValue<string>());

        var choices = (await host.PostOkAsync("/v1/completions", "{\"prompt\": \"Describe the role of the liver.\", \"max_tokens\": 12, \"temperature\": 1.1, \"top_p\": 0.9, \"seed\": 77, \"n\": 2}"))["choices"]!.AsArray();
        for (var j = 0; j < 2; j++)
        {
            var sampled = generator.Generate([prompt], new GenerationOptions { MaxNewTokens = 12, Sampling = SamplingOptions.Sample(1.1, 0.9, seed: 77 + (ulong)j) })[0];
            Assert.Equal(sampled.Text, choices[j]!["text"]!.GetValue<string>());
        }
    }
}
