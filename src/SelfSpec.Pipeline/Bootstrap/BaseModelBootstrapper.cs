using System.Diagnostics;
using SelfSpec.Llm.Checkpoints;
using SelfSpec.Llm.Models;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Tokenizers.Training;
using SelfSpec.Training.Pretraining;

namespace SelfSpec.Pipeline.Bootstrap;

/// <summary>A bootstrap stage and how far it is.</summary>
/// <param name="Stage"><c>corpus</c>, <c>tokenizer</c>, <c>training</c> or <c>saving</c>.</param>
/// <param name="Done">Units done (steps while training).</param>
/// <param name="Total">Units in total.</param>
/// <param name="Message">A short status line (the loss while training).</param>
public readonly record struct BootstrapProgress(string Stage, long Done, long Total, string Message);

/// <summary>What <see cref="BaseModelBootstrapper.Run"/> produced.</summary>
/// <param name="ModelDirectory">The Hugging Face model folder.</param>
/// <param name="Files">The files written into it.</param>
/// <param name="Config">The architecture.</param>
/// <param name="ParameterCount">Parameters of the model.</param>
/// <param name="Documents">Corpus documents by kind.</param>
/// <param name="CorpusTokens">Tokens of the encoded corpus.</param>
/// <param name="Training">The training run (log, final loss, time).</param>
public sealed record BootstrapResult(string ModelDirectory, IReadOnlyList<string> Files, LlamaConfig Config, long ParameterCount,
    IReadOnlyDictionary<BootstrapDocumentKind, int> Documents, long CorpusTokens, PretrainingResult Training);

/// <summary>
/// Makes a demonstration base model from nothing: renders the <see cref="BootstrapCorpus"/>, trains a byte-level BPE
/// tokenizer on it (<c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c>, <c>&lt;/s&gt;</c>; BOS added on encode), creates a small Llama
/// with random weights, trains all of them as a causal LM (<see cref="CausalLmPretrainer"/>) and saves the model in
/// Hugging Face layout: <c>config.json</c>, <c>model.safetensors</c>, <c>generation_config.json</c>,
/// <c>tokenizer.json</c>, <c>tokenizer_config.json</c>. Libtorch's thread count is the caller's business.
/// </summary>
public static class BaseModelBootstrapper
{
    /// <summary>The special tokens, in id order: padding 0, beginning 1, end 2 (Llama's BOS/EOS ids).</summary>
    public static readonly IReadOnlyList<string> SpecialTokens = ["<pad>", "<s>", "</s>"];

    /// <summary>The item labels that <see cref="BootstrapSettings.ItemLabelTokens"/> turns into tokens: <c>{n}. Instruction:</c>, <c>{n}. Input:</c> and <c>{n}. Output:</c> for n = 1…20.</summary>
    public static readonly IReadOnlyList<string> ItemLabelTokens =
        [.. Enumerable.Range(1, 20).SelectMany(n => new[] { $"{n}. Instruction:", $"{n}. Input:", $"{n}. Output:" })];

