namespace SelfSpec.Llm.Checkpoints;

/// <summary>One tensor's header entry in a safetensors file.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="DType">The dtype name as written in the header (<c>F32</c>, <c>BF16</c>, …).</param>
/// <param name="Shape">The dimensions (empty for a scalar).</param>
/// <param name="Begin">Start of the data, relative to the data buffer.</param>
/// <param name="End">End of the data (exclusive), relative to the data buffer.</param>
public sealed record SafetensorsTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long NumElements => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Size of the data in bytes.</summary>
    public long ByteLength => End - Begin;

    /// <summary>The shape as <c>[a, b]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}
