namespace SelfSpec.Evaluation.Datasets;

/// <summary>One evaluation item in BoX form: the input the model sees and the gold output(s). The task definition
/// comes from the seed task of the dataset (see <see cref="Prompting.SeedTask"/>).</summary>
/// <param name="Dataset">Benchmark dataset name, one of <see cref="BenchmarkCatalog"/>'s (e.g. "BioASQ-Factoid").</param>
/// <param name="Id">Stable id inside the dataset (question id, PMID, sentence index, pair id).</param>
/// <param name="Input">The BoX input text.</param>
/// <param name="Output">The BoX gold output string.</param>
/// <param name="References">The gold strings as the source gives them: one answer, or several synonyms. They are not split
/// here: the <see cref="Metrics.ScoringConvention"/> decides which are split on <c>", "</c> before the max over references.</param>
/// <param name="Instruction">The task definition the source gives with the instance (BoX-form JSONL rows carry one); null: the dataset's seed task definition is used.</param>
public sealed record EvalInstance(string Dataset, string Id, string Input, string Output, IReadOnlyList<string> References, string? Instruction = null);
