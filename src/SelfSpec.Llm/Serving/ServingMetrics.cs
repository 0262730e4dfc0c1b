namespace SelfSpec.Llm.Serving;

/// <summary>What a <see cref="ServingEngine"/> has done and is doing, for <c>/metrics</c>: token counters, queue gauges, a histogram of decode batch sizes.</summary>
public sealed class ServingMetrics
{
    /// <summary>Upper bounds of the batch-size histogram's buckets (the last bucket is +Inf).</summary>
    public static readonly int[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly long[] batchBuckets = new long[BatchSizeBuckets.Length + 1];
    private long promptTokens, generationTokens, steps, rowSteps, prefills, stopped, lengthCapped, aborted;

    /// <summary>Sequences decoding now.</summary>
    public int Running { get; internal set; }

    /// <summary>Sequences waiting for a row.</summary>
    public int Waiting { get; internal set; }

    /// <summary>Prompt tokens prefilled so far.</summary>
    public long PromptTokens => Interlocked.Read(ref promptTokens);

    /// <summary>Tokens generated so far.</summary>
    public long GenerationTokens => Interlocked.Read(ref generationTokens);

    /// <summary>Decode steps run (one per batch per engine step).</summary>
    public long Steps => Interlocked.Read(ref steps);

    /// <summary>Prefill forward passes (prompts of one adapter admitted together share one).</summary>
    public long Prefills => Interlocked.Read(ref prefills);

    internal void CountPrefill() => Interlocked.Increment(ref prefills);

    /// <summary>Rows summed over all decode steps (the batch-size histogram's sum).</summary>
    public long RowSteps => Interlocked.Read(ref rowSteps);

    /// <summary>Sequences finished by reason.</summary>
    public (long Stop, long Length, long Aborted) Finished => (Interlocked.Read(ref stopped), Interlocked.Read(ref lengthCapped), Interlocked.Read(ref aborted));

    /// <summary>Cumulative counts of decode steps with at most <see cref="BatchSizeBuckets"/>[i] rows (the last entry: all steps).</summary>
    public long[] BatchSizeCumulative()
    {
        var result = new long[batchBuckets.Length];
        long sum = 0;
        for (var i = 0; i < result.Length; i++) result[i] = sum += Interlocked.Read(ref batchBuckets[i]);
        return result;
    }

    internal void AddPromptTokens(long n) => Interlocked.Add(ref promptTokens, n);
    internal void AddGenerationTokens(long n) => Interlocked.Add(ref generationTokens, n);

    internal void ObserveBatch(int rows)
    {
        Interlocked.Increment(ref steps);
        Interlocked.Add(ref rowSteps, rows);
        var i = 0;
        while (i < BatchSizeBuckets.Length && rows > BatchSizeBuckets[i]) i++;
        Interlocked.Increment(ref batchBuckets[i]);
    }

    internal void CountFinished(SequenceFinish finish)
    {
        switch (finish)
        {
            case SequenceFinish.Stop: Interlocked.Increment(ref stopped); break;
            case SequenceFinish.Length: Interlocked.Increment(ref lengthCapped); break;
            default: Interlocked.Increment(ref aborted); break;
        }
    }
}
