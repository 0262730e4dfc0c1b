using SelfSpec.Text.Analysis;

namespace SelfSpec.Retrieval.Search;

/// <summary>A query term and how many times the analysed query text contains it.</summary>
/// <param name="Term">The analysed term.</param>
/// <param name="Count">Occurrences in the query (Lucene's OR query has one clause per occurrence).</param>
public readonly record struct QueryTerm(string Term, int Count);

/// <summary>
/// A bag-of-terms BM25 query made from arbitrary user text by the index's analyzer. There is no query syntax:
/// quotes, AND/OR/NOT, wildcards, boosts, field prefixes and brackets are just text, so no input is ever a
/// syntax error (an input with no indexable words is an empty query that matches nothing).
/// </summary>
public sealed class Bm25Query
{
    [ThreadStatic] private static EnglishAnalyzer? _analyzer;

    private Bm25Query(IReadOnlyList<QueryTerm> terms) => Terms = terms;

    /// <summary>Distinct terms in order of first occurrence.</summary>
    public IReadOnlyList<QueryTerm> Terms { get; }

    /// <summary>Analyses <paramref name="text"/> (EnglishAnalyzer) into a query. Thread-safe.</summary>
    public static Bm25Query Parse(string? text)
    {
        var analyzer = _analyzer ??= new EnglishAnalyzer();
        var order = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(text))
        {
            foreach (var term in analyzer.Analyze(text))
            {
                if (counts.TryGetValue(term, out int c)) counts[term] = c + 1;
                else
                {
                    counts[term] = 1;
                    order.Add(term);
                }
            }
        }
        return new Bm25Query(order.Select(t => new QueryTerm(t, counts[t])).ToList());
    }

    /// <summary>A query from already analysed terms (repeats count).</summary>
    public static Bm25Query FromTerms(IEnumerable<string> terms)
    {
        var list = terms.GroupBy(t => t, StringComparer.Ordinal).Select(g => new QueryTerm(g.Key, g.Count())).ToList();
        return new Bm25Query(list);
    }
}
