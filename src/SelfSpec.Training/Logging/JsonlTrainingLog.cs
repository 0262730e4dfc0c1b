using System.Text.Json;
using System.Text.Json.Serialization;

namespace SelfSpec.Training.Logging;

/// <summary>
/// The training log as JSON Lines (<c>training_log.jsonl</c>), snake_case keys:
/// <c>step, epoch, loss, lr, grad_norm, tokens_per_second, eval_loss</c>.
/// It is also the crash-safe journal behind <see cref="ParquetTrainingLog"/>, the default format.
/// </summary>
public sealed class JsonlTrainingLog : ITrainingLogFormat
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { },
    };

    /// <inheritdoc />
    public string FileName => "training_log.jsonl";

    /// <inheritdoc />
    public ITrainingLogWriter Open(string directory, long keepUpToStep)
    {
        var path = System.IO.Path.Combine(directory, FileName);
        var kept = keepUpToStep > 0 && File.Exists(path) ? Read(path).Where(e => e.Step <= keepUpToStep).ToList() : [];
        var writer = new Writer(path);
        foreach (var e in kept) writer.Append(e);
        return writer;
    }

    /// <inheritdoc />
    public IReadOnlyList<TrainingLogEntry> Read(string path)
    {
        var rows = new List<TrainingLogEntry>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var row = JsonSerializer.Deserialize<Row>(line, Json);
                if (row != null) rows.Add(new TrainingLogEntry(row.Step, row.Epoch, row.Loss, row.Lr, row.GradNorm, row.TokensPerSecond, row.EvalLoss));
            }
            catch (JsonException)
            {
                // A line cut short by a crash: everything after it is also from the interrupted run.
                break;
            }
        }
        return rows;
    }

    private sealed record Row(long Step, int Epoch, double? Loss, double? Lr, double? GradNorm, double? TokensPerSecond, double? EvalLoss);

    private sealed class Writer : ITrainingLogWriter
    {
        private readonly FileStream stream;
        private readonly StreamWriter writer;

        public Writer(string path)
        {
            Path = path;
            stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
            writer = new StreamWriter(stream) { AutoFlush = false };
        }

        public string Path { get; }

        public void Append(TrainingLogEntry e)
        {
            writer.WriteLine(JsonSerializer.Serialize(new Row(e.Step, e.Epoch, e.Loss, e.LearningRate, e.GradNorm, e.TokensPerSecond, e.EvalLoss), Json));
            writer.Flush();
        }

        public void Dispose() => writer.Dispose();
    }
}
