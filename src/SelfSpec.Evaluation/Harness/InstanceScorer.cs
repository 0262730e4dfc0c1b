using SelfSpec.Evaluation.Metrics;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Harness;

/// <summary>The per-instance scores, each in [0, 1].</summary>
/// <param name="F1">Max token F1 over the references.</param>
/// <param name="ExactMatch">1 if any reference matches after normalisation, else 0.</param>
/// <param name="RougeL">Max ROUGE-L F over the references.</param>
public readonly record struct InstanceScores(double F1, double ExactMatch, double RougeL);

/// <summary>Scores one prediction the way In-BoXBART's evaluation script does: max over references of F1, EM and ROUGE-L F.</summary>
public sealed class InstanceScorer
{
    private readonly RougeTokenizer _rouge;
    private readonly AnswerNormalization _normalization;

    /// <summary>Creates a scorer.</summary>
    /// <param name="rougeTokenizer">The ROUGE tokenizer; the paper's protocol stems (rouge_score <c>use_stemmer=True</c>).</param>
    /// <param name="normalization">F1/EM normalisation.</param>
    public InstanceScorer(RougeTokenizer rougeTokenizer, AnswerNormalization normalization = AnswerNormalization.Box)
    {
        _rouge = rougeTokenizer;
        _normalization = normalization;
    }

    /// <summary>Scores <paramref name="prediction"/> against <paramref name="references"/>.</summary>
    public InstanceScores Score(string prediction, IReadOnlyList<string> references) => new(
        TokenMetrics.MaxF1(prediction, references, _normalization),
        TokenMetrics.AnyExactMatch(prediction, references, _normalization) ? 1 : 0,
        RougeL.MaxFMeasure(prediction, references, _rouge));
}
