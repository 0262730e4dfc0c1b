using SelfSpec.Torch;

namespace SelfSpec.Llm.Models;

/// <summary>The weights of one decoder layer.</summary>
public sealed class LlamaLayer : IDisposable
{
    private readonly LinearWeights[] projections;

    /// <summary>Wraps the weights (this object owns them); <paramref name="projections"/> is indexed by <see cref="LlamaProjection"/>.</summary>
    public LlamaLayer(int index, Tensor inputNorm, Tensor postAttentionNorm, LinearWeights[] projections)
    {
        if (projections.Length != LlamaProjections.All.Count) throw new ArgumentException("one LinearWeights per LlamaProjection expected", nameof(projections));
        Index = index;
        InputNorm = inputNorm;
        PostAttentionNorm = postAttentionNorm;
        this.projections = projections;
    }

    /// <summary>The layer number.</summary>
    public int Index { get; }

    /// <summary><c>input_layernorm.weight</c>.</summary>
    public Tensor InputNorm { get; }

    /// <summary><c>post_attention_layernorm.weight</c>.</summary>
    public Tensor PostAttentionNorm { get; }

    /// <summary>One projection's weights.</summary>
    public LinearWeights this[LlamaProjection p] => projections[(int)p];

    /// <summary>Installs new weights for one projection (for example a quantised copy) and disposes the previous ones; the model's <see cref="LlamaModel.TileWeights"/> carries over.</summary>
    public void Replace(LlamaProjection p, LinearWeights weights)
    {
        var old = projections[(int)p];
        weights.TilingEnabled = old.TilingEnabled;
        projections[(int)p] = weights;
        if (!ReferenceEquals(old, weights)) old.Dispose();
    }

    /// <summary>
    /// The seven projections tiled (<see cref="LinearWeights.Tiled"/>, made on first use) and their biases, in
    /// <see cref="LlamaProjections.All"/> order, when the layer fits <see cref="Functional.LlamaDecodeLayer"/>: dense
    /// weights all float32 or all bfloat16, float32 biases and norms. Null when it does not (a packed projection, mixed
    /// dtypes).
    /// </summary>
    internal (TiledWeight[] Weights, Tensor?[] Biases)? FusableProjections
    {
        get
        {
            if (projections.Any(p => p.Packed != null) || InputNorm.DType != DType.Float32 || PostAttentionNorm.DType != DType.Float32) return null;
            var biases = projections.Select(p => p.Bias).ToArray();
            if (LinearWeights.AllTiled(projections, biases) is not { } tiles) return null;
            return (tiles, biases);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputNorm.Dispose();
        PostAttentionNorm.Dispose();
        foreach (var p in projections) p.Dispose();
    }
}
