namespace SelfSpec.Gguf.Format;

/// <summary>
/// A tensor's entry in a GGUF file. <see cref="Dimensions"/> are in ggml order: <c>Dimensions[0]</c> is the row length
/// (the fastest-varying index), so a PyTorch <c>[out, in]</c> weight is <c>[in, out]</c> here.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, ulong Offset)
{
    /// <summary>The number of values.</summary>
    public long Elements => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>The bytes of data.</summary>
    public long ByteSize => Type.ByteSize(Elements, Dimensions[0]);

    /// <summary>The ggml shape as text, e.g. <c>[64, 320]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Dimensions) + "]";
}
