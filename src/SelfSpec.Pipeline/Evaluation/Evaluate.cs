using System.Globalization;
using System.Text.Json.Nodes;
using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Evaluation.Reporting;
using SelfSpec.Evaluation.Results;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Endpoints;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Remote;
using SelfSpec.Text;
using SelfSpec.Torch;
using SelfSpec.Training.Logging;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Pipeline.Evaluation;

/// <summary>
/// The paper's evaluation (SelfSpec.Evaluation's <see cref="EvaluationRunner"/>): the base model, and when
/// <see cref="Adapter"/> is set also base + adapter, on a BoX-form JSONL (the demo set <c>data/eval/demo_eval.jsonl</c>)
/// or the native benchmark files, at k shots with demonstrations drawn from the seeds of the same task; greedy decoding,
/// F1 and stemmed ROUGE-L per prediction. Writes <c>eval_predictions.parquet</c> (<see cref="PredictionRow"/>: one row per
/// instance × k × model), <c>eval_summary.parquet</c> (<see cref="SummaryRow"/>), <c>report.md</c> and a self-contained
/// <c>report.html</c> laid out like Table 1, with the run's filter funnel and training loss curve when those artifacts are
/// given, and a plain notice when the model is the embedded demonstration model. The models are evaluated one after the
/// other, so only one is in memory at a time.
/// </summary>
/// <remarks>
/// Cached by inputs like every activity: <see cref="Dataset"/> and <see cref="Model"/> are paths, so after editing the
/// files behind them re-run with <c>--force</c>.
/// </remarks>
[Activity("SelfSpec", Category = "Self-specialization", Version = 1,
    Description = "Evaluates base (and base + adapter) at k shots on a BoX-form JSONL or the native benchmark; writes predictions, summary and a Table 1 report.")]
public sealed class Evaluate : WorkflowActivity
{
    /// <summary>The Markdown report's file name.</summary>
    public const string ReportFileName = ReportWriter.MarkdownFile;

    /// <summary>The HTML report's file name.</summary>
    public const string ReportHtmlFileName = ReportWriter.HtmlFile;

    /// <summary>The notice a report of the demonstration model opens with.</summary>
    public const string DemonstrationNotice =
        "These numbers come from a small demonstration model trained from scratch on the project's demo data, not from a real LLM. " +
        "They show that the pipeline runs end to end; they are not comparable to the paper's results.";

    /// <summary>The base model folder.</summary>
    [ActivityInput(Description = "Base model folder (config.json, model.safetensors, tokenizer.json), or OpenAI-compatible endpoints openai:URL[;URL...][#MODEL] (base and adapter requested by served name; the adapter is registered with POST /v1/load_lora_adapter).", Required = true)]
    public string Model { get; set; } = "";

    /// <summary>A PEFT adapter folder; when set, base + adapter is evaluated after the base model.</summary>
    [ActivityInput(Description = "Adapter folder (optional): evaluates base AND base + adapter.")]
    public string? Adapter { get; set; }

    /// <summary>The evaluation data: a BoX-form JSONL, a folder in the data-sample layout, or a JSON sources config.</summary>
    [ActivityInput(Description = "BoX-form JSONL (default data/eval/demo_eval.jsonl), a folder of native datasets, or a JSON sources config.")]
    public string Dataset { get; set; } = "data/eval/demo_eval.jsonl";

    /// <summary>The seeds, <c>seeds.parquet</c>: the k-shot demonstrations (needed when a k is above 0).</summary>
    [ActivityInput(Description = "seeds.parquet: the k-shot demonstrations (needed when a k > 0).")]
    public ArtifactRef? Seeds { get; set; }

    /// <summary>The k values, comma-separated (default "0,1,5").</summary>
    [ActivityInput(Description = "Numbers of demonstrations, comma-separated (default 0,1,5).")]
    public string Shots { get; set; } = "0,1,5";

    /// <summary>At most this many instances per dataset (null: all).</summary>
    [ActivityInput(Description = "At most this many instances per dataset (optional).")]
    public int? MaxInstancesPerDataset { get; set; }

