using System.Security.Cryptography;
using System.Text;
using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Evaluation.Results;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Harness;

/// <summary>What a run produced: every scored prediction and the Table 1 summary.</summary>
/// <param name="Predictions">One row per (model, dataset, k, instance).</param>
/// <param name="Summary">Per-dataset, per-family and overall rows.</param>
public sealed record EvaluationResult(IReadOnlyList<PredictionRow> Predictions, IReadOnlyList<SummaryRow> Summary);

/// <summary>
/// The paper's evaluation protocol: for each model, each k and each dataset, build the k-shot prompts, generate greedily
/// in batches with the dataset's token budget, clean and score every prediction, then aggregate.
/// </summary>
public sealed class EvaluationRunner
{
    private readonly FewShotPromptBuilder _prompts;
    private readonly InstanceScorer _scorer;
    private readonly EvaluationOptions _options;

    /// <summary>Creates a runner.</summary>
    /// <param name="seeds">Seed tasks: definitions and demonstrations.</param>
    /// <param name="rougeTokenizer">ROUGE tokenizer; the paper's protocol stems with NLTK's Porter stemmer.</param>
    /// <param name="options">Shots, batch size, scoring convention.</param>
    public EvaluationRunner(SeedTaskSet seeds, RougeTokenizer rougeTokenizer, EvaluationOptions? options = null)
    {
        _options = options ?? new EvaluationOptions();
        _prompts = new FewShotPromptBuilder(seeds, _options.DemonstrationSeed);
        _scorer = new InstanceScorer(rougeTokenizer, _options.Convention);
    }

    /// <summary>Evaluates every model on every dataset at every k.</summary>
    /// <param name="models">Models to compare (typically base and specialised).</param>
    /// <param name="datasets">Instances by dataset name (names from <see cref="BenchmarkCatalog"/>).</param>
    /// <param name="progress">Receives a report after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public async Task<EvaluationResult> RunAsync(IReadOnlyList<ModelUnderTest> models,
        IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> datasets,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var benchmark = datasets.Keys.Select(BenchmarkCatalog.Get).OrderBy(d => IndexOf(d)).ToList();
        int total = models.Count * _options.Shots.Count * benchmark.Sum(d => datasets[d.Name].Count), done = 0;
        var rows = new List<PredictionRow>();
        foreach (var model in models)
        foreach (var k in _options.Shots)
        foreach (var dataset in benchmark)
        {
            var instances = datasets[dataset.Name];
            int maxNew = _options.MaxNewTokens.TryGetValue(dataset.Name, out var m) ? m : dataset.MaxNewTokens;
            for (int start = 0; start < instances.Count; start += _options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = instances.Skip(start).Take(_options.BatchSize).ToList();
                var prompts = batch.Select(i => _prompts.Build(dataset, i, k, model.Style)).ToList();
                var completions = await model.Model.CompleteAsync(prompts, maxNew, cancellationToken);
                if (completions.Count != prompts.Count)
                    throw new InvalidOperationException($"{model.Name} returned {completions.Count} completions for {prompts.Count} prompts");
                for (int j = 0; j < batch.Count; j++)
                {
                    var prediction = CompletionCleaner.Clean(completions[j]);
                    var scores = _scorer.Score(prediction, batch[j].References, dataset);
                    rows.Add(new PredictionRow
                    {
                        Dataset = dataset.Name, K = k, Model = model.Name, Role = model.Role.ToString(), Id = batch[j].Id,
                        PromptHash = PromptHash(prompts[j]), Prediction = prediction, References = batch[j].References,
                        F1 = scores.F1, ExactMatch = scores.ExactMatch, RougeL = scores.RougeL,
                    });
                }
                done += batch.Count;
                progress?.Report(new EvaluationProgress(done, total, model.Name, dataset.Name, k));
            }
        }
        return new EvaluationResult(rows, SummaryAggregator.Summarize(rows));
    }

    /// <summary>First 16 hex digits of SHA-256 over the UTF-8 prompt.</summary>
    public static string PromptHash(string prompt) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prompt)))[..16];

    private static int IndexOf(BenchmarkDataset d)
    {
        for (int i = 0; i < BenchmarkCatalog.All.Count; i++) if (BenchmarkCatalog.All[i] == d) return i;
        return int.MaxValue;
    }
}
