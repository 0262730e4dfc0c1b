namespace SelfSpec.Parquet.Compression.Zstd;

/// <summary>A finite-state-entropy decoding table (RFC 8878 section 4.1).</summary>
internal sealed class FseTable
{
    public readonly byte[] Symbol;
    public readonly byte[] NbBits;
    public readonly int[] NewState;
    public readonly int AccuracyLog;

    private FseTable(int accuracyLog)
    {
        AccuracyLog = accuracyLog;
        var size = 1 << accuracyLog;
        Symbol = new byte[size];
        NbBits = new byte[size];
        NewState = new int[size];
    }

    /// <summary>A table that always yields <paramref name="symbol"/> (RLE mode).</summary>
    public static FseTable Rle(byte symbol)
    {
        var t = new FseTable(0);
        t.Symbol[0] = symbol;
        return t;
    }

    /// <summary>Builds the decoding table from normalized counts (-1 = "less than one").</summary>
    public static FseTable Build(ReadOnlySpan<short> norm, int accuracyLog)
    {
        var t = new FseTable(accuracyLog);
        var size = 1 << accuracyLog;
        var high = size - 1;
        Span<int> next = stackalloc int[norm.Length];
        for (var s = 0; s < norm.Length; s++)
        {
            if (norm[s] == -1)
            {
                t.Symbol[high--] = (byte)s;
                next[s] = 1;
            }
            else next[s] = norm[s];
        }
        var step = (size >> 1) + (size >> 3) + 3;
        var mask = size - 1;
        var pos = 0;
        for (var s = 0; s < norm.Length; s++)
        {
            for (var i = 0; i < norm[s]; i++)
            {
                t.Symbol[pos] = (byte)s;
                do pos = (pos + step) & mask; while (pos > high);
            }
        }
        if (pos != 0) throw new ParquetFormatException("corrupt ZSTD FSE table");
        for (var u = 0; u < size; u++)
        {
            var s = t.Symbol[u];
            var ns = next[s]++;
            if (ns <= 0) throw new ParquetFormatException("corrupt ZSTD FSE table");
            var nb = accuracyLog - System.Numerics.BitOperations.Log2((uint)ns);
            t.NbBits[u] = (byte)nb;
            t.NewState[u] = (ns << nb) - size;
        }
        return t;
    }

    /// <summary>Reads a table description (normalized counts) at the start of <paramref name="src"/>; returns the bytes used.</summary>
    public static int Read(ReadOnlySpan<byte> src, int maxSymbol, int maxAccuracyLog, out FseTable table)
    {
        var bitPos = 0L;
        var accuracyLog = (int)Bits(src, 4, 0) + 5;
        bitPos = 4;
        if (accuracyLog > maxAccuracyLog) throw new ParquetFormatException($"ZSTD FSE accuracy {accuracyLog} exceeds {maxAccuracyLog}");
        var remaining = (1 << accuracyLog) + 1;
        var threshold = 1 << accuracyLog;
        var nbBits = accuracyLog + 1;
        var norm = new short[maxSymbol + 1];
        var symbol = 0;
        var previous0 = false;
        while (remaining > 1 && symbol <= maxSymbol)
        {
            if (previous0)
            {
                var n0 = symbol;
                while (true)
                {
                    var r = (int)Bits(src, 2, bitPos);
                    bitPos += 2;
                    n0 += r;
                    if (r != 3) break;
                }
                if (n0 > maxSymbol + 1) throw new ParquetFormatException("corrupt ZSTD FSE table description");
                while (symbol < n0) norm[symbol++] = 0;
                if (symbol > maxSymbol) break;
            }
            var max = (2 * threshold - 1) - remaining;
            int count;
            var low = (int)Bits(src, nbBits - 1, bitPos);
            if (low < max)
            {
                count = low;
                bitPos += nbBits - 1;
            }
            else
            {
                count = (int)Bits(src, nbBits, bitPos);
                if (count >= threshold) count -= max;
                bitPos += nbBits;
            }
            count--;
            remaining -= Math.Abs(count);
            norm[symbol++] = (short)count;
            previous0 = count == 0;
            while (remaining < threshold)
            {
                nbBits--;
                threshold >>= 1;
            }
            if (bitPos > src.Length * 8L) throw new ParquetFormatException("ZSTD FSE table description runs past the block");
        }
        if (remaining != 1) throw new ParquetFormatException("corrupt ZSTD FSE table description");
        table = Build(norm.AsSpan(0, symbol), accuracyLog);
        return (int)((bitPos + 7) >> 3);
    }

    private static uint Bits(ReadOnlySpan<byte> src, int n, long at)
    {
        var byteIndex = (int)(at >> 3);
        ulong v = 0;
        for (int i = byteIndex, k = 0; i < src.Length && k < 64; i++, k += 8) v |= (ulong)src[i] << k;
        return (uint)((v >> (int)(at & 7)) & ((1UL << n) - 1));
    }

    public static FseTable Predefined(ReadOnlySpan<short> norm, int accuracyLog) => Build(norm, accuracyLog);
}
