namespace SelfSpec.Pipeline.Training;

/// <summary>
/// The Alpaca prompt template used to tune and to evaluate the specialised model (algorithms.md §5, exact text in
/// <c>alpaca-with-input.prompt.txt</c> / <c>alpaca-no-input.prompt.txt</c>). The with-input form is chosen iff the input
/// is not the empty string (whitespace-only input counts as input, as in Alpaca's <c>train.py</c>).
/// </summary>
public static class AlpacaTemplate
{
    private static readonly string WithInput = PromptResources.Load("alpaca-with-input.prompt.txt");
    private static readonly string NoInput = PromptResources.Load("alpaca-no-input.prompt.txt");

    /// <summary>The source (prompt) part, ending with <c>### Response:</c>; the target follows with no separator.</summary>
    public static string FormatSource(string instruction, string? input)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        return string.IsNullOrEmpty(input)
            ? PromptResources.Fill(NoInput, new Dictionary<string, string> { ["instruction"] = instruction })
            : PromptResources.Fill(WithInput, new Dictionary<string, string> { ["instruction"] = instruction, ["input"] = input });
    }

    /// <summary>A training example: source + <paramref name="output"/> + <paramref name="eosToken"/> (e.g. <c>&lt;/s&gt;</c>).</summary>
    public static string FormatExample(string instruction, string? input, string output, string eosToken) =>
        FormatSource(instruction, input) + output + eosToken;
}
