using System.Text.Json;
using SelfSpec.Evaluation.Datasets;

namespace SelfSpec.Evaluation.Prompting;

/// <summary>Seed tasks by BoX task name, loaded from In-BoXBART's <c>BoX_instructions.json</c> or a flattened JSONL.</summary>
public sealed class SeedTaskSet
{
    private readonly Dictionary<string, SeedTask> _tasks;

    /// <summary>Wraps <paramref name="tasks"/>.</summary>
    public SeedTaskSet(IEnumerable<SeedTask> tasks) => _tasks = tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>
    /// Groups flat seed rows by task, in first-seen order: a task's definition is that of its first row (seed files may
    /// word each seed's definition differently), its examples are all its rows' input/output pairs in order.
    /// </summary>
    public static SeedTaskSet FromRows(IEnumerable<(string Task, string Definition, string Input, string Output)> rows)
    {
        var definitions = new Dictionary<string, string>(StringComparer.Ordinal);
        var examples = new Dictionary<string, List<SeedExample>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (task, definition, input, output) in rows)
        {
            if (definitions.TryAdd(task, definition)) order.Add(task);
            if (!examples.TryGetValue(task, out var list)) examples[task] = list = new List<SeedExample>();
            list.Add(new SeedExample(input, output));
        }
        return new SeedTaskSet(order.Select(t => new SeedTask(t, definitions[t], examples[t])));
    }

    /// <summary>All tasks.</summary>
    public IReadOnlyCollection<SeedTask> Tasks => _tasks.Values;

    /// <summary>The task called <paramref name="name"/>.</summary>
    public SeedTask this[string name] => _tasks.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"no seed task '{name}'");

    /// <summary>True if a task called <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _tasks.ContainsKey(name);

    /// <summary>
    /// Loads <c>BoX_instructions.json</c> (<c>{task: {"Definition:": str, "Examples": [{input, output}], "Prompt": str}}</c>; the key really is
    /// <c>"Definition:"</c>) or a JSONL with one <c>{task, definition, input, output}</c> per line (the flattened form;
    /// <c>instruction</c> is accepted for <c>definition</c>, as in <c>data/seeds/biomedical_seeds.jsonl</c>).
    /// </summary>
    public static SeedTaskSet Load(string path)
    {
        return path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? LoadJsonl(path) : LoadBoxJson(path);
    }

    private static SeedTaskSet LoadBoxJson(string path)
    {
        using var stream = File.OpenRead(path);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(stream); }
        catch (JsonException e) { throw new DatasetFormatException(path, null, "not valid JSON: " + e.Message, e); }
        using (doc)
        {
            var tasks = new List<SeedTask>();
            foreach (var task in doc.RootElement.EnumerateObject())
            {
                var v = task.Value;
                var definition = v.TryGetProperty("Definition:", out var d) ? d.GetString()
                    : v.TryGetProperty("Definition", out d) ? d.GetString() : null;
                if (definition == null) throw new DatasetFormatException(path, task.Name, "task without \"Definition:\"");
                var examples = v.TryGetProperty("Examples", out var ex) && ex.ValueKind == JsonValueKind.Array
                    ? ex.EnumerateArray().Select(e => new SeedExample(e.GetProperty("input").GetString() ?? "", e.GetProperty("output").GetString() ?? "")).ToList()
                    : [];
                tasks.Add(new SeedTask(task.Name, definition, examples));
            }
            return new SeedTaskSet(tasks);
        }
    }

    private static SeedTaskSet LoadJsonl(string path)
    {
        var rows = new List<(string, string, string, string)>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var r = doc.RootElement;
                var definition = r.TryGetProperty("definition", out var d) ? d : r.GetProperty("instruction");
                rows.Add((r.GetProperty("task").GetString()!, definition.GetString() ?? "",
                    r.GetProperty("input").GetString() ?? "", r.GetProperty("output").GetString() ?? ""));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new DatasetFormatException(path, $"line {line}", "expected {task, definition (or instruction), input, output}: " + e.Message, e);
            }
        }
        return FromRows(rows);
    }
}
