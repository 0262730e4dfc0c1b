namespace SelfSpec.Gguf.Format;

/// <summary>
/// A tensor to be written: its GGUF name, ggml dimensions (row length first), stored type, and a function that
/// produces its f32 values in row-major order when the writer reaches it (so only one tensor is in memory at a time).
/// </summary>
public sealed record GgufTensorSource(string Name, long[] Dimensions, GgmlType Type, Func<float[]> Values)
{
    /// <summary>The number of values.</summary>
    public long Elements => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>The bytes of data.</summary>
    public long ByteSize => Type.ByteSize(Elements, Dimensions[0]);
}
