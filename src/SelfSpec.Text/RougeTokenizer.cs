using System.Collections.Concurrent;
using SelfSpec.Text.Stemming;

namespace SelfSpec.Text;

/// <summary>
/// The tokenisation of Google's <c>rouge_score</c> (<c>tokenize.tokenize</c>): lower-case as Python's <c>str.lower()</c>,
/// every run of characters other than ASCII a–z/0–9 is a separator (so "café" gives "caf"), and with a stemmer each
/// token longer than three characters is stemmed and kept only if it still matches <c>^[a-z0-9]+$</c>.
/// <c>rouge_score</c> stems with NLTK's Porter stemmer: <see cref="Stemmed"/>.
/// </summary>
/// <remarks>Thread-safe; stems are cached per instance because the same words recur across thousands of texts.</remarks>
public sealed class RougeTokenizer
{
    private readonly Func<string, string>? _stemmer;
    private readonly ConcurrentDictionary<string, string>? _stemCache;

    /// <summary>Without stemming (<c>use_stemmer=False</c>, as Self-Instruct and Alpaca filter instructions).</summary>
    public static RougeTokenizer Unstemmed { get; } = new(null);

    /// <summary>With NLTK's Porter stemmer (<c>use_stemmer=True</c>, as Super-NaturalInstructions and In-BoXBART evaluate).</summary>
    public static RougeTokenizer Stemmed { get; } = new(NltkPorterStemmer.Instance.Stem);

    /// <summary>Creates a tokenizer; <paramref name="stemmer"/> null means no stemming.</summary>
    /// <param name="stemmer">Applied to tokens longer than 3 characters (NLTK_EXTENSIONS Porter to match rouge_score).</param>
    public RougeTokenizer(Func<string, string>? stemmer)
    {
        _stemmer = stemmer;
        if (stemmer != null) _stemCache = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>True if tokens longer than 3 characters are stemmed.</summary>
    public bool Stems => _stemmer != null;

    /// <summary>Tokens of <paramref name="text"/> as <c>rouge_score</c> makes them.</summary>
    public List<string> Tokenize(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text)) return tokens;
        // Python's str.lower() uses full case mapping: U+0130 (İ) becomes "i" + U+0307, splitting the word.
        var lower = text.Replace("\u0130", "i\u0307", StringComparison.Ordinal).ToLowerInvariant();
        var i = 0;
        while (i < lower.Length)
        {
            while (i < lower.Length && !IsAsciiAlnum(lower[i])) i++;
            var start = i;
            while (i < lower.Length && IsAsciiAlnum(lower[i])) i++;
            if (i > start) Add(tokens, lower[start..i]);
        }
        return tokens;
    }

    private void Add(List<string> tokens, string word)
    {
        if (_stemmer == null || word.Length <= 3)
        {
            tokens.Add(word);
            return;
        }
        var stem = _stemCache!.GetOrAdd(word, _stemmer);
        if (stem.Length > 0 && stem.All(IsAsciiAlnum)) tokens.Add(stem);
    }

    private static bool IsAsciiAlnum(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';
}
