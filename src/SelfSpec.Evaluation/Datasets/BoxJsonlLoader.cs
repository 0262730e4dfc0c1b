using System.Text.Json;

namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// Reads evaluation instances already in BoX form from JSON Lines, one object per line:
/// <c>{"dataset", "task_family", "id", "instruction", "input", "references": [..]}</c> — the layout of the project's demo
/// evaluation set <c>data/eval/demo_eval.jsonl</c>. <c>dataset</c> may be spelled loosely (<see cref="BenchmarkCatalog.Find"/>:
/// <c>BioASQ-factoid</c>, <c>NCBI-disease</c>, <c>Medical-Drugs</c>); the row's <c>instruction</c> becomes the prompt's task
/// definition. The output is the first reference. References are kept as written (the scoring convention splits them:
/// <see cref="Metrics.ScoringConvention"/>).
/// Blank lines are skipped; any other problem throws <see cref="DatasetFormatException"/> naming the file, line and field.
/// </summary>
public static class BoxJsonlLoader
{
    /// <summary>True if <paramref name="path"/> names a JSON Lines file (<c>.jsonl</c> or <c>.ndjson</c>).</summary>
    public static bool IsJsonl(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);

    /// <summary>The instances of <paramref name="path"/>, in file order.</summary>
    /// <exception cref="DatasetFormatException">The file is missing or empty, or a line is malformed (the message names line and field).</exception>
    public static List<EvalInstance> Load(string path)
    {
        if (!File.Exists(path)) throw new DatasetFormatException(path, null, "file not found");
        var result = new List<EvalInstance>();
        var seen = new HashSet<(string, string)>();
        long line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(text); }
            catch (JsonException e) { throw new DatasetFormatException(path, line, null, "not valid JSON: " + e.Message, e); }
            using (doc)
            {
                var row = doc.RootElement;
                if (row.ValueKind != JsonValueKind.Object) throw new DatasetFormatException(path, line, null, "expected a JSON object");
                var name = String(path, line, row, "dataset", allowEmpty: false);
                var dataset = BenchmarkCatalog.Find(name) ?? throw new DatasetFormatException(path, line, "dataset",
                    $"unknown dataset '{name}' (known: {string.Join(", ", BenchmarkCatalog.All.Select(d => d.Name))})");
                String(path, line, row, "task_family", allowEmpty: false);
                var id = String(path, line, row, "id", allowEmpty: false);
                var instruction = String(path, line, row, "instruction", allowEmpty: false);
                var input = String(path, line, row, "input", allowEmpty: true);
                var references = References(path, line, row);
                if (!seen.Add((dataset.Name, id))) throw new DatasetFormatException(path, line, "id", $"duplicate id '{id}' in {dataset.Name}");
                result.Add(new EvalInstance(dataset.Name, id, input, references[0], references, instruction));
            }
        }
        if (result.Count == 0) throw new DatasetFormatException(path, null, "holds no instances");
        return result;
    }

    private static string String(string path, long line, JsonElement row, string field, bool allowEmpty)
    {
        if (!row.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new DatasetFormatException(path, line, field, "missing");
        if (value.ValueKind != JsonValueKind.String) throw new DatasetFormatException(path, line, field, $"expected a string, found {Describe(value.ValueKind)}");
        var s = value.GetString()!;
        if (!allowEmpty && s.Trim().Length == 0) throw new DatasetFormatException(path, line, field, "is empty");
        return s;
    }

    private static List<string> References(string path, long line, JsonElement row)
    {
        const string field = "references";
        if (!row.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            throw new DatasetFormatException(path, line, field, "missing");
        if (value.ValueKind != JsonValueKind.Array) throw new DatasetFormatException(path, line, field, $"expected an array of strings, found {Describe(value.ValueKind)}");
        var list = new List<string>();
        var i = 0;
        foreach (var e in value.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) throw new DatasetFormatException(path, line, field, $"element {i} is {Describe(e.ValueKind)}, not a string");
            var s = e.GetString()!;
            if (s.Trim().Length == 0) throw new DatasetFormatException(path, line, field, $"element {i} is empty");
            list.Add(s);
            i++;
        }
        if (list.Count == 0) throw new DatasetFormatException(path, line, field, "is empty: at least one gold answer is needed");
        return list;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        _ => "null",
    };
}
