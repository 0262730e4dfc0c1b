using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SelfSpec.Parquet.Compression;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Encodings;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Thrift;

namespace SelfSpec.Parquet.Writing;

/// <summary>An encoded column chunk: its pages (headers and compressed bodies) and the metadata to put in the footer.</summary>
internal sealed class EncodedChunk : IDisposable
{
    public required ChunkBuffer Buffer { get; init; }
    public required ColumnMetaData Meta { get; init; }
    public int DictionaryPageLength { get; init; }

    public void Dispose() => Buffer.Dispose();
}

/// <summary>Encodes one <see cref="ColumnData"/> into pages: dictionary (with PLAIN fallback), RLE levels, v1 data pages.</summary>
internal static class ColumnChunkWriter
{
    public static EncodedChunk Encode(ColumnData data, ParquetWriterOptions options)
    {
        var column = data.Column;
        var stats = StatisticsBuilder.Compute(data);
        var output = new ChunkBuffer((int)Math.Min(int.MaxValue / 2, data.ValueByteSize / 2 + data.LevelCount / 4 + 1024));
        var header = new ThriftCompactWriter();
        var encodings = new List<Format.Encoding>();
        long uncompressedTotal = 0;
        var dictionaryPageLength = 0;
        int[]? indices = null;
        var dictCount = 0;
        try
        {
            if (options.UseDictionary && column.PhysicalType != PhysicalType.Boolean && data.ValueCount > 0)
            {
                indices = ArrayPool<int>.Shared.Rent(data.ValueCount);
                using var dictValues = DictionaryBuilder.TryBuild(data, indices, options.DictionaryMaxBytes, out dictCount);
                if (dictValues != null)
                {
                    var before = output.Length;
                    uncompressedTotal += WritePage(output, header, PageType.DictionaryPage, dictValues.Written, options, dictCount, 0, Format.Encoding.Plain);
                    dictionaryPageLength = output.Length - before;
                    encodings.Add(Format.Encoding.Plain);
                }
                else
                {
                    ArrayPool<int>.Shared.Return(indices);
                    indices = null;
                }
            }
            var valueEncoding = indices != null ? Format.Encoding.RleDictionary : Format.Encoding.Plain;
            if (!encodings.Contains(Format.Encoding.Rle)) encodings.Add(Format.Encoding.Rle);
            if (!encodings.Contains(valueEncoding)) encodings.Add(valueEncoding);
            var indexWidth = indices != null ? Math.Max(1, BitPacking.BitWidth((uint)Math.Max(0, dictCount - 1))) : 0;

            var page = new ChunkBuffer(Math.Min(options.DataPageSize + 4096, (int)Math.Min(int.MaxValue / 4, data.ValueByteSize + data.LevelCount + 4096)));
            try
            {
                var level = 0;
                var value = 0;
                var defs = data.DefinitionLevels;
                var reps = data.RepetitionLevels;
                var maxDef = (byte)column.MaxDefinitionLevel;
                var target = Math.Max(1024, options.DataPageSize);
                var offsets = data.Offsets;
                var fixedWidth = column.PhysicalType switch
                {
                    PhysicalType.Boolean => 1,
                    PhysicalType.Int32 or PhysicalType.Float => 4,
                    PhysicalType.Int64 or PhysicalType.Double => 8,
                    _ => 0,
                };
                do
                {
                    // Find the page's level range [level, end) and value range [value, valueEnd), cutting at row starts.
                    var end = level;
                    var valueEnd = value;
                    long bytes = 0;
                    if (defs == null && reps == null && (fixedWidth > 0 || indices != null))
                    {
                        var per = indices != null ? Math.Max(1, indexWidth / 8) : fixedWidth;
                        end = (int)Math.Min(data.LevelCount, level + Math.Max(1, target / per));
                        valueEnd = value + (end - level);
                    }
                    else
                    {
                        while (end < data.LevelCount)
                        {
                            if (bytes >= target && (reps == null || reps[end] == 0)) break;
                            if (defs == null || defs[end] == maxDef)
                            {
                                bytes += indices != null ? 1 : fixedWidth > 0 ? fixedWidth : 4 + offsets![valueEnd + 1] - offsets[valueEnd];
                                valueEnd++;
                            }
                            end++;
                            bytes += 1;
                        }
                    }
                    page.Length = 0;
                    var n = end - level;
                    var v2 = options.DataPageVersion == 2;
                    int repLength = 0, defLength = 0;
                    if (reps != null) repLength = WriteLevels(page, reps.AsSpan(level, n), column.MaxRepetitionLevel, lengthPrefix: !v2);
                    if (defs != null) defLength = WriteLevels(page, defs.AsSpan(level, n), column.MaxDefinitionLevel, lengthPrefix: !v2);
                    if (indices != null)
                    {
                        var count = valueEnd - value;
                        var dst = page.GetSpan(RleBitPackedEncoder.MaxSize(count, indexWidth) + 1);
                        dst[0] = (byte)indexWidth;
                        page.Length += 1 + RleBitPackedEncoder.Encode(indices.AsSpan(value, count), indexWidth, dst[1..]);
                    }
                    else WritePlain(page, data, value, valueEnd);
                    if (v2)
                    {
                        var rowsInPage = n;
                        if (reps != null)
                        {
                            rowsInPage = 0;
                            foreach (var r in reps.AsSpan(level, n)) if (r == 0) rowsInPage++;
                        }
                        var v2Header = new DataPageHeaderV2
                        {
                            NumValues = n, NumNulls = n - (valueEnd - value), NumRows = rowsInPage, Encoding = valueEncoding,
                            RepetitionLevelsByteLength = repLength, DefinitionLevelsByteLength = defLength,
                            IsCompressed = options.Codec != CompressionCodec.Uncompressed,
                        };
                        uncompressedTotal += WritePageV2(output, header, page.Written, repLength + defLength, v2Header, options);
                    }
                    else uncompressedTotal += WritePage(output, header, PageType.DataPage, page.Written, options, n, 0, valueEncoding);
                    level = end;
                    value = valueEnd;
                } while (level < data.LevelCount);
            }
            finally { page.Dispose(); }
        }
        catch
        {
            output.Dispose();
            throw;
        }
        finally
        {
            if (indices != null) ArrayPool<int>.Shared.Return(indices);
        }
        var meta = new ColumnMetaData
        {
            Type = column.PhysicalType,
            Encodings = encodings,
            PathInSchema = [.. column.Path],
            Codec = options.Codec,
            NumValues = data.LevelCount,
            TotalUncompressedSize = uncompressedTotal,
            TotalCompressedSize = output.Length,
            Statistics = stats,
        };
        return new EncodedChunk { Buffer = output, Meta = meta, DictionaryPageLength = dictionaryPageLength };
    }

