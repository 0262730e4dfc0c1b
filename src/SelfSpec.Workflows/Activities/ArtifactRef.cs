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
    [property: JsonPropertyName("size")] long Size);
