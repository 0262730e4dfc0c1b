using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>
/// The fused decode step (<see cref="Functional.LlamaDecodeLayer"/>, one native call per layer) against the same model
/// run op by op (<see cref="LlamaModel.FuseDecodeLayers"/> off): left-padded batches, grouped-query attention, biases
/// and bfloat16 weights; and the model with its tiled weights against the same model without them
/// (<see cref="LlamaModel.TileWeights"/> off).
/// </summary>
public sealed class FusedDecodeLayerTests
{
    internal static LlamaConfig Config(bool bias) => RandomModelTests.SmallConfig(tied: false) with
    {
        ModelType = bias ? "qwen2" : "llama",
        AttentionBias = bias,
        HiddenSize = 48,
        IntermediateSize = 136, // not a multiple of the 16-feature tiles
        NumHeads = 6,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        NumLayers = 3,
    };

    /// <summary>Random biases where the architecture has them, and optionally bfloat16 projection weights.</summary>
    internal static LlamaModel Model(bool bias, bool bf16Weights)
    {
        var model = LlamaModel.CreateRandom(Config(bias), 5, initializerRange: 0.2);
        using var g = new Generator(9);
        foreach (var layer in model.Layers)
            foreach (var p in LlamaProjections.All)
            {
                var w = layer[p].Weight;
                var weight = (bf16Weights ? w.To(DType.BFloat16) : w.Alias()).DetachFromScope();
                var b = layer[p].Bias is { } old ? Tensor.Randn(old.Shape, g).Mul(0.5).DetachFromScope() : null;
                layer.Replace(p, new LinearWeights(weight, b));
            }
        return model;
    }

