using System.Diagnostics;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Torch.Optim;

namespace SelfSpec.Training.Pretraining;

/// <summary>
/// Trains every weight of a <see cref="LlamaModel"/> (typically fresh from <see cref="LlamaModel.CreateRandom"/>) as a
/// causal language model: packed windows of <see cref="PretrainingOptions.SequenceLength"/> tokens
/// (<see cref="TokenWindowPacker"/>), next-token cross-entropy over every position
/// (<see cref="CausalLanguageModelLoss"/>), gradient clipping, and AdamW with two parameter groups as Hugging Face's
/// Trainer builds them (weight decay on the matrices, none on norms and biases), under a warm-up + cosine or linear
/// schedule. While the trainer lives, the model's weights require gradients; <see cref="Dispose"/> freezes them again.
/// </summary>
public sealed class CausalLmPretrainer : IDisposable
{
    private readonly LlamaModel model;
    private readonly PretrainingOptions options;
    private readonly Tensor[] parameters;
    private readonly AdamW decayed;
    private readonly AdamW undecayed;

    /// <summary>Makes every weight of <paramref name="model"/> trainable and creates the optimiser.</summary>
    /// <exception cref="ArgumentException">The options are unusable, or the model is not float32.</exception>
    public CausalLmPretrainer(LlamaModel model, PretrainingOptions? options = null)
    {
        this.model = model ?? throw new ArgumentNullException(nameof(model));
        this.options = options ?? new PretrainingOptions();
        this.options.Validate();
        if (model.DType != DType.Float32 || model.WeightDType != DType.Float32)
            throw new ArgumentException("full training needs a float32 model", nameof(model));
        var named = model.NamedWeights();
        parameters = named.Select(kv => kv.Value).ToArray();
        foreach (var p in parameters) p.RequiresGrad = true;
        var adamw = new AdamWOptions
        {
            LearningRate = this.options.LearningRate,
            Beta1 = this.options.Beta1,
            Beta2 = this.options.Beta2,
            Epsilon = this.options.Epsilon,
        };
        decayed = new AdamW(parameters.Where(p => p.Dim >= 2).ToArray(), adamw with { WeightDecay = this.options.WeightDecay });
        undecayed = new AdamW(parameters.Where(p => p.Dim < 2).ToArray(), adamw with { WeightDecay = 0 });
    }

    /// <summary>The options of this run.</summary>
    public PretrainingOptions Options => options;

