using System.Globalization;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Pipeline.Models;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Responses;

/// <summary>
/// The model answers each kept instruction: the Table 3 response prompt (no demonstrations), one prompt per retrieved
/// document, and RAG-token decoding (paper eq. 2) that mixes the k next-token distributions with
/// p_ret = softmax(score / <see cref="DocTemperature"/>) at every step. Modes: <c>topk</c> (every retrieved document),
/// <c>top1</c> (the best one only: plain generation on that document's prompt), <c>none</c> (the prompt without a
/// document: plain generation). An instruction with no retrieved document falls back to <c>none</c>. With
/// <see cref="ContrastiveAlpha"/> (iteration 2) the expert marginal (base + <see cref="Adapter"/>) is contrasted with the
/// base model's marginal over the same documents (eq. 3). Greedy by default: the paper leaves response decoding open,
/// and the follow-up Self-MoE decodes responses greedily. Writes <c>sft.parquet</c> (<see cref="SftRow"/>); empty
/// responses are dropped and counted rather than trained on.
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization",
    Description = "Responses by RAG-token decoding over the retrieved documents (modes topk / top1 / none, optional contrastive); writes sft.parquet.")]
public sealed class GenerateResponses : WorkflowActivity, IParquetArtifactWriter
{
    /// <inheritdoc />
    [ActivityInput(Description = IParquetArtifactWriter.CompressionDescription)]
    public string Compression { get; set; } = "snappy";

    /// <summary>The artifact's file name.</summary>
    public const string FileName = "sft.parquet";

    /// <summary>Generation stops at these (the start of a next Alpaca section); the text is cut before them.</summary>
    public static IReadOnlyList<string> StopSequences { get; } = ["###"];

    /// <summary>The model directory (Hugging Face layout with tokenizer.json).</summary>
    [ActivityInput(Description = "Model directory (config.json, model.safetensors, tokenizer.json).", Required = true)]
    public string Model { get; set; } = "";

    /// <summary>A PEFT adapter directory applied to the model; required with <see cref="ContrastiveAlpha"/>.</summary>
    [ActivityInput(Description = "PEFT adapter directory (optional; the expert in contrastive decoding).")]
    public string? Adapter { get; set; }

    /// <summary>The kept instructions (<c>instructions.parquet</c>).</summary>
    [ActivityInput(Description = "instructions.parquet from FilterInstructions.", Required = true)]
    public ArtifactRef? Instructions { get; set; }

    /// <summary>The retrieved documents (<c>retrievals.parquet</c>); not needed in mode <c>none</c>.</summary>
    [ActivityInput(Description = "retrievals.parquet from RetrieveDocuments (not needed when mode = none).")]
    public ArtifactRef? Retrievals { get; set; }

    /// <summary><c>topk</c>, <c>top1</c> or <c>none</c>.</summary>
    [ActivityInput(Description = "topk (all retrieved documents), top1 (best document only) or none (no document).", Choices = ["topk", "top1", "none"])]
    public string Mode { get; set; } = "topk";

    /// <summary>τ in p_ret = softmax(score / τ).</summary>
    [ActivityInput(Description = "Temperature τ of the document weights softmax(score/τ) (1.0).")]
    public double DocTemperature { get; set; } = 1.0;

    /// <summary>The most new tokens per response.</summary>
    [ActivityInput(Description = "Most new tokens per response.")]
    public int MaxNewTokens { get; set; } = 256;

    /// <summary>Instructions decoded together (each brings its k document prompts, so a batch has up to k × this rows).</summary>
    [ActivityInput(Description = "Instructions per batch (halved on out-of-memory); a batch holds up to k rows per instruction."), BatchSize]
    public int BatchSize { get; set; } = 8;

    /// <summary>Greedy decoding (default) or sampling.</summary>
    [ActivityInput(Description = "Greedy decoding (true, default) or sampling with temperature/topP/randomSeed.")]
    public bool Greedy { get; set; } = true;

    /// <summary>Sampling temperature (when not greedy).</summary>
    [ActivityInput(Description = "Sampling temperature (when greedy = false).")]
    public double Temperature { get; set; } = 1.0;

    /// <summary>Nucleus sampling mass (when not greedy).</summary>
    [ActivityInput(Description = "Top-p (when greedy = false).")]
    public double TopP { get; set; } = 0.98;

