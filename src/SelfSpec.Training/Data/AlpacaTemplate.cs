namespace SelfSpec.Training.Data;

/// <summary>The Stanford Alpaca prompt template (exact text of <c>train.py</c>), used for instruction tuning and evaluation.</summary>
public static class AlpacaTemplate
{
    /// <summary>The prompt for an instruction with a non-empty input.</summary>
    public const string WithInput =
        "Below is an instruction that describes a task, paired with an input that provides further context. " +
        "Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:";

    /// <summary>The prompt for an instruction without input.</summary>
    public const string WithoutInput =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
        "### Instruction:\n{instruction}\n\n### Response:";

    /// <summary>
    /// The prompt (source) for one example. The with-input template is used iff <paramref name="input"/> is not the
    /// empty string (whitespace counts as input, as in Alpaca's <c>example.get("input", "") != ""</c>).
    /// </summary>
    public static string Prompt(string instruction, string? input) =>
        string.IsNullOrEmpty(input)
            ? WithoutInput.Replace("{instruction}", instruction, StringComparison.Ordinal)
            : WithInput.Replace("{instruction}", instruction, StringComparison.Ordinal).Replace("{input}", input, StringComparison.Ordinal);
}
