using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Reporting;
using SelfSpec.Evaluation.Results;
using SelfSpec.Evaluation.Tests.Reporting;
using SelfSpec.TestSupport;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Tests.Metrics;

public class ScoringConventionTests
{
    private const string Prediction = "The results suggest that early intervention improves outcomes in patients with sepsis.";
    private const string LongAnswer = "Early intervention improved outcomes in septic patients, the results suggest.";

    [Fact]
    public void Box_is_the_default_of_the_scorer_and_the_runner()
    {
        Assert.Same(ScoringConvention.Box, new InstanceScorer(RougeTokenizer.Unstemmed).Convention);
        Assert.Same(ScoringConvention.Box, new EvaluationOptions().Convention);
        Assert.Equal(ReferenceSplit.EveryGold, ScoringConvention.Box.Split);
    }

    [Fact]
    public void Box_list_split_is_an_opt_in_that_keeps_non_list_gold_strings_whole()
    {
        var box = new InstanceScorer(RougeTokenizer.Stemmed);
        var listOnly = new InstanceScorer(RougeTokenizer.Stemmed, ScoringConvention.Parse("box-list-split"));
        // Issue 23: In-BoXBART splits the PubMedQA long answer too (0.5556); splitting only list-valued datasets gave 0.7.
        Assert.Equal(0.555556, box.Score(Prediction, [LongAnswer], BenchmarkCatalog.PubMedQa).F1, 6);
        Assert.Equal(0.7, listOnly.Score(Prediction, [LongAnswer], BenchmarkCatalog.PubMedQa).F1, 6);
        // On a list-valued dataset both split.
        Assert.Equal(1, listOnly.Score("HCC <Disease>", ["hepatocellular carcinoma <Disease>, HCC <Disease>"], BenchmarkCatalog.Ncbi).ExactMatch);
        Assert.Throws<ArgumentNullException>(() => listOnly.Score(Prediction, [LongAnswer]));
    }

    [Fact]
    public void Unknown_names_are_refused_with_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => ScoringConvention.Parse("squad"));
        Assert.Contains("box, box-list-split, sni", e.Message);
    }

    [Fact]
    public async Task The_written_summary_and_the_report_state_the_convention()
    {
        using var dir = new TempDir();
        var input = await ReportTests.RunSmallEvaluation();
        var (_, summary) = await new EvaluationResultsWriter { Convention = ScoringConvention.Sni }.WriteAsync(dir.FullPath, [], input.Summary);
        Assert.Same(ScoringConvention.Sni, EvaluationResultsWriter.ReadConvention(summary));
        Assert.Equal("sni", DuckDb.KeyValues(DuckDb.Inspect(summary))[EvaluationResultsWriter.ConventionKey]);

        var md = ReportWriter.RenderMarkdown(input with { Convention = ScoringConvention.Box });
        Assert.Contains("- scores: " + ScoringConvention.Box.Description, md);
        Assert.Contains(ScoringConvention.Box.Description, ReportWriter.RenderHtml(input with { Convention = ScoringConvention.Box }).Replace("&quot;", "\""));
        Assert.DoesNotContain("scores: ", ReportWriter.RenderMarkdown(input with { Convention = null }));
    }
}
