using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Evaluation.Harness;

/// <summary>
/// A model directory (optionally with a PEFT adapter) as an <see cref="ICompletionModel"/>: prompts are encoded with the
/// model's own <c>tokenizer.json</c>, generated greedily in batches, and the continuations decoded.
/// </summary>
public sealed class LlmCompletionModel : ICompletionModel, IDisposable
{
    private readonly LlamaModel model;
    private readonly LoraAdapter? adapter;
    private readonly TextGenerator generator;
    private readonly ITokenizer tokenizer;

    /// <summary>Loads the model (and adapter) from disk.</summary>
    /// <param name="modelDirectory">config.json + safetensors + tokenizer.json.</param>
    /// <param name="adapterDirectory">A PEFT LoRA adapter applied unmerged, or null for the base model.</param>
    /// <param name="batchSize">Prompts generated together.</param>
    public LlmCompletionModel(string modelDirectory, string? adapterDirectory = null, int batchSize = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        tokenizer = HuggingFaceTokenizer.TryLoad(modelDirectory)
            ?? throw new FileNotFoundException($"{modelDirectory} has no tokenizer.json: evaluation needs text prompts", Path.Combine(modelDirectory, "tokenizer.json"));
        model = LlamaModel.Load(modelDirectory);
        adapter = adapterDirectory == null ? null : LoraAdapter.Load(adapterDirectory, model.Config, model.DType, model.Device);
        generator = new TextGenerator(model, tokenizer);
        BatchSize = batchSize;
    }

    /// <summary>Prompts generated together.</summary>
    public int BatchSize { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> CompleteAsync(IReadOnlyList<string> prompts, int maxNewTokens, CancellationToken cancellationToken)
    {
        var results = new List<string>(prompts.Count);
        var options = new GenerationOptions { MaxNewTokens = maxNewTokens, Sampling = SamplingOptions.GreedyDecoding };
        for (var start = 0; start < prompts.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = prompts.Skip(start).Take(BatchSize).Select(p => tokenizer.Encode(p)).ToList();
            foreach (var r in generator.Generate(ids, options, adapter, cancellationToken: cancellationToken))
                results.Add(r.Text ?? tokenizer.Decode(r.TokenIds));
        }
        return Task.FromResult<IReadOnlyList<string>>(results);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        adapter?.Dispose();
        model.Dispose();
    }
}
