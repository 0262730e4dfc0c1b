namespace SelfSpec.Training.Quantization;

/// <summary>
/// The 4-bit NormalFloat code book of QLoRA (bitsandbytes' <c>get_4bit_type("nf4")</c>) and block-wise
/// quantisation to it: each block of consecutive values is divided by its absolute maximum and every value is
/// mapped to the nearest code (bitsandbytes' decision tree compares against the midpoints between codes).
/// </summary>
public static class Nf4
{
    /// <summary>The 16 code values, index 0..15.</summary>
    public static ReadOnlySpan<float> Codes =>
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    /// <summary>bitsandbytes' block size for 4-bit weights.</summary>
    public const int DefaultBlockSize = 64;

    // Midpoints between neighbouring codes, as bitsandbytes' dQuantizeNF4 thresholds.
    private static readonly double[] Thresholds = BuildThresholds();

    private static double[] BuildThresholds()
    {
        var codes = Codes;
        var t = new double[15];
        for (var i = 0; i < 15; i++) t[i] = ((double)codes[i] + codes[i + 1]) / 2;
        return t;
    }

    /// <summary>The code index for a value already scaled to [−1, 1].</summary>
    public static byte Encode(float scaled)
    {
        // Binary search over the 15 thresholds: index = number of thresholds strictly below the value.
        int lo = 0, hi = 15;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (scaled > Thresholds[mid]) lo = mid + 1;
            else hi = mid;
        }
        return (byte)lo;
    }

    /// <summary>
    /// Quantises <paramref name="values"/> block-wise: writes one code index per value to <paramref name="indices"/> and one
    /// absmax per block to <paramref name="absmax"/> (a block of zeros gets absmax 0 and code 7, the zero code).
    /// </summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> indices, Span<float> absmax, int blockSize = DefaultBlockSize)
    {
        var blocks = (values.Length + blockSize - 1) / blockSize;
        if (indices.Length < values.Length) throw new ArgumentException("indices is too short", nameof(indices));
        if (absmax.Length < blocks) throw new ArgumentException($"absmax needs {blocks} entries", nameof(absmax));
        for (var b = 0; b < blocks; b++)
        {
            var start = b * blockSize;
            var block = values.Slice(start, Math.Min(blockSize, values.Length - start));
            var max = 0f;
            foreach (var v in block) max = Math.Max(max, Math.Abs(v));
            absmax[b] = max;
            var inv = max == 0 ? 0f : 1f / max;
            for (var i = 0; i < block.Length; i++) indices[start + i] = Encode(block[i] * inv);
        }
    }

    /// <summary>Packs code indices two per byte, the even-index element in the high nibble (bitsandbytes' layout).</summary>
    public static byte[] Pack(ReadOnlySpan<byte> indices)
    {
        var packed = new byte[(indices.Length + 1) / 2];
        for (var i = 0; i < indices.Length; i += 2)
        {
            var hi = indices[i];
            var lo = i + 1 < indices.Length ? indices[i + 1] : (byte)0;
            packed[i / 2] = (byte)((hi << 4) | lo);
        }
        return packed;
    }

    /// <summary>The code indices of packed bytes (<paramref name="count"/> values).</summary>
    public static byte[] Unpack(ReadOnlySpan<byte> packed, int count)
    {
        var indices = new byte[count];
        for (var i = 0; i < count; i++) indices[i] = (byte)(i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 15);
        return indices;
    }

    /// <summary>Dequantises: <c>code[index] · absmax[i / blockSize]</c>.</summary>
    public static float[] Dequantize(ReadOnlySpan<byte> indices, ReadOnlySpan<float> absmax, int blockSize = DefaultBlockSize)
    {
        var codes = Codes;
        var result = new float[indices.Length];
        for (var i = 0; i < indices.Length; i++) result[i] = codes[indices[i]] * absmax[i / blockSize];
        return result;
    }
}
