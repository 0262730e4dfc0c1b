using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SelfSpec.Parquet.Encodings;

/// <summary>Little-endian (LSB-first) bit packing as used by the RLE hybrid and DELTA encodings.</summary>
internal static class BitPacking
{
    /// <summary>Unpacks <paramref name="count"/> values of <paramref name="bitWidth"/> bits; <paramref name="src"/> must hold them.</summary>
    public static void Unpack(ReadOnlySpan<byte> src, int bitWidth, Span<int> dst, int count)
    {
        if (bitWidth == 0) { dst[..count].Clear(); return; }
        var mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        long bit = 0;
        for (var i = 0; i < count; i++, bit += bitWidth)
            dst[i] = (int)(Read64(src, bit) & mask);
    }

    public static void Unpack(ReadOnlySpan<byte> src, int bitWidth, Span<byte> dst, int count)
    {
        if (bitWidth == 0) { dst[..count].Clear(); return; }
        var mask = (1u << bitWidth) - 1;
        if (bitWidth == 1)
        {
            for (var i = 0; i < count; i++) dst[i] = (byte)((src[i >> 3] >> (i & 7)) & 1);
            return;
        }
        long bit = 0;
        for (var i = 0; i < count; i++, bit += bitWidth)
            dst[i] = (byte)(Read64(src, bit) & mask);
    }

    public static void Unpack64(ReadOnlySpan<byte> src, int bitWidth, Span<long> dst, int count)
    {
        if (bitWidth == 0) { dst[..count].Clear(); return; }
        var mask = bitWidth == 64 ? ulong.MaxValue : (1UL << bitWidth) - 1;
        long bit = 0;
        for (var i = 0; i < count; i++, bit += bitWidth)
        {
            var byteIndex = (int)(bit >> 3);
            var shift = (int)(bit & 7);
            var v = Read64At(src, byteIndex) >> shift;
            if (shift + bitWidth > 64) v |= (ulong)ByteAt(src, byteIndex + 8) << (64 - shift);
            dst[i] = (long)(v & mask);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read64(ReadOnlySpan<byte> src, long bit)
    {
        var byteIndex = (int)(bit >> 3);
        var shift = (int)(bit & 7);
        return Read64At(src, byteIndex) >> shift; // up to 32-bit values fit in 57 bits after shifting
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Read64At(ReadOnlySpan<byte> src, int byteIndex)
    {
        if (byteIndex + 8 <= src.Length) return BinaryPrimitives.ReadUInt64LittleEndian(src.Slice(byteIndex, 8));
        ulong v = 0;
        for (var k = 0; k < 8 && byteIndex + k < src.Length; k++) v |= (ulong)src[byteIndex + k] << (8 * k);
        return v;
    }

    private static byte ByteAt(ReadOnlySpan<byte> src, int i) => i < src.Length ? src[i] : (byte)0;

    /// <summary>Packs <paramref name="count"/> values (count a multiple of 8 or padded with zeros) into <paramref name="dst"/>; returns bytes written.</summary>
    public static int Pack(ReadOnlySpan<int> values, int count, int bitWidth, Span<byte> dst)
    {
        var bytes = (count * bitWidth + 7) / 8;
        dst[..bytes].Clear();
        if (bitWidth == 0) return 0;
        long bit = 0;
        for (var i = 0; i < count; i++, bit += bitWidth)
        {
            ulong v = (uint)values[i];
            var byteIndex = (int)(bit >> 3);
            var shift = (int)(bit & 7);
            v <<= shift;
            for (var k = 0; v != 0 && byteIndex + k < bytes; k++, v >>= 8) dst[byteIndex + k] |= (byte)v;
        }
        return bytes;
    }

    public static int BitWidth(uint maxValue) => maxValue == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount(maxValue);
}
