using System.Text.Json.Serialization;

namespace SelfSpec.Workflows.Activities;

/// <summary>
/// A file an activity produced, identified by content. Pass it to downstream activities through a variable;
/// cache keys use <see cref="Sha256"/> only, so the same content produced by another run counts as the same input.
/// </summary>
/// <param name="Path">The absolute path of the file after the activity completed.</param>
/// <param name="Sha256">The lowercase hex SHA-256 of the file's bytes.</param>
/// <param name="Size">The file size in bytes.</param>
public sealed record ArtifactRef(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size)
{
    /// <summary>
    /// The chunk digests the file is verified against before it is reused or after it is published
    /// (<see cref="ChunkDigests"/> format); null for artifacts recorded before they existed, which verify by <see cref="Sha256"/>.
    /// </summary>
    [JsonPropertyName("digest")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Digest { get; init; }

    /// <summary>The lowercase hex SHA-256 of a file's bytes, as <see cref="Sha256"/> holds it.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>The reference to <paramref name="path"/>'s current bytes (SHA-256 and chunk digests in one read), named <paramref name="recordedPath"/>.</summary>
    public static ArtifactRef Create(string path, string recordedPath)
    {
        var (sha256, digest, size) = ChunkDigests.HashFile(path);
        return new ArtifactRef(recordedPath, sha256, size) { Digest = digest };
    }

    /// <summary>
    /// The reference a recorded value stands for: an <see cref="ArtifactRef"/>, or the JSON object it was stored as
    /// (<c>{"path", "sha256", "size"[, "digest"]}</c>, as variables come back when a run is replayed or a stage is reused from cache).
    /// </summary>
    internal static ArtifactRef? FromJson(System.Text.Json.Nodes.JsonObject json)
    {
        if (json.Count is not (3 or 4)) return null;
        if (json["path"] is not System.Text.Json.Nodes.JsonValue path || !path.TryGetValue<string>(out var p)
            || json["sha256"] is not System.Text.Json.Nodes.JsonValue hash || !hash.TryGetValue<string>(out var h)
            || json["size"] is not System.Text.Json.Nodes.JsonValue size || !size.TryGetValue<long>(out var n)) return null;
        string? digest = null;
        if (json.Count == 4 && (json["digest"] is not System.Text.Json.Nodes.JsonValue d || !d.TryGetValue(out digest))) return null;
        return new ArtifactRef(p, h, n) { Digest = digest };
    }
}
