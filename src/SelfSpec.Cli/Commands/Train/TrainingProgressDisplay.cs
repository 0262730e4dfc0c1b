using SelfSpec.Training;
using Spectre.Console;

namespace SelfSpec.Cli.Commands.Train;

/// <summary>Shows training progress: a Spectre progress bar on a terminal, one line per step otherwise (logs, CI).</summary>
internal static class TrainingProgressDisplay
{
    public static TrainingResult Run(Func<IProgress<TrainingProgress>, TrainingResult> train)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return train(new LineProgress());
        TrainingResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: 1);
                result = train(new BarProgress(task));
            });
        return result!;
    }

    private static string Describe(TrainingProgress p) =>
        $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4} lr {p.LearningRate:G3} {p.TokensPerSecond:F0} tok/s" +
        (p.EvalLoss is { } e ? $" eval {e:F4}" : "") + (p.Remaining is { } r ? $" ETA {r:hh\\:mm\\:ss}" : "");

    private sealed class LineProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => Console.Out.WriteLine(Describe(value));
    }

    private sealed class BarProgress(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.MaxValue = Math.Max(1, p.TotalSteps);
            task.Value = p.Step;
            task.Description = Markup.Escape(Describe(p));
        }
    }
}
