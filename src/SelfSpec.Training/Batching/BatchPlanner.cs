namespace SelfSpec.Training.Batching;

/// <summary>
/// Decides which examples form each optimiser step of an epoch. The order depends only on (seed, epoch), so a
/// resumed run replays exactly the batches an uninterrupted run would see.
/// <list type="bullet">
/// <item>No shuffling: file order.</item>
/// <item>Shuffling: a Fisher–Yates permutation from <c>Random(seed + epoch)</c>.</item>
/// <item>Length grouping (Hugging Face's <c>LengthGroupedSampler</c>): the permutation is cut into mega-batches of
/// 50 effective batches, each sorted by length (longest first), so micro-batches need little padding.</item>
/// </list>
/// </summary>
public sealed class BatchPlanner
{
    private readonly int[] lengths;

    /// <summary>Creates a planner for examples of the given lengths.</summary>
    public BatchPlanner(IReadOnlyList<int> lengths, int batchSize, bool shuffle, bool groupByLength, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (lengths.Count == 0) throw new ArgumentException("no examples", nameof(lengths));
        this.lengths = lengths.ToArray();
        BatchSize = batchSize;
        Shuffle = shuffle;
        GroupByLength = groupByLength;
        Seed = seed;
    }

    /// <summary>Examples per optimiser step (the effective batch).</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether batches are grouped by length.</summary>
    public bool GroupByLength { get; }

    /// <summary>The seed of the shuffles.</summary>
    public int Seed { get; }

    /// <summary>Optimiser steps per epoch (the last batch may be smaller).</summary>
    public int StepsPerEpoch => (lengths.Length + BatchSize - 1) / BatchSize;

    /// <summary>The example indices of every effective batch of epoch <paramref name="epoch"/> (0-based), in order.</summary>
    public IReadOnlyList<int[]> Batches(int epoch)
    {
        var order = Enumerable.Range(0, lengths.Length).ToArray();
        if (Shuffle) new Random(unchecked(Seed + 7919 * epoch)).Shuffle(order);
        if (GroupByLength)
        {
            var mega = BatchSize * 50;
            for (var start = 0; start < order.Length; start += mega)
            {
                var n = Math.Min(mega, order.Length - start);
                // Stable sort, longest first.
                var sorted = order.AsSpan(start, n).ToArray().Select((ix, pos) => (ix, pos))
                    .OrderByDescending(t => lengths[t.ix]).ThenBy(t => t.pos).Select(t => t.ix).ToArray();
                sorted.CopyTo(order, start);
            }
        }
        var batches = new List<int[]>(StepsPerEpoch);
        for (var start = 0; start < order.Length; start += BatchSize)
            batches.Add(order[start..Math.Min(order.Length, start + BatchSize)]);
        return batches;
    }

    /// <summary>Splits an effective batch into consecutive micro-batches of at most <paramref name="microBatchSize"/> examples.</summary>
    public static IEnumerable<int[]> MicroBatches(int[] batch, int microBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatchSize, 1);
        for (var start = 0; start < batch.Length; start += microBatchSize)
            yield return batch[start..Math.Min(batch.Length, start + microBatchSize)];
    }
}
