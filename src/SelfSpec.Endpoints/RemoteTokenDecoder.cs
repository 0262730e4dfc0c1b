namespace SelfSpec.Endpoints;

/// <summary>Settings of <see cref="RemoteTokenDecoder"/>.</summary>
public sealed record RemoteDecodingOptions
{
    /// <summary>The served model whose distributions are mixed (the expert in contrastive decoding).</summary>
    public required string Model { get; init; }

    /// <summary>The amateur's served name; set, the decoder contrasts <see cref="Model"/> with it (paper eq. 3).</summary>
    public string? AmateurModel { get; init; }

    /// <summary>Contrastive plausibility α: only tokens with p_expert ≥ α · max p_expert compete.</summary>
    public double Alpha { get; init; } = 0.1;

    /// <summary>The amateur's temperature τ (its log-probabilities are divided by it).</summary>
    public double AmateurTemperature { get; init; } = 1.0;

    /// <summary>Most tokens to generate.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Argmax (default) or a draw.</summary>
    public bool Greedy { get; init; } = true;

    /// <summary>Sampling temperature (when not greedy).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass (when not greedy).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>The seed of this row's draws (derive it from the row's identity, not its batch position).</summary>
    public int Seed { get; init; }

    /// <summary>Strings that end the row when the decoded output contains them.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>End-of-sequence ids known in advance (e.g. from the weights' config.json); the server also reveals them (see remarks of <see cref="RemoteTokenDecoder"/>).</summary>
    public IReadOnlyCollection<int> EosTokenIds { get; init; } = [];

    /// <summary>N: log-probabilities asked per document and step.</summary>
    public int TopN { get; init; } = 20;
}

/// <summary>A row decoded over the API.</summary>
/// <param name="TokenIds">Every generated token (an end-of-sequence token included).</param>
/// <param name="Text">The server's detokenization of <paramref name="TokenIds"/> (special tokens skipped), not cut.</param>
/// <param name="FinishReason"><c>eos</c>, <c>stop</c> (a stop string appeared) or <c>length</c>.</param>
/// <param name="LogProbs">Per token, its log-probability under the (expert's) mixture.</param>
public sealed record RemoteDecodingResult(IReadOnlyList<int> TokenIds, string Text, string FinishReason, IReadOnlyList<double> LogProbs);

