using System.Text;
using System.Text.Json;

namespace SelfSpec.Retrieval.Corpus;

/// <summary>Writes articles as JSONL (<c>{"pmid","title","abstract","journal","year","mesh_terms"}</c> per line) to a
/// temporary file that replaces <c>path</c> only on <see cref="CompleteAsync"/>.</summary>
public sealed class JsonlCorpusSink : ICorpusSink
{
    private readonly string _path;
    private readonly string _temp;
    private readonly Utf8JsonWriter _json;
    private readonly FileStream _stream;
    private bool _completed;

    /// <summary>Opens a sink writing to <paramref name="path"/>.</summary>
    public JsonlCorpusSink(string path)
    {
        _path = path;
        _temp = path + ".tmp-" + Environment.ProcessId;
        _stream = new FileStream(_temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        _json = new Utf8JsonWriter(_stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(PubmedArticle article, CancellationToken cancellationToken = default)
    {
        _json.WriteStartObject();
        _json.WriteString("pmid", article.Pmid);
        _json.WriteString("title", article.Title);
        _json.WriteString("abstract", article.Abstract);
        _json.WriteString("journal", article.Journal);
        if (article.Year is int y) _json.WriteNumber("year", y); else _json.WriteNull("year");
        _json.WriteStartArray("mesh_terms");
        foreach (var m in article.MeshTerms) _json.WriteStringValue(m);
        _json.WriteEndArray();
        _json.WriteEndObject();
        await _json.FlushAsync(cancellationToken).ConfigureAwait(false);
        _json.Reset();
        _stream.WriteByte((byte)'\n');
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        await _json.DisposeAsync().ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        _stream.Flush(flushToDisk: true);
        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Move(_temp, _path, overwrite: true);
        _completed = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_completed) return;
        _completed = true;
        try { await _json.DisposeAsync().ConfigureAwait(false); } catch (ObjectDisposedException) { }
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (File.Exists(_temp)) File.Delete(_temp);
    }
}
