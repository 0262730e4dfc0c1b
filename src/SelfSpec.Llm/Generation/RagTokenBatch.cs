using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// The bookkeeping the batched RAG-token decoders share (<see cref="RagTokenDecoder"/>, <see cref="ContrastiveRagTokenDecoder"/>):
/// the document rows of several queries as one left-padded batch, each query's log p_ret, the per-query mixture of its
/// rows' next-token distributions, and accepting one token per query — end of sequence and stop strings. A finished
/// query's rows leave the batch and its caches (<see cref="DropFinished"/>, <see cref="GenerationOptions.DropFinishedRows"/>)
/// or, when that is off, are fed padding so the batch stays rectangular while its output is frozen.
/// </summary>
internal sealed class RagTokenBatch : IDisposable
{
    private readonly IReadOnlyList<RagTokenQuery> queries;
    private readonly bool dropFinished;
    // The queries whose rows are in the batch, in row order, and where each one's rows start.
    private int[] active;
    private int[] offsets;
    private Tensor logWeights;
    private readonly HashSet<int> eos;
    private readonly int pad;
    private readonly ITokenizer? tokenizer;
    private readonly IReadOnlyList<string> stopStrings;
    private readonly List<int>[] generated;
    private readonly List<double>[] logProbs;
    private readonly FinishReason?[] finished;

    /// <summary>Checks the queries and lays out their rows: query g owns rows offsets[g] … offsets[g] + its document count − 1.</summary>
    public RagTokenBatch(LlamaModel model, ITokenizer? tokenizer, IReadOnlyList<RagTokenQuery> queries, GenerationOptions options, double documentTemperature)
    {
        if (queries.Any(q => q.Documents.Count == 0)) throw new ArgumentException("RAG-token decoding needs at least one document per query", nameof(queries));
        if (options.StopStrings.Count > 0 && tokenizer == null) throw new InvalidOperationException("stop strings need a tokenizer");
        var prompts = queries.SelectMany(q => q.Documents.Select(d => (IReadOnlyList<int>)d.TokenIds.Concat(q.Query).ToArray())).ToArray();
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("empty document and query", nameof(queries));
        this.queries = queries;
        this.tokenizer = tokenizer;
        dropFinished = options.DropFinishedRows;
        active = Enumerable.Range(0, queries.Count).ToArray();
        stopStrings = options.StopStrings;
        offsets = RowOffsets(active);
        var weights = queries.SelectMany(q => RagTokenDecoder.DocumentWeights(q.Documents.Select(d => d.Score).ToArray(), documentTemperature)
            .Select(w => Math.Log(w))).ToArray();
        eos = options.EndOfSequenceIds(model.Config, tokenizer);
        pad = model.Config.PadTokenId ?? 0;
        Rows = new PaddedBatch(prompts, options.MaxNewTokens, pad, model.Device);
        generated = queries.Select(_ => new List<int>()).ToArray();
        logProbs = queries.Select(_ => new List<double>()).ToArray();
        finished = new FinishReason?[queries.Count];
        logWeights = Tensor.From(weights, [weights.Length, 1]).To(DType.Float32, model.Device);
    }

    /// <summary>The padded document rows of every query.</summary>
    public PaddedBatch Rows { get; }

    /// <summary>True once every query has stopped.</summary>
    public bool Done => finished.All(f => f != null);

    /// <summary>
    /// Per query g: log Σ_j p_ret(d_j) · softmax(logits_j) over its own rows; [rows, 1, vocab] logits to [queries, vocab].
    /// Queries whose rows have left the batch get a row of zeros, so the sampler still draws for every query and each
    /// keeps its random stream.
    /// </summary>
    public Tensor Marginals(Tensor logits)
    {
        var weighted = logits.Select(1, 0).LogSoftmax(-1).Add(logWeights);
        var mixed = Tensor.Cat(active.Select((g, i) => weighted.Narrow(0, offsets[i], queries[g].Documents.Count).LogSumExp(0, keepDim: true)).ToArray(), 0);
        return BatchRows.Widen(mixed, active, queries.Count);
    }

    /// <summary>
    /// Records each unfinished query's token and its log-probability (and in <paramref name="history"/>, when given),
    /// stops the queries that produced an end-of-sequence token or a stop string, and appends the step to the rows.
    /// </summary>
    public void Accept(IReadOnlyList<long> tokens, IReadOnlyList<double> chosenLogProbs, List<int>[]? history = null)
    {
        var perRow = new long[Rows.Rows];
        for (var i = 0; i < active.Length; i++)
        {
            var g = active[i];
            var token = (int)tokens[g];
            if (finished[g] == null)
            {
                generated[g].Add(token);
                logProbs[g].Add(chosenLogProbs[g]);
                history?[g].Add(token);
                if (eos.Contains(token)) finished[g] = FinishReason.EndOfSequence;
                else if (stopStrings.Count > 0 && stopStrings.Any(s => s.Length > 0 && tokenizer!.Decode(generated[g]).Contains(s, StringComparison.Ordinal)))
                    finished[g] = FinishReason.StopString;
            }
            else token = pad;
            for (var j = 0; j < queries[g].Documents.Count; j++) perRow[offsets[i] + j] = token;
        }
        Rows.Append(perRow);
    }

    /// <summary>
    /// Removes the rows of the queries that have finished from the batch, from <paramref name="caches"/> (each holding
    /// the batch's rows) and from the document weights; nothing when <see cref="GenerationOptions.DropFinishedRows"/> is
    /// off, no query finished since the last call, or every query has finished.
    /// </summary>
    public void DropFinished(params KvCache?[] caches)
    {
        if (!dropFinished || Done || active.All(g => finished[g] == null)) return;
        var keepRows = new List<int>();
        for (var i = 0; i < active.Length; i++)
            if (finished[active[i]] == null)
                keepRows.AddRange(Enumerable.Range(offsets[i], queries[active[i]].Documents.Count));
        Rows.KeepRows(keepRows);
        using var index = BatchRows.Index(keepRows, logWeights.Device);
        foreach (var cache in caches) cache?.KeepRows(index);
        var weights = logWeights.IndexSelect(0, index).DetachFromScope();
        logWeights.Dispose();
        logWeights = weights;
        active = active.Where(g => finished[g] == null).ToArray();
        offsets = RowOffsets(active);
    }

    /// <summary>Where the rows of each of <paramref name="inBatch"/> start when their queries' documents are laid out in that order.</summary>
    private int[] RowOffsets(int[] inBatch)
    {
        var starts = new int[inBatch.Length];
        for (var i = 1; i < inBatch.Length; i++) starts[i] = starts[i - 1] + queries[inBatch[i - 1]].Documents.Count;
        return starts;
    }

    /// <summary>One result per query; a query still running at the end stopped for length.</summary>
    public IReadOnlyList<GenerationResult> Results() =>
        queries.Select((_, g) => new GenerationResult(generated[g], tokenizer?.Decode(generated[g]), finished[g] ?? FinishReason.Length, logProbs[g])).ToArray();

    /// <inheritdoc />
    public void Dispose() => logWeights.Dispose();
}