    /// <summary>
    /// Trains for <see cref="PretrainingOptions.Steps"/> steps (or until <see cref="PretrainingOptions.TimeLimit"/>) on
    /// windows packed from <paramref name="documents"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled between steps; the weights hold the last complete step.</exception>
    public PretrainingResult Train(IReadOnlyList<IReadOnlyList<int>> documents, IProgress<PretrainingProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        Train(documents, null, progress, cancellationToken);

    /// <summary>
    /// As <see cref="Train(IReadOnlyList{IReadOnlyList{int}}, IProgress{PretrainingProgress}?, CancellationToken)"/>, with
    /// the first <paramref name="contextLengths"/>[d] tokens of document d as context only: the model reads them but is
    /// not trained to write them (a prompt before its completion).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled between steps; the weights hold the last complete step.</exception>
    public PretrainingResult Train(IReadOnlyList<IReadOnlyList<int>> documents, IReadOnlyList<int>? contextLengths,
        IProgress<PretrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var packer = new TokenWindowPacker(documents, options.SequenceLength, options.Seed, contextLengths);
        var vocab = model.Config.VocabSize;
        foreach (var d in documents)
            foreach (var id in d)
                if ((uint)id >= (uint)vocab) throw new ArgumentOutOfRangeException(nameof(documents), id, $"token id outside the vocabulary (0..{vocab - 1})");

        var log = new List<PretrainingLogEntry>(options.Steps);
        var stopwatch = Stopwatch.StartNew();
        using var windows = packer.LabelledWindows().GetEnumerator();
        var batch = new long[options.BatchSize * options.SequenceLength];
        var labels = contextLengths is null ? null : new long[batch.Length];
        var stoppedByTime = false;
        for (var step = 0; step < options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (options.TimeLimit is { } limit && stopwatch.Elapsed >= limit)
            {
                stoppedByTime = true;
                break;
            }
            var stepWatch = Stopwatch.StartNew();
            for (var b = 0; b < options.BatchSize; b++)
            {
                windows.MoveNext();
                var w = windows.Current;
                for (var i = 0; i < w.Ids.Length; i++) batch[b * options.SequenceLength + i] = w.Ids[i];
                if (labels is not null)
                    for (var i = 0; i < w.Labels.Length; i++) labels[b * options.SequenceLength + i] = w.Labels[i];
            }
            using var ids = Tensor.From<long>(batch, [options.BatchSize, options.SequenceLength]);
            using var labelTensor = labels is null ? null : Tensor.From<long>(labels, [options.BatchSize, options.SequenceLength]);
            var lr = options.LearningRateAt(step);
            var (loss, gradNorm) = labelTensor is null ? Step(ids, lr) : Step(ids, labelTensor, lr);
            var seconds = stepWatch.Elapsed.TotalSeconds;
            log.Add(new PretrainingLogEntry(step + 1, loss, lr, gradNorm, batch.Length, seconds));
            progress?.Report(new PretrainingProgress(step + 1, options.Steps, loss, lr, seconds > 0 ? batch.Length / seconds : 0, stopwatch.Elapsed));
        }
        return new PretrainingResult(log.Count, log.Count > 0 ? log[^1].Loss : double.NaN, log, stopwatch.Elapsed, stoppedByTime);
    }

    /// <summary>
    /// One optimiser step on <paramref name="inputIds"/> [batch, T] (every position predicts the next one): forward,
    /// mean token loss, backward, clipping, AdamW at <paramref name="learningRate"/>.
    /// </summary>
    /// <returns>The loss before the update and the gradient norm before clipping.</returns>
    public (double Loss, double GradNorm) Step(Tensor inputIds, double learningRate) => Step(inputIds, null, learningRate);

    /// <summary>
    /// One optimiser step on <paramref name="inputIds"/> [batch, T] against <paramref name="labels"/> [batch, T]
    /// (position t predicts label t + 1; −100 is ignored), mean over the labelled targets. A batch without any
    /// labelled target leaves the weights as they are and reports a loss of 0.
    /// </summary>
    /// <returns>The loss before the update and the gradient norm before clipping.</returns>
    public (double Loss, double GradNorm) Step(Tensor inputIds, Tensor? labels, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.Dim != 2 || inputIds.Size(1) < 2) throw new ArgumentException($"inputIds must be [batch, T ≥ 2], got {inputIds}", nameof(inputIds));
        if (labels is not null && !labels.Shape.SequenceEqual(inputIds.Shape))
            throw new ArgumentException($"labels must have the shape of inputIds {inputIds}, got {labels}", nameof(labels));
        double loss;
        using (var scope = DisposeScope.Begin())
        {
            var ids = inputIds.Device.Equals(model.Device) ? inputIds : inputIds.To(model.Device);
            var targets = labels is null ? ids : labels.Device.Equals(model.Device) ? labels : labels.To(model.Device);
            var predicted = labels is null
                ? inputIds.Size(0) * (inputIds.Size(1) - 1)
                : labels.Narrow(1, 1, labels.Size(1) - 1).Ne(TokenWindowPacker.IgnoredLabel).Sum().ItemLong();
            if (predicted == 0) return (0, 0);
            var logits = model.Forward(ids);
            var mean = CausalLanguageModelLoss.SumFromLogits(logits, targets).Div(predicted);
            mean.Backward();
            loss = mean.ItemDouble();
        }
        var gradNorm = Functional.ClipGradNorm(parameters, options.MaxGradNorm ?? double.PositiveInfinity);
        decayed.SetLearningRate(learningRate);
        undecayed.SetLearningRate(learningRate);
        decayed.Step();
        undecayed.Step();
        decayed.ZeroGrad();
        undecayed.ZeroGrad();
        return (loss, gradNorm);
    }

    /// <summary>Freezes the weights again (no gradients) and releases the optimiser state.</summary>
    public void Dispose()
    {
        foreach (var p in parameters)
        {
            p.ZeroGrad();
            p.RequiresGrad = false;
        }
        decayed.Dispose();
        undecayed.Dispose();
    }
}