    /// <summary>Seed of the sampler (the batch starting at instruction <c>i</c> samples with seed + i).</summary>
    [ActivityInput(Description = "Random seed (when greedy = false; the batch starting at instruction i uses seed + i).")]
    public int RandomSeed { get; set; } = 42;

    /// <summary>Contrastive decoding's plausibility α; null = off.</summary>
    [ActivityInput(Description = "Contrastive decoding α (null = off; needs adapter: expert = base + adapter, amateur = base).")]
    public double? ContrastiveAlpha { get; set; }

    /// <summary>The amateur's temperature τ in contrastive decoding.</summary>
    [ActivityInput(Description = "Amateur temperature τ of contrastive decoding (1.0).")]
    public double AmateurTemperature { get; set; } = 1.0;

    /// <summary>The domain written into the response prompt.</summary>
    [ActivityInput(Description = "Domain named in the response prompt (biomedical).")]
    public string Domain { get; set; } = "biomedical";

    /// <summary>The written <c>sft.parquet</c>.</summary>
    [ActivityOutput(Description = "sft.parquet")]
    public ArtifactRef? Sft { get; set; }

    /// <summary>Rows written.</summary>
    [ActivityOutput(Description = "Rows written (instructions minus empty responses).")]
    public int RowCount { get; set; }

    /// <summary>The mean over rows of <see cref="SftRow.MeanTokenLogProb"/>.</summary>
    [ActivityOutput(Description = "Mean over rows of mean_token_log_prob.")]
    public double MeanTokenLogProb { get; set; }

    /// <summary>Instructions whose response was empty (dropped).</summary>
    [ActivityOutput(Description = "Instructions whose response was empty (dropped, not trained on).")]
    public int EmptyCount { get; set; }

