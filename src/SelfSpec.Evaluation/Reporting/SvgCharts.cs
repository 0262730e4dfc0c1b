using System.Globalization;
using System.Net;
using System.Text;

namespace SelfSpec.Evaluation.Reporting;

/// <summary>Draws the report's charts as standalone inline SVG (no scripts, no external resources).</summary>
public static class SvgCharts
{
    /// <summary>Colour of base-model bars.</summary>
    public const string BaseColor = "#9aa5b1";

    /// <summary>Colour of specialised-model bars.</summary>
    public const string SpecializedColor = "#2f6fde";

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string E(string s) => WebUtility.HtmlEncode(s);

    /// <summary>Grouped bars, one group per dataset, base and specialised side by side, y axis 0–100.</summary>
    /// <param name="title">Chart title.</param>
    /// <param name="groups">Dataset label with base and specialised score (null bars are left out).</param>
    public static string GroupedBars(string title, IReadOnlyList<(string Label, double? Base, double? Specialized)> groups)
    {
        const int height = 300, top = 36, bottom = 92, left = 44, groupWidth = 64, barWidth = 22;
        int width = left + 16 + Math.Max(1, groups.Count) * groupWidth;
        double plot = height - top - bottom;
        double Y(double v) => top + plot * (1 - Math.Clamp(v, 0, 100) / 100);
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart bars\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        sb.Append($"<title>{E(title)}</title>");
        sb.Append($"<text x=\"{left}\" y=\"20\" class=\"chart-title\">{E(title)}</text>");
        for (int t = 0; t <= 100; t += 25)
        {
            var y = F(Y(t));
            sb.Append($"<line x1=\"{left}\" y1=\"{y}\" x2=\"{width - 8}\" y2=\"{y}\" class=\"grid\"/>");
            sb.Append($"<text x=\"{left - 6}\" y=\"{y}\" class=\"tick\" text-anchor=\"end\" dominant-baseline=\"middle\">{t}</text>");
        }
        for (int i = 0; i < groups.Count; i++)
        {
            var (label, b, s) = groups[i];
            double x0 = left + 10 + i * groupWidth;
            Bar(sb, x0, barWidth, b, BaseColor, $"{label} base", Y);
            Bar(sb, x0 + barWidth + 2, barWidth, s, SpecializedColor, $"{label} specialised", Y);
            double cx = x0 + barWidth + 1, ly = height - bottom + 12;
            sb.Append($"<text x=\"{F(cx)}\" y=\"{F(ly)}\" class=\"label\" text-anchor=\"end\" transform=\"rotate(-40 {F(cx)} {F(ly)})\">{E(label)}</text>");
        }
        sb.Append($"<line x1=\"{left}\" y1=\"{F(Y(0))}\" x2=\"{width - 8}\" y2=\"{F(Y(0))}\" class=\"axis\"/>");
        sb.Append("</svg>");
        return sb.ToString();
    }

    private static void Bar(StringBuilder sb, double x, double w, double? value, string color, string what, Func<double, double> y)
    {
        if (value is not { } v) return;
        double y0 = y(0), y1 = y(v);
        sb.Append($"<rect x=\"{F(x)}\" y=\"{F(y1)}\" width=\"{F(w)}\" height=\"{F(Math.Max(0.5, y0 - y1))}\" fill=\"{color}\"><title>{E(what)}: {v.ToString("0.00", CultureInfo.InvariantCulture)}</title></rect>");
        sb.Append($"<text x=\"{F(x + w / 2)}\" y=\"{F(y1 - 3)}\" class=\"value\" text-anchor=\"middle\">{v.ToString("0", CultureInfo.InvariantCulture)}</text>");
    }

