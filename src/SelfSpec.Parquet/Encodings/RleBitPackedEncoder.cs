namespace SelfSpec.Parquet.Encodings;

/// <summary>Encodes values with the RLE / bit-packed hybrid: runs of 8+ equal values as RLE, the rest bit-packed.</summary>
internal static class RleBitPackedEncoder
{
    /// <summary>Worst-case output size.</summary>
    public static int MaxSize(int count, int bitWidth) => (count + 7) / 8 * (bitWidth + 14) + 16;

    public static int Encode(ReadOnlySpan<byte> values, int bitWidth, Span<byte> dst)
    {
        var tmp = System.Buffers.ArrayPool<int>.Shared.Rent(Math.Max(values.Length, 1));
        try
        {
            for (var i = 0; i < values.Length; i++) tmp[i] = values[i];
            return Encode(tmp.AsSpan(0, values.Length), bitWidth, dst);
        }
        finally { System.Buffers.ArrayPool<int>.Shared.Return(tmp); }
    }

    public static int Encode(ReadOnlySpan<int> values, int bitWidth, Span<byte> dst)
    {
        var pos = 0;
        var byteWidth = (bitWidth + 7) / 8;
        var i = 0;
        var n = values.Length;
        Span<int> group = stackalloc int[8];
        while (i < n)
        {
            // Measure the run at i.
            var v = values[i];
            var run = 1;
            while (i + run < n && values[i + run] == v) run++;
            if (run >= 8)
            {
                pos += WriteVarint(dst[pos..], (ulong)run << 1);
                for (var b = 0; b < byteWidth; b++) dst[pos++] = (byte)(v >> (8 * b));
                i += run;
                continue;
            }
            // Bit-pack groups of 8 until a run of 8 equal values starts at a group boundary.
            var start = i;
            var groups = 0;
            while (i < n)
            {
                if (groups > 0)
                {
                    var r = 1;
                    while (i + r < n && r < 8 && values[i + r] == values[i]) r++;
                    if (r >= 8) break;
                }
                i = Math.Min(n, i + 8);
                groups++;
                if (groups == 63) break; // keeps the header in one byte
            }
            pos += WriteVarint(dst[pos..], ((ulong)groups << 1) | 1);
            for (var g = 0; g < groups; g++)
            {
                group.Clear();
                var s = start + g * 8;
                for (var k = 0; k < 8 && s + k < n; k++) group[k] = values[s + k];
                pos += BitPacking.Pack(group, 8, bitWidth, dst[pos..]);
            }
            i = Math.Min(n, start + groups * 8);
        }
        return pos;
    }

    private static int WriteVarint(Span<byte> dst, ulong v)
    {
        var i = 0;
        while (v >= 0x80)
        {
            dst[i++] = (byte)(v | 0x80);
            v >>= 7;
        }
        dst[i++] = (byte)v;
        return i;
    }
}
