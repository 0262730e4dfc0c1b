using SelfSpec.Text.Stemming;

namespace SelfSpec.Text.Tests;

public class LucenePorterStemmerTests
{
    [Fact]
    public void MatchesLucenePorterStemFilterOnAllSharedDataWords()
    {
        var words = Oracles.SharedDataWords();
        words.AddRange(["sky", "skies", "dying", "generically", "hopefully", "biology", "a", "is", "ed", "ies", "sses",
            "controll", "roll", "electriciti", "organizational", "abli", "conformabli", "café", "naïve", "ﬁnal"]);
        words = words.Distinct(StringComparer.Ordinal).ToList();
        Assert.True(words.Count >= 5000, $"only {words.Count} distinct words");

        var expected = Oracles.Lucene("porter", words);
        var stemmer = new LucenePorterStemmer();
        var mismatches = words.Select((w, i) => (w, expected: expected[i], actual: stemmer.Stem(w)))
            .Where(x => x.expected != x.actual).Take(20).ToList();
        Assert.True(mismatches.Count == 0,
            $"words differ from Lucene: " + string.Join(", ", mismatches.Select(m => $"{m.w}: lucene={m.expected} ours={m.actual}")));
    }
}
