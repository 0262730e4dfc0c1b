using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// <see cref="ITextGenerator"/> over SelfSpec.Llm: prompts are encoded with the model's tokenizer, sampled in batches
/// (temperature, top-p, stop sequences) with the base model or base + adapter, and decoded. Batch <c>i</c> samples with
/// seed <c>settings.Seed + i</c>, so a run is reproducible and batches do not repeat each other's random streams.
/// </summary>
public sealed class LlmTextGenerator : ITextGenerator
{
    private readonly TextGenerator _generator;
    private readonly LoraAdapter? _adapter;

    /// <summary>Generates with <paramref name="model"/> (and <paramref name="adapter"/>, when given) through <paramref name="tokenizer"/>.</summary>
    public LlmTextGenerator(LlamaModel model, ITokenizer tokenizer, LoraAdapter? adapter = null, int batchSize = 8)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _generator = new TextGenerator(model, tokenizer);
        _adapter = adapter;
        BatchSize = batchSize;
    }

    /// <summary>Prompts sampled together.</summary>
    public int BatchSize { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken)
    {
        var tokenizer = _generator.Tokenizer!;
        var results = new List<TextCompletion>(prompts.Count);
        for (var start = 0; start < prompts.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ids = prompts.Skip(start).Take(BatchSize).Select(p => tokenizer.Encode(p)).ToList();
            var options = new GenerationOptions
            {
                MaxNewTokens = settings.MaxNewTokens,
                Sampling = SamplingOptions.Sample(settings.Temperature, settings.TopP, seed: (ulong)(settings.Seed + start / BatchSize)),
                StopStrings = settings.StopSequences,
            };
            foreach (var r in _generator.Generate(ids, options, _adapter, cancellationToken: cancellationToken))
                results.Add(new TextCompletion(r.Text ?? tokenizer.Decode(r.TokenIds), r.FinishReason == FinishReason.Length));
        }
        return Task.FromResult<IReadOnlyList<TextCompletion>>(results);
    }
}
