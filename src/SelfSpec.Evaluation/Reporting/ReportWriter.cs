using System.Globalization;
using System.Net;
using System.Text;
using SelfSpec.Evaluation.Results;

namespace SelfSpec.Evaluation.Reporting;

/// <summary>
/// Writes <c>report.md</c> and a self-contained <c>report.html</c> (inline CSS and SVG, no scripts): Table 1 for F1 and
/// ROUGE-L with averages per task family, a base-vs-specialised bar chart per k, the filter funnel and the loss curve.
/// </summary>
public sealed class ReportWriter
{
    /// <summary>Markdown file name.</summary>
    public const string MarkdownFile = "report.md";

    /// <summary>HTML file name.</summary>
    public const string HtmlFile = "report.html";

    private static readonly string[] Metrics = ["F1", "ROUGE-L"];

    /// <summary>Writes both files into <paramref name="directory"/> and returns their paths.</summary>
    public (string Markdown, string Html) Write(string directory, ReportInput input)
    {
        Directory.CreateDirectory(directory);
        var md = Path.Combine(directory, MarkdownFile);
        var html = Path.Combine(directory, HtmlFile);
        WriteAtomically(md, RenderMarkdown(input));
        WriteAtomically(html, RenderHtml(input));
        return (md, html);
    }

    // The caller's notes, then the scoring convention when it is known.
    private static IReadOnlyList<string> NotesOf(ReportInput input) =>
        input.Convention is { } c ? [.. input.Notes, "scores: " + c.Description] : input.Notes;

    /// <summary>The Markdown report.</summary>
    public static string RenderMarkdown(ReportInput input)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(input.Title).Append("\n\n");
        if (input.Notice is { Length: > 0 } notice) sb.Append("> **Note:** ").Append(notice.ReplaceLineEndings(" ")).Append("\n\n");
        var notes = NotesOf(input);
        foreach (var n in notes) sb.Append("- ").Append(n).Append('\n');
        if (notes.Count > 0) sb.Append('\n');
        foreach (var h in Headlines(input)) sb.Append("**").Append(h).Append("**  \n");
        sb.Append('\n');
        foreach (var metric in Metrics)
        {
            var table = ComparisonTable.Build(input.Summary, metric);
            sb.Append("## ").Append(metric).Append("\n\n");
            sb.Append($"Base: `{table.BaseModel ?? "–"}` · Self-specialised: `{table.SpecializedModel ?? "–"}` · scores are means × 100; the better of each pair is bold.\n\n");
            sb.Append("| Task | Dataset |");
            foreach (var k in table.Shots) sb.Append($" k={k} Base | k={k} Self-Spec. |");
            sb.Append("\n|---|---|");
            foreach (var _ in table.Shots) sb.Append("---:|---:|");
            sb.Append('\n');
            foreach (var line in table.Lines)
            {
                var label = line.IsAverage ? "**Average**" : line.Label;
                sb.Append($"| {line.Family} | {label} |");
                foreach (var (b, s) in line.Scores) sb.Append($" {Cell(b, b > s)} | {Cell(s, s > b)} |");
                sb.Append('\n');
            }
            sb.Append('\n');
        }
        if (input.Funnel.Count > 0)
        {
            sb.Append("## Instruction filter funnel\n\n| Stage | Count | Share |\n|---|---:|---:|\n");
            double first = Math.Max(1, input.Funnel[0].Count);
            foreach (var s in input.Funnel)
                sb.Append($"| {s.Stage} | {s.Count.ToString("N0", CultureInfo.InvariantCulture)} | {(100 * s.Count / first).ToString("0.0", CultureInfo.InvariantCulture)}% |\n");
            sb.Append('\n');
        }
        if (input.Loss.Count > 0)
        {
            var first = input.Loss.MinBy(p => p.Step)!;
            var last = input.Loss.MaxBy(p => p.Step)!;
            sb.Append($"## Training loss\n\n{input.Loss.Count} points, step {first.Step} → {last.Step}: loss {first.Loss.ToString("0.000", CultureInfo.InvariantCulture)} → {last.Loss.ToString("0.000", CultureInfo.InvariantCulture)}. The curve is in report.html.\n");
        }
        return sb.ToString();

