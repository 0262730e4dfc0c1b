using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Prompting;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// The official <c>openai</c> npm package (version pinned in <c>node/package.json</c>, installed on first use into
/// <c>.selfspec/npm/openai</c>) against the server: models, completions and chat (plain and streamed, with logprobs) on an
/// adapter, equal to the in-process generator, and errors as the package's typed errors.
/// </summary>
[Trait(Category.Name, Category.Slow)]
public sealed class NpmOpenAiClientTests
{
    [Fact]
    public async Task TheOpenAiNpmClientGetsCompletionsChatStreamsAndTypedErrors()
    {
        var node = ExternalReference.RequireNode();
        var dir = NpmPackage.Install();
        await using var host = await ServingHost.StartAsync(new ServeOptions
        {
            ModelDirectory = ServingFixtures.TextModel, ServedModelName = "tiny", ApiKey = "npm-key",
            LoraModules = new Dictionary<string, string> { ["lora"] = ServingFixtures.FixtureAdapter },
        });
        var run = ChildProcess.Run(node, [Path.Combine(dir, "client.mjs"), host.BaseUrl, "npm-key", "lora"], workingDirectory: dir, timeout: TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.ToString());
        var seen = JsonNode.Parse(run.StdOut)!;

        Assert.Contains(seen["models"]!.AsArray(), m => m!["id"]!.GetValue<string>() == "lora" && m["parent"]!.GetValue<string>() == "tiny");
        using var adapter = LoraAdapter.Load(ServingFixtures.FixtureAdapter, host.Models.Model.Config, DType.Float32);
        var generator = new TextGenerator(host.Models.Model, host.Models.GenerationTokenizer);
        string Expected(string prompt) => generator.Generate([host.Models.Tokenizer!.Encode(prompt)], new GenerationOptions { MaxNewTokens = 8 }, adapter)[0].Text!;

        var completion = seen["completion"]!;
        Assert.Equal(Expected("What is a gene?"), completion["text"]!.GetValue<string>());
        Assert.Equal(completion["text"]!.GetValue<string>(), seen["completionStream"]!.GetValue<string>());
        Assert.Equal(completion["usage"]!["completion_tokens"]!.GetValue<int>(), completion["logprobTokens"]!.GetValue<int>());
        Assert.All(completion["topCounts"]!.AsArray(), c => Assert.Equal(2, c!.GetValue<int>())); // greedy: the chosen token is among the top 2

        var chat = seen["chat"]!;
        Assert.Equal(Expected(AlpacaTemplate.Format("Name a protein.", null)), chat["content"]!.GetValue<string>());
        Assert.Equal("assistant", chat["role"]!.GetValue<string>());
        Assert.All(chat["top"]!.AsArray(), c => Assert.Equal(2, c!.GetValue<int>()));
        Assert.Equal(chat["content"]!.GetValue<string>(), seen["chatStream"]!.GetValue<string>());
        Assert.Equal(chat["logprobs"]!.GetValue<int>(), seen["chatStreamUsage"]!["completion_tokens"]!.GetValue<int>());

        Assert.Equal(404, seen["unknownModel"]!["status"]!.GetValue<int>());
        Assert.Equal("NotFoundError", seen["unknownModel"]!["kind"]!.GetValue<string>());
        Assert.Equal(400, seen["badTopP"]!["status"]!.GetValue<int>());
        Assert.Equal("BadRequestError", seen["badTopP"]!["kind"]!.GetValue<string>());
        Assert.Equal("top_p", seen["badTopP"]!["param"]!.GetValue<string>());
        Assert.Equal(401, seen["wrongKey"]!["status"]!.GetValue<int>());
        Assert.Equal("AuthenticationError", seen["wrongKey"]!["kind"]!.GetValue<string>());
    }
}

/// <summary>The pinned openai package of <c>node/package.json</c> and <c>client.mjs</c>, installed once into <c>.selfspec/npm/openai</c>.</summary>
internal static class NpmPackage
{
    private static readonly Lazy<string> Dir = new(() => NpmTestPackage.Install("openai",
        Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Serving.Tests", "node"), Path.Combine("openai", "package.json")));

    public static string Install() => Dir.Value;
}
