using System.Buffers.Binary;

namespace SelfSpec.Parquet.Compression.Zstd;

/// <summary>
/// Decompresses Zstandard frames (RFC 8878) without dictionaries, as Parquet's ZSTD codec stores pages.
/// Every malformed input raises <see cref="ParquetFormatException"/>.
/// </summary>
internal sealed class ZstdDecoder
{
    private static readonly short[] LiteralLengthDefault = [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];
    private static readonly short[] MatchLengthDefault = [1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1];
    private static readonly short[] OffsetDefault = [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];
    private static readonly FseTable LiteralLengthPredefined = FseTable.Predefined(LiteralLengthDefault, 6);
    private static readonly FseTable MatchLengthPredefined = FseTable.Predefined(MatchLengthDefault, 6);
    private static readonly FseTable OffsetPredefined = FseTable.Predefined(OffsetDefault, 5);

    private static readonly int[] LiteralLengthBase = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];
    private static readonly byte[] LiteralLengthBits = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    private static readonly int[] MatchLengthBase =
    [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
        35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
    ];
    private static readonly byte[] MatchLengthBits =
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ];

    // State that carries from block to block within a frame.
    private HuffmanTable? _huffman;
    private FseTable? _llTable, _ofTable, _mlTable;
    private readonly int[] _rep = new int[3];
    private byte[] _literals = new byte[1 << 17];

    /// <summary>Decompresses all frames in <paramref name="src"/> into <paramref name="dst"/>, which must be exactly filled.</summary>
    public static void Decompress(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        var decoder = new ZstdDecoder();
        var s = 0;
        var d = 0;
        while (s < src.Length)
        {
            if (src.Length - s < 4) throw Corrupt("truncated frame");
            var magic = BinaryPrimitives.ReadUInt32LittleEndian(src[s..]);
            if ((magic & 0xFFFFFFF0) == 0x184D2A50)
            {
                if (src.Length - s < 8) throw Corrupt("truncated skippable frame");
                var size = BinaryPrimitives.ReadUInt32LittleEndian(src[(s + 4)..]);
                if (size > (uint)(src.Length - s - 8)) throw Corrupt("skippable frame runs past the data");
                s += 8 + (int)size;
                continue;
            }
            if (magic != 0xFD2FB528) throw Corrupt($"bad frame magic {magic:x8}");
            s += 4;
            decoder.Frame(src, ref s, dst, ref d);
        }
        if (d != dst.Length) throw Corrupt($"decompressed to {d} bytes, {dst.Length} expected");
    }

    private static ParquetFormatException Corrupt(string what) => new($"corrupt ZSTD data: {what}");

    private void Frame(ReadOnlySpan<byte> src, ref int s, Span<byte> dst, ref int d)
    {
        if (s >= src.Length) throw Corrupt("truncated frame header");
        var fhd = src[s++];
        var fcsFlag = fhd >> 6;
        var singleSegment = (fhd & 0x20) != 0;
        var checksum = (fhd & 0x04) != 0;
        var dictFlag = fhd & 3;
        if ((fhd & 0x08) != 0) throw Corrupt("reserved frame header bit set");
        if (!singleSegment) s++; // window descriptor: the whole page is the window
        var dictBytes = dictFlag switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        if (dictBytes > 0)
        {
            if (s + dictBytes > src.Length) throw Corrupt("truncated frame header");
            uint id = 0;
            for (var i = 0; i < dictBytes; i++) id |= (uint)src[s + i] << (8 * i);
            if (id != 0) throw new ParquetFormatException("ZSTD frames that need a dictionary are not supported", kind: ParquetErrorKind.Unsupported);
            s += dictBytes;
        }
        s += fcsFlag switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        if (s > src.Length) throw Corrupt("truncated frame header");
        _huffman = null;
        _llTable = _ofTable = _mlTable = null;
        _rep[0] = 1; _rep[1] = 4; _rep[2] = 8;
        var frameStart = d;
        while (true)
        {
            if (s + 3 > src.Length) throw Corrupt("truncated block header");
            var header = src[s] | (src[s + 1] << 8) | (src[s + 2] << 16);
            s += 3;
            var last = (header & 1) != 0;
            var type = (header >> 1) & 3;
            var size = header >> 3;
            switch (type)
            {
                case 0:
                    if (size > src.Length - s || size > dst.Length - d) throw Corrupt("raw block runs past the data");
                    src.Slice(s, size).CopyTo(dst[d..]);
                    s += size;
                    d += size;
                    break;
                case 1:
                    if (s >= src.Length || size > dst.Length - d) throw Corrupt("RLE block runs past the data");
                    dst.Slice(d, size).Fill(src[s]);
                    s += 1;
                    d += size;
                    break;
                case 2:
                    if (size > src.Length - s) throw Corrupt("compressed block runs past the data");
                    CompressedBlock(src.Slice(s, size), dst, ref d, frameStart);
                    s += size;
                    break;
                default: throw Corrupt("reserved block type");
            }
            if (last) break;
        }
        if (checksum) s += 4;
        if (s > src.Length) throw Corrupt("truncated checksum");
    }

    private void CompressedBlock(ReadOnlySpan<byte> block, Span<byte> dst, ref int d, int frameStart)
    {
        var p = ReadLiterals(block, out var literalCount);
        var literals = _literals.AsSpan(0, literalCount);
        if (p >= block.Length) throw Corrupt("missing sequences section");
        int nbSeq = block[p++];
        if (nbSeq >= 128)
        {
            if (nbSeq < 255)
            {
                if (p >= block.Length) throw Corrupt("truncated sequence count");
                nbSeq = ((nbSeq - 128) << 8) + block[p++];
            }
            else
            {
                if (p + 2 > block.Length) throw Corrupt("truncated sequence count");
                nbSeq = block[p] + (block[p + 1] << 8) + 0x7F00;
                p += 2;
            }
        }
        if (nbSeq == 0)
        {
            if (literals.Length > dst.Length - d) throw Corrupt("literals overflow the page");
            literals.CopyTo(dst[d..]);
            d += literals.Length;
            return;
        }
        if (p >= block.Length) throw Corrupt("missing compression modes");
        var modes = block[p++];
        _llTable = Table((modes >> 6) & 3, block, ref p, LiteralLengthPredefined, _llTable, 35, 9);
        _ofTable = Table((modes >> 4) & 3, block, ref p, OffsetPredefined, _ofTable, 31, 8);
        _mlTable = Table((modes >> 2) & 3, block, ref p, MatchLengthPredefined, _mlTable, 52, 9);
        var reader = new BackwardBitReader(block[p..]);
        var ll = (int)reader.ReadBits(_llTable.AccuracyLog);
        var of = (int)reader.ReadBits(_ofTable.AccuracyLog);
        var ml = (int)reader.ReadBits(_mlTable.AccuracyLog);
        var lit = 0;
        for (var i = 0; i < nbSeq; i++)
        {
            var ofCode = _ofTable.Symbol[of];
            var mlCode = _mlTable.Symbol[ml];
            var llCode = _llTable.Symbol[ll];
            if (ofCode > 31 || mlCode > 52 || llCode > 35) throw Corrupt("sequence code out of range");
            var offsetValue = (1L << ofCode) + reader.ReadBits(ofCode);
            var matchLength = MatchLengthBase[mlCode] + (int)reader.ReadBits(MatchLengthBits[mlCode]);
            var literalLength = LiteralLengthBase[llCode] + (int)reader.ReadBits(LiteralLengthBits[llCode]);
            int offset;
            if (offsetValue > 3)
            {
                offset = (int)Math.Min(offsetValue - 3, int.MaxValue);
                _rep[2] = _rep[1]; _rep[1] = _rep[0]; _rep[0] = offset;
            }
            else
            {
                var idx = (int)offsetValue - 1 + (literalLength == 0 ? 1 : 0);
                if (idx == 0) offset = _rep[0];
                else
                {
                    offset = idx == 3 ? _rep[0] - 1 : _rep[idx];
                    if (idx != 1) _rep[2] = _rep[1];
                    _rep[1] = _rep[0];
                    _rep[0] = offset;
                }
            }
            if (i + 1 < nbSeq)
            {
                ll = _llTable.NewState[ll] + (int)reader.ReadBits(_llTable.NbBits[ll]);
                ml = _mlTable.NewState[ml] + (int)reader.ReadBits(_mlTable.NbBits[ml]);
                of = _ofTable.NewState[of] + (int)reader.ReadBits(_ofTable.NbBits[of]);
            }
            if (literalLength > literals.Length - lit || literalLength > dst.Length - d) throw Corrupt("literal length runs past the literals");
            literals.Slice(lit, literalLength).CopyTo(dst[d..]);
            lit += literalLength;
            d += literalLength;
            if (offset <= 0 || offset > d - frameStart || matchLength > dst.Length - d) throw Corrupt("match offset or length out of range");
            var from = d - offset;
            if (offset >= matchLength) dst.Slice(from, matchLength).CopyTo(dst[d..]);
            else for (var k = 0; k < matchLength; k++) dst[d + k] = dst[from + k];
            d += matchLength;
        }
        if (reader.Overflowed || !reader.Finished) throw Corrupt("sequence bit stream not fully consumed");
        var rest = literals.Length - lit;
        if (rest > dst.Length - d) throw Corrupt("literals overflow the page");
        literals[lit..].CopyTo(dst[d..]);
        d += rest;
    }

    private static FseTable Table(int mode, ReadOnlySpan<byte> block, ref int p, FseTable predefined, FseTable? previous, int maxSymbol, int maxLog)
    {
        switch (mode)
        {
            case 0: return predefined;
            case 1:
                if (p >= block.Length) throw Corrupt("truncated RLE table");
                if (block[p] > maxSymbol) throw Corrupt("RLE symbol out of range");
                return FseTable.Rle(block[p++]);
            case 2:
                p += FseTable.Read(block[p..], maxSymbol, maxLog, out var t);
                if (p > block.Length) throw Corrupt("FSE table runs past the block");
                return t;
            default:
                return previous ?? throw Corrupt("repeat table mode without a previous table");
        }
    }

    private int ReadLiterals(ReadOnlySpan<byte> block, out int count)
    {
        if (block.Length < 1) throw Corrupt("empty block");
        var b0 = block[0];
        var type = b0 & 3;
        var sizeFormat = (b0 >> 2) & 3;
        int regenerated, compressed = 0, headerSize;
        var fourStreams = false;
        if (type is 0 or 1)
        {
            switch (sizeFormat)
            {
                case 0:
                case 2: regenerated = b0 >> 3; headerSize = 1; break;
                case 1:
                    if (block.Length < 2) throw Corrupt("truncated literals header");
                    regenerated = (b0 >> 4) + (block[1] << 4); headerSize = 2; break;
                default:
                    if (block.Length < 3) throw Corrupt("truncated literals header");
                    regenerated = (b0 >> 4) + (block[1] << 4) + (block[2] << 12); headerSize = 3; break;
            }
        }
        else
        {
            fourStreams = sizeFormat != 0;
            switch (sizeFormat)
            {
                case 0:
                case 1:
                    if (block.Length < 3) throw Corrupt("truncated literals header");
                    regenerated = (b0 >> 4) | ((block[1] & 0x3F) << 4);
                    compressed = (block[1] >> 6) | (block[2] << 2);
                    headerSize = 3;
                    break;
                case 2:
                    if (block.Length < 4) throw Corrupt("truncated literals header");
                    regenerated = (b0 >> 4) | (block[1] << 4) | ((block[2] & 3) << 12);
                    compressed = (block[2] >> 2) | (block[3] << 6);
                    headerSize = 4;
                    break;
                default:
                    if (block.Length < 5) throw Corrupt("truncated literals header");
                    regenerated = (b0 >> 4) | (block[1] << 4) | ((block[2] & 0x3F) << 12);
                    compressed = (block[2] >> 6) | (block[3] << 2) | (block[4] << 10);
                    headerSize = 5;
                    break;
            }
        }
        if (regenerated > 1 << 17) throw Corrupt("literals larger than a block");
        if (_literals.Length < regenerated) _literals = new byte[regenerated];
        var lits = _literals.AsSpan(0, regenerated);
        count = regenerated;
        switch (type)
        {
            case 0:
                if (headerSize + regenerated > block.Length) throw Corrupt("raw literals run past the block");
                block.Slice(headerSize, regenerated).CopyTo(lits);
                return headerSize + regenerated;
            case 1:
                if (headerSize >= block.Length) throw Corrupt("RLE literals run past the block");
                lits.Fill(block[headerSize]);
                return headerSize + 1;
        }
        if (headerSize + compressed > block.Length) throw Corrupt("compressed literals run past the block");
        var data = block.Slice(headerSize, compressed);
        if (type == 2)
        {
            var used = HuffmanTable.Read(data, out var table);
            _huffman = table;
            data = data[used..];
        }
        var huffman = _huffman ?? throw Corrupt("treeless literals without a previous Huffman table");
        if (!fourStreams)
        {
            huffman.Decode(data, lits);
        }
        else
        {
            if (data.Length < 6) throw Corrupt("truncated jump table");
            var s1 = BinaryPrimitives.ReadUInt16LittleEndian(data);
            var s2 = BinaryPrimitives.ReadUInt16LittleEndian(data[2..]);
            var s3 = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
            var streams = data[6..];
            if ((long)s1 + s2 + s3 > streams.Length) throw Corrupt("jump table runs past the literals");
            var segment = (regenerated + 3) / 4;
            if (3 * segment > regenerated) throw Corrupt("too few literals for four streams");
            huffman.Decode(streams[..s1], lits[..segment]);
            huffman.Decode(streams.Slice(s1, s2), lits.Slice(segment, segment));
            huffman.Decode(streams.Slice(s1 + s2, s3), lits.Slice(2 * segment, segment));
            huffman.Decode(streams[(s1 + s2 + s3)..], lits[(3 * segment)..]);
        }
        return headerSize + compressed;
    }
}
