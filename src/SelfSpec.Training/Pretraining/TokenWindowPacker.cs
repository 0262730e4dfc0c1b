namespace SelfSpec.Training.Pretraining;

/// <summary>
/// Sequence packing for causal-LM pre-training: each epoch shuffles the documents (token ids, usually
/// <c>&lt;s&gt; … &lt;/s&gt;</c>), concatenates them into one stream and cuts it into windows of exactly
/// <see cref="SequenceLength"/> tokens, so no step wastes compute on padding. Documents longer than a window continue in
/// the next one; the stream's remainder at the end of an epoch is dropped. The order depends only on (seed, epoch).
/// A document may start with context tokens (a prompt): they are packed like the rest but carry the label −100, so the
/// loss never asks the model to write them (<see cref="LabelledEpoch"/>).
/// </summary>
public sealed class TokenWindowPacker
{
    /// <summary>The label of a token the loss ignores (Hugging Face's and PyTorch's <c>ignore_index</c>).</summary>
    public const int IgnoredLabel = -100;

    private readonly IReadOnlyList<IReadOnlyList<int>> documents;
    private readonly IReadOnlyList<int>? contextLengths;

    /// <summary>Creates a packer over <paramref name="documents"/>.</summary>
    /// <param name="documents">Token ids per document.</param>
    /// <param name="sequenceLength">Tokens per window.</param>
    /// <param name="seed">Seed of the per-epoch document shuffle.</param>
    /// <param name="contextLengths">Per document, how many leading tokens are context only (not trained on); null for none.</param>
    public TokenWindowPacker(IReadOnlyList<IReadOnlyList<int>> documents, int sequenceLength, int seed, IReadOnlyList<int>? contextLengths = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 2);
        if (contextLengths is not null)
        {
            if (contextLengths.Count != documents.Count)
                throw new ArgumentException($"{contextLengths.Count} context lengths for {documents.Count} documents", nameof(contextLengths));
            for (var d = 0; d < documents.Count; d++)
                if (contextLengths[d] < 0 || contextLengths[d] > documents[d].Count)
                    throw new ArgumentOutOfRangeException(nameof(contextLengths), contextLengths[d], $"document {d} has {documents[d].Count} tokens");
        }
        this.contextLengths = contextLengths;
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
    public IEnumerable<int[]> Windows() => LabelledWindows().Select(w => w.Ids);

    /// <summary>The windows of one epoch (token ids only).</summary>
    public IEnumerable<int[]> Epoch(int epoch) => LabelledEpoch(epoch).Select(w => w.Ids);

    /// <summary>Windows of every epoch in turn, with their labels.</summary>
    public IEnumerable<PackedWindow> LabelledWindows()
    {
        for (var epoch = 0; ; epoch++)
            foreach (var w in LabelledEpoch(epoch)) yield return w;
    }

    /// <summary>
    /// The windows of one epoch with their labels: the token itself, or <see cref="IgnoredLabel"/> for a document's
    /// context tokens.
    /// </summary>
    public IEnumerable<PackedWindow> LabelledEpoch(int epoch)
    {
        var order = Enumerable.Range(0, documents.Count).ToArray();
        new Random(unchecked(Seed * 1_000_003 + epoch)).Shuffle(order);
        var window = new PackedWindow(new int[SequenceLength], new int[SequenceLength]);
        var filled = 0;
        foreach (var d in order)
        {
            var doc = documents[d];
            var context = contextLengths?[d] ?? 0;
            for (var i = 0; i < doc.Count;)
            {
                var n = Math.Min(doc.Count - i, SequenceLength - filled);
                for (var j = 0; j < n; j++)
                {
                    window.Ids[filled + j] = doc[i + j];
                    window.Labels[filled + j] = i + j < context ? IgnoredLabel : doc[i + j];
                }
                filled += n;
                i += n;
                if (filled == SequenceLength)
                {
                    yield return window;
                    window = new PackedWindow(new int[SequenceLength], new int[SequenceLength]);
                    filled = 0;
                }
            }
        }
    }
}

/// <summary>One packed window: token ids and, per position, the label the loss uses (the id, or −100 for context).</summary>
/// <param name="Ids">The window's token ids.</param>
/// <param name="Labels">The labels, the same length.</param>
public sealed record PackedWindow(int[] Ids, int[] Labels);
