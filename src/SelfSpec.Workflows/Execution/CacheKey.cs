using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SelfSpec.Workflows.Execution;

/// <summary>
/// The cache key of an activity execution: SHA-256 over its type, version and resolved inputs in canonical JSON
/// (sorted keys), where every artifact reference is reduced to its content hash. Two runs that feed an activity
/// the same values and the same file contents get the same key, wherever the files live.
/// </summary>
public static class CacheKey
{
    /// <summary>Computes the key.</summary>
    public static string Compute(string activityType, int version, JsonObject resolvedInputs)
    {
        var text = new StringBuilder();
        text.Append(activityType).Append('\n').Append(version).Append('\n');
        using (var stream = new MemoryStream())
        {
            using (var writer = new Utf8JsonWriter(stream)) WriteCanonical(writer, resolvedInputs);
            text.Append(Encoding.UTF8.GetString(stream.ToArray()));
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void WriteCanonical(Utf8JsonWriter w, JsonNode? node)
    {
        switch (node)
        {
            case null: w.WriteNullValue(); break;
            case JsonObject o when o["sha256"] is JsonValue hash && o.ContainsKey("path"):
                w.WriteStartObject();
                w.WriteString("sha256", hash.ToString());
                w.WriteEndObject();
                break;
            case JsonObject o:
                w.WriteStartObject();
                foreach (var (k, v) in o.OrderBy(p => p.Key, StringComparer.Ordinal)) { w.WritePropertyName(k); WriteCanonical(w, v); }
                w.WriteEndObject();
                break;
            case JsonArray a:
                w.WriteStartArray();
                foreach (var v in a) WriteCanonical(w, v);
                w.WriteEndArray();
                break;
            default: node.WriteTo(w); break;
        }
    }
}
