using System.Text.Json;

namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// PubMedQA PQA-L (<c>ori_pqal.json</c>: <c>{pmid: {QUESTION, CONTEXTS[], LONG_ANSWER, ...}}</c>) → the BoX "PubMed"
/// long-answer task: input <c>Context1: … \n Context2: … \n Question: …</c>, output <c>LONG_ANSWER</c>.
/// </summary>
public static class PubMedQaLoader
{
    /// <summary>The PMID of the BoX "PubMed" seed example, which is also in PQA-L: excluded by default so seeds never leak into the evaluation.</summary>
    public const string BoxSeedPmid = "17606778";

    /// <summary>Loads <paramref name="path"/> in file order.</summary>
    /// <param name="path">An <c>ori_pqal.json</c>-style file.</param>
    /// <param name="onlyPmids">If given, keep only these PMIDs (e.g. the keys of <c>test_ground_truth.json</c>, the official 500-item test split).</param>
    /// <param name="excludePmids">PMIDs to drop; null means { <see cref="BoxSeedPmid"/> }.</param>
    public static List<EvalInstance> Load(string path, IReadOnlySet<string>? onlyPmids = null, IReadOnlySet<string>? excludePmids = null)
    {
        excludePmids ??= new HashSet<string> { BoxSeedPmid };
        using var doc = Parse(path);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DatasetFormatException(path, null, "expected a JSON object keyed by PMID");
        var result = new List<EvalInstance>();
        foreach (var item in doc.RootElement.EnumerateObject())
        {
            var pmid = item.Name;
            if (onlyPmids != null && !onlyPmids.Contains(pmid)) continue;
            if (excludePmids.Contains(pmid)) continue;
            var v = item.Value;
            if (!v.TryGetProperty("QUESTION", out var question) || !v.TryGetProperty("CONTEXTS", out var contexts)
                || !v.TryGetProperty("LONG_ANSWER", out var answer) || contexts.ValueKind != JsonValueKind.Array)
                throw new DatasetFormatException(path, pmid, "needs QUESTION, CONTEXTS[] and LONG_ANSWER");
            var parts = contexts.EnumerateArray().Select((c, i) => $"Context{i + 1}: {c.GetString()}").ToList();
            parts.Add($"Question: {question.GetString()}");
            var output = answer.GetString() ?? "";
            result.Add(new EvalInstance(BenchmarkCatalog.PubMedQa.Name, pmid, string.Join(" \n ", parts), output, [output]));
        }
        return result;
    }

    /// <summary>The PMIDs of a <c>test_ground_truth.json</c>-style file (<c>{pmid: "yes"|"no"|"maybe"}</c>).</summary>
    public static HashSet<string> LoadSplitPmids(string path)
    {
        using var doc = Parse(path);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DatasetFormatException(path, null, "expected a JSON object keyed by PMID");
        return doc.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
    }

    private static JsonDocument Parse(string path)
    {
        using var stream = File.OpenRead(path);
        try { return JsonDocument.Parse(stream); }
        catch (JsonException e) { throw new DatasetFormatException(path, null, "not valid JSON: " + e.Message, e); }
    }
}
