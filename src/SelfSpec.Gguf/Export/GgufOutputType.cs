using SelfSpec.Gguf.Format;

namespace SelfSpec.Gguf.Export;

/// <summary>The weight type of an exported model (<c>--type</c>).</summary>
public enum GgufOutputType
{
    /// <summary>Everything f32 (lossless from f32 checkpoints).</summary>
    F32,
    /// <summary>Matrices f16, norms and biases f32.</summary>
    F16,
    /// <summary>Matrices bf16, norms and biases f32.</summary>
    BF16,
    /// <summary>Matrices Q8_0 (f16 where a row is not a multiple of 32), norms and biases f32.</summary>
    Q8_0,
}

/// <summary>Maps output types to ggml tensor types and llama.cpp file types.</summary>
public static class GgufOutputTypes
{
    /// <summary>Parses <c>f32|f16|bf16|q8_0</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Anything else.</exception>
    public static GgufOutputType Parse(string text) => text.ToLowerInvariant() switch
    {
        "f32" => GgufOutputType.F32,
        "f16" => GgufOutputType.F16,
        "bf16" => GgufOutputType.BF16,
        "q8_0" => GgufOutputType.Q8_0,
        _ => throw new ArgumentException($"--type '{text}' is not supported (f32, f16, bf16, q8_0)"),
    };

    /// <summary>The ggml type of this output's matrices.</summary>
    public static GgmlType MatrixType(this GgufOutputType type) => type switch
    {
        GgufOutputType.F16 => GgmlType.F16,
        GgufOutputType.BF16 => GgmlType.BF16,
        GgufOutputType.Q8_0 => GgmlType.Q8_0,
        _ => GgmlType.F32,
    };

    /// <summary><c>general.file_type</c> (llama.cpp's <c>llama_ftype</c>: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_BF16 32).</summary>
    public static uint FileType(this GgufOutputType type) => type switch
    {
        GgufOutputType.F16 => 1,
        GgufOutputType.Q8_0 => 7,
        GgufOutputType.BF16 => 32,
        _ => 0,
    };
}
