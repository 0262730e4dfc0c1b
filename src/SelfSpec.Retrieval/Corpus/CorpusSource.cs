namespace SelfSpec.Retrieval.Corpus;

/// <summary>Opens corpus files of any supported kind, chosen by file name, as one ordered stream of changes.</summary>
public static class CorpusSource
{
    /// <summary>Reads <paramref name="paths"/> in the order given (PubMed baseline then updates, so later
    /// versions of a PMID come last).</summary>
    /// <remarks><c>.xml</c>/<c>.xml.gz</c> are PubMed XML; <c>.jsonl</c>/<c>.jsonl.gz</c>/<c>.json</c> are JSONL.
    /// <c>.parquet</c> is a <c>corpus.parquet</c> as <see cref="ParquetCorpusSink"/> writes it.</remarks>
    public static async IAsyncEnumerable<CorpusChange> ReadAsync(IEnumerable<string> paths, CorpusFieldMap? fields = null,
        PubMedReadOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var path in paths)
        {
            var name = path.ToLowerInvariant();
            IAsyncEnumerable<CorpusChange> changes = name switch
            {
                _ when name.EndsWith(".xml") || name.EndsWith(".xml.gz") => PubMedXmlReader.ReadFileAsync(path, options, cancellationToken),
                _ when name.EndsWith(".jsonl") || name.EndsWith(".jsonl.gz") || name.EndsWith(".json") =>
                    JsonlCorpusReader.ReadFileAsync(path, fields, options, cancellationToken),
                _ when name.EndsWith(".parquet") => ParquetCorpusReader.ReadFileAsync(path, cancellationToken),
                _ => throw new CorpusFormatException("unknown corpus file type (expected .xml, .xml.gz, .jsonl, .jsonl.gz, .parquet)", path),
            };
            await foreach (var change in changes.ConfigureAwait(false))
                yield return change;
        }
    }

    /// <summary>Applies upserts and deletions in order and returns the final articles, first-seen order
    /// (held in memory: meant for corpus export, not for PubMed-scale indexing, which applies changes itself).</summary>
    public static async Task<List<PubmedArticle>> ResolveAsync(IAsyncEnumerable<CorpusChange> changes, CancellationToken cancellationToken = default)
    {
        var order = new List<string>();
        var latest = new Dictionary<string, PubmedArticle>(StringComparer.Ordinal);
        await foreach (var change in changes.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            switch (change)
            {
                case ArticleUpsert u:
                    if (!latest.ContainsKey(u.Article.Pmid)) order.Add(u.Article.Pmid);
                    latest[u.Article.Pmid] = u.Article;
                    break;
                case ArticleDeletion d:
                    latest.Remove(d.Pmid);
                    break;
            }
        }
        return order.Where(latest.ContainsKey).Select(p => latest[p]).ToList();
    }
}
