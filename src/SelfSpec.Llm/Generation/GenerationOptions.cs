namespace SelfSpec.Llm.Generation;

/// <summary>Limits and stopping rules for one generation call.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most tokens to generate per row.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>How tokens are chosen.</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.GreedyDecoding;

    /// <summary>Tokens that end a row (included in the output). Null: the model's <c>eos_token_id</c>, else the tokenizer's.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>Strings that end a row when they appear in the decoded output (needs a tokenizer); the text is cut before them.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Reuse keys/values across steps (default). Off recomputes the whole sequence every step (for checking).</summary>
    public bool UseKvCache { get; init; } = true;

    /// <summary>
    /// With the KV cache, rows that have finished leave the batch (their cache rows are dropped) so later steps cost
    /// only what the unfinished rows cost; otherwise they keep decoding padding until the last row stops. The output is
    /// the same either way: rows are computed independently and the sampler still draws for the whole batch, so each
    /// row keeps its random stream. On by default; off is for checking.
    /// </summary>
    public bool DropFinishedRows { get; init; } = true;

    /// <summary>
    /// With the KV cache, a prefix that every prompt of the batch starts with (at least
    /// <see cref="TextGenerator.MinSharedPrefix"/> tokens, e.g. a fixed instruction header) is run through the model
    /// once, as one row, and its keys and values are copied into every row, instead of being computed once per row.
    /// The output equals the unshared computation up to float rounding (the prefix's matrix products run with other
    /// shapes). On by default; off is for checking.
    /// </summary>
    public bool ShareCommonPrefix { get; init; } = true;

    /// <summary>
    /// One sampling seed per row (prompt), overriding <see cref="SamplingOptions.Seed"/>: each row then draws from its
    /// own generator, so its tokens equal a batch-1 generation seeded with its seed whatever else shares the batch (and
    /// equal a <c>selfspec serve</c> request carrying that <c>seed</c>). Null: one generator for the batch, seeded with
    /// <see cref="SamplingOptions.Seed"/>. Ignored when greedy.
    /// </summary>
    public IReadOnlyList<ulong>? RowSeeds { get; init; }

    /// <summary>The end-of-sequence ids in force: <see cref="EosTokenIds"/>, else the model's, else the tokenizer's.</summary>
    internal HashSet<int> EndOfSequenceIds(Models.LlamaConfig model, ITokenizer? tokenizer) =>
        (EosTokenIds ?? (model.EosTokenIds.Count > 0 ? model.EosTokenIds : tokenizer?.EosTokenId is { } e ? [e] : [])).ToHashSet();
}

/// <summary>Why a row stopped.</summary>
public enum FinishReason
{
    /// <summary>It produced an end-of-sequence token.</summary>
    EndOfSequence,
    /// <summary>Its decoded text contains a stop string.</summary>
    StopString,
    /// <summary>It reached <see cref="GenerationOptions.MaxNewTokens"/>.</summary>
    Length,
}

/// <summary>The output of one row.</summary>
/// <param name="TokenIds">Generated tokens only (an end-of-sequence token included).</param>
/// <param name="Text">The decoded text of the generated tokens (cut before a stop string), when a tokenizer is available.</param>
/// <param name="FinishReason">Why generation stopped.</param>
/// <param name="LogProbs">Log-probability of each generated token under the distribution it was chosen from (null where not tracked).</param>
public sealed record GenerationResult(IReadOnlyList<int> TokenIds, string? Text, FinishReason FinishReason, IReadOnlyList<double>? LogProbs = null);
