using System.Globalization;
using System.Text.Json.Nodes;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Endpoints;
using SelfSpec.Pipeline.Models;
using SelfSpec.Pipeline.Remote;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// The model writes instructions: Table 3 prompts with 3 sampled seed demonstrations, sampled at temperature 1.0 and
/// top-p 0.98 (the paper), in batches, parsed into Instruction/Input/Output items, until <see cref="TargetCount"/> items
/// pass the filter or <see cref="MaxPrompts"/> prompts are spent (the shortfall is logged and output). Writes
/// <c>instructions_raw.parquet</c> (<see cref="InstructionRawRow"/>, one row per prompt). The filter runs online only to
/// know when to stop; the kept and rejected artifacts are <see cref="FilterInstructions"/>' job, which reproduces the
/// online decisions exactly from this file. With <see cref="ContrastiveAlpha"/> (iteration 2) the completions are sampled
/// from contrastive scores, expert = base + <see cref="Adapter"/>, amateur = base (paper eq. 3).
/// </summary>
// Version 3: each prompt samples with its own seed, RowSeed(randomSeed, prompt id) (version 2 seeded each batch).
[Activity("SelfSpec", Category = "Self-specialization", Version = 3,
    Description = "The model writes instructions from seed demonstrations (Table 3 prompt) until the target passes the filter; writes instructions_raw.parquet.")]
public sealed class GenerateInstructions : WorkflowActivity, IParquetArtifactWriter
{
    /// <inheritdoc />
    [ActivityInput(Description = IParquetArtifactWriter.CompressionDescription)]
    public string Compression { get; set; } = "snappy";

    /// <summary>The artifact's file name.</summary>
    public const string FileName = "instructions_raw.parquet";

    /// <summary>The model directory (Hugging Face layout with tokenizer.json).</summary>
    [ActivityInput(Description = "Model directory (config.json, model.safetensors, tokenizer.json), or OpenAI-compatible endpoints: openai:URL[;URL...][#MODEL] (API key from SELFSPEC_ENDPOINT_API_KEY; finished completions are journaled for resume; the adapter is registered by name).", Required = true)]
    public string Model { get; set; } = "";

    /// <summary>A PEFT adapter directory applied to the model; required with <see cref="ContrastiveAlpha"/>.</summary>
    [ActivityInput(Description = "PEFT adapter directory (optional; the expert in contrastive decoding).")]
    public string? Adapter { get; set; }

    /// <summary>The seeds (<c>seeds.parquet</c>).</summary>
    [ActivityInput(Description = "seeds.parquet from IngestSeeds.", Required = true)]
    public ArtifactRef? Seeds { get; set; }

    /// <summary>The domain written into the prompt.</summary>
    [ActivityInput(Description = "Domain named in the prompt (the paper: biomedical).")]
    public string Domain { get; set; } = "biomedical";

    /// <summary>Instructions to keep (the paper: about 5,000).</summary>
    [ActivityInput(Description = "Instructions that must pass the filter (the paper: 5000).")]
    public int TargetCount { get; set; } = 5000;

    /// <summary>The most prompts to send.</summary>
    [ActivityInput(Description = "Most prompts to send; bounds a weak model (the shortfall is reported).")]
    public int MaxPrompts { get; set; } = 2000;

    /// <summary>Prompts generated together; halved by the runtime on out-of-memory.</summary>
    [ActivityInput(Description = "Prompts per generation batch (halved on out-of-memory)."), BatchSize]
    public int BatchSize { get; set; } = 8;

    /// <summary>Seed demonstrations per prompt.</summary>
    [ActivityInput(Description = "Seed demonstrations per prompt (the paper: 3).")]
    public int DemonstrationsPerPrompt { get; set; } = 3;

    /// <summary>Sampling temperature.</summary>
    [ActivityInput(Description = "Sampling temperature (the paper: 1.0).")]
    public double Temperature { get; set; } = 1.0;

    /// <summary>Nucleus sampling mass.</summary>
    [ActivityInput(Description = "Top-p (the paper: 0.98).")]
    public double TopP { get; set; } = 0.98;

    /// <summary>The most new tokens per completion.</summary>
    [ActivityInput(Description = "Most new tokens per completion (Alpaca: 3072).")]
    public int MaxNewTokens { get; set; } = 3072;

    /// <summary>Seed of the demonstration sampler and of the token sampler.</summary>
    [ActivityInput(Description = "Random seed (demonstrations and sampling).")]
    public int RandomSeed { get; set; } = 42;

    /// <summary>The online filter's ROUGE-L threshold (rejected when strictly above).</summary>
    [ActivityInput(Description = "ROUGE-L threshold of the online filter (rejected when > it; 0.7).")]
    public double SimilarityThreshold { get; set; } = 0.7;

