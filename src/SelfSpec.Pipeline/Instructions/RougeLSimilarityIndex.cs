using SelfSpec.Evaluation.Metrics;
using SelfSpec.Text;

namespace SelfSpec.Pipeline.Instructions;

/// <summary>
/// The novelty filter's pool over the evaluation engine's <see cref="RougeLPool"/>: ROUGE-L F-measure with
/// <c>rouge_score</c>'s tokenisation and no stemming (as Self-Instruct and Alpaca filter), each text tokenised once,
/// bit-parallel LCS on token ids, parallel over large pools.
/// </summary>
public sealed class RougeLSimilarityIndex : ISimilarityIndex
{
    private readonly RougeLPool _pool;
    private readonly List<string> _texts = [];

    /// <summary>Creates an empty pool; <paramref name="maxDegreeOfParallelism"/> threads score large pools (-1 = all cores).</summary>
    public RougeLSimilarityIndex(int maxDegreeOfParallelism = -1) =>
        _pool = new RougeLPool(RougeTokenizer.Unstemmed, maxDegreeOfParallelism);

    /// <inheritdoc />
    public int Count => _texts.Count;

    /// <inheritdoc />
    public void Add(string text)
    {
        _pool.Add(text);
        _texts.Add(text);
    }

    /// <inheritdoc />
    public SimilarityMatch FindMostSimilar(string candidate)
    {
        if (_texts.Count == 0) return new SimilarityMatch(0, null);
        var best = _pool.MaxAgainst(candidate);
        return best.Index < 0 ? new SimilarityMatch(0, null) : new SimilarityMatch(best.FMeasure, _texts[best.Index]);
    }
}
