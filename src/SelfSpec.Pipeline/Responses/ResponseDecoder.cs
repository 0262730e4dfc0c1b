using SelfSpec.Llm.Generation;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Models;

namespace SelfSpec.Pipeline.Responses;

/// <summary>One response prompt (with at most one document) and its retriever score.</summary>
/// <param name="Text">The full prompt text (<see cref="ResponseGenerationPrompt.Build"/>).</param>
/// <param name="Score">The document's retriever score (BM25); any value when it is the only prompt.</param>
internal sealed record ResponsePrompt(string Text, double Score);

/// <summary>A generated response.</summary>
/// <param name="Text">The response, cut before a stop sequence and trimmed.</param>
/// <param name="TokenIds">Every generated token (including an end-of-sequence or stop token).</param>
/// <param name="MeanLogProb">The mean of the per-token log p under the (marginalised, expert) model; 0 when nothing was generated.</param>
internal sealed record Response(string Text, IReadOnlyList<int> TokenIds, double MeanLogProb);

/// <summary>
/// Decodes instructions' responses from their document prompts with the LLM engine: each whole prompt is one
/// RAG-token row (query empty, the document already inside the prompt), weighted by softmax(score / τ); with contrastive
/// options the expert (base + adapter) marginal is contrasted with the base marginal.
/// </summary>
internal sealed class ResponseDecoder(LoadedModel model, ContrastiveOptions? contrastive, double documentTemperature)
{
    /// <summary>
    /// The responses of several instructions: one batched RAG-token (or contrastive RAG-token) call.
    /// </summary>
    public IReadOnlyList<Response> Generate(IReadOnlyList<IReadOnlyList<ResponsePrompt>> instructions, GenerationOptions options, CancellationToken cancellationToken)
    {
        var queries = instructions.Select(prompts => new RagTokenQuery([],
            prompts.Select(p => new RetrievedDocument(model.Tokenizer.Encode(p.Text), p.Score)).ToList())).ToList();
        IReadOnlyList<GenerationResult> results = contrastive is null
            ? new RagTokenDecoder(model.Model, model.Tokenizer).Generate(queries, options, documentTemperature, model.Adapter, cancellationToken)
            : new ContrastiveRagTokenDecoder(model.Model, model.Adapter, null, model.Tokenizer).Generate(queries, options, contrastive, documentTemperature, cancellationToken);
        return results.Select(r => new Response(
            StopSequences.Cut(model.Tokenizer.Decode(r.TokenIds), options.StopStrings).Text.Trim(),
            r.TokenIds,
            r.LogProbs is { Count: > 0 } lp ? lp.Average() : 0)).ToList();
    }
}
