namespace SelfSpec.Endpoints;

/// <summary>
/// RAG-token's mixture (self-specialization eq. 2) from truncated distributions: each document's server returns only
/// its next token's top-N log-probabilities, and the mixture is p(y) = Σ_j p_ret(d_j) · p_j(y) over the union of the
/// returned tokens, where a token missing from document j's top-N counts as p_j(y) = 0. That makes every mixed
/// probability a lower bound of the exact one (exact when N covers the vocabulary, or when every document returned y),
/// and the mixture sums to at most 1. Contrastive decoding (eq. 3) needs the amateur's probability of the expert's
/// candidates: there a missing token takes the upper bound min(p_j of its N-th token, 1 − Σ top-N of j), so an
/// unseen token is never rewarded for the amateur's ignorance.
/// </summary>
public static class TopNMixture
{
    /// <summary>log Σ_j exp(logWeights[j] + lp_j(y)) for every y in the union; missing tokens contribute 0.</summary>
    public static Dictionary<int, double> LowerBound(IReadOnlyList<IReadOnlyDictionary<int, double>> documents, IReadOnlyList<double> logWeights)
    {
        Check(documents, logWeights);
        var union = documents.SelectMany(d => d.Keys).ToHashSet();
        var mixed = new Dictionary<int, double>(union.Count);
        var terms = new double[documents.Count];
        foreach (var token in union)
        {
            var n = 0;
            for (var j = 0; j < documents.Count; j++)
                if (documents[j].TryGetValue(token, out var lp)) terms[n++] = logWeights[j] + lp;
            mixed[token] = LogSumExp(terms.AsSpan(0, n));
        }
        return mixed;
    }

    /// <summary>
    /// log Σ_j exp(logWeights[j] + lp_j(y)) for each of <paramref name="tokens"/>, a token missing from document j taking
    /// j's remaining-mass bound min(p of its N-th token, 1 − Σ of its top-N).
    /// </summary>
    public static Dictionary<int, double> UpperBound(IReadOnlyList<IReadOnlyDictionary<int, double>> documents, IReadOnlyList<double> logWeights,
        IEnumerable<int> tokens)
    {
        Check(documents, logWeights);
        var bounds = documents.Select(MissingBound).ToArray();
        var mixed = new Dictionary<int, double>();
        var terms = new double[documents.Count];
        foreach (var token in tokens)
        {
            for (var j = 0; j < documents.Count; j++)
                terms[j] = logWeights[j] + (documents[j].TryGetValue(token, out var lp) ? lp : bounds[j]);
            mixed[token] = LogSumExp(terms);
        }
        return mixed;
    }

    /// <summary>The log of the most a token outside <paramref name="top"/> can have: min(smallest returned p, 1 − Σ returned p).</summary>
    public static double MissingBound(IReadOnlyDictionary<int, double> top)
    {
        if (top.Count == 0) return 0;
        var smallest = top.Values.Min();
        var rest = 1 - top.Values.Sum(Math.Exp);
        return rest <= 0 ? double.NegativeInfinity : Math.Min(smallest, Math.Log(rest));
    }

    private static double LogSumExp(ReadOnlySpan<double> terms)
    {
        var max = double.NegativeInfinity;
        foreach (var t in terms) if (t > max) max = t;
        if (double.IsNegativeInfinity(max)) return max;
        var sum = 0.0;
        foreach (var t in terms) sum += Math.Exp(t - max);
        return max + Math.Log(sum);
    }

    private static void Check(IReadOnlyList<IReadOnlyDictionary<int, double>> documents, IReadOnlyList<double> logWeights)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(logWeights);
        if (documents.Count == 0 || documents.Count != logWeights.Count)
            throw new ArgumentException($"{documents.Count} documents and {logWeights.Count} weights", nameof(logWeights));
    }
}