    /// <summary>Seed of the demonstration order (default 42).</summary>
    [ActivityInput(Description = "Seed of the demonstration order (default 42).")]
    public int RandomSeed { get; set; } = 42;

    /// <summary>Prompts generated together (default 8); halved by the runtime on out-of-memory.</summary>
    [ActivityInput(Description = "Prompts generated together (default 8); halved on out-of-memory."), BatchSize]
    public int BatchSize { get; set; } = 8;

    /// <summary>The run's <c>instructions_raw.parquet</c>, for the report's filter funnel.</summary>
    [ActivityInput(Description = "instructions_raw.parquet, for the report's filter funnel (optional).")]
    public ArtifactRef? InstructionsRaw { get; set; }

    /// <summary>The run's <c>instructions.parquet</c>, for the report's filter funnel.</summary>
    [ActivityInput(Description = "instructions.parquet, for the report's filter funnel (optional).")]
    public ArtifactRef? Instructions { get; set; }

    /// <summary>The run's <c>instructions_rejected.parquet</c>, for the report's filter funnel.</summary>
    [ActivityInput(Description = "instructions_rejected.parquet, for the report's filter funnel (optional).")]
    public ArtifactRef? Rejected { get; set; }

    /// <summary>The adapter's <c>training_log.parquet</c>, for the report's loss curve.</summary>
    [ActivityInput(Description = "training_log.parquet, for the report's loss curve (optional).")]
    public ArtifactRef? TrainingLog { get; set; }

    /// <summary>True when <see cref="Model"/> is the embedded demonstration model: the report says so plainly at the top.</summary>
    [ActivityInput(Description = "True when the model is the embedded demonstration model (the report says so at the top).")]
    public bool IsDemonstrationModel { get; set; }

    /// <summary>The written <c>eval_predictions.parquet</c>.</summary>
    [ActivityOutput(Description = "eval_predictions.parquet")]
    public ArtifactRef? Predictions { get; set; }

    /// <summary>The written <c>eval_summary.parquet</c>.</summary>
    [ActivityOutput(Description = "eval_summary.parquet")]
    public ArtifactRef? Summary { get; set; }

    /// <summary>The written <c>report.md</c>.</summary>
    [ActivityOutput(Description = "report.md")]
    public ArtifactRef? Report { get; set; }

    /// <summary>The written <c>report.html</c>.</summary>
    [ActivityOutput(Description = "report.html (self-contained, inline SVG charts)")]
    public ArtifactRef? ReportHtml { get; set; }

    /// <summary>Rows of <c>eval_predictions.parquet</c> (instances × k × models).</summary>
    [ActivityOutput(Description = "Predictions scored (instances × k × models).")]
    public int PredictionCount { get; set; }

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var ct = context.CancellationToken;
        if (string.IsNullOrWhiteSpace(Model)) throw new PipelineException("required input is not set", field: "model");
        var remoteSpec = ModelSource.IsRemote(Model) ? ModelSource.ParseRemote(Model, "model") : null;
        var modelDirectory = remoteSpec is null ? Path.GetFullPath(Model) : remoteSpec.ToString();
        if (remoteSpec is null && !File.Exists(Path.Combine(modelDirectory, "config.json")))
            throw new PipelineException($"{modelDirectory} is not a model folder (no config.json)", field: "model");
        var adapterDirectory = string.IsNullOrWhiteSpace(Adapter) ? null : Path.GetFullPath(Adapter);
        if (adapterDirectory != null && !File.Exists(Path.Combine(adapterDirectory, "adapter_config.json")))
            throw new PipelineException($"{adapterDirectory} is not an adapter folder (no adapter_config.json)", field: "adapter");
        if (BatchSize < 1) throw new PipelineException($"the batch size must be at least 1, got {BatchSize}", field: "batchSize");
        if (MaxInstancesPerDataset is < 1) throw new PipelineException($"must be at least 1, got {MaxInstancesPerDataset}", field: "maxInstancesPerDataset");
        var shots = ParseShots(Shots);
        var dataset = Path.GetFullPath(Dataset);

        IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> data;
        try { data = BenchmarkSources.Load(dataset, MaxInstancesPerDataset); }
        catch (DatasetFormatException e) { throw new PipelineException(e.Message, file: e.File, row: e.Line, field: e.Field ?? "dataset", inner: e); }
        if (data.Count == 0) throw new PipelineException($"no evaluation instances found in {dataset}", field: "dataset");
        var seeds = LoadSeeds(shots);
        // Native datasets take their task definition from the seeds; fail before any model is loaded.
        foreach (var (name, instances) in data)
        {
            var task = BenchmarkCatalog.Get(name).BoxTask;
            if (instances.Any(i => i.Instruction == null) && !seeds.Contains(task))
                throw new PipelineException($"{name} needs the definition of seed task '{task}', which the seeds do not have", field: "seeds");
        }

        var options = new EvaluationOptions { Shots = shots, BatchSize = BatchSize, DemonstrationSeed = RandomSeed };
        var runner = new EvaluationRunner(seeds, RougeTokenizer.Stemmed, options);
        var roles = adapterDirectory == null ? 1 : 2;
        var perModel = shots.Count * data.Values.Sum(v => v.Count);
        var baseName = remoteSpec is null ? Path.GetFileName(modelDirectory) : ModelSource.NameOf(Model)!;
        var predictions = new List<PredictionRow>();
        using var remote = remoteSpec is null ? null : await RemoteModel.ConnectAsync(Model, "model", ct).ConfigureAwait(false);
        using var journal = remote is null ? null : RowJournal<string>.Open(RemoteJournal.PathFor(context, "continuations.jsonl", Model, Dataset, Shots,
            RandomSeed.ToString(CultureInfo.InvariantCulture), MaxInstancesPerDataset?.ToString(CultureInfo.InvariantCulture), Seeds?.Sha256));
        try
        {
            predictions.AddRange(await RunAsync(runner, ModelUnderTest.Base, baseName,
                () => remote is null ? new LlmCompletionModel(modelDirectory, null, BatchSize) : new RemoteCompletionModel(remote, remote.ModelName, journal),
                data, 0, perModel * roles, context).ConfigureAwait(false));
            if (adapterDirectory != null)
            {
                var adapterName = remote is null ? null : await remote.RegisterAdapterAsync(adapterDirectory, "adapter", ct).ConfigureAwait(false);
                predictions.AddRange(await RunAsync(runner, ModelUnderTest.Specialized, baseName + "+" + Path.GetFileName(adapterDirectory),
                    () => remote is null ? new LlmCompletionModel(modelDirectory, adapterDirectory, BatchSize) : new RemoteCompletionModel(remote, adapterName!, journal),
                    data, perModel, perModel * roles, context).ConfigureAwait(false));
            }
        }
        catch (TorchOutOfMemoryException e)
        {
            throw new ResourceExhaustedException($"out of memory generating batches of {BatchSize}: {e.Message}", e) { BatchSize = BatchSize };
        }
        catch (Exception e) when (e is EndpointsExhaustedException or EndpointRequestException)
        {
            throw new PipelineException($"{e.Message} ({journal?.Count} finished continuations are kept for a resume)", field: "model", inner: e);
        }
        var summary = SummaryAggregator.Summarize(predictions);

        var metadata = ArtifactMetadata.For(this, context, new JsonObject
        {
            ["shots"] = string.Join(",", shots),
            ["datasets"] = data.Count,
            ["instances"] = data.Values.Sum(v => v.Count),
            ["max_instances_per_dataset"] = MaxInstancesPerDataset,
            ["random_seed"] = RandomSeed,
            ["rouge"] = "rougeL, Porter-stemmed",
            ["normalization"] = options.Convention.Name,
            ["dataset"] = dataset,
            ["model"] = modelDirectory,
            ["adapter"] = adapterDirectory,
        });
        var writer = new EvaluationResultsWriter { Convention = options.Convention };
        foreach (var (key, value) in metadata.ToKeyValues()) writer.Metadata[key] = value;
        await writer.WriteAsync(context.WorkingDirectory, predictions, summary, ct).ConfigureAwait(false);

