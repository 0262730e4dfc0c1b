using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Llm.Lora;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Remote;
using SelfSpec.Torch;
using SelfSpec.Training;
using SelfSpec.Training.Logging;
using SelfSpec.Workflows.Activities;
using SelfSpec.Workflows.Resilience;

namespace SelfSpec.Pipeline.Training;

/// <summary>
/// Tunes a LoRA adapter on <c>sft.parquet</c> (<see cref="SftRow"/>: instruction, input, output in the Alpaca template,
/// loss on the response) with the paper's settings as defaults: QLoRA (NF4 base, double-quantised scales), LoRA on every
/// linear projection of every layer, r 8, alpha 16, dropout 0.05, lr 3e-4 constant, batch 32, 3 epochs
/// (<see cref="AdapterTrainingSession"/>, the same wiring as <c>selfspec train</c>).
/// Writes the PEFT adapter folder (<c>adapter/adapter_config.json</c>, <c>adapter/adapter_model.safetensors</c>) and
/// <c>training_log.parquet</c> (one row per step: step, epoch, loss, lr, grad_norm, tokens_per_second, eval_loss).
/// Checkpoints go to the activity's resume folder (<see cref="ActivityExecutionContext.ResumeDirectory"/>): after Ctrl-C
/// (a checkpoint of the last complete step is saved), a crash or an out-of-memory retry, <c>selfspec runs resume</c>
/// continues from the newest checkpoint instead of starting over; the folder is removed once training finished.
/// </summary>
[Activity("SelfSpec", Category = "Self-specialization", Version = 1,
    Description = "LoRA/QLoRA tuning on sft.parquet (paper defaults: QLoRA, r 8, alpha 16, lr 3e-4, batch 32, 3 epochs); writes the PEFT adapter and training_log.parquet.")]
public sealed class TrainAdapter : WorkflowActivity
{
    /// <summary>The adapter folder inside the activity's folder.</summary>
    public const string AdapterFolder = "adapter";

    /// <summary>The training log's file name.</summary>
    public const string LogFileName = "training_log.parquet";

    /// <summary>The base model folder (Hugging Face layout with tokenizer.json).</summary>
    [ActivityInput(Description = "Base model folder (config.json, model.safetensors, tokenizer.json), or an endpoint spec openai:URL[;URL...]#MODEL&weights=FOLDER: training runs in process on the weights= folder.", Required = true)]
    public string Model { get; set; } = "";

    /// <summary>The training data, <c>sft.parquet</c>.</summary>
    [ActivityInput(Description = "sft.parquet (instruction, input, output).", Required = true)]
    public ArtifactRef? Sft { get; set; }

    /// <summary>Quantise the base model's projections to 4-bit NF4 (QLoRA); default true as in the paper.</summary>
    [ActivityInput(Description = "QLoRA: 4-bit NF4 base projections (default true).")]
    public bool Qlora { get; set; } = true;

    /// <summary>LoRA rank r (default 8).</summary>
    [ActivityInput(Description = "LoRA rank r (default 8).")]
    public int Rank { get; set; } = 8;

    /// <summary>LoRA alpha (default 16; scale = alpha / r).</summary>
    [ActivityInput(Description = "LoRA alpha (default 16; scale = alpha / r).")]
    public double Alpha { get; set; } = 16;

    /// <summary>Dropout on the LoRA input (default 0.05).</summary>
    [ActivityInput(Description = "LoRA dropout (default 0.05).")]
    public double Dropout { get; set; } = 0.05;

    /// <summary>Learning rate (default 3e-4, constant).</summary>
    [ActivityInput(Description = "Learning rate (default 3e-4, constant schedule).")]
    public double LearningRate { get; set; } = 3e-4;

    /// <summary>Examples per optimiser step (default 32).</summary>
    [ActivityInput(Description = "Examples per optimiser step (default 32).")]
    public int BatchSize { get; set; } = 32;

    /// <summary>Examples per forward/backward pass (default 8); gradients accumulate up to <see cref="BatchSize"/>, so it changes memory, not results. Halved on out-of-memory.</summary>
    [ActivityInput(Description = "Examples per forward pass (default 8); halved by the runtime on out-of-memory. Does not change the result."), BatchSize]
    public int MicroBatchSize { get; set; } = 8;

    /// <summary>Passes over the data (default 3).</summary>
    [ActivityInput(Description = "Epochs (default 3).")]
    public int Epochs { get; set; } = 3;

    /// <summary>Stop after this many optimiser steps (null: all epochs).</summary>
    [ActivityInput(Description = "Stop after this many optimiser steps (optional).")]
    public int? MaxSteps { get; set; }

    /// <summary>Seed of the LoRA initialisation, shuffling and dropout (default 42).</summary>
    [ActivityInput(Description = "Seed of LoRA initialisation, shuffling and dropout (default 42).")]
    public int RandomSeed { get; set; } = 42;

