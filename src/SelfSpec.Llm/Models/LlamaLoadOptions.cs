using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>How to load a model.</summary>
public sealed record LlamaLoadOptions
{
    /// <summary>The compute dtype: <see cref="DType.Float32"/> (default) or <see cref="DType.BFloat16"/>. Weights stored in this dtype are used in place from the memory map.</summary>
    public DType DType { get; init; } = DType.Float32;

    /// <summary>
    /// Storage dtype of the large matrices (projections, embedding, lm_head); null means <see cref="DType"/>. bfloat16 weights
    /// with float32 compute halve the memory traffic of decoding while activations, norms and accumulation stay float32.
    /// </summary>
    public DType? WeightDType { get; init; }

    /// <summary>Where to run (default CPU).</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>
    /// Whether float32 CPU inference keeps a tiled copy of the projections and lm_head for its fastest kernels
    /// (<see cref="LlamaModel.TileWeights"/>); true unless <c>SELFSPEC_TILE_WEIGHTS=0</c>, which turns tiling off for
    /// every model the process loads (the pipeline's stages included). False holds the weights once, for models whose
    /// weights are converted at load (a bfloat16 checkpoint run in float32) and would not fit twice, at some cost in speed.
    /// </summary>
    public bool TileWeights { get; init; } = Environment.GetEnvironmentVariable("SELFSPEC_TILE_WEIGHTS") != "0";
}
