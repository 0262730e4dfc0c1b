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

    /// <summary>Applies the layer.</summary>
    public Tensor Apply(Tensor x) => Functional.Linear(x, Weight, Bias);

    /// <inheritdoc />
    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
    }
}