        static string Cell(double? v, bool better) =>
            v is not { } x ? "–" : better ? $"**{x.ToString("0.00", CultureInfo.InvariantCulture)}**" : x.ToString("0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>The self-contained HTML report.</summary>
    public static string RenderHtml(ReportInput input)
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append($"<title>{E(input.Title)}</title><style>{Css}</style></head><body><main>");
        sb.Append($"<h1>{E(input.Title)}</h1>");
        if (input.Notice is { Length: > 0 } notice) sb.Append($"<p class=\"notice\" role=\"note\"><strong>Note:</strong> {E(notice)}</p>");
        var notes = NotesOf(input);
        if (notes.Count > 0)
        {
            sb.Append("<ul class=\"notes\">");
            foreach (var n in notes) sb.Append($"<li>{E(n)}</li>");
            sb.Append("</ul>");
        }
        sb.Append("<div class=\"headlines\">");
        foreach (var h in Headlines(input)) sb.Append($"<p>{E(h)}</p>");
        sb.Append("</div>");
        sb.Append($"<p class=\"legend\"><span class=\"swatch\" style=\"background:{SvgCharts.BaseColor}\"></span>Base <span class=\"swatch\" style=\"background:{SvgCharts.SpecializedColor}\"></span>Self-specialised</p>");

        var f1 = ComparisonTable.Build(input.Summary, "F1");
        sb.Append("<section><h2>F1 by dataset</h2><div class=\"charts\">");
        for (int i = 0; i < f1.Shots.Count; i++)
        {
            var groups = f1.Lines.Where(l => !l.IsAverage).Select(l => (l.Label, l.Scores[i].Base, l.Scores[i].Specialized)).ToList();
            var overall = f1.Lines[^1].Scores[i];
            groups.Add(("Average", overall.Base, overall.Specialized));
            sb.Append("<figure>").Append(SvgCharts.GroupedBars($"F1, k = {f1.Shots[i]}", groups)).Append("</figure>");
        }
        sb.Append("</div></section>");

        foreach (var metric in Metrics)
        {
            var table = ComparisonTable.Build(input.Summary, metric);
            sb.Append($"<section><h2>{E(metric)}</h2><p class=\"models\">Base: <code>{E(table.BaseModel ?? "–")}</code> · Self-specialised: <code>{E(table.SpecializedModel ?? "–")}</code> · means × 100, better of each pair in bold</p>");
            sb.Append("<table><thead><tr><th rowspan=\"2\">Task</th><th rowspan=\"2\">Dataset</th>");
            foreach (var k in table.Shots) sb.Append($"<th colspan=\"2\">k = {k}</th>");
            sb.Append("</tr><tr>");
            foreach (var _ in table.Shots) sb.Append("<th>Base</th><th>Self-Spec.</th>");
            sb.Append("</tr></thead><tbody>");
            foreach (var line in table.Lines)
            {
                sb.Append(line.IsAverage ? "<tr class=\"avg\">" : "<tr>");
                sb.Append($"<td>{E(line.Family)}</td><td>{E(line.Label)}</td>");
                foreach (var (b, s) in line.Scores) sb.Append(Td(b, b > s)).Append(Td(s, s > b));
                sb.Append("</tr>");
            }
            sb.Append("</tbody></table></section>");
        }

        if (input.Funnel.Count > 0)
            sb.Append("<section><h2>Instruction filter funnel</h2><figure>").Append(SvgCharts.Funnel("Instructions kept per stage", input.Funnel)).Append("</figure></section>");
        if (input.Loss.Count > 0)
            sb.Append("<section><h2>Training loss</h2><figure>").Append(SvgCharts.LossCurve("Adapter training loss", input.Loss)).Append("</figure></section>");
        sb.Append("</main></body></html>\n");
        return sb.ToString();

        static string Td(double? v, bool better) =>
            v is not { } x ? "<td class=\"num\">–</td>" : $"<td class=\"num{(better ? " best" : "")}\">{x.ToString("0.00", CultureInfo.InvariantCulture)}</td>";
    }

    /// <summary>One line per metric: the average over datasets, base → specialised, per k.</summary>
    public static IEnumerable<string> Headlines(ReportInput input)
    {
        foreach (var metric in Metrics)
        {
            var table = ComparisonTable.Build(input.Summary, metric);
            if (table.Lines.Count == 0) continue;
            var overall = table.Lines[^1];
            var parts = table.Shots.Select((k, i) =>
            {
                var (b, s) = overall.Scores[i];
                static string N(double? v) => v?.ToString("0.00", CultureInfo.InvariantCulture) ?? "–";
                var delta = b is { } x && s is { } y ? $" ({(y - x >= 0 ? "+" : "−")}{Math.Abs(y - x).ToString("0.00", CultureInfo.InvariantCulture)})" : "";
                return $"k={k}: {N(b)} → {N(s)}{delta}";
            });
            yield return $"Average {metric}, base → self-specialised: {string.Join(" · ", parts)}";
        }
    }

    private const string Css =
        "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2933;background:#fff;margin:0}" +
        "main{max-width:1200px;margin:0 auto;padding:24px 32px}h1{font-size:26px;margin:0 0 8px}h2{font-size:19px;margin:28px 0 8px;border-bottom:1px solid #e4e7eb;padding-bottom:4px}" +
        ".headlines p{margin:4px 0;font-size:16px;font-weight:600}.notes{color:#52606d;font-size:14px;margin:0;padding-left:18px}.legend{font-size:14px}.swatch{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:-1px;border-radius:2px}" +
        ".charts{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}table{border-collapse:collapse;font-size:14px;min-width:720px}" +
        "th,td{padding:4px 10px;border-bottom:1px solid #e4e7eb;text-align:left}th{background:#f5f7fa;text-align:center}td.num{text-align:right;font-variant-numeric:tabular-nums}" +
        "td.best{font-weight:700}tr.avg td{background:#f5f7fa;font-weight:600}.models{font-size:13px;color:#52606d}" +
        "svg .chart-title{font-size:14px;font-weight:600;fill:#1f2933}svg .tick,svg .value{font-size:11px;fill:#52606d}svg .label{font-size:11px;fill:#1f2933}" +
        "svg .grid{stroke:#e4e7eb;stroke-width:1}svg .axis{stroke:#7b8794;stroke-width:1}" +
        ".notice{background:#fff8e1;border-left:4px solid #f0b429;padding:8px 12px;margin:8px 0 12px;font-size:15px}";

    private static void WriteAtomically(string path, string content)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, content, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
    }
}
