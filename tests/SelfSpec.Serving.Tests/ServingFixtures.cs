using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.TestSupport;
using SelfSpec.Torch;

namespace SelfSpec.Serving.Tests;

/// <summary>
/// The models the serving tests use: the PyTorch-made fixture Llama (no tokenizer: token ids only) and its fixture
/// adapter, read in place; a copy of it with a trained BPE tokenizer for text; and extra adapters with non-zero B made
/// here, so that several distinct adapters share a batch.
/// </summary>
internal static class ServingFixtures
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "selfspec-serving-tests-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        return dir;
    });

    private static readonly Lazy<string> TextModelLazy = new(() => TinyLlamaModel.Create(Path.Combine(Root.Value, "text-model")));
    private static readonly Lazy<string[]> ExtraAdaptersLazy = new(() => Enumerable.Range(0, 3).Select(i => MakeAdapter(Path.Combine(Root.Value, $"adapter-{i}"), (ulong)(100 + i), rank: 2 + 2 * i)).ToArray());

    private static readonly Lazy<string> SlowModelLazy = new(() =>
    {
        // A random Llama big enough that a long generation takes seconds (about 9M parameters), with a long context.
        var config = new LlamaConfig
        {
            VocabSize = 320, HiddenSize = 384, IntermediateSize = 1024, NumLayers = 6, NumHeads = 6, NumKeyValueHeads = 2, HeadDim = 64,
            MaxPositions = 4096, EosTokenIds = [2], BosTokenId = 1,
        };
        var dir = Path.Combine(Root.Value, "slow-model");
        using var model = LlamaModel.CreateRandom(config, seed: 7);
        LlamaCheckpointWriter.Save(model, dir);
        return dir;
    });

    /// <summary>A random token-id model whose 4,000-token generations take seconds (for leaving clients).</summary>
    public static string SlowModel => SlowModelLazy.Value;

    private static readonly Lazy<string> ChatModelLazy = new(() =>
    {
        // The text model with the Llama 2 tokenizer's chat template added to its tokenizer_config.json.
        var dir = Path.Combine(Root.Value, "chat-model");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(TextModel)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)), overwrite: true);
        var configPath = Path.Combine(dir, "tokenizer_config.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["chat_template"] = LlamaChatTemplate;
        config["bos_token"] = "<s>";
        config["eos_token"] = "</s>";
        File.WriteAllText(configPath, config.ToJsonString());
        return dir;
    });

    /// <summary>The Llama 2 tokenizer's chat template (from its fixture tokenizer_config.json).</summary>
    public static string LlamaChatTemplate =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Paths.Fixture("tokenizers", "llama2", "tokenizer_config.json")))!["chat_template"]!.GetValue<string>();

    /// <summary>The text model with a Jinja chat template.</summary>
    public static string ChatModel => ChatModelLazy.Value;

    /// <summary>The fixture model folder (no tokenizer).</summary>
    public static string TokenIdModel => TinyLlamaModel.FixtureDirectory;

    /// <summary>The fixture adapter folder.</summary>
    public static string FixtureAdapter => TinyLlamaModel.FixtureAdapter;

    /// <summary>The fixture model with a tokenizer (a temp copy).</summary>
    public static string TextModel => TextModelLazy.Value;

    /// <summary>Three more adapters for the fixture model (ranks 2, 4, 6; non-zero B).</summary>
    public static IReadOnlyList<string> ExtraAdapters => ExtraAdaptersLazy.Value;

    /// <summary>A folder under the tests' temp root.</summary>
    public static string TempFolder(string name)
    {
        var dir = Path.Combine(Root.Value, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string MakeAdapter(string directory, ulong seed, int rank)
    {
        var config = LlamaConfig.Load(TokenIdModel);
        using var adapter = LoraAdapter.CreateTrainable(config, new LoraConfig { Rank = rank, Alpha = 2 * rank }, seed);
        using (new NoGrad())
        using (var generator = new Generator(seed + 1000))
            foreach (var pair in adapter.Pairs.Values) pair.B.NormalInPlace(0, 0.05, generator);
        adapter.Save(directory);
        return directory;
    }
}
