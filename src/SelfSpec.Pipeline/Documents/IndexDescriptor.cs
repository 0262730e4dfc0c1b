using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfSpec.Pipeline.Documents;

/// <summary>One corpus file an index was built from, identified by path, size and modification time.</summary>
/// <param name="Path">The absolute path.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="LastWriteUtc">The last modification time (UTC, ISO 8601).</param>
public sealed record CorpusFileStamp(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("lastWriteUtc")] string LastWriteUtc)
{
    /// <summary>The stamp of <paramref name="path"/> as it is now.</summary>
    public static CorpusFileStamp Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"corpus file '{path}' does not exist", path);
        return new CorpusFileStamp(info.FullName, info.Length, info.LastWriteTimeUtc.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// What <see cref="BuildIndex"/> hands to <see cref="RetrieveDocuments"/>: where the index is, which generation, how many
/// documents, and the corpus files it was built from. Written as <c>index.json</c> (the activity's artifact, so its hash
/// changes exactly when the index does) and as <c>selfspec-index.json</c> inside the index folder (to skip rebuilding).
/// </summary>
/// <param name="IndexFolder">The index folder (absolute).</param>
/// <param name="Generation">The index manifest generation.</param>
/// <param name="Documents">The live documents in the index.</param>
/// <param name="DocumentStore">The document store beside the index (file name), or null.</param>
/// <param name="Sources">The corpus files, in indexing order.</param>
public sealed record IndexDescriptor(
    [property: JsonPropertyName("indexFolder")] string IndexFolder,
    [property: JsonPropertyName("generation")] long Generation,
    [property: JsonPropertyName("documents")] int Documents,
    [property: JsonPropertyName("documentStore")] string? DocumentStore,
    [property: JsonPropertyName("sources")] IReadOnlyList<CorpusFileStamp> Sources)
{
    /// <summary>The file name of the copy kept inside the index folder.</summary>
    public const string StateFileName = "selfspec-index.json";

    /// <summary>The file name of the document store inside the index folder.</summary>
    public const string DocumentStoreFileName = "documents.parquet";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Reads a descriptor file.</summary>
    /// <exception cref="PipelineException">The file is not a descriptor.</exception>
    public static IndexDescriptor Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<IndexDescriptor>(File.ReadAllText(path), Options)
                ?? throw new PipelineException("empty index descriptor", path);
        }
        catch (JsonException e)
        {
            throw new PipelineException($"not an index descriptor: {e.Message}", path, inner: e);
        }
    }

    /// <summary>Writes the descriptor to <paramref name="path"/> atomically.</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Options));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>True if <paramref name="other"/> describes the same index built from the same files.</summary>
    public bool SameAs(IndexDescriptor other) =>
        IndexFolder == other.IndexFolder && Generation == other.Generation && Documents == other.Documents
        && DocumentStore == other.DocumentStore && Sources.SequenceEqual(other.Sources);
}
