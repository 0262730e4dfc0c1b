using SelfSpec.Evaluation.Reporting;
using SelfSpec.Evaluation.Results;
using SelfSpec.Evaluation.Tests.Reporting;
using SelfSpec.TestSupport;

namespace SelfSpec.Evaluation.Tests.Cli;

// Runs the real selfspec executable as a child process.
public class EvaluationCliTests
{
    [Theory]
    [InlineData("rougeL", "The cat is on the mat", "The cat sat on the mat.", "0.833333")]
    [InlineData("rougeL", "covid 19 cases rose by 20 percent", "COVID-19 cases rose 20%", "0.833333")]
    [InlineData("f1", "the the cat", "cat cat", "0.666667")]
    [InlineData("em", "a", "the", "1")]
    public void Metrics_prints_the_score_on_one_line(string metric, string prediction, string reference, string expected)
    {
        var r = SelfSpecCli.Run("metrics", "--metric", metric, "--prediction", prediction, "--reference", reference);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected + "\n", r.StdOut);
    }

    [Fact]
    public void Metrics_stem_uses_the_nltk_porter_stemmer()
    {
        // algorithms.md §2 rows 5 and 5b: "models" only matches "model" when stemmed.
        var plain = SelfSpecCli.Run("metrics", "--metric", "rougeL", "--prediction", "state of the art models", "--reference", "state-of-the-art model");
        Assert.Equal("0.8\n", plain.StdOut);
        var stemmed = SelfSpecCli.Run("metrics", "--metric", "rougeL", "--stem", "--prediction", "state of the art models", "--reference", "state-of-the-art model");
        Assert.True(stemmed.ExitCode == 0, stemmed.ToString());
        Assert.Equal("1\n", stemmed.StdOut);
    }

    [Fact]
    public void Metrics_takes_the_max_over_references_and_sni_normalisation()
    {
        var r = SelfSpecCli.Run("metrics", "--metric", "f1", "--normalize", "sni", "--prediction", "the the cat", "--reference", "dog", "--reference", "cat cat");
        Assert.Equal("0.4\n", r.StdOut);
        r = SelfSpecCli.Run("metrics", "--metric", "f1", "--prediction", "BRCA2 gene", "--reference", "BRCA1, BRCA2");
        Assert.Equal("0.666667\n", r.StdOut);
    }

    // Issue 23's examples: `--normalize box` (the default) splits every reference on ", " as In-BoXBART does; sni never splits.
    [Theory]
    [InlineData("f1", "box", "The results suggest that early intervention improves outcomes in patients with sepsis.", "Early intervention improved outcomes in septic patients, the results suggest.", "0.555556")]
    [InlineData("f1", "box", "hepatocellular carcinoma <Disease>", "hepatocellular carcinoma <Disease>, HCC <Disease>", "1")]
    [InlineData("em", "box", "hepatocellular carcinoma <Disease>", "hepatocellular carcinoma <Disease>, HCC <Disease>", "1")]
    [InlineData("f1", "sni", "hepatocellular carcinoma <Disease>", "hepatocellular carcinoma <Disease>, HCC <Disease>", "0.75")]
    [InlineData("em", "sni", "hepatocellular carcinoma <Disease>", "hepatocellular carcinoma <Disease>, HCC <Disease>", "0")]
    public void Metrics_box_splits_every_reference_like_in_boxbart(string metric, string normalize, string prediction, string reference, string expected)
    {
        var r = normalize == "box"
            ? SelfSpecCli.Run("metrics", "--metric", metric, "--prediction", prediction, "--reference", reference)
            : SelfSpecCli.Run("metrics", "--metric", metric, "--normalize", normalize, "--prediction", prediction, "--reference", reference);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(expected + "\n", r.StdOut);
    }

    [Fact]
    public void Evaluate_fails_with_one_red_line_for_a_missing_model()
    {
        var r = SelfSpecCli.Run("evaluate", "--model", "/no/such/model", "--datasets", Paths.SharedData());
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error:", r.StdOut);
        Assert.Contains("/no/such/model", r.StdOut);
    }

    [Fact]
    public async Task Evaluate_report_renders_a_written_summary()
    {
        using var dir = new TempDir();
        var input = await ReportTests.RunSmallEvaluation();
        await new EvaluationResultsWriter().WriteAsync(dir.FullPath, [], input.Summary);
        File.WriteAllText(dir.Combine("funnel.json"), "[{\"stage\":\"generated\",\"count\":100},{\"stage\":\"kept\",\"count\":40}]");
        File.WriteAllText(dir.Combine("loss.jsonl"), "{\"step\":1,\"loss\":2.5}\n{\"step\":2,\"loss\":1.5}\n");
        var r = SelfSpecCli.Run("evaluate", "report", "--summary", dir.Combine(EvaluationResultsWriter.SummaryFile), "--out", dir.Combine("report"),
            "--funnel", dir.Combine("funnel.json"), "--loss", dir.Combine("loss.jsonl"), "--title", "CLI report");
        Assert.True(r.ExitCode == 0, r.ToString());
        var md = File.ReadAllText(dir.Combine("report", ReportWriter.MarkdownFile));
        Assert.Equal(ReportWriter.RenderMarkdown(input with { Title = "CLI report", Notes = [], Funnel = [new("generated", 100), new("kept", 40)], Loss = [new(1, 2.5), new(2, 1.5)] }), md);
        Assert.Contains("| kept | 40 | 40.0% |", md);
        Assert.Contains("class=\"chart loss\"", File.ReadAllText(dir.Combine("report", ReportWriter.HtmlFile)));
    }

    [Fact]
    public void Evaluate_datasets_lists_the_sample_counts()
    {
        var r = SelfSpecCli.Run("evaluate", "datasets", "--datasets", Paths.SharedData());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"PubMedQA\s+│\s+500", r.StdOut);
        Assert.Matches(@"DDI\s+│\s+200", r.StdOut);
    }
}
