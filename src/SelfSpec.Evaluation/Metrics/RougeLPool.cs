using SelfSpec.Text;
namespace SelfSpec.Evaluation.Metrics;

/// <summary>The most similar pool entry for a candidate.</summary>
/// <param name="Index">Position of the entry in the pool (order of <see cref="RougeLPool.Add"/>), or -1 for an empty pool.</param>
/// <param name="FMeasure">ROUGE-L F-measure of the candidate against that entry.</param>
public readonly record struct PoolMatch(int Index, double FMeasure);

/// <summary>
/// A growing pool of texts (seed instructions plus every instruction kept so far) against which candidates are scored
/// with ROUGE-L F, the novelty filter of Self-Instruct/Alpaca (reject when the max over the pool exceeds 0.7).
/// Each text is tokenised once to ids; a candidate becomes bit-parallel LCS masks once and is compared with every
/// entry, in parallel over the pool, skipping entries whose length alone cannot beat the bound being looked for.
/// </summary>
/// <remarks>
/// Queries may run concurrently with each other; <see cref="Add"/> and <see cref="TryAddIfNovel"/> must not run
/// concurrently with anything else (the filter is sequential by definition: each decision depends on the last).
/// </remarks>
public sealed class RougeLPool
{
    private const int ParallelThreshold = 2048;
    private readonly RougeTokenizer _tokenizer;
    private readonly TokenVocabulary _vocabulary = new();
    private readonly List<int[]> _entries = new();
    private readonly int _maxDegreeOfParallelism;
    private ulong[] _denseMasks = [];

