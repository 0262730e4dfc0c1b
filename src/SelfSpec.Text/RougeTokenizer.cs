using SelfSpec.Text.Stemming;

namespace SelfSpec.Text;

/// <summary>
/// The tokenisation of Google's <c>rouge_score</c> (<c>tokenize.tokenize</c>): lower-case, every run of characters
/// other than ASCII a–z/0–9 becomes a separator (so "café" gives "caf"), and with stemming each token longer than
/// three characters goes through NLTK's Porter stemmer (<see cref="NltkPorterStemmer"/>).
/// </summary>
public static class RougeTokenizer
{
    /// <summary>Tokens of <paramref name="text"/> as <c>rouge_score</c> makes them.</summary>
    public static List<string> Tokenize(string? text, bool useStemmer)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text)) return tokens;
        // Python's str.lower() uses full case mapping: U+0130 (İ) becomes "i" + U+0307, splitting the word.
        var lower = text.Replace("\u0130", "i\u0307", StringComparison.Ordinal).ToLowerInvariant();
        int i = 0;
        while (i < lower.Length)
        {
            while (i < lower.Length && !IsAsciiAlnum(lower[i])) i++;
            int start = i;
            while (i < lower.Length && IsAsciiAlnum(lower[i])) i++;
            if (i == start) continue;
            var token = lower[start..i];
            tokens.Add(useStemmer && token.Length > 3 ? NltkPorterStemmer.Instance.Stem(token) : token);
        }
        return tokens;
    }

    private static bool IsAsciiAlnum(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';
}