/// <summary>
/// RAG-token decoding (eq. 2), optionally inside contrastive decoding (eq. 3), over OpenAI-compatible endpoints: every
/// step asks each document's token-id prompt (prompt + tokens so far) for one token with its top-N log-probabilities
/// (<c>max_tokens: 1</c>, <c>logprobs: N</c>, <c>return_tokens_as_token_ids: true</c>), mixes them with
/// <see cref="TopNMixture"/>, and chooses the next token here, greedily or with a draw seeded by the row. The documents'
/// requests run concurrently, spread over the pool. A row ends at an end-of-sequence id, at a stop string in the
/// server's detokenization (<c>/detokenize</c>, one call per step when stop strings are set), or at the length limit —
/// the conventions of the in-process <c>RagTokenDecoder</c>.
/// </summary>
/// <remarks>
/// End-of-sequence ids are <see cref="RemoteDecodingOptions.EosTokenIds"/> plus any token a server stopped on: with
/// <c>max_tokens: 1</c> and no stop strings, <c>finish_reason: stop</c> means the server's own pick was an
/// end-of-sequence token, so no local tokenizer or config is needed.
/// </remarks>
public sealed class RemoteTokenDecoder(EndpointPool pool)
{
    /// <summary>Decodes one row from <paramref name="documentPrompts"/> (token ids, BOS included) weighted by <paramref name="logWeights"/>.</summary>
    public async Task<RemoteDecodingResult> GenerateAsync(IReadOnlyList<IReadOnlyList<int>> documentPrompts, IReadOnlyList<double> logWeights,
        RemoteDecodingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documentPrompts);
        ArgumentNullException.ThrowIfNull(options);
        if (documentPrompts.Count == 0 || documentPrompts.Count != logWeights.Count)
            throw new ArgumentException($"{documentPrompts.Count} document prompts and {logWeights.Count} weights", nameof(logWeights));
        var eos = new HashSet<int>(options.EosTokenIds);
        var generated = new List<int>();
        var logProbs = new List<double>();
        var random = new Random(options.Seed);
        var text = "";
        for (var step = 0; step < options.MaxNewTokens; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var expert = await NextDistributionsAsync(options.Model, documentPrompts, generated, options.TopN, eos, cancellationToken).ConfigureAwait(false);
            var mixed = TopNMixture.LowerBound(expert, logWeights);
            int token;
            if (options.AmateurModel is null)
            {
                token = options.Greedy ? ArgMax(mixed) : Draw(mixed, options, random);
            }
            else
            {
                var best = mixed.Values.Max();
                var plausible = mixed.Where(kv => kv.Value >= best + Math.Log(options.Alpha)).Select(kv => kv.Key).ToList();
                var amateurDocs = await NextDistributionsAsync(options.AmateurModel, documentPrompts, generated, options.TopN, eos, cancellationToken).ConfigureAwait(false);
                var amateur = TopNMixture.UpperBound(amateurDocs, logWeights, plausible);
                var scores = plausible.ToDictionary(t => t, t => mixed[t] - amateur[t] / options.AmateurTemperature);
                token = options.Greedy ? ArgMax(scores) : Draw(scores, options, random);
            }
            generated.Add(token);
            logProbs.Add(mixed[token]);
            if (eos.Contains(token))
                return new RemoteDecodingResult(generated, await DetokenizeAsync(options.Model, generated, eos, cancellationToken).ConfigureAwait(false), "eos", logProbs);
            if (options.StopStrings.Count > 0)
            {
                text = await DetokenizeAsync(options.Model, generated, eos, cancellationToken).ConfigureAwait(false);
                if (options.StopStrings.Any(s => s.Length > 0 && text.Contains(s, StringComparison.Ordinal)))
                    return new RemoteDecodingResult(generated, text, "stop", logProbs);
            }
        }
        if (options.StopStrings.Count == 0 || generated.Count == 0) text = await DetokenizeAsync(options.Model, generated, eos, cancellationToken).ConfigureAwait(false);
        return new RemoteDecodingResult(generated, text, "length", logProbs);
    }

    private async Task<IReadOnlyDictionary<int, double>[]> NextDistributionsAsync(string model, IReadOnlyList<IReadOnlyList<int>> prompts, List<int> generated,
        int topN, HashSet<int> eos, CancellationToken ct)
    {
        var snapshot = generated.ToArray();
        var completions = await Task.WhenAll(prompts.Select(prompt => pool.SendAsync((endpoint, token) => endpoint.CompleteAsync(new CompletionRequest
        {
            Model = model,
            PromptTokens = prompt.Concat(snapshot).ToArray(),
            MaxTokens = 1,
            Temperature = 0,
            LogProbs = topN,
            ReturnTokenIds = true,
        }, token), ct))).ConfigureAwait(false);
        var result = new IReadOnlyDictionary<int, double>[completions.Length];
        for (var j = 0; j < completions.Length; j++)
        {
            var c = completions[j];
            if (c.TopLogProbs is not { Count: > 0 } top || top[0].Count == 0)
                throw new EndpointsExhaustedException($"the server answered '{model}' without top log-probabilities (it must honour logprobs and return_tokens_as_token_ids)");
            if (c.FinishReason == "stop" && c.TokenIds is { Count: > 0 } ids)
                lock (eos) eos.Add(ids[0]);
            result[j] = top[0];
        }
        return result;
    }

    /// <summary>
    /// The text of <paramref name="tokens"/> without end-of-sequence tokens: <c>/detokenize</c> (vLLM's, ours) keeps
    /// special tokens, while the in-process decoders' text skips them.
    /// </summary>
    private Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, HashSet<int> eos, CancellationToken ct)
    {
        int[] ids;
        lock (eos) ids = tokens.Where(t => !eos.Contains(t)).ToArray();
        return ids.Length == 0 ? Task.FromResult("") : pool.SendAsync((endpoint, token) => endpoint.DetokenizeAsync(model, ids, token), ct);
    }

    /// <summary>The highest-scoring token; ties go to the smallest id, as an argmax over the vocabulary does.</summary>
    internal static int ArgMax(IReadOnlyDictionary<int, double> scores)
    {
        var best = int.MaxValue;
        var bestScore = double.NegativeInfinity;
        foreach (var (token, score) in scores)
            if (score > bestScore || (score == bestScore && token < best)) { best = token; bestScore = score; }
        return best == int.MaxValue ? scores.Keys.Min() : best;
    }

    /// <summary>A draw from softmax(scores / T) restricted to the top-p nucleus, with the row's own random stream.</summary>
    internal static int Draw(IReadOnlyDictionary<int, double> scores, RemoteDecodingOptions options, Random random)
    {
        var ordered = scores.Where(kv => !double.IsNegativeInfinity(kv.Value)).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).ToList();
        if (ordered.Count == 0) return ArgMax(scores);
        var max = ordered[0].Value / options.Temperature;
        var weights = ordered.Select(kv => Math.Exp(kv.Value / options.Temperature - max)).ToArray();
        var total = weights.Sum();
        var keep = 0;
        var mass = 0.0;
        while (keep < weights.Length)
        {
            mass += weights[keep] / total;
            keep++;
            if (mass >= options.TopP) break;
        }
        var nucleus = weights.AsSpan(0, keep);
        var sum = 0.0;
        foreach (var w in nucleus) sum += w;
        var u = random.NextDouble() * sum;
        for (var i = 0; i < keep; i++)
        {
            u -= nucleus[i];
            if (u <= 0) return ordered[i].Key;
        }
        return ordered[keep - 1].Key;
    }
}
