namespace SelfSpec.Llm.Prompting;

/// <summary>
/// The Stanford Alpaca prompt template (the exact text of Alpaca's <c>train.py</c> PROMPT_DICT; algorithms.md §5), the
/// one format the pipeline tunes with and evaluates the specialised model in. The with-input form is used iff the input is
/// not empty (whitespace counts as input, as in Alpaca's <c>example.get("input", "") != ""</c>); the response follows
/// <c>### Response:</c> directly, with no separator.
/// </summary>
public static class AlpacaTemplate
{
    /// <summary>The prompt with an input section.</summary>
    public static string WithInput(string instruction, string input) =>
        "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n" +
        $"### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:";

    /// <summary>The prompt without an input section.</summary>
    public static string WithoutInput(string instruction) =>
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
        $"### Instruction:\n{instruction}\n\n### Response:";

    /// <summary>The prompt (source) for an instruction and its optional input, chosen as Alpaca chooses it.</summary>
    public static string Format(string instruction, string? input)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        return string.IsNullOrEmpty(input) ? WithoutInput(instruction) : WithInput(instruction, input);
    }

    /// <summary>A whole training example as text: source + <paramref name="output"/> + <paramref name="eosToken"/> (e.g. <c>&lt;/s&gt;</c>).</summary>
    public static string FormatExample(string instruction, string? input, string output, string eosToken) =>
        Format(instruction, input) + output + eosToken;
}
