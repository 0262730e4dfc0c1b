namespace SelfSpec.Training;

/// <summary>A progress report, sent after every optimiser step and evaluation.</summary>
/// <param name="Step">Optimiser steps done.</param>
/// <param name="TotalSteps">Steps the run will take (without early stopping).</param>
/// <param name="Epoch">The current epoch (1-based).</param>
/// <param name="Epochs">Epochs planned.</param>
/// <param name="Loss">The last step's loss.</param>
/// <param name="LearningRate">The last step's learning rate.</param>
/// <param name="TokensPerSecond">Throughput of the last step.</param>
/// <param name="Elapsed">Time since this run (or resume) started.</param>
/// <param name="Remaining">Estimated time to the end.</param>
/// <param name="EvalLoss">The last held-out loss, if any.</param>
public sealed record TrainingProgress(long Step, long TotalSteps, int Epoch, int Epochs, double Loss, double LearningRate, double TokensPerSecond, TimeSpan Elapsed, TimeSpan? Remaining, double? EvalLoss);

/// <summary>The outcome of <see cref="LoraTrainer.Train"/>.</summary>
/// <param name="Steps">Optimiser steps done in total.</param>
/// <param name="Epochs">Epochs completed.</param>
/// <param name="FinalLoss">The last step's loss.</param>
/// <param name="EvalLosses">Held-out loss after each epoch (empty without a held-out split).</param>
/// <param name="StoppedEarly">True if early stopping ended the run.</param>
/// <param name="AdapterDirectory">Where the final PEFT adapter was written.</param>
/// <param name="LogPath">The training log.</param>
/// <param name="ResumedFromStep">The checkpoint step the run resumed from (0 for a fresh run).</param>
public sealed record TrainingResult(long Steps, int Epochs, double FinalLoss, IReadOnlyList<double> EvalLosses, bool StoppedEarly, string AdapterDirectory, string LogPath, long ResumedFromStep);
