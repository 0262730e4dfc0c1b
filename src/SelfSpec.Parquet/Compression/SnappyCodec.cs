using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SelfSpec.Parquet.Compression;

/// <summary>
/// Snappy block format (raw, no framing), as Parquet's SNAPPY codec uses it. Our own span-based implementation: it
/// decodes into a caller's buffer without allocating and runs several times faster than the managed port we started
/// with (tests cross-check it against IronSnappy in both directions).
/// </summary>
internal static class SnappyCodec
{
    private const int BlockSize = 1 << 16;
    private const int MaxHashTableBits = 14;

    public static int MaxCompressedLength(int length) => 32 + length + length / 6;

    /// <summary>Reads the uncompressed length from the preamble.</summary>
    public static int GetUncompressedLength(ReadOnlySpan<byte> src)
    {
        uint v = 0;
        for (int i = 0, shift = 0; i < 5; i++, shift += 7)
        {
            if (i >= src.Length) throw new ParquetFormatException("SNAPPY data ends inside the length preamble");
            var b = src[i];
            v |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (v > int.MaxValue) throw new ParquetFormatException("SNAPPY length preamble is too large");
                return (int)v;
            }
        }
        throw new ParquetFormatException("SNAPPY length preamble is too long");
    }

    /// <summary>Decompresses <paramref name="src"/> into <paramref name="dst"/>, which must be exactly the uncompressed length.</summary>
    public static void Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var length = GetUncompressedLength(src);
        if (length != dst.Length) throw new ParquetFormatException($"SNAPPY data holds {length} bytes, {dst.Length} expected");
        var s = 0;
        while ((src[s++] & 0x80) != 0) { }
        var d = 0;
        ref var dref = ref MemoryMarshal.GetReference(dst);
        while (s < src.Length)
        {
            var tag = src[s++];
            int len, offset;
            switch (tag & 3)
            {
                case 0:
                {
                    len = tag >> 2;
                    if (len >= 60)
                    {
                        var extra = len - 59;
                        if (s + extra > src.Length) throw Corrupt();
                        len = 0;
                        for (var k = 0; k < extra; k++) len |= src[s + k] << (8 * k);
                        s += extra;
                        if (len is < 0 or int.MaxValue) throw Corrupt();
                    }
                    len += 1;
                    if (len > src.Length - s || len > dst.Length - d) throw Corrupt();
                    src.Slice(s, len).CopyTo(dst[d..]);
                    s += len;
                    d += len;
                    continue;
                }
                case 1:
                    if (s >= src.Length) throw Corrupt();
                    len = 4 + ((tag >> 2) & 7);
                    offset = ((tag >> 5) << 8) | src[s++];
                    break;
                case 2:
                    if (s + 2 > src.Length) throw Corrupt();
                    len = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadUInt16LittleEndian(src[s..]);
                    s += 2;
                    break;
                default:
                    if (s + 4 > src.Length) throw Corrupt();
                    len = 1 + (tag >> 2);
                    offset = BinaryPrimitives.ReadInt32LittleEndian(src[s..]);
                    s += 4;
                    break;
            }
            if (offset <= 0 || offset > d || len > dst.Length - d) throw Corrupt();
            if (offset >= 8 && d + len + 8 <= dst.Length)
            {
                // Forward 8-byte steps never read bytes this copy has not written yet when offset >= 8.
                for (var k = 0; k < len; k += 8)
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref dref, d + k), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref dref, d - offset + k)));
            }
            else
            {
                for (var k = 0; k < len; k++) Unsafe.Add(ref dref, d + k) = Unsafe.Add(ref dref, d - offset + k);
            }
            d += len;
        }
        if (d != dst.Length) throw new ParquetFormatException($"SNAPPY data decompressed to {d} bytes, {dst.Length} expected");
    }

    private static ParquetFormatException Corrupt() => new("corrupt SNAPPY data");

    /// <summary>Compresses <paramref name="src"/> into <paramref name="dst"/> (at least <see cref="MaxCompressedLength"/>); returns the bytes written.</summary>
    public static int Compress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        if (dst.Length < MaxCompressedLength(src.Length)) throw new ArgumentException("destination too small", nameof(dst));
        var d = 0;
        var n = (uint)src.Length;
        while (n >= 0x80)
        {
            dst[d++] = (byte)(n | 0x80);
            n >>= 7;
        }
        dst[d++] = (byte)n;
        Span<ushort> table = stackalloc ushort[1 << MaxHashTableBits];
        for (var start = 0; start < src.Length; start += BlockSize)
        {
            var block = src.Slice(start, Math.Min(BlockSize, src.Length - start));
            d += CompressBlock(block, dst[d..], table);
        }
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Load32(ref byte b, int i) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(uint v, int shift) => (int)((v * 0x1E35A7BDu) >> shift);

    private static int CompressBlock(ReadOnlySpan<byte> src, Span<byte> dst, Span<ushort> table)
    {
        var n = src.Length;
        var d = 0;
        if (n < 17)
        {
            return n == 0 ? 0 : EmitLiteral(dst, 0, src);
        }
        var tableBits = Math.Clamp(BitOperations.Log2((uint)n - 1) + 1, 8, MaxHashTableBits);
        var shift = 32 - tableBits;
        table[..(1 << tableBits)].Clear();
        ref var s = ref MemoryMarshal.GetReference(src);
        var inputLimit = n - 15; // leave room for 8-byte loads while extending and 4-byte hashing
        var nextEmit = 0;
        var ip = 1;
        var nextHash = Hash(Load32(ref s, ip), shift);
        while (true)
        {
            var skip = 32;
            var nextIp = ip;
            int candidate;
            do
            {
                ip = nextIp;
                var h = nextHash;
                nextIp = ip + (skip++ >> 5);
                if (nextIp > inputLimit) goto EmitRemainder;
                nextHash = Hash(Load32(ref s, nextIp), shift);
                candidate = table[h];
                table[h] = (ushort)ip;
            } while (Load32(ref s, ip) != Load32(ref s, candidate));

            d += EmitLiteral(dst, d, src[nextEmit..ip]);
            while (true)
            {
                // Extend the match 8 bytes at a time.
                var matched = 4;
                while (ip + matched + 8 <= n)
                {
                    var x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, ip + matched)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, candidate + matched));
                    if (x != 0)
                    {
                        matched += BitOperations.TrailingZeroCount(x) >> 3;
                        goto Matched;
                    }
                    matched += 8;
                }
                while (ip + matched < n && Unsafe.Add(ref s, ip + matched) == Unsafe.Add(ref s, candidate + matched)) matched++;
            Matched:
                d += EmitCopy(dst, d, ip - candidate, matched);
                ip += matched;
                nextEmit = ip;
                if (ip >= inputLimit) goto EmitRemainder;
                // Insert the previous position and try the current one as the next match start.
                table[Hash(Load32(ref s, ip - 1), shift)] = (ushort)(ip - 1);
                var h = Hash(Load32(ref s, ip), shift);
                candidate = table[h];
                table[h] = (ushort)ip;
                if (Load32(ref s, ip) != Load32(ref s, candidate)) break;
            }
            ip++;
            nextHash = Hash(Load32(ref s, ip), shift);
        }
    EmitRemainder:
        if (nextEmit < n) d += EmitLiteral(dst, d, src[nextEmit..]);
        return d;
    }

    private static int EmitLiteral(Span<byte> dst, int d, ReadOnlySpan<byte> literal)
    {
        var start = d;
        var n = literal.Length - 1;
        if (n < 60) dst[d++] = (byte)(n << 2);
        else if (n < 1 << 8) { dst[d++] = 60 << 2; dst[d++] = (byte)n; }
        else if (n < 1 << 16) { dst[d++] = 61 << 2; dst[d++] = (byte)n; dst[d++] = (byte)(n >> 8); }
        else if (n < 1 << 24) { dst[d++] = 62 << 2; dst[d++] = (byte)n; dst[d++] = (byte)(n >> 8); dst[d++] = (byte)(n >> 16); }
        else { dst[d++] = 63 << 2; BinaryPrimitives.WriteInt32LittleEndian(dst[d..], n); d += 4; }
        literal.CopyTo(dst[d..]);
        return d + literal.Length - start;
    }

    private static int EmitCopy(Span<byte> dst, int d, int offset, int len)
    {
        var start = d;
        while (len >= 68)
        {
            d += EmitCopy2(dst, d, offset, 64);
            len -= 64;
        }
        if (len > 64)
        {
            d += EmitCopy2(dst, d, offset, 60);
            len -= 60;
        }
        if (len < 12 && offset < 2048)
        {
            dst[d++] = (byte)(1 | ((len - 4) << 2) | ((offset >> 8) << 5));
            dst[d++] = (byte)offset;
        }
        else d += EmitCopy2(dst, d, offset, len);
        return d - start;
    }

    private static int EmitCopy2(Span<byte> dst, int d, int offset, int len)
    {
        dst[d] = (byte)(2 | ((len - 1) << 2));
        BinaryPrimitives.WriteUInt16LittleEndian(dst[(d + 1)..], (ushort)offset);
        return 3;
    }
}
