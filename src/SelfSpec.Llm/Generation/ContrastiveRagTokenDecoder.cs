using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Generation;

/// <summary>
/// RAG-token decoding combined with contrastive decoding (self-specialization iteration 2: eq. 2 inside eq. 3). The
/// k prompts <c>doc_j + query + generated</c> run twice per step as one batch each: once with the expert's adapter and
/// once with the amateur's. Each side is mixed over the documents as in <see cref="RagTokenDecoder"/>
/// (logsumexp_j(log p_ret(d_j) + log_softmax(logits_j))), and the two marginals are scored with
/// <see cref="ContrastiveDecoder.Scores"/> (plausibility α on the expert marginal, amateur divided by τ). The chosen
/// token is appended to every row of both batches. Greedy or sampled; beam search is not offered here. The result's
/// log-probs are the expert marginal's log p(y_i) of the chosen tokens (a response's likelihood under the tuned model,
/// what an SFT data set records), not the contrastive scores <see cref="ContrastiveDecoder"/> reports.
/// </summary>
public sealed class ContrastiveRagTokenDecoder
{
    /// <summary>Creates a decoder; expert and amateur share <paramref name="model"/> and differ by adapter.</summary>
    /// <param name="model">The base model.</param>
    /// <param name="expertAdapter">The expert's adapter (iteration 2: the adapter of iteration 1).</param>
    /// <param name="amateurAdapter">The amateur's adapter; null is the base model.</param>
    /// <param name="tokenizer">Decodes the output and checks stop strings, if given.</param>
    public ContrastiveRagTokenDecoder(LlamaModel model, LoraAdapter? expertAdapter, LoraAdapter? amateurAdapter = null, ITokenizer? tokenizer = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        ExpertAdapter = expertAdapter;
        AmateurAdapter = amateurAdapter;
        Tokenizer = tokenizer;
    }

    /// <summary>The shared base model.</summary>
    public LlamaModel Model { get; }

    /// <summary>The expert's adapter.</summary>
    public LoraAdapter? ExpertAdapter { get; }

    /// <summary>The amateur's adapter (null: the base model).</summary>
    public LoraAdapter? AmateurAdapter { get; }

    /// <summary>The tokenizer, if any.</summary>
    public ITokenizer? Tokenizer { get; }

    /// <summary>
    /// Generates from the contrastive score of the two document marginals; the result's log-probs are the expert
    /// marginal's log-probabilities of the chosen tokens.
    /// </summary>
    /// <param name="query">The query tokens, appended after each document (may be empty when the documents are whole prompts).</param>
    /// <param name="documents">The retrieved documents (at least one); p_ret = softmax(score / τ_doc).</param>
    /// <param name="options">Length, stopping, and for <see cref="ContrastiveSearch.Sample"/> the sampler (applied to the scores).</param>
    /// <param name="contrastive">α, amateur temperature, and the search (greedy or sample).</param>
    /// <param name="documentTemperature">τ_doc in softmax(score / τ_doc).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public GenerationResult Generate(IReadOnlyList<int> query, IReadOnlyList<RetrievedDocument> documents, GenerationOptions options,
        ContrastiveOptions contrastive, double documentTemperature = 1.0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0) throw new ArgumentException("RAG-token decoding needs at least one document", nameof(documents));
        return Generate([new RagTokenQuery(query, documents)], options, contrastive, documentTemperature, cancellationToken)[0];
    }

    /// <summary>
    /// Generates for several queries as one batch (expert and amateur each run all the queries' document rows, left-padded);
    /// each query mixes and contrasts only its own rows, and a finished query's rows leave the batch (<see cref="GenerationOptions.DropFinishedRows"/>).
    /// Each result equals the single-query call up to floating-point differences of the padded batch (and, when
    /// sampling, the random stream, which the batch shares).
    /// </summary>
    /// <param name="queries">The queries, each with at least one document.</param>
    /// <param name="options">Length, stopping, and for <see cref="ContrastiveSearch.Sample"/> the sampler (applied to the scores).</param>
    /// <param name="contrastive">α, amateur temperature, and the search (greedy or sample).</param>
    /// <param name="documentTemperature">τ_doc in softmax(score / τ_doc), per query.</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<RagTokenQuery> queries, GenerationOptions options, ContrastiveOptions contrastive,
        double documentTemperature = 1.0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contrastive);
        if (contrastive.Search == ContrastiveSearch.Beam)
            throw new NotSupportedException("contrastive RAG-token decoding searches greedily or by sampling, not by beam");
        if (queries.Count == 0) return [];
        using var batch = new RagTokenBatch(Model, Tokenizer, queries, options, documentTemperature);
        var sampling = contrastive.Search == ContrastiveSearch.Greedy ? SamplingOptions.GreedyDecoding : options.Sampling with { Greedy = false };

        using var noGrad = new NoGrad();
        using var sampler = new LogitsSampler(sampling);
        using var expertCache = options.MaxNewTokens > 0 ? Model.CreateCache(batch.Rows.Rows, batch.Rows.Capacity) : null;
        using var amateurCache = options.MaxNewTokens > 0 ? Model.CreateCache(batch.Rows.Rows, batch.Rows.Capacity) : null;
        for (var step = 0; step < options.MaxNewTokens && !batch.Done; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long[] tokens;
            double[] chosen;
            using (var scope = DisposeScope.Begin())
            {
                var mask = batch.Rows.Mask();
                var expert = batch.Marginals(Model.Forward(batch.Rows.NextInput(expertCache!.Length), mask, expertCache, ExpertAdapter, lastPositionOnly: true));
                var amateur = batch.Marginals(Model.Forward(batch.Rows.NextInput(amateurCache!.Length), mask, amateurCache, AmateurAdapter, lastPositionOnly: true));
                // The marginals are normalised log-probabilities, so the log-softmax inside Scores leaves them as they are.
                var scores = ContrastiveDecoder.Scores(expert, amateur, contrastive.Alpha, contrastive.AmateurTemperature);
                tokens = sampler.Next(scores, null);
                using var index = Tensor.From<long>(tokens, [tokens.Length, 1]).To(Model.Device);
                chosen = expert.Gather(1, index).To(DType.Float64).Contiguous().ToArray<double>();
            }
            batch.Accept(tokens, chosen);
            batch.DropFinished(expertCache, amateurCache);
        }
        return batch.Results();
    }
}
