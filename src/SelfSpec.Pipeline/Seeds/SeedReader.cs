using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Parquet;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.Pipeline.Artifacts;

namespace SelfSpec.Pipeline.Seeds;

/// <summary>
/// Reads seed tasks in BoX form from JSONL, CSV (with a header row) or Parquet, chosen by file extension, and validates
/// every row. Fields (case-insensitive): <c>instruction</c> or <c>definition</c> (required, not empty), <c>output</c>
/// (required, not empty), <c>input</c> (optional, empty when missing or null), <c>task</c> (optional), <c>id</c>
/// (optional, unique; <c>seed-NNN</c> by position when missing). Other fields are ignored. All problems are collected and
/// reported together as a <see cref="SeedFormatException"/> naming file, row and field.
/// </summary>
public static class SeedReader
{
    /// <summary>At most this many errors are collected before reading stops.</summary>
    public const int MaxErrors = 100;

    /// <summary>Reads and validates <paramref name="path"/>.</summary>
    /// <exception cref="SeedFormatException">Any row is invalid, or the file holds no seeds.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IReadOnlyList<SeedRow> Read(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"seed file '{path}' does not exist", path);
        var name = Path.GetFileName(path);
        var records = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" => JsonlRecords(path, name),
            ".csv" => CsvRecords(path, name),
            ".parquet" => ParquetRecords(path, name),
            var ext => throw new SeedFormatException([new SeedError(name, 0, null, $"unknown seed file type '{ext}' (expected .jsonl, .csv or .parquet)")]),
        };
        var seeds = new List<SeedRow>();
        var errors = new List<SeedError>();
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (record.Error is { } recordError) errors.Add(recordError);
            else if (Validate(record, name, seeds.Count + 1, errors) is { } seed)
            {
                if (ids.TryGetValue(seed.Id, out var firstRow))
                    errors.Add(new SeedError(name, record.Row, "id", $"duplicate id '{seed.Id}' (first used in row {firstRow})"));
                else
                {
                    ids[seed.Id] = record.Row;
                    seeds.Add(seed);
                }
            }
            if (errors.Count >= MaxErrors) throw new SeedFormatException(errors, truncated: true);
        }
        if (errors.Count > 0) throw new SeedFormatException(errors);
        if (seeds.Count == 0) throw new SeedFormatException([new SeedError(name, 0, null, "the file holds no seeds")]);
        return seeds;
    }

    private sealed record RawRecord(long Row, IReadOnlyDictionary<string, JsonNode?> Fields, SeedError? Error = null);

    private static SeedRow? Validate(RawRecord record, string file, int position, List<SeedError> errors)
    {
        var before = errors.Count;
        string? Text(string field, bool required)
        {
            if (!record.Fields.TryGetValue(field, out var node) || node is null)
            {
                if (required) errors.Add(new SeedError(file, record.Row, field, "is missing"));
                return null;
            }
            if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
            {
                errors.Add(new SeedError(file, record.Row, field, $"must be a string, found {node.GetValueKind().ToString().ToLowerInvariant()}"));
                return null;
            }
            var text = value.GetValue<string>();
            if (required && text.Trim().Length == 0) errors.Add(new SeedError(file, record.Row, field, "is empty"));
            return text;
        }

        var hasInstruction = record.Fields.ContainsKey("instruction");
        var hasDefinition = record.Fields.ContainsKey("definition");
        string? instruction;
        if (hasInstruction && hasDefinition)
        {
            instruction = Text("instruction", true);
            var definition = Text("definition", true);
            if (instruction is not null && definition is not null && instruction != definition)
                errors.Add(new SeedError(file, record.Row, "definition", "both 'instruction' and 'definition' are given and differ; give one"));
        }
        else if (hasDefinition) instruction = Text("definition", true);
        else if (hasInstruction) instruction = Text("instruction", true);
        else
        {
            errors.Add(new SeedError(file, record.Row, "instruction", "is missing (expected 'instruction' or 'definition')"));
            instruction = null;
        }
        var output = Text("output", true);
        var input = Text("input", false) ?? "";
        var task = Text("task", false) ?? "";
        var id = Text("id", false);
        if (id is not null && id.Trim().Length == 0) errors.Add(new SeedError(file, record.Row, "id", "is empty"));
        if (errors.Count > before) return null;
        return new SeedRow(id ?? $"seed-{position:D3}", task, instruction!, input, output!, file, record.Row);
    }

    private static Dictionary<string, JsonNode?> CaseInsensitive() => new(StringComparer.OrdinalIgnoreCase);

    private static IEnumerable<RawRecord> JsonlRecords(string path, string file)
    {
        long line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (text.Trim().Length == 0) continue;
            JsonNode? node = null;
            string? parseError = null;
            try { node = JsonNode.Parse(text); }
            catch (JsonException e) { parseError = e.Message; }
            if (parseError is not null)
            {
                yield return new RawRecord(line, CaseInsensitive(), new SeedError(file, line, null, $"invalid JSON: {parseError}"));
                continue;
            }
            if (node is not JsonObject obj)
            {
                yield return new RawRecord(line, CaseInsensitive(), new SeedError(file, line, null, "expected a JSON object"));
                continue;
            }
            var fields = CaseInsensitive();
            foreach (var (key, value) in obj) fields[key] = value?.DeepClone();
            yield return new RawRecord(line, fields);
        }
    }

    private static IEnumerable<RawRecord> CsvRecords(string path, string file)
    {
        using var reader = new StreamReader(path);
        string[]? header = null;
        foreach (var (line, values) in CsvRecordReader.Read(reader, file))
        {
            if (header is null)
            {
                header = values.Select(v => v.Trim()).ToArray();
                var duplicate = header.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
                if (duplicate is not null)
                    throw new SeedFormatException([new SeedError(file, line, duplicate.Key, "the header names this column twice")]);
                continue;
            }
            if (values.Count != header.Length)
            {
                yield return new RawRecord(line, CaseInsensitive(), new SeedError(file, line, null, $"has {values.Count} fields, the header has {header.Length}"));
                continue;
            }
            var fields = CaseInsensitive();
            for (var i = 0; i < header.Length; i++) fields[header[i]] = JsonValue.Create(values[i]);
            yield return new RawRecord(line, fields);
        }
    }

    private static IEnumerable<RawRecord> ParquetRecords(string path, string file)
    {
        List<string> rows;
        try
        {
            using var reader = ParquetReader.Open(path);
            rows = ParquetJson.ReadRows(reader).ToList();
        }
        catch (ParquetFormatException e)
        {
            throw new SeedFormatException([new SeedError(file, 0, e.Column, e.Reason)]);
        }
        long row = 0;
        foreach (var json in rows)
        {
            row++;
            var fields = CaseInsensitive();
            foreach (var (key, value) in JsonNode.Parse(json)!.AsObject()) fields[key] = value?.DeepClone();
            yield return new RawRecord(row, fields);
        }
    }
}
