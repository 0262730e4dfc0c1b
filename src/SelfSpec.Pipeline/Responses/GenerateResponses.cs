using System.Globalization;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Generation;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Instructions;
using SelfSpec.Endpoints;
using SelfSpec.Pipeline.Models;
using SelfSpec.Pipeline.Remote;
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
    [ActivityInput(Description = "Model directory (config.json, model.safetensors, tokenizer.json), or OpenAI-compatible endpoints: openai:URL[;URL...][#MODEL] (RAG-token mixed from top-N log-probabilities; the adapter is registered by name).", Required = true)]
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
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var mode = ParseMode(Mode);
        Validate();
        var ct = context.CancellationToken;
        var instructions = ArtifactReader.Read<InstructionRow>(Instructions, "instructions", ct);
        var documents = mode == ResponseMode.None
            ? new Dictionary<string, List<RetrievalRow>>()
            : Group(ArtifactReader.Read<RetrievalRow>(Retrievals, "retrievals", ct), Retrievals!.Path);

        var prompt = new ResponseGenerationPrompt(Domain);
        var docs = instructions.Select(instruction => mode switch
        {
            ResponseMode.TopK => documents.GetValueOrDefault(instruction.Id) ?? [],
            ResponseMode.Top1 => documents.GetValueOrDefault(instruction.Id)?.Take(1).ToList() ?? [],
            _ => [],
        }).ToList();
        var fallback = mode == ResponseMode.None ? 0 : docs.Count(d => d.Count == 0);
        var prompts = instructions.Select((instruction, i) => (IReadOnlyList<ResponsePrompt>)(docs[i].Count == 0
            ? [new ResponsePrompt(prompt.Build(instruction.Instruction, instruction.Input), 0)]
            : docs[i].Select(d => new ResponsePrompt(prompt.Build(instruction.Instruction, instruction.Input, DocumentText(d)), d.Score)).ToList())).ToList();

        IReadOnlyList<Response> responses = ModelSource.IsRemote(Model)
            ? await GenerateRemotelyAsync(context, instructions, prompts, mode).ConfigureAwait(false)
            : GenerateInProcess(context, instructions, prompts).ToArray();
        var rows = new List<SftRow>(instructions.Count);
        var empty = 0;
        for (var i = 0; i < instructions.Count; i++)
        {
            if (responses[i].Text.Length == 0) empty++;
            else rows.Add(new SftRow(instructions[i].Id, instructions[i].Instruction, instructions[i].Input, responses[i].Text, docs[i].Select(d => d.Pmid).ToList(), responses[i].MeanLogProb));
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
        if (ModelSource.IsRemote(Model)) RemoteJournal.Delete(context);
    }

    /// <summary>The responses with the LLM engine in process, <see cref="BatchSize"/> instructions per batch.</summary>
    private List<Response> GenerateInProcess(ActivityExecutionContext context, List<InstructionRow> instructions, List<IReadOnlyList<ResponsePrompt>> prompts)
    {
        var ct = context.CancellationToken;
        using var loaded = LoadedModel.Load(Model, Adapter);
        var responder = new ResponseDecoder(loaded, ContrastiveAlpha is { } alpha
            ? new ContrastiveOptions { Alpha = alpha, AmateurTemperature = AmateurTemperature, Search = Greedy ? ContrastiveSearch.Greedy : ContrastiveSearch.Sample }
            : null, DocTemperature);
        var responses = new List<Response>(instructions.Count);
        for (var start = 0; start < instructions.Count; start += BatchSize)
        {
            ct.ThrowIfCancellationRequested();
            var batch = prompts.Skip(start).Take(BatchSize).ToList();
            var options = new GenerationOptions
            {
                MaxNewTokens = MaxNewTokens,
                Sampling = Greedy ? SamplingOptions.GreedyDecoding : SamplingOptions.Sample(Temperature, TopP, seed: (ulong)(RandomSeed + start)),
                StopStrings = StopSequences,
            };
            responses.AddRange(LoadedModel.OnDevice(BatchSize, () => responder.Generate(batch, options, ct)));
            context.Progress.Report(new ActivityProgress(start + batch.Count, instructions.Count, $"{responses.Count(r => r.Text.Length > 0)} responses"));
        }
        return responses;
    }

    /// <summary>
    /// The responses over the endpoints: instructions decode concurrently (as many as keep the endpoints' slots busy with
    /// their k document requests per step), each seeded by its id, each kept in the journal as it finishes.
    /// </summary>
    private async Task<Response[]> GenerateRemotelyAsync(ActivityExecutionContext context, List<InstructionRow> instructions,
        List<IReadOnlyList<ResponsePrompt>> prompts, ResponseMode mode)
    {
        var ct = context.CancellationToken;
        using var remote = await RemoteModel.ConnectAsync(Model, "model", ct).ConfigureAwait(false);
        var expert = Adapter is { Length: > 0 } adapter ? await remote.RegisterAdapterAsync(adapter, "adapter", ct).ConfigureAwait(false) : remote.ModelName;
        using var journal = RowJournal<JournalResponse>.Open(RemoteJournal.PathFor(context, "responses.jsonl",
            Parameters(mode).ToJsonString(), Instructions!.Sha256, Retrievals?.Sha256, LoadedModel.NameOf(Adapter) ?? ""));
        if (journal.Count > 0) context.Log($"{journal.Count} responses finished by an earlier attempt are reused from {journal.Path}");
        var decoder = new RemoteResponseDecoder(remote, expert,
            ContrastiveAlpha is { } alpha ? new ContrastiveSettings(alpha, AmateurTemperature) : null, DocTemperature, journal);
        var spec = remote.Pool.Spec;
        var maxDocuments = Math.Max(1, prompts.Count == 0 ? 1 : prompts.Max(p => p.Count));
        using var inFlight = new SemaphoreSlim(Math.Max(1, spec.Endpoints.Count * spec.Concurrency / maxDocuments));
        var done = 0;
        var responses = new Response[instructions.Count];
        try
        {
            await Task.WhenAll(instructions.Select(async (instruction, i) =>
            {
                await inFlight.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    responses[i] = await decoder.GenerateAsync(instruction.Id, prompts[i], MaxNewTokens, Greedy, Temperature, TopP, RandomSeed, StopSequences, ct).ConfigureAwait(false);
                    var n = Interlocked.Increment(ref done);
                    context.Progress.Report(new ActivityProgress(n, instructions.Count, $"{n} responses"));
                }
                finally { inFlight.Release(); }
            })).ConfigureAwait(false);
        }
        catch (Exception e) when (e is EndpointsExhaustedException or EndpointRequestException)
        {
            throw new PipelineException($"{e.Message} ({journal.Count} finished responses are kept in {journal.Path} for a resume)", field: "model", inner: e);
        }
        context.Log("requests per endpoint: " + string.Join(", ", remote.Pool.Counts.Select(c => $"{c.Endpoint} {c.Completed} done, {c.Failed} failed")));
        return responses;
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
        ["model"] = ModelSource.NameOf(Model),
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