    /// <summary>Truncate examples to this many tokens (default 512).</summary>
    [ActivityInput(Description = "Truncate examples to this many tokens (default 512).")]
    public int MaxLength { get; set; } = 512;

    /// <summary>Hold out this fraction of the rows and log their loss after each epoch (default 0: none).</summary>
    [ActivityInput(Description = "Fraction of rows held out for an eval loss after each epoch (default 0).")]
    public double HeldOutFraction { get; set; }

    /// <summary>Compute device: <c>cpu</c> (default) or <c>cuda[:N]</c>.</summary>
    [ActivityInput(Description = "Device: cpu (default) or cuda[:N].")]
    public string Device { get; set; } = "cpu";

    /// <summary>Compute dtype: <c>float32</c> (default) or <c>bfloat16</c>.</summary>
    [ActivityInput(Description = "Compute dtype: float32 (default) or bfloat16.", Choices = ["float32", "bfloat16"])]
    public string DType { get; set; } = "float32";

    /// <summary>The final adapter folder (PEFT layout).</summary>
    [ActivityOutput(Description = "The adapter folder (adapter_config.json + adapter_model.safetensors).")]
    public string? AdapterPath { get; set; }

    /// <summary>The written <c>training_log.parquet</c>.</summary>
    [ActivityOutput(Description = "training_log.parquet")]
    public ArtifactRef? TrainingLog { get; set; }

    /// <summary>Optimiser steps done.</summary>
    [ActivityOutput(Description = "Optimiser steps done.")]
    public long Steps { get; set; }

    /// <summary>The last step's mean token loss.</summary>
    [ActivityOutput(Description = "The last step's loss.")]
    public double FinalLoss { get; set; }

    /// <summary>Rows trained on (after the held-out split).</summary>
    [ActivityOutput(Description = "Examples trained on.")]
    public int ExampleCount { get; set; }