    /// <summary>The filter funnel: one horizontal bar per stage, width proportional to its count, with the share of the first stage.</summary>
    public static string Funnel(string title, IReadOnlyList<FunnelStage> stages)
    {
        const int width = 640, rowHeight = 34, top = 36, labelWidth = 200, barMax = 300;
        int height = top + Math.Max(1, stages.Count) * rowHeight + 10;
        double first = stages.Count > 0 ? Math.Max(1, stages[0].Count) : 1;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart funnel\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        sb.Append($"<title>{E(title)}</title><text x=\"8\" y=\"20\" class=\"chart-title\">{E(title)}</text>");
        for (int i = 0; i < stages.Count; i++)
        {
            var s = stages[i];
            double w = Math.Max(1, barMax * s.Count / first), x = labelWidth + (barMax - w) / 2, y = top + i * rowHeight;
            sb.Append($"<text x=\"{labelWidth - 10}\" y=\"{F(y + 16)}\" class=\"label\" text-anchor=\"end\" dominant-baseline=\"middle\">{E(s.Stage)}</text>");
            sb.Append($"<rect x=\"{F(x)}\" y=\"{F(y + 4)}\" width=\"{F(w)}\" height=\"24\" rx=\"3\" fill=\"{SpecializedColor}\" fill-opacity=\"{F(1 - 0.12 * i)}\"><title>{E(s.Stage)}: {s.Count}</title></rect>");
            sb.Append($"<text x=\"{labelWidth + barMax + 12}\" y=\"{F(y + 16)}\" class=\"value\" dominant-baseline=\"middle\">{s.Count.ToString("N0", CultureInfo.InvariantCulture)} ({(100 * s.Count / first).ToString("0.#", CultureInfo.InvariantCulture)}%)</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>The training loss against steps as a polyline with labelled axes.</summary>
    public static string LossCurve(string title, IReadOnlyList<LossPoint> points)
    {
        const int width = 640, height = 300, left = 56, right = 16, top = 36, bottom = 40;
        var sb = new StringBuilder();
        sb.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart loss\" role=\"img\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">");
        sb.Append($"<title>{E(title)}</title><text x=\"8\" y=\"20\" class=\"chart-title\">{E(title)}</text>");
        if (points.Count > 0)
        {
            int minStep = points.Min(p => p.Step), maxStep = Math.Max(minStep + 1, points.Max(p => p.Step));
            double maxLoss = points.Max(p => p.Loss), minLoss = Math.Min(0, points.Min(p => p.Loss));
            if (maxLoss <= minLoss) maxLoss = minLoss + 1;
            double X(double s) => left + (width - left - right) * (s - minStep) / (maxStep - minStep);
            double Y(double l) => top + (height - top - bottom) * (1 - (l - minLoss) / (maxLoss - minLoss));
            for (int t = 0; t <= 4; t++)
            {
                double l = minLoss + (maxLoss - minLoss) * t / 4, y = Y(l);
                sb.Append($"<line x1=\"{left}\" y1=\"{F(y)}\" x2=\"{width - right}\" y2=\"{F(y)}\" class=\"grid\"/>");
                sb.Append($"<text x=\"{left - 6}\" y=\"{F(y)}\" class=\"tick\" text-anchor=\"end\" dominant-baseline=\"middle\">{l.ToString("0.00", CultureInfo.InvariantCulture)}</text>");
                double s = minStep + (maxStep - minStep) * t / 4.0;
                sb.Append($"<text x=\"{F(X(s))}\" y=\"{height - bottom + 16}\" class=\"tick\" text-anchor=\"middle\">{Math.Round(s).ToString(CultureInfo.InvariantCulture)}</text>");
            }
            sb.Append($"<line x1=\"{left}\" y1=\"{height - bottom}\" x2=\"{width - right}\" y2=\"{height - bottom}\" class=\"axis\"/>");
            sb.Append($"<text x=\"{(left + width - right) / 2}\" y=\"{height - 6}\" class=\"tick\" text-anchor=\"middle\">step</text>");
            var pts = string.Join(' ', points.OrderBy(p => p.Step).Select(p => $"{F(X(p.Step))},{F(Y(p.Loss))}"));
            sb.Append($"<polyline points=\"{pts}\" fill=\"none\" stroke=\"{SpecializedColor}\" stroke-width=\"2\"/>");
        }
        else sb.Append($"<text x=\"{width / 2}\" y=\"{height / 2}\" class=\"tick\" text-anchor=\"middle\">no loss curve recorded</text>");
        sb.Append("</svg>");
        return sb.ToString();
    }
}
