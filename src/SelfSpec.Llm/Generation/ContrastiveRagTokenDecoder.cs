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
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contrastive);
        if (documents.Count == 0) throw new ArgumentException("RAG-token decoding needs at least one document", nameof(documents));
        if (contrastive.Search == ContrastiveSearch.Beam)
            throw new NotSupportedException("contrastive RAG-token decoding searches greedily or by sampling, not by beam");
        var prompts = documents.Select(d => (IReadOnlyList<int>)d.TokenIds.Concat(query).ToArray()).ToArray();
        if (prompts.Any(p => p.Count == 0)) throw new ArgumentException("empty document and query", nameof(query));
        var weights = RagTokenDecoder.DocumentWeights(documents.Select(d => d.Score).ToArray(), documentTemperature);
        var eos = (options.EosTokenIds ?? (Model.Config.EosTokenIds.Count > 0 ? Model.Config.EosTokenIds : Tokenizer?.EosTokenId is { } e ? [e] : [])).ToHashSet();
        if (options.StopStrings.Count > 0 && Tokenizer == null) throw new InvalidOperationException("stop strings need a tokenizer");
        var sampling = contrastive.Search == ContrastiveSearch.Greedy ? SamplingOptions.GreedyDecoding : options.Sampling with { Greedy = false };

        var rows = new PaddedBatch(prompts, options.MaxNewTokens, Model.Config.PadTokenId ?? 0, Model.Device);
        var generated = new List<int>();
        var logProbs = new List<double>();
        var reason = FinishReason.Length;

        using var noGrad = new NoGrad();
        using var sampler = new LogitsSampler(sampling);
        using var expertCache = options.MaxNewTokens > 0 ? Model.CreateCache(rows.Rows, rows.Capacity) : null;
        using var amateurCache = options.MaxNewTokens > 0 ? Model.CreateCache(rows.Rows, rows.Capacity) : null;
        using var logWeights = Tensor.From(weights.Select(w => Math.Log(w)).ToArray(), [weights.Length, 1]).To(DType.Float32, Model.Device);
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int token;
            double logProb;
            using (var scope = DisposeScope.Begin())
            {
                var mask = rows.Mask();
                var expert = Marginal(Model.Forward(rows.NextInput(expertCache!.Length), mask, expertCache, ExpertAdapter, lastPositionOnly: true), logWeights);
                var amateur = Marginal(Model.Forward(rows.NextInput(amateurCache!.Length), mask, amateurCache, AmateurAdapter, lastPositionOnly: true), logWeights);
                // The marginals are normalised log-probabilities, so the log-softmax inside Scores leaves them as they are.
                var scores = ContrastiveDecoder.Scores(expert, amateur, contrastive.Alpha, contrastive.AmateurTemperature);
                token = (int)sampler.Next(scores, null)[0];
                logProb = expert.Select(0, 0).Select(0, token).ItemDouble();
            }
            generated.Add(token);
            logProbs.Add(logProb);
            rows.Append(Enumerable.Repeat((long)token, rows.Rows).ToArray());
            if (eos.Contains(token))
            {
                reason = FinishReason.EndOfSequence;
                break;
            }
            if (options.StopStrings.Count > 0 && options.StopStrings.Any(s => s.Length > 0 && Tokenizer!.Decode(generated).Contains(s, StringComparison.Ordinal)))
            {
                reason = FinishReason.StopString;
                break;
            }
        }
        return new GenerationResult(generated, Tokenizer?.Decode(generated), reason, logProbs);
    }

    /// <summary>log Σ_j p_ret(d_j) · softmax(logits_j): [k, 1, vocab] logits to a [1, vocab] marginal.</summary>
    private static Tensor Marginal(Tensor logits, Tensor logWeights) =>
        logits.Select(1, 0).LogSoftmax(-1).Add(logWeights).LogSumExp(0, keepDim: true);
}
