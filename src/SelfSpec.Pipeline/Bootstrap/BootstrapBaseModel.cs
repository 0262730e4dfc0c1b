using System.Diagnostics;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Remote;
using SelfSpec.Retrieval;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.Tokenizers;
using SelfSpec.Workflows.Activities;

namespace SelfSpec.Pipeline.Bootstrap;

/// <summary>
/// Provides the pipeline's base model. When <see cref="BaseModel"/> names a Hugging Face model folder it is used as
/// it is. Otherwise (the embedded default, since no weights can be downloaded) a small demonstration Llama is trained
/// from scratch on the demo abstracts and the seeds (<see cref="BaseModelBootstrapper"/>) and saved under
/// <c>model/</c> in Hugging Face layout, with <c>bootstrap_log.parquet</c> (step, loss, learning rate, gradient norm,
/// tokens). Cached by its inputs: the seeds by content, the corpus by path (use <c>--force</c> after editing it).
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization", Version = 2,
    Description = "Uses baseModel if it is a model folder; otherwise trains a small demonstration Llama and its BPE tokenizer from scratch on the demo corpus and seeds.")]
public sealed class BootstrapBaseModel : WorkflowActivity, IParquetArtifactWriter
{
    /// <inheritdoc />
    [ActivityInput(Description = IParquetArtifactWriter.CompressionDescription)]
    public string Compression { get; set; } = "snappy";

    /// <summary>The model folder inside the activity's folder.</summary>
    public const string ModelFolder = "model";

    /// <summary>The training log's file name.</summary>
    public const string LogFileName = "bootstrap_log.parquet";

    /// <summary>A real checkpoint folder (config.json, safetensors, tokenizer.json); when set, nothing is trained.</summary>
    [ActivityInput(Description = "A Hugging Face model folder to use instead of training a demonstration model (empty: bootstrap one), or OpenAI-compatible endpoints serving it: openai:URL[;URL...][#MODEL&weights=FOLDER] (every generating stage then runs on them; training needs weights=; API key from SELFSPEC_ENDPOINT_API_KEY).")]
    public string BaseModel { get; set; } = "";

    /// <summary>The seeds (<c>seeds.parquet</c>); needed only when bootstrapping.</summary>
    [ActivityInput(Description = "seeds.parquet from IngestSeeds (needed when bootstrapping).")]
    public ArtifactRef? Seeds { get; set; }

    /// <summary>The demo abstracts (JSONL with pmid, title, abstract; .gz allowed); relative paths resolve against the current directory.</summary>
    [ActivityInput(Description = "JSONL of abstracts (pmid, title, abstract) to train on.")]
    public string CorpusPath { get; set; } = "data/corpus/demo_abstracts.jsonl";

    /// <summary>Tokenizer vocabulary size.</summary>
    [ActivityInput(Description = "Byte-level BPE vocabulary size.")]
    public int VocabSize { get; set; } = new BootstrapSettings().VocabSize;

    /// <summary>Model width.</summary>
    [ActivityInput(Description = "Hidden size of the Llama.")]
    public int HiddenSize { get; set; } = new BootstrapSettings().HiddenSize;

    /// <summary>Decoder layers.</summary>
    [ActivityInput(Description = "Decoder layers.")]
    public int Layers { get; set; } = new BootstrapSettings().Layers;

    /// <summary>Attention heads.</summary>
    [ActivityInput(Description = "Attention heads (head size = hiddenSize / heads).")]
    public int Heads { get; set; } = new BootstrapSettings().Heads;

    /// <summary>Key/value heads (must divide <see cref="Heads"/>; 1 is multi-query attention).</summary>
    [ActivityInput(Description = "Key/value heads, dividing heads (default 1: multi-query attention, a third of the KV cache to read per generated token).")]
    public int KeyValueHeads { get; set; } = new BootstrapSettings().KeyValueHeads;

    /// <summary>Optimiser steps.</summary>
    [ActivityInput(Description = "Training steps (each a batch of packed token windows).")]
    public int TrainingSteps { get; set; } = new BootstrapSettings().TrainingSteps;

    /// <summary>Packed windows per step.</summary>
    [ActivityInput(Description = "Packed windows per step.")]
    public int BatchSize { get; set; } = new BootstrapSettings().BatchSize;

    /// <summary>Tokens per packed window.</summary>
    [ActivityInput(Description = "Tokens per packed window.")]
    public int SequenceLength { get; set; } = new BootstrapSettings().SequenceLength;

    /// <summary>Peak learning rate.</summary>
    [ActivityInput(Description = "Peak learning rate (warm-up, then cosine decay).")]
    public double LearningRate { get; set; } = new BootstrapSettings().LearningRate;

    /// <summary>Stop training after this many seconds (0 = run every step). The result then depends on the machine.</summary>
    [ActivityInput(Description = "Stop training after this many seconds (0: no limit; the model then depends on the machine's speed).")]
    public double TimeBudgetSeconds { get; set; }

