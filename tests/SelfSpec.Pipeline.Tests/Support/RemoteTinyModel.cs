using System.Text.Json.Nodes;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests.Support;

/// <summary>
/// <see cref="TinyLlamaModel"/> for remote-generation tests: the fixture Llama with its tokenizer in a temporary folder,
/// its <c>max_position_embeddings</c> raised from 256 to 4096 so that <c>selfspec serve</c> accepts the Table 3
/// instruction prompts (RoPE does not depend on it; the in-process engine generates the same tokens either way).
/// </summary>
public sealed class RemoteTinyModel : IDisposable
{
    private readonly TempDir _dir = new("selfspec-remote-model-");

    public RemoteTinyModel()
    {
        TinyLlamaModel.Create(ModelPath);
        var config = Path.Combine(ModelPath, "config.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!;
        json["max_position_embeddings"] = 4096;
        File.WriteAllText(config, json.ToJsonString());
    }

    /// <summary>The model directory (config.json, model.safetensors, tokenizer.json).</summary>
    public string ModelPath => _dir.Combine("tiny-llama");

    /// <summary>Starts <c>selfspec serve</c> on the model, served as <c>tiny</c>.</summary>
    public SelfSpecServer Serve(params string[] extra) =>
        SelfSpecServer.Start(ModelPath, ["--served-model-name", "tiny", "--max-logprobs", "-1", .. extra]);

    public void Dispose() => _dir.Dispose();
}
