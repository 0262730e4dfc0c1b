using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using SelfSpec.Parquet.Compression;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Reading;

/// <summary>
/// Reads a Parquet file row group by row group (so a file larger than memory can be streamed), optionally only some columns.
/// Thread-safe for concurrent <see cref="ReadColumn"/> calls.
/// </summary>
/// <example>
/// <code>
/// using var reader = ParquetReader.Open("instructions.parquet");
/// for (var g = 0; g &lt; reader.RowGroupCount; g++)
/// {
///     var group = reader.ReadRowGroup(g, ["id", "instruction"]);
///     var ids = group["id"];            // ColumnData: levels + dense values
/// }
/// </code>
/// </example>
public sealed class ParquetReader : IDisposable
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;
    private readonly SafeFileHandle _handle;

    private readonly ParquetReaderOptions _options;

    private ParquetReader(string path, SafeFileHandle handle, long length, FileMetaData metadata, ParquetSchema schema, ParquetReaderOptions options)
    {
        _options = options;
        FilePath = path;
        _handle = handle;
        FileLength = length;
        Metadata = metadata;
        Schema = schema;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>File size in bytes.</summary>
    public long FileLength { get; }

    /// <summary>The decoded footer.</summary>
    public FileMetaData Metadata { get; }

    /// <summary>The schema tree.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Total rows.</summary>
    public long RowCount => Metadata.NumRows;

    /// <summary>Number of row groups.</summary>
    public int RowGroupCount => Metadata.RowGroups.Count;

    /// <summary>Key/value metadata as a dictionary (last value wins for repeated keys).</summary>
    public IReadOnlyDictionary<string, string?> KeyValueMetadata =>
        (Metadata.KeyValueMetadata ?? []).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>Opens <paramref name="path"/> and validates and decodes its footer; page checksums are verified.</summary>
    /// <exception cref="ParquetFormatException">The file is too small, has bad magic, a bad footer length or a corrupt footer.</exception>
    public static ParquetReader Open(string path) => Open(path, ParquetReaderOptions.Default);

    /// <summary>Opens <paramref name="path"/> with <paramref name="options"/> and validates and decodes its footer.</summary>
    /// <exception cref="ParquetFormatException">The file is too small, has bad magic, a bad footer length or a corrupt footer.</exception>
    public static ParquetReader Open(string path, ParquetReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            var length = RandomAccess.GetLength(handle);
            var (meta, schema) = ReadFooter(handle, length, path);
            return new ParquetReader(path, handle, length, meta, schema, options);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (FileMetaData, ParquetSchema) ReadFooter(SafeFileHandle handle, long length, string path)
    {
        if (length < 12)
            throw new ParquetFormatException($"file is {length} bytes, too small to be a Parquet file (at least 12)", path, kind: ParquetErrorKind.TooSmall);
        Span<byte> tail = stackalloc byte[8];
        ReadExactly(handle, tail, length - 8, path);
        Span<byte> head = stackalloc byte[4];
        ReadExactly(handle, head, 0, path);
        if (tail[4..].SequenceEqual("PARE"u8))
            throw new ParquetFormatException("the footer is encrypted (PARE); encrypted Parquet is not supported", path, kind: ParquetErrorKind.Unsupported);
        if (!tail[4..].SequenceEqual(Magic))
            throw new ParquetFormatException($"bad magic at end of file: expected \"PAR1\", found {Show(tail[4..])}; the file is truncated or not Parquet", path, kind: ParquetErrorKind.BadMagicTail);
        if (!head.SequenceEqual(Magic))
            throw new ParquetFormatException($"bad magic at start of file: expected \"PAR1\", found {Show(head)}", path, kind: ParquetErrorKind.BadMagicHead);
        var footerLength = BinaryPrimitives.ReadUInt32LittleEndian(tail);
        if (footerLength == 0 || footerLength > length - 12)
            throw new ParquetFormatException($"footer length {footerLength} (as signed int32: {(int)footerLength}) points outside the file: file size {length}, so the footer can be at most {length - 12} bytes",
                path, kind: ParquetErrorKind.FooterLengthOutOfRange);
        var buf = ArrayPool<byte>.Shared.Rent((int)footerLength);
        try
        {
            var footer = buf.AsSpan(0, (int)footerLength);
            ReadExactly(handle, footer, length - 8 - footerLength, path);
            FileMetaData meta;
            try
            {
                var r = new ThriftCompactReader(footer);
                meta = FileMetaData.Read(ref r);
            }
            catch (ParquetFormatException e)
            {
                throw new ParquetFormatException($"the footer is not valid FileMetaData: {e.Reason}", path, kind: ParquetErrorKind.CorruptFooter);
            }
            if (meta.Schema.Count == 0)
                throw new ParquetFormatException("the footer is not valid FileMetaData: it has no schema", path, kind: ParquetErrorKind.CorruptFooter);
            ParquetSchema schema;
            try { schema = new ParquetSchema(meta.Schema, path); }
            catch (ParquetFormatException e) { throw new ParquetFormatException($"invalid schema in the footer: {e.Reason}", path, kind: ParquetErrorKind.CorruptFooter); }
            for (var g = 0; g < meta.RowGroups.Count; g++)
                if (meta.RowGroups[g].Columns.Count != schema.Columns.Count)
                    throw new ParquetFormatException($"row group has {meta.RowGroups[g].Columns.Count} column chunks, the schema {schema.Columns.Count} columns", path, g, kind: ParquetErrorKind.CorruptFooter);
            return (meta, schema);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    private static string Show(ReadOnlySpan<byte> b)
    {
        var printable = true;
        foreach (var c in b) if (c is < 0x20 or > 0x7E) printable = false;
        var hex = Convert.ToHexString(b).ToLowerInvariant();
        return printable ? $"\"{System.Text.Encoding.ASCII.GetString(b)}\" (hex {hex})" : $"hex {hex}";
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> dst, long offset, string path)
    {
        var done = 0;
        while (done < dst.Length)
        {
            var n = RandomAccess.Read(handle, dst[done..], offset + done);
            if (n <= 0) throw new ParquetFormatException($"unexpected end of file at byte {offset + done}", path);
            done += n;
        }
    }

    /// <summary>The leaf columns selected by top-level names or dotted leaf paths (all columns when null).</summary>
    public IReadOnlyList<ColumnDescriptor> SelectColumns(IEnumerable<string>? names)
    {
        if (names == null) return Schema.Columns;
        var selected = new SortedDictionary<int, ColumnDescriptor>();
        foreach (var name in names)
        {
            var matches = Schema.Columns.Where(c => c.Path[0] == name || c.DottedPath == name).ToList();
            if (matches.Count == 0)
                throw new ParquetFormatException($"no column named '{name}'; the file has: {string.Join(", ", Schema.TopLevel.Select(t => t.Name))}", FilePath, kind: ParquetErrorKind.SchemaMismatch);
            foreach (var m in matches) selected[m.Index] = m;
        }
        return selected.Values.ToList();
    }

    /// <summary>Reads one column of one row group.</summary>
    public ColumnData ReadColumn(int rowGroup, ColumnDescriptor column)
    {
        if ((uint)rowGroup >= (uint)RowGroupCount) throw new ArgumentOutOfRangeException(nameof(rowGroup));
        var group = Metadata.RowGroups[rowGroup];
        var chunk = group.Columns[column.Index];
        try
        {
            var meta = chunk.MetaData ?? throw new ParquetFormatException("column chunk has no metadata");
            if (chunk.FilePath != null) throw new ParquetFormatException($"column data in an external file ({chunk.FilePath}) is not supported", kind: ParquetErrorKind.Unsupported);
            if (!PageCompression.IsSupported(meta.Codec))
                throw new ParquetFormatException($"compression codec {meta.Codec.ToString().ToUpperInvariant()} is not supported (SNAPPY, GZIP, ZSTD and UNCOMPRESSED are)", kind: ParquetErrorKind.Unsupported);
            var start = meta.DataPageOffset;
            if (meta.DictionaryPageOffset is > 0 && meta.DictionaryPageOffset < start) start = meta.DictionaryPageOffset.Value;
            var size = meta.TotalCompressedSize;
            if (start < 4 || size <= 0 || start + size > FileLength - 8 || size > int.MaxValue)
                throw new ParquetFormatException($"column chunk at byte {start} with {size} bytes lies outside the file's data ({FileLength} bytes)");
            var buf = GC.AllocateUninitializedArray<byte>((int)size);
            ReadExactly(_handle, buf, start, FilePath);
            return ColumnChunkReader.Read(column, meta, buf, group.NumRows, _options.VerifyPageChecksums);
        }
        catch (ParquetFormatException e)
        {
            throw e.WithLocation(FilePath, rowGroup, column.DottedPath);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or InvalidDataException)
        {
            throw new ParquetFormatException($"corrupt column chunk: {e.Message}", FilePath, rowGroup, column.DottedPath, e);
        }
    }

    /// <summary>Reads the selected columns of one row group, decoding up to <paramref name="maxDegreeOfParallelism"/> columns at once.</summary>
    public RowGroupData ReadRowGroup(int rowGroup, IEnumerable<string>? columns = null, int maxDegreeOfParallelism = 1)
    {
        var selected = SelectColumns(columns);
        var result = new ColumnData[selected.Count];
        if (maxDegreeOfParallelism <= 1 || selected.Count <= 1)
            for (var i = 0; i < selected.Count; i++) result[i] = ReadColumn(rowGroup, selected[i]);
        else
            Parallel.For(0, selected.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
                i => result[i] = ReadColumn(rowGroup, selected[i]));
        return new RowGroupData(rowGroup, Metadata.RowGroups[rowGroup].NumRows, result);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();
}