    /// <summary>The seed of the corpus, the initial weights and the batch order.</summary>
    [ActivityInput(Description = "Random seed (corpus, initial weights, batch order).")]
    public int RandomSeed { get; set; } = 1;

    /// <summary>
    /// libtorch threads while training (0: libtorch's default, one per core). Default 1: the model is so small that a
    /// second thread costs more in synchronisation than it gains (bench/results/bootstrap.md).
    /// </summary>
    [ActivityInput(Description = "CPU threads for training (default 1, fastest for this small model; 0: one per core).")]
    public int Threads { get; set; } = 1;

    /// <summary>The model folder to hand to the model-driven stages.</summary>
    [ActivityOutput(Description = "The base model folder.")]
    public string ModelPath { get; set; } = "";

    /// <summary>True when the model was bootstrapped here (a demonstration model, not a real LLM).</summary>
    [ActivityOutput(Description = "True when the model is the bootstrapped demonstration model.")]
    public bool IsDemonstrationModel { get; set; }

    /// <summary>Parameters of the model.</summary>
    [ActivityOutput(Description = "Number of parameters of the model.")]
    public long ParameterCount { get; set; }

    /// <summary><c>bootstrap_log.parquet</c> (null when <see cref="BaseModel"/> was used).</summary>
    [ActivityOutput(Description = "bootstrap_log.parquet (training loss per step), when bootstrapped.")]
    public ArtifactRef? TrainingLog { get; set; }

    /// <summary>The last training step's loss (null when <see cref="BaseModel"/> was used).</summary>
    [ActivityOutput(Description = "Loss of the last training step, when bootstrapped.")]
    public double? FinalLoss { get; set; }

    /// <inheritdoc />
    public override async ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        if (ModelSource.IsRemote(BaseModel) || ModelSource.HasForeignScheme(BaseModel))
        {
            await UseEndpointsAsync(context).ConfigureAwait(false);
            return;
        }
        if (!string.IsNullOrWhiteSpace(BaseModel))
        {
            UseGivenModel(context);
            return;
        }
        var ct = context.CancellationToken;
        var settings = new BootstrapSettings
        {
            VocabSize = VocabSize,
            HiddenSize = HiddenSize,
            Layers = Layers,
            Heads = Heads,
            KeyValueHeads = KeyValueHeads,
            TrainingSteps = TrainingSteps,
            BatchSize = BatchSize,
            SequenceLength = SequenceLength,
            LearningRate = LearningRate,
            TimeLimit = TimeBudgetSeconds > 0 ? TimeSpan.FromSeconds(TimeBudgetSeconds) : null,
            RandomSeed = RandomSeed,
        };
        settings.Validate();
        if (Threads < 0) throw new PipelineException($"must not be negative, got {Threads}", field: "threads");
        var seedsFile = Seeds?.Path ?? throw new PipelineException("required to bootstrap a model (or set baseModel)", field: "seeds");
        var seeds = ParquetSerializer.Read<SeedRow>(seedsFile);
        var abstracts = await ReadAbstractsAsync(ct).ConfigureAwait(false);

        var previousThreads = SelfSpec.Torch.Torch.Threads;
        if (Threads > 0) SelfSpec.Torch.Torch.Threads = Threads;
        BootstrapResult result;
        var watch = Stopwatch.StartNew();
        try
        {
            var progress = new SynchronousProgress<BootstrapProgress>(p =>
                context.Progress.Report(p.Stage == "training"
                    ? new ActivityProgress(p.Done, p.Total, $"training: step {p.Done}/{p.Total}, {p.Message}")
                    : new ActivityProgress(0, settings.TrainingSteps, p.Message)));
            result = BaseModelBootstrapper.Run(seeds, abstracts, settings, context.GetArtifactPath(ModelFolder), progress, ct);
        }
        catch (ArgumentException e)
        {
            throw new PipelineException(e.Message, inner: e);
        }
        finally
        {
            if (Threads > 0) SelfSpec.Torch.Torch.Threads = previousThreads;
        }

        // The settings that shaped the model (kept short: DuckDB shows footer values whole, some viewers cut them at 200 characters).
        var parameters = new JsonObject
        {
            ["corpus_file"] = Path.GetFileName(CorpusPath),
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["layers"] = Layers,
            ["heads"] = Heads,
            ["training_steps"] = TrainingSteps,
            ["batch_size"] = BatchSize,
            ["sequence_length"] = SequenceLength,
            ["learning_rate"] = LearningRate,
            ["random_seed"] = RandomSeed,
        };
        if (TimeBudgetSeconds > 0) parameters["time_budget_seconds"] = TimeBudgetSeconds;
        var metadata = ArtifactMetadata.For(this, context, parameters);
        metadata.Write(context.GetArtifactPath(LogFileName),
            result.Training.Log.Select(e => new BootstrapLogRow(e.Step, e.Loss, e.LearningRate, e.GradNorm, e.Tokens)), ct);
        TrainingLog = context.RegisterArtifact(LogFileName);

