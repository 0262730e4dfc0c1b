namespace SelfSpec.Serving;

/// <summary>What <c>selfspec serve</c> serves and how (vLLM's option names in the comments).</summary>
public sealed record ServeOptions
{
    /// <summary>The environment variable holding the API key when <see cref="ApiKey"/> is not given.</summary>
    public const string ApiKeyVariable = "SELFSPEC_API_KEY";

    /// <summary>The model folder (<c>config.json</c>, safetensors; <c>tokenizer.json</c> optional).</summary>
    public required string ModelDirectory { get; init; }

    /// <summary>The name clients use for the base model (<c>--served-model-name</c>); default: the folder path as given.</summary>
    public string? ServedModelName { get; init; }

    /// <summary>Adapters loaded at start (<c>--lora-modules NAME=PATH</c>).</summary>
    public IReadOnlyDictionary<string, string> LoraModules { get; init; } = new Dictionary<string, string>();

    /// <summary>Where to listen (<c>--host</c>); loopback by default.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port (<c>--port</c>); 0 picks a free one.</summary>
    public int Port { get; init; } = 8000;

    /// <summary>The key /v1 calls must carry as <c>Authorization: Bearer KEY</c> (<c>--api-key</c>); required off loopback.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Most sequences decoding at once (<c>--max-num-seqs</c>).</summary>
    public int MaxNumSeqs { get; init; } = 64;

    /// <summary>Most requests waiting for a row before 429s.</summary>
    public int MaxWaiting { get; init; } = 256;

    /// <summary>Longest prompt + completion (<c>--max-model-len</c>); default the model's <c>max_position_embeddings</c>.</summary>
    public int? MaxModelLen { get; init; }

    /// <summary>The largest <c>logprobs</c>/<c>top_logprobs</c> a request may ask for (<c>--max-logprobs</c>, 20 as vLLM); −1: the vocabulary.</summary>
    public int MaxLogprobs { get; init; } = 20;

    /// <summary>The largest request body accepted, in bytes (413 beyond).</summary>
    public long MaxRequestBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>The URL Kestrel listens on.</summary>
    public string Url => $"http://{(Host.Contains(':') && !Host.StartsWith('[') ? $"[{Host}]" : Host)}:{Port}";
}
