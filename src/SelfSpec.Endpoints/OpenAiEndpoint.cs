using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Endpoints;

/// <summary>
/// One OpenAI-compatible server: raw calls of the API the pipeline uses (<c>/v1/models</c>, <c>/v1/completions</c>,
/// vLLM's <c>/tokenize</c>, <c>/detokenize</c>, <c>/v1/load_lora_adapter</c>) with errors mapped to
/// <see cref="EndpointRequestException"/> (4xx, not retried) and <see cref="EndpointUnavailableException"/> (the rest).
/// No retries here: <see cref="EndpointPool"/> adds them.
/// </summary>
public sealed class OpenAiEndpoint : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates the client of <paramref name="baseUrl"/> (ending in <c>/v1/</c> for vLLM); <paramref name="apiKey"/> is sent as a bearer token.</summary>
    public OpenAiEndpoint(Uri baseUrl, string? apiKey, HttpMessageHandler? handler = null)
    {
        BaseUrl = baseUrl;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = TimeSpan.FromSeconds(10) },
            disposeHandler: handler is null) { Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(apiKey)) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>The base URL (<c>/v1/</c> routes are relative to it).</summary>
    public Uri BaseUrl { get; }

    /// <summary>The server root, where vLLM serves <c>/tokenize</c> and <c>/detokenize</c> (the base URL without a trailing <c>v1/</c>).</summary>
    public Uri Root => BaseUrl.AbsolutePath.EndsWith("/v1/", StringComparison.Ordinal)
        ? new Uri(BaseUrl, "../")
        : BaseUrl;

    /// <summary>The ids of the served models (the base and every loaded adapter).</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken ct)
    {
        var json = await SendAsync(HttpMethod.Get, new Uri(BaseUrl, "models"), null, "GET /v1/models", ct).ConfigureAwait(false);
        return json["data"]?.AsArray().Select(m => m?["id"]?.GetValue<string>()).OfType<string>().ToList()
            ?? throw new EndpointUnavailableException(BaseUrl, "GET /v1/models", "the answer has no 'data' list");
    }

    /// <summary>One completion.</summary>
    public async Task<Completion> CompleteAsync(CompletionRequest request, CancellationToken ct)
    {
        const string operation = "POST /v1/completions";
        var json = await SendAsync(HttpMethod.Post, new Uri(BaseUrl, "completions"), request.ToJson(), operation, ct).ConfigureAwait(false);
        var choice = json["choices"]?.AsArray().FirstOrDefault()
            ?? throw new EndpointUnavailableException(BaseUrl, operation, "the answer has no choices");
        return Completion.FromJson(choice, request.ReturnTokenIds);
    }

    /// <summary>vLLM's <c>POST /tokenize</c>: the token ids of <paramref name="text"/> under <paramref name="model"/>'s tokenizer.</summary>
    public async Task<int[]> TokenizeAsync(string model, string text, bool addSpecialTokens, CancellationToken ct)
    {
        var body = new JsonObject { ["model"] = model, ["prompt"] = text, ["add_special_tokens"] = addSpecialTokens };
        var json = await SendAsync(HttpMethod.Post, new Uri(Root, "tokenize"), body, "POST /tokenize", ct).ConfigureAwait(false);
        return json["tokens"]?.AsArray().Select(t => t!.GetValue<int>()).ToArray()
            ?? throw new EndpointUnavailableException(BaseUrl, "POST /tokenize", "the answer has no 'tokens'");
    }

    /// <summary>vLLM's <c>POST /detokenize</c>: the text of <paramref name="tokens"/> (special tokens skipped).</summary>
    public async Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, CancellationToken ct)
    {
        var body = new JsonObject { ["model"] = model, ["tokens"] = new JsonArray(tokens.Select(t => (JsonNode)t).ToArray()) };
        var json = await SendAsync(HttpMethod.Post, new Uri(Root, "detokenize"), body, "POST /detokenize", ct).ConfigureAwait(false);
        return json["prompt"]?.GetValue<string>() ?? throw new EndpointUnavailableException(BaseUrl, "POST /detokenize", "the answer has no 'prompt'");
    }

    /// <summary>vLLM's <c>POST /v1/load_lora_adapter</c>: serves the adapter in <paramref name="path"/> (a folder the server can read) as <paramref name="name"/>.</summary>
    public async Task LoadLoraAdapterAsync(string name, string path, CancellationToken ct)
    {
        var body = new JsonObject { ["lora_name"] = name, ["lora_path"] = path };
        await SendAsync(HttpMethod.Post, new Uri(BaseUrl, "load_lora_adapter"), body, "POST /v1/load_lora_adapter", ct, expectJson: false).ConfigureAwait(false);
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, Uri url, JsonObject? body, string operation, CancellationToken ct, bool expectJson = true)
    {
        using var message = new HttpRequestMessage(method, url);
        if (body is not null) message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(message, ct).ConfigureAwait(false);
            text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new EndpointUnavailableException(BaseUrl, operation, e.Message, e);
        }
        catch (IOException e)
        {
            throw new EndpointUnavailableException(BaseUrl, operation, e.Message, e);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500 && response.StatusCode != HttpStatusCode.TooManyRequests && response.StatusCode != HttpStatusCode.RequestTimeout)
            {
                var (serverMessage, parameter) = ParseError(text);
                throw new EndpointRequestException(BaseUrl, operation, status, serverMessage, parameter);
            }
            if (!response.IsSuccessStatusCode)
                throw new EndpointUnavailableException(BaseUrl, operation, $"HTTP {status}: {ParseError(text).Message}");
            if (!expectJson) return new JsonObject();
            try
            {
                return JsonNode.Parse(text) ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                throw new EndpointUnavailableException(BaseUrl, operation, $"the answer is not JSON: {e.Message}", e);
            }
        }
    }

    /// <summary>The message and parameter of an error body: OpenAI's <c>{"error": {...}}</c> or vLLM's flat <c>{"object": "error", ...}</c>.</summary>
    internal static (string Message, string? Parameter) ParseError(string body)
    {
        try
        {
            var json = JsonNode.Parse(body);
            var error = json?["error"] is JsonObject inner ? inner : json as JsonObject;
            var message = error?["message"] is JsonValue m && m.TryGetValue<string>(out var s) ? s : null;
            var parameter = error?["param"] is JsonValue p && p.TryGetValue<string>(out var ps) ? ps : null;
            if (message is not null) return (message, parameter);
        }
        catch (JsonException) { }
        return (body.Length > 300 ? body[..300] + "…" : body, null);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}

