namespace SelfSpec.Pipeline.Instructions;

/// <summary>The best match of a candidate text in a <see cref="ISimilarityIndex"/>.</summary>
/// <param name="Score">The similarity (ROUGE-L F in [0, 1]); 0 when the index is empty.</param>
/// <param name="Text">The most similar text; null when the index is empty.</param>
public readonly record struct SimilarityMatch(double Score, string? Text);

/// <summary>
/// The pool the novelty filter compares against (seeds plus instructions kept so far), growing one text at a time.
/// Implement it over a fast scorer (e.g. token-id LCS, parallel over the pool); <see cref="PairwiseSimilarityIndex"/>
/// adapts any pairwise similarity function.
/// </summary>
public interface ISimilarityIndex
{
    /// <summary>The number of texts in the pool.</summary>
    int Count { get; }

    /// <summary>Adds <paramref name="text"/> to the pool.</summary>
    void Add(string text);

    /// <summary>The highest similarity of <paramref name="candidate"/> to any text in the pool; ties go to the earliest added.</summary>
    SimilarityMatch FindMostSimilar(string candidate);
}

/// <summary>
/// A <see cref="ISimilarityIndex"/> over a pairwise function, e.g. the evaluation engine's ROUGE-L F-measure
/// (<c>(a, b) =&gt; score</c>, symmetric). Compares against every pool entry, optionally in parallel.
/// </summary>
public sealed class PairwiseSimilarityIndex : ISimilarityIndex
{
    private readonly Func<string, string, double> _similarity;
    private readonly List<string> _pool = [];
    private readonly int _maxDegreeOfParallelism;

    /// <summary>Creates the index; <paramref name="maxDegreeOfParallelism"/> threads score the pool (1 = sequential).</summary>
    public PairwiseSimilarityIndex(Func<string, string, double> similarity, int maxDegreeOfParallelism = 1)
    {
        _similarity = similarity ?? throw new ArgumentNullException(nameof(similarity));
        if (maxDegreeOfParallelism < 1) throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism));
        _maxDegreeOfParallelism = maxDegreeOfParallelism;
    }

    /// <inheritdoc />
    public int Count => _pool.Count;

    /// <inheritdoc />
    public void Add(string text) => _pool.Add(text ?? throw new ArgumentNullException(nameof(text)));

    /// <inheritdoc />
    public SimilarityMatch FindMostSimilar(string candidate)
    {
        if (_pool.Count == 0) return new SimilarityMatch(0, null);
        var scores = new double[_pool.Count];
        if (_maxDegreeOfParallelism == 1 || _pool.Count < 64)
            for (var i = 0; i < scores.Length; i++) scores[i] = _similarity(candidate, _pool[i]);
        else
            Parallel.For(0, scores.Length, new ParallelOptions { MaxDegreeOfParallelism = _maxDegreeOfParallelism },
                i => scores[i] = _similarity(candidate, _pool[i]));
        var best = 0;
        for (var i = 1; i < scores.Length; i++)
            if (scores[i] > scores[best]) best = i;
        return new SimilarityMatch(scores[best], _pool[best]);
    }
}
