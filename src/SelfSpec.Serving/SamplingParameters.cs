using SelfSpec.Llm.Generation;

namespace SelfSpec.Serving;

/// <summary>
/// The sampling and stopping parameters completions and chat share (OpenAI's and vLLM's names), read and checked
/// from a request body.
/// </summary>
internal sealed record SamplingParameters
{
    /// <summary>Parameters both endpoints accept.</summary>
    public static readonly string[] Names =
    [
        "model", "n", "best_of", "temperature", "top_p", "top_k", "min_p", "stop", "stop_token_ids", "seed", "stream", "stream_options",
        "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "user", "ignore_eos", "skip_special_tokens",
        "spaces_between_special_tokens", "include_stop_str_in_output", "return_tokens_as_token_ids", "return_token_ids", "max_tokens",
        "min_tokens", "add_special_tokens", "priority", "request_id",
    ];

    public int N { get; init; } = 1;
    public int? MaxTokens { get; init; }
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int TopK { get; init; }
    public double RepetitionPenalty { get; init; } = 1.0;
    public ulong? Seed { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    public bool IgnoreEos { get; init; }
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
    public bool TokensAsIds { get; init; }
    public bool ReturnTokenIds { get; init; }
    public bool SkipSpecialTokens { get; init; } = true;
    public bool AddSpecialTokens { get; init; } = true;

    /// <summary>Reads the shared parameters; <paramref name="vocab"/> bounds token ids.</summary>
    public static SamplingParameters Read(RequestBody body, int vocab, bool addSpecialTokensDefault)
    {
        var n = (int)(body.Integer("n", 1, 128) ?? 1);
        if (body.Integer("best_of", 1, 128) is { } bestOf && bestOf != n)
            throw OpenAiError.BadParameter("best_of", $"'best_of' other than n ({n}) is not supported");
        foreach (var penalty in new[] { "presence_penalty", "frequency_penalty" })
            if (body.Number(penalty, v => v is < -2 or > 2 ? "must be between -2 and 2" : null) is { } p && p != 0)
                throw OpenAiError.BadParameter(penalty, $"'{penalty}' is not supported (only 0)");
        if (body.Node("logit_bias") is { } bias && (bias is not System.Text.Json.Nodes.JsonObject o || o.Count > 0))
            throw OpenAiError.BadParameter("logit_bias", "'logit_bias' is not supported");
        if (body.Number("min_p", v => v is < 0 or > 1 ? "must be between 0 and 1" : null) is { } minP && minP != 0)
            throw OpenAiError.BadParameter("min_p", "'min_p' is not supported (only 0)");
        if (body.Integer("min_tokens", 0, int.MaxValue) is { } minTokens && minTokens != 0)
            throw OpenAiError.BadParameter("min_tokens", "'min_tokens' is not supported (only 0)");
        body.String("user");
        body.String("request_id");
        body.Integer("priority", int.MinValue, int.MaxValue);
        body.Bool("spaces_between_special_tokens");
        if (body.Bool("include_stop_str_in_output") == true)
            throw OpenAiError.BadParameter("include_stop_str_in_output", "'include_stop_str_in_output' is not supported");
        var streamOptions = body.Node("stream_options");
        var includeUsage = false;
        if (streamOptions is not null)
        {
            if (streamOptions is not System.Text.Json.Nodes.JsonObject so) throw OpenAiError.BadParameter("stream_options", "'stream_options' must be an object");
            foreach (var (key, value) in so)
            {
                if (key is "include_usage" or "continuous_usage_stats")
                {
                    if (value is null || value.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                        throw OpenAiError.BadParameter("stream_options", $"'stream_options.{key}' must be a boolean");
                    if (key == "include_usage") includeUsage = value.GetValue<bool>();
                }
                else throw OpenAiError.BadParameter("stream_options", $"Unrecognized request argument supplied: stream_options.{key}");
            }
        }
        var stream = body.Bool("stream") ?? false;
        if (streamOptions is not null && !stream) throw OpenAiError.BadParameter("stream_options", "'stream_options' is only allowed with stream=true");
        var seed = body.Integer("seed", long.MinValue, long.MaxValue);
        var stop = body.StringOrList("stop", 16);
        if (stop.Any(x => x.Length == 0)) throw OpenAiError.BadParameter("stop", "'stop' strings must not be empty");
        return new SamplingParameters
        {
            N = n,
            MaxTokens = body.Integer("max_tokens", 1, int.MaxValue) is { } m ? (int)m : null,
            Temperature = body.Number("temperature", v => v is < 0 or > 2 ? "must be between 0 and 2" : null) ?? 1.0,
            TopP = body.Number("top_p", v => v is <= 0 or > 1 ? "must be in (0, 1]" : null) ?? 1.0,
            TopK = Math.Max(0, (int)(body.Integer("top_k", -1, vocab) ?? 0)),
            RepetitionPenalty = body.Number("repetition_penalty", v => v is <= 0 or > 10 ? "must be in (0, 10]" : null) ?? 1.0,
            Seed = seed is { } s ? unchecked((ulong)s) : null,
            Stop = stop,
            StopTokenIds = body.IntList("stop_token_ids", 0, vocab - 1),
            IgnoreEos = body.Bool("ignore_eos") ?? false,
            Stream = stream,
            IncludeUsage = includeUsage,
            TokensAsIds = body.Bool("return_tokens_as_token_ids") ?? false,
            ReturnTokenIds = body.Bool("return_token_ids") ?? false,
            SkipSpecialTokens = body.Bool("skip_special_tokens") ?? true,
            AddSpecialTokens = body.Bool("add_special_tokens") ?? addSpecialTokensDefault,
        };
    }

    /// <summary>The sampling options of choice <paramref name="choice"/>: greedy at temperature 0, else seeded with seed + choice.</summary>
    public SamplingOptions Sampling(int choice) => Temperature == 0
        ? SamplingOptions.GreedyDecoding with { RepetitionPenalty = RepetitionPenalty }
        : new SamplingOptions
        {
            Greedy = false,
            Temperature = Temperature,
            TopP = TopP,
            TopK = TopK,
            RepetitionPenalty = RepetitionPenalty,
            Seed = Seed is { } s ? unchecked(s + (ulong)choice) : (ulong)Random.Shared.NextInt64(),
        };
}