/// <summary>A <c>/v1/completions</c> request: a text or token-id prompt and the sampling parameters the pipeline uses.</summary>
public sealed record CompletionRequest
{
    /// <summary>The served model (base name or adapter name).</summary>
    public required string Model { get; init; }

    /// <summary>A text prompt (the server tokenizes it, with BOS as its tokenizer adds it); or null with <see cref="PromptTokens"/>.</summary>
    public string? Prompt { get; init; }

    /// <summary>A token-id prompt, sent as is.</summary>
    public IReadOnlyList<int>? PromptTokens { get; init; }

    /// <summary>Most tokens to generate.</summary>
    public int MaxTokens { get; init; } = 16;

    /// <summary>Temperature (0: greedy).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>The sampling seed; a server that honours it is reproducible.</summary>
    public long? Seed { get; init; }

    /// <summary>Stop strings (the text is cut before them).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Top-N log-probabilities per generated token, or null.</summary>
    public int? LogProbs { get; init; }

    /// <summary>Ask for tokens as <c>token_id:N</c> (vLLM's <c>return_tokens_as_token_ids</c>), so their identity is exact.</summary>
    public bool ReturnTokenIds { get; init; }

    /// <summary>The JSON body.</summary>
    public JsonObject ToJson()
    {
        var body = new JsonObject
        {
            ["model"] = Model,
            ["prompt"] = PromptTokens is { } ids ? new JsonArray(ids.Select(i => (JsonNode)i).ToArray()) : Prompt ?? "",
            ["max_tokens"] = MaxTokens,
            ["temperature"] = Temperature,
            ["top_p"] = TopP,
            ["n"] = 1,
        };
        if (Seed is { } seed) body["seed"] = seed;
        if (Stop.Count > 0) body["stop"] = new JsonArray(Stop.Select(s => (JsonNode)s).ToArray());
        if (LogProbs is { } n) body["logprobs"] = n;
        if (ReturnTokenIds) body["return_tokens_as_token_ids"] = true;
        return body;
    }
}

/// <summary>One choice of a completion.</summary>
/// <param name="Text">The generated text (cut before a stop string).</param>
/// <param name="FinishReason"><c>stop</c> (end of sequence or stop string) or <c>length</c>.</param>
/// <param name="TokenIds">The generated tokens' ids, when asked for as ids with log-probabilities.</param>
/// <param name="TokenLogProbs">Log p of each generated token, when asked for.</param>
/// <param name="TopLogProbs">Per generated position, the top-N token ids and their log-probabilities, when asked for as ids.</param>
public sealed record Completion(string Text, string? FinishReason, IReadOnlyList<int>? TokenIds, IReadOnlyList<double>? TokenLogProbs,
    IReadOnlyList<IReadOnlyDictionary<int, double>>? TopLogProbs)
{
    /// <summary>Reads a choice object.</summary>
    internal static Completion FromJson(JsonNode choice, bool tokenIds)
    {
        var text = choice["text"]?.GetValue<string>() ?? "";
        var finish = choice["finish_reason"] is JsonValue f && f.TryGetValue<string>(out var fs) ? fs : null;
        if (choice["logprobs"] is not JsonObject logprobs || !tokenIds) return new Completion(text, finish, null, null, null);
        var ids = logprobs["tokens"]?.AsArray().Select(t => ParseTokenId(t!.GetValue<string>())).ToList();
        var lps = logprobs["token_logprobs"]?.AsArray().Select(v => v is null ? double.NegativeInfinity : v.GetValue<double>()).ToList();
        var top = logprobs["top_logprobs"]?.AsArray().Select(entry =>
        {
            var map = new Dictionary<int, double>();
            if (entry is JsonObject o)
                foreach (var (key, value) in o) map[ParseTokenId(key)] = value is null ? double.NegativeInfinity : value.GetValue<double>();
            return (IReadOnlyDictionary<int, double>)map;
        }).ToList();
        return new Completion(text, finish, ids, lps, top);
    }

    /// <summary>The id in vLLM's <c>token_id:N</c> form.</summary>
    internal static int ParseTokenId(string token) =>
        token.StartsWith("token_id:", StringComparison.Ordinal) && int.TryParse(token.AsSpan(9), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new FormatException($"expected a token as 'token_id:N' (return_tokens_as_token_ids), got '{token}'");
}
