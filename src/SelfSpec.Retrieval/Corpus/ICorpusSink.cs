namespace SelfSpec.Retrieval.Corpus;

/// <summary>Receives the articles of a corpus export (<c>corpus.jsonl</c>, <c>corpus.parquet</c>).</summary>
public interface ICorpusSink : IAsyncDisposable
{
    /// <summary>Writes one article.</summary>
    ValueTask WriteAsync(PubmedArticle article, CancellationToken cancellationToken = default);

    /// <summary>Finishes the file (flushes, writes any footer, moves it into place). Call once after the last article.</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken = default);
}

/// <summary>Creates the sink that matches an output file name.</summary>
public static class CorpusSinks
{
    /// <summary><c>.jsonl</c> → <see cref="JsonlCorpusSink"/>, <c>.parquet</c> → <see cref="ParquetCorpusSink"/>.</summary>
    public static ICorpusSink Create(string path) =>
        path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? new ParquetCorpusSink(path) : new JsonlCorpusSink(path);

    /// <summary>Streams <paramref name="articles"/> into <paramref name="sink"/> and completes it; returns the count.</summary>
    public static async Task<long> WriteAllAsync(ICorpusSink sink, IEnumerable<PubmedArticle> articles, CancellationToken cancellationToken = default)
    {
        long n = 0;
        foreach (var a in articles)
        {
            await sink.WriteAsync(a, cancellationToken).ConfigureAwait(false);
            n++;
        }
        await sink.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return n;
    }
}
