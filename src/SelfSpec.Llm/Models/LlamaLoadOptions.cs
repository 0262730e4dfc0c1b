using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>How to load a model.</summary>
public sealed record LlamaLoadOptions
{
    /// <summary>The compute dtype: <see cref="DType.Float32"/> (default) or <see cref="DType.BFloat16"/>. Weights stored in this dtype are used in place from the memory map.</summary>
    public DType DType { get; init; } = DType.Float32;

    /// <summary>Where to run (default CPU).</summary>
    public Device Device { get; init; } = Device.Cpu;
}