    /// <summary>Whether an item's labels must carry its own number (<c>exact</c>, Alpaca) or may carry any (<c>any</c>).</summary>
    [ActivityInput(Description = "exact: an item's labels must carry its number (Alpaca's parser); any: also accept items whose three labels carry other numbers (noted in parse_notes).", Choices = ["exact", "any"])]
    public string ItemNumbers { get; set; } = "exact";

    /// <summary>Contrastive decoding's plausibility α; null = plain sampling.</summary>
    [ActivityInput(Description = "Contrastive decoding α (null = off; needs adapter: expert = base + adapter, amateur = base).")]
    public double? ContrastiveAlpha { get; set; }

    /// <summary>The amateur's temperature τ in contrastive decoding.</summary>
    [ActivityInput(Description = "Amateur temperature τ of contrastive decoding (1.0).")]
    public double AmateurTemperature { get; set; } = 1.0;

    /// <summary>The written <c>instructions_raw.parquet</c>.</summary>
    [ActivityOutput(Description = "instructions_raw.parquet")]
    public ArtifactRef? InstructionsRaw { get; set; }

    /// <summary>Prompts sent.</summary>
    [ActivityOutput(Description = "Prompts sent.")]
    public int PromptCount { get; set; }

    /// <summary>Items parsed from all completions.</summary>
    [ActivityOutput(Description = "Instruction items parsed from the completions.")]
    public int ParsedCount { get; set; }

    /// <summary>Target minus the items the online filter kept, when the prompt budget ran out first; else 0.</summary>
    [ActivityOutput(Description = "Target count minus kept, when maxPrompts ran out first (0 when reached).")]
    public int Shortfall { get; set; }

    /// <summary>Items the online filter kept (at most the target).</summary>
    [ActivityOutput(Description = "Items the online filter kept (FilterInstructions with maxInstructions = targetCount reproduces them).")]
    public int KeptCount { get; set; }

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        Validate();
        var ct = context.CancellationToken;
        var seeds = ArtifactReader.Read<SeedRow>(Seeds, "seeds", ct);
        if (seeds.Count == 0) throw new PipelineException("the seed file has no rows", Seeds!.Path, field: "seeds");
        if (seeds.Count < DemonstrationsPerPrompt)
            throw new PipelineException($"{seeds.Count} seeds cannot fill {DemonstrationsPerPrompt} demonstrations per prompt", Seeds!.Path, field: "demonstrationsPerPrompt");

        var remote = ModelSource.IsRemote(Model);
        using var loaded = remote ? null : LoadedModel.Load(Model, Adapter);
        using var endpoints = remote ? await RemoteModel.ConnectAsync(Model, "model", ct).ConfigureAwait(false) : null;
        using var journal = remote ? RowJournal<JournalCompletion>.Open(JournalPath(context)) : null;
        ITextGenerator generator;
        var batchSize = BatchSize;
        if (endpoints is not null)
        {
            var expert = Adapter is { Length: > 0 } adapter ? await endpoints.RegisterAdapterAsync(adapter, "adapter", ct).ConfigureAwait(false) : endpoints.ModelName;
            generator = new RemoteTextGenerator(endpoints, expert, journal,
                ContrastiveAlpha is { } contrastiveAlpha ? new ContrastiveSettings(contrastiveAlpha, AmateurTemperature) : null);
            // A batch is what the loop sends before it checks the target: enough to keep every endpoint's slots busy.
            batchSize = Math.Max(BatchSize, endpoints.Pool.Spec.Endpoints.Count * endpoints.Pool.Spec.Concurrency);
            if (journal!.Count > 0) context.Log($"{journal.Count} completions finished by an earlier attempt are reused from {journal.Path}");
        }
        else
            generator = ContrastiveAlpha is { } alpha
                ? new ContrastiveTextGenerator(loaded!.Model, loaded.Tokenizer, loaded.Adapter!, alpha, AmateurTemperature, BatchSize)
                : new LlmTextGenerator(loaded!.Model, loaded.Tokenizer, loaded.Adapter, BatchSize);
        var options = new InstructionGenerationOptions
        {
            Domain = Domain,
            TargetCount = TargetCount,
            MaxPrompts = MaxPrompts,
            BatchSize = batchSize,
            DemonstrationsPerPrompt = DemonstrationsPerPrompt,
            RandomSeed = RandomSeed,
            Sampling = new SamplingSettings { Temperature = Temperature, TopP = TopP, MaxNewTokens = MaxNewTokens, Seed = RandomSeed },
            Filter = new InstructionFilterOptions { SimilarityThreshold = SimilarityThreshold },
            ItemNumbering = ParseItemNumbers(),
        };
        var loop = new InstructionGenerationLoop(generator, new RougeLSimilarityIndex(), options);
        var progress = new Progress<InstructionGenerationProgress>(p =>
            context.Progress.Report(new ActivityProgress(p.Kept, p.Target, $"{p.Prompts} prompts, {p.Kept}/{p.Target} kept")));
        InstructionGenerationResult result;
        try
        {
            result = await LoadedModel.OnDeviceAsync(BatchSize, () => loop.RunAsync(seeds, progress, ct)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EndpointsExhaustedException or EndpointRequestException)
        {
            throw new PipelineException($"{e.Message} ({journal?.Count ?? 0} finished completions are kept in {journal?.Path} for a resume)", field: "model", inner: e);
        }

        var metadata = ArtifactMetadata.For(this, context, Parameters());
        metadata.Write(context.GetArtifactPath(FileName), result.Raw, ct);
        InstructionsRaw = context.RegisterArtifact(FileName);
        PromptCount = result.Raw.Count;
        ParsedCount = result.Raw.Sum(r => r.ParsedInstructions.Count);
        KeptCount = result.Kept.Count;
        Shortfall = result.Shortfall;
        context.Log($"{PromptCount} prompts, {ParsedCount} items parsed, {KeptCount} of {TargetCount} passed the online filter"
                    + (ContrastiveAlpha is { } a ? $" (contrastive, α = {a.ToString(CultureInfo.InvariantCulture)})" : ""));
        if (endpoints is not null)
        {
            context.Log("requests per endpoint: " + string.Join(", ", endpoints.Pool.Counts.Select(c => $"{c.Endpoint} {c.Completed} done, {c.Failed} failed")));
            journal!.Dispose();
            RemoteJournal.Delete(context);
        }
        if (Shortfall > 0)
            context.Log($"shortfall: {Shortfall} instructions short of the target {TargetCount} after maxPrompts = {MaxPrompts} prompts; " +
                        "raise maxPrompts or use a stronger model");
    }

