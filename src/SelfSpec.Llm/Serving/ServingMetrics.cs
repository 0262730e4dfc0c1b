using System.Diagnostics;

namespace SelfSpec.Llm.Serving;

/// <summary>What the decode thread spends its time on (<see cref="ServingMetrics.EngineSeconds"/>).</summary>
public enum EnginePhase
{
    /// <summary>Waiting for work: no sequence running and none waiting.</summary>
    Idle,

    /// <summary>Prompts through the model, their first token included.</summary>
    Prefill,

    /// <summary>Decode forward passes.</summary>
    Decode,

    /// <summary>Choosing each row's next token after a decode pass: sampling, log-probabilities, stop rules, handing the token to its reader.</summary>
    Sample,

    /// <summary>Changing a batch's KV cache when rows join or leave, in place or by <see cref="Models.KvCache.Compose"/>.</summary>
    Compose,
}

/// <summary>What a <see cref="ServingEngine"/> has done and is doing, for <c>/metrics</c>: token counters, queue gauges, a histogram of decode batch sizes.</summary>
public sealed class ServingMetrics
{
    /// <summary>Upper bounds of the batch-size histogram's buckets (the last bucket is +Inf).</summary>
    public static readonly int[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly long[] batchBuckets = new long[BatchSizeBuckets.Length + 1];
    private readonly long[] phaseTicks = new long[Enum.GetValues<EnginePhase>().Length];
    private long idleSince; // Stopwatch timestamp while the decode thread waits for work, else 0
    private long promptTokens, generationTokens, steps, rowSteps, prefills, prefillRows, composes, inPlaceRowChanges, stopped, lengthCapped, aborted;

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

    /// <summary>Prompts prefilled (a pass of prompts admitted together counts each of them).</summary>
    public long PrefillRows => Interlocked.Read(ref prefillRows);

    internal void CountPrefill(int rows)
    {
        Interlocked.Increment(ref prefills);
        Interlocked.Add(ref prefillRows, rows);
    }

    /// <summary>
    /// KV cache rebuilds (<see cref="Models.KvCache.Compose"/> of a running batch, every row copied: it outgrew its
    /// positions or rows, or it was created).
    /// </summary>
    public long Composes => Interlocked.Read(ref composes);

    internal void CountCompose() => Interlocked.Increment(ref composes);

    /// <summary>Rows that joined or left a running batch in place (only their own positions copied; <see cref="Models.KvCache.AppendRow"/>, <see cref="Models.KvCache.RemoveRow"/>).</summary>
    public long InPlaceRowChanges => Interlocked.Read(ref inPlaceRowChanges);

    internal void CountRowChanges(int rows) => Interlocked.Add(ref inPlaceRowChanges, rows);

    /// <summary>Seconds the decode thread spent in <paramref name="phase"/> so far (for <see cref="EnginePhase.Idle"/>, the wait going on now included).</summary>
    public double EngineSeconds(EnginePhase phase)
    {
        var ticks = Interlocked.Read(ref phaseTicks[(int)phase]);
        var since = Interlocked.Read(ref idleSince);
        if (phase == EnginePhase.Idle && since > 0) ticks += Stopwatch.GetTimestamp() - since;
        return (double)ticks / Stopwatch.Frequency;
    }

    /// <summary>The decode thread starts waiting for work.</summary>
    internal void BeginIdle() => Interlocked.Exchange(ref idleSince, Stopwatch.GetTimestamp());

    /// <summary>The decode thread has work again: the wait joins <see cref="EnginePhase.Idle"/>'s total.</summary>
    internal void EndIdle()
    {
        var since = Interlocked.Exchange(ref idleSince, 0);
        if (since > 0) Interlocked.Add(ref phaseTicks[(int)EnginePhase.Idle], Stopwatch.GetTimestamp() - since);
    }

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) to <paramref name="phase"/> and returns now.</summary>
    internal long AddTime(EnginePhase phase, long startTimestamp)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref phaseTicks[(int)phase], now - startTimestamp);
        return now;
    }

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
