using SelfSpec.Evaluation.Results;
using SelfSpec.TestSupport;

namespace SelfSpec.Evaluation.Tests.Harness;

public class ResultsWriterTests
{
    [Fact]
    public async Task Predictions_and_summary_open_in_DuckDB_with_the_documented_columns()
    {
        using var dir = new TempDir();
        var predictions = new[]
        {
            new PredictionRow { Dataset = "DDI", K = 0, Model = "demo", Role = "Base", Id = "d1", PromptHash = "00ff", Prediction = "true", References = ["true"], F1 = 1, ExactMatch = 1, RougeL = 1 },
            new PredictionRow { Dataset = "HoC", K = 5, Model = "demo+adapter", Role = "Specialized", Id = "h7", PromptHash = "abcd", Prediction = "", References = ["Inducing angiogenesis", "Activating invasion and metastasis"], F1 = 0, ExactMatch = 0, RougeL = 0.25 },
        };
        var summary = new[]
        {
            new SummaryRow { Scope = SummaryRow.DatasetScope, Model = "demo", Role = "Base", Family = "RE", Dataset = "DDI", K = 0, Count = 1, F1 = 100, ExactMatch = 100, RougeL = 100 },
        };
        var writer = new EvaluationResultsWriter();
        writer.Metadata["selfspec.workflow"] = "evaluate";
        var (p, s) = await writer.WriteAsync(dir.FullPath, predictions, summary);

        var doc = DuckDb.Inspect(p);
        Assert.Equal(["dataset", "k", "model", "role", "id", "prompt_hash", "prediction", "references", "f1", "em", "rougeL"], DuckDb.ColumnNames(doc));
        var rows = DuckDb.Rows(doc);
        Assert.Equal(2, rows.Count);
        Assert.Equal("HoC", rows[1]["dataset"]!.ToString());
        Assert.Equal(5, (int)rows[1]["k"]!);
        Assert.Equal("", rows[1]["prediction"]!.ToString());
        Assert.Equal(["Inducing angiogenesis", "Activating invasion and metastasis"], rows[1]["references"]!.AsArray().Select(x => x!.ToString()));
        Assert.Equal(0.25, (double)rows[1]["rougeL"]!);
        Assert.Equal("evaluate", DuckDb.KeyValues(doc)["selfspec.workflow"]);
        Assert.Equal("eval_predictions", DuckDb.KeyValues(doc)["selfspec.table"]);

        var sdoc = DuckDb.Inspect(s);
        Assert.Equal(100.0, (double)DuckDb.Rows(sdoc)[0]["f1"]!);
        // and our own reader gives back what was written
        Assert.Equal(predictions, EvaluationResultsWriter.Read<PredictionRow>(p), new PredictionComparer());
    }

    private sealed class PredictionComparer : IEqualityComparer<PredictionRow>
    {
        public bool Equals(PredictionRow? a, PredictionRow? b) =>
            a!.Dataset == b!.Dataset && a.K == b.K && a.Id == b.Id && a.Prediction == b.Prediction && a.References.SequenceEqual(b.References) && a.RougeL == b.RougeL;

        public int GetHashCode(PredictionRow r) => r.Id.GetHashCode();
    }
}
