using System.Text.Json.Serialization;

namespace SelfSpec.Evaluation.Results;

/// <summary>One scored generation: the schema of <c>eval_predictions</c>.</summary>
public sealed record PredictionRow
{
    /// <summary>Dataset name (Table 1 spelling).</summary>
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }

    /// <summary>Number of demonstrations in the prompt.</summary>
    [JsonPropertyName("k")] public required int K { get; init; }

    /// <summary>Model name.</summary>
    [JsonPropertyName("model")] public required string Model { get; init; }

    /// <summary>"Base" or "Specialized".</summary>
    [JsonPropertyName("role")] public required string Role { get; init; }

    /// <summary>Instance id inside the dataset.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>First 16 hex digits of the SHA-256 of the exact prompt text (UTF-8), to join runs that saw the same prompt.</summary>
    [JsonPropertyName("prompt_hash")] public required string PromptHash { get; init; }

    /// <summary>The cleaned prediction that was scored.</summary>
    [JsonPropertyName("prediction")] public required string Prediction { get; init; }

    /// <summary>The references it was scored against.</summary>
    [JsonPropertyName("references")] public required IReadOnlyList<string> References { get; init; }

    /// <summary>Max token F1 over references, 0–1.</summary>
    [JsonPropertyName("f1")] public required double F1 { get; init; }

    /// <summary>Max exact match over references, 0 or 1.</summary>
    [JsonPropertyName("em")] public required double ExactMatch { get; init; }

    /// <summary>Max ROUGE-L F over references, 0–1.</summary>
    [JsonPropertyName("rougeL")] public required double RougeL { get; init; }
}
