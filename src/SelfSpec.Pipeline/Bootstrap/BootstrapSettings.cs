namespace SelfSpec.Pipeline.Bootstrap;

/// <summary>
/// The size of the bootstrap model and how long it trains. The defaults give a 2.0M-parameter Llama (hidden 192,
/// 4 layers, 3 query heads sharing 1 key/value head, SwiGLU 512, 2,048-token byte-level BPE, tied embeddings) trained
/// on 300 × 4 × 512 = 614k tokens, a few minutes on two CPU cores (bench/bootstrap).
/// </summary>
public sealed record BootstrapSettings
{
    /// <summary>Tokenizer vocabulary: 3 special tokens, 256 bytes and the learned merges.</summary>
    public int VocabSize { get; init; } = 2048;

    /// <summary>The model width.</summary>
    public int HiddenSize { get; init; } = 192;

    /// <summary>Decoder layers.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Attention heads (head_dim = hidden / heads).</summary>
    public int Heads { get; init; } = 3;

    /// <summary>
    /// Key/value heads (grouped-query attention when fewer than <see cref="Heads"/>). Default 1, multi-query attention:
    /// instruction generation reads the whole KV cache of ~1,000-token prompts at every step, and one KV head reads a
    /// third of what three do; the model kept as many instructions (bench/results/bootstrap.md, session 5).
    /// </summary>
    public int KeyValueHeads { get; init; } = 1;

    /// <summary>The SwiGLU width; 0 for Llama's rule (8/3 · hidden, rounded up to a multiple of 32).</summary>
    public int IntermediateSize { get; init; }

    /// <summary><c>max_position_embeddings</c> written to config.json.</summary>
    public int MaxPositions { get; init; } = 2048;

    /// <summary>Optimiser steps.</summary>
    public int TrainingSteps { get; init; } = 300;

    /// <summary>Packed windows per step.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>Tokens per packed window.</summary>
    public int SequenceLength { get; init; } = 512;

    /// <summary>The peak learning rate.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 30;

    /// <summary>Stop training after this long (the result then depends on the machine); null for the full <see cref="TrainingSteps"/>.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>The seed of the corpus, the weights and the window order.</summary>
    public int RandomSeed { get; init; } = 1;

    /// <summary>
    /// Give each item label of the instruction-generation format (<c>{n}. Instruction:</c>, <c>{n}. Input:</c>,
    /// <c>{n}. Output:</c> for n = 1…20) its own token. A few-million-parameter model cannot carry a number written
    /// as digits across a generated instruction (it writes <c>4. Instruction:</c> … <c>1. Input:</c>, which the
    /// Alpaca parser rightly drops); a label token only has to follow the previous label token. The text is the same
    /// either way, so prompts, parsing and the artifacts do not change. Off by default: it did not raise the share of
    /// parsable completions measurably (bench/results/bootstrap.md, session 3).
    /// </summary>
    public bool ItemLabelTokens { get; init; }

    /// <summary>
    /// Train on completions only: in every prompt-formatted document (Table 3 instruction generation, response
    /// generation, Alpaca, k-shot) the prompt is read as context but not predicted, as supervised fine-tuning masks it.
    /// A small model that learns to write the prompts drifts back into them: into the Table 3 requirements ("8. Ensure
    /// diverse tasks…") or into Alpaca's <c>### Input:</c> in the middle of a generated item. Off by default: with or
    /// without <see cref="ItemLabelTokens"/> it did not raise the share of parsable completions measurably
    /// (bench/results/bootstrap.md, session 3).
    /// </summary>
    public bool TrainOnCompletionsOnly { get; init; }

    /// <summary>The document kinds <see cref="TrainOnCompletionsOnly"/> applies to.</summary>
    public IReadOnlySet<BootstrapDocumentKind> CompletionOnlyKinds { get; init; } = new HashSet<BootstrapDocumentKind> { BootstrapDocumentKind.InstructionGeneration };

    /// <summary>What the corpus holds (its <see cref="BootstrapCorpusOptions.RandomSeed"/> is replaced by <see cref="RandomSeed"/>).</summary>
    public BootstrapCorpusOptions Corpus { get; init; } = new();

    /// <summary>The SwiGLU width actually used.</summary>
    public int EffectiveIntermediateSize => IntermediateSize > 0 ? IntermediateSize : (8 * HiddenSize / 3 + 31) / 32 * 32;

    /// <summary>Throws <see cref="PipelineException"/> naming the first unusable setting.</summary>
    public void Validate()
    {
        static void Check(bool ok, string field, string message)
        {
            if (!ok) throw new PipelineException(message, field: field);
        }
        Check(VocabSize >= 512, "vocabSize", $"must be at least 512 (3 special tokens, 256 bytes and some merges), got {VocabSize}");
        Check(HiddenSize >= 8, "hiddenSize", $"must be at least 8, got {HiddenSize}");
        Check(Layers >= 1, "layers", $"must be at least 1, got {Layers}");
        Check(Heads >= 1 && HiddenSize % Heads == 0 && HiddenSize / Heads % 2 == 0, "heads", $"must divide hiddenSize {HiddenSize} into an even head size, got {Heads}");
        Check(KeyValueHeads >= 1 && Heads % KeyValueHeads == 0, "keyValueHeads", $"must divide heads {Heads}, got {KeyValueHeads}");
        Check(IntermediateSize >= 0, "intermediateSize", $"must not be negative, got {IntermediateSize}");
        Check(TrainingSteps >= 1, "trainingSteps", $"must be at least 1, got {TrainingSteps}");
        Check(BatchSize >= 1, "batchSize", $"must be at least 1, got {BatchSize}");
        Check(SequenceLength >= 16 && SequenceLength <= MaxPositions, "sequenceLength", $"must be between 16 and maxPositions {MaxPositions}, got {SequenceLength}");
        Check(LearningRate > 0, "learningRate", $"must be positive, got {LearningRate}");
        Check(WarmupSteps >= 0, "warmupSteps", $"must not be negative, got {WarmupSteps}");
    }
}
