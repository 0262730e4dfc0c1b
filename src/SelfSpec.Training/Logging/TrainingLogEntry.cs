namespace SelfSpec.Training.Logging;

/// <summary>
/// One row of the training log: an optimiser step (loss, rate, gradient norm, throughput) or, at the end of an
/// epoch, an evaluation (only <see cref="EvalLoss"/> set besides step and epoch).
/// </summary>
/// <param name="Step">Optimiser steps done (1-based).</param>
/// <param name="Epoch">The epoch (1-based).</param>
/// <param name="Loss">Mean token loss of the step's effective batch.</param>
/// <param name="LearningRate">The rate used for the step.</param>
/// <param name="GradNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="TokensPerSecond">Non-padding tokens processed per second during the step.</param>
/// <param name="EvalLoss">Mean token loss on the held-out split (evaluation rows only).</param>
public sealed record TrainingLogEntry(long Step, int Epoch, double? Loss, double? LearningRate, double? GradNorm, double? TokensPerSecond, double? EvalLoss = null);
