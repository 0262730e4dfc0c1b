namespace SelfSpec.Retrieval.Corpus;

/// <summary>One row of <c>corpus.parquet</c>: columns pmid, title, abstract, journal, year, mesh_terms (list&lt;string&gt;).</summary>
/// <param name="Pmid">PubMed id (or the corpus' own id).</param>
/// <param name="Title">Article title.</param>
/// <param name="Abstract">Abstract text, labelled sections joined with their labels.</param>
/// <param name="Journal">Journal title.</param>
/// <param name="Year">Publication year, when known.</param>
/// <param name="MeshTerms">MeSH descriptor names.</param>
public sealed record CorpusRow(string Pmid, string Title, string Abstract, string Journal, int? Year, IReadOnlyList<string> MeshTerms)
{
    /// <summary>The row of an article.</summary>
    public static CorpusRow From(PubmedArticle a) => new(a.Pmid, a.Title, a.Abstract, a.Journal, a.Year, a.MeshTerms);

    /// <summary>The article of a row.</summary>
    public PubmedArticle ToArticle() => new(Pmid, Title, Abstract, Journal, Year, MeshTerms);
}
