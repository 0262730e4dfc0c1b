using SelfSpec.Parquet.Serialization;
using SelfSpec.Parquet.Writing;

namespace SelfSpec.Training.Logging;

/// <summary>
/// The training log as <c>training_log.parquet</c> (columns step, epoch, loss, lr, grad_norm, tokens_per_second,
/// eval_loss). Parquet files cannot be appended to, so each step is journaled to <c>training_log.jsonl</c> (crash-safe,
/// and what a resumed run continues from) and the Parquet file is written atomically from the journal when the
/// writer closes: at the end of training, on Ctrl-C, or after an error.
/// </summary>
public sealed class ParquetTrainingLog : ITrainingLogFormat
{
    private readonly JsonlTrainingLog journal = new();
    private readonly IReadOnlyDictionary<string, string> keyValueMetadata;

    /// <summary>Creates the format; <paramref name="keyValueMetadata"/> goes into the Parquet footer (e.g. the producing workflow activity).</summary>
    public ParquetTrainingLog(IReadOnlyDictionary<string, string>? keyValueMetadata = null) =>
        this.keyValueMetadata = keyValueMetadata ?? new Dictionary<string, string>();

    /// <inheritdoc />
    public string FileName => "training_log.parquet";

    /// <inheritdoc />
    public ITrainingLogWriter Open(string directory, long keepUpToStep) =>
        new Writer(Path.Combine(directory, FileName), journal, journal.Open(directory, keepUpToStep), keyValueMetadata);

    /// <inheritdoc />
    public IReadOnlyList<TrainingLogEntry> Read(string path) =>
        path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? ParquetSerializer.Read<Row>(path).Select(r => new TrainingLogEntry(r.Step, r.Epoch, r.Loss, r.Lr, r.GradNorm, r.TokensPerSecond, r.EvalLoss)).ToList()
            : journal.Read(path);

    /// <summary>A row of <c>training_log.parquet</c>.</summary>
    private sealed record Row(long Step, int Epoch, double? Loss, double? Lr, double? GradNorm, double? TokensPerSecond, double? EvalLoss);

    private sealed class Writer(string path, JsonlTrainingLog journal, ITrainingLogWriter inner, IReadOnlyDictionary<string, string> metadata) : ITrainingLogWriter
    {
        public string Path { get; } = path;

        public void Append(TrainingLogEntry entry) => inner.Append(entry);

        public void Dispose()
        {
            inner.Dispose();
            var rows = journal.Read(inner.Path).Select(e => new Row(e.Step, e.Epoch, e.Loss, e.LearningRate, e.GradNorm, e.TokensPerSecond, e.EvalLoss));
            var options = new ParquetWriterOptions();
            foreach (var (key, value) in metadata) options.KeyValueMetadata[key] = value;
            options.KeyValueMetadata["selfspec.table"] = "training_log";
            ParquetSerializer.Write(Path, rows, options);
        }
    }
}
