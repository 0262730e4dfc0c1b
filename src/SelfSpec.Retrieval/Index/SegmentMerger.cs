namespace SelfSpec.Retrieval.Index;

/// <summary>Merges adjacent segments into one, dropping deleted documents and keeping doc order.</summary>
internal static class SegmentMerger
{
    /// <summary>Writes the merge of <paramref name="inputs"/> to <paramref name="path"/>; returns, per input,
    /// the new doc id of each old doc (−1 for deleted ones).</summary>
    public static int[][] Merge(IReadOnlyList<(SegmentReader Reader, DeletedDocs? Deleted)> inputs, string path, CancellationToken cancellationToken)
    {
        var docMaps = new int[inputs.Count][];
        var norms = new List<byte>();
        var ids = new List<string>();
        var titles = new List<string>();
        int next = 0;
        for (int s = 0; s < inputs.Count; s++)
        {
            var (reader, deleted) = inputs[s];
            var map = docMaps[s] = new int[reader.DocCount];
            for (int d = 0; d < reader.DocCount; d++)
            {
                if (deleted?.IsDeleted(d) == true)
                {
                    map[d] = -1;
                    continue;
                }
                map[d] = next++;
                norms.Add(reader.Norm(d));
                var (id, title) = reader.Stored(d);
                ids.Add(id);
                titles.Add(title);
            }
        }
        var normArray = norms.ToArray();

        // k-way merge of the sorted term dictionaries.
        var queue = new PriorityQueue<(int Segment, int Ordinal), string>(StringComparer.Ordinal);
        for (int s = 0; s < inputs.Count; s++)
            if (inputs[s].Reader.TermCount > 0) queue.Enqueue((s, 0), inputs[s].Reader.Term(0));

        using var writer = new SegmentFileWriter(path);
        var docs = new List<int>();
        var freqs = new List<int>();
        var sources = new List<(int Segment, int Ordinal)>();
        long sumTotalTermFreq = 0;
        int terms = 0;
        while (queue.TryPeek(out _, out var term))
        {
            if ((++terms & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            sources.Clear();
            while (queue.TryPeek(out var top, out var t) && t == term)
            {
                queue.Dequeue();
                sources.Add(top);
                var reader = inputs[top.Segment].Reader;
                if (top.Ordinal + 1 < reader.TermCount) queue.Enqueue((top.Segment, top.Ordinal + 1), reader.Term(top.Ordinal + 1));
            }
            sources.Sort((a, b) => a.Segment.CompareTo(b.Segment));
            docs.Clear();
            freqs.Clear();
            foreach (var (s, ord) in sources)
            {
                var cursor = inputs[s].Reader.Postings(inputs[s].Reader.Info(ord));
                var map = docMaps[s];
                for (int d = cursor.NextDoc(); d != PostingsCursor.NoMoreDocs; d = cursor.NextDoc())
                {
                    int nd = map[d];
                    if (nd < 0) continue;
                    docs.Add(nd);
                    freqs.Add(cursor.Freq);
                    sumTotalTermFreq += cursor.Freq;
                }
            }
            if (docs.Count > 0)
                writer.AddTerm(term, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(docs),
                    System.Runtime.InteropServices.CollectionsMarshal.AsSpan(freqs), normArray);
        }
        writer.Finish(normArray, ids, titles, sumTotalTermFreq);
        return docMaps;
    }
}
