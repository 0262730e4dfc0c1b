using System.Text;
using System.Text.Json;

namespace SelfSpec.Pipeline.Remote;

/// <summary>
/// Finished rows of a generating stage, kept as they complete so a resumed or re-run stage does not generate them
/// again: an append-only JSON-lines file (one <c>{"key", "row"}</c> object per line) in the activity's resume folder,
/// flushed to disk (fsync) after every row. Opening it drops a torn last line (a crash mid-write), so neither Ctrl-C nor
/// a kill corrupts it. Thread-safe.
/// </summary>
/// <typeparam name="T">The row type (serialised with System.Text.Json).</typeparam>
public sealed class RowJournal<T> : IDisposable
{
    private readonly FileStream _stream;
    private readonly Dictionary<string, T> _rows;
    private readonly Lock _gate = new();

    private RowJournal(FileStream stream, Dictionary<string, T> rows)
    {
        _stream = stream;
        _rows = rows;
    }

    /// <summary>The file.</summary>
    public string Path => _stream.Name;

    /// <summary>Rows finished so far (read at open, plus those appended since).</summary>
    public int Count { get { lock (_gate) return _rows.Count; } }

    /// <summary>Opens (or creates) the journal at <paramref name="path"/> and reads the rows it holds.</summary>
    public static RowJournal<T> Open(string path)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var rows = new Dictionary<string, T>(StringComparer.Ordinal);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        long good = 0;
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != (byte)'\n') continue;
            try
            {
                var entry = JsonSerializer.Deserialize<Entry>(bytes.AsSpan(start, i - start));
                if (entry?.Key is null || entry.Row is null) break;
                rows[entry.Key] = entry.Row;
            }
            catch (JsonException) { break; }
            good = i + 1;
            start = i + 1;
        }
        // Whatever follows the last complete line is a write cut short; appending continues after the good part.
        stream.SetLength(good);
        stream.Seek(good, SeekOrigin.Begin);
        return new RowJournal<T>(stream, rows);
    }

    /// <summary>The row finished under <paramref name="key"/>, if any.</summary>
    public bool TryGet(string key, out T row)
    {
        lock (_gate) return _rows.TryGetValue(key, out row!);
    }

    /// <summary>Records a finished row durably (written and fsync'd before this returns).</summary>
    public void Append(string key, T row)
    {
        var line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Entry(key, row)) + "\n");
        lock (_gate)
        {
            _stream.Write(line);
            _stream.Flush(flushToDisk: true);
            _rows[key] = row;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private sealed record Entry(string Key, T Row);
}
