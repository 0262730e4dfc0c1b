using System.Collections.Concurrent;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Parquet.Writing;

namespace SelfSpec.Retrieval.Corpus;

/// <summary>
/// Writes articles as <c>corpus.parquet</c> (<see cref="CorpusRow"/> columns), streaming: rows go through a bounded
/// queue to SelfSpec.Parquet's writer on a background task, so memory stays at about one row group whatever the
/// corpus size. The file appears under its name only on <see cref="CompleteAsync"/>; disposing earlier leaves nothing.
/// </summary>
public sealed class ParquetCorpusSink : ICorpusSink
{
    private readonly BlockingCollection<CorpusRow> _queue = new(boundedCapacity: 4096);
    private readonly CancellationTokenSource _abort = new();
    private readonly Task _writer;
    private bool _completed;

    /// <summary>Opens a sink writing to <paramref name="path"/>.</summary>
    public ParquetCorpusSink(string path)
    {
        Path = path;
        var options = new ParquetWriterOptions();
        options.KeyValueMetadata["selfspec.table"] = "corpus";
        _writer = Task.Run(() => ParquetSerializer.Write(path, _queue.GetConsumingEnumerable(_abort.Token), options, _abort.Token));
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public ValueTask WriteAsync(PubmedArticle article, CancellationToken cancellationToken = default)
    {
        // A failed writer would never drain the queue: surface its error instead of blocking.
        if (_writer.IsFaulted) _writer.GetAwaiter().GetResult();
        _queue.Add(CorpusRow.From(article), cancellationToken);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        _queue.CompleteAdding();
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            _abort.Cancel();
            _queue.CompleteAdding();
            try { await _writer.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        _queue.Dispose();
        _abort.Dispose();
    }
}
