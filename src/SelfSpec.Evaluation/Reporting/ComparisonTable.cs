using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Results;

namespace SelfSpec.Evaluation.Reporting;

/// <summary>One line of a Table-1-style comparison: a dataset or an average, with base and specialised score per k.</summary>
/// <param name="Family">Task family shown in the first column ("" on continuation lines and the overall average).</param>
/// <param name="Label">Dataset name or "Average".</param>
/// <param name="IsAverage">True for family and overall averages.</param>
/// <param name="Scores">Per k (same order as <see cref="ComparisonTable.Shots"/>): base and specialised score, null where missing.</param>
public sealed record ComparisonLine(string Family, string Label, bool IsAverage, IReadOnlyList<(double? Base, double? Specialized)> Scores);

/// <summary>
/// The paper's Table 1 layout for one metric: rows grouped by task family (a family average under families with more than
/// one dataset), an overall average over datasets last, and a base/specialised column pair per k.
/// </summary>
public sealed class ComparisonTable
{
    private ComparisonTable(string metric, IReadOnlyList<int> shots, IReadOnlyList<ComparisonLine> lines, string? baseModel, string? specializedModel)
    {
        Metric = metric;
        Shots = shots;
        Lines = lines;
        BaseModel = baseModel;
        SpecializedModel = specializedModel;
    }

    /// <summary>"F1" or "ROUGE-L".</summary>
    public string Metric { get; }

    /// <summary>The k values, ascending.</summary>
    public IReadOnlyList<int> Shots { get; }

    /// <summary>Rows in Table 1 order.</summary>
    public IReadOnlyList<ComparisonLine> Lines { get; }

    /// <summary>Name of the base model shown (the first base model in the summary).</summary>
    public string? BaseModel { get; }

    /// <summary>Name of the specialised model shown.</summary>
    public string? SpecializedModel { get; }

    /// <summary>Builds the table of <paramref name="metric"/> ("F1" or "ROUGE-L") from per-dataset summary rows.</summary>
    public static ComparisonTable Build(IEnumerable<SummaryRow> summary, string metric)
    {
        Func<SummaryRow, double> value = metric switch
        {
            "F1" => r => r.F1,
            "ROUGE-L" => r => r.RougeL,
            "EM" => r => r.ExactMatch,
            _ => throw new ArgumentException($"unknown metric '{metric}'", nameof(metric)),
        };
        var rows = summary.Where(r => r.Scope == SummaryRow.DatasetScope).ToList();
        var baseModel = rows.FirstOrDefault(r => r.Role == "Base")?.Model;
        var specModel = rows.FirstOrDefault(r => r.Role == "Specialized")?.Model;
        rows = rows.Where(r => r.Model == baseModel && r.Role == "Base" || r.Model == specModel && r.Role == "Specialized").ToList();
        var shots = rows.Select(r => r.K).Distinct().Order().ToList();
        var datasets = rows.Select(r => r.Dataset).Distinct()
            .OrderBy(d => Order(d)).ThenBy(d => d, StringComparer.Ordinal).ToList();

        double? Score(IEnumerable<SummaryRow> set, string role, int k)
        {
            var r = set.Where(x => x.Role == role && x.K == k).ToList();
            return r.Count == 0 ? null : r.Average(value);
        }

        ComparisonLine Line(string family, string label, bool average, List<SummaryRow> set) =>
            new(family, label, average, shots.Select(k => (Score(set, "Base", k), Score(set, "Specialized", k))).ToList());

        // Averages are means over datasets: average the per-dataset scores, not the instances.
        var lines = new List<ComparisonLine>();
        foreach (var family in datasets.GroupBy(SummaryAggregator.FamilyOf))
        {
            bool first = true;
            foreach (var d in family)
            {
                lines.Add(Line(first ? family.Key : "", d, false, rows.Where(r => r.Dataset == d).ToList()));
                first = false;
            }
            if (family.Count() > 1)
                lines.Add(Line("", "Average", true, rows.Where(r => family.Contains(r.Dataset)).ToList()));
        }
        lines.Add(Line("", "Average", true, rows));
        return new ComparisonTable(metric, shots, lines, baseModel, specModel);
    }

    private static int Order(string dataset)
    {
        for (int i = 0; i < BenchmarkCatalog.All.Count; i++)
            if (BenchmarkCatalog.All[i].Name == dataset) return i;
        return int.MaxValue;
    }
}
