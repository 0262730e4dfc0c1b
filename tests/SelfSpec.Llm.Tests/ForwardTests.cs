using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>Logits against the PyTorch float64 reference (expected.safetensors, tolerances from cases.json).</summary>
public sealed class ForwardTests
{
    [Theory]
    [InlineData(true)] // TiledLinear
    [InlineData(false)] // LinearRows → libtorch's BLAS linear
    public void ShardedFloat32ModelMatchesReferenceLogits(bool tileWeights)
    {
        using var model = LlamaModel.Load(Fixtures.Model, new LlamaLoadOptions { TileWeights = tileWeights });
        Assert.Equal(tileWeights, model.TileWeights);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits");
        using var logits = model.Forward(ids);
        Assert.InRange(Fixtures.MaxAbsDiff(logits, expected), 0, Fixtures.Tolerance("logits_abs"));
    }

    [Fact]
    public void Bf16CheckpointComputedInFloat32MatchesReference()
    {
        using var model = LlamaModel.Load(Fixtures.ModelBf16);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits_bf16_model");
        using var logits = model.Forward(ids);
        Assert.InRange(Fixtures.MaxAbsDiff(logits, expected), 0, Fixtures.Tolerance("bf16_logits_abs"));
    }

    [Fact]
    public void Bf16WeightsWithFloat32ComputeMatchReferenceInPrefillAndDecode()
    {
        using var model = LlamaModel.Load(Fixtures.ModelBf16, new LlamaLoadOptions { WeightDType = DType.BFloat16 });
        Assert.Equal(DType.BFloat16, model.WeightDType);
        Assert.Equal(DType.Float32, model.DType);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits_bf16_model");
        using var logits = model.Forward(ids);
        Assert.InRange(Fixtures.MaxAbsDiff(logits, expected), 0, Fixtures.Tolerance("bf16_logits_abs"));

        // Token by token through the cache (the few-row kernel reading bf16 weights) gives the same logits.
        using var cache = model.CreateCache(2, 11);
        for (var t = 0; t < 11; t++)
        {
            using var step = ids.Narrow(1, t, 1);
            using var stepLogits = model.Forward(step, cache: cache);
            using var want = expected.Narrow(1, t, 1);
            Assert.InRange(Fixtures.MaxAbsDiff(stepLogits, want), 0, Fixtures.Tolerance("bf16_logits_abs"));
        }
    }

    [Fact]
    public void Bf16ComputeStaysCloseToReference()
    {
        // bfloat16 activations carry ~3 significant digits, so this checks closeness and the top-1 token, not bits.
        using var model = LlamaModel.Load(Fixtures.ModelBf16, new LlamaLoadOptions { DType = DType.BFloat16 });
        Assert.Equal(DType.BFloat16, model.LmHead.DType);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits_bf16_model");
        void CloseTo(Tensor got, Tensor want, string what)
        {
            Assert.InRange(Fixtures.MaxAbsDiff(got, want), 0, 0.05);
            using var a = got.ArgMax(-1);
            using var b = want.ArgMax(-1);
            using var agree = a.Eq(b).To(DType.Float32).Mean();
            Assert.True(agree.ItemDouble() >= 0.9, $"{what}: top-1 agreement {agree.ItemDouble()}");
        }

        // 2 × 11 rows: few enough for the streaming kernel (bf16 weights, float32 accumulation, bf16 result).
        using (var logits = model.Forward(ids)) CloseTo(logits, expected, "22 rows");
        // The same rows twice over (44 rows) take libtorch's bf16 gemm instead.
        using (var doubled = Tensor.Cat([ids, ids], 0))
        using (var twice = Tensor.Cat([expected, expected], 0))
        using (var logits = model.Forward(doubled))
            CloseTo(logits, twice, "44 rows");
        // Token by token through the cache: one row per sequence, the decode path.
        using var cache = model.CreateCache(2, 11);
        var steps = new List<Tensor>();
        for (var t = 0; t < 11; t++)
        {
            using var step = ids.Narrow(1, t, 1);
            steps.Add(model.Forward(step, cache: cache));
        }
        using (var decoded = Tensor.Cat(steps, 1)) CloseTo(decoded, expected, "decode");
        steps.ForEach(x => x.Dispose());
    }

    [Fact]
    public void LeftPaddedBatchMatchesReferenceAndUnpaddedRow()
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("padded_input_ids");
        using var mask = Fixtures.Expected("padded_attention_mask");
        using var expected = Fixtures.Expected("logits_padded");
        using var logits = model.Forward(ids, mask);
        var tol = Fixtures.Tolerance("logits_abs");

        // Padded query positions are undefined; compare real positions only.
        var maskValues = mask.ToArray<long>();
        var width = (int)ids.Size(1);
        for (var row = 0; row < 2; row++)
        {
            var firstReal = Array.FindIndex(maskValues, row * width, width, v => v == 1) - row * width;
            using var got = logits.Select(0, row).Narrow(0, firstReal, width - firstReal);
            using var want = expected.Select(0, row).Narrow(0, firstReal, width - firstReal);
            Assert.InRange(Fixtures.MaxAbsDiff(got, want), 0, tol);
            if (row == 1)
            {
                using var unpaddedExpected = Fixtures.Expected("logits_row1_unpadded");
                using var rowAlone = ids.Select(0, 1).Narrow(0, firstReal, width - firstReal).Unsqueeze(0);
                using var alone = model.Forward(rowAlone);
                Assert.InRange(Fixtures.MaxAbsDiff(alone, unpaddedExpected), 0, tol);
                using var gotRow = got.Unsqueeze(0);
                Assert.InRange(Fixtures.MaxAbsDiff(gotRow, alone), 0, 1e-4);
            }
        }
    }

    [Fact]
    public void UnmergedAndMergedLoraMatchReferenceLogits()
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        Assert.Equal(2.0, adapter.Scale);
        Assert.Equal(2 * 7, adapter.Pairs.Count);
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits_lora");
        var tol = Fixtures.Tolerance("logits_abs");

        using var unmerged = model.Forward(ids, adapter: adapter);
        Assert.InRange(Fixtures.MaxAbsDiff(unmerged, expected), 0, tol);

        using var merged = model.WithMergedAdapter(adapter);
        using var mergedLogits = merged.Forward(ids);
        Assert.InRange(Fixtures.MaxAbsDiff(mergedLogits, expected), 0, tol);

        // The base model is untouched by merging and by unmerged use.
        using var baseExpected = Fixtures.Expected("logits");
        using var baseLogits = model.Forward(ids);
        Assert.InRange(Fixtures.MaxAbsDiff(baseLogits, baseExpected), 0, tol);
    }
}
