using SelfSpec.Pipeline.Artifacts;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// Runs parsed items through an <see cref="InstructionFilter"/> in generation order and collects the rows of
/// <c>instructions.parquet</c> (kept, ids <c>inst-000001</c>, … in the order kept) and <c>instructions_rejected.parquet</c>.
/// Every offered item ends up in exactly one of the two lists, so raw items = kept + rejected. With a target count,
/// items offered after the target is reached are rejected as <see cref="RejectionReasons.Surplus"/> without evaluation.
/// </summary>
public sealed class InstructionPool
{
    private readonly InstructionFilter _filter;
    private readonly List<InstructionRow> _kept = [];
    private readonly List<RejectedInstructionRow> _rejected = [];

    /// <summary>Creates the pool over <paramref name="filter"/>; <paramref name="targetCount"/> caps the kept instructions.</summary>
    public InstructionPool(InstructionFilter filter, int? targetCount = null)
    {
        _filter = filter ?? throw new ArgumentNullException(nameof(filter));
        if (targetCount is < 1) throw new ArgumentOutOfRangeException(nameof(targetCount), "the target must be at least 1");
        TargetCount = targetCount;
    }

    /// <summary>The number of instructions to keep, or null for no limit.</summary>
    public int? TargetCount { get; }

    /// <summary>True once <see cref="TargetCount"/> instructions are kept.</summary>
    public bool TargetReached => TargetCount is { } t && _kept.Count >= t;

    /// <summary>The kept instructions so far.</summary>
    public IReadOnlyList<InstructionRow> Kept => _kept;

    /// <summary>The rejected instructions so far.</summary>
    public IReadOnlyList<RejectedInstructionRow> Rejected => _rejected;

    /// <summary>Offers the items parsed from prompt <paramref name="promptId"/>, in order.</summary>
    public void Offer(long promptId, IReadOnlyList<GeneratedItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (TargetReached)
            {
                _rejected.Add(new RejectedInstructionRow(promptId, i, item.Instruction, item.Input, RejectionReasons.Surplus,
                    $"target of {TargetCount} instructions already reached", null, null));
                continue;
            }
            var decision = _filter.Evaluate(item.Instruction);
            if (decision.Kept)
                _kept.Add(new InstructionRow($"inst-{_kept.Count + 1:D6}", promptId, item.Instruction, item.Input,
                    decision.MaxSimilarity ?? 0, decision.MostSimilar));
            else
                _rejected.Add(new RejectedInstructionRow(promptId, i, item.Instruction, item.Input, decision.Reason!, decision.Detail,
                    decision.MaxSimilarity, decision.MostSimilar));
        }
    }

    /// <summary>Offers the parsed items of a raw row (e.g. when filtering a stored <c>instructions_raw.parquet</c>).</summary>
    public void Offer(InstructionRawRow raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var items = raw.ParsedInstructions.Select((instruction, i) =>
            new GeneratedItem(0, instruction, raw.ParsedInputs[i], raw.ParsedOutputs[i])).ToList();
        Offer(raw.PromptId, items);
    }
}