    /// <summary>Instructions answered without a document because none was retrieved (in topk / top1).</summary>
    [ActivityOutput(Description = "Instructions answered without a document because none was retrieved.")]
    public int FallbackCount { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var mode = ParseMode(Mode);
        Validate();
        var ct = context.CancellationToken;
        var instructions = ArtifactReader.Read<InstructionRow>(Instructions, "instructions", ct);
        var documents = mode == ResponseMode.None
            ? new Dictionary<string, List<RetrievalRow>>()
            : Group(ArtifactReader.Read<RetrievalRow>(Retrievals, "retrievals", ct), Retrievals!.Path);

        using var loaded = LoadedModel.Load(Model, Adapter);
        var prompt = new ResponseGenerationPrompt(Domain);
        var responder = new ResponseDecoder(loaded, ContrastiveAlpha is { } alpha
            ? new ContrastiveOptions { Alpha = alpha, AmateurTemperature = AmateurTemperature, Search = Greedy ? ContrastiveSearch.Greedy : ContrastiveSearch.Sample }
            : null, DocTemperature);
        var rows = new List<SftRow>(instructions.Count);
        var fallback = 0;
        var empty = 0;
        for (var start = 0; start < instructions.Count; start += BatchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = instructions.Skip(start).Take(BatchSize).ToList();
            var docs = batch.Select(instruction => mode switch
            {
                ResponseMode.TopK => documents.GetValueOrDefault(instruction.Id) ?? [],
                ResponseMode.Top1 => documents.GetValueOrDefault(instruction.Id)?.Take(1).ToList() ?? [],
                _ => [],
            }).ToList();
            if (mode != ResponseMode.None) fallback += docs.Count(d => d.Count == 0);
            var prompts = batch.Select((instruction, b) => (IReadOnlyList<ResponsePrompt>)(docs[b].Count == 0
                ? [new ResponsePrompt(prompt.Build(instruction.Instruction, instruction.Input), 0)]
                : docs[b].Select(d => new ResponsePrompt(prompt.Build(instruction.Instruction, instruction.Input, DocumentText(d)), d.Score)).ToList())).ToList();
            var options = new GenerationOptions
            {
                MaxNewTokens = MaxNewTokens,
                Sampling = Greedy ? SamplingOptions.GreedyDecoding : SamplingOptions.Sample(Temperature, TopP, seed: (ulong)(RandomSeed + start)),
                StopStrings = StopSequences,
            };
            var responses = LoadedModel.OnDevice(BatchSize, () => responder.Generate(prompts, options, ct));
            for (var b = 0; b < batch.Count; b++)
            {
                if (responses[b].Text.Length == 0) empty++;
                else rows.Add(new SftRow(batch[b].Id, batch[b].Instruction, batch[b].Input, responses[b].Text, docs[b].Select(d => d.Pmid).ToList(), responses[b].MeanLogProb));
            }
            context.Progress.Report(new ActivityProgress(start + batch.Count, instructions.Count, $"{rows.Count} responses"));
        }

        var metadata = ArtifactMetadata.For(this, context, Parameters(mode));
        metadata.Write(context.GetArtifactPath(FileName), rows, ct);
        Sft = context.RegisterArtifact(FileName);
        RowCount = rows.Count;
        MeanTokenLogProb = rows.Count == 0 ? 0 : rows.Average(r => r.MeanTokenLogProb);
        EmptyCount = empty;
        FallbackCount = fallback;
        context.Log($"{rows.Count} responses for {instructions.Count} instructions (mode {Mode}{(ContrastiveAlpha is { } a ? $", contrastive α = {a.ToString(CultureInfo.InvariantCulture)}" : "")}), " +
                    $"mean token log-prob {MeanTokenLogProb.ToString("0.###", CultureInfo.InvariantCulture)}");
        if (fallback > 0) context.Log($"{fallback} instruction(s) had no retrieved document and were answered without one (mode none)");
        if (empty > 0) context.Log($"{empty} empty response(s) dropped");
        return ValueTask.CompletedTask;
    }

    /// <summary>The document text placed in the prompt: the retrieved text, else the title.</summary>
    public static string DocumentText(RetrievalRow row) => row.Text is { Length: > 0 } text ? text : row.Title;

    private static ResponseMode ParseMode(string mode) => mode?.Trim().ToLowerInvariant() switch
    {
        "topk" => ResponseMode.TopK,
        "top1" => ResponseMode.Top1,
        "none" => ResponseMode.None,
        _ => throw new PipelineException($"must be topk, top1 or none, got '{mode}'", field: "mode"),
    };

    private void Validate()
    {
        if (MaxNewTokens < 1) throw new PipelineException($"must be at least 1, got {MaxNewTokens}", field: "maxNewTokens");
        if (BatchSize < 1) throw new PipelineException($"must be at least 1, got {BatchSize}", field: "batchSize");
        if (!(DocTemperature > 0)) throw new PipelineException($"must be > 0, got {DocTemperature}", field: "docTemperature");
        if (!(Temperature > 0)) throw new PipelineException($"must be > 0, got {Temperature}", field: "temperature");
        if (!(TopP > 0 && TopP <= 1)) throw new PipelineException($"must be in (0, 1], got {TopP}", field: "topP");
        if (ContrastiveAlpha is { } alpha)
        {
            if (!(alpha > 0 && alpha <= 1)) throw new PipelineException($"must be in (0, 1], got {alpha}", field: "contrastiveAlpha");
            if (string.IsNullOrWhiteSpace(Adapter))
                throw new PipelineException("contrastive decoding needs an adapter (expert = base + adapter, amateur = base)", field: "adapter");
            if (!(AmateurTemperature > 0)) throw new PipelineException($"must be > 0, got {AmateurTemperature}", field: "amateurTemperature");
        }
    }

    /// <summary>Retrievals per instruction id, best rank first.</summary>
    private static Dictionary<string, List<RetrievalRow>> Group(List<RetrievalRow> rows, string path)
    {
        for (var r = 0; r < rows.Count; r++)
            if (DocumentText(rows[r]).Length == 0)
                throw new PipelineException("the retrieved document has neither text nor title", path, r + 1, "text");
        return rows.GroupBy(r => r.InstructionId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Rank).ToList(), StringComparer.Ordinal);
    }

    private JsonObject Parameters(ResponseMode mode) => new()
    {
        ["model"] = LoadedModel.NameOf(Model),
        ["adapter"] = LoadedModel.NameOf(Adapter),
        ["mode"] = mode.ToString().ToLowerInvariant(),
        ["doc_temperature"] = DocTemperature,
        ["max_new_tokens"] = MaxNewTokens,
        ["greedy"] = Greedy,
        ["temperature"] = Greedy ? null : Temperature,
        ["top_p"] = Greedy ? null : TopP,
        ["random_seed"] = Greedy ? null : RandomSeed,
        ["contrastive_alpha"] = ContrastiveAlpha,
        ["amateur_temperature"] = ContrastiveAlpha is null ? null : AmateurTemperature,
        ["domain"] = Domain,
        ["stop"] = new JsonArray(StopSequences.Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
    };

    private enum ResponseMode { TopK, Top1, None }
}
