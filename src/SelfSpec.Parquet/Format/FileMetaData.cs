using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Format;

/// <summary>The file footer: schema, row groups and key/value metadata.</summary>
public sealed class FileMetaData
{
    /// <summary>Format version (1 or 2).</summary>
    public int Version { get; set; } = 1;
    /// <summary>Flattened schema, root first.</summary>
    public List<SchemaElement> Schema { get; set; } = [];
    /// <summary>Total rows.</summary>
    public long NumRows { get; set; }
    /// <summary>Row groups.</summary>
    public List<RowGroup> RowGroups { get; set; } = [];
    /// <summary>Key/value metadata.</summary>
    public List<KeyValue>? KeyValueMetadata { get; set; }
    /// <summary>Writer identification.</summary>
    public string? CreatedBy { get; set; }
    /// <summary>Number of column orders written (all TYPE_ORDER).</summary>
    public int ColumnOrderCount { get; set; }

    internal static FileMetaData Read(ref ThriftCompactReader r)
    {
        var m = new FileMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: m.Version = r.ReadI32(); break;
                case 2 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.Schema.Add(SchemaElement.Read(ref r));
                    break;
                }
                case 3 when t == ThriftType.I64: m.NumRows = r.ReadI64(); break;
                case 4 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.RowGroups.Add(RowGroup.Read(ref r));
                    break;
                }
                case 5 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    m.KeyValueMetadata = new List<KeyValue>(n);
                    for (var i = 0; i < n; i++) m.KeyValueMetadata.Add(KeyValue.Read(ref r));
                    break;
                }
                case 6 when t == ThriftType.Binary: m.CreatedBy = r.ReadString(); break;
                case 7 when t == ThriftType.List:
                {
                    m.ColumnOrderCount = r.ReadListHeader(out var et);
                    for (var i = 0; i < m.ColumnOrderCount; i++) r.Skip(et);
                    break;
                }
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return m;
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, Version);
        w.ListHeader(2, ThriftType.Struct, Schema.Count);
        foreach (var e in Schema) e.Write(w);
        w.I64(3, NumRows);
        w.ListHeader(4, ThriftType.Struct, RowGroups.Count);
        foreach (var g in RowGroups) g.Write(w);
        if (KeyValueMetadata is { Count: > 0 })
        {
            w.ListHeader(5, ThriftType.Struct, KeyValueMetadata.Count);
            foreach (var kv in KeyValueMetadata) kv.Write(w);
        }
        if (CreatedBy != null) w.String(6, CreatedBy);
        if (ColumnOrderCount > 0)
        {
            w.ListHeader(7, ThriftType.Struct, ColumnOrderCount);
            for (var i = 0; i < ColumnOrderCount; i++)
            {
                // ColumnOrder union { 1: TypeDefinedOrder TYPE_ORDER } with an empty struct.
                w.BeginStruct();
                w.StructField(1);
                w.BeginStruct();
                w.EndStruct();
                w.EndStruct();
            }
        }
        w.EndStruct();
    }
}

/// <summary>A horizontal slice of the table: one column chunk per leaf column.</summary>
public sealed class RowGroup
{
    /// <summary>Column chunks in schema leaf order.</summary>
    public List<ColumnChunk> Columns { get; set; } = [];
    /// <summary>Total uncompressed byte size of all columns.</summary>
    public long TotalByteSize { get; set; }
    /// <summary>Rows in this group.</summary>
    public long NumRows { get; set; }
    /// <summary>Offset of the first page.</summary>
    public long? FileOffset { get; set; }
    /// <summary>Total compressed size.</summary>
    public long? TotalCompressedSize { get; set; }
    /// <summary>Ordinal of the row group in the file.</summary>
    public short? Ordinal { get; set; }

    internal static RowGroup Read(ref ThriftCompactReader r)
    {
        var g = new RowGroup();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) g.Columns.Add(ColumnChunk.Read(ref r));
                    break;
                }
                case 2 when t == ThriftType.I64: g.TotalByteSize = r.ReadI64(); break;
                case 3 when t == ThriftType.I64: g.NumRows = r.ReadI64(); break;
                case 5 when t == ThriftType.I64: g.FileOffset = r.ReadI64(); break;
                case 6 when t == ThriftType.I64: g.TotalCompressedSize = r.ReadI64(); break;
                case 7 when t == ThriftType.I16: g.Ordinal = r.ReadI16(); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return g;
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.ListHeader(1, ThriftType.Struct, Columns.Count);
        foreach (var c in Columns) c.Write(w);
        w.I64(2, TotalByteSize);
        w.I64(3, NumRows);
        if (FileOffset != null) w.I64(5, FileOffset.Value);
        if (TotalCompressedSize != null) w.I64(6, TotalCompressedSize.Value);
        if (Ordinal != null)
        {
            w.FieldHeader(7, ThriftType.I16);
            w.RawI32(Ordinal.Value);
        }
        w.EndStruct();
    }
}

