using System.Text.Json;

namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// BioASQ task-b JSON (<c>{"questions":[{id, type, body, snippets[{text}], exact_answer}]}</c>) → BoX instances:
/// input <c>Context: &lt;snippet texts joined by a space&gt; \n Question: &lt;body&gt;</c>; output the exact answer.
/// Factoid: every synonym is a reference; list: the first synonym of each item, joined by ", "; yes/no: "yes"/"no".
/// Summary questions are not part of the benchmark and are skipped.
/// </summary>
public static class BioAsqLoader
{
    /// <summary>Loads the factoid, list and yes/no questions of <paramref name="path"/>, in file order.</summary>
    public static List<EvalInstance> Load(string path)
    {
        using var stream = File.OpenRead(path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream); }
        catch (JsonException e) { throw new DatasetFormatException(path, null, "not valid JSON: " + e.Message, e); }
        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("questions", out var questions) || questions.ValueKind != JsonValueKind.Array)
                throw new DatasetFormatException(path, null, "no \"questions\" array");
            var result = new List<EvalInstance>();
            int index = 0;
            foreach (var q in questions.EnumerateArray())
            {
                var record = $"question {index++}";
                var id = RequiredString(q, "id", path, record);
                var type = RequiredString(q, "type", path, record);
                var body = RequiredString(q, "body", path, record);
                var context = q.TryGetProperty("snippets", out var snippets) && snippets.ValueKind == JsonValueKind.Array
                    ? string.Join(" ", snippets.EnumerateArray().Select(s => s.TryGetProperty("text", out var t) ? t.GetString() ?? "" : ""))
                    : "";
                var input = $"Context: {context} \n Question: {body}";
                if (type == "summary") continue;
                if (!q.TryGetProperty("exact_answer", out var exact))
                    throw new DatasetFormatException(path, id, $"{type} question without exact_answer");
                switch (type)
                {
                    case "factoid":
                        var synonyms = Flatten(exact).Distinct().ToList();
                        if (synonyms.Count == 0) throw new DatasetFormatException(path, id, "empty factoid exact_answer");
                        result.Add(new EvalInstance(BenchmarkCatalog.BioAsqFactoid.Name, id, input, synonyms[0], synonyms));
                        break;
                    case "list":
                        var items = exact.ValueKind == JsonValueKind.Array
                            ? exact.EnumerateArray().Select(item => Flatten(item).FirstOrDefault()).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList()
                            : [];
                        if (items.Count == 0) throw new DatasetFormatException(path, id, "empty list exact_answer");
                        var gold = string.Join(", ", items);
                        result.Add(new EvalInstance(BenchmarkCatalog.BioAsqList.Name, id, input, gold, [gold]));
                        break;
                    case "yesno":
                        var answer = (exact.ValueKind == JsonValueKind.String ? exact.GetString() : Flatten(exact).FirstOrDefault())?.Trim().ToLowerInvariant();
                        if (answer is not ("yes" or "no")) throw new DatasetFormatException(path, id, $"yes/no exact_answer is '{answer}'");
                        result.Add(new EvalInstance(BenchmarkCatalog.BioAsqYesNo.Name, id, input, answer, [answer]));
                        break;
                    default:
                        throw new DatasetFormatException(path, id, $"unknown question type '{type}'");
                }
            }
            return result;
        }
    }

    private static IEnumerable<string> Flatten(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            var s = e.GetString()!.Trim();
            if (s.Length > 0) yield return s;
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in e.EnumerateArray())
                foreach (var s in Flatten(child)) yield return s;
        }
    }

    private static string RequiredString(JsonElement q, string name, string path, string record) =>
        q.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new DatasetFormatException(path, record, $"missing string field \"{name}\"");
}
