namespace SelfSpec.Parquet.Encodings;

/// <summary>Decodes DELTA_BINARY_PACKED integer sequences.</summary>
internal static class DeltaBinaryPackedDecoder
{
    /// <summary>Decodes <c>dst.Length</c> values (the header may announce more); returns the bytes consumed.</summary>
    public static int Decode(ReadOnlySpan<byte> src, Span<long> dst)
    {
        var pos = 0;
        var blockSize = (long)ReadUVarint(src, ref pos);
        var miniBlocks = (long)ReadUVarint(src, ref pos);
        var total = (long)ReadUVarint(src, ref pos);
        var first = ZigZag(ReadUVarint(src, ref pos));
        if (blockSize <= 0 || blockSize % 128 != 0 || miniBlocks <= 0 || blockSize % miniBlocks != 0 || (blockSize / miniBlocks) % 32 != 0 || blockSize > 1 << 20)
            throw new ParquetFormatException("corrupt DELTA_BINARY_PACKED header");
        if (total < dst.Length) throw new ParquetFormatException($"DELTA_BINARY_PACKED holds {total} values, {dst.Length} expected");
        var perMini = (int)(blockSize / miniBlocks);
        if (total == 0) return pos;
        var count = dst.Length;
        if (count > 0) dst[0] = first;
        var produced = 1;
        var remaining = total - 1; // values still encoded in the stream (needed to skip to its end)
        var last = first;
        // Sizes come from the file: rent rather than stackalloc.
        var miniArray = System.Buffers.ArrayPool<long>.Shared.Rent(perMini);
        var widthArray = System.Buffers.ArrayPool<byte>.Shared.Rent((int)miniBlocks);
        try
        {
            var mini = miniArray.AsSpan(0, perMini);
            var widths = widthArray.AsSpan(0, (int)miniBlocks);
            while (remaining > 0)
            {
                var minDelta = ZigZag(ReadUVarint(src, ref pos));
                if (pos + miniBlocks > src.Length) throw new ParquetFormatException("DELTA_BINARY_PACKED block runs past the end of the page");
                src.Slice(pos, (int)miniBlocks).CopyTo(widths);
                pos += (int)miniBlocks;
                for (var m = 0; m < miniBlocks && remaining > 0; m++)
                {
                    var w = widths[m];
                    if (w > 64) throw new ParquetFormatException($"DELTA_BINARY_PACKED bit width {w}");
                    var bytes = perMini * w / 8;
                    if (pos + bytes > src.Length) throw new ParquetFormatException("DELTA_BINARY_PACKED miniblock runs past the end of the page");
                    BitPacking.Unpack64(src.Slice(pos, bytes), w, mini, perMini);
                    pos += bytes;
                    var take = (int)Math.Min(perMini, remaining);
                    for (var i = 0; i < take; i++)
                    {
                        last = unchecked(last + minDelta + mini[i]);
                        if (produced < count) dst[produced] = last;
                        produced++;
                    }
                    remaining -= take;
                }
            }
            return pos;
        }
        finally
        {
            System.Buffers.ArrayPool<long>.Shared.Return(miniArray);
            System.Buffers.ArrayPool<byte>.Shared.Return(widthArray);
        }
    }

    private static ulong ReadUVarint(ReadOnlySpan<byte> src, ref int pos)
    {
        ulong v = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (pos >= src.Length) throw new ParquetFormatException("DELTA_BINARY_PACKED data ends inside a varint");
            var b = src[pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw new ParquetFormatException("DELTA_BINARY_PACKED varint too long");
    }

    private static long ZigZag(ulong n) => (long)(n >> 1) ^ -(long)(n & 1);
}