/// <summary>Where one column's data for one row group lives.</summary>
public sealed class ColumnChunk
{
    /// <summary>External file (unsupported when set).</summary>
    public string? FilePath { get; set; }
    /// <summary>Deprecated offset of the column metadata.</summary>
    public long FileOffset { get; set; }
    /// <summary>The column metadata.</summary>
    public ColumnMetaData? MetaData { get; set; }

    internal static ColumnChunk Read(ref ThriftCompactReader r)
    {
        var c = new ColumnChunk();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.Binary: c.FilePath = r.ReadString(); break;
                case 2 when t == ThriftType.I64: c.FileOffset = r.ReadI64(); break;
                case 3 when t == ThriftType.Struct: c.MetaData = ColumnMetaData.Read(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return c;
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I64(2, FileOffset);
        if (MetaData != null)
        {
            w.StructField(3);
            MetaData.Write(w);
        }
        w.EndStruct();
    }
}

/// <summary>Metadata of one column chunk.</summary>
public sealed class ColumnMetaData
{
    /// <summary>Physical type.</summary>
    public PhysicalType Type { get; set; }
    /// <summary>Encodings used (informational; pages are authoritative).</summary>
    public List<Encoding> Encodings { get; set; } = [];
    /// <summary>Path from the root to the leaf.</summary>
    public List<string> PathInSchema { get; set; } = [];
    /// <summary>Compression codec.</summary>
    public CompressionCodec Codec { get; set; }
    /// <summary>Number of level entries (values including nulls).</summary>
    public long NumValues { get; set; }
    /// <summary>Uncompressed size including page headers.</summary>
    public long TotalUncompressedSize { get; set; }
    /// <summary>Compressed size including page headers.</summary>
    public long TotalCompressedSize { get; set; }
    /// <summary>Offset of the first data page.</summary>
    public long DataPageOffset { get; set; }
    /// <summary>Offset of the index page.</summary>
    public long? IndexPageOffset { get; set; }
    /// <summary>Offset of the dictionary page.</summary>
    public long? DictionaryPageOffset { get; set; }
    /// <summary>Chunk statistics.</summary>
    public Statistics? Statistics { get; set; }
    /// <summary>Key/value metadata of this chunk.</summary>
    public List<KeyValue>? KeyValueMetadata { get; set; }

    internal static ColumnMetaData Read(ref ThriftCompactReader r)
    {
        var m = new ColumnMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var t))
        {
            switch (id)
            {
                case 1 when t == ThriftType.I32: m.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.Encodings.Add((Encoding)r.ReadI32());
                    break;
                }
                case 3 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    for (var i = 0; i < n; i++) m.PathInSchema.Add(r.ReadString());
                    break;
                }
                case 4 when t == ThriftType.I32: m.Codec = (CompressionCodec)r.ReadI32(); break;
                case 5 when t == ThriftType.I64: m.NumValues = r.ReadI64(); break;
                case 6 when t == ThriftType.I64: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when t == ThriftType.I64: m.TotalCompressedSize = r.ReadI64(); break;
                case 8 when t == ThriftType.List:
                {
                    var n = r.ReadListHeader(out _);
                    m.KeyValueMetadata = new List<KeyValue>(n);
                    for (var i = 0; i < n; i++) m.KeyValueMetadata.Add(KeyValue.Read(ref r));
                    break;
                }
                case 9 when t == ThriftType.I64: m.DataPageOffset = r.ReadI64(); break;
                case 10 when t == ThriftType.I64: m.IndexPageOffset = r.ReadI64(); break;
                case 11 when t == ThriftType.I64: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when t == ThriftType.Struct: m.Statistics = Format.Statistics.Read(ref r); break;
                default: r.Skip(t); break;
            }
        }
        r.EndStruct();
        return m;
    }

    internal void Write(ThriftCompactWriter w)
    {
        w.BeginStruct();
        w.I32(1, (int)Type);
        w.ListHeader(2, ThriftType.I32, Encodings.Count);
        foreach (var e in Encodings) w.RawI32((int)e);
        w.ListHeader(3, ThriftType.Binary, PathInSchema.Count);
        foreach (var p in PathInSchema) w.RawString(p);
        w.I32(4, (int)Codec);
        w.I64(5, NumValues);
        w.I64(6, TotalUncompressedSize);
        w.I64(7, TotalCompressedSize);
        if (KeyValueMetadata is { Count: > 0 })
        {
            w.ListHeader(8, ThriftType.Struct, KeyValueMetadata.Count);
            foreach (var kv in KeyValueMetadata) kv.Write(w);
        }
        w.I64(9, DataPageOffset);
        if (IndexPageOffset != null) w.I64(10, IndexPageOffset.Value);
        if (DictionaryPageOffset != null) w.I64(11, DictionaryPageOffset.Value);
        if (Statistics != null)
        {
            w.StructField(12);
            Statistics.Write(w);
        }
        w.EndStruct();
    }
}
