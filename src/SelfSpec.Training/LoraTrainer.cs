using System.Diagnostics;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Torch.Optim;
using SelfSpec.Training.Batching;
using SelfSpec.Training.Checkpointing;
using SelfSpec.Training.Data;
using SelfSpec.Training.Logging;
using SelfSpec.Training.Optimization;

namespace SelfSpec.Training;

/// <summary>
/// Trains a LoRA adapter on a frozen base model (dense, or NF4-quantised by <see cref="Quantization.QLoraQuantizer"/>
/// for QLoRA) with AdamW, and writes the result in PEFT's layout.
/// <list type="bullet">
/// <item>Each optimiser step consumes one effective batch of <see cref="TrainingOptions.BatchSize"/> examples, run as
/// micro-batches whose gradients accumulate; the loss is the mean over all target tokens of the effective batch, so
/// any micro-batch size gives the same update.</item>
/// <item>Checkpoints (adapter, AdamW moments, position, dropout RNG) every <see cref="TrainingOptions.SaveSteps"/>
/// steps, at each epoch end, and when cancelled; <see cref="TrainingOptions.Resume"/> continues from the newest one
/// with the same result as an uninterrupted run.</item>
/// <item>Held-out loss after each epoch, with optional early stopping; a log row per step.</item>
/// </list>
/// </summary>
public sealed class LoraTrainer
{
    private readonly LlamaModel model;
    private readonly LoraAdapter adapter;
    private readonly TrainingOptions options;
    private readonly List<(string Name, Tensor Tensor)> parameters;

    /// <summary>Prepares to train <paramref name="adapter"/> (its matrices are made trainable) on top of <paramref name="model"/>.</summary>
    public LoraTrainer(LlamaModel model, LoraAdapter adapter, TrainingOptions? options = null)
    {
        this.model = model;
        this.adapter = adapter;
        this.options = options ?? new TrainingOptions();
        this.options.Validate();
        parameters = adapter.Pairs.OrderBy(kv => kv.Key.Layer).ThenBy(kv => kv.Key.Projection)
            .SelectMany(kv => new[]
            {
                (LoraAdapter.TensorName(kv.Key.Layer, kv.Key.Projection, 'A'), kv.Value.A),
                (LoraAdapter.TensorName(kv.Key.Layer, kv.Key.Projection, 'B'), kv.Value.B),
            }).ToList();
        foreach (var (_, t) in parameters) t.RequiresGrad = true;
    }

    /// <summary>The options of this run.</summary>
    public TrainingOptions Options => options;