        var funnel = FilterFunnel.Read(InstructionsRaw?.Path, Instructions?.Path, Rejected?.Path);
        var loss = TrainingLog == null ? [] : new ParquetTrainingLog().Read(TrainingLog.Path)
            .Where(e => e.Loss is { } l && double.IsFinite(l)).Select(e => new LossPoint((int)e.Step, e.Loss!.Value)).ToList();
        new ReportWriter().Write(context.WorkingDirectory, new ReportInput
        {
            Notice = IsDemonstrationModel ? DemonstrationNotice : null,
            Summary = summary,
            Funnel = funnel.Stages,
            Loss = loss,
            Convention = options.Convention,
            Notes =
            [
                $"base model: {modelDirectory}" + (adapterDirectory != null ? $"; adapter: {adapterDirectory}" : "; no adapter (base model only)"),
                $"data: {dataset} ({data.Count} datasets, {data.Values.Sum(v => v.Count)} instances)",
                $"k: {string.Join(", ", shots)}; demonstrations from the seeds of the same task (seed {RandomSeed}); greedy decoding",
                "ROUGE-L F with the Porter stemmer (rouge_score); scores are means × 100",
                .. funnel.Origin is { } origin ? [origin] : Array.Empty<string>(),
            ],
        });

        Predictions = context.RegisterArtifact(EvaluationResultsWriter.PredictionsFile);
        Summary = context.RegisterArtifact(EvaluationResultsWriter.SummaryFile);
        Report = context.RegisterArtifact(ReportFileName);
        ReportHtml = context.RegisterArtifact(ReportHtmlFileName);
        PredictionCount = predictions.Count;
        foreach (var line in ReportWriter.Headlines(new ReportInput { Summary = summary })) context.Log(line);
        if (remote is not null)
        {
            journal!.Dispose();
            RemoteJournal.Delete(context);
        }
    }

    private static async Task<IReadOnlyList<PredictionRow>> RunAsync(EvaluationRunner runner, Func<string, ICompletionModel, ModelUnderTest> role,
        string name, Func<ICompletionModel> open, IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> data,
        int offset, int total, ActivityExecutionContext context)
    {
        var model = open();
        using var disposable = model as IDisposable;
        var under = role(name, model);
        var progress = new SynchronousProgress<EvaluationProgress>(p => context.Progress.Report(new ActivityProgress(offset + p.Done, total,
            string.Create(CultureInfo.InvariantCulture, $"{under.Role} · {p.Dataset} · k={p.K}"))));
        var result = await runner.RunAsync([under], data, progress, context.CancellationToken).ConfigureAwait(false);
        context.Log($"{under.Name} ({under.Role}): {result.Predictions.Count} predictions");
        return result.Predictions;
    }

    private SeedTaskSet LoadSeeds(IReadOnlyList<int> shots)
    {
        if (Seeds == null)
        {
            if (shots.Any(k => k > 0)) throw new PipelineException($"k = {shots.Max()} needs demonstrations: set seeds (seeds.parquet)", field: "seeds");
            return new SeedTaskSet([]);
        }
        var rows = ParquetSerializer.Read<SeedRow>(Seeds.Path);
        return SeedTaskSet.FromRows(rows.Where(r => r.Task.Length > 0).Select(r => (r.Task, r.Instruction, r.Input, r.Output)));
    }

    private static List<int> ParseShots(string text)
    {
        var values = new List<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var k))
                throw new PipelineException($"'{part}' is not a number of demonstrations (expected e.g. 0,1,5)", field: "shots");
            values.Add(k);
        }
        if (values.Count == 0) throw new PipelineException("no k given (expected e.g. 0,1,5)", field: "shots");
        return values.Distinct().Order().ToList();
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
