using System.Text.Json;
using SelfSpec.Evaluation.Datasets;
using SelfSpec.Evaluation.Harness;
using SelfSpec.Evaluation.Metrics;
using SelfSpec.Evaluation.Prompting;
using SelfSpec.TestSupport;
using SelfSpec.Text;
using Xunit.Abstractions;

namespace SelfSpec.Evaluation.Tests.Metrics;

/// <summary>
/// The BoX convention against an independent Python implementation of In-BoXBART's evaluation script
/// (python/inboxbart_metrics.py, Debian python3 + python3-nltk), on vectors built from the real data samples in
/// ../shared/data (BoX seeds, BioASQ, PubMedQA, the NER sets, DDI, HoC) and the demo set (Medical Drugs).
/// </summary>
public class InBoxBartScriptTests(ITestOutputHelper output)
{
    private sealed record Vector(string Dataset, string Prediction, IReadOnlyList<string> Gold);

    private sealed record Expected(int Em, double F1, double RougeL);

    [Fact]
    public void Box_convention_equals_the_reference_script_on_every_dataset_kind()
    {
        var vectors = Vectors();
        var expected = RunReference(vectors);
        var scorer = new InstanceScorer(RougeTokenizer.Stemmed, ScoringConvention.Box);
        for (int i = 0; i < vectors.Count; i++)
        {
            var v = vectors[i];
            var ours = scorer.Score(v.Prediction, v.Gold, BenchmarkCatalog.Find(v.Dataset));
            var where = $"vector {i} ({v.Dataset}): prediction '{v.Prediction}', gold [{string.Join(" | ", v.Gold)}]";
            Assert.True(Math.Abs(ours.F1 - expected[i].F1) <= 1e-6, $"F1 {ours.F1} vs script {expected[i].F1}; {where}");
            Assert.True(Math.Abs(ours.RougeL - expected[i].RougeL) <= 1e-6, $"ROUGE-L {ours.RougeL} vs script {expected[i].RougeL}; {where}");
            Assert.True(ours.ExactMatch == expected[i].Em, $"EM {ours.ExactMatch} vs script {expected[i].Em}; {where}");
        }

        // The vectors exercise the split where it matters: on each kind, count the vectors whose score the split changes.
        var whole = new InstanceScorer(RougeTokenizer.Stemmed, ScoringConvention.Sni with { Normalization = AnswerNormalization.Box });
        var changedBy = vectors.GroupBy(v => BenchmarkCatalog.Find(v.Dataset)?.Name ?? v.Dataset).ToDictionary(g => g.Key,
            g => g.Count(v => scorer.Score(v.Prediction, v.Gold) != whole.Score(v.Prediction, v.Gold)));
        output.WriteLine($"{vectors.Count} vectors; changed by the split: " + string.Join(", ", changedBy.Select(p => $"{p.Key} {p.Value}")));
        foreach (var listValued in new[] { "BioASQ-List", "AnatEM", "BioNLP13CG", "NCBI", "HoC" }) Assert.True(changedBy[listValued] > 0, listValued);
        Assert.True(changedBy["PubMedQA"] > 0, "no PubMedQA long answer with \", \" among the vectors");
        foreach (var label in new[] { "BioASQ-Yesno", "DDI", "Medical Drugs" }) Assert.Equal(0, changedBy[label]);
        Assert.Equal(BenchmarkCatalog.All.Count + 1, changedBy.Count); // the ten datasets and the BoX seeds
    }

