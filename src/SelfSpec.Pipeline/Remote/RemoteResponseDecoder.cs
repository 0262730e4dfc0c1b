using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SelfSpec.Endpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Responses;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// Responses by RAG-token decoding over the endpoints (<see cref="RemoteTokenDecoder"/>): each document prompt is
/// tokenized by the server (<c>/tokenize</c>, BOS included, as the in-process decoder encodes it), weighted by
/// p_ret = softmax(score / τ), and decoded with top-N mixing; with contrastive settings the expert (<c>model</c>, an
/// adapter's served name) is contrasted with the base. The text is cut before the first stop sequence and trimmed, as
/// in process. Finished responses go to the journal under the instruction's id the moment they complete.
/// </summary>
internal sealed class RemoteResponseDecoder(RemoteModel remote, string model, ContrastiveSettings? contrastive, double documentTemperature,
    RowJournal<JournalResponse>? journal)
{
    /// <summary>The response of one instruction (<paramref name="rowKey"/>: its id) from its document prompts.</summary>
    public async Task<Response> GenerateAsync(string rowKey, IReadOnlyList<ResponsePrompt> prompts, int maxNewTokens, bool greedy, double temperature,
        double topP, int randomSeed, IReadOnlyList<string> stopSequences, CancellationToken ct)
    {
        var promptHash = Digest(prompts);
        if (journal is not null && journal.TryGet(rowKey, out var done) && done.PromptHash == promptHash)
            return new Response(done.Text, done.TokenIds, done.MeanLogProb);
        var ids = await Task.WhenAll(prompts.Select(p => remote.TokenizeAsync(p.Text, ct))).ConfigureAwait(false);
        var weights = RagTokenDecoder.LogDocumentWeights(prompts.Select(p => p.Score).ToArray(), documentTemperature);
        var result = await new RemoteTokenDecoder(remote.Pool).GenerateAsync(ids, weights, new RemoteDecodingOptions
        {
            Model = model,
            AmateurModel = contrastive is null ? null : remote.ModelName,
            Alpha = contrastive?.Alpha ?? 0.1,
            AmateurTemperature = contrastive?.AmateurTemperature ?? 1.0,
            MaxNewTokens = maxNewTokens,
            Greedy = greedy,
            Temperature = temperature,
            TopP = topP,
            Seed = SamplingSettings.RowSeed(randomSeed, rowKey),
            StopStrings = stopSequences,
            EosTokenIds = remote.EosTokenIds,
            TopN = remote.Pool.Spec.LogProbs,
        }, ct).ConfigureAwait(false);
        var response = new Response(StopSequences.Cut(result.Text, stopSequences).Text.Trim(), result.TokenIds,
            result.LogProbs.Count > 0 ? result.LogProbs.Average() : 0);
        journal?.Append(rowKey, new JournalResponse(promptHash, response.Text, response.TokenIds.ToArray(), response.MeanLogProb));
        return response;
    }

    private static string Digest(IReadOnlyList<ResponsePrompt> prompts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u0001",
            prompts.Select(p => p.Score.ToString("R", CultureInfo.InvariantCulture) + "\u0002" + p.Text)))))[..16];
}

/// <summary>A finished response as journaled.</summary>
/// <param name="PromptHash">Digest of the instruction's document prompts and scores.</param>
/// <param name="Text">The response.</param>
/// <param name="TokenIds">Its tokens.</param>
/// <param name="MeanLogProb">Mean log p of its tokens under the mixture.</param>
public sealed record JournalResponse(string PromptHash, string Text, int[] TokenIds, double MeanLogProb);
