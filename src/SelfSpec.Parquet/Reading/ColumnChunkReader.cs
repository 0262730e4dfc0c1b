using System.Buffers.Binary;
using SelfSpec.Parquet.Compression;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Encodings;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Reading;

/// <summary>Decodes every page of one column chunk (already read into memory) into a <see cref="ColumnData"/>.</summary>
internal static class ColumnChunkReader
{
    // One decompression buffer per thread, reused for every page (pages are decoded before the next is read).
    [ThreadStatic] private static byte[]? _scratch;

    /// <summary>Decodes the chunk; errors inside a page name the page (0-based, the dictionary page counts).</summary>
    public static ColumnData Read(ColumnDescriptor column, ColumnMetaData meta, ReadOnlyMemory<byte> chunk, long numRowsHint, bool verifyChecksums)
    {
        var page = 0;
        try
        {
            return Read(column, meta, chunk, numRowsHint, verifyChecksums, ref page);
        }
        catch (ParquetFormatException e) when (e.Page == null && page >= 0)
        {
            throw e.WithLocation(null, page: page);
        }
        catch (Exception e) when (page >= 0 && e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException or InvalidDataException)
        {
            throw new ParquetFormatException($"corrupt page: {e.Message}", inner: e, page: page);
        }
    }

    // `page` is the page being decoded, or -1 once every page is done (chunk-level checks follow).
    private static ColumnData Read(ColumnDescriptor column, ColumnMetaData meta, ReadOnlyMemory<byte> chunk, long numRowsHint, bool verifyChecksums, ref int page)
    {
        if (meta.NumValues < 0 || meta.NumValues > int.MaxValue) throw new ParquetFormatException($"column chunk announces {meta.NumValues} values");
        var expected = (int)meta.NumValues;
        // Never trust the count for allocation beyond what the bytes could hold.
        var capacity = Math.Min(expected, 1 << 24);
        var data = new ColumnData(column, Math.Max(capacity, 1));
        var bytesHint = Math.Min(meta.TotalUncompressedSize, (long)chunk.Length * 16);
        if (data.Bytes != null && bytesHint > data.Bytes.Length && bytesHint < int.MaxValue / 2)
            data.Bytes = GC.AllocateUninitializedArray<byte>((int)bytesHint);
        ColumnData? dictionary = null;
        var pos = 0;
        var span = chunk.Span;
        for (page = 0; data.LevelCount < expected; page++)
        {
            if (pos >= span.Length) throw new ParquetFormatException($"column chunk ended after {data.LevelCount} of {expected} values");
            var reader = new ThriftCompactReader(span[pos..]);
            var header = PageHeader.Read(ref reader);
            pos += reader.Position;
            if (header.CompressedPageSize < 0 || header.CompressedPageSize > span.Length - pos)
                throw new ParquetFormatException($"page at chunk byte {pos} claims {header.CompressedPageSize} bytes; only {span.Length - pos} remain");
            var body = chunk.Slice(pos, header.CompressedPageSize);
            pos += header.CompressedPageSize;
            if (verifyChecksums && header.Crc is { } crc)
                VerifyChecksum((uint)crc, body.Span, header.Type, pos - body.Length);
            switch (header.Type)
            {
                case PageType.DictionaryPage:
                {
                    var h = header.DictionaryPage ?? throw new ParquetFormatException("dictionary page without its header");
                    if (h.NumValues < 0) throw new ParquetFormatException("negative dictionary size");
                    var raw = PageCompression.Decompress(meta.Codec, body, header.UncompressedPageSize, ref _scratch);
                    dictionary = new ColumnData(column, Math.Max(1, Math.Min(h.NumValues, raw.Length + 1)));
                    ValueDecoders.Plain(raw.Span, dictionary, h.NumValues);
                    break;
                }
                case PageType.DataPage:
                {
                    var h = header.DataPage ?? throw new ParquetFormatException("data page without its header");
                    var raw = PageCompression.Decompress(meta.Codec, body, header.UncompressedPageSize, ref _scratch).Span;
                    var n = CheckCount(h.NumValues, expected - data.LevelCount);
                    var p = 0;
                    data.EnsureLevels(n);
                    if (column.MaxRepetitionLevel > 0)
                        p += ReadV1Levels(raw[p..], h.RepetitionLevelEncoding, column.MaxRepetitionLevel, data.RepetitionLevels.AsSpan(data.LevelCount, n));
                    if (column.MaxDefinitionLevel > 0)
                        p += ReadV1Levels(raw[p..], h.DefinitionLevelEncoding, column.MaxDefinitionLevel, data.DefinitionLevels.AsSpan(data.LevelCount, n));
                    DecodeValues(raw[p..], h.Encoding, data, dictionary, n);
                    break;
                }
                case PageType.DataPageV2:
                {
                    var h = header.DataPageV2 ?? throw new ParquetFormatException("data page v2 without its header");
                    var n = CheckCount(h.NumValues, expected - data.LevelCount);
                    var levelBytes = (long)h.RepetitionLevelsByteLength + h.DefinitionLevelsByteLength;
                    if (h.RepetitionLevelsByteLength < 0 || h.DefinitionLevelsByteLength < 0 || levelBytes > body.Length)
                        throw new ParquetFormatException("data page v2 level lengths run past the page");
                    var b = body.Span;
                    data.EnsureLevels(n);
                    if (column.MaxRepetitionLevel > 0)
                    {
                        var reps = data.RepetitionLevels.AsSpan(data.LevelCount, n);
                        new RleBitPackedDecoder(b[..h.RepetitionLevelsByteLength], BitPacking.BitWidth((uint)column.MaxRepetitionLevel)).Read(reps);
                        CheckLevels(reps, column.MaxRepetitionLevel);
                    }
                    if (column.MaxDefinitionLevel > 0)
                    {
                        var defs = data.DefinitionLevels.AsSpan(data.LevelCount, n);
                        new RleBitPackedDecoder(b.Slice(h.RepetitionLevelsByteLength, h.DefinitionLevelsByteLength), BitPacking.BitWidth((uint)column.MaxDefinitionLevel)).Read(defs);
                        CheckLevels(defs, column.MaxDefinitionLevel);
                    }
                    var valuesBody = body[(int)levelBytes..];
                    var values = h.IsCompressed && meta.Codec != CompressionCodec.Uncompressed
                        ? PageCompression.Decompress(meta.Codec, valuesBody, header.UncompressedPageSize - (int)levelBytes, ref _scratch)
                        : valuesBody;
                    DecodeValues(values.Span, h.Encoding, data, dictionary, n);
                    break;
                }
                default:
                    break; // index pages and unknown page types are skipped
            }
        }
        page = -1;
        if (data.RepetitionLevels != null && data.LevelCount > 0 && data.RepetitionLevels[0] != 0)
            throw new ParquetFormatException("the first value of a column chunk continues a row (repetition level above 0)");
        if (data.RowCount != numRowsHint)
            throw new ParquetFormatException($"column chunk holds {data.RowCount} rows, its row group {numRowsHint}");
        return data;
    }

