using SelfSpec.Text;
namespace SelfSpec.Evaluation.Metrics;

/// <summary>
/// ROUGE-L exactly as <c>rouge_score.RougeScorer(["rougeL"]).score(target, prediction)</c> computes it:
/// rouge_score tokens (see <see cref="RougeTokenizer"/>), LCS, P = LCS/|prediction|, R = LCS/|target|.
/// </summary>
public static class RougeL
{
    /// <summary>Scores <paramref name="prediction"/> against the reference <paramref name="target"/> (reference first, as rouge_score).</summary>
    /// <param name="target">The reference text.</param>
    /// <param name="prediction">The system output.</param>
    /// <param name="tokenizer">Stemmed or unstemmed tokenizer; <see cref="RougeTokenizer.Unstemmed"/> if null.</param>
    public static RougeScore Score(string target, string prediction, RougeTokenizer? tokenizer = null)
    {
        tokenizer ??= RougeTokenizer.Unstemmed;
        var vocabulary = new TokenVocabulary();
        var t = vocabulary.Encode(tokenizer.Tokenize(target));
        var p = vocabulary.Encode(tokenizer.Tokenize(prediction));
        return RougeScore.FromLcs(Lcs.Length(t, p), t.Length, p.Length);
    }

    /// <summary>The best F-measure of <paramref name="prediction"/> over several references (BoX / SNI take the max).</summary>
    public static double MaxFMeasure(string prediction, IEnumerable<string> references, RougeTokenizer? tokenizer = null)
    {
        double best = 0;
        foreach (var reference in references)
            best = Math.Max(best, Score(reference, prediction, tokenizer).FMeasure);
        return best;
    }
}
