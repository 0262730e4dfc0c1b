namespace SelfSpec.Tokenizers.Training;

/// <summary>Settings for <see cref="BpeTrainer"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>The size of the vocabulary to build: special tokens + 256 byte symbols + merges + added tokens.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Special tokens, given ids 0, 1, … in this order; they are matched whole in the input and never split.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    /// <summary>
    /// Normal (not special) added tokens: matched whole in the input before pre-tokenization, never split, decoded as
    /// their text and kept by <c>skipSpecialTokens</c>. They take the last ids (after the merges), as Hugging Face's
    /// <c>add_tokens</c> gives them, and count towards <see cref="VocabSize"/>.
    /// </summary>
    public IReadOnlyList<string> AddedTokens { get; init; } = [];

    /// <summary>The beginning-of-sequence token (must be one of <see cref="SpecialTokens"/>), if any.</summary>
    public string? BosToken { get; init; }

    /// <summary>The end-of-sequence token (must be one of <see cref="SpecialTokens"/>), if any.</summary>
    public string? EosToken { get; init; }

    /// <summary>The padding token (must be one of <see cref="SpecialTokens"/>), if any.</summary>
    public string? PadToken { get; init; }

    /// <summary>Add <see cref="BosToken"/> in front of every encoded text (when special tokens are requested).</summary>
    public bool AddBosToken { get; init; }

    /// <summary>A pair must occur at least this often to be merged; training stops earlier otherwise.</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Written to <c>tokenizer_config.json</c> as <c>model_max_length</c>.</summary>
    public int ModelMaxLength { get; init; } = 2048;

    /// <summary>Threads for counting words; -1 for all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>Training progress: the stage and how far it is.</summary>
/// <param name="Stage">"count" while counting words, "merge" while learning merges.</param>
/// <param name="Done">Units done (texts or merges).</param>
/// <param name="Total">Units in total.</param>
public readonly record struct BpeTrainingProgress(string Stage, long Done, long Total);
