using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Writing;

/// <summary>
/// Writes a Parquet file one row group at a time. The file is written under a temporary name in the target folder and
/// renamed onto <see cref="Path"/> only by <see cref="Commit"/>, so a crash or an exception never leaves a half-written
/// file under the final name; disposing without committing deletes the temporary file.
/// </summary>
/// <example>
/// <code>
/// var schema = new ParquetSchema(new ParquetField("id", ParquetType.Int64, Nullable: false),
///                                ParquetField.List("doc_ids", ParquetType.String));
/// using var writer = new ParquetWriter("out.parquet", schema);
/// writer.WriteRowGroup([ids.Build(), docIds.Build()]);
/// writer.Commit();
/// </code>
/// </example>
public sealed class ParquetWriter : IDisposable
{
    private readonly ParquetWriterOptions _options;
    private readonly FileStream _stream;
    private readonly string _tempPath;
    private readonly FileMetaData _meta;
    private bool _committed;
    private bool _disposed;

    /// <summary>Starts writing <paramref name="path"/> with <paramref name="schema"/>.</summary>
    public ParquetWriter(string path, ParquetSchema schema, ParquetWriterOptions? options = null)
    {
        _options = options ?? new ParquetWriterOptions();
        if (_options.Codec is not (CompressionCodec.Snappy or CompressionCodec.Zstd or CompressionCodec.Gzip or CompressionCodec.Uncompressed))
            throw new ArgumentException($"codec {_options.Codec} is not supported for writing (SNAPPY, ZSTD, GZIP, UNCOMPRESSED)");
        if (_options.DataPageVersion is not (1 or 2)) throw new ArgumentException($"data page version {_options.DataPageVersion} does not exist (1 or 2)");
        Path = System.IO.Path.GetFullPath(path);
        Schema = schema;
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(dir);
        _tempPath = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        _stream.Write("PAR1"u8);
        _meta = new FileMetaData
        {
            Version = 1,
            Schema = [.. schema.Elements],
            CreatedBy = _options.CreatedBy,
            ColumnOrderCount = schema.Columns.Count,
        };
        foreach (var (k, v) in _options.KeyValueMetadata) KeyValueMetadata[k] = v;
    }

    /// <summary>The final path.</summary>
    public string Path { get; }

    /// <summary>The schema being written.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Key/value metadata written to the footer on <see cref="Commit"/>.</summary>
    public IDictionary<string, string> KeyValueMetadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Rows written so far.</summary>
    public long RowCount => _meta.NumRows;

    /// <summary>Row groups written so far.</summary>
    public int RowGroupCount => _meta.RowGroups.Count;

    /// <summary>Writes one row group: one <see cref="ColumnData"/> per leaf column, in schema order, all with the same row count.</summary>
    public void WriteRowGroup(IReadOnlyList<ColumnData> columns, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) throw new InvalidOperationException("the file is already committed");
        if (columns.Count != Schema.Columns.Count)
            throw new ArgumentException($"expected {Schema.Columns.Count} columns ({string.Join(", ", Schema.Columns.Select(c => c.DottedPath))}), got {columns.Count}");
        long rows = -1;
        for (var i = 0; i < columns.Count; i++)
        {
            if (columns[i].Column.DottedPath != Schema.Columns[i].DottedPath || columns[i].Column.PhysicalType != Schema.Columns[i].PhysicalType)
                throw new ArgumentException($"column {i} is '{columns[i].Column}', the schema expects '{Schema.Columns[i]}'");
            var r = columns[i].RowCount;
            if (rows >= 0 && r != rows) throw new ArgumentException($"column '{columns[i].Column.DottedPath}' has {r} rows, column '{columns[0].Column.DottedPath}' has {rows}");
            rows = r;
        }
        if (rows <= 0) return;

        var encoded = new EncodedChunk[columns.Count];
        try
        {
            if (_options.MaxDegreeOfParallelism > 1)
                Parallel.For(0, columns.Count, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxDegreeOfParallelism, CancellationToken = cancellationToken },
                    i => encoded[i] = ColumnChunkWriter.Encode(columns[i], _options));
            else
                for (var i = 0; i < columns.Count; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    encoded[i] = ColumnChunkWriter.Encode(columns[i], _options);
                }

            var group = new RowGroup { NumRows = rows, FileOffset = _stream.Position, Ordinal = (short)Math.Min(short.MaxValue, _meta.RowGroups.Count) };
            long compressed = 0;
            foreach (var chunk in encoded)
            {
                var start = _stream.Position;
                _stream.Write(chunk.Buffer.Written);
                var meta = chunk.Meta;
                if (chunk.DictionaryPageLength > 0) meta.DictionaryPageOffset = start;
                meta.DataPageOffset = start + chunk.DictionaryPageLength;
                group.Columns.Add(new ColumnChunk { FileOffset = start, MetaData = meta });
                group.TotalByteSize += meta.TotalUncompressedSize;
                compressed += meta.TotalCompressedSize;
            }
            group.TotalCompressedSize = compressed;
            _meta.RowGroups.Add(group);
            _meta.NumRows += rows;
        }
        finally
        {
            foreach (var e in encoded) e?.Dispose();
        }
    }

    /// <summary>Writes the footer, flushes to disk and renames the temporary file onto <see cref="Path"/>.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) return;
        _meta.KeyValueMetadata = KeyValueMetadata.Select(kv => new KeyValue(kv.Key, kv.Value)).ToList();
        var w = new ThriftCompactWriter();
        _meta.Write(w);
        _stream.Write(w.Written);
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, w.Written.Length);
        _stream.Write(len);
        _stream.Write("PAR1"u8);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_tempPath, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the file; without <see cref="Commit"/> the temporary file is deleted and nothing appears under <see cref="Path"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stream.Dispose();
        if (!_committed)
        {
            try { File.Delete(_tempPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
