namespace SelfSpec.Retrieval.Search;

/// <summary>The best k (score, doc) pairs: higher score first, lower doc id first on ties (Lucene's order).</summary>
internal sealed class TopKHeap(int k)
{
    private readonly float[] _scores = new float[k];
    private readonly int[] _docs = new int[k];
    private int _count;

    /// <summary>The score a document must beat to enter (−∞ until k documents are held).</summary>
    public double Threshold => _count < k ? double.NegativeInfinity : _scores[0];

    // Heap ordered worst-first: lower score is worse; on equal scores the higher doc id is worse.
    private bool Worse(int a, int b) => _scores[a] < _scores[b] || (_scores[a] == _scores[b] && _docs[a] > _docs[b]);

    /// <summary>Offers a document; true if it entered the top k.</summary>
    public bool Offer(float score, int doc)
    {
        if (_count < k)
        {
            _scores[_count] = score;
            _docs[_count] = doc;
            int i = _count++;
            while (i > 0)
            {
                int parent = (i - 1) >> 1;
                if (!Worse(i, parent)) break;
                Swap(i, parent);
                i = parent;
            }
            return true;
        }
        if (score < _scores[0] || (score == _scores[0] && doc > _docs[0])) return false;
        _scores[0] = score;
        _docs[0] = doc;
        int j = 0;
        while (true)
        {
            int l = 2 * j + 1, r = l + 1, m = j;
            if (l < _count && Worse(l, m)) m = l;
            if (r < _count && Worse(r, m)) m = r;
            if (m == j) break;
            Swap(j, m);
            j = m;
        }
        return true;
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_docs[a], _docs[b]) = (_docs[b], _docs[a]);
    }

    /// <summary>The held documents, best first.</summary>
    public (int[] Docs, float[] Scores) ToSorted()
    {
        var idx = Enumerable.Range(0, _count).ToArray();
        Array.Sort(idx, (a, b) => _scores[a] != _scores[b] ? _scores[b].CompareTo(_scores[a]) : _docs[a].CompareTo(_docs[b]));
        return (idx.Select(i => _docs[i]).ToArray(), idx.Select(i => _scores[i]).ToArray());
    }
}