    private static void VerifyChecksum(uint stored, ReadOnlySpan<byte> body, PageType type, int chunkOffset)
    {
        var computed = System.IO.Hashing.Crc32.HashToUInt32(body);
        if (computed == stored) return;
        var name = type switch
        {
            PageType.DataPage => "DATA_PAGE",
            PageType.DataPageV2 => "DATA_PAGE_V2",
            PageType.DictionaryPage => "DICTIONARY_PAGE",
            _ => $"page of type {(int)type}",
        };
        throw new ParquetFormatException(
            $"page checksum mismatch: the {name} at chunk byte {chunkOffset} ({body.Length} bytes) has CRC-32 {computed:x8}, its header records {stored:x8}; the file was damaged after it was written",
            kind: ParquetErrorKind.ChecksumMismatch);
    }

    private static int CheckCount(int n, int remaining)
    {
        if (n < 0 || n > remaining) throw new ParquetFormatException($"page announces {n} values but only {remaining} remain in the column chunk");
        return n;
    }

    private static int ReadV1Levels(ReadOnlySpan<byte> src, Format.Encoding encoding, int maxLevel, Span<byte> dst)
    {
        var width = BitPacking.BitWidth((uint)maxLevel);
        if (encoding == Format.Encoding.Rle)
        {
            if (src.Length < 4) throw new ParquetFormatException("data page ends inside the level length");
            var len = BinaryPrimitives.ReadInt32LittleEndian(src);
            if (len < 0 || len > src.Length - 4) throw new ParquetFormatException($"level length {len} runs past the page");
            new RleBitPackedDecoder(src.Slice(4, len), width).Read(dst);
            CheckLevels(dst, maxLevel);
            return 4 + len;
        }
        if (encoding == Format.Encoding.BitPacked)
        {
            // Deprecated: MSB-first bit packing without a length prefix.
            var bytes = (dst.Length * width + 7) / 8;
            if (bytes > src.Length) throw new ParquetFormatException("bit-packed levels run past the page");
            for (var i = 0; i < dst.Length; i++)
            {
                var v = 0;
                for (var b = 0; b < width; b++)
                {
                    var bit = i * width + b;
                    v = (v << 1) | ((src[bit >> 3] >> (7 - (bit & 7))) & 1);
                }
                dst[i] = (byte)v;
            }
            CheckLevels(dst, maxLevel);
            return bytes;
        }
        throw new ParquetFormatException($"level encoding {encoding} is not supported");
    }

    private static void CheckLevels(Span<byte> levels, int max)
    {
        foreach (var l in levels) if (l > max) throw new ParquetFormatException($"level {l} exceeds the column's maximum {max}");
    }

    private static void DecodeValues(ReadOnlySpan<byte> src, Format.Encoding encoding, ColumnData data, ColumnData? dictionary, int n)
    {
        var start = data.LevelCount;
        var count = n;
        if (data.DefinitionLevels != null)
        {
            count = 0;
            var max = (byte)data.Column.MaxDefinitionLevel;
            foreach (var d in data.DefinitionLevels.AsSpan(start, n)) if (d == max) count++;
        }
        switch (encoding)
        {
            case Format.Encoding.Plain: ValueDecoders.Plain(src, data, count); break;
            case Format.Encoding.PlainDictionary:
            case Format.Encoding.RleDictionary: ValueDecoders.Dictionary(src, data, dictionary, count); break;
            case Format.Encoding.Rle when data.Column.PhysicalType == PhysicalType.Boolean: ValueDecoders.RleBoolean(src, data, count); break;
            case Format.Encoding.DeltaBinaryPacked: ValueDecoders.DeltaBinaryPacked(src, data, count); break;
            case Format.Encoding.DeltaLengthByteArray: ValueDecoders.DeltaLengthByteArray(src, data, count); break;
            case Format.Encoding.DeltaByteArray: ValueDecoders.DeltaByteArray(src, data, count); break;
            case Format.Encoding.ByteStreamSplit: ValueDecoders.ByteStreamSplit(src, data, count); break;
            default: throw new ParquetFormatException($"value encoding {encoding} is not supported for {data.Column.PhysicalType}");
        }
        data.LevelCount = start + n;
    }
}
