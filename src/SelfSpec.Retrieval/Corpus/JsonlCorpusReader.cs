using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SelfSpec.Retrieval.Corpus;

/// <summary>Which JSON fields of a JSONL (or Parquet) corpus hold the article's parts.</summary>
public sealed record CorpusFieldMap
{
    /// <summary>Id field (string or number). Default "pmid".</summary>
    public string Id { get; init; } = "pmid";

    /// <summary>Title field; missing means empty. Default "title".</summary>
    public string Title { get; init; } = "title";

    /// <summary>Main text field; missing means empty. Default "abstract".</summary>
    public string Text { get; init; } = "abstract";

    /// <summary>Journal field. Default "journal".</summary>
    public string Journal { get; init; } = "journal";

    /// <summary>Year field (number or numeric string). Default "year".</summary>
    public string Year { get; init; } = "year";

    /// <summary>MeSH terms field (array of strings). Default "mesh_terms".</summary>
    public string MeshTerms { get; init; } = "mesh_terms";
}

/// <summary>Streams a JSONL corpus (one JSON object per line, optionally gzip-compressed) as <see cref="ArticleUpsert"/>s.</summary>
public static class JsonlCorpusReader
{
    /// <summary>Reads <paramref name="path"/> with the field names in <paramref name="fields"/>.</summary>
    public static async IAsyncEnumerable<CorpusChange> ReadFileAsync(string path, CorpusFieldMap? fields = null, PubMedReadOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        fields ??= new CorpusFieldMap();
        options ??= new PubMedReadOptions();
        StreamReader reader;
        try
        {
            Stream stream = File.OpenRead(path);
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
            reader = new StreamReader(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusFormatException("cannot open: " + e.Message, path, null, e);
        }
        using (reader)
        {
            int lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var article = Parse(line, fields, path, lineNumber);
                if (article.Abstract.Length > 0 || options.IncludeEmptyAbstracts)
                    yield return new ArticleUpsert(article) { Source = path };
            }
        }
    }

    private static PubmedArticle Parse(string line, CorpusFieldMap fields, string path, int lineNumber)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new CorpusFormatException("malformed JSON: " + e.Message, path, lineNumber, e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new CorpusFormatException("line is not a JSON object", path, lineNumber);
            string id = root.TryGetProperty(fields.Id, out var idValue) ? idValue.ValueKind switch
            {
                JsonValueKind.String => idValue.GetString()!,
                JsonValueKind.Number => idValue.GetRawText(),
                _ => "",
            } : "";
            if (id.Length == 0) throw new CorpusFormatException($"missing id field \"{fields.Id}\"", path, lineNumber);
            int? year = null;
            if (root.TryGetProperty(fields.Year, out var y))
            {
                if (y.ValueKind == JsonValueKind.Number && y.TryGetInt32(out int yi)) year = yi;
                else if (y.ValueKind == JsonValueKind.String && int.TryParse(y.GetString(), out int ys)) year = ys;
            }
            var mesh = new List<string>();
            if (root.TryGetProperty(fields.MeshTerms, out var m) && m.ValueKind == JsonValueKind.Array)
                foreach (var t in m.EnumerateArray())
                    if (t.ValueKind == JsonValueKind.String) mesh.Add(t.GetString()!);
            return new PubmedArticle(id, Text(root, fields.Title), Text(root, fields.Text), Text(root, fields.Journal), year, mesh);
        }
    }

    private static string Text(JsonElement root, string field) =>
        root.TryGetProperty(field, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Array => string.Join("\n", v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString())),
            _ => "",
        } : "";
}
