using SelfSpec.Evaluation.Metrics;

namespace SelfSpec.Evaluation.Harness;

/// <summary>Settings of one evaluation run.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Numbers of demonstrations to evaluate with (the paper: 0, 1, 5).</summary>
    public IReadOnlyList<int> Shots { get; init; } = [0, 1, 5];

    /// <summary>Prompts per generation call.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Seed of the demonstration order.</summary>
    public int DemonstrationSeed { get; init; } = 42;

    /// <summary>How predictions are scored: <see cref="ScoringConvention.Box"/> (default: In-BoXBART's script, the paper's), or another of <see cref="ScoringConvention.All"/>.</summary>
    public ScoringConvention Convention { get; init; } = ScoringConvention.Box;

    /// <summary>Overrides of the per-dataset generation budget, by dataset name.</summary>
    public IReadOnlyDictionary<string, int> MaxNewTokens { get; init; } = new Dictionary<string, int>();
}
