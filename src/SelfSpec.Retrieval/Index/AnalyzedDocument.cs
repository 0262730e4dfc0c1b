using SelfSpec.Text.Analysis;

namespace SelfSpec.Retrieval.Index;

/// <summary>A document's analysed text: its distinct terms (first-occurrence order), their frequencies and its
/// length in terms. Produced on worker threads so that analysis, the costly part of indexing, runs in parallel.</summary>
internal sealed class AnalyzedDocument
{
    private AnalyzedDocument(string[] terms, int[] freqs, int length)
    {
        Terms = terms;
        Freqs = freqs;
        Length = length;
    }

    public string[] Terms { get; }

    public int[] Freqs { get; }

    public int Length { get; }

    /// <summary>Per-thread analysis state: the analyzer and an intern pool so a term's string is allocated once.</summary>
    internal sealed class Analyzer
    {
        private const int MaxPoolSize = 2_000_000;
        private readonly EnglishAnalyzer _analyzer = new();
        private readonly Dictionary<string, string> _pool = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _poolLookup;
        private readonly Dictionary<string, int> _counts = new(ReferenceEqualityComparer.Instance as IEqualityComparer<string>);
        private readonly List<string> _order = [];
        private readonly TermHandler _onTerm;
        private int _length;

        public Analyzer()
        {
            _poolLookup = _pool.GetAlternateLookup<ReadOnlySpan<char>>();
            _onTerm = OnTerm;
        }

        public AnalyzedDocument Analyze(string text)
        {
            _counts.Clear();
            _order.Clear();
            _length = 0;
            if (_pool.Count > MaxPoolSize) _pool.Clear();
            _analyzer.Analyze(text, _onTerm);
            var terms = _order.ToArray();
            var freqs = new int[terms.Length];
            for (int i = 0; i < terms.Length; i++) freqs[i] = _counts[terms[i]];
            return new AnalyzedDocument(terms, freqs, _length);
        }

        private void OnTerm(ReadOnlySpan<char> span)
        {
            _length++;
            if (!_poolLookup.TryGetValue(span, out var term))
            {
                term = span.ToString();
                _pool[term] = term;
            }
            if (_counts.TryGetValue(term, out int c)) _counts[term] = c + 1;
            else
            {
                _counts[term] = 1;
                _order.Add(term);
            }
        }
    }
}
