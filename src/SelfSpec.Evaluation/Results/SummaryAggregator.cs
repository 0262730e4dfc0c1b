using SelfSpec.Evaluation.Datasets;

namespace SelfSpec.Evaluation.Results;

/// <summary>
/// Aggregates predictions as Table 1 does: per (model, dataset, k) the mean × 100; per family and overall the unweighted
/// mean of the dataset scores (so a large dataset does not outweigh a small one).
/// </summary>
public static class SummaryAggregator
{
    /// <summary>Dataset, family and overall rows for every (model, k) in <paramref name="predictions"/>, Table 1 order.</summary>
    public static List<SummaryRow> Summarize(IEnumerable<PredictionRow> predictions)
    {
        var perDataset = predictions
            .GroupBy(p => (p.Model, p.Role, p.Dataset, p.K))
            .Select(g => new SummaryRow
            {
                Scope = SummaryRow.DatasetScope,
                Model = g.Key.Model,
                Role = g.Key.Role,
                Family = FamilyOf(g.Key.Dataset),
                Dataset = g.Key.Dataset,
                K = g.Key.K,
                Count = g.Count(),
                F1 = 100 * g.Average(p => p.F1),
                ExactMatch = 100 * g.Average(p => p.ExactMatch),
                RougeL = 100 * g.Average(p => p.RougeL),
            })
            .ToList();
        return WithAverages(perDataset);
    }

    /// <summary>Adds family and overall averages to per-dataset rows (also usable on scores from elsewhere, e.g. the paper's).</summary>
    public static List<SummaryRow> WithAverages(IEnumerable<SummaryRow> datasetRows)
    {
        var rows = datasetRows.Where(r => r.Scope == SummaryRow.DatasetScope).ToList();
        var result = new List<SummaryRow>();
        foreach (var group in rows.GroupBy(r => (r.Model, r.Role, r.K)).OrderBy(g => g.Key.Role).ThenBy(g => g.Key.Model, StringComparer.Ordinal).ThenBy(g => g.Key.K))
        {
            var ordered = group.OrderBy(r => DatasetOrder(r.Dataset)).ThenBy(r => r.Dataset, StringComparer.Ordinal).ToList();
            foreach (var family in ordered.GroupBy(r => r.Family))
            {
                result.AddRange(family);
                result.Add(Average(family.ToList(), SummaryRow.FamilyScope, family.Key));
            }
            result.Add(Average(ordered, SummaryRow.OverallScope, "All"));
        }
        return result;
    }

    /// <summary>The task family name of a dataset ("Other" when it is not one of the ten).</summary>
    public static string FamilyOf(string dataset) =>
        BenchmarkCatalog.All.FirstOrDefault(d => d.Name == dataset)?.Family.ToString() ?? "Other";

    private static int DatasetOrder(string dataset)
    {
        for (int i = 0; i < BenchmarkCatalog.All.Count; i++)
            if (BenchmarkCatalog.All[i].Name == dataset) return i;
        return int.MaxValue;
    }

    private static SummaryRow Average(List<SummaryRow> rows, string scope, string family) => new()
    {
        Scope = scope,
        Model = rows[0].Model,
        Role = rows[0].Role,
        Family = family,
        Dataset = "Average",
        K = rows[0].K,
        Count = rows.Sum(r => r.Count),
        F1 = rows.Average(r => r.F1),
        ExactMatch = rows.Average(r => r.ExactMatch),
        RougeL = rows.Average(r => r.RougeL),
    };
}
