using SelfSpec.Parquet.Writing;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Parquet.Reading;
using SelfSpec.Evaluation.Metrics;

namespace SelfSpec.Evaluation.Results;

/// <summary>
/// Writes a run's tables into its output folder as Parquet: <c>eval_predictions.parquet</c> and
/// <c>eval_summary.parquet</c> (SNAPPY, written to a temporary name and renamed, so a cancelled run never leaves a
/// half file). The column names are those of the row records' <see cref="ParquetColumnAttribute"/>s. This is the single
/// place that knows the file format.
/// </summary>
public sealed class EvaluationResultsWriter
{
    /// <summary>File name of the predictions table.</summary>
    public const string PredictionsFile = "eval_predictions.parquet";

    /// <summary>File name of the summary table.</summary>
    public const string SummaryFile = "eval_summary.parquet";

    /// <summary>Footer key naming the <see cref="ScoringConvention"/> that produced the scores.</summary>
    public const string ConventionKey = "selfspec.scoring_convention";

    /// <summary>The convention the scores were computed with, stored in both footers under <see cref="ConventionKey"/>; null: not stated.</summary>
    public ScoringConvention? Convention { get; init; }

    /// <summary>Key/value metadata stored in both files' footers (producing workflow, activity, parameters…).</summary>
    public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string> { ["selfspec.producer"] = "SelfSpec.Evaluation" };

    /// <summary>Writes both tables into <paramref name="directory"/> (created if needed) and returns their paths.</summary>
    public Task<(string Predictions, string Summary)> WriteAsync(string directory, IEnumerable<PredictionRow> predictions,
        IEnumerable<SummaryRow> summary, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var p = Path.Combine(directory, PredictionsFile);
        var s = Path.Combine(directory, SummaryFile);
        ParquetSerializer.Write(p, predictions, Options("eval_predictions"), cancellationToken);
        ParquetSerializer.Write(s, summary, Options("eval_summary"), cancellationToken);
        return Task.FromResult((p, s));
    }

    /// <summary>Reads a table written by <see cref="WriteAsync"/>.</summary>
    public static List<T> Read<T>(string path) => ParquetSerializer.Read<T>(path);

    /// <summary>The convention stated in the footer of a table written by <see cref="WriteAsync"/>; null when it states none.</summary>
    /// <exception cref="ArgumentException">The footer names an unknown convention.</exception>
    public static ScoringConvention? ReadConvention(string path)
    {
        using var reader = ParquetReader.Open(path);
        return reader.KeyValueMetadata.TryGetValue(ConventionKey, out var name) && name is { Length: > 0 } ? ScoringConvention.Parse(name) : null;
    }

    private ParquetWriterOptions Options(string table)
    {
        var options = new ParquetWriterOptions();
        foreach (var (k, v) in Metadata) options.KeyValueMetadata[k] = v;
        if (Convention != null) options.KeyValueMetadata[ConventionKey] = Convention.Name;
        options.KeyValueMetadata["selfspec.table"] = table;
        return options;
    }
}
