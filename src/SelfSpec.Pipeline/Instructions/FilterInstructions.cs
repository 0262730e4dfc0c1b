using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// Applies the instruction filter (algorithms.md §1.3/§1.6: word count, keyword blacklist, "Write a program", leading
/// punctuation or non-ASCII, exact duplicates, ROUGE-L F above the threshold against the seeds and everything kept so
/// far) to the parsed items of <c>instructions_raw.parquet</c>, in prompt and item order. Deterministic: with the same
/// settings and <see cref="MaxInstructions"/> = the generation target it reproduces GenerateInstructions' online
/// decisions exactly, and a changed threshold needs only this stage re-run. Writes <c>instructions.parquet</c>
/// (<see cref="InstructionRow"/>, ids <c>inst-NNNNNN</c> in the order kept) and <c>instructions_rejected.parquet</c>
/// (<see cref="RejectedInstructionRow"/> with the reason); every parsed item lands in exactly one of them.
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization",
    Description = "Filters the generated instructions (length, blacklist, ROUGE-L novelty); writes instructions.parquet and instructions_rejected.parquet.")]
public sealed class FilterInstructions : WorkflowActivity, IParquetArtifactWriter
{
    /// <inheritdoc />
    [ActivityInput(Description = IParquetArtifactWriter.CompressionDescription)]
    public string Compression { get; set; } = "snappy";

    /// <summary>The kept instructions' file name.</summary>
    public const string KeptFileName = "instructions.parquet";

    /// <summary>The rejected instructions' file name.</summary>
    public const string RejectedFileName = "instructions_rejected.parquet";

    /// <summary>The generated instructions (<c>instructions_raw.parquet</c>).</summary>
    [ActivityInput(Description = "instructions_raw.parquet from GenerateInstructions.", Required = true)]
    public ArtifactRef? InstructionsRaw { get; set; }

    /// <summary>The seeds (<c>seeds.parquet</c>): they start the novelty pool.</summary>
    [ActivityInput(Description = "seeds.parquet (the seeds start the ROUGE-L pool).", Required = true)]
    public ArtifactRef? Seeds { get; set; }

    /// <summary>Rejected when the ROUGE-L F against the pool is strictly above this.</summary>
    [ActivityInput(Description = "ROUGE-L F threshold: rejected when > it (0.7; exactly 0.7 passes).")]
    public double SimilarityThreshold { get; set; } = 0.7;

    /// <summary>Instructions with this many words or fewer are rejected (Alpaca: ≤ 3).</summary>
    [ActivityInput(Description = "Instructions with this many words or fewer are rejected (Alpaca's rule: ≤ 3).")]
    public int MinWords { get; set; } = 3;

    /// <summary>Instructions with more words than this are rejected.</summary>
    [ActivityInput(Description = "Instructions with more words than this are rejected (150).")]
    public int MaxWords { get; set; } = 150;

    /// <summary>Caps the kept set; later items are rejected as <c>surplus</c>. Null: no cap.</summary>
    [ActivityInput(Description = "Cap on kept instructions (null = no cap); the rest are rejected as 'surplus'. Set it to GenerateInstructions' targetCount to reproduce its online result.")]
    public int? MaxInstructions { get; set; }

    /// <summary>The written <c>instructions.parquet</c>.</summary>
    [ActivityOutput(Description = "instructions.parquet")]
    public ArtifactRef? Instructions { get; set; }

    /// <summary>The written <c>instructions_rejected.parquet</c>.</summary>
    [ActivityOutput(Description = "instructions_rejected.parquet")]
    public ArtifactRef? Rejected { get; set; }

    /// <summary>Instructions kept.</summary>
    [ActivityOutput(Description = "Instructions kept.")]
    public int KeptCount { get; set; }

