using SelfSpec.Retrieval.Search;
using SelfSpec.Text.Analysis;

namespace SelfSpec.Retrieval.Index;

/// <summary>Inverts a batch of documents in memory and writes them as one segment.</summary>
internal sealed class SegmentBuilder
{
    private sealed class Postings
    {
        public int[] Docs = new int[4];
        public int[] Freqs = new int[4];
        public int Count;
    }

    private readonly EnglishAnalyzer _analyzer = new();
    private readonly Dictionary<string, Postings> _terms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Postings>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly List<string> _ids = [];
    private readonly List<string> _titles = [];
    private readonly List<byte> _norms = [];
    private readonly TermHandler _onTerm;
    private long _sumTotalTermFreq;
    private int _currentDoc;
    private int _currentLength;

    public SegmentBuilder()
    {
        _lookup = _terms.GetAlternateLookup<ReadOnlySpan<char>>();
        _onTerm = OnTerm;
    }

    public int DocCount => _ids.Count;

    /// <summary>Postings entries held (a memory measure).</summary>
    public long PostingsCount { get; private set; }

    public IReadOnlyList<string> Ids => _ids;

    /// <summary>Adds a document; returns its local doc id.</summary>
    public int Add(string id, string title, string text)
    {
        _currentDoc = _ids.Count;
        _currentLength = 0;
        _analyzer.Analyze(text, _onTerm);
        _ids.Add(id);
        _titles.Add(title);
        _norms.Add(Bm25Similarity.EncodeLength(_currentLength));
        _sumTotalTermFreq += _currentLength;
        return _currentDoc;
    }

    /// <summary>Adds a document analysed elsewhere (see <see cref="AnalyzedDocument"/>); returns its local doc id.
    /// Gives exactly the postings <see cref="Add"/> gives for the same text.</summary>
    public int AddAnalyzed(string id, string title, AnalyzedDocument analyzed)
    {
        int doc = _ids.Count;
        for (int i = 0; i < analyzed.Terms.Length; i++)
        {
            var term = analyzed.Terms[i];
            if (!_terms.TryGetValue(term, out var p))
            {
                p = new Postings();
                _terms[term] = p;
            }
            if (p.Count == p.Docs.Length)
            {
                Array.Resize(ref p.Docs, p.Count * 2);
                Array.Resize(ref p.Freqs, p.Count * 2);
            }
            p.Docs[p.Count] = doc;
            p.Freqs[p.Count] = analyzed.Freqs[i];
            p.Count++;
            PostingsCount++;
        }
        _ids.Add(id);
        _titles.Add(title);
        _norms.Add(Bm25Similarity.EncodeLength(analyzed.Length));
        _sumTotalTermFreq += analyzed.Length;
        return doc;
    }

    private void OnTerm(ReadOnlySpan<char> term)
    {
        _currentLength++;
        if (!_lookup.TryGetValue(term, out var p))
        {
            p = new Postings();
            _lookup[term] = p;
        }
        if (p.Count > 0 && p.Docs[p.Count - 1] == _currentDoc)
        {
            p.Freqs[p.Count - 1]++;
            return;
        }
        if (p.Count == p.Docs.Length)
        {
            Array.Resize(ref p.Docs, p.Count * 2);
            Array.Resize(ref p.Freqs, p.Count * 2);
        }
        p.Docs[p.Count] = _currentDoc;
        p.Freqs[p.Count] = 1;
        p.Count++;
        PostingsCount++;
    }

    /// <summary>Writes the segment to <paramref name="path"/>.</summary>
    public void Write(string path, CancellationToken cancellationToken)
    {
        var norms = _norms.ToArray();
        var terms = _terms.Keys.ToArray();
        Array.Sort(terms, StringComparer.Ordinal);
        using var writer = new SegmentFileWriter(path);
        int i = 0;
        foreach (var term in terms)
        {
            if ((++i & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            var p = _terms[term];
            writer.AddTerm(term, p.Docs.AsSpan(0, p.Count), p.Freqs.AsSpan(0, p.Count), norms);
        }
        writer.Finish(norms, _ids, _titles, _sumTotalTermFreq);
    }
}
