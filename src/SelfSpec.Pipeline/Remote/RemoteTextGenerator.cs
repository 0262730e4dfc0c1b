using SelfSpec.Endpoints;
using SelfSpec.Pipeline.Instructions;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// <see cref="ITextGenerator"/> over OpenAI-compatible endpoints: every prompt is one <c>/v1/completions</c> request
/// (text prompt, temperature, top-p, stop sequences, <c>max_tokens</c>) with the seed
/// <see cref="SamplingSettings.RowSeed"/>(settings seed, prompt id), so a row's completion depends on its identity only. The
/// requests of a call run concurrently, spread by the pool. With a <see cref="RowJournal{T}"/>, a row already finished is
/// taken from it and each new one is recorded the moment it completes. With an amateur (iteration 2), each prompt is
/// decoded token by token by contrastive decoding (expert = <c>model</c>, amateur = the base) with
/// <see cref="RemoteTokenDecoder"/>.
/// </summary>
public sealed class RemoteTextGenerator(RemoteModel remote, string model, RowJournal<JournalCompletion>? journal = null,
    ContrastiveSettings? contrastive = null) : ITextGenerator
{
    /// <inheritdoc />
    public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<string> prompts, SamplingSettings settings, CancellationToken cancellationToken) =>
        GenerateRowsAsync(Enumerable.Range(0, prompts.Count).ToList(), prompts, settings, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<TextCompletion>> GenerateRowsAsync(IReadOnlyList<int> rowIds, IReadOnlyList<string> prompts, SamplingSettings settings,
        CancellationToken cancellationToken)
    {
        if (rowIds.Count != prompts.Count) throw new ArgumentException($"{rowIds.Count} ids for {prompts.Count} prompts", nameof(rowIds));
        var rows = await Task.WhenAll(prompts.Select((prompt, i) => CompleteAsync(rowIds[i], prompt, settings, cancellationToken))).ConfigureAwait(false);
        return rows;
    }

    private async Task<TextCompletion> CompleteAsync(int rowId, string prompt, SamplingSettings settings, CancellationToken ct)
    {
        var key = rowId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var promptHash = JournalCompletion.Hash(prompt);
        if (journal is not null && journal.TryGet(key, out var done) && done.PromptHash == promptHash)
            return new TextCompletion(done.Text, done.Truncated);
        var seed = SamplingSettings.RowSeed(settings.Seed, key);
        TextCompletion completion;
        if (contrastive is null)
        {
            var result = await remote.Pool.SendAsync((endpoint, t) => endpoint.CompleteAsync(new CompletionRequest
            {
                Model = model,
                Prompt = prompt,
                MaxTokens = settings.MaxNewTokens,
                Temperature = settings.Temperature,
                TopP = settings.TopP,
                Seed = seed,
                Stop = settings.StopSequences,
            }, t), ct).ConfigureAwait(false);
            completion = new TextCompletion(result.Text, result.FinishReason == "length");
        }
        else
        {
            var ids = await remote.TokenizeAsync(prompt, ct).ConfigureAwait(false);
            var result = await new RemoteTokenDecoder(remote.Pool).GenerateAsync([ids], [0.0], new RemoteDecodingOptions
            {
                Model = model,
                AmateurModel = remote.ModelName,
                Alpha = contrastive.Alpha,
                AmateurTemperature = contrastive.AmateurTemperature,
                MaxNewTokens = settings.MaxNewTokens,
                Greedy = false,
                Temperature = settings.Temperature,
                TopP = settings.TopP,
                Seed = seed,
                StopStrings = settings.StopSequences,
                EosTokenIds = remote.EosTokenIds,
                TopN = remote.Pool.Spec.LogProbs,
            }, ct).ConfigureAwait(false);
            var (cut, stopped) = StopSequences.Cut(result.Text, settings.StopSequences);
            completion = new TextCompletion(cut, !stopped && result.FinishReason == "length");
        }
        journal?.Append(key, new JournalCompletion(promptHash, completion.Text, completion.Truncated));
        return completion;
    }
}

/// <summary>Contrastive decoding's settings for <see cref="RemoteTextGenerator"/>.</summary>
/// <param name="Alpha">Plausibility α.</param>
/// <param name="AmateurTemperature">The amateur's τ.</param>
public sealed record ContrastiveSettings(double Alpha, double AmateurTemperature);

/// <summary>A finished completion as journaled: the prompt's digest (a changed prompt is generated anew), the text and whether it was cut by length.</summary>
/// <param name="PromptHash">SHA-256 (hex, first 16 characters) of the prompt.</param>
/// <param name="Text">The completion.</param>
/// <param name="Truncated">Stopped at the length limit.</param>
public sealed record JournalCompletion(string PromptHash, string Text, bool Truncated)
{
    /// <summary>The digest of a prompt.</summary>
    public static string Hash(string prompt) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(prompt)))[..16];
}
