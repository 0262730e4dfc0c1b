using static SelfSpec.Tokenizers.PreTokenization.CodePoints;

namespace SelfSpec.Tokenizers.PreTokenization;

/// <summary>
/// Hand-written equivalents of the split regexes used by GPT-2 style and Llama-3/Qwen2 style tokenizers.
/// Each returns the length of the match that the regex would find at position <c>i</c>; the patterns
/// match everywhere, so scanning from 0 with these gives exactly the regex's pieces. They work on code points,
/// as the Rust and JavaScript engines do (a .NET Regex sees the two halves of a surrogate pair as two chars).
/// </summary>
internal static class SplitScanners
{
    /// <summary><c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c></summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>The Llama-3 pattern (<c>\p{N}{1,3}</c>).</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The Qwen2 pattern: as Llama-3 with single digits.</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static int Gpt2Match(ReadOnlySpan<char> s, int i)
    {
        var n = s.Length;
        var c = s[i];
        if (c == '\'' && i + 1 < n)
        {
            var d = s[i + 1];
            if (d is 's' or 't' or 'm' or 'd') return 2;
            if (i + 2 < n)
            {
                var e = s[i + 2];
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return 3;
            }
        }
        var j = i;
        if (c == ' ' && i + 1 < n) j = i + 1;
        var cls = Classify(s, j, out var w);
        if (cls != Space)
        {
            // ` ?\p{L}+`, ` ?\p{N}+` or ` ?[^\s\p{L}\p{N}]+`: a run of one class, optionally after one space.
            var k = j + w;
            while (k < n && Classify(s, k, out w) == cls) k += w;
            return k - i;
        }
        return WhitespaceMatch(s, i);
    }

    public static int Llama3Match(ReadOnlySpan<char> s, int i) => LlamaStyleMatch(s, i, 3);

    public static int Qwen2Match(ReadOnlySpan<char> s, int i) => LlamaStyleMatch(s, i, 1);

    private static int LlamaStyleMatch(ReadOnlySpan<char> s, int i, int maxDigits)
    {
        var n = s.Length;
        var c = s[i];
        if (c == '\'' && i + 1 < n)
        {
            var d = char.ToLowerInvariant(s[i + 1]);
            if (d is 's' or 't' or 'm' or 'd' or '\u017F') return 2;
            if (i + 2 < n)
            {
                var e = char.ToLowerInvariant(s[i + 2]);
                if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) return 3;
            }
        }
        var cls = Classify(s, i, out var w);
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == Letter) return LetterRun(s, i + w) - i;
        if (cls != Number && c != '\r' && c != '\n' && i + w < n && Classify(s, i + w, out _) == Letter)
            return LetterRun(s, i + w) - i;
        // \p{N}{1,3}
        if (cls == Number)
        {
            var k = i + w;
            for (var count = 1; count < maxDigits && k < n && Classify(s, k, out w) == Number; count++) k += w;
            return k - i;
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        var j = c == ' ' && i + 1 < n ? i + 1 : i;
        if (Classify(s, j, out w) == Other)
        {
            var k = j + w;
            while (k < n && Classify(s, k, out w) == Other) k += w;
            while (k < n && s[k] is '\r' or '\n') k++;
            return k - i;
        }
        // \s*[\r\n]+ : the whitespace run up to and including its last \r or \n
        var end = i;
        while (end < n && Classify(s, end, out w) == Space) end += w;
        for (var k = end - 1; k >= i; k--)
            if (s[k] is '\r' or '\n') return k + 1 - i;
        return WhitespaceMatch(s, i);
    }

    private static int LetterRun(ReadOnlySpan<char> s, int k)
    {
        while (k < s.Length && Classify(s, k, out var w) == Letter) k += w;
        return k;
    }

    /// <summary><c>\s+(?!\S)|\s+</c> at a whitespace char.</summary>
    private static int WhitespaceMatch(ReadOnlySpan<char> s, int i)
    {
        var n = s.Length;
        var end = i;
        var lastWidth = 1;
        while (end < n && Classify(s, end, out var w) == Space) { end += w; lastWidth = w; }
        if (end == i) return 1; // not whitespace: cannot happen for the covering patterns above
        if (end == n) return end - i;
        // Followed by a non-space: leave the last whitespace char for the next piece, unless it is the only one.
        var shorter = end - lastWidth;
        return shorter > i ? shorter - i : end - i;
    }
}