    /// <inheritdoc />
    public override ValueTask ExecuteAsync(ActivityExecutionContext context)
    {
        var ct = context.CancellationToken;
        var sft = Sft ?? throw new PipelineException("required input is not set", field: "sft");
        if (string.IsNullOrWhiteSpace(Model)) throw new PipelineException("required input is not set", field: "model");
        var modelDirectory = ModelSource.LocalWeights(Model, "model");
        if (File.Exists(sft.Path) && CountRows(sft.Path) == 0)
            throw new PipelineException("holds no training examples: no instruction survived generation, filtering and response generation "
                + "(see the shortfall of GenerateInstructions and instructions_rejected.parquet); raise maxPrompts or use a stronger base model",
                file: sft.Path, field: "sft");
        if (!File.Exists(Path.Combine(modelDirectory, "config.json")))
            throw new PipelineException($"{modelDirectory} is not a model folder (no config.json)", field: "model");
        if (Rank < 1) throw new PipelineException($"the rank must be at least 1, got {Rank}", field: "rank");
        if (!(Alpha > 0)) throw new PipelineException($"alpha must be > 0, got {Alpha}", field: "alpha");
        if (Dropout is < 0 or >= 1) throw new PipelineException($"the dropout must be in [0, 1), got {Dropout}", field: "dropout");
        if (HeldOutFraction is < 0 or >= 1) throw new PipelineException($"the held-out fraction must be in [0, 1), got {HeldOutFraction}", field: "heldOutFraction");
        var (device, dtype) = ParseDevice();

        var metadata = ArtifactMetadata.For(this, context, new JsonObject
        {
            ["qlora"] = Qlora,
            ["rank"] = Rank,
            ["alpha"] = Alpha,
            ["dropout"] = Dropout,
            ["learning_rate"] = LearningRate,
            ["batch_size"] = BatchSize,
            ["epochs"] = Epochs,
            ["max_steps"] = MaxSteps,
            ["random_seed"] = RandomSeed,
            ["max_length"] = MaxLength,
            ["held_out_fraction"] = HeldOutFraction,
            ["sft_sha256"] = sft.Sha256,
            ["model"] = modelDirectory,
        });
        var setup = new AdapterTrainingSetup
        {
            ModelDirectory = modelDirectory,
            DataPath = sft.Path,
            QLora = Qlora,
            Lora = new LoraConfig { Rank = Rank, Alpha = Alpha, Dropout = Dropout },
            MaxLength = MaxLength,
            EvalFraction = HeldOutFraction,
            DType = dtype,
            Device = device,
            Options = new TrainingOptions
            {
                Epochs = Epochs,
                MaxSteps = MaxSteps,
                BatchSize = BatchSize,
                MicroBatchSize = Math.Clamp(MicroBatchSize, 1, Math.Max(1, BatchSize)),
                LearningRate = LearningRate,
                Seed = RandomSeed,
                Resume = true,
                SaveSteps = 50,
                KeepCheckpoints = 1,
                LogFormat = new ParquetTrainingLog(metadata.ToKeyValues().AsReadOnly()),
            },
        };
        try { setup.Options.Validate(); }
        catch (ArgumentException e) { throw new PipelineException(e.Message, inner: e); }

        // Checkpoints live outside the attempt's folder (discarded on cancel or failure), in a folder named after
        // everything that shapes the result, so a resume continues only a run of the same training.
        var resumeDirectory = Path.Combine(context.ResumeDirectory, ResumeKey(modelDirectory, sft, metadata));
        TrainingResult result;
        try
        {
            using var session = AdapterTrainingSession.Open(setup);
            ExampleCount = session.TrainExamples.Count;
            context.Log($"training {session.TrainableParameters:N0} LoRA parameters (r = {Rank}, alpha = {Alpha}) on {session.TrainExamples.Count} examples" +
                (session.Quantization is { } q ? $"; QLoRA: {q.Projections} projections in NF4 ({q.CompressionRatio:F1}× smaller)" : "") +
                $"; batch {BatchSize} in micro-batches of {setup.Options.MicroBatchSize}, {Epochs} epoch(s)");
            var progress = new ActivityProgressAdapter(context);
            result = session.Train(resumeDirectory, progress, ct);
            if (result.ResumedFromStep > 0) context.Log($"resumed from the checkpoint at step {result.ResumedFromStep}");
        }
        catch (TorchOutOfMemoryException e)
        {
            throw new ResourceExhaustedException($"out of memory training with micro-batches of {setup.Options.MicroBatchSize}: {e.Message}", e)
                { BatchSize = MicroBatchSize };
        }
        catch (TrainingDataException e)
        {
            throw new PipelineException(e.Problem, file: e.File, row: e.Row, field: e.Field, inner: e);
        }

        foreach (var file in new[] { LoraConfig.FileName, LoraAdapter.WeightsFileName })
            File.Copy(Path.Combine(resumeDirectory, file), context.GetArtifactPath(Path.Combine(AdapterFolder, file)), overwrite: true);
        File.Copy(result.LogPath, context.GetArtifactPath(LogFileName), overwrite: true);
        var weights = context.RegisterArtifact(Path.Combine(AdapterFolder, LoraAdapter.WeightsFileName));
        context.RegisterArtifact(Path.Combine(AdapterFolder, LoraConfig.FileName));
        TrainingLog = context.RegisterArtifact(LogFileName);
        AdapterPath = Path.GetDirectoryName(weights.Path);
        Steps = result.Steps;
        FinalLoss = result.FinalLoss;
        context.Log($"{result.Steps} steps, final loss {result.FinalLoss:F4}");
        TryDelete(resumeDirectory);
        return ValueTask.CompletedTask;
    }

    private (Device Device, DType DType) ParseDevice()
    {
        Device device;
        try { device = SelfSpec.Torch.Device.Parse(Device); }
        catch (ArgumentException e) { throw new PipelineException(e.Message, field: "device", inner: e); }
        DType dtype;
        try { dtype = DTypeExtensions.Parse(DType); }
        catch (ArgumentException e) { throw new PipelineException(e.Message, field: "dType", inner: e); }
        return (device, dtype);
    }

    // The hash of the model path, the data's content and every parameter that shapes the result (not the micro-batch size).
    private static string ResumeKey(string modelDirectory, ArtifactRef sft, ArtifactMetadata metadata)
    {
        var text = string.Join("\n", modelDirectory, sft.Sha256, metadata.Parameters.ToJsonString());
        return "train-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    // Deletes the checkpoints (<run>/.resume/<activity>/train-<hash>), then <run>/.resume/<activity> and <run>/.resume
    // when nothing else is left in them.
    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
            var activityFolder = Path.GetDirectoryName(directory)!;
            foreach (var folder in new[] { activityFolder, Path.GetDirectoryName(activityFolder)! })
            {
                if (Directory.EnumerateFileSystemEntries(folder).Any()) break;
                Directory.Delete(folder);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Turns the trainer's per-step reports into the activity's progress bar (steps done of planned, with epoch and loss).</summary>
    private sealed class ActivityProgressAdapter(ActivityExecutionContext context) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) => context.Progress.Report(new ActivityProgress(p.Step, p.TotalSteps,
            string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:F4}") +
            (p.EvalLoss is { } e ? string.Create(CultureInfo.InvariantCulture, $" eval {e:F4}") : "")));
    }

    private static long CountRows(string path)
    {
        using var reader = SelfSpec.Parquet.Reading.ParquetReader.Open(path);
        return reader.RowCount;
    }
}