    /// <summary>
    /// Runs training and writes the final adapter (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>),
    /// the training log and checkpoints to <paramref name="outputDirectory"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint of the last completed step was saved first.</exception>
    public TrainingResult Train(IReadOnlyList<TrainingExample> train, IReadOnlyList<TrainingExample>? heldOut, string outputDirectory,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        if (train.Count == 0) throw new ArgumentException("no training examples", nameof(train));
        Directory.CreateDirectory(outputDirectory);
        var planner = new BatchPlanner(train.Select(e => e.Length).ToArray(), options.BatchSize, options.Shuffle, options.GroupByLength, options.Seed);
        var plannedSteps = (long)planner.StepsPerEpoch * options.Epochs;
        var totalSteps = options.MaxSteps is { } max ? Math.Min(max, plannedSteps) : plannedSteps;
        var schedule = new LearningRateSchedule(options.Schedule, options.LearningRate, options.WarmupSteps, (int)totalSteps);
        var padId = options.PadTokenId ?? model.Config.PadTokenId ?? 0;
        var microBatch = options.MicroBatchSize ?? options.BatchSize;
        var names = parameters.Select(p => p.Name).ToArray();
        var fingerprint = $"seed={options.Seed};batch={options.BatchSize};lr={options.LearningRate:R};examples={train.Count}";

        using var optimizer = new AdamW(parameters.Select(p => p.Tensor).ToArray(), new AdamWOptions
        {
            LearningRate = options.LearningRate,
            Beta1 = options.Beta1,
            Beta2 = options.Beta2,
            Epsilon = options.Epsilon,
            WeightDecay = options.WeightDecay,
        });
        using var dropoutRng = adapter.Config.Dropout > 0 ? new Generator((ulong)options.Seed, model.Device) : null;

        var state = new TrainerState { RunFingerprint = fingerprint };
        long resumedFrom = 0;
        if (options.Resume && TrainingCheckpoint.List(outputDirectory) is { Count: > 0 } saved)
        {
            var (step, dir) = saved[^1];
            state = TrainingCheckpoint.Restore(dir, adapter, optimizer, names);
            if (state.RunFingerprint != null && state.RunFingerprint != fingerprint)
                throw new InvalidOperationException($"checkpoint {dir} was made by a different run ({state.RunFingerprint}); this run is {fingerprint}. Use another output directory or the same settings.");
            if (dropoutRng != null && state.DropoutRngState != null)
            {
                using var rng = Tensor.From<byte>(state.DropoutRngState);
                dropoutRng.SetState(rng);
            }
            resumedFrom = step;
        }

        using var log = options.LogFormat.Open(outputDirectory, resumedFrom);
        long lastSavedStep = resumedFrom;
        var stopwatch = Stopwatch.StartNew();
        var stepsThisRun = 0L;
        var stoppedEarly = false;

        void SaveCheckpoint()
        {
            if (state.GlobalStep == lastSavedStep && TrainingCheckpoint.List(outputDirectory).Any(c => c.Step == lastSavedStep)) return;
            byte[]? rngState = null;
            if (dropoutRng != null)
            {
                using var s = dropoutRng.GetState();
                rngState = s.ToArray<byte>();
            }
            TrainingCheckpoint.Save(outputDirectory, adapter, optimizer, names, state with { DropoutRngState = rngState });
            lastSavedStep = state.GlobalStep;
            if (options.KeepCheckpoints is { } keep) TrainingCheckpoint.Prune(outputDirectory, keep);
        }

        adapter.InputDropout = dropoutRng == null ? null : x => Dropout(x, adapter.Config.Dropout, dropoutRng);
        try
        {
            while (state.Epoch < options.Epochs && state.GlobalStep < totalSteps && !stoppedEarly)
            {
                var batches = planner.Batches(state.Epoch);
                for (var b = state.BatchesDoneInEpoch; b < batches.Count && state.GlobalStep < totalSteps; b++)
                {
                    if (cancellationToken.IsCancellationRequested) Cancel(SaveCheckpoint, optimizer, cancellationToken);
                    var stepWatch = Stopwatch.StartNew();
                    var examples = batches[b].Select(i => train[i]).ToArray();
                    long targetTokens = examples.Sum(e => (long)e.TargetTokenCount);
                    long realTokens = examples.Sum(e => (long)e.Length);
                    double lossSum = 0;
                    if (targetTokens > 0)
                    {
                        foreach (var micro in BatchPlanner.MicroBatches(batches[b], microBatch))
                        {
                            if (cancellationToken.IsCancellationRequested) Cancel(SaveCheckpoint, optimizer, cancellationToken);
                            using var scope = DisposeScope.Begin();
                            using var collated = CollatedBatch.Create(micro.Select(i => train[i]).ToArray(), padId, model.Device);
                            if (collated.TargetTokens == 0) continue;
                            var sum = CausalLanguageModelLoss.Sum(model, adapter, collated);
                            sum.Div(targetTokens).Backward();
                            lossSum += sum.ItemDouble();
                        }
                    }
                    var gradNorm = Functional.ClipGradNorm(parameters.Select(p => p.Tensor).ToArray(), options.MaxGradNorm ?? double.PositiveInfinity);
                    var lr = schedule.At((int)state.GlobalStep);
                    optimizer.SetLearningRate(lr);
                    optimizer.Step();
                    optimizer.ZeroGrad();
                    var loss = targetTokens > 0 ? lossSum / targetTokens : double.NaN;
                    state = state with { GlobalStep = state.GlobalStep + 1, BatchesDoneInEpoch = b + 1, LastLoss = loss };
                    stepsThisRun++;
                    var seconds = stepWatch.Elapsed.TotalSeconds;
                    var tokensPerSecond = seconds > 0 ? realTokens / seconds : 0;
                    log.Append(new TrainingLogEntry(state.GlobalStep, state.Epoch + 1, loss, lr, gradNorm, tokensPerSecond));
                    var remaining = TimeSpan.FromSeconds(stopwatch.Elapsed.TotalSeconds / stepsThisRun * (totalSteps - state.GlobalStep));
                    progress?.Report(new TrainingProgress(state.GlobalStep, totalSteps, state.Epoch + 1, options.Epochs, loss, lr, tokensPerSecond, stopwatch.Elapsed, remaining, state.EvalLosses.Count > 0 ? state.EvalLosses[^1] : null));
                    if (options.SaveSteps is { } every && state.GlobalStep % every == 0) SaveCheckpoint();
                }
                if (state.BatchesDoneInEpoch < batches.Count) break; // max steps reached mid-epoch

                // Epoch end: evaluate, then move the position to the next epoch and save.
                var evals = state.EvalLosses;
                var without = state.EvalsWithoutImprovement;
                if (heldOut is { Count: > 0 })
                {
                    var evalLoss = Evaluate(heldOut, padId, microBatch, cancellationToken);
                    without = evals.Count == 0 || evalLoss < evals.Min() ? 0 : without + 1;
                    evals = [.. evals, evalLoss];
                    log.Append(new TrainingLogEntry(state.GlobalStep, state.Epoch + 1, null, null, null, null, evalLoss));
                    progress?.Report(new TrainingProgress(state.GlobalStep, totalSteps, state.Epoch + 1, options.Epochs, state.LastLoss, schedule.At((int)Math.Max(0, state.GlobalStep - 1)), 0, stopwatch.Elapsed, null, evalLoss));
                    if (options.EarlyStoppingPatience is { } patience && without >= patience) stoppedEarly = true;
                }
                state = state with { Epoch = state.Epoch + 1, BatchesDoneInEpoch = 0, EvalLosses = evals, EvalsWithoutImprovement = without };
                lastSavedStep = -1; // the epoch-end position differs from a mid-epoch save at the same step
                SaveCheckpoint();
            }
        }
        finally
        {
            adapter.InputDropout = null;
        }

        adapter.Save(outputDirectory);
        return new TrainingResult(state.GlobalStep, state.Epoch, state.LastLoss, state.EvalLosses, stoppedEarly, outputDirectory, log.Path, resumedFrom);
    }

