namespace SelfSpec.Training.Quantization;

/// <summary>
/// bitsandbytes' signed 8-bit "dynamic" code map (<c>create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)</c>)
/// and block-wise 8-bit quantisation to it, used by QLoRA's double quantisation of the NF4 absmax values.
/// </summary>
public static class DynamicMap
{
    /// <summary>The 256 sorted code values.</summary>
    public static IReadOnlyList<float> Codes { get; } = Build();

    /// <summary>Block size bitsandbytes uses for the absmax statistics.</summary>
    public const int DefaultBlockSize = 256;

    private static float[] Build()
    {
        const int maxExponentBits = 7, nonSignBits = 7;
        var data = new List<float>();
        for (var i = 0; i < maxExponentBits; i++)
        {
            var items = (1 << (i + nonSignBits - maxExponentBits)) + 1;
            var boundaries = Linspace(0.1f, 1f, items);
            var scale = Math.Pow(10, -(maxExponentBits - 1) + i);
            for (var j = 0; j + 1 < boundaries.Length; j++)
            {
                var mean = (boundaries[j] + boundaries[j + 1]) / 2f;
                data.Add((float)(scale * mean));
                data.Add((float)(-scale * mean));
            }
        }
        data.Add(0f);
        data.Add(1f);
        var codes = data.ToArray();
        Array.Sort(codes);
        return codes;
    }

    private static float[] Linspace(float start, float end, int steps)
    {
        var r = new float[steps];
        var step = (end - start) / (steps - 1);
        for (var i = 0; i < steps; i++) r[i] = i < steps / 2 ? start + step * i : end - step * (steps - 1 - i);
        return r;
    }

    /// <summary>The index of the code nearest to <paramref name="scaled"/> (a value in [−1, 1]).</summary>
    public static byte Encode(float scaled)
    {
        var codes = Codes;
        int lo = 0, hi = codes.Count - 1;
        while (hi - lo > 1)
        {
            var mid = (lo + hi) >> 1;
            if (codes[mid] <= scaled) lo = mid;
            else hi = mid;
        }
        return (byte)(Math.Abs(scaled - codes[lo]) <= Math.Abs(codes[hi] - scaled) ? lo : hi);
    }

    /// <summary>Block-wise quantisation: one code per value, one absmax per block.</summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> codes, Span<float> absmax, int blockSize = DefaultBlockSize)
    {
        var blocks = (values.Length + blockSize - 1) / blockSize;
        for (var b = 0; b < blocks; b++)
        {
            var start = b * blockSize;
            var block = values.Slice(start, Math.Min(blockSize, values.Length - start));
            var max = 0f;
            foreach (var v in block) max = Math.Max(max, Math.Abs(v));
            absmax[b] = max;
            var inv = max == 0 ? 0f : 1f / max;
            for (var i = 0; i < block.Length; i++) codes[start + i] = Encode(block[i] * inv);
        }
    }

    /// <summary>Dequantises: <c>map[code] · absmax[i / blockSize]</c>.</summary>
    public static float[] Dequantize(ReadOnlySpan<byte> codes, ReadOnlySpan<float> absmax, int blockSize = DefaultBlockSize)
    {
        var map = Codes;
        var r = new float[codes.Length];
        for (var i = 0; i < codes.Length; i++) r[i] = map[codes[i]] * absmax[i / blockSize];
        return r;
    }
}
