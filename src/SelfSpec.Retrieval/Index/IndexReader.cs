namespace SelfSpec.Retrieval.Index;

/// <summary>A point-in-time view of an index: the segments of one manifest generation, memory-mapped.
/// Thread-safe; cheap to search from many threads. Dispose to unmap.</summary>
public sealed class IndexReader : IDisposable
{
    internal IndexReader(IndexManifest manifest, List<(SegmentReader Reader, DeletedDocs? Deleted)> segments)
    {
        Manifest = manifest;
        Segments = segments;
        DocBases = new int[segments.Count];
        int b = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            DocBases[i] = b;
            b += segments[i].Reader.DocCount;
            SumTotalTermFreq += segments[i].Reader.SumTotalTermFreq;
            DeletedDocCount += segments[i].Deleted?.Count ?? 0;
        }
        MaxDoc = b;
    }

    /// <summary>Opens the current generation of the index in <paramref name="directory"/>.</summary>
    public static IndexReader Open(string directory)
    {
        for (int attempt = 0; ; attempt++)
        {
            var manifest = IndexManifest.Load(directory);
            var opened = new List<(SegmentReader, DeletedDocs?)>();
            try
            {
                foreach (var s in manifest.Segments)
                {
                    var reader = new SegmentReader(Path.Combine(directory, s.Name + ".seg"), s.Name);
                    opened.Add((reader, null));
                    if (reader.DocCount != s.DocCount) throw new IndexFormatException("segment does not match the manifest", reader.Path);
                    var deleted = s.Deletions is null ? null : DeletedDocs.Load(Path.Combine(directory, s.Deletions), s.DocCount);
                    opened[^1] = (reader, deleted);
                }
                return new IndexReader(manifest, opened);
            }
            catch (Exception e) when (attempt < 3 && e is FileNotFoundException or IndexFormatException { InnerException: FileNotFoundException })
            {
                // A writer committed a new generation and removed files of the old one between our reads: retry.
                foreach (var (r, _) in opened) r.Dispose();
            }
            catch
            {
                foreach (var (r, _) in opened) r.Dispose();
                throw;
            }
        }
    }

    internal IReadOnlyList<(SegmentReader Reader, DeletedDocs? Deleted)> Segments { get; }

    internal int[] DocBases { get; }

    /// <summary>The manifest this view was opened from.</summary>
    public IndexManifest Manifest { get; }

    /// <summary>Documents including deleted ones not yet merged away (Lucene's maxDoc; the N of idf).</summary>
    public int MaxDoc { get; }

    /// <summary>Deleted documents still present in segments.</summary>
    public int DeletedDocCount { get; }

    /// <summary>Live documents.</summary>
    public int LiveDocCount => MaxDoc - DeletedDocCount;

    /// <summary>Sum of all documents' lengths in terms (Lucene's sumTotalTermFreq).</summary>
    public long SumTotalTermFreq { get; }

    /// <summary>Distinct terms per segment, summed (an upper bound on the vocabulary).</summary>
    public long TermCountSum => Segments.Sum(s => (long)s.Reader.TermCount);

    /// <summary>Document frequency of an analysed term across segments (deleted docs included, as in Lucene).</summary>
    public long DocFreq(ReadOnlySpan<char> term)
    {
        long df = 0;
        foreach (var (r, _) in Segments)
            if (r.TryGetTerm(term, out var info)) df += info.DocFreq;
        return df;
    }

    /// <summary>The stored id and title of a global doc id.</summary>
    public (string Id, string Title) Stored(int doc)
    {
        int s = SegmentOf(doc);
        return Segments[s].Reader.Stored(doc - DocBases[s]);
    }

    /// <summary>True if the global doc id is deleted.</summary>
    public bool IsDeleted(int doc)
    {
        int s = SegmentOf(doc);
        return Segments[s].Deleted?.IsDeleted(doc - DocBases[s]) ?? false;
    }

    private int SegmentOf(int doc)
    {
        int i = Array.BinarySearch(DocBases, doc);
        return i >= 0 ? i : ~i - 1;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (r, _) in Segments) r.Dispose();
    }
}
