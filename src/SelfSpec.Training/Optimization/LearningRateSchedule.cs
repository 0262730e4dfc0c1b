namespace SelfSpec.Training.Optimization;

/// <summary>The shape of the learning rate over training.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>The base rate throughout (after the warm-up, if any). The paper gives only a rate, so this is the default.</summary>
    Constant,
    /// <summary>Linear warm-up, then linear decay to 0 at the last step (Hugging Face's <c>get_linear_schedule_with_warmup</c>).</summary>
    Linear,
    /// <summary>Linear warm-up, then half a cosine down to 0 (<c>get_cosine_schedule_with_warmup</c>).</summary>
    Cosine,
}

/// <summary>The learning rate of each optimiser step, as Hugging Face's <c>LambdaLR</c> schedules compute it.</summary>
public sealed record LearningRateSchedule(LearningRateScheduleKind Kind, double BaseRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The rate for optimiser step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return BaseRate * step / Math.Max(1, WarmupSteps);
        if (Kind == LearningRateScheduleKind.Constant) return BaseRate;
        var progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            LearningRateScheduleKind.Linear => BaseRate * Math.Max(0, 1 - progress),
            _ => BaseRate * Math.Max(0, 0.5 * (1 + Math.Cos(Math.PI * progress))),
        };
    }

    /// <summary>Parses <c>constant</c>, <c>linear</c> or <c>cosine</c>.</summary>
    public static LearningRateScheduleKind ParseKind(string text) => text.Trim().ToLowerInvariant() switch
    {
        "constant" => LearningRateScheduleKind.Constant,
        "linear" => LearningRateScheduleKind.Linear,
        "cosine" => LearningRateScheduleKind.Cosine,
        _ => throw new ArgumentException($"unknown learning-rate schedule '{text}' (constant, linear or cosine)", nameof(text)),
    };
}
