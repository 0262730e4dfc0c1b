using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Lora;

/// <summary>
/// Distinct LoRA adapters as the native low-rank kernels take them (<see cref="Functional.AddLowRank"/>, the fused decode
/// layer): per decoder layer a <see cref="LowRankAdapters"/> of the seven projections, made on first use. It refers to
/// the adapters' own tensors (no copies), so it stays valid while they live and sees in-place updates.
/// </summary>
internal sealed class NativeLora
{
    private readonly LoraAdapter[] adapters;
    private readonly LowRankAdapters?[] layers;

    /// <summary>The kernels for <paramref name="adapters"/> (each <see cref="Supports"/> them) of a model of <paramref name="layerCount"/> layers.</summary>
    public NativeLora(IReadOnlyList<LoraAdapter> adapters, int layerCount)
    {
        this.adapters = adapters.ToArray();
        layers = new LowRankAdapters?[layerCount];
    }

    /// <summary>Decoder layers this object has matrices for.</summary>
    public int LayerCount => layers.Length;

    /// <summary>
    /// Whether the native kernels apply <paramref name="adapter"/> at inference on <paramref name="device"/>: the CPU (with
    /// AVX2 and FMA), every matrix float32 and contiguous there, no input dropout set.
    /// </summary>
    public static bool Supports(LoraAdapter adapter, Device device) =>
        device.Type == DeviceType.Cpu && adapter.InputDropout == null && Functional.LlamaDecodeLayerAvailable
        && adapter.Pairs.Values.All(p => IsNative(p.A) && IsNative(p.B));

    private static bool IsNative(Tensor t) => t.DType == DType.Float32 && t.Device.Type == DeviceType.Cpu && t.IsContiguous;

    /// <summary>Layer <paramref name="layer"/>'s matrices, adapter i being the i-th given to the constructor.</summary>
    public LowRankAdapters Layer(int layer)
    {
        // A race makes two equal objects (they only refer to the adapters' tensors); either may be kept.
        return layers[layer] ??= Build(layer);
    }

    private LowRankAdapters Build(int layer)
    {
        var projections = LlamaProjections.All;
        var matrices = new (Tensor A, Tensor B)?[projections.Count, adapters.Length];
        for (var p = 0; p < projections.Count; p++)
            for (var i = 0; i < adapters.Length; i++)
                if (adapters[i].Find(layer, projections[p]) is { } pair) matrices[p, i] = (pair.A, pair.B);
        return new LowRankAdapters(adapters.Select(a => a.Scale).ToArray(), matrices);
    }
}

/// <summary>The adapters of one batch for the native kernels: the distinct adapters and each row's index among them (−1: the base model).</summary>
/// <param name="Kernels">The distinct adapters' matrices.</param>
/// <param name="AdapterOfRow">One entry per row of the batch.</param>
internal sealed record NativeLoraRows(NativeLora Kernels, int[] AdapterOfRow);
