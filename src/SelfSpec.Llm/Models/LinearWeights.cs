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

    /// <summary>
    /// Applies the layer. A packed (quantised) weight computes through <see cref="IPackedLinearWeight.Linear"/>; few-row
    /// float32 inputs (decoding) take <see cref="Functional.LinearRows(Tensor, Tensor, Tensor?)"/>, which streams the weight
    /// once; everything else (prefill, autograd, bf16 activations) takes libtorch's linear.
    /// </summary>
    public Tensor Apply(Tensor x) =>
        Packed != null ? Packed.Linear(x, Bias)
        : x.DType == DType.Float32 ? Functional.LinearRows(x, Weight, Bias)
        : Functional.Linear(x, Weight, Bias);

    /// <summary>
    /// <see cref="Apply"/> of several layers to the same input, equal to applying each in turn. Dense weights with float32
    /// input go to <see cref="Functional.LinearRows(Tensor, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?})"/> together,
    /// so at decode time they share one parallel region.
    /// </summary>
    public static Tensor[] ApplyAll(IReadOnlyList<LinearWeights> layers, Tensor x)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (x.DType != DType.Float32 || layers.Any(l => l.Packed != null)) return layers.Select(l => l.Apply(x)).ToArray();
        return Functional.LinearRows(x, layers.Select(l => l.Weight).ToArray(), layers.Select(l => l.Bias).ToArray());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        weight?.Dispose();
        Packed?.Dispose();
        Bias?.Dispose();
    }
}
