using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;

namespace SelfSpec.Retrieval.Tests;

/// <summary>Any user text is analysed into terms: never a syntax error, always the exact top k.</summary>
public class HostileQueryTests(PubMedQaIndexes indexes) : IClassFixture<PubMedQaIndexes>
{
    public static TheoryData<string> Queries => new()
    {
        "", " ", "\t\n\r", "\"", "\"\"\"", "'", "((((", "))))", "(a OR b", "AND", "OR", "NOT", "AND OR NOT",
        "NOT cancer", "cancer AND NOT", "*", "**", "canc*", "?", "c?ncer", "^", "cancer^", "cancer^10", "cancer^-1",
        ":", "title:", "title:cancer", "text:\"heart failure\"~3", "[1 TO 5]", "{a TO z}", "+cancer -heart", "-", "+",
        "~", "cancer~2", "\\", "\\\\\\", "/regex/", "/", "!", "&&", "||", "a && b || !c", "@#$%^&*()_+=-`~[]{}|;':\",./<>?",
        "糖尿病 患者", "сахарный диабет", "السكري", "🙂🙃 diabetes 🧬", "\u0000\u0001\u0002", "\uFFFF\uFFFE", "\uD800 lone surrogate",
        "e\u0301\u0301\u0301", new string('a', 10_000), string.Concat(Enumerable.Repeat("cancer ", 2000)),
        string.Join(" OR ", Enumerable.Range(0, 1500).Select(i => "w" + i)), "the of and a an", "NULL", "null; DROP TABLE docs;--",
        "<script>alert(1)</script>", "${jndi:ldap://x}", "%s%s%n", "1e309", "-0", "NaN", "Infinity", "0x41", "é", "İstanbul",
        "ß STRASSE", "ﬁ ﬂ", "Ⅻ ⅻ", "x\u200By", "\u202Eevil", "Does vitamin D (25-OH-D) reduce mortality?",
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public void HostileQueryIsAnsweredExactly(string query)
    {
        using var reader = IndexReader.Open(indexes.ManySegments);
        var searcher = new Bm25Searcher(reader);
        var q = Bm25Query.Parse(query);
        var fast = searcher.TopK(q, 5);
        var all = searcher.TopK(q, 5, TopKAlgorithm.Exhaustive);
        Assert.Equal(all.Docs, fast.Docs);
        Assert.Equal(all.Scores, fast.Scores);
        var hits = searcher.Search(query, 5);
        Assert.True(hits.Count <= 5);
        Assert.All(hits, h => Assert.True(float.IsFinite(h.Score) && h.Score > 0));
        if (hits.Count > 0) Assert.Equal(1.0, hits.Sum(h => h.PRet), 9);
    }

    [Fact]
    public void ThereAreAtLeastThirtyHostileQueries() => Assert.True(Queries.Count >= 30);

    [Fact]
    public void QueriesWithoutIndexableWordsMatchNothing()
    {
        using var reader = IndexReader.Open(indexes.SingleSegment);
        var searcher = new Bm25Searcher(reader);
        foreach (var q in new[] { "", "   ", "the of and", "!!! ??? ...", "zzqqxxnotaword" })
            Assert.Empty(searcher.Search(q, 5));
    }
}
