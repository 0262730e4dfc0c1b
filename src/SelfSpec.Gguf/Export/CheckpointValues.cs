using System.Buffers.Binary;
using SelfSpec.Gguf.Format;
using SelfSpec.Llm.Checkpoints;

namespace SelfSpec.Gguf.Export;

/// <summary>Reads one safetensors tensor as f32 straight from the mapped file (F32, F16 or BF16), without libtorch.</summary>
public static class CheckpointValues
{
    /// <summary>The values of <paramref name="name"/> in row-major order.</summary>
    /// <exception cref="GgufExportException">The tensor's dtype is not F32, F16 or BF16.</exception>
    public static float[] Read(CheckpointDirectory checkpoint, string name)
    {
        var (file, info) = checkpoint.Find(name);
        var bytes = file.RawBytes(name);
        var count = info.NumElements;
        return info.DType switch
        {
            "F32" => TensorEncoding.Decode(bytes, GgmlType.F32, count),
            "F16" => TensorEncoding.Decode(bytes, GgmlType.F16, count),
            "BF16" => TensorEncoding.Decode(bytes, GgmlType.BF16, count),
            _ => throw new GgufExportException($"{file.Path}: tensor '{name}' has dtype {info.DType}; only F32, F16 and BF16 weights are exported"),
        };
    }
}
