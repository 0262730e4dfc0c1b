using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Batching;
using SelfSpec.Training.Quantization;

namespace SelfSpec.Training.Tests;

/// <summary>NF4 quantisation against the reference (bitsandbytes' algorithm recomputed in PyTorch) and QLoRA forward/backward.</summary>
public sealed class Nf4Tests
{
    private static float[] FixtureWeight(out long[] shape)
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        var w = model.Layers[0][LlamaProjection.Up].Weight;
        shape = w.Shape;
        return w.ToArray<float>();
    }

    [Fact]
    public void CodeBookIsTheReferenceTable()
    {
        var table = Fixtures.Cases.GetProperty("nf4").GetProperty("table").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        Assert.Equal(table, Nf4.Codes.ToArray());
    }

    [Fact]
    public void QuantisingUpProjOfLayer0GivesReferenceIndicesAbsmaxAndValues()
    {
        var values = FixtureWeight(out _);
        var indices = new byte[values.Length];
        var absmax = new float[(values.Length + 63) / 64];
        Nf4.Quantize(values, indices, absmax, Fixtures.Cases.GetProperty("nf4").GetProperty("block_size").GetInt32());

        using var wantIndices = Fixtures.Load("expected.safetensors", "nf4_indices");
        using var wantAbsmax = Fixtures.Load("expected.safetensors", "nf4_absmax");
        using var wantValues = Fixtures.Load("expected.safetensors", "nf4_dequantized_up_proj_layer0");
        Assert.Equal(wantIndices.ToArray<byte>(), indices);
        Assert.Equal(wantAbsmax.ToArray<float>(), absmax);
        var dequantized = Nf4.Dequantize(indices, absmax);
        var expected = wantValues.ToArray<float>();
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - dequantized[i]) <= 1e-7, $"value {i}: {dequantized[i]} vs {expected[i]}");
    }

    [Fact]
    public void PackedWeightExpandsOnTheDeviceToTheReferenceValues()
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var nf4 = Nf4Weight.Quantize(model.Layers[0][LlamaProjection.Up].Weight);
        using var wantIndices = Fixtures.Load("expected.safetensors", "nf4_indices");
        // bitsandbytes' layout: two codes per byte, the even element in the high nibble.
        var packed = nf4.Packed.ToArray<byte>();
        var indices = wantIndices.ToArray<byte>();
        Assert.Equal(indices.Length / 2, packed.Length);
        for (var i = 0; i < packed.Length; i++) Assert.Equal((byte)(indices[2 * i] << 4 | indices[2 * i + 1]), packed[i]);

        using var dense = nf4.Dequantize(DType.Float32);
        using var want = Fixtures.Load("expected.safetensors", "nf4_dequantized_up_proj_layer0");
        Assert.True(Fixtures.RelativeError(dense, want) < 1e-7);
        Assert.Equal(11264 / 2 + 176 * 4 + 4, nf4.StorageBytes);
    }

    [Fact]
    public void DoubleQuantisedAbsmaxStaysWithinTheDynamicMapsResolution()
    {
        var values = FixtureWeight(out var shape);
        using var weight = Tensor.From<float>(values, shape);
        using var single = Nf4Weight.Quantize(weight, doubleQuantize: false);
        using var dq = Nf4Weight.Quantize(weight, doubleQuantize: true);
        using var a = single.Absmax();
        using var b = dq.Absmax();
        var exact = a.ToArray<float>();
        var approx = b.ToArray<float>();
        var mean = exact.Average();
        var spread = exact.Max(x => Math.Abs(x - mean));
        // 8-bit dynamic codes near 1 are ~1/64 apart: the error is at most half a step of the block's range.
        for (var i = 0; i < exact.Length; i++) Assert.True(Math.Abs(exact[i] - approx[i]) <= spread / 64, $"absmax {i}: {approx[i]} vs {exact[i]}");
        Assert.True(dq.StorageBytes < single.StorageBytes);
        Assert.Equal(256, DynamicMap.Codes.Count);
        Assert.InRange(DynamicMap.Codes[0], -1f, -0.99f);
        Assert.Equal(1f, DynamicMap.Codes[^1]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QLoraForwardAndBackwardEqualDenseDequantisedModel(bool doubleQuantize)
    {
        // Reference: the same model with each projection replaced by its dequantised dense weight, run by plain autograd.
        using var quantized = LlamaModel.Load(Fixtures.Model);
        using var dequantizedDense = LlamaModel.Load(Fixtures.Model);
        var report = QLoraQuantizer.Quantize(quantized, doubleQuantize);
        Assert.Equal(2 * 7, report.Projections);
        Assert.True(report.CompressionRatio > 6.5, $"compression {report.CompressionRatio:F2}");
        foreach (var (q, d) in quantized.Layers.Zip(dequantizedDense.Layers))
            foreach (var p in LlamaProjections.All)
                d.Replace(p, new LinearWeights(q[p].Packed!.Dequantize(DType.Float32).DetachFromScope(), null));

        var rows = Fixtures.LabelledRows();
        var grads = new List<float[]>();
        var losses = new List<double>();
        foreach (var model in new[] { quantized, dequantizedDense })
        {
            using var adapter = Fixtures.LoadTrainableAdapter(model);
            using var batch = CollatedBatch.Create(rows, 0, Device.Cpu);
            using var scope = DisposeScope.Begin();
            var loss = CausalLanguageModelLoss.Sum(model, adapter, batch).Div(batch.TargetTokens);
            loss.Backward();
            losses.Add(loss.ItemDouble());
            grads.Add(adapter.Parameters.SelectMany(t => t.Grad!.ToArray<float>()).ToArray());
        }
        Assert.Equal(losses[1], losses[0], 5);
        var max = grads[1].Max(Math.Abs);
        for (var i = 0; i < grads[0].Length; i++) Assert.True(Math.Abs(grads[0][i] - grads[1][i]) <= 1e-5 * max, $"gradient {i}: {grads[0][i]} vs {grads[1][i]}");

        // And quantisation changes the model only a little: the loss stays near the dense model's.
        Assert.Equal(Fixtures.Cases.GetProperty("lora_loss").GetProperty("loss").GetDouble(), losses[0], 1);
    }

    [Fact]
    public void BFloat16QLoraTrainingStepsLowerTheLoss()
    {
        using var model = LlamaModel.Load(Fixtures.Model, new LlamaLoadOptions { DType = DType.BFloat16 });
        QLoraQuantizer.Quantize(model, doubleQuantize: true);
        using var adapter = Fixtures.LoadTrainableAdapterAs(model, DType.BFloat16);
        using var dir = new TempDir();
        var rows = Fixtures.LabelledRows();
        var trainer = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 2, Epochs = 5, Shuffle = false, LearningRate = 1e-2 });
        var first = trainer.Evaluate(rows, 0, 2);
        var result = trainer.Train(rows, null, dir.FullPath);
        var last = trainer.Evaluate(rows, 0, 2);
        Assert.Equal(5, result.Steps);
        Assert.InRange(first, 5.9, 6.4); // near the float32 dense model's 6.156
        Assert.True(last < first - 0.1, $"loss {first:F3} → {last:F3}");
    }
}
