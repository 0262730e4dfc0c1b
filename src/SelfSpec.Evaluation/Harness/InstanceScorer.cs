using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Harness;

/// <summary>The per-instance scores, each in [0, 1].</summary>
/// <param name="F1">Max token F1 over the references.</param>
/// <param name="ExactMatch">1 if any reference matches after normalisation, else 0.</param>
/// <param name="RougeL">Max ROUGE-L F over the references.</param>
public readonly record struct InstanceScores(double F1, double ExactMatch, double RougeL);

/// <summary>
/// Scores one prediction under a <see cref="ScoringConvention"/> (default <see cref="ScoringConvention.Box"/>, In-BoXBART's
/// evaluation script): the gold strings are split as the convention says, then F1, EM and ROUGE-L F each take the max over the references.
/// </summary>
public sealed class InstanceScorer
{
    private readonly RougeTokenizer _rouge;

    /// <summary>Creates a scorer.</summary>
    /// <param name="rougeTokenizer">The ROUGE tokenizer; the paper's protocol stems (rouge_score <c>use_stemmer=True</c>).</param>
    /// <param name="convention">Normalisation and reference split; null: <see cref="ScoringConvention.Box"/>.</param>
    public InstanceScorer(RougeTokenizer rougeTokenizer, ScoringConvention? convention = null)
    {
        _rouge = rougeTokenizer;
        Convention = convention ?? ScoringConvention.Box;
    }

    /// <summary>The convention this scorer applies.</summary>
    public ScoringConvention Convention { get; }

    /// <summary>Scores <paramref name="prediction"/> against the gold strings <paramref name="gold"/> of an instance of <paramref name="dataset"/>.</summary>
    /// <param name="prediction">The cleaned model output.</param>
    /// <param name="gold">The gold strings as the source gives them (<see cref="EvalInstance.References"/>).</param>
    /// <param name="dataset">The instance's dataset (needed by <see cref="ScoringConvention.BoxListSplit"/> only).</param>
    public InstanceScores Score(string prediction, IReadOnlyList<string> gold, BenchmarkDataset? dataset = null)
    {
        var references = Convention.References(gold, dataset);
        return new(
            TokenMetrics.MaxF1(prediction, references, Convention.Normalization),
            TokenMetrics.AnyExactMatch(prediction, references, Convention.Normalization) ? 1 : 0,
            RougeL.MaxFMeasure(prediction, references, _rouge));
    }
}
