using System.Collections.Concurrent;

namespace SelfSpec.Evaluation.Metrics;

/// <summary>
/// The tokenizer of Google's <c>rouge_score</c> (<c>tokenize.tokenize</c>): lowercase, every run of characters outside
/// <c>[a-z0-9]</c> is a separator (so non-ASCII letters split words: "café" gives "caf"), and, when a stemmer is given,
/// tokens longer than 3 characters are stemmed (rouge_score uses NLTK's <c>PorterStemmer()</c>).
/// </summary>
/// <remarks>Thread-safe; stems are cached per instance because the same words recur across thousands of texts.</remarks>
public sealed class RougeTokenizer
{
    private readonly Func<string, string>? _stemmer;
    private readonly ConcurrentDictionary<string, string>? _stemCache;

    /// <summary>The tokenizer without stemming (<c>use_stemmer=False</c>, as Self-Instruct and Alpaca filter).</summary>
    public static RougeTokenizer Unstemmed { get; } = new(null);

    /// <summary>Creates a tokenizer; <paramref name="stemmer"/> null means no stemming.</summary>
    /// <param name="stemmer">A Porter stemmer (NLTK_EXTENSIONS mode to match rouge_score), applied to tokens longer than 3 characters.</param>
    public RougeTokenizer(Func<string, string>? stemmer)
    {
        _stemmer = stemmer;
        if (stemmer != null) _stemCache = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>True if tokens longer than 3 characters are stemmed.</summary>
    public bool Stems => _stemmer != null;

    /// <summary>Splits <paramref name="text"/> into rouge_score tokens.</summary>
    public List<string> Tokenize(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text)) return tokens;
        Span<char> buffer = text.Length <= 512 ? stackalloc char[text.Length] : new char[text.Length];
        int length = 0;
        foreach (var raw in text)
        {
            var c = char.ToLowerInvariant(raw);
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                buffer[length++] = c;
            }
            else if (length > 0)
            {
                Add(tokens, buffer[..length]);
                length = 0;
            }
        }
        if (length > 0) Add(tokens, buffer[..length]);
        return tokens;
    }

    private void Add(List<string> tokens, ReadOnlySpan<char> token)
    {
        var word = new string(token);
        if (_stemmer == null || word.Length <= 3)
        {
            tokens.Add(word);
            return;
        }
        var stem = _stemCache!.GetOrAdd(word, _stemmer);
        // rouge_score keeps only tokens matching ^[a-z0-9]+$ after stemming.
        if (IsValidToken(stem)) tokens.Add(stem);
    }

    private static bool IsValidToken(string token)
    {
        if (token.Length == 0) return false;
        foreach (var c in token)
            if (c is not (>= 'a' and <= 'z' or >= '0' and <= '9')) return false;
        return true;
    }
}
