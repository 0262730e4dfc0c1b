using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SelfSpec.TestSupport;
using SelfSpec.Tokenizers.Training;
using SelfSpec.Workflows.Definitions;

namespace SelfSpec.Pipeline.Tests.Support;

/// <summary>
/// A model directory for activity tests: the tiny fixture Llama (shared/fixtures/llama) with a byte-level BPE tokenizer
/// trained beside it on the demo seeds, so text prompts work. Shared by a test class (xunit class fixture).
/// </summary>
public sealed class TinyModel : IDisposable
{
    private readonly TempDir _dir = new("selfspec-pipeline-model-");

    public TinyModel()
    {
        Directory.CreateDirectory(ModelPath);
        foreach (var f in Directory.GetFiles(Paths.Fixture("llama", "tiny-llama"))) File.Copy(f, Path.Combine(ModelPath, Path.GetFileName(f)));
        BpeTrainer.Train(File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl")), 300, ["<s>", "</s>"], ModelPath);
    }

    /// <summary>The model directory (config.json, model.safetensors, tokenizer.json).</summary>
    public string ModelPath => _dir.Combine("tiny-llama");

    /// <summary>The fixture's PEFT adapter for the tiny model.</summary>
    public static string AdapterPath => Paths.Fixture("llama", "tiny-lora");

    public void Dispose() => _dir.Dispose();

    /// <summary>An input bound to an existing file as an artifact reference (path, sha256, size).</summary>
    public static InputValue ArtifactInput(string path)
    {
        var json = new JsonObject
        {
            ["path"] = path,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))),
            ["size"] = new FileInfo(path).Length,
        };
        return new InputValue("Object", new Expression("Object", JsonValue.Create(json.ToJsonString())));
    }
}
