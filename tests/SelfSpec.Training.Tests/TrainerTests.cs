using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Batching;
using SelfSpec.Training.Checkpointing;
using SelfSpec.Training.Data;
using SelfSpec.Training.Logging;
using SelfSpec.Training.Optimization;

namespace SelfSpec.Training.Tests;

/// <summary>The training loop: accumulation, schedules, batching, checkpoints, cancellation.</summary>
public sealed class TrainerTests
{
    private static LoraAdapter FreshAdapter(LlamaModel model, ulong seed = 7, double dropout = 0) =>
        LoraAdapter.CreateTrainable(model.Config, new LoraConfig { Rank = 8, Alpha = 16, Dropout = dropout }, seed);

    private static float[] Flatten(LoraAdapter adapter) => adapter.Parameters.SelectMany(t => t.Detach().ToArray<float>()).ToArray();

    private static float[] TrainOnce(IReadOnlyList<TrainingExample> rows, TrainingOptions options, string dir, IReadOnlyList<TrainingExample>? heldOut = null)
    {
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = FreshAdapter(model);
        // B starts at zero; take it off zero first so gradients of A are non-trivial too.
        new LoraTrainer(model, adapter, options).Train(rows, heldOut, dir);
        return Flatten(adapter);
    }

    [Fact]
    public void FourMicroBatchesOfEightGiveTheSameUpdateAsOneBatchOf32()
    {
        var rows = Fixtures.RandomRows(32, seed: 11);
        using var a = new TempDir();
        using var b = new TempDir();
        var options = new TrainingOptions { BatchSize = 32, Epochs = 2, Shuffle = false, LearningRate = 1e-2 };
        var whole = TrainOnce(rows, options, a.FullPath);
        var micro = TrainOnce(rows, options with { MicroBatchSize = 8 }, b.FullPath);
        using var start = LlamaModel.Load(Fixtures.Model);
        using var init = FreshAdapter(start);
        var initial = Flatten(init);
        Assert.True(whole.Zip(initial).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "training did not move the adapter");
        // Each step moves a weight by up to lr; only float summation order differs, so allow 0.1% of one step.
        var maxDiff = whole.Zip(micro).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(maxDiff < 1e-3 * options.LearningRate, $"accumulated update differs by {maxDiff:E3}");
    }

