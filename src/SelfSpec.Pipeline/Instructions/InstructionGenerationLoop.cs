using SelfSpec.Pipeline.Artifacts;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>Settings of <see cref="InstructionGenerationLoop"/>; defaults follow the paper (algorithms.md §0, §1.6).</summary>
public sealed record InstructionGenerationOptions
{
    /// <summary>The domain written into the Table 3 prompt.</summary>
    public string Domain { get; init; } = "biomedical";

    /// <summary>Instructions to keep (paper: about 5,000).</summary>
    public int TargetCount { get; init; } = 5000;

    /// <summary>The most prompts to send, so a weak model cannot loop forever; the shortfall is reported.</summary>
    public int MaxPrompts { get; init; } = 2000;

    /// <summary>Prompts per generator call.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Seed demonstrations per prompt (paper: 3).</summary>
    public int DemonstrationsPerPrompt { get; init; } = 3;

    /// <summary>The seed of the demonstration sampler.</summary>
    public int RandomSeed { get; init; } = 42;

    /// <summary>The online filter's rules (word counts, blacklist, ROUGE-L threshold).</summary>
    public InstructionFilterOptions Filter { get; init; } = new();

    /// <summary>Whether an item's labels must carry its own number (Alpaca, the default) or may carry any.</summary>
    public ItemNumbering ItemNumbering { get; init; } = ItemNumbering.Exact;

    /// <summary>The sampling settings passed to the generator; the call starting at prompt <c>p</c> gets seed <c>Sampling.Seed + p</c>.</summary>
    public SamplingSettings Sampling { get; init; } = new();
}

/// <summary>Progress of the loop: prompts sent and instructions kept so far.</summary>
/// <param name="Prompts">Prompts completed.</param>
/// <param name="Kept">Instructions kept.</param>
/// <param name="Target">The target count.</param>
public readonly record struct InstructionGenerationProgress(int Prompts, int Kept, int Target);

/// <summary>What the loop produced: the rows of the three artifacts and the accounting.</summary>
/// <param name="Raw">One row per prompt (<c>instructions_raw.parquet</c>).</param>
/// <param name="Kept">The kept instructions (<c>instructions.parquet</c>).</param>
/// <param name="Rejected">The rejected instructions (<c>instructions_rejected.parquet</c>).</param>
/// <param name="Shortfall">Target minus kept when <see cref="InstructionGenerationOptions.MaxPrompts"/> ran out first; else 0.</param>
public sealed record InstructionGenerationResult(IReadOnlyList<InstructionRawRow> Raw, IReadOnlyList<InstructionRow> Kept,
    IReadOnlyList<RejectedInstructionRow> Rejected, int Shortfall);

/// <summary>
/// The instruction-generation stage without the model: builds Table 3 prompts with sampled seed demonstrations, asks an
/// <see cref="ITextGenerator"/> for completions in batches, parses them (algorithms.md §1.6), filters the items online
/// against the seeds and everything kept so far, and repeats until the target count is kept or the prompt budget is
/// spent. Prompt <c>p</c> always shows the same seeds for a given random seed (see <see cref="SeedSampler"/>).
/// </summary>
public sealed class InstructionGenerationLoop
{
    private readonly ITextGenerator _generator;
    private readonly ISimilarityIndex _similarity;
    private readonly InstructionGenerationOptions _options;

    /// <summary>Creates the loop; <paramref name="similarity"/> must be empty (the seeds are added to it).</summary>
    public InstructionGenerationLoop(ITextGenerator generator, ISimilarityIndex similarity, InstructionGenerationOptions? options = null)
    {
        _generator = generator ?? throw new ArgumentNullException(nameof(generator));
        _similarity = similarity ?? throw new ArgumentNullException(nameof(similarity));
        _options = options ?? new InstructionGenerationOptions();
        if (_options.TargetCount < 1) throw new ArgumentOutOfRangeException(nameof(options), "TargetCount must be at least 1");
        if (_options.MaxPrompts < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxPrompts must be at least 1");
        if (_options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1");
    }

    /// <summary>Runs the loop over <paramref name="seeds"/>.</summary>
    public async Task<InstructionGenerationResult> RunAsync(IReadOnlyList<SeedRow> seeds, IProgress<InstructionGenerationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (_similarity.Count != 0) throw new ArgumentException("the similarity index must start empty", nameof(seeds));
        var prompt = new InstructionGenerationPrompt(_options.Domain);
        var sampler = new SeedSampler(seeds, _options.RandomSeed, _options.DemonstrationsPerPrompt);
        var pool = new InstructionPool(new InstructionFilter(seeds.Select(s => s.Instruction), _similarity, _options.Filter), _options.TargetCount);
        var firstNumber = InstructionGenerationPrompt.FirstGeneratedNumber(_options.DemonstrationsPerPrompt);
        var raw = new List<InstructionRawRow>();
        var next = 0;
        while (!pool.TargetReached && next < _options.MaxPrompts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = Math.Min(_options.BatchSize, _options.MaxPrompts - next);
            var ids = Enumerable.Range(next, count).ToList();
            var demonstrations = ids.Select(id => sampler.ForPrompt(id)).ToList();
            // The prompt ids travel with the prompts: in process each call gets its own random stream (seed + first prompt
            // id), so later batches do not replay the first one's draws; a remote generator seeds each prompt by its id.
            var completions = await _generator.GenerateRowsAsync(ids, demonstrations.Select(prompt.Build).ToList(), _options.Sampling, cancellationToken)
                .ConfigureAwait(false);
            if (completions.Count != count)
                throw new PipelineException($"the generator returned {completions.Count} completions for {count} prompts");
            for (var i = 0; i < count; i++)
            {
                var parsed = InstructionCompletionParser.Parse(completions[i].Text, firstNumber, completions[i].Truncated, _options.ItemNumbering);
                raw.Add(new InstructionRawRow(ids[i], demonstrations[i].Select(s => s.Id).ToList(), completions[i].Text, completions[i].Truncated,
                    parsed.Items.Select(x => x.Instruction).ToList(), parsed.Items.Select(x => x.Input).ToList(),
                    parsed.Items.Select(x => x.Output).ToList(), parsed.Errors, parsed.Notes));
                pool.Offer(ids[i], parsed.Items);
            }
            next += count;
            progress?.Report(new InstructionGenerationProgress(next, pool.Kept.Count, _options.TargetCount));
        }
        return new InstructionGenerationResult(raw, pool.Kept, pool.Rejected, Math.Max(0, _options.TargetCount - pool.Kept.Count));
    }
}
