using System.Globalization;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// <see cref="ITextGenerator"/> over SelfSpec.Llm: prompts are encoded with the model's tokenizer, sampled in batches
/// (temperature, top-p, stop sequences) with the base model or base + adapter, and decoded. Each row samples from its
/// own generator seeded with <see cref="SamplingSettings.RowSeed"/>(settings seed, prompt id), so a row's completion
/// depends on its identity only — not on the batch size or the other prompts of its batch — and equals what a
/// <c>selfspec serve</c> of the same model returns for that prompt and seed.
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
    public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken) =>
        GenerateRowsAsync(Enumerable.Range(0, prompts.Count).ToList(), prompts, settings, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<TextCompletion>> GenerateRowsAsync(IReadOnlyList<int> rowIds, IReadOnlyList<string> prompts, SamplingSettings settings,
        CancellationToken cancellationToken)
    {
        if (rowIds.Count != prompts.Count) throw new ArgumentException($"{rowIds.Count} ids for {prompts.Count} prompts", nameof(rowIds));
        var tokenizer = _generator.Tokenizer!;
        var results = new List<TextCompletion>(prompts.Count);
        for (var start = 0; start < prompts.Count; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(BatchSize, prompts.Count - start);
            var ids = prompts.Skip(start).Take(count).Select(p => tokenizer.Encode(p)).ToList();
            var options = new GenerationOptions
            {
                MaxNewTokens = settings.MaxNewTokens,
                Sampling = SamplingOptions.Sample(settings.Temperature, settings.TopP),
                RowSeeds = rowIds.Skip(start).Take(count)
                    .Select(id => (ulong)SamplingSettings.RowSeed(settings.Seed, id.ToString(CultureInfo.InvariantCulture))).ToList(),
                StopStrings = settings.StopSequences,
            };
            foreach (var r in _generator.Generate(ids, options, _adapter, cancellationToken: cancellationToken))
                results.Add(new TextCompletion(r.Text ?? tokenizer.Decode(r.TokenIds), r.FinishReason == FinishReason.Length));
        }
        return Task.FromResult<IReadOnlyList<TextCompletion>>(results);
    }
}