    /// <summary>Instructions rejected.</summary>
    [ActivityOutput(Description = "Instructions rejected.")]
    public int RejectedCount { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        if (!(SimilarityThreshold >= 0 && SimilarityThreshold <= 1))
            throw new PipelineException($"must be in [0, 1], got {SimilarityThreshold}", field: "similarityThreshold");
        if (MinWords < 0) throw new PipelineException($"must be at least 0, got {MinWords}", field: "minWords");
        if (MaxWords <= MinWords) throw new PipelineException($"must be greater than minWords ({MinWords}), got {MaxWords}", field: "maxWords");
        if (MaxInstructions is < 1) throw new PipelineException($"must be at least 1, got {MaxInstructions}", field: "maxInstructions");
        var ct = context.CancellationToken;
        var raw = ArtifactReader.Read<InstructionRawRow>(InstructionsRaw, "instructionsRaw", ct);
        var seeds = ArtifactReader.Read<SeedRow>(Seeds, "seeds", ct);
        for (var r = 0; r < raw.Count; r++)
        {
            foreach (var (list, column) in new[] { (raw[r].ParsedInstructions, "parsed_instructions"), (raw[r].ParsedInputs, "parsed_inputs"), (raw[r].ParsedOutputs, "parsed_outputs") })
                if (list is null || list.Any(x => x is null)) throw new PipelineException("the list or one of its items is null", InstructionsRaw!.Path, r + 1, column);
            if (raw[r].ParsedInputs.Count != raw[r].ParsedInstructions.Count || raw[r].ParsedOutputs.Count != raw[r].ParsedInstructions.Count)
                throw new PipelineException(
                    $"parsed_instructions, parsed_inputs and parsed_outputs must have the same length ({raw[r].ParsedInstructions.Count}, {raw[r].ParsedInputs.Count}, {raw[r].ParsedOutputs.Count})",
                    InstructionsRaw!.Path, r + 1, "parsed_inputs");
        }

        var options = new InstructionFilterOptions { SimilarityThreshold = SimilarityThreshold, MaxRejectedShortWords = MinWords, MaxWords = MaxWords };
        var pool = new InstructionPool(new InstructionFilter(seeds.Select(s => s.Instruction), new RougeLSimilarityIndex(), options), MaxInstructions);
        // Prompt order is generation order; a stable sort keeps files written in any order reproducible.
        var ordered = raw.OrderBy(r => r.PromptId).ToList();
        var total = ordered.Sum(r => r.ParsedInstructions.Count);
        var done = 0;
        foreach (var row in ordered)
        {
            ct.ThrowIfCancellationRequested();
            pool.Offer(row);
            done += row.ParsedInstructions.Count;
            context.Progress.Report(new ActivityProgress(done, total, $"{pool.Kept.Count} kept"));
        }

        var metadata = ArtifactMetadata.For(this, context, new JsonObject
        {
            ["similarity_threshold"] = SimilarityThreshold,
            ["min_words"] = MinWords,
            ["max_words"] = MaxWords,
            ["max_instructions"] = MaxInstructions,
            ["similarity"] = "rougeL_f (rouge_score tokenizer, no stemming)",
            ["blacklist"] = new JsonArray(InstructionFilterOptions.DefaultBlacklist.Select(w => (JsonNode)JsonValue.Create(w)!).ToArray()),
        });
        metadata.Write(context.GetArtifactPath(KeptFileName), pool.Kept, ct);
        metadata.Write(context.GetArtifactPath(RejectedFileName), pool.Rejected, ct);
        Instructions = context.RegisterArtifact(KeptFileName);
        Rejected = context.RegisterArtifact(RejectedFileName);
        KeptCount = pool.Kept.Count;
        RejectedCount = pool.Rejected.Count;
        var reasons = pool.Rejected.GroupBy(r => r.Reason).OrderBy(g => RejectionReasons.All.ToList().IndexOf(g.Key)).Select(g => $"{g.Key} {g.Count()}");
        context.Log($"{total} items from {raw.Count} prompts: {KeptCount} kept, {RejectedCount} rejected ({string.Join(", ", reasons)})");
        return ValueTask.CompletedTask;
    }
}
