using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>
/// A frozen linear weight kept in a compressed form (for example QLoRA's 4-bit NF4) and expanded on the fly by
/// <see cref="Linear"/>, in the forward and the backward pass. Install one with <see cref="LlamaLayer.Replace"/>.
/// </summary>
public interface IPackedLinearWeight : IDisposable
{
    /// <summary>Rows of the dense weight.</summary>
    long OutFeatures { get; }

    /// <summary>Columns of the dense weight.</summary>
    long InFeatures { get; }

    /// <summary>Bytes the packed form occupies.</summary>
    long StorageBytes { get; }

    /// <summary><c>x · Wᵀ + bias</c>, differentiable with respect to <paramref name="x"/>.</summary>
    Tensor Linear(Tensor x, Tensor? bias);

    /// <summary>The dense weight [out, in] in <paramref name="dtype"/> (a new tensor).</summary>
    Tensor Dequantize(DType dtype);
}
