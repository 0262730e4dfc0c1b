using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;

namespace SelfSpec.Parquet.Encodings;

/// <summary>Decodes page values in every supported encoding, appending to a <see cref="ColumnData"/>.</summary>
internal static class ValueDecoders
{
    public static void Plain(ReadOnlySpan<byte> src, ColumnData d, int count)
    {
        var type = d.Column.PhysicalType;
        d.EnsureValues(count);
        var at = d.ValueCount;
        switch (type)
        {
            case PhysicalType.Boolean:
            {
                if ((count + 7) / 8 > src.Length) throw Short(count);
                var dst = d.Booleans.AsSpan(at, count);
                for (var i = 0; i < count; i++) dst[i] = ((src[i >> 3] >> (i & 7)) & 1) != 0;
                break;
            }
            case PhysicalType.Int32: CopyFixed(src, MemoryMarshal.AsBytes(d.Int32s.AsSpan(at, count)), count); break;
            case PhysicalType.Int64: CopyFixed(src, MemoryMarshal.AsBytes(d.Int64s.AsSpan(at, count)), count); break;
            case PhysicalType.Float: CopyFixed(src, MemoryMarshal.AsBytes(d.Floats.AsSpan(at, count)), count); break;
            case PhysicalType.Double: CopyFixed(src, MemoryMarshal.AsBytes(d.Doubles.AsSpan(at, count)), count); break;
            case PhysicalType.ByteArray:
            {
                var offsets = d.Offsets!;
                var pos = 0;
                var total = offsets[at];
                // First pass validates the lengths and sizes the byte buffer once.
                var needed = 0L;
                for (var i = 0; i < count; i++)
                {
                    if (pos + 4 > src.Length) throw Short(count);
                    var len = BinaryPrimitives.ReadInt32LittleEndian(src.Slice(pos, 4));
                    if (len < 0 || len > src.Length - pos - 4) throw new ParquetFormatException($"byte array length {len} runs past the end of the page");
                    pos += 4 + len;
                    needed += len;
                }
                d.EnsureBytes((int)Math.Min(needed, int.MaxValue));
                var bytes = d.Bytes!;
                pos = 0;
                for (var i = 0; i < count; i++)
                {
                    var len = BinaryPrimitives.ReadInt32LittleEndian(src.Slice(pos, 4));
                    src.Slice(pos + 4, len).CopyTo(bytes.AsSpan(total));
                    pos += 4 + len;
                    total += len;
                    offsets[at + i + 1] = total;
                }
                break;
            }
            case PhysicalType.FixedLenByteArray:
            case PhysicalType.Int96:
            {
                var w = type == PhysicalType.Int96 ? 12 : d.Column.TypeLength;
                if ((long)w * count > src.Length) throw Short(count);
                d.EnsureBytes(w * count);
                var start = d.Offsets![at];
                src[..(w * count)].CopyTo(d.Bytes.AsSpan(start));
                for (var i = 0; i < count; i++) d.Offsets[at + i + 1] = start + (i + 1) * w;
                break;
            }
        }
        d.ValueCount = at + count;
    }

    private static void CopyFixed(ReadOnlySpan<byte> src, Span<byte> dst, int count)
    {
        if (dst.Length > src.Length) throw Short(count);
        src[..dst.Length].CopyTo(dst);
    }

    private static ParquetFormatException Short(int count) => new($"page holds fewer than the {count} values its header announces");

