namespace SelfSpec.Retrieval.Corpus;

/// <summary>One article of the corpus, the row of <c>corpus.parquet</c> / <c>corpus.jsonl</c>.</summary>
/// <param name="Pmid">PubMed id (or the configured id field of a JSONL corpus).</param>
/// <param name="Title">Article title, inline markup reduced to its text.</param>
/// <param name="Abstract">Abstract text; labelled sections are written "LABEL: text" and joined with a newline. Empty if none.</param>
/// <param name="Journal">Journal title.</param>
/// <param name="Year">Publication year (from PubDate/Year, or the first year in MedlineDate), if known.</param>
/// <param name="MeshTerms">MeSH descriptor names, in document order.</param>
public sealed record PubmedArticle(string Pmid, string Title, string Abstract, string Journal, int? Year, IReadOnlyList<string> MeshTerms)
{
    /// <summary>The text that is indexed: title and abstract.</summary>
    public string IndexedText => Title.Length == 0 ? Abstract : Abstract.Length == 0 ? Title : Title + "\n" + Abstract;

    /// <summary>Value equality including the MeSH list's contents.</summary>
    public bool Equals(PubmedArticle? other) =>
        other is not null && Pmid == other.Pmid && Title == other.Title && Abstract == other.Abstract
        && Journal == other.Journal && Year == other.Year && MeshTerms.SequenceEqual(other.MeshTerms);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Pmid, Title, Abstract);
}

/// <summary>One change read from a corpus file, in file order.</summary>
public abstract record CorpusChange
{
    /// <summary>Where it came from (file name), for messages.</summary>
    public required string Source { get; init; }
}

/// <summary>Add an article, replacing any earlier article with the same PMID.</summary>
/// <param name="Article">The article.</param>
public sealed record ArticleUpsert(PubmedArticle Article) : CorpusChange;

/// <summary>Remove the article with this PMID (a <c>DeleteCitation</c> entry of an update file).</summary>
/// <param name="Pmid">The PMID to delete.</param>
public sealed record ArticleDeletion(string Pmid) : CorpusChange;