    /// <summary>RLE-encodes levels (v1 pages put a 4-byte length in front); returns the bytes written.</summary>
    private static int WriteLevels(ChunkBuffer page, ReadOnlySpan<byte> levels, int maxLevel, bool lengthPrefix)
    {
        var width = BitPacking.BitWidth((uint)maxLevel);
        var prefix = lengthPrefix ? 4 : 0;
        var dst = page.GetSpan(prefix + RleBitPackedEncoder.MaxSize(levels.Length, width));
        var n = RleBitPackedEncoder.Encode(levels, width, dst[prefix..]);
        if (lengthPrefix) BinaryPrimitives.WriteInt32LittleEndian(dst, n);
        page.Length += prefix + n;
        return prefix + n;
    }

    /// <summary>Appends a DATA_PAGE_V2: the levels stay uncompressed, only the values are compressed.</summary>
    private static long WritePageV2(ChunkBuffer output, ThriftCompactWriter header, ReadOnlySpan<byte> page, int levelBytes,
        DataPageHeaderV2 v2, ParquetWriterOptions options)
    {
        var levels = page[..levelBytes];
        var stored = Compress(page[levelBytes..], options);
        var h = new PageHeader
        {
            Type = PageType.DataPageV2,
            UncompressedPageSize = page.Length,
            CompressedPageSize = levelBytes + stored.Length,
            DataPageV2 = v2,
        };
        if (options.WritePageCrc)
        {
            // The checksum covers the bytes after the header as written: the uncompressed levels, then the values.
            var crc = new System.IO.Hashing.Crc32();
            crc.Append(levels);
            crc.Append(stored);
            h.Crc = (int)crc.GetCurrentHashAsUInt32();
        }
        header.Clear();
        h.Write(header);
        output.Write(header.Written);
        output.Write(levels);
        output.Write(stored);
        return header.Written.Length + page.Length;
    }

