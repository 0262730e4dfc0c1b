using System.Text.RegularExpressions;
using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.Evaluation.Reporting;
using SelfSpec.Evaluation.Results;
using SelfSpec.Evaluation.Tests.Support;
using SelfSpec.TestSupport;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Tests.Reporting;

public class ReportTests
{
    /// <summary>Returns each instance's first reference for known inputs (an oracle) or a fixed answer otherwise.</summary>
    private sealed class LookupModel(Dictionary<string, string> answers, string fallback) : ICompletionModel
    {
        public Task<IReadOnlyList<string>> CompleteAsync(IReadOnlyList<string> prompts, int maxNewTokens, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<string>>(prompts.Select(p => answers.FirstOrDefault(a => p.EndsWith(a.Key, StringComparison.Ordinal)).Value ?? fallback).ToList());
    }

    internal static async Task<ReportInput> RunSmallEvaluation()
    {
        var data = BenchmarkDirectory.Load(Paths.SharedData(), limitPerDataset: 6);
        var seeds = SeedTaskSet.Load(Paths.SharedData("box", "BoX_instructions.json"));
        var runner = new EvaluationRunner(seeds, RougeTokenizer.Unstemmed, new EvaluationOptions { Shots = [0, 1, 5] });
        // The "specialised" stand-in knows the answer of every other instance (prompt suffix → gold), the base one says "yes".
        var answers = data.Values.SelectMany(v => v).Where((_, i) => i % 2 == 0)
            .GroupBy(i => i.Input).ToDictionary(g => g.Key + "\n\n### Response:", g => g.First().Output);
        var result = await runner.RunAsync(
            [ModelUnderTest.Base("base-demo", new LookupModel([], "yes")), ModelUnderTest.Specialized("base-demo+adapter", new LookupModel(answers, "no"))],
            data);
        return new ReportInput
        {
            Title = "Evaluation report test",
            Summary = result.Summary,
            Funnel = [new("generated", 5000), new("parsed", 4420), new("length/keyword filters", 3900), new("ROUGE-L ≤ 0.7", 2100)],
            Loss = Enumerable.Range(0, 60).Select(s => new LossPoint(s * 5, 2.4 * Math.Exp(-s / 20.0) + 0.6)).ToList(),
            Notes = ["stand-in models: base answers \"yes\", specialised knows half the gold answers"],
        };
    }

    [Fact]
    public void Markdown_lays_out_table_1_with_family_averages()
    {
        var rows = new List<SummaryRow>();
        void Add(string role, string dataset, int k, double f1) => rows.Add(new SummaryRow
        {
            Scope = SummaryRow.DatasetScope, Model = role == "Base" ? "b" : "s", Role = role, Family = SummaryAggregator.FamilyOf(dataset),
            Dataset = dataset, K = k, Count = 1, F1 = f1, ExactMatch = 0, RougeL = f1 / 2,
        });
        foreach (var k in new[] { 0, 5 })
        {
            Add("Base", "DDI", k, 51); Add("Specialized", "DDI", k, 49.4);
            Add("Base", "BioASQ-Yesno", k, 21.2); Add("Specialized", "BioASQ-Yesno", k, 85.27);
            Add("Base", "PubMedQA", k, 11.98); Add("Specialized", "PubMedQA", k, 24.16);
        }
        var md = ReportWriter.RenderMarkdown(new ReportInput { Summary = rows });
        Assert.Contains("| Task | Dataset | k=0 Base | k=0 Self-Spec. | k=5 Base | k=5 Self-Spec. |", md);
        Assert.Contains("| QA | BioASQ-Yesno | 21.20 | **85.27** | 21.20 | **85.27** |", md);
        Assert.Contains("|  | PubMedQA | 11.98 | **24.16** |", md);
        Assert.Contains("|  | **Average** | 16.59 | **54.72** |", md); // QA: (21.20+11.98)/2, (85.27+24.16)/2 = 54.715 → 54.72
        Assert.Contains("| RE | DDI | **51.00** | 49.40 |", md);
        Assert.Contains("|  | **Average** | 28.06 | **52.94** |", md); // (21.2+11.98+51)/3, (85.27+24.16+49.4)/3
        Assert.Contains("## ROUGE-L", md);
        Assert.Contains("| RE | DDI | **25.50** | 24.70 |", md);
    }

