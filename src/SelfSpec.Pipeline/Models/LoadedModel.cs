using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Pipeline.Models;

/// <summary>
/// A model directory (Hugging Face layout: config.json, safetensors, tokenizer.json) loaded for generation, with an
/// optional PEFT adapter. Load errors name the input (<c>model</c> / <c>adapter</c>) and the file.
/// </summary>
internal sealed class LoadedModel : IDisposable
{
    private LoadedModel(LlamaModel model, HuggingFaceTokenizer tokenizer, LoraAdapter? adapter)
    {
        Model = model;
        Tokenizer = tokenizer;
        Adapter = adapter;
    }

    public LlamaModel Model { get; }
    public HuggingFaceTokenizer Tokenizer { get; }
    public LoraAdapter? Adapter { get; }

    /// <summary>Loads <paramref name="modelDirectory"/> and, when given, <paramref name="adapterDirectory"/>.</summary>
    public static LoadedModel Load(string? modelDirectory, string? adapterDirectory)
    {
        if (string.IsNullOrWhiteSpace(modelDirectory)) throw new PipelineException("required input is not set", field: "model");
        var dir = Path.GetFullPath(modelDirectory);
        if (!File.Exists(Path.Combine(dir, "config.json")))
            throw new PipelineException("not a model directory (no config.json)", dir, field: "model");
        var tokenizer = HuggingFaceTokenizer.TryLoad(dir)
            ?? throw new PipelineException("the model directory has no tokenizer.json", dir, field: "model");
        LlamaModel model;
        try { model = LlamaModel.Load(dir); }
        catch (Exception e) when (e is CheckpointFormatException or IOException or InvalidDataException or FormatException)
        {
            throw new PipelineException($"cannot load the model: {e.Message}", dir, field: "model", inner: e);
        }
        if (string.IsNullOrWhiteSpace(adapterDirectory)) return new LoadedModel(model, tokenizer, null);
        var adapterDir = Path.GetFullPath(adapterDirectory);
        try
        {
            return new LoadedModel(model, tokenizer, LoraAdapter.Load(adapterDir, model.Config, model.DType));
        }
        catch (Exception e) when (e is CheckpointFormatException or IOException or InvalidDataException or FormatException or ArgumentException)
        {
            model.Dispose();
            throw new PipelineException($"cannot load the adapter: {e.Message}", adapterDir, field: "adapter", inner: e);
        }
    }

    /// <summary>A short stable name of a directory for artifact footers (its last path segment, not the run-specific path).</summary>
    public static string? NameOf(string? directory) =>
        string.IsNullOrWhiteSpace(directory) ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));

    /// <summary>Runs <paramref name="work"/>, mapping libtorch's out-of-memory to the runtime's batch-halving signal.</summary>
    public static async Task<T> OnDeviceAsync<T>(int batchSize, Func<Task<T>> work)
    {
        try { return await work().ConfigureAwait(false); }
        catch (TorchOutOfMemoryException e)
        {
            throw new ResourceExhaustedException($"out of memory at batch size {batchSize}: {e.Message}", e) { BatchSize = batchSize };
        }
    }

    /// <summary>Runs <paramref name="work"/>, mapping libtorch's out-of-memory to the runtime's batch-halving signal.</summary>
    public static T OnDevice<T>(int batchSize, Func<T> work)
    {
        try { return work(); }
        catch (TorchOutOfMemoryException e)
        {
            throw new ResourceExhaustedException($"out of memory at batch size {batchSize}: {e.Message}", e) { BatchSize = batchSize };
        }
    }

    public void Dispose()
    {
        Adapter?.Dispose();
        Model.Dispose();
    }
}
