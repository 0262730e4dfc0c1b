using System.Buffers.Binary;

namespace SelfSpec.Gguf.Format;

/// <summary>
/// Converts f32 values to the stored ggml types and back. Rounding follows ggml's reference code: F16 and BF16 round to
/// nearest even; Q8_0 takes d = max|x|/127 per block of 32, stores d as f16 and q = round-half-away(x/d).
/// </summary>
public static class TensorEncoding
{
    /// <summary>Encodes <paramref name="values"/> (whole rows) as <paramref name="type"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes written.</returns>
    public static int Encode(ReadOnlySpan<float> values, GgmlType type, Span<byte> destination)
    {
        switch (type)
        {
            case GgmlType.F32:
                for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(4 * i)..], values[i]);
                return 4 * values.Length;
            case GgmlType.F16:
                for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(destination[(2 * i)..], (Half)values[i]);
                return 2 * values.Length;
            case GgmlType.BF16:
                for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(2 * i)..], ToBFloat16(values[i]));
                return 2 * values.Length;
            case GgmlType.Q8_0:
                if (values.Length % GgmlTypes.Q8BlockSize != 0) throw new ArgumentException($"Q8_0 needs a multiple of {GgmlTypes.Q8BlockSize} values, got {values.Length}");
                var blocks = values.Length / GgmlTypes.Q8BlockSize;
                for (var b = 0; b < blocks; b++)
                    QuantizeQ8Block(values.Slice(b * GgmlTypes.Q8BlockSize, GgmlTypes.Q8BlockSize), destination.Slice(b * GgmlTypes.Q8BlockBytes, GgmlTypes.Q8BlockBytes));
                return blocks * GgmlTypes.Q8BlockBytes;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
    }

    /// <summary>Decodes <paramref name="count"/> values of <paramref name="type"/> from <paramref name="source"/>.</summary>
    public static float[] Decode(ReadOnlySpan<byte> source, GgmlType type, long count)
    {
        var result = new float[count];
        switch (type)
        {
            case GgmlType.F32:
                for (var i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(4 * i)..]);
                break;
            case GgmlType.F16:
                for (var i = 0; i < result.Length; i++) result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source[(2 * i)..]);
                break;
            case GgmlType.BF16:
                for (var i = 0; i < result.Length; i++) result[i] = FromBFloat16(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]));
                break;
            case GgmlType.Q8_0:
                for (var b = 0; b < result.Length / GgmlTypes.Q8BlockSize; b++)
                {
                    var block = source.Slice(b * GgmlTypes.Q8BlockBytes, GgmlTypes.Q8BlockBytes);
                    var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
                    for (var j = 0; j < GgmlTypes.Q8BlockSize; j++) result[b * GgmlTypes.Q8BlockSize + j] = d * (sbyte)block[2 + j];
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
        return result;
    }

    /// <summary>f32 → bf16 bits with round-to-nearest-even; NaN stays a quiet NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) return (ushort)((bits >> 16) | 0x40);
        var roundingBias = 0x7fffu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }

    /// <summary>bf16 bits → f32 (exact).</summary>
    public static float FromBFloat16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static void QuantizeQ8Block(ReadOnlySpan<float> x, Span<byte> block)
    {
        var amax = 0f;
        foreach (var v in x) amax = MathF.Max(amax, MathF.Abs(v));
        var d = amax / 127f;
        var id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(block, (Half)d);
        for (var j = 0; j < x.Length; j++) block[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
    }
}
