namespace SelfSpec.Evaluation.Metrics;

/// <summary>Precision, recall and F-measure of one ROUGE comparison, each in [0, 1].</summary>
/// <param name="Precision">LCS length over the prediction length.</param>
/// <param name="Recall">LCS length over the target length.</param>
/// <param name="FMeasure">2PR/(P+R), the number everybody reports.</param>
public readonly record struct RougeScore(double Precision, double Recall, double FMeasure)
{
    /// <summary>The all-zero score (an empty side).</summary>
    public static RougeScore Zero => default;

    /// <summary>Builds the score from an LCS length and the two token counts, as <c>rouge_score._score_lcs</c> does.</summary>
    public static RougeScore FromLcs(int lcs, int targetLength, int predictionLength)
    {
        if (targetLength == 0 || predictionLength == 0) return Zero;
        double p = (double)lcs / predictionLength, r = (double)lcs / targetLength;
        return new RougeScore(p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
    }
}
