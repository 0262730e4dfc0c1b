namespace SelfSpec.Evaluation.Prompting;

/// <summary>The Stanford Alpaca prompt texts (<c>train.py</c> PROMPT_DICT), exactly; the response follows "### Response:" directly.</summary>
public static class AlpacaTemplate
{
    /// <summary>Prompt with an input section (chosen iff the input is not the empty string).</summary>
    public static string WithInput(string instruction, string input) =>
        "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n" +
        $"### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:";

    /// <summary>Prompt without an input section.</summary>
    public static string WithoutInput(string instruction) =>
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n" +
        $"### Instruction:\n{instruction}\n\n### Response:";

    /// <summary>Picks the template the way Alpaca does: <c>input != ""</c>.</summary>
    public static string Format(string instruction, string input) =>
        input.Length != 0 ? WithInput(instruction, input) : WithoutInput(instruction);
}
