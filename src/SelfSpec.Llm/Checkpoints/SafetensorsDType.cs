using SelfSpec.Torch;

namespace SelfSpec.Llm.Checkpoints;

/// <summary>The element types named in a safetensors header, and their tensor equivalents.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>True for a dtype name the format defines (and this reader can size).</summary>
    public static bool IsKnown(string name) => Sizes.ContainsKey(name);

    /// <summary>Bytes per element of a dtype name.</summary>
    public static int SizeOf(string name) =>
        Sizes.TryGetValue(name, out var n) ? n : throw new ArgumentException($"unknown safetensors dtype '{name}'", nameof(name));

    /// <summary>The tensor dtype for a safetensors dtype name, or null where libtorch has none (U16, U32, U64, F8).</summary>
    public static DType? ToTorch(string name) => name switch
    {
        "BOOL" => DType.Bool,
        "U8" => DType.UInt8,
        "I8" => DType.Int8,
        "I16" => DType.Int16,
        "I32" => DType.Int32,
        "I64" => DType.Int64,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        _ => null,
    };

    /// <summary>The safetensors dtype name for a tensor dtype.</summary>
    public static string FromTorch(DType dtype) => dtype switch
    {
        DType.Bool => "BOOL",
        DType.UInt8 => "U8",
        DType.Int8 => "I8",
        DType.Int16 => "I16",
        DType.Int32 => "I32",
        DType.Int64 => "I64",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors dtype"),
    };
}
