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
    /// <summary>The lowercase hex SHA-256 of a file's bytes, as <see cref="Sha256"/> holds it.</summary>
    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    /// <summary>
    /// The reference a recorded value stands for: an <see cref="ArtifactRef"/>, or the JSON object it was stored as
    /// (<c>{"path", "sha256", "size"}</c>, as variables come back when a run is replayed or a stage is reused from cache).
    /// </summary>
    internal static ArtifactRef? FromJson(System.Text.Json.Nodes.JsonObject json) =>
        json.Count == 3 && json["path"] is System.Text.Json.Nodes.JsonValue path && path.TryGetValue<string>(out var p)
        && json["sha256"] is System.Text.Json.Nodes.JsonValue hash && hash.TryGetValue<string>(out var h)
        && json["size"] is System.Text.Json.Nodes.JsonValue size && size.TryGetValue<long>(out var n)
            ? new ArtifactRef(p, h, n) : null;
}