    /// <summary>BOOLEAN with RLE encoding (4-byte length prefix, bit width 1).</summary>
    public static void RleBoolean(ReadOnlySpan<byte> src, ColumnData d, int count)
    {
        if (src.Length < 4) throw Short(count);
        var len = BinaryPrimitives.ReadInt32LittleEndian(src);
        if (len < 0 || len > src.Length - 4) throw new ParquetFormatException("RLE boolean length runs past the end of the page");
        var tmp = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            new RleBitPackedDecoder(src.Slice(4, len), 1).Read(tmp.AsSpan(0, count));
            d.EnsureValues(count);
            for (var i = 0; i < count; i++) d.Booleans![d.ValueCount + i] = tmp[i] != 0;
            d.ValueCount += count;
        }
        finally { ArrayPool<byte>.Shared.Return(tmp); }
    }

    /// <summary>Dictionary indices (bit width byte, then RLE hybrid) gathered from <paramref name="dict"/>.</summary>
    public static void Dictionary(ReadOnlySpan<byte> src, ColumnData d, ColumnData? dict, int count)
    {
        if (dict == null) throw new ParquetFormatException("a dictionary-encoded page has no dictionary page before it");
        if (count == 0) return;
        if (src.Length < 1) throw Short(count);
        var idx = ArrayPool<int>.Shared.Rent(count);
        try
        {
            var indices = idx.AsSpan(0, count);
            new RleBitPackedDecoder(src[1..], src[0]).Read(indices);
            var n = dict.ValueCount;
            foreach (var i in indices)
                if ((uint)i >= (uint)n) throw new ParquetFormatException($"dictionary index {i} is outside the dictionary of {n} values");
            Gather(dict, indices, d);
        }
        finally { ArrayPool<int>.Shared.Return(idx); }
    }

    private static void Gather(ColumnData dict, ReadOnlySpan<int> indices, ColumnData d)
    {
        var count = indices.Length;
        d.EnsureValues(count);
        var at = d.ValueCount;
        switch (d.Column.PhysicalType)
        {
            case PhysicalType.Boolean: { var s = dict.Booleans!; var t = d.Booleans!; for (var i = 0; i < count; i++) t[at + i] = s[indices[i]]; break; }
            case PhysicalType.Int32: { var s = dict.Int32s!; var t = d.Int32s!; for (var i = 0; i < count; i++) t[at + i] = s[indices[i]]; break; }
            case PhysicalType.Int64: { var s = dict.Int64s!; var t = d.Int64s!; for (var i = 0; i < count; i++) t[at + i] = s[indices[i]]; break; }
            case PhysicalType.Float: { var s = dict.Floats!; var t = d.Floats!; for (var i = 0; i < count; i++) t[at + i] = s[indices[i]]; break; }
            case PhysicalType.Double: { var s = dict.Doubles!; var t = d.Doubles!; for (var i = 0; i < count; i++) t[at + i] = s[indices[i]]; break; }
            default:
            {
                var so = dict.Offsets!;
                long needed = 0;
                foreach (var i in indices) needed += so[i + 1] - so[i];
                if (needed > int.MaxValue) throw new ParquetFormatException("a page expands to more than 2 GB of bytes");
                d.EnsureBytes((int)needed);
                var sb = dict.Bytes!;
                var tb = d.Bytes!;
                var to = d.Offsets!;
                var pos = to[at];
                for (var k = 0; k < count; k++)
                {
                    var i = indices[k];
                    var start = so[i];
                    var len = so[i + 1] - start;
                    if (len <= 16) { for (var b = 0; b < len; b++) tb[pos + b] = sb[start + b]; }
                    else Buffer.BlockCopy(sb, start, tb, pos, len);
                    pos += len;
                    to[at + k + 1] = pos;
                }
                break;
            }
        }
        d.ValueCount = at + count;
    }

    /// <summary>DELTA_BINARY_PACKED for INT32/INT64 columns.</summary>
    public static int DeltaBinaryPacked(ReadOnlySpan<byte> src, ColumnData d, int count)
    {
        var values = ArrayPool<long>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var used = DeltaBinaryPackedDecoder.Decode(src, values.AsSpan(0, count));
            d.EnsureValues(count);
            if (d.Column.PhysicalType == PhysicalType.Int32)
                for (var i = 0; i < count; i++) d.Int32s![d.ValueCount + i] = (int)values[i];
            else if (d.Column.PhysicalType == PhysicalType.Int64)
                values.AsSpan(0, count).CopyTo(d.Int64s.AsSpan(d.ValueCount));
            else throw new ParquetFormatException($"DELTA_BINARY_PACKED is not valid for {d.Column.PhysicalType}");
            d.ValueCount += count;
            return used;
        }
        finally { ArrayPool<long>.Shared.Return(values); }
    }

    /// <summary>DELTA_LENGTH_BYTE_ARRAY.</summary>
    public static void DeltaLengthByteArray(ReadOnlySpan<byte> src, ColumnData d, int count)
    {
        var lengths = ArrayPool<long>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var used = DeltaBinaryPackedDecoder.Decode(src, lengths.AsSpan(0, count));
            var data = src[used..];
            long total = 0;
            for (var i = 0; i < count; i++)
            {
                if (lengths[i] < 0) throw new ParquetFormatException("negative byte array length in DELTA_LENGTH_BYTE_ARRAY");
                total += lengths[i];
            }
            if (total > data.Length) throw Short(count);
            d.EnsureValues(count);
            d.EnsureBytes((int)total);
            var at = d.ValueCount;
            var pos = d.Offsets![at];
            data[..(int)total].CopyTo(d.Bytes.AsSpan(pos));
            for (var i = 0; i < count; i++)
            {
                pos += (int)lengths[i];
                d.Offsets[at + i + 1] = pos;
            }
            d.ValueCount = at + count;
        }
        finally { ArrayPool<long>.Shared.Return(lengths); }
    }

    /// <summary>DELTA_BYTE_ARRAY (prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY).</summary>
    public static void DeltaByteArray(ReadOnlySpan<byte> src, ColumnData d, int count)
    {
        var prefixes = ArrayPool<long>.Shared.Rent(Math.Max(count, 1));
        var suffixLengths = ArrayPool<long>.Shared.Rent(Math.Max(count, 1));
        try
        {
            var used = DeltaBinaryPackedDecoder.Decode(src, prefixes.AsSpan(0, count));
            var rest = src[used..];
            var used2 = DeltaBinaryPackedDecoder.Decode(rest, suffixLengths.AsSpan(0, count));
            var data = rest[used2..];
            // First pass validates every prefix and suffix and sizes the byte buffer once for the whole page: the
            // buffer may already be full with values of earlier pages (e.g. dictionary-encoded ones before a fallback).
            long total = 0;
            long suffixTotal = 0;
            long prevLen = 0;
            for (var i = 0; i < count; i++)
            {
                var p = prefixes[i];
                var s = suffixLengths[i];
                if (p < 0 || s < 0 || p > prevLen || s > data.Length - suffixTotal)
                    throw new ParquetFormatException($"corrupt DELTA_BYTE_ARRAY data at value {i} of {count} (prefix {p}, suffix {s})");
                suffixTotal += s;
                prevLen = p + s;
                total += prevLen;
                if (total > int.MaxValue) throw new ParquetFormatException("a DELTA_BYTE_ARRAY page expands to more than 2 GB of bytes");
            }
            d.EnsureValues(count);
            d.EnsureBytes((int)total);
            var at = d.ValueCount;
            var bytes = d.Bytes!;
            var offsets = d.Offsets!;
            var dataPos = 0;
            var prevStart = 0;
            for (var i = 0; i < count; i++)
            {
                var p = (int)prefixes[i];
                var s = (int)suffixLengths[i];
                var start = offsets[at + i];
                if (p > 0) Buffer.BlockCopy(bytes, prevStart, bytes, start, p);
                data.Slice(dataPos, s).CopyTo(bytes.AsSpan(start + p));
                dataPos += s;
                offsets[at + i + 1] = start + p + s;
                prevStart = start;
            }
            d.ValueCount = at + count;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(prefixes);
            ArrayPool<long>.Shared.Return(suffixLengths);
        }
    }

    /// <summary>BYTE_STREAM_SPLIT for fixed-width types.</summary>
    public static void ByteStreamSplit(ReadOnlySpan<byte> src, ColumnData d, int count)
    {
        var w = d.Column.PhysicalType switch
        {
            PhysicalType.Int32 or PhysicalType.Float => 4,
            PhysicalType.Int64 or PhysicalType.Double => 8,
            PhysicalType.FixedLenByteArray => d.Column.TypeLength,
            _ => throw new ParquetFormatException($"BYTE_STREAM_SPLIT is not valid for {d.Column.PhysicalType}"),
        };
        if ((long)w * count > src.Length) throw Short(count);
        var tmp = ArrayPool<byte>.Shared.Rent(Math.Max(w * count, 1));
        try
        {
            // The page holds `count` encoded values but may be padded; the streams are spaced by the value count.
            var n = count;
            var stride = src.Length / w;
            if (stride < n) throw Short(count);
            for (var k = 0; k < w; k++)
            {
                var stream = src.Slice(k * stride, n);
                for (var i = 0; i < n; i++) tmp[i * w + k] = stream[i];
            }
            Plain(tmp.AsSpan(0, w * count), d, count);
        }
        finally { ArrayPool<byte>.Shared.Return(tmp); }
    }
}