    private void Validate()
    {
        if (TargetCount < 1) throw new PipelineException($"must be at least 1, got {TargetCount}", field: "targetCount");
        if (MaxPrompts < 1) throw new PipelineException($"must be at least 1, got {MaxPrompts}", field: "maxPrompts");
        ParseItemNumbers();
        if (BatchSize < 1) throw new PipelineException($"must be at least 1, got {BatchSize}", field: "batchSize");
        if (DemonstrationsPerPrompt < 1) throw new PipelineException($"must be at least 1, got {DemonstrationsPerPrompt}", field: "demonstrationsPerPrompt");
        if (MaxNewTokens < 1) throw new PipelineException($"must be at least 1, got {MaxNewTokens}", field: "maxNewTokens");
        if (!(Temperature > 0)) throw new PipelineException($"must be > 0, got {Temperature}", field: "temperature");
        if (!(TopP > 0 && TopP <= 1)) throw new PipelineException($"must be in (0, 1], got {TopP}", field: "topP");
        if (!(SimilarityThreshold >= 0 && SimilarityThreshold <= 1)) throw new PipelineException($"must be in [0, 1], got {SimilarityThreshold}", field: "similarityThreshold");
        if (ContrastiveAlpha is { } alpha)
        {
            if (!(alpha > 0 && alpha <= 1)) throw new PipelineException($"must be in (0, 1], got {alpha}", field: "contrastiveAlpha");
            if (string.IsNullOrWhiteSpace(Adapter))
                throw new PipelineException("contrastive decoding needs an adapter (expert = base + adapter, amateur = base)", field: "adapter");
            if (!(AmateurTemperature > 0)) throw new PipelineException($"must be > 0, got {AmateurTemperature}", field: "amateurTemperature");
        }
    }

    /// <summary>The journal of finished completions, in a resume folder keyed by everything that shapes them.</summary>
    private string JournalPath(ActivityExecutionContext context) =>
        RemoteJournal.PathFor(context, "completions.jsonl", Parameters().ToJsonString(), Seeds!.Sha256, LoadedModel.NameOf(Adapter) ?? "");

    private ItemNumbering ParseItemNumbers() => ItemNumbers.Trim().ToLowerInvariant() switch
    {
        "exact" or "" => ItemNumbering.Exact,
        "any" => ItemNumbering.Any,
        _ => throw new PipelineException($"must be 'exact' or 'any', got '{ItemNumbers}'", field: "itemNumbers"),
    };

    private JsonObject Parameters() => new()
    {
        ["model"] = ModelSource.NameOf(Model),
        ["adapter"] = LoadedModel.NameOf(Adapter),
        ["domain"] = Domain,
        ["target_count"] = TargetCount,
        ["max_prompts"] = MaxPrompts,
        ["batch_size"] = BatchSize,
        ["demonstrations_per_prompt"] = DemonstrationsPerPrompt,
        ["temperature"] = Temperature,
        ["top_p"] = TopP,
        ["max_new_tokens"] = MaxNewTokens,
        ["random_seed"] = RandomSeed,
        ["similarity_threshold"] = SimilarityThreshold,
        ["item_numbers"] = ItemNumbers,
        ["contrastive_alpha"] = ContrastiveAlpha,
        ["amateur_temperature"] = ContrastiveAlpha is null ? null : AmateurTemperature,
    };
}
