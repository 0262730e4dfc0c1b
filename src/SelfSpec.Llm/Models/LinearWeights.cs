using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>The weight [out, in] and optional bias [out] of one linear layer: y = x·Wᵀ + b. The weight is dense, or packed (<see cref="IPackedLinearWeight"/>).</summary>
public sealed class LinearWeights : IDisposable
{
    private readonly Tensor? weight;

    /// <summary>Wraps the tensors (this object owns them).</summary>
    public LinearWeights(Tensor weight, Tensor? bias)
    {
        this.weight = weight;
        Bias = bias;
    }

    /// <summary>Wraps a packed weight (this object owns it) and an optional dense bias.</summary>
    public LinearWeights(IPackedLinearWeight packed, Tensor? bias)
    {
        Packed = packed;
        Bias = bias;
    }

    /// <summary>The dense weight, [out_features, in_features].</summary>
    /// <exception cref="InvalidOperationException">The weight is packed: use <see cref="Packed"/>.</exception>
    public Tensor Weight => weight ?? throw new InvalidOperationException("this projection's weight is packed (quantised); use Packed.Dequantize");

    /// <summary>The packed weight, when the layer uses one instead of a dense tensor.</summary>
    public IPackedLinearWeight? Packed { get; }

    /// <summary>Elements of the (dense-equivalent) weight and bias.</summary>
    public long ParameterCount => (Packed != null ? Packed.OutFeatures * Packed.InFeatures : Weight.NumElements) + (Bias?.NumElements ?? 0);

    /// <summary>The bias, [out_features], if any.</summary>
    public Tensor? Bias { get; }

    /// <summary>The most rows a bfloat16 input may have to be decoded through the streaming kernel (its own limit).</summary>
    private const long StreamedBf16Rows = 32;

    private TiledWeight? tiled;
    private bool tilingEnabled = true;
    private readonly Lock tiling = new();

    /// <summary>
    /// Whether inference may make and use the tiled copy of the weight (<see cref="Tiled"/>); true by default. Turning it
    /// off frees the copy (the weight's memory is then held once, and float32 inputs take
    /// <see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>). Change it only while no forward pass is running.
    /// </summary>
    internal bool TilingEnabled
    {
        get => tilingEnabled;
        set
        {
            lock (tiling)
            {
                tilingEnabled = value;
                if (value) return;
                tiled?.Dispose();
                tiled = null;
            }
        }
    }

    /// <summary>
    /// The weight tiled for the float32 inference kernel (<see cref="TiledWeight"/>), made on first use and kept: null
    /// when tiling is off (<see cref="TilingEnabled"/>) or the weight is packed or is not a float32 or bfloat16 CPU tensor.
    /// </summary>
    internal TiledWeight? Tiled
    {
        get
        {
            if (tiled != null || !tilingEnabled || weight == null || weight.DType is not (DType.Float32 or DType.BFloat16) || weight.Device.Type != DeviceType.Cpu)
                return tiled;
            lock (tiling)
            {
                if (tiled != null || !tilingEnabled) return tiled;
                tiled = TiledWeight.From(weight);
                // Inference reads only the tiled copy from now on: let the OS reclaim the row-major pages (a mapped
                // checkpoint's are read back from the file if training or an untiled path ever needs them).
                if (PageOutAfterTiling) ResidentMemory.PageOut(weight);
                return tiled;
            }
        }
    }

    /// <summary>
    /// Whether making the tiled copy lets the OS reclaim the weight's own pages (<see cref="ResidentMemory.PageOut"/>),
    /// so that a model used in place from its checkpoint is held about once, not twice. True unless the weight is also
    /// read row by row elsewhere (a tied lm_head is the embedding table).
    /// </summary>
    internal bool PageOutAfterTiling { get; init; } = true;

    /// <summary>
    /// True when <paramref name="x"/> is an inference input for the tiled kernel: float32 on the CPU, no autograd, and a
    /// CPU the kernel runs on. Any number of rows: decode steps and prefill alike.
    /// </summary>
    private static bool InfersTiled(Tensor x) =>
        x.DType == DType.Float32 && x.Device.Type == DeviceType.Cpu && !NoGrad.IsGradEnabled && Functional.LlamaDecodeLayerAvailable;

    /// <summary>
    /// The tiled weights of <paramref name="layers"/> (made on first use) when all exist and share a dtype and the biases
    /// are float32 or absent, else null.
    /// </summary>
    internal static TiledWeight[]? AllTiled(IReadOnlyList<LinearWeights> layers, IReadOnlyList<Tensor?> biases)
    {
        if (biases.Any(b => b is not null and not { DType: DType.Float32 })) return null;
        var tiles = new TiledWeight[layers.Count];
        for (var i = 0; i < layers.Count; i++)
        {
            if (layers[i].Tiled is not { } t || t.DType != layers[0].Weight.DType) return null;
            tiles[i] = t;
        }
        return tiles;
    }

