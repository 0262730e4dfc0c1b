namespace SelfSpec.Workflows.Activities;

/// <summary>Progress reported by a running activity: <paramref name="Completed"/> of <paramref name="Total"/> units.</summary>
/// <param name="Completed">Units done so far.</param>
/// <param name="Total">Total units, or null when unknown.</param>
/// <param name="Message">An optional short status text (e.g. "epoch 2/3").</param>
public readonly record struct ActivityProgress(double Completed, double? Total = null, string? Message = null)
{
    /// <summary>The fraction done in [0, 1], or null when the total is unknown.</summary>
    public double? Fraction => Total is > 0 ? Math.Clamp(Completed / Total.Value, 0, 1) : null;
}
