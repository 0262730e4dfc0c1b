using System.Text.Json.Serialization;
using SelfSpec.Parquet.Serialization;

namespace SelfSpec.Evaluation.Results;

/// <summary>One aggregated score line: the schema of <c>eval_summary</c>. Scores are means × 100, as the paper reports them.</summary>
public sealed record SummaryRow
{
    /// <summary>Granularity: <see cref="DatasetScope"/>, <see cref="FamilyScope"/> or <see cref="OverallScope"/>.</summary>
    [JsonPropertyName("scope"), ParquetColumn("scope")] public required string Scope { get; init; }

    /// <summary>Model name.</summary>
    [JsonPropertyName("model"), ParquetColumn("model")] public required string Model { get; init; }

    /// <summary>"Base" or "Specialized".</summary>
    [JsonPropertyName("role"), ParquetColumn("role")] public required string Role { get; init; }

    /// <summary>Task family (QA, NER, RE, SA, DC), or "All" for the overall row.</summary>
    [JsonPropertyName("family"), ParquetColumn("family")] public required string Family { get; init; }

    /// <summary>Dataset name, or "Average" for family and overall rows.</summary>
    [JsonPropertyName("dataset"), ParquetColumn("dataset")] public required string Dataset { get; init; }

    /// <summary>Number of demonstrations.</summary>
    [JsonPropertyName("k"), ParquetColumn("k")] public required int K { get; init; }

    /// <summary>Instances behind the row (summed over datasets for averages).</summary>
    [JsonPropertyName("count"), ParquetColumn("count")] public required int Count { get; init; }

    /// <summary>Mean F1 × 100 (for averages: the mean of the dataset means, as Table 1 averages).</summary>
    [JsonPropertyName("f1"), ParquetColumn("f1")] public required double F1 { get; init; }

    /// <summary>Mean exact match × 100.</summary>
    [JsonPropertyName("em"), ParquetColumn("em")] public required double ExactMatch { get; init; }

    /// <summary>Mean ROUGE-L F × 100.</summary>
    [JsonPropertyName("rougeL"), ParquetColumn("rougeL")] public required double RougeL { get; init; }

    /// <summary>Scope of a per-dataset row.</summary>
    public const string DatasetScope = "dataset";

    /// <summary>Scope of a per-family average row.</summary>
    public const string FamilyScope = "family";

    /// <summary>Scope of the average over all datasets.</summary>
    public const string OverallScope = "overall";
}
