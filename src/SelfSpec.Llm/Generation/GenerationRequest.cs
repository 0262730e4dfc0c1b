using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Llm.Generation;

/// <summary>A document of a request: text (needs a tokenizer) or token ids, and its retriever score.</summary>
/// <param name="Text">The document text.</param>
/// <param name="Ids">The document token ids.</param>
/// <param name="Score">The retriever score.</param>
public sealed record RequestDocument(string? Text, IReadOnlyList<int>? Ids, double Score);

/// <summary>Contrastive settings of a request.</summary>
/// <param name="Alpha">Plausibility threshold α.</param>
/// <param name="AmateurTemperature">Amateur temperature τ.</param>
/// <param name="Search">greedy, sample or beam; null follows the request's greedy/sampling choice.</param>
/// <param name="BeamWidth">Beams for beam search.</param>
public sealed record RequestContrastive(double Alpha = 0.1, double AmateurTemperature = 1.0, ContrastiveSearch? Search = null, int BeamWidth = 5);

/// <summary>
/// One generation request in the JSON form the CLI and workflows accept:
/// <c>{"prompt" | "prompt_ids", "max_new_tokens", "greedy", "temperature", "top_p", "top_k", "repetition_penalty", "seed",
/// "adapter", "docs": [{"text" | "ids", "score"}], "doc_temperature", "contrastive": {"alpha", "amateur_temperature", "search", "beam_width"}, "stop"}</c>.
/// With <c>docs</c> it is decoded RAG-token style (each document prepended to the prompt in its own row); with
/// <c>contrastive</c> the adapter is the expert and the base model the amateur.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>The prompt text (needs a tokenizer).</summary>
    public string? Prompt { get; init; }
    /// <summary>The prompt as token ids.</summary>
    public IReadOnlyList<int>? PromptIds { get; init; }
    /// <summary>Most tokens to generate.</summary>
    public int MaxNewTokens { get; init; } = 128;
    /// <summary>Sampling settings.</summary>
    public SamplingOptions Sampling { get; init; } = SamplingOptions.GreedyDecoding;
    /// <summary>Adapter directory (or name of an adapter already loaded); null for the base model.</summary>
    public string? Adapter { get; init; }
    /// <summary>Retrieved documents for RAG-token decoding.</summary>
    public IReadOnlyList<RequestDocument> Docs { get; init; } = [];
    /// <summary>τ in p_ret = softmax(score / τ).</summary>
    public double DocTemperature { get; init; } = 1.0;
    /// <summary>Contrastive decoding settings, if requested.</summary>
    public RequestContrastive? Contrastive { get; init; }
    /// <summary>Stop strings.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Parses one request object or an array of them.</summary>
    /// <exception cref="FormatException">The JSON is not a request (the message says which field).</exception>
    public static IReadOnlyList<GenerationRequest> ParseMany(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"request is not valid JSON: {e.Message}", e);
        }
        return root switch
        {
            JsonArray a => a.Select((n, i) => Parse(n as JsonObject ?? throw new FormatException($"request [{i}] is not an object"), $"request [{i}]")).ToArray(),
            JsonObject o => [Parse(o, "request")],
            _ => throw new FormatException("request must be a JSON object or an array of objects"),
        };
    }

    /// <summary>Parses one request object; <paramref name="where"/> prefixes error messages.</summary>
    public static GenerationRequest Parse(JsonObject o, string where = "request")
    {
        T Get<T>(JsonNode? node, string field)
        {
            try
            {
                return node!.GetValue<T>();
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new FormatException($"{where}: '{field}' must be a {typeof(T).Name.ToLowerInvariant()}", e);
            }
        }
        IReadOnlyList<int> Ids(JsonNode? node, string field) => node is JsonArray a
            ? a.Select(x => Get<int>(x, field)).ToArray()
            : throw new FormatException($"{where}: '{field}' must be an array of token ids");

        var known = new HashSet<string> { "prompt", "prompt_ids", "max_new_tokens", "greedy", "temperature", "top_p", "top_k", "repetition_penalty", "seed", "adapter", "docs", "doc_temperature", "contrastive", "stop" };
        foreach (var (key, _) in o)
            if (!known.Contains(key)) throw new FormatException($"{where}: unknown field '{key}'");

        var prompt = o["prompt"] is { } p ? Get<string>(p, "prompt") : null;
        var promptIds = o["prompt_ids"] is { } pi ? Ids(pi, "prompt_ids") : null;
        if ((prompt == null) == (promptIds == null)) throw new FormatException($"{where}: give exactly one of 'prompt' and 'prompt_ids'");

        var temperature = o["temperature"] is { } t ? Get<double>(t, "temperature") : (double?)null;
        var topP = o["top_p"] is { } tp ? Get<double>(tp, "top_p") : (double?)null;
        var topK = o["top_k"] is { } tk ? Get<int>(tk, "top_k") : (int?)null;
        var greedy = o["greedy"] is { } g ? Get<bool>(g, "greedy") : temperature == null && topP == null && topK == null;
        var sampling = new SamplingOptions
        {
            Greedy = greedy,
            Temperature = temperature ?? 1.0,
            TopP = topP ?? 1.0,
            TopK = topK ?? 0,
            RepetitionPenalty = o["repetition_penalty"] is { } rp ? Get<double>(rp, "repetition_penalty") : 1.0,
            Seed = o["seed"] is { } s ? Get<ulong>(s, "seed") : null,
        };
        try
        {
            sampling.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FormatException($"{where}: {e.Message.Split(Environment.NewLine)[0]}", e);
        }

        var docs = new List<RequestDocument>();
        if (o["docs"] is { } d)
        {
            if (d is not JsonArray arr) throw new FormatException($"{where}: 'docs' must be an array");
            foreach (var (doc, i) in arr.Select((x, i) => (x as JsonObject, i)))
            {
                if (doc == null) throw new FormatException($"{where}: docs[{i}] is not an object");
                var text = doc["text"] is { } dt ? Get<string>(dt, $"docs[{i}].text") : null;
                var ids = doc["ids"] is { } di ? Ids(di, $"docs[{i}].ids") : null;
                if ((text == null) == (ids == null)) throw new FormatException($"{where}: docs[{i}] needs exactly one of 'text' and 'ids'");
                var score = doc["score"] is { } sc ? Get<double>(sc, $"docs[{i}].score") : throw new FormatException($"{where}: docs[{i}] has no 'score'");
                docs.Add(new RequestDocument(text, ids, score));
            }
        }

        RequestContrastive? contrastive = null;
        if (o["contrastive"] is { } c)
        {
            if (c is not JsonObject co) throw new FormatException($"{where}: 'contrastive' must be an object");
            contrastive = new RequestContrastive(
                co["alpha"] is { } a ? Get<double>(a, "contrastive.alpha") : 0.1,
                co["amateur_temperature"] is { } at ? Get<double>(at, "contrastive.amateur_temperature") : 1.0,
                co["search"] is { } cs ? Get<string>(cs, "contrastive.search") switch
                {
                    "greedy" => ContrastiveSearch.Greedy,
                    "sample" => ContrastiveSearch.Sample,
                    "beam" => ContrastiveSearch.Beam,
                    var other => throw new FormatException($"{where}: contrastive.search '{other}' is not greedy, sample or beam"),
                } : null,
                co["beam_width"] is { } bw ? Get<int>(bw, "contrastive.beam_width") : 5);
        }
        if (contrastive != null && docs.Count > 0) throw new FormatException($"{where}: 'docs' and 'contrastive' cannot be combined");

        return new GenerationRequest
        {
            Prompt = prompt,
            PromptIds = promptIds,
            MaxNewTokens = o["max_new_tokens"] is { } m ? Get<int>(m, "max_new_tokens") : 128,
            Sampling = sampling,
            Adapter = o["adapter"] is { } ad ? Get<string>(ad, "adapter") : null,
            Docs = docs,
            DocTemperature = o["doc_temperature"] is { } dtau ? Get<double>(dtau, "doc_temperature") : 1.0,
            Contrastive = contrastive,
            Stop = o["stop"] is JsonArray st ? st.Select(x => Get<string>(x, "stop")).ToArray() : [],
        };
    }
}
