namespace SelfSpec.Text.Analysis;

/// <summary>Lucene's English stop words (<c>StopAnalyzer.ENGLISH_STOP_WORDS_SET</c>, the default of
/// <c>EnglishAnalyzer</c> 4.10): 33 words.</summary>
public static class EnglishStopWords
{
    /// <summary>The words, lower case.</summary>
    public static IReadOnlyList<string> Words { get; } =
    [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
        "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
        "will", "with",
    ];

    private static readonly HashSet<string> Set = new(Words, StringComparer.Ordinal);
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> SpanLookup = Set.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True if <paramref name="term"/> (already lower-cased) is a stop word.</summary>
    public static bool Contains(ReadOnlySpan<char> term) => term.Length <= 5 && SpanLookup.Contains(term);
}
