namespace SelfSpec.Retrieval.Corpus;

/// <summary>
/// PLUG-IN POINT for <c>corpus.parquet</c> (columns pmid, title, abstract, journal, year, mesh_terms list&lt;string&gt;).
/// SelfSpec.Parquet is built on another branch; once merged, implement this class with its writer (buffer rows,
/// write row groups, complete to a temp file and move it into place like <see cref="JsonlCorpusSink"/>).
/// Nothing else in SelfSpec.Retrieval needs to change: every export goes through <see cref="ICorpusSink"/>.
/// </summary>
public sealed class ParquetCorpusSink : ICorpusSink
{
    /// <summary>Creates the sink; throws until SelfSpec.Parquet is wired in.</summary>
    public ParquetCorpusSink(string path) =>
        throw new NotSupportedException($"Writing {path}: Parquet corpus output needs SelfSpec.Parquet, which is not wired in yet; write .jsonl instead.");

    /// <inheritdoc />
    public ValueTask WriteAsync(PubmedArticle article, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    /// <inheritdoc />
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
