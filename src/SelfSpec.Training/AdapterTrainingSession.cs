using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Torch;
using SelfSpec.Training.Data;
using SelfSpec.Training.Quantization;

namespace SelfSpec.Training;

/// <summary>
/// What a LoRA/QLoRA run starts from: the base model folder, the data, the adapter settings and the trainer options.
/// The defaults are the self-specialisation paper's (QLoRA off here; <c>selfspec train --qlora</c> and the pipeline's
/// <c>TrainAdapter</c> turn it on): r 8, alpha 16, every linear projection of every layer, lr 3e-4, batch 32, 3 epochs.
/// </summary>
public sealed record AdapterTrainingSetup
{
    /// <summary>The base model folder (Hugging Face layout: config.json, safetensors, tokenizer.json for instruction rows).</summary>
    public required string ModelDirectory { get; init; }

    /// <summary>The training data: JSONL or Parquet, pre-tokenised or instruction/input/output rows (see <see cref="TrainingDataset"/>).</summary>
    public required string DataPath { get; init; }

    /// <summary>Continue training this PEFT adapter instead of a fresh one (its own config is used).</summary>
    public string? AdapterInit { get; init; }

    /// <summary>Held-out data evaluated after each epoch.</summary>
    public string? EvalDataPath { get; init; }

    /// <summary>Hold out this fraction of the data instead (seeded by <see cref="TrainingOptions.Seed"/>); ignored with <see cref="EvalDataPath"/>.</summary>
    public double EvalFraction { get; init; }

    /// <summary>Quantise the base projections to 4-bit NF4 (QLoRA).</summary>
    public bool QLora { get; init; }

    /// <summary>With <see cref="QLora"/>: double-quantise the NF4 absmax values, as QLoRA does.</summary>
    public bool DoubleQuantize { get; init; } = true;

    /// <summary>The adapter to create: rank, alpha, dropout, target modules (default: r 8, alpha 16, all seven projections).</summary>
    public LoraConfig Lora { get; init; } = new() { Rank = 8, Alpha = 16 };

    /// <summary>Truncate examples to this many tokens.</summary>
    public int MaxLength { get; init; } = 512;

    /// <summary>The compute dtype.</summary>
    public DType DType { get; init; } = DType.Float32;

    /// <summary>The device (CPU by default).</summary>
    public Device? Device { get; init; }

    /// <summary>Trainer options (batch, epochs, rate, seed, checkpoints, resume, log format).</summary>
    public TrainingOptions Options { get; init; } = new();

    /// <summary>Loads the tokenizer of the model folder for instruction rows (default: its <c>tokenizer.json</c>, or null when it has none).</summary>
    public Func<string, ITokenizer?> TokenizerLoader { get; init; } = HuggingFaceTokenizer.TryLoad;
}

/// <summary>
/// The wiring of one adapter training run, shared by <c>selfspec train</c> and the pipeline's <c>TrainAdapter</c> activity:
/// loads the base model (NF4-quantised for QLoRA), the tokenizer and the data (split into train and held-out), creates
/// (or loads) the adapter, and runs <see cref="LoraTrainer"/>. Open it, read what it loaded, then <see cref="Train"/>.
/// </summary>
public sealed class AdapterTrainingSession : IDisposable
{
    private AdapterTrainingSession(AdapterTrainingSetup setup, LlamaModel model, LoraAdapter adapter, QuantizationReport? quantization,
        List<TrainingExample> train, List<TrainingExample>? heldOut)
    {
        Setup = setup;
        Model = model;
        Adapter = adapter;
        Quantization = quantization;
        TrainExamples = train;
        HeldOutExamples = heldOut;
        Trainer = new LoraTrainer(model, adapter, setup.Options);
    }

    /// <summary>The setup the session was opened with.</summary>
    public AdapterTrainingSetup Setup { get; }

    /// <summary>The base model (quantised in place for QLoRA).</summary>
    public LlamaModel Model { get; }

    /// <summary>The adapter being trained.</summary>
    public LoraAdapter Adapter { get; }

    /// <summary>What QLoRA quantisation saved, or null without QLoRA.</summary>
    public QuantizationReport? Quantization { get; }

    /// <summary>The examples trained on.</summary>
    public IReadOnlyList<TrainingExample> TrainExamples { get; }

    /// <summary>The held-out examples, or null when none.</summary>
    public IReadOnlyList<TrainingExample>? HeldOutExamples { get; }

    /// <summary>The trainer.</summary>
    public LoraTrainer Trainer { get; }

    /// <summary>The number of trainable LoRA parameters.</summary>
    public long TrainableParameters => Adapter.Parameters.Sum(p => p.NumElements);

    /// <summary>Loads model, data and adapter for <paramref name="setup"/>.</summary>
    /// <exception cref="TrainingDataException">The data file is missing or has a bad row.</exception>
    /// <exception cref="TorchOutOfMemoryException">The model does not fit on the device.</exception>
    public static AdapterTrainingSession Open(AdapterTrainingSetup setup)
    {
        setup.Options.Validate();
        var device = setup.Device ?? Device.Cpu;
        var model = LlamaModel.Load(setup.ModelDirectory, new LlamaLoadOptions { DType = setup.DType, Device = device });
        LoraAdapter? adapter = null;
        try
        {
            QuantizationReport? quantization = null;
            if (setup.QLora)
            {
                quantization = QLoraQuantizer.Quantize(model, setup.DoubleQuantize);
                // Quantisation went through large managed arrays; return that memory to the OS before training.
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            }
            var tokenizer = setup.TokenizerLoader(setup.ModelDirectory);
            var train = TrainingDataset.Load(setup.DataPath, tokenizer, setup.MaxLength, model.Config.VocabSize);
            List<TrainingExample>? heldOut = null;
            if (setup.EvalDataPath != null) heldOut = TrainingDataset.Load(setup.EvalDataPath, tokenizer, setup.MaxLength, model.Config.VocabSize);
            else if (setup.EvalFraction > 0) (train, heldOut) = TrainingDataset.Split(train, setup.EvalFraction, setup.Options.Seed);

            adapter = setup.AdapterInit != null
                ? LoraAdapter.Load(setup.AdapterInit, model.Config, setup.DType, device)
                : LoraAdapter.CreateTrainable(model.Config, setup.Lora with { BaseModel = setup.ModelDirectory }, (ulong)setup.Options.Seed, setup.DType, device);
            return new AdapterTrainingSession(setup, model, adapter, quantization, train, heldOut);
        }
        catch
        {
            adapter?.Dispose();
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains and writes the final adapter (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>), the training log and
    /// checkpoints into <paramref name="outputDirectory"/> (see <see cref="LoraTrainer.Train"/>).
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint of the last completed step was saved first.</exception>
    public TrainingResult Train(string outputDirectory, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Trainer.Train(TrainExamples, HeldOutExamples, outputDirectory, progress, cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        Adapter.Dispose();
        Model.Dispose();
    }
}