    internal static void WritePlain(ChunkBuffer page, ColumnData data, int from, int to)
    {
        var count = to - from;
        switch (data.Column.PhysicalType)
        {
            case PhysicalType.Boolean:
            {
                var bytes = (count + 7) / 8;
                var dst = page.GetSpan(bytes)[..bytes];
                dst.Clear();
                var src = data.Booleans!;
                for (var i = 0; i < count; i++) if (src[from + i]) dst[i >> 3] |= (byte)(1 << (i & 7));
                page.Length += bytes;
                break;
            }
            case PhysicalType.Int32: page.Write(MemoryMarshal.AsBytes(data.Int32s.AsSpan(from, count))); break;
            case PhysicalType.Int64: page.Write(MemoryMarshal.AsBytes(data.Int64s.AsSpan(from, count))); break;
            case PhysicalType.Float: page.Write(MemoryMarshal.AsBytes(data.Floats.AsSpan(from, count))); break;
            case PhysicalType.Double: page.Write(MemoryMarshal.AsBytes(data.Doubles.AsSpan(from, count))); break;
            case PhysicalType.ByteArray:
            {
                var offsets = data.Offsets!;
                var total = offsets[to] - offsets[from] + 4 * count;
                var dst = page.GetSpan(total);
                var src = data.Bytes!;
                var p = 0;
                for (var i = from; i < to; i++)
                {
                    var len = offsets[i + 1] - offsets[i];
                    BinaryPrimitives.WriteInt32LittleEndian(dst[p..], len);
                    src.AsSpan(offsets[i], len).CopyTo(dst[(p + 4)..]);
                    p += 4 + len;
                }
                page.Length += p;
                break;
            }
            default:
            {
                // FIXED_LEN_BYTE_ARRAY / INT96: values back to back.
                var offsets = data.Offsets!;
                page.Write(data.Bytes.AsSpan(offsets[from], offsets[to] - offsets[from]));
                break;
            }
        }
    }

    [ThreadStatic] private static byte[]? _compressScratch;
    [ThreadStatic] private static ZstdSharp.Compressor? _zstd;

    /// <summary>
    /// Compresses a page body with the options' codec. SNAPPY and ZSTD write into a per-thread buffer that is valid
    /// until the next call on the same thread (the page is copied into the chunk before that).
    /// </summary>
    private static ReadOnlySpan<byte> Compress(ReadOnlySpan<byte> body, ParquetWriterOptions options)
    {
        switch (options.Codec)
        {
            case CompressionCodec.Uncompressed:
                return body;
            case CompressionCodec.Snappy:
            {
                var scratch = Scratch(Compression.SnappyCodec.MaxCompressedLength(body.Length));
                return scratch.AsSpan(0, Compression.SnappyCodec.Compress(body, scratch));
            }
            case CompressionCodec.Zstd:
            {
                // One compressor per thread: a ZstdSharp compressor is not thread-safe, and reusing its context is
                // much cheaper than creating one per page. Output depends only on the level, never on the thread.
                if (_zstd == null || _zstd.Level != options.ZstdLevel)
                {
                    _zstd?.Dispose();
                    _zstd = new ZstdSharp.Compressor(options.ZstdLevel);
                }
                var scratch = Scratch(ZstdSharp.Compressor.GetCompressBound(body.Length));
                return scratch.AsSpan(0, _zstd.Wrap(body, scratch));
            }
            case CompressionCodec.Gzip:
                return PageCompression.CompressGzip(body, options.GzipLevel);
            default:
                throw new NotSupportedException($"compression codec {options.Codec} is not supported for writing");
        }
    }

    private static byte[] Scratch(int need)
    {
        if (_compressScratch == null || _compressScratch.Length < need) _compressScratch = GC.AllocateUninitializedArray<byte>(Math.Max(need, 1 << 16));
        return _compressScratch;
    }

    /// <summary>Compresses and appends one page with its header; returns the uncompressed size including the header.</summary>
    private static long WritePage(ChunkBuffer output, ThriftCompactWriter header, PageType type, ReadOnlySpan<byte> body,
        ParquetWriterOptions options, int numValues, int numNulls, Format.Encoding encoding)
    {
        var stored = Compress(body, options);
        var h = new PageHeader
        {
            Type = type,
            UncompressedPageSize = body.Length,
            CompressedPageSize = stored.Length,
            Crc = options.WritePageCrc ? (int)System.IO.Hashing.Crc32.HashToUInt32(stored) : null,
        };
        if (type == PageType.DictionaryPage) h.DictionaryPage = new DictionaryPageHeader { NumValues = numValues, Encoding = Format.Encoding.Plain };
        else h.DataPage = new DataPageHeader { NumValues = numValues, Encoding = encoding };
        header.Clear();
        h.Write(header);
        output.Write(header.Written);
        output.Write(stored);
        return header.Written.Length + body.Length;
    }
}
