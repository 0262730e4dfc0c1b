using SelfSpec.Evaluation.Reporting;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;

namespace SelfSpec.Pipeline.Evaluation;

/// <summary>What <see cref="FilterFunnel.Read"/> found in a run's instruction artifacts.</summary>
/// <param name="Stages">The filter funnel (empty without artifacts).</param>
/// <param name="Origin">The report header line on where the instructions came from; null without <c>instructions_raw.parquet</c>.</param>
public sealed record FilterFunnelSummary(IReadOnlyList<FunnelStage> Stages, string? Origin);

/// <summary>
/// The instruction filter funnel of a run, for the report: the parsed items of <c>instructions_raw.parquet</c>, then what
/// is left after each filter rule in the order the rules run (<see cref="RejectionReasons.All"/>, counted from
/// <c>instructions_rejected.parquet</c>; rules that rejected nothing are left out), ending with the kept instructions of
/// <c>instructions.parquet</c>.
/// </summary>
public static class FilterFunnel
{
    /// <summary>The label of the first stage.</summary>
    public const string ParsedStage = "parsed items";

    /// <summary>The label of the last stage.</summary>
    public const string KeptStage = "kept";

    /// <summary>
    /// The funnel and the origin line (<see cref="Describe"/>) from whichever of the three artifacts are given (an empty
    /// funnel and no line when none is), each file read once.
    /// </summary>
    /// <param name="rawPath"><c>instructions_raw.parquet</c>, or null.</param>
    /// <param name="keptPath"><c>instructions.parquet</c>, or null.</param>
    /// <param name="rejectedPath"><c>instructions_rejected.parquet</c>, or null.</param>
    public static FilterFunnelSummary Read(string? rawPath, string? keptPath, string? rejectedPath)
    {
        (int Prompts, int Parsed, int Renumbered)? raw = null;
        if (rawPath != null)
        {
            int prompts = 0, parsed = 0, renumbered = 0;
            foreach (var row in ParquetSerializer.ReadStream<InstructionRawRow>(rawPath))
            {
                prompts++;
                parsed += row.ParsedInstructions.Count;
                renumbered += row.ParseNotes.Count;
            }
            raw = (prompts, parsed, renumbered);
        }
        int? kept = keptPath == null ? null : ParquetSerializer.ReadStream<InstructionRow>(keptPath).Count();
        var rejected = rejectedPath == null ? null
            : ParquetSerializer.ReadStream<RejectedInstructionRow>(rejectedPath).GroupBy(r => r.Reason).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new FilterFunnelSummary(Build(raw?.Parsed, kept, rejected), raw is { } r ? Describe(r.Prompts, r.Parsed, r.Renumbered, kept) : null);
    }

    /// <summary>
    /// One line for the report's header on where the instructions came from, e.g. <c>instructions: 1200 prompts → 148
    /// items parsed (144 of them with labels numbered otherwise, accepted with itemNumbers = any) → 140 kept</c>.
    /// </summary>
    /// <param name="prompts">Rows of <c>instructions_raw.parquet</c>.</param>
    /// <param name="parsed">Items parsed from them.</param>
    /// <param name="renumbered">Items accepted only because item numbering was <c>any</c> (their parse notes).</param>
    /// <param name="kept">Rows of <c>instructions.parquet</c>, or null when it is not given.</param>
    public static string Describe(int prompts, int parsed, int renumbered, int? kept)
    {
        var line = $"instructions: {prompts} prompts → {parsed} items parsed";
        if (renumbered > 0) line += $" ({renumbered} of them with labels numbered otherwise, accepted with itemNumbers = any)";
        if (kept is { } k) line += $" → {k} kept";
        return line;
    }

    /// <summary>Builds the funnel from counts: parsed items, kept instructions, and rejections by reason (any may be null).</summary>
    public static IReadOnlyList<FunnelStage> Build(int? parsed, int? kept, IReadOnlyDictionary<string, int>? rejectedByReason)
    {
        var stages = new List<FunnelStage>();
        if (parsed == null && kept == null && rejectedByReason == null) return stages;
        var rejected = rejectedByReason ?? new Dictionary<string, int>();
        var total = parsed ?? (kept ?? 0) + rejected.Values.Sum();
        stages.Add(new FunnelStage(ParsedStage, total));
        var left = total;
        // Reasons in rule order, then any the rules do not know (from another version), alphabetically.
        var reasons = RejectionReasons.All.Where(rejected.ContainsKey)
            .Concat(rejected.Keys.Where(k => !RejectionReasons.All.Contains(k)).Order(StringComparer.Ordinal));
        foreach (var reason in reasons)
        {
            if (rejected[reason] == 0) continue;
            left -= rejected[reason];
            stages.Add(new FunnelStage("− " + reason.Replace('_', ' '), left));
        }
        if (kept is { } k) stages.Add(new FunnelStage(KeptStage, k));
        return stages;
    }
}
