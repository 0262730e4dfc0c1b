using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Results;

namespace SelfSpec.Evaluation.Reporting;

/// <summary>One stage of the instruction filter funnel (e.g. generated → parsed → passed keyword/length filters → novel by ROUGE-L).</summary>
/// <param name="Stage">Stage name as shown.</param>
/// <param name="Count">Items that reached the stage.</param>
public sealed record FunnelStage(string Stage, int Count);

/// <summary>One point of the adapter's training loss curve.</summary>
/// <param name="Step">Optimizer step.</param>
/// <param name="Loss">Mean training loss at that step.</param>
public sealed record LossPoint(int Step, double Loss);

/// <summary>Everything a report shows. Only <see cref="Summary"/> is required; the funnel and loss chart are drawn when given.</summary>
public sealed record ReportInput
{
    /// <summary>Heading of the report.</summary>
    public string Title { get; init; } = "Self-specialisation evaluation";

    /// <summary>Summary rows (per dataset; family and overall averages are recomputed from them).</summary>
    public required IReadOnlyList<SummaryRow> Summary { get; init; }

    /// <summary>Filter funnel of the run, first stage = everything generated.</summary>
    public IReadOnlyList<FunnelStage> Funnel { get; init; } = [];

    /// <summary>Training loss curve of the adapter.</summary>
    public IReadOnlyList<LossPoint> Loss { get; init; } = [];

    /// <summary>
    /// A caveat readers must see before the numbers (e.g. that a demonstration model produced them), shown right under
    /// the title as a highlighted paragraph; null for none.
    /// </summary>
    public string? Notice { get; init; }

    /// <summary>The convention that produced the scores, stated under the title; null when unknown.</summary>
    public ScoringConvention? Convention { get; init; }

    /// <summary>Lines shown under the title (models, data, date, notes).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
