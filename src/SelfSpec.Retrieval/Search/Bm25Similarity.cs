namespace SelfSpec.Retrieval.Search;

/// <summary>
/// Lucene 4.10's <c>BM25Similarity</c>, float arithmetic and all: idf = ln(1 + (N − df + 0.5)/(df + 0.5)) with
/// N = maxDoc (deleted documents still count until merged away, as in Lucene), avgdl = Σ tf / N, and document
/// length stored as one lossy byte (<see cref="SmallFloat.FloatToByte315"/> of 1/√len).
/// </summary>
public sealed class Bm25Similarity
{
    private static readonly float[] NormTable = BuildNormTable();

    /// <summary>Creates the similarity with the given parameters (Lucene defaults k1 = 1.2, b = 0.75).</summary>
    public Bm25Similarity(float k1 = 1.2f, float b = 0.75f)
    {
        if (!(k1 >= 0) || float.IsInfinity(k1)) throw new ArgumentOutOfRangeException(nameof(k1), "k1 must be a finite number ≥ 0");
        if (!(b >= 0 && b <= 1)) throw new ArgumentOutOfRangeException(nameof(b), "b must be in [0, 1]");
        K1 = k1;
        B = b;
    }

    /// <summary>Term-frequency saturation.</summary>
    public float K1 { get; }

    /// <summary>Length normalisation.</summary>
    public float B { get; }

    /// <summary>Lucene's idf for a term in <paramref name="docFreq"/> of <paramref name="docCount"/> documents.</summary>
    public static float Idf(long docFreq, long docCount) => (float)Math.Log(1 + (docCount - docFreq + 0.5d) / (docFreq + 0.5d));

    /// <summary>The norm byte Lucene stores for a field of <paramref name="length"/> terms.</summary>
    public static byte EncodeLength(int length) => SmallFloat.FloatToByte315(1f / (float)Math.Sqrt(length));

    /// <summary>The (lossy) length a norm byte stands for.</summary>
    public static float DecodeLength(byte norm) => NormTable[norm];

    /// <summary>avgdl as Lucene computes it.</summary>
    public static float AverageLength(long sumTotalTermFreq, long docCount) =>
        sumTotalTermFreq <= 0 ? 1f : (float)(sumTotalTermFreq / (double)docCount);

    /// <summary>The per-norm-byte denominators k1·((1 − b) + b·len/avgdl).</summary>
    public float[] LengthCache(float averageLength)
    {
        var cache = new float[256];
        for (int i = 0; i < 256; i++)
            cache[i] = K1 * ((1 - B) + B * DecodeLength((byte)i) / averageLength);
        return cache;
    }

    /// <summary>weight·(k1 + 1), the numerator constant of a term's score (boost = repetitions of the term in the query).</summary>
    public float TermWeight(float idf, float boost) => idf * boost * (K1 + 1);

    /// <summary>Score of one term in one document: weightValue·tf/(tf + cache[norm]).</summary>
    public static float Score(float termWeight, int freq, float lengthNorm) => termWeight * freq / (freq + lengthNorm);

    private static float[] BuildNormTable()
    {
        var table = new float[256];
        for (int i = 1; i < 256; i++)
        {
            float f = SmallFloat.Byte315ToFloat((byte)i);
            table[i] = 1.0f / (f * f);
        }
        table[0] = 1.0f / table[255];
        return table;
    }
}

/// <summary>Lucene's SmallFloat 3-bit-mantissa, zero-exponent-15 byte encoding of a float.</summary>
public static class SmallFloat
{
    /// <summary>Encodes <paramref name="f"/> (≥ 0) into one byte, rounding down.</summary>
    public static byte FloatToByte315(float f)
    {
        int bits = BitConverter.SingleToInt32Bits(f);
        int smallfloat = bits >> (24 - 3);
        const int fzero = (63 - 15) << 3;
        if (smallfloat <= fzero) return bits <= 0 ? (byte)0 : (byte)1;
        if (smallfloat >= fzero + 0x100) return 255;
        return (byte)(smallfloat - fzero);
    }

    /// <summary>Decodes a byte made by <see cref="FloatToByte315"/>.</summary>
    public static float Byte315ToFloat(byte b)
    {
        if (b == 0) return 0f;
        int bits = b << (24 - 3);
        bits += (63 - 15) << 24;
        return BitConverter.Int32BitsToSingle(bits);
    }
}
