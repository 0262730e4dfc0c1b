using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Training.Quantization;

/// <summary>What quantising a model's projections saved.</summary>
/// <param name="Projections">Projections replaced by NF4.</param>
/// <param name="DenseBytes">Bytes the dense weights took, in the model's dtype.</param>
/// <param name="QuantizedBytes">Bytes the NF4 codes and scales take.</param>
public sealed record QuantizationReport(int Projections, long DenseBytes, long QuantizedBytes)
{
    /// <summary>Dense bytes over quantised bytes.</summary>
    public double CompressionRatio => QuantizedBytes == 0 ? 0 : (double)DenseBytes / QuantizedBytes;
}

/// <summary>
/// Turns a loaded model into a QLoRA base: every linear projection of every decoder layer is replaced, in place,
/// by an <see cref="Nf4Weight"/> and its dense weight released. Embeddings, norms and <c>lm_head</c> stay in the
/// compute dtype (as in QLoRA). The compute dtype is the model's (<see cref="LlamaLoadOptions.DType"/>).
/// </summary>
public static class QLoraQuantizer
{
    /// <summary>Quantises all projections of <paramref name="model"/>.</summary>
    public static QuantizationReport Quantize(LlamaModel model, bool doubleQuantize = true, int blockSize = Nf4.DefaultBlockSize)
    {
        int count = 0;
        long dense = 0, quantized = 0;
        using var noGrad = new NoGrad();
        foreach (var layer in model.Layers)
            foreach (var p in LlamaProjections.All)
            {
                var current = layer[p];
                if (current.Packed != null) continue;
                var weight = current.Weight;
                dense += weight.NumElements * weight.ElementSize;
                var nf4 = Nf4Weight.Quantize(weight, doubleQuantize, blockSize);
                quantized += nf4.StorageBytes;
                var bias = current.Bias?.Alias().DetachFromScope();
                layer.Replace(p, new LinearWeights(nf4, bias));
                count++;
            }
        return new QuantizationReport(count, dense, quantized);
    }
}
