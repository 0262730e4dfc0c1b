using SelfSpec.Retrieval.Index;

namespace SelfSpec.Retrieval.Search;

/// <summary>How to compute the top k.</summary>
public enum TopKAlgorithm
{
    /// <summary>Block-max MaxScore: exact, skips documents and blocks that cannot enter the top k.</summary>
    BlockMaxScore,
    /// <summary>Scores every matching document (reference for tests).</summary>
    Exhaustive,
}

/// <summary>
/// Exact BM25 top-k search over an <see cref="IndexReader"/> snapshot, scoring like Lucene 4.10's BooleanQuery
/// of SHOULD TermQuery clauses under <see cref="Bm25Similarity"/>. Thread-safe: many threads may search at once.
/// </summary>
public sealed class Bm25Searcher
{
    private readonly IndexReader _reader;
    private readonly Bm25Similarity _similarity;
    private readonly float[] _lengthCache;

    /// <summary>Creates a searcher over <paramref name="reader"/>.</summary>
    public Bm25Searcher(IndexReader reader, Bm25Similarity? similarity = null)
    {
        _reader = reader;
        _similarity = similarity ?? new Bm25Similarity();
        _lengthCache = _similarity.LengthCache(Bm25Similarity.AverageLength(reader.SumTotalTermFreq, reader.MaxDoc));
    }

    /// <summary>The snapshot searched.</summary>
    public IndexReader Reader => _reader;

    /// <summary>Searches for arbitrary <paramref name="text"/>; returns up to <paramref name="k"/> hits with
    /// p_ret = softmax(score/<paramref name="temperature"/>) over them.</summary>
    public IReadOnlyList<SearchHit> Search(string text, int k = 5, double temperature = 1.0) =>
        ToHits(TopK(Bm25Query.Parse(text), k), temperature);

