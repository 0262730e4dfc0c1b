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

    /// <summary>
    /// Applies the layer. A packed (quantised) weight computes through <see cref="IPackedLinearWeight.Linear"/>; few-row
    /// float32 inputs (decoding) take <see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>, which streams the weight
    /// once; so do few-row bfloat16 inputs over bfloat16 weights at inference (see <see cref="StreamsBf16"/>); everything
    /// else (prefill, autograd) takes libtorch's linear.
    /// </summary>
    public Tensor Apply(Tensor x) =>
        Packed != null ? Packed.Linear(x, Bias)
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

    /// <summary><see cref="Apply"/> for a bare dense weight without bias (the output head).</summary>
    internal static Tensor ApplyDense(Tensor x, Tensor weight) =>
        x.DType == DType.Float32 ? Functional.LinearRows(x, weight)
        : StreamsBf16(x, [weight], [null]) ? StreamBf16(x, [weight], [null])[0]
        : Functional.Linear(x, weight);

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
    /// input go to <see cref="Functional.LinearRows(Tensor, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/> together,
    /// so at decode time they share one parallel region.
    /// </summary>
    public static Tensor[] ApplyAll(IReadOnlyList<LinearWeights> layers, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Any(l => l.Packed != null)) return layers.Select(l => l.Apply(x)).ToArray();
        var weights = layers.Select(l => l.Weight).ToArray();
        var biases = layers.Select(l => l.Bias).ToArray();
        if (StreamsBf16(x, weights, biases)) return StreamBf16(x, weights, biases);
        if (x.DType != DType.Float32) return layers.Select(l => l.Apply(x)).ToArray();
        return Functional.LinearRows(x, weights, biases);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        weight?.Dispose();
        Packed?.Dispose();
        Bias?.Dispose();
    }
}
