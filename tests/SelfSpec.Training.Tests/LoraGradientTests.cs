using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Batching;

namespace SelfSpec.Training.Tests;

/// <summary>LoRA gradients, loss and AdamW steps against the PyTorch float64 reference (shared/fixtures/llama).</summary>
public sealed class LoraGradientTests
{
    [Fact]
    public void LossAndGradientsOfEveryLoraMatrixMatchReference()
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = Fixtures.LoadTrainableAdapter(model);
        var rows = Fixtures.LabelledRows();
        using var batch = CollatedBatch.Create(rows, 0, Device.Cpu);
        using var sum = CausalLanguageModelLoss.Sum(model, adapter, batch);
        using var loss = sum.Div(batch.TargetTokens);
        loss.Backward();

        var expected = Fixtures.Cases.GetProperty("lora_loss");
        Assert.Equal(expected.GetProperty("loss").GetDouble(), loss.ItemDouble(), 4);
        var tol = Fixtures.Tolerance("grads_rel");
        var names = Fixtures.Names("lora_grads.safetensors");
        Assert.Equal(2 * adapter.Pairs.Count, names.Count);
        double squared = 0;
        foreach (var ((layer, p), pair) in adapter.Pairs)
        {
            foreach (var (matrix, tensor) in new[] { ('A', pair.A), ('B', pair.B) })
            {
                var name = LoraAdapter.TensorName(layer, p, matrix);
                using var want = Fixtures.Load("lora_grads.safetensors", name);
                using var grad = tensor.Grad ?? throw new Xunit.Sdk.XunitException($"{name} has no gradient");
                var err = Fixtures.RelativeError(grad, want);
                Assert.True(err <= tol, $"{name}: relative error {err:E3} > {tol}");
                using var sq = grad.To(DType.Float64).Square().Sum();
                squared += sq.ItemDouble();
            }
        }
        Assert.Equal(expected.GetProperty("grad_global_norm").GetDouble(), Math.Sqrt(squared), 3);
    }

    [Theory]
    [InlineData(1, "lora_after_adamw_step.safetensors")]
    [InlineData(3, "lora_after_3_adamw_steps.safetensors")]
    public void AdamWStepsFromTinyLoraMatchReference(int steps, string file)
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = Fixtures.LoadTrainableAdapter(model);
        using var dir = new TempDir();
        var adamw = Fixtures.Cases.GetProperty("adamw");
        var trainer = new LoraTrainer(model, adapter, new TrainingOptions
        {
            BatchSize = 2,
            Epochs = steps,
            MaxSteps = steps,
            Shuffle = false,
            LearningRate = adamw.GetProperty("lr").GetDouble(),
            WeightDecay = adamw.GetProperty("weight_decay").GetDouble(),
        });
        var result = trainer.Train(Fixtures.LabelledRows(), null, dir.FullPath);
        Assert.Equal(steps, result.Steps);

        using var saved = LoraAdapter.Load(dir.FullPath, model.Config, DType.Float32);
        AssertAdapterEquals(saved, file);
    }

    /// <summary>Every matrix of <paramref name="adapter"/> equals the fixture file's, within the fixtures' relative tolerance of the change.</summary>
    internal static void AssertAdapterEquals(LoraAdapter adapter, string file)
    {
        var names = Fixtures.Names(file);
        Assert.Equal(names.Count, 2 * adapter.Pairs.Count);
        foreach (var ((layer, p), pair) in adapter.Pairs)
        {
            foreach (var (matrix, tensor) in new[] { ('A', pair.A), ('B', pair.B) })
            {
                var name = LoraAdapter.TensorName(layer, p, matrix);
                using var want = Fixtures.Load(file, name);
                using var scope = DisposeScope.Begin();
                // A step moves each weight by at most ~lr; compare the difference to that scale, not to the weights.
                var diff = tensor.Detach().To(DType.Float64).Sub(want.To(DType.Float64)).Abs().Max().ItemDouble();
                Assert.True(diff <= 3e-4 * 2e-2 + 1e-6, $"{name}: max abs difference {diff:E3}");
            }
        }
    }
}
