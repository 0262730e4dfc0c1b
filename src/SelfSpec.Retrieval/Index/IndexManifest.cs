using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfSpec.Retrieval.Index;

/// <summary>One committed segment as the manifest lists it.</summary>
/// <param name="Name">File stem: the segment is <c>Name.seg</c>.</param>
/// <param name="DocCount">Documents in the segment, deleted ones included.</param>
/// <param name="Deletions">Deletions file name, or null if none are deleted.</param>
/// <param name="DeletedCount">Deleted documents.</param>
public sealed record SegmentEntry(string Name, int DocCount, string? Deletions, int DeletedCount);

/// <summary>
/// The index's single source of truth: which segment and deletion files make up the current generation.
/// Files are never modified once written; a commit writes new files and then replaces <c>manifest.json</c>
/// by an atomic rename, so a reader (or a crash) sees either the old generation or the new one.
/// </summary>
public sealed record IndexManifest
{
    /// <summary>The manifest's file name inside the index folder.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Format version of the index.</summary>
    public int Format { get; init; } = 1;

    /// <summary>Commit counter.</summary>
    public long Generation { get; init; }

    /// <summary>Number for the next segment name.</summary>
    public int NextSegment { get; init; } = 1;

    /// <summary>Segments in doc-id order.</summary>
    public IReadOnlyList<SegmentEntry> Segments { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>True if <paramref name="directory"/> holds an index.</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, FileName));

    /// <summary>Reads the manifest of the index in <paramref name="directory"/>.</summary>
    public static IndexManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new IndexFormatException("no index here (manifest.json missing)", directory);
        try
        {
            var manifest = JsonSerializer.Deserialize<IndexManifest>(File.ReadAllText(path), Json)
                ?? throw new IndexFormatException("empty manifest", path);
            if (manifest.Format != 1) throw new IndexFormatException($"unsupported index format {manifest.Format}", path);
            return manifest;
        }
        catch (JsonException e)
        {
            throw new IndexFormatException("damaged manifest: " + e.Message, path, e);
        }
    }

    /// <summary>Writes this manifest durably and switches to it atomically.</summary>
    public void Save(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(fs, this, Json);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>All file names this generation references.</summary>
    public IEnumerable<string> ReferencedFiles()
    {
        yield return FileName;
        foreach (var s in Segments)
        {
            yield return s.Name + ".seg";
            if (s.Deletions is not null) yield return s.Deletions;
        }
    }
}
