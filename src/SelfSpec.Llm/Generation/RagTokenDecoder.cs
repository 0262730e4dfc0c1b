using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>A retrieved document: its token ids and its retriever score (e.g. BM25).</summary>
/// <param name="TokenIds">The document's tokens, placed before the query in its own prompt.</param>
/// <param name="Score">The retriever score; p_ret = softmax(score / τ) over the documents of one query.</param>
public sealed record RetrievedDocument(IReadOnlyList<int> TokenIds, double Score);

/// <summary>One query of a batched RAG-token call: its tokens and its retrieved documents.</summary>
/// <param name="Query">The query tokens (appended after each document; may be empty when the documents are whole prompts).</param>
/// <param name="Documents">The retrieved documents (at least one).</param>
public sealed record RagTokenQuery(IReadOnlyList<int> Query, IReadOnlyList<RetrievedDocument> Documents);

/// <summary>
/// RAG-token decoding (Lewis et al. 2020; self-specialization eq. 2): the k prompts <c>doc_j + query + generated</c> run as
/// one batch, and every step chooses from the mixture p(y) = Σ_j p_ret(d_j) · p_lm(y | d_j, query, y_&lt;i), computed in log
/// space as logsumexp_j(log p_ret(d_j) + log_softmax(logits_j)). The chosen token is appended to every row.
/// </summary>
public sealed class RagTokenDecoder
{
    /// <summary>Creates a decoder over <paramref name="model"/>.</summary>
    public RagTokenDecoder(LlamaModel model, ITokenizer? tokenizer = null)
    {
        Model = model;
        Tokenizer = tokenizer;
    }

