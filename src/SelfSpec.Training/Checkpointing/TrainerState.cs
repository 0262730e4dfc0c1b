namespace SelfSpec.Training.Checkpointing;

/// <summary>Where a run stands: everything besides the adapter and optimiser tensors that a resume needs.</summary>
public sealed record TrainerState
{
    /// <summary>Optimiser steps done.</summary>
    public long GlobalStep { get; init; }

    /// <summary>The epoch in progress (0-based); equals the number of epochs done when <see cref="BatchesDoneInEpoch"/> is 0.</summary>
    public int Epoch { get; init; }

    /// <summary>Effective batches of <see cref="Epoch"/> already applied.</summary>
    public int BatchesDoneInEpoch { get; init; }

    /// <summary>The last step's loss.</summary>
    public double LastLoss { get; init; } = double.NaN;

    /// <summary>Held-out losses so far, one per evaluated epoch.</summary>
    public List<double> EvalLosses { get; init; } = [];

    /// <summary>Evaluations since the held-out loss last improved (early stopping).</summary>
    public int EvalsWithoutImprovement { get; init; }

    /// <summary>The dropout generator's state (libtorch's bytes), if dropout is on.</summary>
    public byte[]? DropoutRngState { get; init; }

    /// <summary>Seed, batch size and learning rate of the run, checked on resume.</summary>
    public string? RunFingerprint { get; init; }
}
