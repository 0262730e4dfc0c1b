using System.Text.RegularExpressions;

namespace SelfSpec.Tokenizers;

/// <summary>A <c>{"String": ...}</c> or <c>{"Regex": ...}</c> pattern, compiled once at load time.</summary>
internal sealed class TextPattern
{
    private readonly string? _literal;
    private readonly Regex? _regex;

    private TextPattern(string? literal, Regex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    /// <summary>The pattern as written in the file.</summary>
    public required string Source { get; init; }

    /// <summary>True for a regular expression.</summary>
    public bool IsRegex => _regex is not null;

    public static TextPattern Literal(string s) => new(s, null) { Source = s };

    public static TextPattern FromRegex(string pattern) =>
        new(null, new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant)) { Source = pattern };

    /// <summary>Non-overlapping matches, left to right, as [start, end) ranges.</summary>
    public List<(int Start, int End)> FindAll(string text, int start = 0, int end = -1)
    {
        if (end < 0) end = text.Length;
        var result = new List<(int, int)>();
        if (_literal is not null)
        {
            if (_literal.Length == 0) return result;
            var pos = start;
            while (pos <= end - _literal.Length)
            {
                var i = text.AsSpan(pos, end - pos).IndexOf(_literal.AsSpan(), StringComparison.Ordinal);
                if (i < 0) break;
                result.Add((pos + i, pos + i + _literal.Length));
                pos += i + _literal.Length;
            }
            return result;
        }
        foreach (var m in _regex!.EnumerateMatches(text.AsSpan(start, end - start)))
            if (m.Length > 0) result.Add((start + m.Index, start + m.Index + m.Length));
        return result;
    }

    /// <summary>Replaces every match in <paramref name="text"/> (used by decoders, which need no offsets).</summary>
    public string Replace(string text, string content) =>
        _literal is not null ? (_literal.Length == 0 ? text : text.Replace(_literal, content, StringComparison.Ordinal)) : _regex!.Replace(text, content.Replace("$", "$$"));
}