    /// <summary>Creates an empty pool.</summary>
    /// <param name="tokenizer">Tokenizer for entries and candidates; filtering uses <see cref="RougeTokenizer.Unstemmed"/> (the default).</param>
    /// <param name="maxDegreeOfParallelism">Worker threads for large pools; -1 lets the runtime decide.</param>
    public RougeLPool(RougeTokenizer? tokenizer = null, int maxDegreeOfParallelism = -1)
    {
        _tokenizer = tokenizer ?? RougeTokenizer.Unstemmed;
        _maxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <summary>Number of texts in the pool.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds <paramref name="text"/> and returns its index.</summary>
    public int Add(string text)
    {
        _entries.Add(_vocabulary.Encode(_tokenizer.Tokenize(text)));
        return _entries.Count - 1;
    }

    /// <summary>Adds every text of <paramref name="texts"/>.</summary>
    public void AddRange(IEnumerable<string> texts)
    {
        foreach (var t in texts) Add(t);
    }

    /// <summary>The pool entry with the highest ROUGE-L F against <paramref name="candidate"/> (lowest index on ties).</summary>
    public PoolMatch MaxAgainst(string candidate) => Search(Encode(candidate), stopAbove: double.PositiveInfinity, skipAtOrBelow: -1);

    /// <summary>
    /// Adds <paramref name="candidate"/> when no entry scores above <paramref name="threshold"/> (Alpaca: 0.7; equal passes).
    /// Only the decision is exact: scanning stops at the first entry above the threshold (then <paramref name="best"/> is
    /// that entry), and entries whose length alone keeps them at or below the threshold are not scored (so when the
    /// candidate is kept, <paramref name="best"/> is the most similar of the scored entries, or index -1). Use
    /// <see cref="ScoreAll"/> for the full neighbourhood.
    /// </summary>
    public bool TryAddIfNovel(string candidate, double threshold, out PoolMatch best)
    {
        var tokens = _tokenizer.Tokenize(candidate);
        best = Search(_vocabulary.EncodeKnown(tokens), stopAbove: threshold, skipAtOrBelow: threshold);
        if (best.FMeasure > threshold) return false;
        _entries.Add(_vocabulary.Encode(tokens));
        return true;
    }

    /// <summary>ROUGE-L F of <paramref name="candidate"/> against every entry, in pool order (for top-k neighbours and mean similarity).</summary>
    public double[] ScoreAll(string candidate)
    {
        var ids = Encode(candidate);
        var scores = new double[_entries.Count];
        if (ids.Length == 0) return scores;
        var pattern = PatternMasks.Build(ids);
        Run(0, _entries.Count, (from, to) =>
        {
            for (int i = from; i < to; i++)
            {
                var entry = _entries[i];
                scores[i] = RougeScore.FromLcs(pattern.LcsWith(entry), entry.Length, ids.Length).FMeasure;
            }
        });
        return scores;
    }

    /// <summary>
    /// The <paramref name="k"/> most similar entries, most similar first (ties by index), and the mean F over the whole pool:
    /// what Self-Instruct stores beside each kept instruction.
    /// </summary>
    public (IReadOnlyList<PoolMatch> Nearest, double MeanFMeasure) Neighbours(string candidate, int k = 10)
    {
        var scores = ScoreAll(candidate);
        var nearest = scores.Select((f, i) => new PoolMatch(i, f)).OrderByDescending(m => m.FMeasure).ThenBy(m => m.Index).Take(k).ToList();
        return (nearest, scores.Length == 0 ? 0 : scores.Average());
    }

    private int[] Encode(string text) => _vocabulary.EncodeKnown(_tokenizer.Tokenize(text));

    private PoolMatch Search(int[] ids, double stopAbove, double skipAtOrBelow)
    {
        if (_entries.Count == 0 || ids.Length == 0) return new PoolMatch(_entries.Count == 0 ? -1 : 0, 0);
        // Candidates of up to 64 tokens (nearly every instruction) use a dense id → mask table: one array load per token.
        bool dense = ids.Length <= 64;
        var pattern = dense ? null : PatternMasks.Build(ids);
        if (dense)
        {
            if (_denseMasks.Length < _vocabulary.Count) _denseMasks = new ulong[Math.Max(_vocabulary.Count, _denseMasks.Length * 2)];
            for (int i = 0; i < ids.Length; i++)
                if (ids[i] >= 0) _denseMasks[ids[i]] |= 1UL << i;
        }
        try
        {
            return SearchEntries(ids, pattern, stopAbove, skipAtOrBelow);
        }
        finally
        {
            if (dense)
                foreach (var id in ids)
                    if (id >= 0) _denseMasks[id] = 0;
        }
    }

    private PoolMatch SearchEntries(int[] ids, PatternMasks? pattern, double stopAbove, double skipAtOrBelow)
    {
        var masks = _denseMasks;
        var gate = new object();
        var best = new PoolMatch(0, -1);
        var stop = 0;
        Run(0, _entries.Count, (from, to) =>
        {
            var local = new PoolMatch(-1, -1);
            for (int i = from; i < to && Volatile.Read(ref stop) == 0; i++)
            {
                var entry = _entries[i];
                if (entry.Length == 0) continue;
                // F = 2·LCS/(m+n) ≤ 2·min(m,n)/(m+n): skip entries that cannot beat what we already hold.
                double bound = 2.0 * Math.Min(entry.Length, ids.Length) / (entry.Length + ids.Length);
                if (bound <= local.FMeasure || bound <= skipAtOrBelow) continue;
                int lcs = pattern?.LcsWith(entry) ?? PatternMasks.LcsSingleWord(masks, ids.Length, entry);
                double f = RougeScore.FromLcs(lcs, entry.Length, ids.Length).FMeasure;
                if (f > local.FMeasure) local = new PoolMatch(i, f);
                if (f > stopAbove) Volatile.Write(ref stop, 1);
            }
            if (local.Index < 0) return;
            lock (gate)
            {
                if (local.FMeasure > best.FMeasure || (local.FMeasure == best.FMeasure && local.Index < best.Index))
                    best = local;
            }
        });
        return best.FMeasure < 0 ? new PoolMatch(skipAtOrBelow >= 0 ? -1 : 0, 0) : best;
    }

    private void Run(int from, int to, Action<int, int> body)
    {
        int count = to - from;
        if (count < ParallelThreshold || _maxDegreeOfParallelism == 1)
        {
            body(from, to);
            return;
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism };
        int chunk = Math.Max(512, count / (Environment.ProcessorCount * 4));
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(from, to, chunk), options, range => body(range.Item1, range.Item2));
    }
}
