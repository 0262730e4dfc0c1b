using System.Text;
using System.Text.RegularExpressions;
using SelfSpec.Pipeline.Artifacts;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// The instruction-generation prompt: the paper's Table 3 text (<c>instruction-generation.prompt.txt</c>, with the
/// domain as a parameter) followed by seed demonstrations in the Alpaca format of algorithms.md §1.6:
/// <c>###\n{i}. Instruction: {instruction}\n{i}. Input:\n{input or &lt;noinput&gt;}\n{i}. Output:\n{output}\n</c>
/// for i = 1..n, ending with <c>###\n{n+1}. Instruction:</c> for the model to continue.
/// </summary>
public sealed partial class InstructionGenerationPrompt
{
    private static readonly string Template = PromptResources.Load("instruction-generation.prompt.txt");

    /// <summary>Creates the prompt for <paramref name="domain"/> (the paper: <c>biomedical</c>).</summary>
    public InstructionGenerationPrompt(string domain = "biomedical")
    {
        if (string.IsNullOrWhiteSpace(domain)) throw new ArgumentException("the domain must not be empty", nameof(domain));
        Domain = domain.Trim();
        Header = PromptResources.Fill(Template, new Dictionary<string, string> { ["domain"] = Domain });
    }

    /// <summary>The domain name written into the prompt.</summary>
    public string Domain { get; }

    /// <summary>The Table 3 text for <see cref="Domain"/>, ending with <c>List of 20 tasks:</c> (no newline).</summary>
    public string Header { get; }

    /// <summary>The number the model's first item carries: one more than the demonstrations.</summary>
    public static int FirstGeneratedNumber(int demonstrations) => demonstrations + 1;

    /// <summary>The full prompt with <paramref name="demonstrations"/> (the paper: 3 sampled seeds).</summary>
    public string Build(IReadOnlyList<SeedRow> demonstrations)
    {
        ArgumentNullException.ThrowIfNull(demonstrations);
        var prompt = new StringBuilder(Header.Length + 512 * (demonstrations.Count + 1));
        prompt.Append(Header).Append('\n');
        for (var i = 0; i < demonstrations.Count; i++) prompt.Append("###\n").Append(FormatItem(i + 1, demonstrations[i]));
        prompt.Append("###\n").Append(FirstGeneratedNumber(demonstrations.Count)).Append(". Instruction:");
        return prompt.ToString();
    }

    /// <summary>
    /// One numbered item as the prompt shows a demonstration (and as <see cref="InstructionCompletionParser"/> reads a
    /// generated one): <c>{n}. Instruction: {instruction}\n{n}. Input:\n{input or &lt;noinput&gt;}\n{n}. Output:\n{output}\n</c>.
    /// As Alpaca's <c>encode_prompt</c>: whitespace runs in the instruction collapse and a trailing ':' goes.
    /// </summary>
    public static string FormatItem(int number, SeedRow seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var instruction = Whitespace().Replace(seed.Instruction, " ").Trim().TrimEnd(':');
        var input = seed.Input.Length == 0 ? "<noinput>" : seed.Input;
        return $"{number}. Instruction: {instruction}\n{number}. Input:\n{input}\n{number}. Output:\n{seed.Output}\n";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
