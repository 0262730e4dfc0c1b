using System.Globalization;

namespace SelfSpec.Endpoints;

/// <summary>
/// A model served by one or more OpenAI-compatible endpoints (vLLM, TGI, llama.cpp's server, <c>selfspec serve</c>),
/// written where a model folder would go:
/// <c>openai:http://gpu1:8000/v1;http://gpu2:8000/v1#mistral-7b&amp;weights=/models/Mistral-7B-v0.1</c>.
/// After <c>openai:</c> come the endpoints' base URLs (http or https, ending where <c>/completions</c> is appended,
/// usually <c>/v1</c>), separated by <c>;</c>. After <c>#</c> come <c>&amp;</c>-separated options: a bare word (or
/// <c>model=</c>) is the served model name, needed when a server serves several; <c>weights=</c> is the local folder of
/// the same model for the stages that run in process (LoRA training); <c>concurrency=</c> bounds the requests in flight
/// per endpoint (default 8); <c>timeout=</c> is the per-request timeout in seconds (default 600); <c>logprobs=</c> is N
/// of the API-side RAG-token mixing (default 20, vLLM's default cap). The API key is never part of the spec: it comes
/// from the environment variable <see cref="ApiKeyVariable"/>.
/// </summary>
public sealed record EndpointSpec
{
    /// <summary>The prefix that marks a spec.</summary>
    public const string Scheme = "openai:";

    /// <summary>The environment variable holding the bearer token sent to every endpoint (unset: none is sent).</summary>
    public const string ApiKeyVariable = "SELFSPEC_ENDPOINT_API_KEY";

    /// <summary>The endpoints' base URLs, in the order given.</summary>
    public required IReadOnlyList<Uri> Endpoints { get; init; }

    /// <summary>The served model name; null: the single model the servers serve.</summary>
    public string? Model { get; init; }

    /// <summary>The local folder of the same weights (for training in process), or null.</summary>
    public string? Weights { get; init; }

    /// <summary>The most requests in flight per endpoint.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>The timeout of one request.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>N: the top-N log-probabilities asked per document and step in API-side RAG-token decoding.</summary>
    public int LogProbs { get; init; } = 20;

    /// <summary>True when <paramref name="value"/> is written as a spec (starts with <c>openai:</c>), whether valid or not.</summary>
    public static bool IsSpec(string? value) => value is not null && value.TrimStart().StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Parses <paramref name="value"/>; errors are <see cref="EndpointSpecException"/> naming <paramref name="field"/>
    /// and what is wrong.
    /// </summary>
    public static EndpointSpec Parse(string? value, string field = "model")
    {
        if (string.IsNullOrWhiteSpace(value)) throw new EndpointSpecException(field, "is empty; give a model folder or openai:URL[;URL...][#MODEL]");
        var text = value.Trim();
        if (!IsSpec(text))
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var scheme = colon > 0 && !text.StartsWith('/') ? text[..colon] : null;
            throw new EndpointSpecException(field, scheme is null
                ? $"'{text}' is not an endpoint spec (expected openai:URL[;URL...][#MODEL])"
                : $"unknown scheme '{scheme}:' in '{text}'; the only one is openai: (openai:http://host:8000/v1[#MODEL])");
        }
        var body = text[Scheme.Length..];
        var hash = body.IndexOf('#', StringComparison.Ordinal);
        var urls = hash < 0 ? body : body[..hash];
        var options = hash < 0 ? "" : body[(hash + 1)..];
        var endpoints = new List<Uri>();
        foreach (var part in urls.Split(';', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) continue;
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
                throw new EndpointSpecException(field, $"'{part}' is not an http(s) URL (e.g. http://gpu1:8000/v1)");
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
                throw new EndpointSpecException(field, $"'{part}' has a query string; give the base URL only (e.g. http://gpu1:8000/v1)");
            endpoints.Add(new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/"));
        }
        if (endpoints.Count == 0) throw new EndpointSpecException(field, "names no endpoint (expected openai:URL[;URL...][#MODEL])");
        if (endpoints.Distinct().Count() != endpoints.Count) throw new EndpointSpecException(field, "names an endpoint twice");

        var spec = new EndpointSpec { Endpoints = endpoints };
        foreach (var option in options.Split('&', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) { spec = spec with { Model = option }; continue; }
            var key = option[..eq].Trim().ToLowerInvariant();
            var v = option[(eq + 1)..].Trim();
            spec = key switch
            {
                "model" when v.Length > 0 => spec with { Model = v },
                "weights" when v.Length > 0 => spec with { Weights = Path.GetFullPath(v) },
                "concurrency" => spec with { Concurrency = PositiveInt(field, key, v) },
                "timeout" => spec with { RequestTimeout = TimeSpan.FromSeconds(PositiveInt(field, key, v)) },
                "logprobs" => spec with { LogProbs = PositiveInt(field, key, v) },
                _ => throw new EndpointSpecException(field, $"unknown or empty option '{option}' (known: MODEL, model=, weights=, concurrency=, timeout=, logprobs=)"),
            };
        }
        return spec;
    }

    /// <summary>A short name for artifact footers and logs: <c>openai:MODEL</c> (no URLs, never a key).</summary>
    public string DisplayName => Scheme + (Model ?? "default");

    /// <summary>The spec written back (canonical form; parses to an equal spec).</summary>
    public override string ToString()
    {
        var options = new List<string>();
        if (Model is not null) options.Add(Model);
        if (Weights is not null) options.Add("weights=" + Weights);
        if (Concurrency != 8) options.Add("concurrency=" + Concurrency.ToString(CultureInfo.InvariantCulture));
        if (RequestTimeout != TimeSpan.FromSeconds(600)) options.Add("timeout=" + ((int)RequestTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        if (LogProbs != 20) options.Add("logprobs=" + LogProbs.ToString(CultureInfo.InvariantCulture));
        var urls = string.Join(";", Endpoints.Select(e => e.ToString().TrimEnd('/')));
        return Scheme + urls + (options.Count == 0 ? "" : "#" + string.Join("&", options));
    }

    /// <summary>Specs are equal when they write the same (endpoints compared in order, not by list identity).</summary>
    public bool Equals(EndpointSpec? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    private static int PositiveInt(string field, string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new EndpointSpecException(field, $"option {key}= must be a positive integer, got '{value}'");
}

/// <summary>An endpoint spec that cannot be parsed; the message names the input.</summary>
public sealed class EndpointSpecException(string field, string problem)
    : FormatException($"input '{field}': {problem}")
{
    /// <summary>The input (workflow/activity field) that holds the spec.</summary>
    public string Field { get; } = field;
}
