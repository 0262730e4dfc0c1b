using SelfSpec.Retrieval.Corpus;

namespace SelfSpec.Retrieval.Index;

/// <summary>How an <see cref="IndexWriter"/> batches and merges.</summary>
public sealed record IndexWriterOptions
{
    /// <summary>Documents buffered in memory before they are written as a segment. Default 50,000.</summary>
    public int MaxBufferedDocs { get; init; } = 50_000;

    /// <summary>When more segments than this exist at commit, the adjacent run of this many with the fewest
    /// documents is merged into one. Default 10.</summary>
    public int MergeFactor { get; init; } = 10;

    /// <summary>Threads that analyse documents in <see cref="IndexWriter.ApplyAsync"/> (0 = all cores). Documents
    /// still enter the index in input order, so the result does not depend on this.</summary>
    public int AnalysisThreads { get; init; }

    /// <summary>Start from an empty index, ignoring (but not yet deleting) the current generation; the old index
    /// keeps answering until <see cref="IndexWriter.Commit"/> switches the manifest.</summary>
    public bool Create { get; init; }
}

/// <summary>Progress of an indexing run.</summary>
/// <param name="Phase">What is happening ("indexing", "flushing", "merging", "committing", "done").</param>
/// <param name="DocumentsAdded">Documents added (or replaced) so far.</param>
/// <param name="DocumentsDeleted">Documents deleted so far.</param>
/// <param name="Segments">Segments written so far in this session.</param>
/// <param name="Source">The input being read, if known.</param>
public sealed record IndexProgress(string Phase, long DocumentsAdded, long DocumentsDeleted, int Segments, string? Source);

/// <summary>
/// The only writer of an index folder (guarded by <c>write.lock</c>). Adds, replaces (by id) and deletes
/// documents; buffers additions into immutable segments; merges segments at commit; and publishes each commit
/// by atomically replacing the manifest. Until <see cref="Commit"/> nothing it does is visible, and a crash at any
/// point leaves the last committed generation intact (unreferenced files are removed by the next writer).
/// </summary>
public sealed class IndexWriter : IDisposable
{
    private sealed class Segment(string name, SegmentReader reader, DeletedDocs? deleted, string? deletionsFile)
    {
        public string Name { get; } = name;
        public SegmentReader Reader { get; } = reader;
        public DeletedDocs? Deleted { get; set; } = deleted;
        public string? DeletionsFile { get; set; } = deletionsFile;
        public bool DeletionsChanged { get; set; }
        public int LiveDocs => Reader.DocCount - (Deleted?.Count ?? 0);
    }

    private readonly record struct Location(Segment? Segment, int Doc);

    private sealed record MergeResult(List<Segment> Inputs, DeletedDocs?[] Snapshot, Segment Merged, int[][] Maps);

    private readonly string _directory;
    private readonly IndexWriterOptions _options;
    private readonly FileStream _lock;
    private readonly List<Segment> _segments = [];
    private readonly Dictionary<string, Location> _ids = new(StringComparer.Ordinal);
    private HashSet<string> _committedFiles = new(StringComparer.Ordinal);
    private SegmentBuilder _buffer = new();
    private readonly List<int> _bufferDeletedDocs = [];
    private readonly CancellationTokenSource _closing = new();
    private Task<MergeResult>? _merge;
    private long _generation;
    private int _nextSegment;
    private bool _disposed;

    private IndexWriter(string directory, IndexWriterOptions options, FileStream writeLock)
    {
        _directory = directory;
        _options = options;
        _lock = writeLock;
    }

