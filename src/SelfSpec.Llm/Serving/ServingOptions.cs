namespace SelfSpec.Llm.Serving;

/// <summary>Limits of a <see cref="ServingEngine"/>: how many sequences run at once, how many may wait, how long one may be.</summary>
public sealed record ServingOptions
{
    /// <summary>Most sequences decoding at once (vLLM's <c>--max-num-seqs</c>); more wait in the queue.</summary>
    public int MaxNumSeqs { get; init; } = 64;

    /// <summary>Most sequences waiting for a free row; a submission beyond it is refused (<see cref="ServingQueueFullException"/>).</summary>
    public int MaxWaiting { get; init; } = 256;

    /// <summary>Longest sequence, prompt plus generated tokens (vLLM's <c>--max-model-len</c>).</summary>
    public int MaxModelLen { get; init; } = 2048;

    /// <summary>The batch's KV cache grows by this many positions at a time.</summary>
    public int CacheChunk { get; init; } = 64;

    /// <summary>
    /// What one more prefill pass costs, in prompt positions, when prompts admitted together are split into passes of
    /// similar length (<see cref="PrefillPlanner"/>): 0 prefills each prompt alone, a large value puts all of an
    /// adapter's prompts in one left-padded pass.
    /// </summary>
    public int PrefillPassOverheadTokens { get; init; } = PrefillPlanner.PassOverheadTokens;

    /// <summary>Throws when a value is out of range, naming it.</summary>
    public void Validate()
    {
        if (MaxNumSeqs < 1) throw new ArgumentOutOfRangeException(nameof(MaxNumSeqs), MaxNumSeqs, "max-num-seqs must be at least 1");
        if (MaxWaiting < 0) throw new ArgumentOutOfRangeException(nameof(MaxWaiting), MaxWaiting, "the waiting queue bound must be >= 0");
        if (MaxModelLen < 2) throw new ArgumentOutOfRangeException(nameof(MaxModelLen), MaxModelLen, "max-model-len must be at least 2");
        if (PrefillPassOverheadTokens < 0) throw new ArgumentOutOfRangeException(nameof(PrefillPassOverheadTokens), PrefillPassOverheadTokens, "the prefill pass overhead must be >= 0");
        if (CacheChunk < 1) throw new ArgumentOutOfRangeException(nameof(CacheChunk), CacheChunk, "the cache chunk must be at least 1");
    }
}

/// <summary>The waiting queue is full: the caller should retry later (HTTP 429).</summary>
public sealed class ServingQueueFullException(int waiting) : Exception($"the server is busy: {waiting} requests are already waiting; retry later")
{
    /// <summary>Requests waiting when this one was refused.</summary>
    public int Waiting { get; } = waiting;
}

/// <summary>The engine is shutting down and takes no new work (HTTP 503).</summary>
public sealed class ServingStoppedException() : Exception("the server is shutting down");
