using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Evaluation.Results;
using SelfSpec.TestSupport;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Tests.Harness;

public class EvaluationRunnerTests
{
    /// <summary>Answers every prompt with the same text; records what it was asked.</summary>
    private sealed class ConstantModel(string answer) : ICompletionModel
    {
        public List<(int Batch, int MaxNewTokens)> Calls { get; } = [];
        public List<string> Prompts { get; } = [];

        public Task<IReadOnlyList<string>> CompleteAsync(IReadOnlyList<string> prompts, int maxNewTokens, CancellationToken ct)
        {
            Calls.Add((prompts.Count, maxNewTokens));
            Prompts.AddRange(prompts);
            return Task.FromResult<IReadOnlyList<string>>(prompts.Select(_ => " " + answer + "\n\nInput: invented").ToList());
        }
    }

    private static IReadOnlyDictionary<string, IReadOnlyList<EvalInstance>> SampleData() => new Dictionary<string, IReadOnlyList<EvalInstance>>
    {
        ["BioASQ-Yesno"] = BioAsqLoader.Load(Paths.SharedData("bioasq", "bioasq8b_sample.json")).Where(i => i.Dataset == "BioASQ-Yesno").ToList(),
        ["DDI"] = DdiLoader.LoadDirectory(Paths.SharedData("ddi", "Test-DDI")),
    };

    [Fact]
    public async Task Constant_answers_score_the_label_share_of_the_data()
    {
        var data = SampleData();
        int yes = data["BioASQ-Yesno"].Count(i => i.Output == "yes");
        var seeds = SeedTaskSet.Load(Paths.SharedData("box", "BoX_instructions.json"));
        var runner = new EvaluationRunner(seeds, RougeTokenizer.Unstemmed, new EvaluationOptions { Shots = [0, 1], BatchSize = 16 });
        var sayYes = new ConstantModel("Yes");
        var sayFalse = new ConstantModel("false");
        var progress = new List<EvaluationProgress>();
        var result = await runner.RunAsync(
            [ModelUnderTest.Base("always-yes", sayYes), ModelUnderTest.Specialized("always-false", sayFalse)], data,
            new SyncProgress(progress));

        Assert.Equal(2 * 2 * (70 + 200), result.Predictions.Count);
        Row(result, "always-yes", "BioASQ-Yesno", 0, 100.0 * yes / 70);
        Row(result, "always-yes", "DDI", 1, 0);
        Row(result, "always-false", "DDI", 0, 100.0 * 160 / 200);
        Row(result, "always-false", "BioASQ-Yesno", 1, 0);
        var overall = result.Summary.Single(r => r.Scope == SummaryRow.OverallScope && r.Model == "always-false" && r.K == 0);
        Assert.Equal((0 + 80.0) / 2, overall.F1, 9);

        Assert.All(sayYes.Calls.Where(c => c.Batch > 0), c => Assert.True(c.Batch <= 16));
        Assert.Contains(sayYes.Calls, c => c.MaxNewTokens == BenchmarkCatalog.Ddi.MaxNewTokens);
        Assert.All(sayFalse.Prompts, pr => Assert.StartsWith("Below is an instruction that describes a task", pr));
        Assert.All(sayYes.Prompts, pr => Assert.StartsWith("In this task", pr));
        Assert.Equal(2 * 2 * 270, progress.Last().Done);
        Assert.Equal(progress.Last().Total, progress.Last().Done);
        Assert.All(result.Predictions, r => Assert.Equal(16, r.PromptHash.Length));
        Assert.Equal("Yes", result.Predictions.First(r => r.Model == "always-yes").Prediction);
    }

    private static void Row(EvaluationResult result, string model, string dataset, int k, double expected)
    {
        var row = result.Summary.Single(r => r.Scope == SummaryRow.DatasetScope && r.Model == model && r.Dataset == dataset && r.K == k);
        Assert.Equal(expected, row.F1, 9);
        Assert.Equal(expected, row.RougeL, 9);
        Assert.Equal(expected, row.ExactMatch, 9);
    }

    private sealed class SyncProgress(List<EvaluationProgress> sink) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value) => sink.Add(value);
    }

    [Fact]
    public async Task Cancellation_stops_between_batches()
    {
        var seeds = SeedTaskSet.Load(Paths.SharedData("box", "BoX_instructions.json"));
        var runner = new EvaluationRunner(seeds, RougeTokenizer.Unstemmed, new EvaluationOptions { Shots = [0], BatchSize = 4 });
        using var cts = new CancellationTokenSource();
        var model = new CancellingModel(cts);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunAsync([ModelUnderTest.Base("m", model)], SampleData(), null, cts.Token));
        Assert.Equal(1, model.Calls);
    }

    private sealed class CancellingModel(CancellationTokenSource cts) : ICompletionModel
    {
        public int Calls;

        public Task<IReadOnlyList<string>> CompleteAsync(IReadOnlyList<string> prompts, int maxNewTokens, CancellationToken ct)
        {
            Calls++;
            cts.Cancel();
            return Task.FromResult<IReadOnlyList<string>>(prompts.Select(_ => "x").ToList());
        }
    }
}
