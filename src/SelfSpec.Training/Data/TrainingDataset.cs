using SelfSpec.Llm.Generation;

namespace SelfSpec.Training.Data;

/// <summary>Loads training examples from a data file, tokenising instruction rows and checking token ids.</summary>
public static class TrainingDataset
{
    /// <summary>The readers tried in order: JSONL and Parquet.</summary>
    public static IList<ITrainingDataReader> Readers { get; } = [new JsonlTrainingDataReader(), new ParquetTrainingDataReader()];

    /// <summary>
    /// Reads <paramref name="path"/> and returns its examples, truncated to <paramref name="maxLength"/> tokens.
    /// Instruction rows need <paramref name="tokenizer"/>; pre-tokenised rows are checked against <paramref name="vocabSize"/>.
    /// </summary>
    /// <exception cref="TrainingDataException">The file is missing, of an unknown type, or has a bad row.</exception>
    public static List<TrainingExample> Load(string path, ITokenizer? tokenizer = null, int maxLength = 512, int? vocabSize = null)
    {
        var reader = Readers.FirstOrDefault(r => r.CanRead(path))
            ?? throw new TrainingDataException(path, null, null, "unknown data format (expected .jsonl or .parquet)");
        InstructionExampleEncoder? encoder = null;
        var examples = new List<TrainingExample>();
        foreach (var row in reader.Read(path))
        {
            TrainingExample example;
            if (row.IsPreTokenized)
            {
                var ids = row.InputIds!;
                if (ids.Length == 0) throw new TrainingDataException(path, row.Number, "input_ids", "is empty");
                var labels = row.Labels ?? (int[])ids.Clone();
                if (labels.Length != ids.Length)
                    throw new TrainingDataException(path, row.Number, "labels", $"has {labels.Length} entries but input_ids has {ids.Length}");
                if (vocabSize is { } v)
                {
                    foreach (var id in ids)
                        if (id < 0 || id >= v) throw new TrainingDataException(path, row.Number, "input_ids", $"token id {id} is outside the vocabulary [0, {v})");
                    foreach (var id in labels)
                        if (id != TrainingExample.IgnoreIndex && (id < 0 || id >= v)) throw new TrainingDataException(path, row.Number, "labels", $"label {id} is neither −100 nor in the vocabulary [0, {v})");
                }
                example = new TrainingExample(ids, labels).Truncate(maxLength);
            }
            else
            {
                if (tokenizer == null)
                    throw new TrainingDataException(path, row.Number, "instruction", "instruction rows need a tokenizer (the model directory's tokenizer.json), or pre-tokenise the data into input_ids/labels");
                encoder ??= new InstructionExampleEncoder(tokenizer, maxLength);
                example = encoder.Encode(row.Instruction!, row.Input, row.Output!);
            }
            examples.Add(example);
        }
        if (examples.Count == 0) throw new TrainingDataException(path, null, null, "holds no examples");
        return examples;
    }

    /// <summary>Splits off a held-out fraction with a seeded shuffle: returns (train, held-out).</summary>
    public static (List<TrainingExample> Train, List<TrainingExample> HeldOut) Split(IReadOnlyList<TrainingExample> examples, double heldOutFraction, int seed)
    {
        if (heldOutFraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(heldOutFraction), "must be in [0, 1)");
        var count = (int)Math.Round(examples.Count * heldOutFraction);
        if (heldOutFraction > 0 && count == 0) count = 1;
        if (count >= examples.Count) throw new ArgumentException($"holding out {count} of {examples.Count} examples leaves nothing to train on");
        var order = Enumerable.Range(0, examples.Count).ToArray();
        new Random(seed).Shuffle(order);
        var heldOut = order.Take(count).Order().Select(i => examples[i]).ToList();
        var train = order.Skip(count).Order().Select(i => examples[i]).ToList();
        return (train, heldOut);
    }
}