    /// <summary>Searches many queries in parallel; results are in query order.</summary>
    public IReadOnlyList<IReadOnlyList<SearchHit>> SearchBatch(IReadOnlyList<string> queries, int k = 5, double temperature = 1.0,
        int threads = 0, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var results = new IReadOnlyList<SearchHit>[queries.Count];
        int done = 0;
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, queries.Count, options, i =>
        {
            results[i] = Search(queries[i], k, temperature);
            int n = Interlocked.Increment(ref done);
            if (progress is not null && (n % 64 == 0 || n == queries.Count)) progress.Report(n);
        });
        return results;
    }

    /// <summary>Turns raw top docs into hits with stored fields and p_ret.</summary>
    public IReadOnlyList<SearchHit> ToHits(TopDocs top, double temperature = 1.0)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be > 0");
        var hits = new List<SearchHit>(top.Docs.Length);
        if (top.Docs.Length == 0) return hits;
        double max = top.Scores[0];
        var weights = top.Scores.Select(s => Math.Exp((s - max) / temperature)).ToArray();
        double sum = weights.Sum();
        for (int i = 0; i < top.Docs.Length; i++)
        {
            var (id, title) = _reader.Stored(top.Docs[i]);
            hits.Add(new SearchHit(id, top.Scores[i], weights[i] / sum, title, top.Docs[i]));
        }
        return hits;
    }

    /// <summary>The exact top <paramref name="k"/> documents for <paramref name="query"/>.</summary>
    public TopDocs TopK(Bm25Query query, int k, TopKAlgorithm algorithm = TopKAlgorithm.BlockMaxScore)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be ≥ 1");
        var weights = new List<(string Term, float Weight)>();
        foreach (var qt in query.Terms)
        {
            long df = _reader.DocFreq(qt.Term);
            if (df == 0) continue;
            weights.Add((qt.Term, _similarity.TermWeight(Bm25Similarity.Idf(df, _reader.MaxDoc), qt.Count)));
        }
        var heap = new TopKHeap(k);
        long scored = 0;
        if (weights.Count > 0)
        {
            for (int s = 0; s < _reader.Segments.Count; s++)
            {
                var (segment, deleted) = _reader.Segments[s];
                var terms = new List<TermScorer>();
                for (int t = 0; t < weights.Count; t++)
                {
                    if (!segment.TryGetTerm(weights[t].Term, out var info)) continue;
                    var cursor = segment.Postings(info);
                    float weight = weights[t].Weight;
                    // The term's bound: the best of its blocks' bounds (tighter than combining the term-wide
                    // largest tf with the term-wide shortest document).
                    float upperBound = algorithm == TopKAlgorithm.Exhaustive ? 0f
                        : cursor.MaxOverBlocks((freq, norm) => Bm25Similarity.Score(weight, freq, _lengthCache[norm]));
                    terms.Add(new TermScorer(cursor, weight, t, upperBound));
                }
                if (terms.Count == 0) continue;
                scored += algorithm == TopKAlgorithm.Exhaustive
                    ? ScoreExhaustive(segment, deleted, terms, _reader.DocBases[s], heap)
                    : ScoreMaxScore(segment, deleted, terms, _reader.DocBases[s], heap);
            }
        }
        var (docs, scores) = heap.ToSorted();
        return new TopDocs(docs, scores, scored);
    }

    private sealed class TermScorer(PostingsCursor cursor, float weight, int canonical, float upperBound)
    {
        public PostingsCursor Cursor { get; } = cursor;
        public float Weight { get; } = weight;
        public int Canonical { get; } = canonical;
        public float UpperBound { get; } = upperBound;
        public float Contribution;
        public int ContributionDoc = -1;
    }

    private long ScoreExhaustive(SegmentReader segment, DeletedDocs? deleted, List<TermScorer> terms, int docBase, TopKHeap heap)
    {
        var acc = new float[segment.DocCount];
        var hit = new bool[segment.DocCount];
        foreach (var t in terms.OrderBy(t => t.Canonical))
        {
            var c = t.Cursor;
            for (int d = c.NextDoc(); d != PostingsCursor.NoMoreDocs; d = c.NextDoc())
            {
                acc[d] += Bm25Similarity.Score(t.Weight, c.Freq, _lengthCache[segment.Norm(d)]);
                hit[d] = true;
            }
        }
        long scored = 0;
        for (int d = 0; d < acc.Length; d++)
        {
            if (!hit[d] || deleted?.IsDeleted(d) == true) continue;
            scored++;
            heap.Offer(acc[d], docBase + d);
        }
        return scored;
    }

    // Relative slack so that float rounding never lets a bound fall below a score it should cover.
    private static double Inflate(double bound) => bound * (1 + 1e-5) + 1e-6;

    private long ScoreMaxScore(SegmentReader segment, DeletedDocs? deleted, List<TermScorer> terms, int docBase, TopKHeap heap)
    {
        // Order by upper bound: a prefix whose bounds sum to ≤ θ is "non-essential": a document matching only
        // those terms cannot enter the top k, so candidates come from the other ("essential") lists only.
        var sorted = terms.OrderBy(t => t.UpperBound).ToArray();
        int n = sorted.Length;
        var prefix = new double[n];
        double run = 0;
        for (int i = 0; i < n; i++) prefix[i] = run += sorted[i].UpperBound;
        var canonical = sorted.OrderBy(t => t.Canonical).ToArray();
        foreach (var t in sorted) t.Cursor.NextDoc();

        int firstEssential = 0;
        double theta = heap.Threshold;
        while (firstEssential < n && Inflate(prefix[firstEssential]) <= theta) firstEssential++;
        long scored = 0;
        var norms = segment.Norms;
        while (firstEssential < n)
        {
            int doc = PostingsCursor.NoMoreDocs;
            for (int i = firstEssential; i < n; i++)
                if (sorted[i].Cursor.Doc < doc) doc = sorted[i].Cursor.Doc;
            if (doc == PostingsCursor.NoMoreDocs) break;

            if (deleted?.IsDeleted(doc) != true)
            {
                scored++;
                float lengthNorm = _lengthCache[norms[doc]];
                double partial = 0;
                for (int i = firstEssential; i < n; i++)
                {
                    var t = sorted[i];
                    if (t.Cursor.Doc != doc) continue;
                    t.Contribution = Bm25Similarity.Score(t.Weight, t.Cursor.Freq, lengthNorm);
                    t.ContributionDoc = doc;
                    partial += t.Contribution;
                }
                bool candidate = true;
                if (firstEssential > 0)
                {
                    // Block-max check: the non-essential terms can add at most their current blocks' maxima.
                    double blockBound = 0;
                    for (int i = 0; i < firstEssential; i++)
                    {
                        var t = sorted[i];
                        if (t.Cursor.BlockFor(doc, out var block))
                            blockBound += Bm25Similarity.Score(t.Weight, block.MaxFreq, _lengthCache[block.MaxNorm]);
                    }
                    if (Inflate(partial + blockBound) <= theta) candidate = false;
                    for (int i = firstEssential - 1; candidate && i >= 0; i--)
                    {
                        if (Inflate(partial + prefix[i]) <= theta) { candidate = false; break; }
                        var t = sorted[i];
                        if (t.Cursor.Advance(doc) != doc) continue;
                        t.Contribution = Bm25Similarity.Score(t.Weight, t.Cursor.Freq, lengthNorm);
                        t.ContributionDoc = doc;
                        partial += t.Contribution;
                    }
                }
                if (candidate && Inflate(partial) > theta)
                {
                    // Final score summed in query-term order, exactly as the exhaustive scorer sums it.
                    float score = 0f;
                    foreach (var t in canonical)
                        if (t.ContributionDoc == doc) score += t.Contribution;
                    if (heap.Offer(score, docBase + doc))
                    {
                        theta = heap.Threshold;
                        while (firstEssential < n && Inflate(prefix[firstEssential]) <= theta) firstEssential++;
                    }
                }
            }
            for (int i = firstEssential; i < n; i++)
                if (sorted[i].Cursor.Doc == doc) sorted[i].Cursor.NextDoc();
        }
        return scored;
    }
}
