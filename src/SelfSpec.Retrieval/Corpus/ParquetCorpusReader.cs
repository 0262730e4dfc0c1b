using SelfSpec.Parquet;
using SelfSpec.Parquet.Serialization;

namespace SelfSpec.Retrieval.Corpus;

/// <summary>Reads a <c>corpus.parquet</c> (the <see cref="CorpusRow"/> schema, as <see cref="ParquetCorpusSink"/> writes it) as upserts.</summary>
public static class ParquetCorpusReader
{
    /// <summary>Streams the articles of <paramref name="path"/>, one row group at a time.</summary>
    public static async IAsyncEnumerable<CorpusChange> ReadFileAsync(string path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        IEnumerator<CorpusRow> rows;
        try
        {
            rows = ParquetSerializer.ReadStream<CorpusRow>(path, cancellationToken).GetEnumerator();
        }
        catch (ParquetFormatException e)
        {
            throw new CorpusFormatException($"not a corpus.parquet (columns pmid, title, abstract, journal, year, mesh_terms): {e.Message}", path);
        }
        using (rows)
        {
            while (true)
            {
                bool more;
                try { more = rows.MoveNext(); }
                catch (ParquetFormatException e) { throw new CorpusFormatException(e.Message, path); }
                if (!more) break;
                yield return new ArticleUpsert(rows.Current.ToArticle()) { Source = path };
                if (cancellationToken.IsCancellationRequested) break;
            }
        }
        await Task.CompletedTask.ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
