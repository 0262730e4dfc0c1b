using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Llm.Generation;
using SelfSpec.Llm.Lora;
using SelfSpec.Llm.Models;
using SelfSpec.Llm.Prompting;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Pipeline.Artifacts;
using SelfSpec.Pipeline.Evaluation;
using SelfSpec.Pipeline.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Text;
using SelfSpec.Torch;
using SelfSpec.Training.Logging;
using SelfSpec.Workflows.Definitions;
using SelfSpec.Workflows.Persistence;
using static SelfSpec.Pipeline.Tests.Support.PipelineHost;

namespace SelfSpec.Pipeline.Tests;

/// <summary>
/// The tiny model with a tokenizer, six rows of the demo eval set (two each of BioASQ factoid, DDI and HoC), and small
/// run artifacts for the report: a filter funnel of 5 parsed items (1 too short, 2 too similar, 2 kept) and a 4-step loss log.
/// </summary>
public sealed class EvaluateFixture : IDisposable
{
    public static readonly string[] Datasets = ["BioASQ-factoid", "DDI", "HoC"];

    public EvaluateFixture()
    {
        ModelDirectory = TinyLlamaModel.Create(Dir.Combine("model"));
        Rows = File.ReadLines(Path.Combine(Paths.RepoRoot, "data", "eval", "demo_eval.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
            .GroupBy(r => r["dataset"]!.ToString()).Where(g => Datasets.Contains(g.Key)).SelectMany(g => g.Take(2)).ToList();
        EvalPath = Dir.Combine("eval.jsonl");
        File.WriteAllLines(EvalPath, Rows.Select(r => r.ToJsonString()));

        RawPath = Dir.Combine("instructions_raw.parquet");
        ParquetSerializer.Write(RawPath, new[]
        {
            new InstructionRawRow(0, ["seed-001"], "…", false, ["a b c d", "x", "e f g h"], ["", "", ""], ["1", "2", "3"], [], []),
            new InstructionRawRow(1, ["seed-002"], "…", false, ["e f g h i", "a b c d e"], ["", ""], ["4", "5"], [], []),
        });
        KeptPath = Dir.Combine("instructions.parquet");
        ParquetSerializer.Write(KeptPath, new[] { new InstructionRow("inst-000001", 0, "a b c d", "", 0.1, null), new InstructionRow("inst-000002", 0, "e f g h", "", 0.2, null) });
        RejectedPath = Dir.Combine("instructions_rejected.parquet");
        ParquetSerializer.Write(RejectedPath, new[]
        {
            new RejectedInstructionRow(0, 1, "x", "", "too_short", "1 word", null, null),
            new RejectedInstructionRow(1, 0, "e f g h i", "", "too_similar", "", 0.9, "e f g h"),
            new RejectedInstructionRow(1, 1, "a b c d e", "", "too_similar", "", 0.9, "a b c d"),
        });
        var logFormat = new ParquetTrainingLog();
        using (var log = logFormat.Open(Dir.FullPath, 0))
            foreach (var (step, loss) in new[] { (1, 3.0), (2, 2.5), (3, 2.0), (4, 1.8) })
                log.Append(new TrainingLogEntry(step, 1, loss, 3e-4, 1.0, 100));
        TrainingLogPath = Dir.Combine(logFormat.FileName);
    }

    public TempDir Dir { get; } = new("selfspec-evaluate-");
    public string ModelDirectory { get; }
    public List<JsonObject> Rows { get; }
    public string EvalPath { get; }
    public string RawPath { get; }
    public string KeptPath { get; }
    public string RejectedPath { get; }
    public string TrainingLogPath { get; }

    public void Dispose() => Dir.Dispose();
}

/// <summary>Evaluate run through the workflow runtime (after IngestSeeds) on the tiny model, with and without an adapter.</summary>
public sealed class EvaluateTests(EvaluateFixture fixture) : IClassFixture<EvaluateFixture>
{
    private static string SeedsFile => Path.Combine(Paths.RepoRoot, "data", "seeds", "biomedical_seeds.jsonl");

    private static readonly string[] OutputNames = ["predictions", "summary", "report", "reportHtml", "predictionCount"];

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task Base_and_adapter_at_two_k_write_scored_predictions_summary_and_the_report()
    {
        using var host = new PipelineHost();
        var result = await host.RunChainAsync(
            ("seeds", "SelfSpec.IngestSeeds", [("seedsPath", Lit(SeedsFile, "String"))], ["seeds"]),
            ("eval", "SelfSpec.Evaluate",
            [
                ("model", Lit(fixture.ModelDirectory, "String")), ("adapter", Lit(TinyLlamaModel.FixtureAdapter, "String")),
                ("dataset", Lit(fixture.EvalPath, "String")), ("seeds", Var("seeds")), ("shots", Lit("0,1", "String")),
                ("instructionsRaw", ArtifactInput(fixture.RawPath)), ("instructions", ArtifactInput(fixture.KeptPath)),
                ("rejected", ArtifactInput(fixture.RejectedPath)), ("trainingLog", ArtifactInput(fixture.TrainingLogPath)),
                ("isDemonstrationModel", Lit(true)),
            ], OutputNames));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));

        // eval_predictions.parquet through DuckDB: 6 instances × 2 k × 2 models
        var predictions = DuckDb.Inspect(ArtifactPath(result, "eval", "predictions"));
        Assert.Equal(["dataset", "k", "model", "role", "id", "prompt_hash", "prediction", "references", "f1", "em", "rougeL"], DuckDb.ColumnNames(predictions));
        var rows = DuckDb.Rows(predictions);
        Assert.Equal(6 * 2 * 2, rows.Count);
        Assert.Equal(6 * 2 * 2, Outputs(result, "eval")["predictionCount"]!.GetValue<int>());
        Assert.Equal(["model", "model+tiny-lora"], rows.Select(r => r["model"]!.ToString()).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["BioASQ-Factoid", "DDI", "HoC"], rows.Select(r => r["dataset"]!.ToString()).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal("SelfSpec.Evaluate", DuckDb.KeyValues(predictions)[ArtifactMetadata.ActivityKey]);

        // Every score is what the metric code gives for the stored prediction and references.
        foreach (var r in rows)
        {
            var prediction = r["prediction"]!.ToString();
            var references = r["references"]!.AsArray().Select(x => x!.ToString()).ToList();
            Assert.Equal(TokenMetrics.MaxF1(prediction, references), r["f1"]!.GetValue<double>(), 12);
            Assert.Equal(RougeL.MaxFMeasure(prediction, references, RougeTokenizer.Stemmed), r["rougeL"]!.GetValue<double>(), 12);
        }

        // eval_summary.parquet: per (model, k) three datasets, three one-dataset family averages and the overall average
        var summary = DuckDb.Inspect(ArtifactPath(result, "eval", "summary"));
        Assert.Equal(["scope", "model", "role", "family", "dataset", "k", "count", "f1", "em", "rougeL"], DuckDb.ColumnNames(summary));
        var summaryRows = DuckDb.Rows(summary);
        Assert.Equal(2 * 2 * (3 + 3 + 1), summaryRows.Count);
        foreach (var s in summaryRows.Where(s => s["scope"]!.ToString() == "dataset"))
        {
            var mine = rows.Where(r => r["model"]!.ToString() == s["model"]!.ToString() && r["dataset"]!.ToString() == s["dataset"]!.ToString()
                                       && r["k"]!.GetValue<int>() == s["k"]!.GetValue<int>()).ToList();
            Assert.Equal(2, mine.Count);
            Assert.Equal(100 * mine.Average(r => r["f1"]!.GetValue<double>()), s["f1"]!.GetValue<double>(), 9);
        }

        // Two predictions checked by an independent path: the prompt written out here, greedy generation called directly.
        var ddi = fixture.Rows.First(r => r["dataset"]!.ToString() == "DDI");
        var plainPrompt = ddi["instruction"] + "\n\nInput: " + ddi["input"] + "\nOutput:";
        AssertPredictedDirectly(rows, "DDI", ddi["id"]!.ToString(), "Base", plainPrompt, adapter: null, maxNewTokens: 4);
        var factoid = fixture.Rows.First(r => r["dataset"]!.ToString() == "BioASQ-factoid");
        var alpacaPrompt = AlpacaTemplate.Format(factoid["instruction"]!.ToString(), factoid["input"]!.ToString());
        AssertPredictedDirectly(rows, "BioASQ-Factoid", factoid["id"]!.ToString(), "Specialized", alpacaPrompt, TinyLlamaModel.FixtureAdapter, maxNewTokens: 32);

        // The report: the demonstration notice first, then the tables, the funnel (5 → 4 → 2 → kept 2) and the loss curve.
        var md = File.ReadAllText(ArtifactPath(result, "eval", "report"));
        var notice = md.IndexOf(Evaluate.DemonstrationNotice, StringComparison.Ordinal);
        Assert.InRange(notice, 0, md.IndexOf("## F1", StringComparison.Ordinal));
        Assert.Contains("## Instruction filter funnel", md);
        Assert.Contains("| parsed items | 5 | 100.0% |", md);
        Assert.Contains("- instructions: 2 prompts → 5 items parsed → 2 kept", md);
        Assert.Contains("| − too short | 4 | 80.0% |", md);
        Assert.Contains("| − too similar | 2 | 40.0% |", md);
        Assert.Contains("| kept | 2 | 40.0% |", md);
        Assert.Contains("## Training loss\n\n4 points, step 1 → 4: loss 3.000 → 1.800.", md);
        var html = File.ReadAllText(ArtifactPath(result, "eval", "reportHtml"));
        Assert.Contains("<p class=\"notice\" role=\"note\">", html);
        Assert.Contains("class=\"chart funnel\"", html);
        Assert.Contains("class=\"chart loss\"", html);
    }

    [Fact]
    public async Task Base_model_alone_at_zero_shots_needs_no_seeds_and_reports_no_extras()
    {
        using var host = new PipelineHost();
        var result = await host.RunChainAsync(("eval", "SelfSpec.Evaluate",
            [("model", Lit(fixture.ModelDirectory, "String")), ("dataset", Lit(fixture.EvalPath, "String")), ("shots", Lit("0", "String")), ("batchSize", Lit(4))],
            OutputNames));
        Assert.True(result.Status == WorkflowStatus.Finished, result.Error + string.Join("\n", result.Records.Select(r => r.Error)));
        var rows = DuckDb.Rows(DuckDb.Inspect(ArtifactPath(result, "eval", "predictions")));
        Assert.Equal(6, rows.Count);
        Assert.All(rows, r => Assert.Equal("Base", r["role"]!.ToString()));
        var md = File.ReadAllText(ArtifactPath(result, "eval", "report"));
        Assert.DoesNotContain(Evaluate.DemonstrationNotice, md);
        Assert.DoesNotContain("## Instruction filter funnel", md);
        Assert.DoesNotContain("## Training loss", md);
    }

    [Fact]
    public async Task Shots_above_zero_without_seeds_fail_naming_the_field()
    {
        using var host = new PipelineHost();
        var result = await host.RunChainAsync(("eval", "SelfSpec.Evaluate",
            [("model", Lit(fixture.ModelDirectory, "String")), ("dataset", Lit(fixture.EvalPath, "String")), ("shots", Lit("0,1", "String"))], OutputNames));
        Assert.Equal(WorkflowStatus.Faulted, result.Status);
        Assert.Contains("field 'seeds'", result.Records.Single().Error);
    }

    private void AssertPredictedDirectly(List<JsonObject> rows, string dataset, string id, string role, string prompt, string? adapter, int maxNewTokens)
    {
        var row = rows.Single(r => r["dataset"]!.ToString() == dataset && r["id"]!.ToString() == id && r["role"]!.ToString() == role && r["k"]!.GetValue<int>() == 0);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(prompt)))[..16], row["prompt_hash"]!.ToString());
        var tokenizer = HuggingFaceTokenizer.TryLoad(fixture.ModelDirectory)!;
        using var model = LlamaModel.Load(fixture.ModelDirectory);
        using var lora = adapter == null ? null : LoraAdapter.Load(adapter, model.Config, DType.Float32);
        var generated = new TextGenerator(model, tokenizer).Generate([tokenizer.Encode(prompt)],
            new GenerationOptions { MaxNewTokens = maxNewTokens, Sampling = SamplingOptions.GreedyDecoding }, lora)[0];
        var text = generated.Text ?? tokenizer.Decode(generated.TokenIds);
        Assert.True(text.Length > 0, "the model generated nothing, which would make this check vacuous");
        Assert.Equal(CompletionCleaner.Clean(text), row["prediction"]!.ToString());
    }
}
