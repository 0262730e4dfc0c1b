using System.Runtime.CompilerServices;

namespace SelfSpec.Retrieval.Index;

/// <summary>Frame-of-reference bit packing of non-negative ints (the postings block codec).</summary>
internal static class BitPacking
{
    /// <summary>Bits needed for the largest of <paramref name="values"/>.</summary>
    public static int BitsRequired(ReadOnlySpan<int> values)
    {
        uint or = 0;
        foreach (var v in values) or |= (uint)v;
        return 32 - System.Numerics.BitOperations.LeadingZeroCount(or);
    }

    /// <summary>Bytes that <paramref name="count"/> values of <paramref name="bits"/> bits take.</summary>
    public static int PackedBytes(int count, int bits) => (count * bits + 7) >> 3;

    /// <summary>Appends <paramref name="values"/> packed at <paramref name="bits"/> bits each.</summary>
    public static void Pack(ReadOnlySpan<int> values, int bits, Stream output)
    {
        if (bits == 0) return;
        ulong acc = 0;
        int filled = 0;
        foreach (var v in values)
        {
            acc |= (ulong)(uint)v << filled;
            filled += bits;
            while (filled >= 8)
            {
                output.WriteByte((byte)acc);
                acc >>= 8;
                filled -= 8;
            }
        }
        if (filled > 0) output.WriteByte((byte)acc);
    }

    /// <summary>Unpacks <paramref name="count"/> values; the source must have 8 readable bytes past its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Unpack(byte* source, int bits, int count, int* destination)
    {
        if (bits == 0)
        {
            new Span<int>(destination, count).Clear();
            return;
        }
        ulong mask = (1UL << bits) - 1;
        long bitPos = 0;
        for (int i = 0; i < count; i++, bitPos += bits)
        {
            ulong word = Unsafe.ReadUnaligned<ulong>(source + (bitPos >> 3));
            destination[i] = (int)((word >> (int)(bitPos & 7)) & mask);
        }
    }
}
