using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// The bookkeeping the batched RAG-token decoders share (<see cref="RagTokenDecoder"/>, <see cref="ContrastiveRagTokenDecoder"/>):
/// the document rows of several queries as one left-padded batch, each query's log p_ret, the per-query mixture of its
/// rows' next-token distributions, and accepting one token per query — end of sequence, stop strings, and padding fed to
/// the rows of a finished query so the batch stays rectangular while its output is frozen.
/// </summary>
internal sealed class RagTokenBatch : IDisposable
{
    private readonly IReadOnlyList<RagTokenQuery> queries;
    private readonly int[] offsets;
    private readonly Tensor logWeights;
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
        stopStrings = options.StopStrings;
        offsets = new int[queries.Count];
        for (var g = 1; g < queries.Count; g++) offsets[g] = offsets[g - 1] + queries[g - 1].Documents.Count;
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

    /// <summary>Per query g: log Σ_j p_ret(d_j) · softmax(logits_j) over its own rows; [rows, 1, vocab] logits to [queries, vocab].</summary>
    public Tensor Marginals(Tensor logits)
    {
        var weighted = logits.Select(1, 0).LogSoftmax(-1).Add(logWeights);
        return Tensor.Cat(queries.Select((q, g) => weighted.Narrow(0, offsets[g], q.Documents.Count).LogSumExp(0, keepDim: true)).ToArray(), 0);
    }

    /// <summary>
    /// Records each unfinished query's token and its log-probability (and in <paramref name="history"/>, when given),
    /// stops the queries that produced an end-of-sequence token or a stop string, and appends the step to the rows.
    /// </summary>
    public void Accept(IReadOnlyList<long> tokens, IReadOnlyList<double> chosenLogProbs, List<int>[]? history = null)
    {
        var perRow = new long[Rows.Rows];
        for (var g = 0; g < queries.Count; g++)
        {
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
            for (var j = 0; j < queries[g].Documents.Count; j++) perRow[offsets[g] + j] = token;
        }
        Rows.Append(perRow);
    }

    /// <summary>One result per query; a query still running at the end stopped for length.</summary>
    public IReadOnlyList<GenerationResult> Results() =>
        queries.Select((_, g) => new GenerationResult(generated[g], tokenizer?.Decode(generated[g]), finished[g] ?? FinishReason.Length, logProbs[g])).ToArray();

    /// <inheritdoc />
    public void Dispose() => logWeights.Dispose();
}
