using System.Text;

namespace SelfSpec.Evaluation.Metrics;

/// <summary>
/// SQuAD v1.1 <c>normalize_answer</c> as In-BoXBART and Super-NaturalInstructions apply it:
/// <c>white_space_fix(remove_articles(remove_punc(lower(s))))</c> (SNI skips <c>remove_articles</c>).
/// </summary>
public static class AnswerNormalizer
{
    private const string AsciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /// <summary>The normalised answer string.</summary>
    public static string Normalize(string? text, AnswerNormalization mode) => string.Join(' ', Tokens(text, mode));

    /// <summary>The normalised answer split on whitespace, as the F1 code sees it.</summary>
    public static List<string> Tokens(string? text, AnswerNormalization mode)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text)) return words;
        var stripped = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
            if (AsciiPunctuation.IndexOf(c) < 0) stripped.Append(c);
        foreach (var word in SplitPythonWhitespace(stripped.ToString()))
        {
            // `\b(a|an|the)\b` → ' ' on a punctuation-free string: after splitting on whitespace a match is a whole word,
            // except where \b sits at a non-word character kept by remove_punc (non-ASCII symbols such as "–the").
            if (mode == AnswerNormalization.Box) RemoveArticles(word, words);
            else words.Add(word);
        }
        return words;
    }

    // Python's str.split() whitespace: Unicode whitespace plus the separators \x1c-\x1f that .NET does not count.
    private static bool IsPythonWhitespace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    private static IEnumerable<string> SplitPythonWhitespace(string s)
    {
        int start = -1;
        for (int i = 0; i <= s.Length; i++)
        {
            bool ws = i == s.Length || IsPythonWhitespace(s[i]);
            if (!ws && start < 0) start = i;
            else if (ws && start >= 0)
            {
                yield return s[start..i];
                start = -1;
            }
        }
    }

    // Applies `\b(a|an|the)\b` inside one whitespace-free word (Python's \b: word chars are Unicode letters, digits, '_').
    private static void RemoveArticles(string word, List<string> output)
    {
        if (word is "a" or "an" or "the") return;
        var pieces = new StringBuilder(word.Length);
        int i = 0;
        bool changed = false;
        while (i < word.Length)
        {
            bool boundaryBefore = i == 0 || !IsWordChar(word[i - 1]);
            int len = boundaryBefore ? ArticleLengthAt(word, i) : 0;
            if (len > 0)
            {
                pieces.Append(' ');
                i += len;
                changed = true;
            }
            else pieces.Append(word[i++]);
        }
        if (!changed)
        {
            output.Add(word);
            return;
        }
        foreach (var part in SplitPythonWhitespace(pieces.ToString())) output.Add(part);
    }

    private static int ArticleLengthAt(string word, int i)
    {
        foreach (var article in (ReadOnlySpan<string>)["the", "an", "a"])
        {
            int end = i + article.Length;
            if (end <= word.Length && string.CompareOrdinal(word, i, article, 0, article.Length) == 0
                && (end == word.Length || !IsWordChar(word[end])))
                return article.Length;
        }
        return 0;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
