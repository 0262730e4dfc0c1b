using SelfSpec.Evaluation.Results;

namespace SelfSpec.Evaluation.Tests.Harness;

public class SummaryAggregatorTests
{
    // The paper's Table 1 (F1, k = 0): per-dataset scores in, its printed averages are the independent reference
    // (within 0.005: the paper averaged unrounded scores and printed two decimals).
    private static readonly (string Dataset, string Family, double Base, double Specialized)[] PaperF1K0 =
    [
        ("BioASQ-Factoid", "QA", 30.90, 37.35), ("BioASQ-List", "QA", 46.06, 46.99), ("BioASQ-Yesno", "QA", 21.20, 85.27),
        ("PubMedQA", "QA", 11.98, 24.16), ("AnatEM", "NER", 9.63, 11.99), ("BioNLP13CG", "NER", 24.79, 24.93),
        ("NCBI", "NER", 18.46, 14.35), ("DDI", "RE", 51.00, 49.40), ("Medical Drugs", "SA", 35.00, 65.80), ("HoC", "DC", 2.44, 6.01),
    ];

    [Fact]
    public void Averages_reproduce_the_papers_table_1()
    {
        var rows = PaperF1K0.SelectMany(r => new[]
        {
            Row("MPT-30B", "Base", r.Dataset, r.Family, r.Base),
            Row("MPT-30B+SS", "Specialized", r.Dataset, r.Family, r.Specialized),
        });
        var summary = SummaryAggregator.WithAverages(rows);
        double Avg(string role, string family, string scope) =>
            summary.Single(s => s.Role == role && s.Family == family && s.Scope == scope).F1;
        Assert.Equal(27.54, Avg("Base", "QA", SummaryRow.FamilyScope), 0.0051);
        Assert.Equal(48.44, Avg("Specialized", "QA", SummaryRow.FamilyScope), 0.0051);
        Assert.Equal(17.63, Avg("Base", "NER", SummaryRow.FamilyScope), 0.0051);
        Assert.Equal(17.09, Avg("Specialized", "NER", SummaryRow.FamilyScope), 0.0051);
        Assert.Equal(25.15, Avg("Base", "All", SummaryRow.OverallScope), 0.0051);
        Assert.Equal(36.63, Avg("Specialized", "All", SummaryRow.OverallScope), 0.0051);
        // Table 1 order: datasets of a family, then its average; the overall row closes each (model, k) block.
        var block = summary.Where(s => s.Role == "Base").Select(s => s.Dataset).ToList();
        Assert.Equal(["BioASQ-Factoid", "BioASQ-List", "BioASQ-Yesno", "PubMedQA", "Average", "AnatEM", "BioNLP13CG", "NCBI", "Average",
                      "DDI", "Average", "Medical Drugs", "Average", "HoC", "Average", "Average"], block);
    }

    private static SummaryRow Row(string model, string role, string dataset, string family, double f1) => new()
    {
        Scope = SummaryRow.DatasetScope, Model = model, Role = role, Family = family, Dataset = dataset, K = 0, Count = 1,
        F1 = f1, ExactMatch = 0, RougeL = f1,
    };
}
