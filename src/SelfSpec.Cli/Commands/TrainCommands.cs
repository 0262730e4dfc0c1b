using System.CommandLine;
using System.Runtime.InteropServices;
using SelfSpec.Cli.Commands.Train;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training;
using SelfSpec.Training.Data;
using SelfSpec.Training.Optimization;
using SelfSpec.Training.Quantization;
using Spectre.Console;

namespace SelfSpec.Cli.Commands;

/// <summary><c>selfspec train</c>: LoRA / QLoRA tuning of a Llama-family model, writing a PEFT adapter.</summary>
public sealed class TrainCommands : ICommandGroup
{
    /// <inheritdoc />
    public IEnumerable<Command> CreateCommands()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "Base model directory (config.json + safetensors)", Required = true };
        var data = new Option<FileInfo>("--data") { Description = "Training data: JSONL rows with input_ids/labels, or instruction/input/output", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output directory: final adapter, checkpoints, training log", Required = true };
        var adapterInit = new Option<DirectoryInfo?>("--adapter-init") { Description = "Start from this PEFT adapter instead of a fresh one" };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => 3 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 3e-4 };
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per optimiser step (effective batch)", DefaultValueFactory = _ => 32 };
        var microBatch = new Option<int?>("--micro-batch-size") { Description = "Examples per forward pass; gradients accumulate up to --batch-size (default: the whole batch)" };
        var maxSteps = new Option<int?>("--max-steps") { Description = "Stop after this many optimiser steps" };
        var noShuffle = new Option<bool>("--no-shuffle") { Description = "Keep the file order (default: shuffle each epoch)" };
        var groupByLength = new Option<bool>("--group-by-length") { Description = "Batch examples of similar length together" };
        var qlora = new Option<bool>("--qlora") { Description = "Quantise the base projections to 4-bit NF4 (QLoRA)" };
        var noDoubleQuant = new Option<bool>("--no-double-quant") { Description = "With --qlora: keep the NF4 absmax values in float32" };
        var rank = new Option<int>("--lora-r") { Description = "LoRA rank", DefaultValueFactory = _ => 8 };
        var alpha = new Option<double>("--lora-alpha") { Description = "LoRA alpha (scale = alpha / r)", DefaultValueFactory = _ => 16 };
        var dropout = new Option<double>("--lora-dropout") { Description = "Dropout on the LoRA input", DefaultValueFactory = _ => 0 };
        var targets = new Option<string[]>("--target-modules") { Description = "Projections to adapt (default: all seven)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => LlamaProjections.All.Select(p => p.ModuleName()).ToArray() };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation, shuffling, split and dropout", DefaultValueFactory = _ => 42 };
        var maxLength = new Option<int>("--max-length") { Description = "Truncate examples to this many tokens", DefaultValueFactory = _ => 512 };
        var schedule = new Option<string>("--lr-schedule") { Description = "constant, linear or cosine", DefaultValueFactory = _ => "constant" };
        var warmup = new Option<int>("--warmup-steps") { Description = "Linear warm-up steps", DefaultValueFactory = _ => 0 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => 0 };
        var maxGradNorm = new Option<double?>("--max-grad-norm") { Description = "Clip the global gradient norm (default: off)" };
        var saveSteps = new Option<int?>("--save-steps") { Description = "Checkpoint every N steps (always at epoch ends and on Ctrl-C)" };
        var evalData = new Option<FileInfo?>("--eval-data") { Description = "Held-out data evaluated after each epoch" };
        var evalFraction = new Option<double>("--eval-fraction") { Description = "Hold out this fraction of --data instead (seeded)", DefaultValueFactory = _ => 0 };
        var patience = new Option<int?>("--early-stopping-patience") { Description = "Stop when the held-out loss has not improved for N epochs" };
        var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in --out" };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: float32 or bfloat16", DefaultValueFactory = _ => "float32" };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N]", DefaultValueFactory = _ => "cpu" };

        var command = new Command("train", "Tune a LoRA (or QLoRA) adapter on instruction data and write it in PEFT layout")
        {
            model, data, output, adapterInit, epochs, lr, batchSize, microBatch, maxSteps, noShuffle, groupByLength, qlora, noDoubleQuant,
            rank, alpha, dropout, targets, seed, maxLength, schedule, warmup, weightDecay, maxGradNorm, saveSteps, evalData, evalFraction,
            patience, resume, dtype, device,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            try
            {
                var options = new TrainingOptions
                {
                    Epochs = parse.GetValue(epochs),
                    LearningRate = parse.GetValue(lr),
                    BatchSize = parse.GetValue(batchSize),
                    MicroBatchSize = parse.GetValue(microBatch),
                    MaxSteps = parse.GetValue(maxSteps),
                    Shuffle = !parse.GetValue(noShuffle),
                    GroupByLength = parse.GetValue(groupByLength),
                    Seed = parse.GetValue(seed),
                    Schedule = LearningRateSchedule.ParseKind(parse.GetValue(schedule)!),
                    WarmupSteps = parse.GetValue(warmup),
                    WeightDecay = parse.GetValue(weightDecay),
                    MaxGradNorm = parse.GetValue(maxGradNorm),
                    SaveSteps = parse.GetValue(saveSteps),
                    EarlyStoppingPatience = parse.GetValue(patience),
                    Resume = parse.GetValue(resume),
                };
                var request = new AdapterTrainingSetup
                {
                    ModelDirectory = parse.GetValue(model)!.FullName,
                    DataPath = parse.GetValue(data)!.FullName,
                    AdapterInit = parse.GetValue(adapterInit)?.FullName,
                    EvalDataPath = parse.GetValue(evalData)?.FullName,
                    EvalFraction = parse.GetValue(evalFraction),
                    QLora = parse.GetValue(qlora),
                    DoubleQuantize = !parse.GetValue(noDoubleQuant),
                    Lora = new LoraConfig { Rank = parse.GetValue(rank), Alpha = parse.GetValue(alpha), Dropout = parse.GetValue(dropout), TargetModules = SplitTargets(parse.GetValue(targets)!) },
                    MaxLength = parse.GetValue(maxLength),
                    DType = DTypeExtensions.Parse(parse.GetValue(dtype)!),
                    Device = Device.Parse(parse.GetValue(device)!),
                    Options = options,
                };
                var outputDirectory = parse.GetValue(output)!.FullName;
                // On a worker thread, so System.CommandLine's Ctrl-C handler sees a running task and waits for the checkpoint.
                return Task.Run(() => RunReportingErrors(request, outputDirectory, cancellationToken), CancellationToken.None);
            }
            catch (Exception e) when (e is ArgumentException or TrainingDataException or CheckpointFormatException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or TorchException)
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
                return Task.FromResult(1);
            }
        });
        yield return command;
    }

    private static string[] SplitTargets(string[] values)
    {
        var names = values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct().ToArray();
        foreach (var n in names)
            if (LlamaProjections.FromModuleName(n) == null)
                throw new ArgumentException($"unknown target module '{n}' (expected {string.Join(", ", LlamaProjections.All.Select(p => p.ModuleName()))})");
        return names;
    }

    private static int RunReportingErrors(AdapterTrainingSetup request, string outputDirectory, CancellationToken cancellationToken)
    {
        // Ctrl-C / SIGTERM: stop at the next micro-batch and save a checkpoint, instead of letting the runtime end the process.
        using var interrupted = new SignalCancellation(cancellationToken);
        try
        {
            return Run(request, outputDirectory, interrupted.Token);
        }
        catch (Exception e) when (e is ArgumentException or TrainingDataException or CheckpointFormatException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or TorchException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
    }

    private static int Run(AdapterTrainingSetup setup, string outputDirectory, CancellationToken cancellationToken)
    {
        Torch.Torch.Threads = CliRuntime.Threads;
        using var session = AdapterTrainingSession.Open(setup);
        if (session.Quantization is { } report)
            AnsiConsole.MarkupLine($"QLoRA: {report.Projections} projections in NF4{(setup.DoubleQuantize ? " (double-quantised scales)" : "")}: " +
                $"{report.DenseBytes / 1048576.0:F1} MiB → {report.QuantizedBytes / 1048576.0:F1} MiB ({report.CompressionRatio:F1}× smaller)");
        var options = setup.Options;
        AnsiConsole.MarkupLine($"Training {session.TrainableParameters:N0} LoRA parameters (r = {session.Adapter.Config.Rank}) on {session.TrainExamples.Count} examples" +
            $"{(session.HeldOutExamples != null ? $", {session.HeldOutExamples.Count} held out" : "")}; batch {options.BatchSize}{(options.MicroBatchSize is { } m ? $" in micro-batches of {m}" : "")}.");
        try
        {
            var result = TrainingProgressDisplay.Run(progress => session.Train(outputDirectory, progress, cancellationToken));
            AnsiConsole.MarkupLine($"[green]Done:[/] {result.Steps} steps, final loss {result.FinalLoss:F4}" +
                $"{(result.EvalLosses.Count > 0 ? $", held-out loss {result.EvalLosses[^1]:F4}" : "")}{(result.StoppedEarly ? " (stopped early)" : "")}.");
            AnsiConsole.MarkupLine($"Adapter: {Markup.Escape(result.AdapterDirectory)}  log: {Markup.Escape(result.LogPath)}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine($"[yellow]Interrupted:[/] checkpoint saved in {Markup.Escape(outputDirectory)}; continue with --resume.");
            return 130;
        }
    }
}
