namespace SelfSpec.Parquet.Compression.Zstd;

/// <summary>A Huffman decoding table for ZSTD literals (RFC 8878 section 4.2).</summary>
internal sealed class HuffmanTable
{
    private readonly byte[] _symbol;
    private readonly byte[] _nbBits;
    private readonly int _maxBits;

    private HuffmanTable(byte[] weights, int count, int maxBits)
    {
        _maxBits = maxBits;
        var size = 1 << maxBits;
        _symbol = new byte[size];
        _nbBits = new byte[size];
        Span<int> rankStart = stackalloc int[maxBits + 2];
        Span<int> rankCount = stackalloc int[maxBits + 2];
        for (var s = 0; s < count; s++) rankCount[weights[s]]++;
        var next = 0;
        for (var w = 1; w <= maxBits; w++)
        {
            rankStart[w] = next;
            next += rankCount[w] << (w - 1);
        }
        if (next != size) throw new ParquetFormatException("corrupt ZSTD Huffman weights");
        for (var s = 0; s < count; s++)
        {
            var w = weights[s];
            if (w == 0) continue;
            var len = 1 << (w - 1);
            var start = rankStart[w];
            for (var i = 0; i < len; i++)
            {
                _symbol[start + i] = (byte)s;
                _nbBits[start + i] = (byte)(maxBits + 1 - w);
            }
            rankStart[w] += len;
        }
    }

    /// <summary>Reads a Huffman tree description; returns the bytes used.</summary>
    public static int Read(ReadOnlySpan<byte> src, out HuffmanTable table)
    {
        if (src.Length < 1) throw new ParquetFormatException("ZSTD Huffman description missing");
        var header = src[0];
        var weights = new byte[256];
        int count;
        int used;
        if (header >= 128)
        {
            count = header - 127;
            var bytes = (count + 1) / 2;
            if (1 + bytes > src.Length) throw new ParquetFormatException("ZSTD Huffman weights run past the block");
            for (var i = 0; i < count; i++)
            {
                var b = src[1 + i / 2];
                weights[i] = (byte)(i % 2 == 0 ? b >> 4 : b & 0xF);
            }
            used = 1 + bytes;
        }
        else
        {
            if (1 + header > src.Length || header == 0) throw new ParquetFormatException("ZSTD Huffman weights run past the block");
            var region = src.Slice(1, header);
            var n = FseTable.Read(region, 255, 6, out var fse);
            var reader = new BackwardBitReader(region[n..]);
            int s1 = (int)reader.ReadBits(fse.AccuracyLog), s2 = (int)reader.ReadBits(fse.AccuracyLog);
            count = 0;
            while (true)
            {
                if (count >= 255) throw new ParquetFormatException("too many ZSTD Huffman weights");
                weights[count++] = fse.Symbol[s1];
                s1 = fse.NewState[s1] + (int)reader.ReadBits(fse.NbBits[s1]);
                if (reader.Overflowed) { weights[count++] = fse.Symbol[s2]; break; }
                if (count >= 255) throw new ParquetFormatException("too many ZSTD Huffman weights");
                weights[count++] = fse.Symbol[s2];
                s2 = fse.NewState[s2] + (int)reader.ReadBits(fse.NbBits[s2]);
                if (reader.Overflowed) { weights[count++] = fse.Symbol[s1]; break; }
            }
            used = 1 + header;
        }
        // The last weight is implied: it completes the sum of 2^(w-1) to a power of two.
        long sum = 0;
        for (var i = 0; i < count; i++)
        {
            if (weights[i] > 11) throw new ParquetFormatException("ZSTD Huffman weight above 11");
            if (weights[i] > 0) sum += 1L << (weights[i] - 1);
        }
        if (sum == 0) throw new ParquetFormatException("corrupt ZSTD Huffman weights");
        var maxBits = System.Numerics.BitOperations.Log2((ulong)sum) + 1;
        var rest = (1L << maxBits) - sum;
        if ((rest & (rest - 1)) != 0) throw new ParquetFormatException("corrupt ZSTD Huffman weights");
        weights[count++] = (byte)(System.Numerics.BitOperations.Log2((ulong)rest) + 1);
        if (maxBits > 11) throw new ParquetFormatException("ZSTD Huffman code longer than 11 bits");
        table = new HuffmanTable(weights, count, maxBits);
        return used;
    }

    /// <summary>Decodes <paramref name="dst"/>.Length symbols from one backward stream.</summary>
    public void Decode(ReadOnlySpan<byte> stream, Span<byte> dst)
    {
        var reader = new BackwardBitReader(stream);
        for (var i = 0; i < dst.Length; i++)
        {
            var idx = (int)reader.Peek(_maxBits);
            dst[i] = _symbol[idx];
            reader.Skip(_nbBits[idx]);
        }
        if (!reader.Finished) throw new ParquetFormatException("corrupt ZSTD Huffman stream");
    }
}