    [Fact]
    public void A_base_only_run_leaves_the_specialised_columns_empty()
    {
        var rows = SummaryAggregator.WithAverages([new SummaryRow
        {
            Scope = SummaryRow.DatasetScope, Model = "base", Role = "Base", Family = "RE", Dataset = "DDI", K = 0, Count = 3,
            F1 = 40, ExactMatch = 40, RougeL = 40,
        }]);
        var input = new ReportInput { Summary = rows };
        var md = ReportWriter.RenderMarkdown(input);
        Assert.Contains("| RE | DDI | 40.00 | – |", md);
        Assert.Contains("Average F1, base → self-specialised: k=0: 40.00 → –", md);
        Assert.Contains("<td class=\"num\">–</td>", ReportWriter.RenderHtml(input));
    }

    [Fact]
    public void A_notice_opens_both_reports_before_any_number()
    {
        var rows = SummaryAggregator.WithAverages([new SummaryRow
        {
            Scope = SummaryRow.DatasetScope, Model = "base", Role = "Base", Family = "RE", Dataset = "DDI", K = 0, Count = 3, F1 = 40, ExactMatch = 40, RougeL = 40,
        }]);
        var input = new ReportInput { Summary = rows, Notice = "A demonstration model <not a real LLM> & not comparable.", Notes = ["models: base"] };
        var md = ReportWriter.RenderMarkdown(input);
        Assert.StartsWith("# Self-specialisation evaluation\n\n> **Note:** A demonstration model <not a real LLM> & not comparable.\n\n- models: base\n", md);
        var html = ReportWriter.RenderHtml(input);
        var notice = html.IndexOf("<p class=\"notice\" role=\"note\"><strong>Note:</strong> A demonstration model &lt;not a real LLM&gt; &amp; not comparable.</p>", StringComparison.Ordinal);
        Assert.True(notice > html.IndexOf("<h1>", StringComparison.Ordinal) && notice < html.IndexOf("<table>", StringComparison.Ordinal) && notice < html.IndexOf("<svg", StringComparison.Ordinal));
        Assert.DoesNotContain("class=\"notice\"", ReportWriter.RenderHtml(input with { Notice = null }));
    }

    [Fact]
    public async Task Html_is_self_contained_with_one_chart_per_k()
    {
        var html = ReportWriter.RenderHtml(await RunSmallEvaluation());
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotMatch(new Regex("(src|href)=\"(https?:|//)"), html);
        Assert.Equal(3, Regex.Count(html, "class=\"chart bars\""));
        Assert.Single(Regex.Matches(html, "class=\"chart funnel\""));
        Assert.Single(Regex.Matches(html, "class=\"chart loss\""));
        Assert.Contains("<th colspan=\"2\">k = 5</th>", html);
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task Chromium_renders_the_charts_without_console_errors()
    {
        using var dir = new TempDir();
        var (md, html) = new ReportWriter().Write(dir.FullPath, await RunSmallEvaluation());
        Assert.True(File.Exists(md));

        var dom = HeadlessChromium.DumpDom(html, dir.Combine("profile"));
        Assert.True(dom.ExitCode == 0, dom.ToString());
        Assert.Empty(HeadlessChromium.ConsoleLines(dom.StdErr));
        var svgs = Regex.Matches(dom.StdOut, "<svg[^>]*class=\"chart (?<kind>\\w+)\"[^>]*>(?<body>.*?)</svg>", RegexOptions.Singleline);
        Assert.Equal(5, svgs.Count);
        foreach (Match svg in svgs.Where(m => m.Groups["kind"].Value is "bars" or "funnel"))
        {
            var rects = Regex.Matches(svg.Groups["body"].Value, "<rect [^>]*height=\"(?<h>[0-9.]+)\"");
            Assert.NotEmpty(rects);
            Assert.All(rects, r => Assert.True(double.Parse(r.Groups["h"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0));
        }
        var loss = svgs.Single(m => m.Groups["kind"].Value == "loss").Groups["body"].Value;
        var points = Regex.Match(loss, "<polyline points=\"(?<p>[^\"]+)\"").Groups["p"].Value.Split(' ');
        Assert.Equal(60, points.Length);

        var png = dir.Combine("report.png");
        var shot = HeadlessChromium.Screenshot(html, png, dir.Combine("profile2"));
        Assert.True(shot.ExitCode == 0, shot.ToString());
        Assert.Empty(HeadlessChromium.ConsoleLines(shot.StdErr));
        var bytes = File.ReadAllBytes(png);
        Assert.True(bytes.Length > 20_000, $"screenshot is only {bytes.Length} bytes");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        var docs = Environment.GetEnvironmentVariable("SELFSPEC_REPORT_SCREENSHOT");
        if (!string.IsNullOrEmpty(docs)) File.Copy(png, docs, overwrite: true);
    }
}
