namespace SelfSpec.Pipeline.Instructions;

/// <summary>How to sample; the defaults are the paper's instruction-generation settings (temperature 1.0, top-p 0.98).</summary>
public sealed record SamplingSettings
{
    /// <summary>The softmax temperature (paper: 1.0).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling mass (paper: 0.98).</summary>
    public double TopP { get; init; } = 0.98;

    /// <summary>The most new tokens per completion (Alpaca: 3072).</summary>
    public int MaxNewTokens { get; init; } = 3072;

    /// <summary>Generation stops before any of these (Alpaca: <c>"\n20"</c>, <c>"20."</c>).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = ["\n20", "20."];

    /// <summary>The random seed of the sampler; the generator derives per-prompt streams from it (<see cref="RowSeed"/>).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// A 31-bit seed for one row from an activity's seed and the row's identity (its prompt id), not its position in a
    /// batch: the in-process generator and a server given this <c>seed</c> draw the same completion for the row,
    /// whatever else shares its batch.
    /// </summary>
    public static int RowSeed(int activitySeed, string rowKey)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{activitySeed}\n{rowKey}"));
        return BitConverter.ToInt32(hash, 0) & int.MaxValue;
    }
}

/// <summary>One completion of one prompt.</summary>
/// <param name="Text">The generated text, without the prompt and without the stop sequence.</param>
/// <param name="Truncated">True when generation stopped at <see cref="SamplingSettings.MaxNewTokens"/> (finish reason <c>length</c>).</param>
public sealed record TextCompletion(string Text, bool Truncated);

/// <summary>
/// A language model that completes prompts in batches: the seam between the pipeline and SelfSpec.Llm. The
/// implementation over the LLM engine (base model, base + adapter, or contrastive decoding for iteration 2) is wired by
/// the GenerateInstructions activity; <see cref="InstructionGenerationLoop"/> only needs this.
/// </summary>
public interface ITextGenerator
{
    /// <summary>Completes each prompt once; results are in prompt order.</summary>
    Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken);

    /// <summary>
    /// Completes prompts that carry an identity (<paramref name="rowIds"/>, e.g. prompt ids): a generator may derive each
    /// row's seed from <paramref name="settings"/>' seed and the id (<see cref="SamplingSettings.RowSeed"/>: the in-process
    /// and remote generators do), and keep finished rows by id. The default samples the whole call with seed
    /// <c>settings.Seed + rowIds[0]</c> (the contrastive in-process generator, whose expert and amateur share one stream).
    /// </summary>
    Task<IReadOnlyList<TextCompletion>> GenerateRowsAsync(IReadOnlyList<int> rowIds, IReadOnlyList<string> prompts, SamplingSettings settings,
        CancellationToken cancellationToken) =>
        GenerateAsync(prompts, settings with { Seed = settings.Seed + (rowIds.Count == 0 ? 0 : rowIds[0]) }, cancellationToken);
}
