namespace SelfSpec.Gguf.Format;

/// <summary>The ggml tensor types this project writes and reads (values as in ggml's <c>enum ggml_type</c>).</summary>
public enum GgmlType : uint
{
    /// <summary>32-bit IEEE float.</summary>
    F32 = 0,
    /// <summary>16-bit IEEE half.</summary>
    F16 = 1,
    /// <summary>Blocks of 32 values: an f16 scale d, then 32 int8 q; value = d·q.</summary>
    Q8_0 = 8,
    /// <summary>bfloat16 (the top half of an f32).</summary>
    BF16 = 30,
}

/// <summary>Sizes of the ggml types.</summary>
public static class GgmlTypes
{
    /// <summary>Values per Q8_0 block.</summary>
    public const int Q8BlockSize = 32;

    /// <summary>Bytes per Q8_0 block: an f16 scale and 32 int8 values.</summary>
    public const int Q8BlockBytes = 2 + Q8BlockSize;

    /// <summary>Values per block (1 for the plain float types).</summary>
    public static int BlockSize(this GgmlType type) => type == GgmlType.Q8_0 ? Q8BlockSize : 1;

    /// <summary>Bytes per block.</summary>
    public static int BlockBytes(this GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q8_0 => Q8BlockBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type"),
    };

    /// <summary>Bytes of a tensor of <paramref name="elements"/> values whose rows are <paramref name="rowLength"/> long.</summary>
    /// <exception cref="ArgumentException">The row length is not a multiple of the block size.</exception>
    public static long ByteSize(this GgmlType type, long elements, long rowLength)
    {
        if (rowLength % type.BlockSize() != 0)
            throw new ArgumentException($"a {type} row must hold a multiple of {type.BlockSize()} values, not {rowLength}");
        return elements / type.BlockSize() * type.BlockBytes();
    }

    /// <summary>True when a tensor with rows of <paramref name="rowLength"/> values can be stored as <paramref name="type"/>.</summary>
    public static bool Fits(this GgmlType type, long rowLength) => rowLength % type.BlockSize() == 0;
}
