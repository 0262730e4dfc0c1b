using System.Runtime.CompilerServices;

namespace SelfSpec.Parquet.Compression.Zstd;

/// <summary>
/// Reads a Zstandard backward bit stream: written forwards, read from the last bit to the first, starting below
/// the highest set bit of the final byte. Reading past the start yields zero bits and marks <see cref="Overflowed"/>.
/// </summary>
internal ref struct BackwardBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private long _bitPos; // number of bits not yet read; the next bit read is bit _bitPos - 1

    public BackwardBitReader(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0 || data[^1] == 0) throw new ParquetFormatException("corrupt ZSTD bit stream (missing end marker)");
        _data = data;
        var last = data[^1];
        var high = 7 - System.Numerics.BitOperations.LeadingZeroCount((uint)last) + 24; // index of the marker bit
        _bitPos = (data.Length - 1) * 8L + high;
    }

    public readonly bool Overflowed => _bitPos < 0;

    public readonly bool Finished => _bitPos == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ReadBits(int n)
    {
        if (n == 0) return 0;
        _bitPos -= n;
        return Extract(_bitPos, n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint Peek(int n) => Extract(_bitPos - n, n);

    public void Skip(int n) => _bitPos -= n;

    private readonly uint Extract(long pos, int n)
    {
        if (pos < 0)
        {
            var have = n + pos;
            return have <= 0 ? 0 : Extract(0, (int)have) << (int)-pos;
        }
        var byteIndex = (int)(pos >> 3);
        ulong v = 0;
        var end = Math.Min(_data.Length, byteIndex + 8);
        for (int i = byteIndex, k = 0; i < end; i++, k += 8) v |= (ulong)_data[i] << k;
        return (uint)((v >> (int)(pos & 7)) & ((1UL << n) - 1));
    }
}