    [Fact]
    public void The_issue_examples_and_the_algorithms_md_vectors_hold_in_the_reference_script_too()
    {
        var vectors = new List<Vector>
        {
            new("PubMedQA", "The results suggest that early intervention improves outcomes in patients with sepsis.", ["Early intervention improved outcomes in septic patients, the results suggest."]),
            new("NCBI", "hepatocellular carcinoma <Disease>", ["hepatocellular carcinoma <Disease>, HCC <Disease>"]),
            new("BioASQ-List", "BRCA2 gene", ["BRCA1, BRCA2"]),
            new("BioASQ-Yesno", "a", ["the"]),
        };
        var expected = RunReference(vectors);
        Assert.Equal(0.555556, expected[0].F1, 6);
        Assert.Equal((1.0, 1), (expected[1].F1, expected[1].Em));
        Assert.Equal(0.666667, expected[2].F1, 6);
        Assert.Equal((0.0, 1), (expected[3].F1, expected[3].Em));
        var scorer = new InstanceScorer(RougeTokenizer.Stemmed);
        for (int i = 0; i < vectors.Count; i++)
        {
            var ours = scorer.Score(vectors[i].Prediction, vectors[i].Gold);
            Assert.Equal(expected[i].F1, ours.F1, 6);
            Assert.Equal(expected[i].RougeL, ours.RougeL, 6);
            Assert.Equal(expected[i].Em, ours.ExactMatch);
        }
    }

    // Predictions made from the data itself: the gold string, its first and last part, a restyled part (articles,
    // case, punctuation), another instance's answer, a sentence of a long answer, and nothing.
    private static List<Vector> Vectors()
    {
        var data = BenchmarkDirectory.Load(Paths.SharedData()).ToDictionary();
        var demo = BenchmarkSources.Load(Path.Combine(Paths.RepoRoot, "data", "eval", "demo_eval.jsonl"));
        data[BenchmarkCatalog.MedicalDrugs.Name] = demo[BenchmarkCatalog.MedicalDrugs.Name];
        var seeds = SeedTaskSet.Load(Paths.SharedData("box", "BoX_instructions.json"));
        var vectors = new List<Vector>();
        foreach (var (name, instances) in data)
        {
            // Instances whose gold has ", " first, so every kind is covered, then the rest in file order.
            var chosen = instances.OrderBy(i => i.Output.Contains(", ") ? 0 : 1).Take(20).ToList();
            for (int j = 0; j < chosen.Count; j++)
                foreach (var prediction in Predictions(chosen[j].Output, chosen[(j + 1) % chosen.Count].Output))
                    vectors.Add(new Vector(name, prediction, chosen[j].References));
        }
        foreach (var task in seeds.Tasks.OrderBy(t => t.Name, StringComparer.Ordinal))
        foreach (var (example, j) in task.Examples.Select((e, j) => (e, j)))
            foreach (var prediction in Predictions(example.Output, task.Examples[(j + 1) % task.Examples.Count].Output))
                vectors.Add(new Vector("BoX seeds", prediction, [example.Output]));
        return vectors;
    }

    private static IEnumerable<string> Predictions(string gold, string otherGold)
    {
        var parts = gold.Split(", ");
        yield return gold;
        yield return parts[0];
        yield return parts[^1];
        yield return "The " + parts[0].ToUpperInvariant() + "!";
        yield return otherGold;
        yield return gold.Split(". ")[0];
        yield return "";
    }

    private static List<Expected> RunReference(IReadOnlyList<Vector> vectors)
    {
        var python = ExternalReference.RequirePython("nltk", debianPackage: "python3-nltk");
        var script = Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Evaluation.Tests", "python", "inboxbart_metrics.py");
        var request = JsonSerializer.Serialize(vectors.Select(v => new { prediction = v.Prediction, gold = v.Gold }));
        var r = ChildProcess.Run(python, [script], stdin: request, timeout: TimeSpan.FromMinutes(5),
            environment: new Dictionary<string, string> { ["PYTHONIOENCODING"] = "utf-8" });
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.StdOut);
        var list = doc.RootElement.EnumerateArray()
            .Select(e => new Expected(e.GetProperty("em").GetInt32(), e.GetProperty("f1").GetDouble(), e.GetProperty("rougeL").GetDouble())).ToList();
        Assert.Equal(vectors.Count, list.Count);
        return list;
    }
}
