namespace SelfSpec.Evaluation.Metrics;

/// <summary>SQuAD-style token F1 and exact match after <see cref="AnswerNormalizer"/>, with the max over references.</summary>
public static class TokenMetrics
{
    /// <summary>Token F1 of one prediction against one reference (multiset overlap; 0 when nothing overlaps).</summary>
    public static double F1(string prediction, string reference, AnswerNormalization mode = AnswerNormalization.Box)
    {
        var pred = AnswerNormalizer.Tokens(prediction, mode);
        var gold = AnswerNormalizer.Tokens(reference, mode);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var g in gold) counts[g] = counts.GetValueOrDefault(g) + 1;
        int same = 0;
        foreach (var p in pred)
        {
            if (counts.TryGetValue(p, out var n) && n > 0)
            {
                counts[p] = n - 1;
                same++;
            }
        }
        if (same == 0) return 0;
        double precision = (double)same / pred.Count, recall = (double)same / gold.Count;
        return 2 * precision * recall / (precision + recall);
    }

    /// <summary>True when prediction and reference normalise to the same string.</summary>
    public static bool ExactMatch(string prediction, string reference, AnswerNormalization mode = AnswerNormalization.Box) =>
        AnswerNormalizer.Normalize(prediction, mode) == AnswerNormalizer.Normalize(reference, mode);

    /// <summary>The best F1 over <paramref name="references"/>.</summary>
    public static double MaxF1(string prediction, IEnumerable<string> references, AnswerNormalization mode = AnswerNormalization.Box) =>
        references.Select(r => F1(prediction, r, mode)).DefaultIfEmpty(0).Max();

    /// <summary>True if any reference matches exactly.</summary>
    public static bool AnyExactMatch(string prediction, IEnumerable<string> references, AnswerNormalization mode = AnswerNormalization.Box) =>
        references.Any(r => ExactMatch(prediction, r, mode));

    /// <summary>In-BoXBART's reference split: <c>str(gold).split(", ")</c>.</summary>
    public static string[] SplitReferences(string gold) => gold.Split(", ");
}
