using System.Collections.Concurrent;

namespace SelfSpec.Serving;

/// <summary>HTTP requests counted by endpoint and status, for <c>/metrics</c>.</summary>
internal sealed class RequestCounters
{
    private static readonly HashSet<string> Endpoints =
        ["/v1/completions", "/v1/chat/completions", "/v1/models", "/tokenize", "/detokenize", "/v1/load_lora_adapter", "/v1/unload_lora_adapter", "/health", "/metrics"];

    private readonly ConcurrentDictionary<(string Endpoint, int Status), long> counts = new();

    /// <summary>Whether <paramref name="path"/> is one of the server's endpoints.</summary>
    public static bool IsEndpoint(string? path) => path is not null && Endpoints.Contains(path);

    public void Count(string path, int status)
    {
        var endpoint = Endpoints.Contains(path) ? path : "other";
        counts.AddOrUpdate((endpoint, status), 1, (_, n) => n + 1);
    }

    public IReadOnlyList<((string Endpoint, int Status) Key, long Count)> Snapshot() =>
        counts.OrderBy(kv => kv.Key.Endpoint, StringComparer.Ordinal).ThenBy(kv => kv.Key.Status).Select(kv => (kv.Key, kv.Value)).ToArray();
}
