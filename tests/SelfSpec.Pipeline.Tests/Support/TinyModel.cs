using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests.Support;

/// <summary>
/// A model directory for activity tests: <see cref="TinyLlamaModel"/> (the tiny fixture Llama with a BPE tokenizer
/// trained on the demo seeds) in a temporary folder, shared by a test class (xunit class fixture).
/// </summary>
public sealed class TinyModel : IDisposable
{
    private readonly TempDir _dir = new("selfspec-pipeline-model-");

    public TinyModel() => TinyLlamaModel.Create(ModelPath);

    /// <summary>The model directory (config.json, model.safetensors, tokenizer.json).</summary>
    public string ModelPath => _dir.Combine("tiny-llama");

    /// <summary>The fixture's PEFT adapter for the tiny model.</summary>
    public static string AdapterPath => TinyLlamaModel.FixtureAdapter;

    public void Dispose() => _dir.Dispose();
}
