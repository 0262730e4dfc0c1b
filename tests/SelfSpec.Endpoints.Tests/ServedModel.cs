namespace SelfSpec.Endpoints.Tests;

/// <summary>
/// The tiny fixture Llama with its trained tokenizer (<see cref="TinyLlamaModel"/>) in a temporary folder, served by a
/// real <c>selfspec serve</c> as <c>tiny</c> with the fixture adapter as <c>tiny-lora</c>, the whole vocabulary
/// available as log-probabilities (<c>--max-logprobs -1</c>). Shared by a test class.
/// </summary>
public sealed class ServedModel : IDisposable
{
    private readonly TempDir _dir = new("selfspec-endpoints-model-");

    public ServedModel()
    {
        ModelPath = TinyLlamaModel.Create(_dir.Combine("tiny-llama"));
        Server = SelfSpecServer.Start(ModelPath, "--served-model-name", "tiny", "--lora-modules", "tiny-lora=" + TinyLlamaModel.FixtureAdapter,
            "--max-logprobs", "-1");
    }

    /// <summary>The model folder (config.json, model.safetensors, tokenizer.json).</summary>
    public string ModelPath { get; }

    /// <summary>The running server.</summary>
    public SelfSpecServer Server { get; }

    public void Dispose()
    {
        Server.Dispose();
        _dir.Dispose();
    }
}
