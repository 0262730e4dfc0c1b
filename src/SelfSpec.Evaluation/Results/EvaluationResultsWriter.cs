using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SelfSpec.Evaluation.Results;

/// <summary>
/// Writes a run's tables into its output folder: <c>eval_predictions.jsonl</c> and <c>eval_summary.jsonl</c>, one JSON
/// object per row, written to a temporary name and renamed so a cancelled run never leaves a half file.
/// This is the single place that knows the file format (Parquet output replaces it here).
/// </summary>
public sealed class EvaluationResultsWriter
{
    /// <summary>File name of the predictions table.</summary>
    public const string PredictionsFile = "eval_predictions.jsonl";

    /// <summary>File name of the summary table.</summary>
    public const string SummaryFile = "eval_summary.jsonl";

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes both tables into <paramref name="directory"/> (created if needed) and returns their paths.</summary>
    public async Task<(string Predictions, string Summary)> WriteAsync(string directory, IEnumerable<PredictionRow> predictions,
        IEnumerable<SummaryRow> summary, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var p = Path.Combine(directory, PredictionsFile);
        var s = Path.Combine(directory, SummaryFile);
        await WriteJsonLinesAsync(p, predictions, cancellationToken);
        await WriteJsonLinesAsync(s, summary, cancellationToken);
        return (p, s);
    }

    /// <summary>Reads a table written by <see cref="WriteAsync"/>.</summary>
    public static List<T> ReadJsonLines<T>(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<T>(l, Json)!).ToList();

    private static async Task WriteJsonLinesAsync<T>(string path, IEnumerable<T> rows, CancellationToken ct)
    {
        var temp = path + ".tmp";
        await using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false)))
        {
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                await writer.WriteLineAsync(JsonSerializer.Serialize(row, Json));
            }
        }
        File.Move(temp, path, overwrite: true);
    }
}
