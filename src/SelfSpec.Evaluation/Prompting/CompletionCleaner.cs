namespace SelfSpec.Evaluation.Prompting;

/// <summary>
/// Turns a raw greedy continuation into the prediction that is scored: leading whitespace dropped, cut at the first point
/// where the model starts a new example or section (a blank line, "\nInput:", "### ", an end-of-sequence marker), trimmed.
/// Base models continue the few-shot pattern, so without the cut they would be scored on the next invented example.
/// </summary>
public static class CompletionCleaner
{
    private static readonly string[] Stops = ["\n\n", "\nInput:", "\nExample ", "### ", "</s>", "<|endoftext|>", "<|end_of_text|>"];

    /// <summary>The prediction part of <paramref name="completion"/>.</summary>
    public static string Clean(string completion)
    {
        var text = completion.TrimStart();
        int cut = text.Length;
        foreach (var stop in Stops)
        {
            int i = text.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && i < cut) cut = i;
        }
        return text[..cut].Trim();
    }
}