    /// <summary>The model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The tokenizer used to decode the output, if any.</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>The document weights p_ret = softmax(score / τ).</summary>
    public static double[] DocumentWeights(IReadOnlyList<double> scores, double temperature = 1.0)
    {
        if (scores.Count == 0) throw new ArgumentException("at least one document", nameof(scores));
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "document temperature must be > 0");
        var max = scores.Max();
        var exp = scores.Select(s => Math.Exp((s - max) / temperature)).ToArray();
        var sum = exp.Sum();
        return exp.Select(e => e / sum).ToArray();
    }

    /// <summary>log p_ret: the log of <see cref="DocumentWeights"/>, as a mixture over log-probabilities takes them.</summary>
    public static double[] LogDocumentWeights(IReadOnlyList<double> scores, double temperature = 1.0) =>
        DocumentWeights(scores, temperature).Select(w => Math.Log(w)).ToArray();

    /// <summary>
    /// Generates from the mixture over <paramref name="documents"/>; the result's <see cref="GenerationResult.LogProbs"/>
    /// are log p(y_i) of the mixture for each chosen token.
    /// </summary>
    /// <param name="query">The query tokens (appended after each document).</param>
    /// <param name="documents">The retrieved documents (at least one).</param>
    /// <param name="options">Length, sampling (applied to the mixed log-probabilities) and stopping.</param>
    /// <param name="documentTemperature">τ in softmax(score / τ).</param>
    /// <param name="adapter">A LoRA adapter applied unmerged, or null.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public GenerationResult Generate(IReadOnlyList<int> query, IReadOnlyList<RetrievedDocument> documents, GenerationOptions options,
        double documentTemperature = 1.0, LoraAdapter? adapter = null, CancellationToken cancellationToken = default)
    {
        if (documents.Count == 0) throw new ArgumentException("RAG-token decoding needs at least one document", nameof(documents));
        var prompts = documents.Select(d => (IReadOnlyList<int>)d.TokenIds.Concat(query).ToArray()).ToArray();
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("empty document and query", nameof(query));
        var weights = DocumentWeights(documents.Select(d => d.Score).ToArray(), documentTemperature);
        var eos = options.EndOfSequenceIds(Model.Config, Tokenizer);

        var rows = new PaddedBatch(prompts, options.MaxNewTokens, Model.Config.PadTokenId ?? 0, Model.Device);
        var generated = new List<int>();
        var logProbs = new List<double>();
        var history = new List<int>(query);
        var reason = FinishReason.Length;

        using var noGrad = new NoGrad();
        using var sampler = new LogitsSampler(options.Sampling);
        using var cache = options.UseKvCache && options.MaxNewTokens > 0 ? Model.CreateCache(rows.Rows, rows.Capacity) : null;
        using var logWeights = Tensor.From(weights.Select(w => Math.Log(w)).ToArray(), [weights.Length, 1]).To(DType.Float32, Model.Device);
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int token;
            double logProb;
            using (var scope = DisposeScope.Begin())
            {
                var logits = Model.Forward(rows.NextInput(cache?.Length ?? 0), rows.Mask(), cache, adapter, lastPositionOnly: true).Select(1, 0);
                var mixed = logits.LogSoftmax(-1).Add(logWeights).LogSumExp(0, keepDim: true); // [1, vocab]
                token = (int)sampler.Next(mixed, [history])[0];
                logProb = mixed.Select(0, 0).Select(0, token).ItemDouble();
            }
            generated.Add(token);
            logProbs.Add(logProb);
            history.Add(token);
            rows.Append(Enumerable.Repeat((long)token, rows.Rows).ToArray());
            if (eos.Contains(token))
            {
                reason = FinishReason.EndOfSequence;
                break;
            }
            if (options.StopStrings.Count > 0 && Tokenizer != null && options.StopStrings.Any(s => Tokenizer.Decode(generated).Contains(s, StringComparison.Ordinal)))
            {
                reason = FinishReason.StopString;
                break;
            }
        }
        return new GenerationResult(generated, Tokenizer?.Decode(generated), reason, logProbs);
    }

    /// <summary>
    /// Generates for several queries as one batch: all their document rows decode together (left-padded), each query
    /// mixes only its own rows, and a finished query's rows leave the batch (<see cref="GenerationOptions.DropFinishedRows"/>). Each result
    /// equals <see cref="Generate(IReadOnlyList{int}, IReadOnlyList{RetrievedDocument}, GenerationOptions, double, LoraAdapter?, CancellationToken)"/>
    /// for that query alone, up to floating-point differences of the padded batch (and, when sampling, the random stream,
    /// which is shared by the batch).
    /// </summary>
    /// <param name="queries">The queries, each with at least one document.</param>
    /// <param name="options">Length, sampling (applied to the mixed log-probabilities) and stopping.</param>
    /// <param name="documentTemperature">τ in softmax(score / τ), per query.</param>
    /// <param name="adapter">A LoRA adapter applied unmerged, or null.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<RagTokenQuery> queries, GenerationOptions options, double documentTemperature = 1.0,
        LoraAdapter? adapter = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0) return [];
        using var batch = new RagTokenBatch(Model, Tokenizer, queries, options, documentTemperature);
        var history = queries.Select(q => new List<int>(q.Query)).ToArray();

        using var noGrad = new NoGrad();
        using var sampler = new LogitsSampler(options.Sampling);
        using var cache = options.UseKvCache && options.MaxNewTokens > 0 ? Model.CreateCache(batch.Rows.Rows, batch.Rows.Capacity) : null;
        for (var step = 0; step < options.MaxNewTokens && !batch.Done; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long[] tokens;
            double[] chosen;
            using (var scope = DisposeScope.Begin())
            {
                var logits = Model.Forward(batch.Rows.NextInput(cache?.Length ?? 0), batch.Rows.Mask(), cache, adapter, lastPositionOnly: true);
                var mixed = batch.Marginals(logits);
                tokens = sampler.Next(mixed, history);
                using var index = Tensor.From<long>(tokens, [tokens.Length, 1]).To(Model.Device);
                chosen = mixed.Gather(1, index).To(DType.Float64).Contiguous().ToArray<double>();
            }
            batch.Accept(tokens, chosen, history);
            batch.DropFinished(cache);
        }
        return batch.Results();
    }
}