    /// <summary>Opens (or creates) the index in <paramref name="directory"/> for writing.</summary>
    public static IndexWriter Open(string directory, IndexWriterOptions? options = null)
    {
        options ??= new IndexWriterOptions();
        if (options.MaxBufferedDocs < 1) throw new ArgumentOutOfRangeException(nameof(options), "MaxBufferedDocs must be ≥ 1");
        if (options.MergeFactor < 2) throw new ArgumentOutOfRangeException(nameof(options), "MergeFactor must be ≥ 2");
        Directory.CreateDirectory(directory);
        FileStream writeLock;
        try
        {
            writeLock = new FileStream(Path.Combine(directory, "write.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new RetrievalException("the index is locked by another writer: " + e.Message, directory, null, e);
        }
        var writer = new IndexWriter(directory, options, writeLock);
        try
        {
            writer.Load();
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }

    private void Load()
    {
        var manifest = IndexManifest.Exists(_directory) ? IndexManifest.Load(_directory) : new IndexManifest();
        _generation = manifest.Generation;
        _nextSegment = manifest.NextSegment;
        RemoveUnreferencedFiles(manifest);
        _committedFiles = new HashSet<string>(manifest.ReferencedFiles(), StringComparer.Ordinal);
        if (_options.Create) return;
        foreach (var s in manifest.Segments)
        {
            var reader = new SegmentReader(Path.Combine(_directory, s.Name + ".seg"), s.Name);
            var deleted = s.Deletions is null ? null : DeletedDocs.Load(Path.Combine(_directory, s.Deletions), s.DocCount);
            var segment = new Segment(s.Name, reader, deleted, s.Deletions);
            _segments.Add(segment);
            for (int d = 0; d < reader.DocCount; d++)
                if (deleted?.IsDeleted(d) != true) _ids[reader.Stored(d).Id] = new Location(segment, d);
        }
    }

    /// <summary>Live documents, counting uncommitted changes.</summary>
    public int LiveDocCount => _ids.Count;

    /// <summary>Adds <paramref name="article"/>, replacing any document with the same id.</summary>
    public void Upsert(PubmedArticle article)
    {
        Delete(article.Pmid);
        int doc = _buffer.Add(article.Pmid, article.Title, article.IndexedText);
        _ids[article.Pmid] = new Location(null, doc);
        if (_buffer.DocCount >= _options.MaxBufferedDocs) Flush(CancellationToken.None);
    }

    /// <summary>Deletes the document with <paramref name="id"/>; false if there is none.</summary>
    public bool Delete(string id)
    {
        if (!_ids.Remove(id, out var location)) return false;
        if (location.Segment is null)
        {
            _bufferDeletedDocs.Add(location.Doc);
        }
        else
        {
            location.Segment.Deleted ??= new DeletedDocs(location.Segment.Reader.DocCount);
            location.Segment.Deleted.Delete(location.Doc);
            location.Segment.DeletionsChanged = true;
        }
        return true;
    }

    /// <summary>Applies a stream of changes (upserts and deletions) in order, reporting progress; does not commit.
    /// Documents are analysed in parallel batches (<see cref="IndexWriterOptions.AnalysisThreads"/>) and then
    /// added one by one in input order.</summary>
    public async Task ApplyAsync(IAsyncEnumerable<CorpusChange> changes, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        const int batchSize = 2048;
        int threads = _options.AnalysisThreads > 0 ? _options.AnalysisThreads : Environment.ProcessorCount;
        var analyzers = new System.Collections.Concurrent.ConcurrentBag<AnalyzedDocument.Analyzer>();
        var batch = new List<CorpusChange>(batchSize);
        var analyzed = new AnalyzedDocument?[batchSize];
        long added = 0, deleted = 0;
        string? source = null;

        void ApplyBatch()
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
            Parallel.For(0, batch.Count, parallel, () => analyzers.TryTake(out var a) ? a : new AnalyzedDocument.Analyzer(),
                (i, _, analyzer) =>
                {
                    analyzed[i] = batch[i] is ArticleUpsert u ? analyzer.Analyze(u.Article.IndexedText) : null;
                    return analyzer;
                },
                analyzers.Add);
            for (int i = 0; i < batch.Count; i++)
            {
                switch (batch[i])
                {
                    case ArticleUpsert u:
                        Upsert(u.Article, analyzed[i]!);
                        added++;
                        break;
                    case ArticleDeletion d:
                        if (Delete(d.Pmid)) deleted++;
                        break;
                }
                analyzed[i] = null;
            }
            source = batch[^1].Source;
            batch.Clear();
            progress?.Report(new IndexProgress("indexing", added, deleted, _segments.Count, source));
        }

        await foreach (var change in changes.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Add(change);
            if (batch.Count == batchSize) ApplyBatch();
        }
        if (batch.Count > 0) ApplyBatch();
        progress?.Report(new IndexProgress("indexing", added, deleted, _segments.Count, source));
    }

    private void Upsert(PubmedArticle article, AnalyzedDocument analyzed)
    {
        Delete(article.Pmid);
        int doc = _buffer.AddAnalyzed(article.Pmid, article.Title, analyzed);
        _ids[article.Pmid] = new Location(null, doc);
        if (_buffer.DocCount >= _options.MaxBufferedDocs) Flush(CancellationToken.None);
    }

    /// <summary>Writes buffered documents as a new (uncommitted) segment.</summary>
    public void Flush(CancellationToken cancellationToken = default)
    {
        if (_buffer.DocCount == 0) return;
        string name = $"seg_{_nextSegment++:D6}";
        _buffer.Write(Path.Combine(_directory, name + ".seg"), cancellationToken);
        var reader = new SegmentReader(Path.Combine(_directory, name + ".seg"), name);
        DeletedDocs? deleted = null;
        if (_bufferDeletedDocs.Count > 0)
        {
            deleted = new DeletedDocs(reader.DocCount);
            foreach (var d in _bufferDeletedDocs) deleted.Delete(d);
        }
        var segment = new Segment(name, reader, deleted, null) { DeletionsChanged = deleted is not null };
        _segments.Add(segment);
        var ids = _buffer.Ids;
        for (int d = 0; d < ids.Count; d++)
            if (_ids.TryGetValue(ids[d], out var loc) && loc.Segment is null && loc.Doc == d)
                _ids[ids[d]] = new Location(segment, d);
        _buffer = new SegmentBuilder();
        _bufferDeletedDocs.Clear();
        FinishBackgroundMerge(wait: false);
        StartBackgroundMerge();
    }

    // Merges the adjacent run of MergeFactor segments with the fewest documents on a background thread while
    // ingestion goes on; the result is swapped in by the writer's own thread (FinishBackgroundMerge).
    private void StartBackgroundMerge()
    {
        if (_merge is not null || _segments.Count <= _options.MergeFactor) return;
        int start = SmallestRun();
        var inputs = _segments.GetRange(start, _options.MergeFactor);
        var snapshot = inputs.Select(s => s.Deleted?.Clone()).ToArray();
        string name = $"seg_{_nextSegment++:D6}";
        var path = Path.Combine(_directory, name + ".seg");
        var token = _closing.Token;
        _merge = Task.Run(() =>
        {
            var maps = SegmentMerger.Merge(inputs.Select((s, i) => (s.Reader, snapshot[i])).ToList(), path, token);
            return new MergeResult(inputs, snapshot, new Segment(name, new SegmentReader(path, name), null, null), maps);
        }, token);
    }

    private void FinishBackgroundMerge(bool wait)
    {
        if (_merge is null || (!wait && !_merge.IsCompleted)) return;
        var task = _merge;
        _merge = null;
        var result = task.GetAwaiter().GetResult();
        var merged = result.Merged;
        for (int i = 0; i < result.Inputs.Count; i++)
        {
            var input = result.Inputs[i];
            var map = result.Maps[i];
            for (int d = 0; d < map.Length; d++)
            {
                if (map[d] < 0) continue;
                // Deleted while the merge ran: carry the deletion over to the merged segment.
                if (input.Deleted?.IsDeleted(d) == true && result.Snapshot[i]?.IsDeleted(d) != true)
                {
                    merged.Deleted ??= new DeletedDocs(merged.Reader.DocCount);
                    merged.Deleted.Delete(map[d]);
                    merged.DeletionsChanged = true;
                    continue;
                }
                var id = input.Reader.Stored(d).Id;
                if (_ids.TryGetValue(id, out var loc) && loc.Segment == input && loc.Doc == d)
                    _ids[id] = new Location(merged, map[d]);
            }
        }
        ReplaceRun(result.Inputs, merged);
    }

    private void ReplaceRun(List<Segment> inputs, Segment merged)
    {
        int start = _segments.IndexOf(inputs[0]);
        _segments.RemoveRange(start, inputs.Count);
        _segments.Insert(start, merged);
        foreach (var s in inputs)
        {
            s.Reader.Dispose();
            // Merged-away segments that no commit references are garbage right away (long builds would fill the disk).
            if (!_committedFiles.Contains(s.Name + ".seg")) TryDelete(Path.Combine(_directory, s.Name + ".seg"));
        }
    }

    /// <summary>Flushes, merges if there are too many segments, writes changed deletions, and publishes the
    /// new generation by replacing the manifest atomically. Old files are removed afterwards.</summary>
    public IndexManifest Commit(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        progress?.Report(new IndexProgress("flushing", 0, 0, _segments.Count, null));
        Flush(cancellationToken);
        FinishBackgroundMerge(wait: true);
        // Segments whose documents are all deleted are dropped.
        foreach (var empty in _segments.Where(s => s.LiveDocs == 0).ToList())
        {
            _segments.Remove(empty);
            empty.Reader.Dispose();
            if (!_committedFiles.Contains(empty.Name + ".seg")) TryDelete(Path.Combine(_directory, empty.Name + ".seg"));
        }
        while (_segments.Count > _options.MergeFactor)
        {
            progress?.Report(new IndexProgress("merging", 0, 0, _segments.Count, null));
            MergeSmallestRun(cancellationToken);
        }
        long generation = _generation + 1;
        var entries = new List<SegmentEntry>();
        foreach (var s in _segments)
        {
            if (s.DeletionsChanged && s.Deleted is not null)
            {
                s.DeletionsFile = $"{s.Name}_{generation}.del";
                s.Deleted.Save(Path.Combine(_directory, s.DeletionsFile));
                s.DeletionsChanged = false;
            }
            entries.Add(new SegmentEntry(s.Name, s.Reader.DocCount, s.DeletionsFile, s.Deleted?.Count ?? 0));
        }
        var manifest = new IndexManifest { Generation = generation, NextSegment = _nextSegment, Segments = entries };
        cancellationToken.ThrowIfCancellationRequested();
        manifest.Save(_directory);
        _generation = generation;
        _committedFiles = new HashSet<string>(manifest.ReferencedFiles(), StringComparer.Ordinal);
        RemoveUnreferencedFiles(manifest);
        progress?.Report(new IndexProgress("done", 0, 0, _segments.Count, null));
        return manifest;
    }

    /// <summary>Merges every segment into one (drops all deleted documents); takes effect at the next commit.</summary>
    public void ForceMerge(CancellationToken cancellationToken = default)
    {
        Flush(cancellationToken);
        FinishBackgroundMerge(wait: true);
        if (_segments.Count > 1 || _segments.Any(s => s.Deleted?.Count > 0)) MergeRange(0, _segments.Count, cancellationToken);
    }

    private void MergeSmallestRun(CancellationToken cancellationToken) => MergeRange(SmallestRun(), _options.MergeFactor, cancellationToken);

    private int SmallestRun()
    {
        int width = _options.MergeFactor;
        int best = 0;
        long bestSize = long.MaxValue;
        for (int i = 0; i + width <= _segments.Count; i++)
        {
            long size = 0;
            for (int j = i; j < i + width; j++) size += _segments[j].LiveDocs;
            if (size < bestSize) { bestSize = size; best = i; }
        }
        return best;
    }

    private void MergeRange(int start, int count, CancellationToken cancellationToken)
    {
        var inputs = _segments.GetRange(start, count);
        string name = $"seg_{_nextSegment++:D6}";
        var path = Path.Combine(_directory, name + ".seg");
        var maps = SegmentMerger.Merge(inputs.Select(s => (s.Reader, s.Deleted)).ToList(), path, cancellationToken);
        var merged = new Segment(name, new SegmentReader(path, name), null, null);
        for (int i = 0; i < inputs.Count; i++)
        {
            var reader = inputs[i].Reader;
            for (int d = 0; d < reader.DocCount; d++)
            {
                if (maps[i][d] < 0) continue;
                var id = reader.Stored(d).Id;
                if (_ids.TryGetValue(id, out var loc) && loc.Segment == inputs[i] && loc.Doc == d)
                    _ids[id] = new Location(merged, maps[i][d]);
            }
        }
        ReplaceRun(inputs, merged);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void RemoveUnreferencedFiles(IndexManifest manifest)
    {
        var keep = new HashSet<string>(manifest.ReferencedFiles(), StringComparer.Ordinal) { "write.lock" };
        foreach (var s in _segments) keep.Add(s.Name + ".seg");
        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            var name = Path.GetFileName(file);
            bool ours = name.StartsWith("seg_", StringComparison.Ordinal) || name.StartsWith(IndexManifest.FileName, StringComparison.Ordinal);
            if (!ours || keep.Contains(name)) continue;
            try { File.Delete(file); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Releases the lock and the segments; uncommitted changes are discarded.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _closing.Cancel();
        if (_merge is not null)
        {
            try
            {
                var r = _merge.GetAwaiter().GetResult();
                r.Merged.Reader.Dispose();
                if (!_committedFiles.Contains(r.Merged.Name + ".seg")) TryDelete(Path.Combine(_directory, r.Merged.Name + ".seg"));
            }
            catch (OperationCanceledException) { }
            _merge = null;
        }
        _closing.Dispose();
        foreach (var s in _segments) s.Reader.Dispose();
        _lock.Dispose();
    }
}
