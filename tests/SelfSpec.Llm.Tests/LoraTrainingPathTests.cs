using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;

namespace SelfSpec.Llm.Tests;

/// <summary>The autograd path of the forward pass (what LoRA training builds on) against lora_grads.safetensors.</summary>
public sealed class LoraTrainingPathTests
{
    [Fact]
    public void LossAndAdapterGradientsMatchReference()
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        foreach (var p in adapter.Parameters) p.RequiresGrad = true;
        using var ids = Fixtures.Expected("input_ids");
        using var labels = Fixtures.Expected("labels");

        using (var scope = DisposeScope.Begin())
        {
            var logits = model.Forward(ids, adapter: adapter);
            var t = ids.Size(1);
            var shifted = logits.Narrow(1, 0, t - 1).Reshape(-1, model.Config.VocabSize);
            var targets = labels.Narrow(1, 1, t - 1).Reshape(-1);
            var loss = Functional.CrossEntropy(shifted, targets);
            Assert.Equal(Fixtures.Cases.GetProperty("lora_loss").GetProperty("loss").GetDouble(), loss.ItemDouble(), 1e-4);
            loss.Backward();
        }

        Assert.False(model.Layers[0][LlamaProjection.Query].Weight.RequiresGrad);
        var rel = Fixtures.Tolerance("grads_rel");
        using var grads = SafetensorsFile.Open(Fixtures.Dir("lora_grads.safetensors"));
        double sumSq = 0;
        foreach (var ((layer, projection), pair) in adapter.Pairs)
        {
            foreach (var (matrix, tensor) in new[] { ('A', pair.A), ('B', pair.B) })
            {
                using var expected = grads.Load(LoraAdapter.TensorName(layer, projection, matrix));
                using var got = tensor.Grad!;
                using var diff = got.Sub(expected).Norm();
                using var norm = expected.Norm();
                Assert.True(diff.ItemDouble() <= rel * norm.ItemDouble() + 1e-7, $"{layer}.{projection}.{matrix}: |Δ| {diff.ItemDouble()} vs |g| {norm.ItemDouble()}");
                using var sq = got.Square().Sum();
                sumSq += sq.ItemDouble();
            }
        }
        Assert.Equal(Fixtures.Cases.GetProperty("lora_loss").GetProperty("grad_global_norm").GetDouble(), Math.Sqrt(sumSq), 1e-3);
    }

    [Fact]
    public void AdapterSavesInPeftLayoutAndReloadsIdentically()
    {
        using var tmp = new TempDir();
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.Load(Fixtures.Adapter, model.Config, DType.Float32);
        adapter.Save(tmp.FullPath);
        Assert.True(File.Exists(tmp.Combine("adapter_config.json")));
        using var original = SafetensorsFile.Open(Path.Combine(Fixtures.Adapter, LoraAdapter.WeightsFileName));
        using var saved = SafetensorsFile.Open(tmp.Combine(LoraAdapter.WeightsFileName));
        Assert.Equal(original.Names.Order(), saved.Names.Order());
        foreach (var name in original.Names) Assert.Equal(original.RawBytes(name).ToArray(), saved.RawBytes(name).ToArray());
        using var reloaded = LoraAdapter.Load(tmp.FullPath, model.Config, DType.Float32);
        Assert.Equal(adapter.Scale, reloaded.Scale);
        Assert.Equal(adapter.Config.TargetModules.Order(), reloaded.Config.TargetModules.Order());
    }

    [Fact]
    public void FreshTrainableAdapterIsANoOp()
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 4, Alpha = 8 }, seed: 1);
        Assert.All(adapter.Parameters, p => Assert.True(p.RequiresGrad));
        using var noGrad = new NoGrad();
        using var ids = Fixtures.Expected("input_ids");
        using var expected = Fixtures.Expected("logits");
        using var logits = model.Forward(ids, adapter: adapter);
        Assert.InRange(Fixtures.MaxAbsDiff(logits, expected), 0, Fixtures.Tolerance("logits_abs"));
    }

    [Fact]
    public void MisShapedAdapterTensorIsReported()
    {
        using var tmp = new TempDir();
        Fixtures.CopyDir(Fixtures.Adapter, tmp.FullPath);
        var file = tmp.Combine(LoraAdapter.WeightsFileName);
        var tensors = new Dictionary<string, Tensor>();
        using (var st = SafetensorsFile.Open(file))
            foreach (var name in st.Names)
                using (var t = st.Load(name)) tensors[name] = t.Clone();
        var bad = LoraAdapter.TensorName(1, LlamaProjection.Key, 'B');
        tensors[bad].Dispose();
        tensors[bad] = Tensor.Zeros([64, 8]); // k_proj out is 32 with 2 KV heads
        File.Delete(file);
        SafetensorsWriter.Write(file, tensors);
        foreach (var t in tensors.Values) t.Dispose();
        using var model = LlamaModel.Load(Fixtures.Model);
        var e = Assert.Throws<CheckpointFormatException>(() => LoraAdapter.Load(tmp.FullPath, model.Config, DType.Float32));
        Assert.Equal(bad, e.Tensor);
        Assert.Contains("expected [32, 8]", e.Message);
    }
}

public sealed class LoraConfigTests
{
    [Fact]
    public void TargetModulesAsListOrFullMatchRegex()
    {
        var list = new SelfSpec.Llm.Lora.LoraConfig { TargetModules = ["q_proj", "v_proj"] };
        Assert.True(list.Targets(LlamaProjection.Query, 3));
        Assert.False(list.Targets(LlamaProjection.Key, 3));
        var regex = new SelfSpec.Llm.Lora.LoraConfig { TargetModules = [], TargetModulesRegex = @".*\.layers\.1\.mlp\.(gate|up)_proj" };
        Assert.True(regex.Targets(LlamaProjection.Gate, 1));
        Assert.False(regex.Targets(LlamaProjection.Gate, 0));
        Assert.False(regex.Targets(LlamaProjection.Down, 1));
        Assert.Equal(2.0, new SelfSpec.Llm.Lora.LoraConfig { Rank = 8, Alpha = 16 }.Scale);
        Assert.Equal(16 / Math.Sqrt(8), new SelfSpec.Llm.Lora.LoraConfig { Rank = 8, Alpha = 16, UseRsLora = true }.Scale, 12);
    }
}
