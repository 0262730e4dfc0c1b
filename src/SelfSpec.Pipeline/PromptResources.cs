namespace SelfSpec.Pipeline;

/// <summary>Reads the prompt texts embedded beside the code that uses them (<c>*.prompt.txt</c>).</summary>
internal static class PromptResources
{
    /// <summary>The text of <paramref name="fileName"/>, with line endings normalised to <c>\n</c> and no trailing newline.</summary>
    public static string Load(string fileName)
    {
        var name = "SelfSpec.Pipeline.Prompts." + fileName;
        using var stream = typeof(PromptResources).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded prompt '{name}' is missing from {typeof(PromptResources).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    /// <summary>Replaces <c>{name}</c> placeholders in one pass, so a value that itself contains braces is never re-expanded.</summary>
    public static string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var result = new System.Text.StringBuilder(template.Length + 256);
        var i = 0;
        while (i < template.Length)
        {
            if (template[i] == '{')
            {
                var close = template.IndexOf('}', i + 1);
                if (close > i && values.TryGetValue(template[(i + 1)..close], out var value))
                {
                    result.Append(value);
                    i = close + 1;
                    continue;
                }
            }
            result.Append(template[i++]);
        }
        return result.ToString();
    }
}
