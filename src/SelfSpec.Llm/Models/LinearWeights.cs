using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>The weight [out, in] and optional bias [out] of one linear layer: y = x·Wᵀ + b.</summary>
public sealed class LinearWeights : IDisposable
{
    /// <summary>Wraps the tensors (this object owns them).</summary>
    public LinearWeights(Tensor weight, Tensor? bias)
    {
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The weight, [out_features, in_features].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias, [out_features], if any.</summary>
    public Tensor? Bias { get; }

    /// <summary>
    /// Applies the layer. Few-row float32 inputs (decoding) take <see cref="Functional.LinearRows"/>, which streams the weight
    /// once; everything else (prefill, autograd, bf16 activations) takes libtorch's linear.
    /// </summary>
    public Tensor Apply(Tensor x) => x.DType == DType.Float32 ? Functional.LinearRows(x, Weight, Bias) : Functional.Linear(x, Weight, Bias);

    /// <inheritdoc />
    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
    }
}
