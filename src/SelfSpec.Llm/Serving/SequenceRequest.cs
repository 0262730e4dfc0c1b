using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;

namespace SelfSpec.Llm.Serving;

/// <summary>
/// One sequence for a <see cref="ServingEngine"/> to generate: its prompt, limits, sampling, adapter and what to report.
/// Its tokens equal <see cref="TextGenerator"/>'s for the same prompt, options and adapter at batch 1, whatever else the
/// engine runs meanwhile.
/// </summary>
public sealed record SequenceRequest
{
    /// <summary>The prompt's token ids (non-empty, inside the vocabulary).</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>Most tokens to generate (≥ 1).</summary>
    public int MaxTokens { get; init; } = 16;

    /// <summary>Greedy or sampled; a sampled request with a seed draws from its own generator seeded with it.</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.GreedyDecoding;

    /// <summary>Strings that end the sequence (needs the engine's tokenizer); the text is cut before the first one.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Token ids that end the sequence besides the model's end-of-sequence ids (included in the output).</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Keep generating past the end-of-sequence token (vLLM's <c>ignore_eos</c>).</summary>
    public bool IgnoreEos { get; init; }

    /// <summary>The LoRA adapter applied unmerged to this sequence only, or null for the base model.</summary>
    public LoraAdapter? Adapter { get; init; }

    /// <summary>
    /// Report each generated token's log-probability and this many most likely alternatives (0: the token's only); null
    /// reports none. Log-probabilities are log_softmax of the raw logits (before temperature and top-p), as vLLM reports them.
    /// </summary>
    public int? TopLogprobs { get; init; }

    /// <summary>Also report the prompt tokens' log-probabilities (the first is null) with <see cref="TopLogprobs"/> alternatives.</summary>
    public bool PromptLogprobs { get; init; }
}

/// <summary>A token and its log-probability.</summary>
/// <param name="TokenId">The token.</param>
/// <param name="Logprob">log p(token | prefix).</param>
public readonly record struct TokenLogprob(int TokenId, double Logprob);

/// <summary>One generated token as the engine reports it.</summary>
/// <param name="TokenId">The token.</param>
/// <param name="Logprob">Its log-probability (NaN when not requested).</param>
/// <param name="Top">The most likely tokens, most likely first, ties by id (null when not requested).</param>
public sealed record GeneratedToken(int TokenId, double Logprob, IReadOnlyList<TokenLogprob>? Top);

/// <summary>Why a sequence ended.</summary>
public enum SequenceFinish
{
    /// <summary>An end-of-sequence token, a stop token or a stop string.</summary>
    Stop,
    /// <summary>It reached its token limit.</summary>
    Length,
    /// <summary>Its caller cancelled it (a disconnected client).</summary>
    Aborted,
}

/// <summary>The outcome of a finished sequence.</summary>
/// <param name="TokenIds">Every generated token (a stop token included).</param>
/// <param name="Finish">Why it ended.</param>
/// <param name="StopText">When a stop string ended it, the decoded text cut before the stop string; else null.</param>
/// <param name="PromptLogprobs">The prompt tokens' log-probabilities (entry 0 null) when requested.</param>
/// <param name="Matched">The stop string or token that ended it, if any.</param>
/// <param name="Reported">Every generated token as it was reported (with its log-probabilities when requested).</param>
public sealed record SequenceResult(IReadOnlyList<int> TokenIds, SequenceFinish Finish, string? StopText,
    IReadOnlyList<GeneratedToken?>? PromptLogprobs, object? Matched, IReadOnlyList<GeneratedToken> Reported);