    /// <summary>
    /// Applies the layer. A packed (quantised) weight computes through <see cref="IPackedLinearWeight.Linear"/>; float32
    /// inputs at inference (decode steps and prefill) take <see cref="Functional.TiledLinear"/> over the weight's tiled
    /// copy (<see cref="Tiled"/>); other float32 inputs take <see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>
    /// (any number of rows; autograd goes to libtorch's linear); few-row bfloat16 inputs over bfloat16 weights at inference
    /// stream them with float32 accumulation (see <see cref="StreamsBf16"/>); everything else takes libtorch's linear.
    /// </summary>
    public Tensor Apply(Tensor x) =>
        Packed != null ? Packed.Linear(x, Bias)
        : InfersTiled(x) && AllTiled([this], [Bias]) is { } t ? Functional.TiledLinear(x, t, [Bias])[0]
        : x.DType == DType.Float32 ? Functional.LinearRows(x, Weight, Bias)
        : StreamsBf16(x, [Weight], [Bias]) ? StreamBf16(x, [Weight], [Bias])[0]
        : Functional.Linear(x, Weight, Bias);

    /// <summary>
    /// True when a bfloat16 decode step should stream bfloat16 weights with float32 accumulation, as libtorch's bf16
    /// gemm also accumulates, instead of calling that gemm one row at a time: inference on the CPU, at most
    /// <see cref="StreamedBf16Rows"/> rows, dense bfloat16 weights and biases.
    /// </summary>
    private static bool StreamsBf16(Tensor x, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?> biases) =>
        x.DType == DType.BFloat16 && x.Device.Type == DeviceType.Cpu && !NoGrad.IsGradEnabled
        && x.NumElements / x.Size(-1) <= StreamedBf16Rows
        && weights.All(w => w.DType == DType.BFloat16) && biases.All(b => b is null or { DType: DType.BFloat16 });

    /// <summary>bfloat16 → float32 is exact, so only the result's rounding back to bfloat16 differs from a bf16 gemm.</summary>
    private static Tensor[] StreamBf16(Tensor x, IReadOnlyList<Tensor> weights, IReadOnlyList<Tensor?> biases)
    {
        using var scope = DisposeScope.Begin();
        var wide = x.To(DType.Float32);
        var wideBiases = biases.Select(b => b?.To(DType.Float32)).ToArray();
        var outputs = Functional.LinearRows(wide, weights, wideBiases).Select(y => y.To(DType.BFloat16)).ToArray();
        return outputs.Select(scope.MoveToOuter).ToArray();
    }

    /// <summary>
    /// <see cref="Apply"/> of several layers to the same input, equal to applying each in turn. Dense weights with float32
    /// input go to <see cref="Functional.TiledLinear"/> (or, without tiled copies,
    /// <see cref="Functional.LinearRows(Tensor, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/>) together, so they share
    /// one parallel region.
    /// </summary>
    public static Tensor[] ApplyAll(IReadOnlyList<LinearWeights> layers, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Any(l => l.Packed != null)) return layers.Select(l => l.Apply(x)).ToArray();
        var weights = layers.Select(l => l.Weight).ToArray();
        var biases = layers.Select(l => l.Bias).ToArray();
        if (InfersTiled(x) && AllTiled(layers, biases) is { } tiles) return Functional.TiledLinear(x, tiles, biases);
        if (StreamsBf16(x, weights, biases)) return StreamBf16(x, weights, biases);
        if (x.DType != DType.Float32) return layers.Select(l => l.Apply(x)).ToArray();
        return Functional.LinearRows(x, weights, biases);
    }

    /// <summary>
    /// <see cref="ApplyAll"/> with each row's LoRA update added in the same native call
    /// (<see cref="Functional.TiledLinearWithAdapters"/>,
    /// the bits of <see cref="Functional.AddLowRank"/> after the projection) when the input and the weights take the tiled
    /// kernel; null otherwise (the caller applies the adapters itself).
    /// </summary>
    internal static Tensor[]? ApplyAllAdapted(IReadOnlyList<LinearWeights> layers, Tensor x, LowRankAdapters adapters, IReadOnlyList<int> projections, int[] adapterOfRow)
    {
        if (layers.Any(l => l.Packed != null) || !InfersTiled(x)) return null;
        var biases = layers.Select(l => l.Bias).ToArray();
        return AllTiled(layers, biases) is { } tiles ? Functional.TiledLinearWithAdapters(x, tiles, biases, adapters, projections, adapterOfRow) : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        weight?.Dispose();
        tiled?.Dispose();
        Packed?.Dispose();
        Bias?.Dispose();
    }
}
