using SelfSpec.Evaluation.Datasets;

namespace SelfSpec.Evaluation.Metrics;

/// <summary>Which gold strings are split on <c>", "</c> into separate references before the max over references is taken.</summary>
public enum ReferenceSplit
{
    /// <summary>Every gold string, whatever the dataset: In-BoXBART's <c>str(gold).split(", ")</c>.</summary>
    EveryGold,

    /// <summary>Only the gold strings of list-valued datasets (<see cref="BenchmarkDataset.ListValued"/>).</summary>
    ListValuedDatasets,

    /// <summary>None: the references as given (Super-NaturalInstructions).</summary>
    None,
}

/// <summary>
/// How predictions are scored against gold strings: the answer normalisation of F1/EM and which gold strings are split
/// into several references (EM, F1 and ROUGE-L each take the max over the references). <see cref="Box"/> is the default
/// everywhere: the loaders keep gold strings whole and the scorer, the CLI and the report apply the convention.
/// </summary>
/// <param name="Name">The name the CLI and the report use (<c>box</c>, <c>box-list-split</c>, <c>sni</c>).</param>
/// <param name="Normalization">F1/EM answer normalisation.</param>
/// <param name="Split">Which gold strings are split on <c>", "</c>.</param>
/// <param name="Description">One sentence for reports: what produced the numbers.</param>
public sealed record ScoringConvention(string Name, AnswerNormalization Normalization, ReferenceSplit Split, string Description)
{
    /// <summary>
    /// In-BoXBART's <c>scripts/evaluation.py</c> exactly (the paper's Table 1): every gold string split on <c>", "</c>,
    /// max over the parts for EM, F1 and ROUGE-L; SQuAD normalisation with articles removed.
    /// </summary>
    public static readonly ScoringConvention Box = new("box", AnswerNormalization.Box, ReferenceSplit.EveryGold,
        "BoX convention (In-BoXBART scripts/evaluation.py): every gold string split on \", \", max over the parts for EM, F1 and ROUGE-L; SQuAD normalisation with articles removed");

    /// <summary>
    /// A deviation from In-BoXBART, never the default: BoX normalisation, but only the gold strings of list-valued datasets
    /// (BioASQ list, the NER sets, HoC) are split, so a long answer or a synonym containing <c>", "</c> stays one reference.
    /// </summary>
    public static readonly ScoringConvention BoxListSplit = new("box-list-split", AnswerNormalization.Box, ReferenceSplit.ListValuedDatasets,
        "box-list-split (deviates from In-BoXBART): only list-valued datasets' gold strings split on \", \"; SQuAD normalisation with articles removed");

    /// <summary>Super-NaturalInstructions (Tk-Instruct): references as given, SQuAD normalisation without article removal.</summary>
    public static readonly ScoringConvention Sni = new("sni", AnswerNormalization.Sni, ReferenceSplit.None,
        "Super-NaturalInstructions convention: references as given (no split); SQuAD normalisation without article removal");

    /// <summary>Every convention, the default first.</summary>
    public static IReadOnlyList<ScoringConvention> All { get; } = [Box, BoxListSplit, Sni];

    /// <summary>The convention called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No convention has that name.</exception>
    public static ScoringConvention Parse(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown scoring convention '{name}' (known: {string.Join(", ", All.Select(c => c.Name))})", nameof(name));

    /// <summary>The references a prediction is scored against: <paramref name="gold"/>, split as this convention says.</summary>
    /// <param name="gold">The gold strings as the source gives them (one answer, or synonyms).</param>
    /// <param name="dataset">The instance's dataset; needed only by <see cref="ReferenceSplit.ListValuedDatasets"/>.</param>
    /// <exception cref="ArgumentNullException">The convention splits by dataset and <paramref name="dataset"/> is null.</exception>
    public IReadOnlyList<string> References(IEnumerable<string> gold, BenchmarkDataset? dataset = null)
    {
        var split = Split switch
        {
            ReferenceSplit.EveryGold => true,
            ReferenceSplit.ListValuedDatasets => (dataset ?? throw new ArgumentNullException(nameof(dataset), $"the {Name} convention splits by dataset: name one")).ListValued,
            _ => false,
        };
        return split ? gold.SelectMany(TokenMetrics.SplitReferences).ToList() : gold.ToList();
    }
}
