using System.Text.Json.Serialization;
using SelfSpec.Parquet.Serialization;

namespace SelfSpec.Evaluation.Results;

/// <summary>One scored generation: the schema of <c>eval_predictions</c>.</summary>
public sealed record PredictionRow
{
    /// <summary>Dataset name (Table 1 spelling).</summary>
    [JsonPropertyName("dataset"), ParquetColumn("dataset")] public required string Dataset { get; init; }

    /// <summary>Number of demonstrations in the prompt.</summary>
    [JsonPropertyName("k"), ParquetColumn("k")] public required int K { get; init; }

    /// <summary>Model name.</summary>
    [JsonPropertyName("model"), ParquetColumn("model")] public required string Model { get; init; }

    /// <summary>"Base" or "Specialized".</summary>
    [JsonPropertyName("role"), ParquetColumn("role")] public required string Role { get; init; }

    /// <summary>Instance id inside the dataset.</summary>
    [JsonPropertyName("id"), ParquetColumn("id")] public required string Id { get; init; }

    /// <summary>First 16 hex digits of the SHA-256 of the exact prompt text (UTF-8), to join runs that saw the same prompt.</summary>
    [JsonPropertyName("prompt_hash"), ParquetColumn("prompt_hash")] public required string PromptHash { get; init; }

    /// <summary>The cleaned prediction that was scored.</summary>
    [JsonPropertyName("prediction"), ParquetColumn("prediction")] public required string Prediction { get; init; }

    /// <summary>The references it was scored against.</summary>
    [JsonPropertyName("references"), ParquetColumn("references")] public required IReadOnlyList<string> References { get; init; }

    /// <summary>Max token F1 over references, 0–1.</summary>
    [JsonPropertyName("f1"), ParquetColumn("f1")] public required double F1 { get; init; }

    /// <summary>Max exact match over references, 0 or 1.</summary>
    [JsonPropertyName("em"), ParquetColumn("em")] public required double ExactMatch { get; init; }

    /// <summary>Max ROUGE-L F over references, 0–1.</summary>
    [JsonPropertyName("rougeL"), ParquetColumn("rougeL")] public required double RougeL { get; init; }
}