        ArtifactRef? config = null;
        foreach (var file in result.Files)
        {
            var registered = context.RegisterArtifact(ModelFolder + "/" + Path.GetFileName(file));
            if (Path.GetFileName(file) == LlamaCheckpointWriter.ConfigFileName) config = registered;
        }
        ModelPath = Path.GetDirectoryName(config!.Path)!;
        IsDemonstrationModel = true;
        ParameterCount = result.ParameterCount;
        FinalLoss = result.Training.FinalLoss;
        var stopped = result.Training.StoppedByTimeLimit ? $" (stopped by the {TimeBudgetSeconds:F0} s budget)" : "";
        context.Log($"demonstration model: {result.ParameterCount:N0} parameters, vocabulary {result.Config.VocabSize}, " +
            $"{result.Documents.Values.Sum()} documents / {result.CorpusTokens:N0} tokens; {result.Training.Steps} steps{stopped} in " +
            $"{result.Training.Elapsed.TotalSeconds:F0} s, loss {result.Training.Log[0].Loss:F2} → {result.Training.FinalLoss:F2}; total {watch.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>
    /// A base model served by OpenAI-compatible endpoints: checks that they answer (after the pool's retries) and serve the
    /// named model, and hands on the spec with the model name resolved, so every generating stage uses the endpoints.
    /// </summary>
    private async Task UseEndpointsAsync(ActivityExecutionContext context)
    {
        using var remote = await RemoteModel.ConnectAsync(BaseModel, "baseModel", context.CancellationToken).ConfigureAwait(false);
        var spec = remote.Pool.Spec with { Model = remote.ModelName };
        long parameters = 0;
        if (spec.Weights is { } weights)
        {
            if (!File.Exists(Path.Combine(weights, LlamaCheckpointWriter.ConfigFileName)))
                throw new PipelineException($"weights={weights} has no config.json, so it is not a Hugging Face model folder", file: weights, field: "baseModel");
            using var checkpoint = CheckpointDirectory.Open(weights);
            parameters = checkpoint.Names.Sum(n => checkpoint.Find(n).Info.Shape.Aggregate(1L, (a, b) => a * b));
        }
        ModelPath = spec.ToString();
        IsDemonstrationModel = false;
        ParameterCount = parameters;
        context.Log($"generating on {spec.Endpoints.Count} endpoint(s) serving '{remote.ModelName}' ({string.Join(", ", spec.Endpoints)}); " +
                    (spec.Weights is null ? "no local weights (weights=): training cannot run in process" : $"training uses the local weights {spec.Weights}"));
        context.Progress.Report(new ActivityProgress(1, 1, "using the endpoints"));
    }

    private void UseGivenModel(ActivityExecutionContext context)
    {
        var folder = Path.GetFullPath(BaseModel);
        if (!Directory.Exists(folder))
            throw new PipelineException($"'{BaseModel}' is not a folder; give a Hugging Face model folder (config.json, model.safetensors, tokenizer.json) or leave it empty to bootstrap a demonstration model", file: folder, field: "baseModel");
        if (!File.Exists(Path.Combine(folder, LlamaCheckpointWriter.ConfigFileName)))
            throw new PipelineException($"'{BaseModel}' has no config.json, so it is not a Hugging Face model folder", file: folder, field: "baseModel");
        long parameters;
        try
        {
            using var checkpoint = CheckpointDirectory.Open(folder);
            parameters = checkpoint.Names.Sum(n => checkpoint.Find(n).Info.Shape.Aggregate(1L, (a, b) => a * b));
        }
        catch (Exception e) when (e is CheckpointFormatException or FileNotFoundException or IOException)
        {
            throw new PipelineException($"the weights cannot be read: {e.Message}", file: folder, field: "baseModel", inner: e);
        }
        ModelPath = folder;
        IsDemonstrationModel = false;
        ParameterCount = parameters;
        context.Log($"using the given base model {folder} ({parameters:N0} parameters); nothing to bootstrap");
        context.Progress.Report(new ActivityProgress(1, 1, "using the given model"));
    }

    private async Task<List<DocumentRow>> ReadAbstractsAsync(CancellationToken ct)
    {
        var path = Path.GetFullPath(CorpusPath);
        if (!File.Exists(path)) throw new PipelineException("the corpus file does not exist", file: path, field: "corpusPath");
        var abstracts = new List<DocumentRow>();
        try
        {
            await foreach (var change in JsonlCorpusReader.ReadFileAsync(path, cancellationToken: ct).ConfigureAwait(false))
                if (change is ArticleUpsert { Article: var a }) abstracts.Add(new DocumentRow(a.Pmid, a.Title, a.Abstract));
        }
        catch (CorpusFormatException e)
        {
            throw new PipelineException(e.Message, file: path, field: "corpusPath", inner: e);
        }
        if (abstracts.Count == 0) throw new PipelineException("the corpus holds no abstracts", file: path, field: "corpusPath");
        return abstracts;
    }

    private sealed class SynchronousProgress<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
