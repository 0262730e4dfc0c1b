using SelfSpec.Evaluation.Results;
using SelfSpec.TestSupport;

namespace SelfSpec.Evaluation.Tests.Cli;

/// <summary><c>selfspec evaluate</c> on a real (tiny) Llama checkpoint with and without its PEFT adapter.</summary>
public class EvaluateModelTests
{
    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void Evaluate_runs_base_and_adapter_end_to_end_and_writes_tables_and_report()
    {
        using var dir = new TempDir();
        // a byte-level BPE within the fixture model's 320-token vocabulary
        var model = TinyLlamaModel.Create(dir.Combine("model"), File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "corpus", "demo_abstracts.jsonl")).Take(60));

        var outDir = dir.Combine("out");
        var r = SelfSpecCli.Run(["evaluate", "--model", model, "--adapter", TinyLlamaModel.FixtureAdapter, "--datasets", Paths.SharedData(),
            "--shots", "0,1", "--limit", "1", "--out", outDir], timeout: TimeSpan.FromMinutes(10));
        Assert.True(r.ExitCode == 0, r.ToString());

        var predictions = EvaluationResultsWriter.Read<PredictionRow>(Path.Combine(outDir, EvaluationResultsWriter.PredictionsFile));
        // one instance per dataset, two k values, two models
        var datasets = predictions.Select(p => p.Dataset).Distinct().Count();
        Assert.True(datasets >= 8, $"only {datasets} datasets evaluated");
        Assert.Equal(datasets * 2 * 2, predictions.Count);
        Assert.Equal(["Base", "Specialized"], predictions.Select(p => p.Role).Distinct().Order());
        Assert.All(predictions, p => Assert.InRange(p.RougeL, 0, 1));
        // the adapter changes what the model writes for at least one prompt
        var byKey = predictions.GroupBy(p => (p.Dataset, p.K, p.Id));
        Assert.Contains(byKey, g => g.Select(p => p.Prediction).Distinct().Count() > 1);
        Assert.True(File.Exists(Path.Combine(outDir, EvaluationResultsWriter.SummaryFile)));
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")) || Directory.GetFiles(outDir, "report.html", SearchOption.AllDirectories).Length > 0);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void Evaluate_takes_the_demo_eval_jsonl_and_finds_the_project_seeds_beside_it()
    {
        using var dir = new TempDir();
        var model = TinyLlamaModel.Create(dir.Combine("model"));
        var outDir = dir.Combine("out");
        var r = SelfSpecCli.Run(["evaluate", "--model", model, "--datasets", Path.Combine(Paths.RepoRoot, "data", "eval", "demo_eval.jsonl"),
            "--shots", "0,1", "--limit", "1", "--out", outDir], timeout: TimeSpan.FromMinutes(5));
        Assert.True(r.ExitCode == 0, r.ToString());
        var predictions = EvaluationResultsWriter.Read<PredictionRow>(Path.Combine(outDir, EvaluationResultsWriter.PredictionsFile));
        Assert.Equal(10 * 2, predictions.Count); // one instance of each of the ten datasets, k = 0 and 1, base only
        Assert.Equal(["bioasq-factoid-01", "ddi-01", "ncbi-disease-01"], predictions.Where(p => p.K == 1 && p.Dataset is "BioASQ-Factoid" or "DDI" or "NCBI").Select(p => p.Id).Order(StringComparer.Ordinal));

        var bad = dir.Combine("bad.jsonl");
        File.WriteAllText(bad, "{\"dataset\":\"DDI\",\"task_family\":\"relation\",\"id\":\"x\",\"instruction\":\"i\",\"input\":\"\",\"references\":[]}\n");
        var e = SelfSpecCli.Run(["evaluate", "--model", model, "--datasets", bad, "--shots", "0", "--out", dir.Combine("out2")], timeout: TimeSpan.FromMinutes(2));
        Assert.Equal(1, e.ExitCode);
        Assert.Contains("line 1, field 'references'", e.StdOut + e.StdErr);
    }
}
