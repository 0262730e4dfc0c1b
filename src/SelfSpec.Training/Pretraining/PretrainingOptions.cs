using SelfSpec.Training.Optimization;

namespace SelfSpec.Training.Pretraining;

/// <summary>
/// Settings of <see cref="CausalLmPretrainer"/>: how many packed windows of how many tokens, and the optimiser
/// (AdamW with decoupled weight decay on the matrices only, warm-up then a decaying schedule, gradient clipping).
/// The defaults suit a few-million-parameter model trained from scratch on CPU.
/// </summary>
public sealed record PretrainingOptions
{
    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Packed windows per step.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Tokens per packed window.</summary>
    public int SequenceLength { get; init; } = 256;

    /// <summary>The peak learning rate.</summary>
    public double LearningRate { get; init; } = 2e-3;

    /// <summary>The floor the schedule decays to, as a fraction of <see cref="LearningRate"/> (0 = Hugging Face's schedules).</summary>
    public double MinLearningRateRatio { get; init; } = 0.1;

    /// <summary>Linear warm-up steps from 0 to <see cref="LearningRate"/>.</summary>
    public int WarmupSteps { get; init; } = 50;

    /// <summary>The schedule after the warm-up.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Cosine;

    /// <summary>AdamW β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂ (0.95, as in GPT-style pre-training).</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>AdamW ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay of the matrices (embedding, projections, output); norms and biases get none.</summary>
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>Gradients are scaled down to this global L2 norm; null for no clipping.</summary>
    public double? MaxGradNorm { get; init; } = 1.0;

    /// <summary>The seed of the window order.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Stop after this long even if <see cref="Steps"/> are not done (the schedule still spans <see cref="Steps"/>); null for no limit.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The learning rate of step <paramref name="step"/> (0-based): linear warm-up from 0, then the schedule down to the floor.</summary>
    public double LearningRateAt(int step)
    {
        var lr = new LearningRateSchedule(Schedule, LearningRate, WarmupSteps, Steps).At(step);
        return step < WarmupSteps ? lr : LearningRate * MinLearningRateRatio + lr * (1 - MinLearningRateRatio);
    }

    /// <summary>Throws <see cref="ArgumentException"/> for unusable settings.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"Steps must be at least 1, got {Steps}");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1, got {BatchSize}");
        if (SequenceLength < 2) throw new ArgumentException($"SequenceLength must be at least 2, got {SequenceLength}");
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive, got {LearningRate}");
        if (MinLearningRateRatio is < 0 or > 1) throw new ArgumentException($"MinLearningRateRatio must be in [0, 1], got {MinLearningRateRatio}");
        if (WarmupSteps < 0) throw new ArgumentException($"WarmupSteps must not be negative, got {WarmupSteps}");
        if (WeightDecay < 0) throw new ArgumentException($"WeightDecay must not be negative, got {WeightDecay}");
        if (MaxGradNorm is { } g && !(g > 0)) throw new ArgumentException($"MaxGradNorm must be positive, got {g}");
    }
}