    /// <summary>Prefill of a left-padded batch, then greedy decode steps: the logits of every step, [steps][rows·vocab].</summary>
    private static List<float[]> DecodeLogits(LlamaModel model, int steps)
    {
        using var scope = DisposeScope.Begin();
        long[,] prompt = { { 0, 0, 0, 1, 5, 17 }, { 1, 33, 90, 44, 8, 61 }, { 0, 1, 70, 12, 3, 95 } };
        long[,] mask = { { 0, 0, 0, 1, 1, 1 }, { 1, 1, 1, 1, 1, 1 }, { 0, 1, 1, 1, 1, 1 } };
        using var cache = model.CreateCache(3, 6 + steps);
        var attention = Tensor.From(mask);
        var logits = model.Forward(Tensor.From(prompt), attention, cache, lastPositionOnly: true);
        var all = new List<float[]>();
        for (var s = 0; s < steps; s++)
        {
            var next = logits.ArgMax(-1); // [3, 1]
            attention = Tensor.Cat([attention, Tensor.Ones([3, 1], DType.Int64)], 1);
            logits = model.Forward(next, attention, cache, lastPositionOnly: true);
            all.Add(logits.ToArray<float>());
        }
        return all;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void FusedStepsMatchTheOpByOpForwardPass(bool bias, bool bf16Weights)
    {
        using var noGrad = new NoGrad();
        using var model = Model(bias, bf16Weights);
        Assert.True(model.FuseDecodeLayers);
        var fused = DecodeLogits(model, 6);
        model.FuseDecodeLayers = false;
        var opByOp = DecodeLogits(model, 6);
        for (var s = 0; s < fused.Count; s++)
        {
            var diff = fused[s].Zip(opByOp[s], (a, b) => Math.Abs(a - b)).Max();
            var scale = opByOp[s].Max(Math.Abs);
            Assert.True(diff <= 1e-5 * Math.Max(1, scale), $"step {s}: logits differ by {diff} (largest {scale})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithoutTiledWeightsInferenceTakesTheRowMajorKernelsAndAgrees(bool bf16Weights)
    {
        // Tiled: prefill and lm_head through TiledLinear, decode steps fused. Untiled: LinearRows (libtorch's BLAS linear
        // for the prefill's rows), the decode step op by op.
        using var noGrad = new NoGrad();
        using var model = Model(bias: true, bf16Weights);
        Assert.True(model.TileWeights);
        var tiled = DecodeLogits(model, 4);
        model.TileWeights = false;
        Assert.False(model.TileWeights);
        var untiled = DecodeLogits(model, 4);
        for (var s = 0; s < tiled.Count; s++)
        {
            var diff = tiled[s].Zip(untiled[s], (a, b) => Math.Abs(a - b)).Max();
            var scale = untiled[s].Max(Math.Abs);
            Assert.True(diff <= 1e-5 * Math.Max(1, scale), $"step {s}: logits differ by {diff} (largest {scale})");
        }
        using var adapter = Lora.LoraAdapter.CreateTrainable(model.Config, new Lora.LoraConfig { Rank = 2 }, seed: 1);
        using var merged = model.WithMergedAdapter(adapter);
        Assert.False(merged.TileWeights);
    }

    [Fact]
    public void BadArgumentsNameTheTensor()
    {
        using var noGrad = new NoGrad();
        using var scope = DisposeScope.Begin();
        using var model = Model(bias: false, bf16Weights: false);
        var layer = model.Layers[0];
        var tiles = LlamaProjections.All.Select(p => TiledWeight.From(layer[p].Weight)).ToArray();
        var biases = new Tensor?[7];
        var c = model.Config;
        var h = Tensor.Randn([2, c.HiddenSize]);
        var cos = Tensor.Ones([2, c.HeadDim]);
        var sin = Tensor.Zeros([2, c.HeadDim]);
        var keys = Tensor.Zeros([2, c.NumKeyValueHeads, 8, c.HeadDim]);
        object? Run(TiledWeight[] w, Tensor k, long position)
        {
            Functional.LlamaDecodeLayer(h, layer.InputNorm, layer.PostAttentionNorm, c.RmsNormEps, w, biases, cos, sin, k, keys, position, null,
                c.NumHeads, c.NumKeyValueHeads);
            return null;
        }

        Run(tiles, keys, 0); // fits
        var swapped = (TiledWeight[])tiles.Clone();
        (swapped[1], swapped[4]) = (swapped[4], swapped[1]);
        Assert.Contains("k_proj must be tiled", Assert.Throws<TorchException>(() => Run(swapped, keys, 1)).Message);
        Assert.Contains("position 8 is outside the cache's capacity 8", Assert.Throws<TorchException>(() => Run(tiles, keys, 8)).Message);
        var wrongCache = Tensor.Zeros([2, c.NumKeyValueHeads + 1, 8, c.HeadDim]);
        Assert.Contains("caches must be [2, 2, capacity, 8]", Assert.Throws<TorchException>(() => Run(tiles, wrongCache, 1)).Message);

        // LoRA matrices that do not fit their projection, or a row's adapter index out of range.
        string Adapted(LowRankAdapters adapters, int[] adapterOfRow) => Assert.Throws<TorchException>(() =>
            Functional.LlamaDecodeLayer(h, layer.InputNorm, layer.PostAttentionNorm, c.RmsNormEps, tiles, biases, cos, sin, keys, keys, 1, null,
                c.NumHeads, c.NumKeyValueHeads, adapters, adapterOfRow)).Message;
        LowRankAdapters Adapter(int projection, Tensor a, Tensor b)
        {
            var matrices = new (Tensor A, Tensor B)?[7, 1];
            matrices[projection, 0] = (a, b);
            return new LowRankAdapters([2.0], matrices);
        }
        var fits = Adapter(1, Tensor.Randn([4, c.HiddenSize]), Tensor.Randn([c.NumKeyValueHeads * c.HeadDim, 4]));
        Functional.LlamaDecodeLayer(h, layer.InputNorm, layer.PostAttentionNorm, c.RmsNormEps, tiles, biases, cos, sin, keys, keys, 1, null,
            c.NumHeads, c.NumKeyValueHeads, fits, [0, -1]);
        Assert.Contains("row 1's adapter index 1 is out of range (1 adapters", Adapted(fits, [0, 1]));
        Assert.Contains("adapter 0's A for down_proj must be [rank, 136], got [4, 48]",
            Adapted(Adapter(6, Tensor.Randn([4, c.HiddenSize]), Tensor.Randn([c.HiddenSize, 4])), [0, 0]));
        Assert.Contains("adapter 0's B for k_proj must be [16, 4] (A has rank 4), got [48, 4]",
            Adapted(Adapter(1, Tensor.Randn([4, c.HiddenSize]), Tensor.Randn([c.HiddenSize, 4])), [0, 0]));
        Assert.Contains("adapter 0's B for o_proj must be a contiguous float32 CPU tensor, got BFloat16",
            Adapted(Adapter(3, Tensor.Randn([4, c.HiddenSize]), Tensor.Randn([c.HiddenSize, 4]).To(DType.BFloat16)), [0, 0]));
        Assert.Contains("3 adapter indices for 2 rows", Assert.Throws<ArgumentException>(() =>
            Functional.LlamaDecodeLayer(h, layer.InputNorm, layer.PostAttentionNorm, c.RmsNormEps, tiles, biases, cos, sin, keys, keys, 1, null,
                c.NumHeads, c.NumKeyValueHeads, fits, [0, 0, 0])).Message);
    }
}