    /// <summary>The mean token loss of <paramref name="examples"/> with the adapter as it is now (no gradients).</summary>
    public double Evaluate(IReadOnlyList<TrainingExample> examples, int padTokenId, int microBatchSize, CancellationToken cancellationToken = default)
    {
        using var noGrad = new NoGrad();
        var saved = adapter.InputDropout;
        adapter.InputDropout = null;
        try
        {
            double sum = 0;
            long tokens = 0;
            for (var start = 0; start < examples.Count; start += microBatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = DisposeScope.Begin();
                var slice = examples.Skip(start).Take(microBatchSize).ToArray();
                using var batch = CollatedBatch.Create(slice, padTokenId, model.Device);
                if (batch.TargetTokens == 0) continue;
                sum += CausalLanguageModelLoss.Sum(model, adapter, batch).ItemDouble();
                tokens += batch.TargetTokens;
            }
            return tokens == 0 ? double.NaN : sum / tokens;
        }
        finally
        {
            adapter.InputDropout = saved;
        }
    }

    private static Tensor Dropout(Tensor x, double p, Generator rng)
    {
        if (!NoGrad.IsGradEnabled) return x;
        using var scope = DisposeScope.Begin();
        var keep = x.Bernoulli(1 - p, rng);
        return scope.MoveToOuter(x.Mul(keep).Div(1 - p));
    }

    private static void Cancel(Action saveCheckpoint, AdamW optimizer, CancellationToken token)
    {
        optimizer.ZeroGrad(); // a partly accumulated step is dropped; the checkpoint holds the last complete one
        saveCheckpoint();
        token.ThrowIfCancellationRequested();
    }
}
