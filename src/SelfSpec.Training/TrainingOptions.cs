using SelfSpec.Training.Logging;
using SelfSpec.Training.Optimization;

namespace SelfSpec.Training;

/// <summary>
/// Hyper-parameters and bookkeeping of a LoRA/QLoRA run. Defaults follow the self-specialisation paper
/// (lr 3e-4, batch 32, 3 epochs, constant rate) and PyTorch's AdamW (betas 0.9/0.999, eps 1e-8) with weight decay 0.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Stop after this many optimiser steps (null: run all epochs).</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Examples per optimiser step (the effective batch).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Examples per forward/backward pass (null: the whole batch); gradients are accumulated over the micro-batches.</summary>
    public int? MicroBatchSize { get; init; }

    /// <summary>Peak learning rate.</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateScheduleKind Schedule { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>AdamW β₁.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β₂.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay (0 by default; libtorch's own default of 0.01 is not used).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Clip the global gradient norm to this value (null: no clipping).</summary>
    public double? MaxGradNorm { get; init; }

    /// <summary>Shuffle the examples each epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Group examples of similar length into the same batches (Hugging Face's <c>group_by_length</c>).</summary>
    public bool GroupByLength { get; init; }

    /// <summary>Seed for shuffling, the held-out split, LoRA initialisation and dropout.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Save a checkpoint every this many steps (null: only at epoch ends).</summary>
    public int? SaveSteps { get; init; }

    /// <summary>Stop when the held-out loss has not improved for this many evaluations (null: never stop early).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Continue from the newest checkpoint in the output directory, if there is one.</summary>
    public bool Resume { get; init; }

    /// <summary>Checkpoints to keep (oldest deleted first; null keeps all).</summary>
    public int? KeepCheckpoints { get; init; } = 3;

    /// <summary>The token id used for right padding (null: the model's pad token, else 0).</summary>
    public int? PadTokenId { get; init; }

    /// <summary>The format of the training log: <c>training_log.parquet</c> (journaled to JSONL while training).</summary>
    public ITrainingLogFormat LogFormat { get; init; } = new ParquetTrainingLog();

    /// <summary>Checks the values, throwing <see cref="ArgumentException"/> with the offending option.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentException("epochs must be at least 1");
        if (MaxSteps is < 1) throw new ArgumentException("max steps must be at least 1");
        if (BatchSize < 1) throw new ArgumentException("batch size must be at least 1");
        if (MicroBatchSize is < 1) throw new ArgumentException("micro-batch size must be at least 1");
        if (!(LearningRate > 0)) throw new ArgumentException("learning rate must be positive");
        if (WarmupSteps < 0) throw new ArgumentException("warm-up steps cannot be negative");
        if (WeightDecay < 0) throw new ArgumentException("weight decay cannot be negative");
        if (MaxGradNorm is <= 0) throw new ArgumentException("max grad norm must be positive");
        if (SaveSteps is < 1) throw new ArgumentException("save steps must be at least 1");
        if (EarlyStoppingPatience is < 1) throw new ArgumentException("early-stopping patience must be at least 1");
    }
}
