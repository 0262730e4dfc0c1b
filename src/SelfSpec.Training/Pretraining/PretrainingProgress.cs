namespace SelfSpec.Training.Pretraining;

/// <summary>A progress report, sent after every optimiser step of <see cref="CausalLmPretrainer"/>.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
/// <param name="Loss">The last step's mean token loss.</param>
/// <param name="LearningRate">The last step's learning rate.</param>
/// <param name="TokensPerSecond">Throughput of the last step.</param>
/// <param name="Elapsed">Time since training started.</param>
public sealed record PretrainingProgress(long Step, long TotalSteps, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed);

/// <summary>One optimiser step of pre-training, as logged.</summary>
/// <param name="Step">The step number (1-based).</param>
/// <param name="Loss">Mean cross-entropy over the step's predicted tokens.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="GradNorm">The global gradient norm before clipping.</param>
/// <param name="Tokens">Tokens in the step's batch.</param>
/// <param name="Seconds">Wall time of the step.</param>
public sealed record PretrainingLogEntry(long Step, double Loss, double LearningRate, double GradNorm, long Tokens, double Seconds);

/// <summary>The outcome of <c>CausalLmPretrainer.Train</c>.</summary>
/// <param name="Steps">Steps done (fewer than planned when the time limit stopped training).</param>
/// <param name="FinalLoss">The last step's loss.</param>
/// <param name="Log">One entry per step.</param>
/// <param name="Elapsed">Wall time of the training loop.</param>
/// <param name="StoppedByTimeLimit">True when <see cref="PretrainingOptions.TimeLimit"/> ended training early.</param>
public sealed record PretrainingResult(long Steps, double FinalLoss, IReadOnlyList<PretrainingLogEntry> Log, TimeSpan Elapsed, bool StoppedByTimeLimit);