    /// <summary>Runs every stage and writes the model folder to <paramref name="outputDirectory"/>.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; the folder may hold a partial tokenizer but no weights.</exception>
    public static BootstrapResult Run(IReadOnlyList<SeedRow> seeds, IReadOnlyList<DocumentRow> abstracts, BootstrapSettings settings, string outputDirectory,
        IProgress<BootstrapProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        progress?.Report(new BootstrapProgress("corpus", 0, 1, "rendering the corpus"));
        var corpus = BootstrapCorpus.Build(seeds, abstracts, settings.Corpus with { RandomSeed = settings.RandomSeed, EosToken = SpecialTokens[2] });
        var texts = corpus.Select(d => d.Text).ToArray();
        cancellationToken.ThrowIfCancellationRequested();

        progress?.Report(new BootstrapProgress("tokenizer", 0, 1, $"training a {settings.VocabSize}-token BPE on {texts.Length} documents"));
        var tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions
        {
            VocabSize = settings.VocabSize,
            SpecialTokens = SpecialTokens,
            AddedTokens = settings.ItemLabelTokens ? ItemLabelTokens : [],
            PadToken = SpecialTokens[0],
            BosToken = SpecialTokens[1],
            EosToken = SpecialTokens[2],
            AddBosToken = true,
            ModelMaxLength = settings.MaxPositions,
        }, outputDirectory, cancellationToken: cancellationToken);
        var encoded = tokenizer.EncodeBatchToIds(texts, addSpecialTokens: true);
        var documents = encoded.Select(ids => (IReadOnlyList<int>)ids).ToArray();
        // The prompt ends on a pre-token boundary ("…Instruction:" before " text"), so its own encoding is a prefix
        // of the document's; Min guards the count anyway.
        int[]? contextLengths = settings.TrainOnCompletionsOnly
            ? corpus.Select((d, i) => d.PromptLength == 0 || !settings.CompletionOnlyKinds.Contains(d.Kind) ? 0 : Math.Min(encoded[i].Length, tokenizer.Encode(d.Text[..d.PromptLength], addSpecialTokens: true).Length)).ToArray()
            : null;

        var config = new LlamaConfig
        {
            ModelType = "llama",
            VocabSize = tokenizer.VocabSize,
            HiddenSize = settings.HiddenSize,
            IntermediateSize = settings.EffectiveIntermediateSize,
            NumLayers = settings.Layers,
            NumHeads = settings.Heads,
            NumKeyValueHeads = settings.KeyValueHeads,
            HeadDim = settings.HiddenSize / settings.Heads,
            RmsNormEps = 1e-5,
            Rope = new RopeScaling(10000),
            MaxPositions = settings.MaxPositions,
            TieWordEmbeddings = true,
            BosTokenId = tokenizer.BosTokenId,
            EosTokenIds = tokenizer.EosTokenId is { } eos ? [eos] : [],
            PadTokenId = tokenizer.PadTokenId,
        };
        using var model = LlamaModel.CreateRandom(config, (ulong)(uint)settings.RandomSeed);
        var options = new PretrainingOptions
        {
            Steps = settings.TrainingSteps,
            BatchSize = settings.BatchSize,
            SequenceLength = settings.SequenceLength,
            LearningRate = settings.LearningRate,
            WarmupSteps = Math.Min(settings.WarmupSteps, settings.TrainingSteps - 1),
            Seed = settings.RandomSeed,
            TimeLimit = settings.TimeLimit,
        };
        PretrainingResult training;
        using (var trainer = new CausalLmPretrainer(model, options))
        {
            var report = progress == null ? null : new ProgressRelay<PretrainingProgress>(p =>
                progress.Report(new BootstrapProgress("training", p.Step, p.TotalSteps, $"loss {p.Loss:F3}, {p.TokensPerSecond:F0} tokens/s")));
            training = trainer.Train(documents, contextLengths, report, cancellationToken);
        }
        cancellationToken.ThrowIfCancellationRequested();

        progress?.Report(new BootstrapProgress("saving", 0, 1, "writing the model folder"));
        var written = LlamaCheckpointWriter.Save(model, outputDirectory, new Dictionary<string, string>
        {
            ["selfspec.bootstrap"] = "demonstration model trained from scratch by SelfSpec.BootstrapBaseModel",
        });
        var files = written.Concat([Path.Combine(outputDirectory, "tokenizer.json"), Path.Combine(outputDirectory, "tokenizer_config.json")]).ToArray();
        var kinds = corpus.GroupBy(d => d.Kind).ToDictionary(g => g.Key, g => g.Count());
        return new BootstrapResult(outputDirectory, files, config, model.ParameterCount, kinds, documents.Sum(d => (long)d.Count), training);
    }

    /// <summary>Forwards reports synchronously (unlike <see cref="Progress{T}"/>, which posts them to a context).</summary>
    private sealed class ProgressRelay<T>(Action<T> action) : IProgress<T>
    {
        public void Report(T value) => action(value);
    }
}
