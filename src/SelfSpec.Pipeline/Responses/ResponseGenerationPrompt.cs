using System.Text;

namespace SelfSpec.Pipeline.Responses;

/// <summary>
/// The response-generation prompt: the paper's Table 3 system line (<c>response-generation.prompt.txt</c>, domain as a
/// parameter), no demonstrations, then at most one retrieved document and the task in Alpaca-style sections:
/// <code>
/// {system line}
///
/// ### Document:        (only with a document)
/// {document}
///
/// ### Instruction:
/// {instruction}
///
/// ### Input:           (only when the input is not empty)
/// {input}
///
/// ### Response:
/// </code>
/// The paper pairs each retrieved document with the query in its own prompt (RAG-token, eq. 2); it does not print the
/// layout of that prompt, so the sections follow the Alpaca template the model is tuned with.
/// </summary>
public sealed class ResponseGenerationPrompt
{
    private static readonly string Template = PromptResources.Load("response-generation.prompt.txt");

    /// <summary>Creates the prompt for <paramref name="domain"/> (the paper: <c>biomedical</c>).</summary>
    public ResponseGenerationPrompt(string domain = "biomedical")
    {
        if (string.IsNullOrWhiteSpace(domain)) throw new ArgumentException("the domain must not be empty", nameof(domain));
        Domain = domain.Trim();
        SystemLine = PromptResources.Fill(Template, new Dictionary<string, string> { ["domain"] = Domain });
    }

    /// <summary>The domain name written into the prompt.</summary>
    public string Domain { get; }

    /// <summary>The Table 3 system line for <see cref="Domain"/>.</summary>
    public string SystemLine { get; }

    /// <summary>The prompt for one (instruction, input) pair and at most one document; ends with <c>### Response:</c>.</summary>
    public string Build(string instruction, string input, string? document = null)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        var prompt = new StringBuilder(SystemLine.Length + instruction.Length + (input?.Length ?? 0) + (document?.Length ?? 0) + 64);
        prompt.Append(SystemLine).Append("\n\n");
        if (document is not null) prompt.Append("### Document:\n").Append(document).Append("\n\n");
        prompt.Append("### Instruction:\n").Append(instruction).Append("\n\n");
        if (!string.IsNullOrEmpty(input)) prompt.Append("### Input:\n").Append(input).Append("\n\n");
        prompt.Append("### Response:");
        return prompt.ToString();
    }
}
