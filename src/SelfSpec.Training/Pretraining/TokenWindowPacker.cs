namespace SelfSpec.Training.Pretraining;

/// <summary>
/// Sequence packing for causal-LM pre-training: each epoch shuffles the documents (token ids, usually
/// <c>&lt;s&gt; … &lt;/s&gt;</c>), concatenates them into one stream and cuts it into windows of exactly
/// <see cref="SequenceLength"/> tokens, so no step wastes compute on padding. Documents longer than a window continue in
/// the next one; the stream's remainder at the end of an epoch is dropped. The order depends only on (seed, epoch).
/// </summary>
public sealed class TokenWindowPacker
{
    private readonly IReadOnlyList<IReadOnlyList<int>> documents;

    /// <summary>Creates a packer over <paramref name="documents"/>.</summary>
    public TokenWindowPacker(IReadOnlyList<IReadOnlyList<int>> documents, int sequenceLength, int seed)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 2);
        this.documents = documents;
        SequenceLength = sequenceLength;
        Seed = seed;
        TotalTokens = documents.Sum(d => (long)d.Count);
        if (TotalTokens < sequenceLength)
            throw new ArgumentException($"the documents hold {TotalTokens} tokens, fewer than one window of {sequenceLength}", nameof(documents));
    }

    /// <summary>Tokens per window.</summary>
    public int SequenceLength { get; }

    /// <summary>The seed of the document shuffles.</summary>
    public int Seed { get; }

    /// <summary>Tokens over all documents.</summary>
    public long TotalTokens { get; }

    /// <summary>Windows per epoch.</summary>
    public long WindowsPerEpoch => TotalTokens / SequenceLength;

    /// <summary>The windows of epoch after epoch, without end.</summary>
    public IEnumerable<int[]> Windows()
    {
        for (var epoch = 0; ; epoch++)
            foreach (var w in Epoch(epoch)) yield return w;
    }

    /// <summary>The windows of one epoch (0-based), in order.</summary>
    public IEnumerable<int[]> Epoch(int epoch)
    {
        var order = Enumerable.Range(0, documents.Count).ToArray();
        new Random(unchecked(Seed * 1_000_003 + epoch)).Shuffle(order);
        var window = new int[SequenceLength];
        var filled = 0;
        foreach (var d in order)
        {
            var doc = documents[d];
            for (var i = 0; i < doc.Count;)
            {
                var n = Math.Min(doc.Count - i, SequenceLength - filled);
                for (var j = 0; j < n; j++) window[filled + j] = doc[i + j];
                filled += n;
                i += n;
                if (filled == SequenceLength)
                {
                    yield return window;
                    window = new int[SequenceLength];
                    filled = 0;
                }
            }
        }
    }
}