    [Fact]
    public void LossIsTheMeanOverAllTargetTokensOfTheEffectiveBatch()
    {
        // Rows of very different target counts: a mean of per-micro-batch means would weigh them differently.
        var rows = Fixtures.RandomRows(4, seed: 5, minLength: 4, maxLength: 4).Concat(Fixtures.RandomRows(4, seed: 6, minLength: 16, maxLength: 16)).ToList();
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = FreshAdapter(model);
        using var dir = new TempDir();
        var trainer = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 8, MicroBatchSize = 3, MaxSteps = 1, Shuffle = false, LearningRate = 1e-9 });
        double expected;
        using (var noGrad = new NoGrad())
        using (var batch = CollatedBatch.Create(rows, 0, Device.Cpu))
        using (var sum = CausalLanguageModelLoss.Sum(model, adapter, batch))
            expected = sum.ItemDouble() / batch.TargetTokens;
        var result = trainer.Train(rows, null, dir.FullPath);
        Assert.Equal(expected, result.FinalLoss, 5);
        var log = new ParquetTrainingLog().Read(result.LogPath);
        Assert.Single(log);
        Assert.Equal(expected, log[0].Loss!.Value, 5);
        Assert.True(log[0].GradNorm > 0 && log[0].TokensPerSecond > 0);
    }

    [Fact]
    public void ScheduleRatesFollowHuggingFaceFormulas()
    {
        var linear = new LearningRateSchedule(LearningRateScheduleKind.Linear, 1.0, 2, 10);
        Assert.Equal([0.0, 0.5, 1.0, 0.875, 0.125], new[] { 0, 1, 2, 3, 9 }.Select(linear.At).ToArray());
        var cosine = new LearningRateSchedule(LearningRateScheduleKind.Cosine, 2.0, 0, 4);
        Assert.Equal(2.0, cosine.At(0), 12);
        Assert.Equal(1.0, cosine.At(2), 12);
        Assert.Equal(2.0 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), cosine.At(1), 12);
        var constant = new LearningRateSchedule(LearningRateScheduleKind.Constant, 3e-4, 0, 100);
        Assert.Equal(3e-4, constant.At(57));
    }

    [Fact]
    public void ScheduleAndClippingReachTheOptimizer()
    {
        var rows = Fixtures.RandomRows(8, seed: 2);
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = FreshAdapter(model);
        using var dir = new TempDir();
        var result = new LoraTrainer(model, adapter, new TrainingOptions
        {
            BatchSize = 2, Epochs = 1, Shuffle = false, LearningRate = 1e-3, Schedule = LearningRateScheduleKind.Linear, WarmupSteps = 1, MaxGradNorm = 1e-3,
        }).Train(rows, null, dir.FullPath);
        var log = new ParquetTrainingLog().Read(result.LogPath);
        Assert.Equal(new[] { 0.0, 1e-3, 1e-3 * 2 / 3, 1e-3 / 3 }.Select(x => Math.Round(x, 12)), log.Select(e => Math.Round(e.LearningRate!.Value, 12)));
        Assert.All(log, e => Assert.True(e.GradNorm > 1e-3, "the logged norm is the one before clipping"));
    }

    [Fact]
    public void ShufflingIsSeededAndLengthGroupingSortsWithinMegaBatches()
    {
        var lengths = Enumerable.Range(0, 100).Select(i => i % 17 + 1).ToArray();
        var a = new BatchPlanner(lengths, 4, shuffle: true, groupByLength: false, seed: 1);
        var b = new BatchPlanner(lengths, 4, shuffle: true, groupByLength: false, seed: 1);
        var c = new BatchPlanner(lengths, 4, shuffle: true, groupByLength: false, seed: 2);
        Assert.Equal(a.Batches(0).SelectMany(x => x), b.Batches(0).SelectMany(x => x));
        Assert.NotEqual(a.Batches(0).SelectMany(x => x), c.Batches(0).SelectMany(x => x));
        Assert.NotEqual(a.Batches(0).SelectMany(x => x), a.Batches(1).SelectMany(x => x));
        Assert.Equal(Enumerable.Range(0, 100), a.Batches(0).SelectMany(x => x).Order());
        Assert.Equal(Enumerable.Range(0, 100), new BatchPlanner(lengths, 4, false, false, 1).Batches(0).SelectMany(x => x));

        var grouped = new BatchPlanner(lengths, 1, shuffle: true, groupByLength: true, seed: 1).Batches(0).Select(x => lengths[x[0]]).ToArray();
        for (var m = 0; m < 100; m += 50)
        {
            var mega = grouped.Skip(m).Take(50).ToArray();
            Assert.Equal(mega.OrderByDescending(x => x), mega);
        }
        Assert.Equal(25, new BatchPlanner(lengths, 4, false, false, 1).StepsPerEpoch);
        Assert.Equal(34, new BatchPlanner(lengths, 3, false, false, 1).StepsPerEpoch);
    }

    [Fact]
    public void ResumingFromACheckpointGivesTheUninterruptedResult()
    {
        var rows = Fixtures.RandomRows(12, seed: 8);
        var options = new TrainingOptions { BatchSize = 4, Epochs = 2, Seed = 3, LearningRate = 5e-3, SaveSteps = 1, KeepCheckpoints = null };
        using var full = new TempDir();
        var uninterrupted = TrainOnce(rows, options, full.FullPath);

        using var part = new TempDir();
        TrainOnce(rows, options with { MaxSteps = 4 }, part.FullPath); // stops mid-epoch 2 after a checkpoint at step 4
        Assert.Equal(4, TrainingCheckpoint.List(part.FullPath)[^1].Step);
        var resumed = TrainOnce(rows, options with { Resume = true }, part.FullPath);
        var maxDiff = uninterrupted.Zip(resumed).Max(p => Math.Abs(p.First - p.Second));
        Assert.Equal(0, maxDiff);
        var log = new JsonlTrainingLog().Read(Path.Combine(part.FullPath, "training_log.jsonl"));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), log.Select(e => e.Step));
    }

    [Fact]
    public void DropoutIsReproducibleAcrossResume()
    {
        var rows = Fixtures.RandomRows(8, seed: 4);
        var options = new TrainingOptions { BatchSize = 2, Epochs = 1, Seed = 9, LearningRate = 5e-3, SaveSteps = 2 };
        float[] Run(string dir, TrainingOptions o)
        {
            using var model = LlamaModel.Load(Fixtures.Model);
            using var adapter = FreshAdapter(model, dropout: 0.3);
            new LoraTrainer(model, adapter, o).Train(rows, null, dir);
            return Flatten(adapter);
        }
        using var a = new TempDir();
        using var b = new TempDir();
        using var c = new TempDir();
        var straight = Run(a.FullPath, options);
        var noDropout = TrainOnce(rows, options, c.FullPath);
        Assert.NotEqual(noDropout, straight);
        Run(b.FullPath, options with { MaxSteps = 2 });
        var resumed = Run(b.FullPath, options with { Resume = true });
        Assert.Equal(straight, resumed);
    }

    [Fact]
    public void CancellationSavesACheckpointOfTheLastCompleteStep()
    {
        var rows = Fixtures.RandomRows(16, seed: 12);
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = FreshAdapter(model);
        using var dir = new TempDir();
        using var cts = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Step == 3) cts.Cancel(); });
        var trainer = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 2, Epochs = 1, MicroBatchSize = 1 });
        Assert.ThrowsAny<OperationCanceledException>(() => trainer.Train(rows, null, dir.FullPath, progress, cts.Token));
        var checkpoints = TrainingCheckpoint.List(dir.FullPath);
        Assert.Equal(3, Assert.Single(checkpoints).Step);
        var state = TrainingCheckpoint.ReadState(checkpoints[0].Directory);
        Assert.Equal(3, state.BatchesDoneInEpoch);
        using var saved = LoraAdapter.Load(checkpoints[0].Directory, model.Config, DType.Float32);
        Assert.Equal(Flatten(adapter), Flatten(saved));
        Assert.False(File.Exists(Path.Combine(dir.FullPath, LoraAdapter.WeightsFileName)), "no final adapter after a cancelled run");
    }

    [Fact]
    public void HeldOutLossIsEvaluatedEachEpochAndEarlyStoppingEndsTheRun()
    {
        var rows = Fixtures.RandomRows(8, seed: 1);
        var heldOut = Fixtures.RandomRows(4, seed: 99);
        using var model = LlamaModel.Load(Fixtures.Model);
        using var adapter = FreshAdapter(model);
        using var dir = new TempDir();
        // Random targets: fitting the training rows makes held-out loss worse, so patience 1 stops after epoch 2.
        var result = new LoraTrainer(model, adapter, new TrainingOptions { BatchSize = 8, Epochs = 10, LearningRate = 3e-2, EarlyStoppingPatience = 1 })
            .Train(rows, heldOut, dir.FullPath);
        Assert.True(result.StoppedEarly);
        Assert.True(result.EvalLosses.Count < 10);
        Assert.True(result.EvalLosses[^1] > result.EvalLosses.Min());
        var log = new ParquetTrainingLog().Read(result.LogPath);
        Assert.Equal(result.EvalLosses, log.Where(e => e.EvalLoss != null).Select(e => e.EvalLoss!.Value));
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
