using System.Text.Json;

namespace SelfSpec.Training.Data;

/// <summary>
/// Reads JSON Lines: one object per line with either <c>input_ids</c> (+ optional <c>labels</c>) or
/// <c>instruction</c> / <c>input</c> / <c>output</c>. Blank lines are skipped; other keys are ignored.
/// </summary>
public sealed class JsonlTrainingDataReader : ITrainingDataReader
{
    /// <inheritdoc />
    public bool CanRead(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IEnumerable<TrainingRow> Read(string path)
    {
        if (!File.Exists(path)) throw new TrainingDataException(path, null, null, "file not found");
        long number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new TrainingDataException(path, number, null, $"not valid JSON ({e.Message})", e);
            }
            using (doc)
            {
                var o = doc.RootElement;
                if (o.ValueKind != JsonValueKind.Object) throw new TrainingDataException(path, number, null, "expected a JSON object");
                if (o.TryGetProperty("input_ids", out var ids))
                {
                    yield return new TrainingRow
                    {
                        Number = number,
                        InputIds = Ints(path, number, "input_ids", ids),
                        Labels = o.TryGetProperty("labels", out var labels) && labels.ValueKind != JsonValueKind.Null ? Ints(path, number, "labels", labels) : null,
                    };
                }
                else if (o.TryGetProperty("instruction", out var instruction))
                {
                    yield return new TrainingRow
                    {
                        Number = number,
                        Instruction = Text(path, number, "instruction", instruction),
                        Input = o.TryGetProperty("input", out var input) && input.ValueKind != JsonValueKind.Null ? Text(path, number, "input", input) : "",
                        Output = o.TryGetProperty("output", out var output) ? Text(path, number, "output", output)
                            : throw new TrainingDataException(path, number, "output", "missing (instruction rows need instruction, output and optionally input)"),
                    };
                }
                else
                {
                    throw new TrainingDataException(path, number, null, "has neither input_ids nor instruction");
                }
            }
        }
    }

    private static int[] Ints(string path, long row, string field, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Array) throw new TrainingDataException(path, row, field, "expected an array of integers");
        var result = new int[e.GetArrayLength()];
        var i = 0;
        foreach (var x in e.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number || !x.TryGetInt32(out var v))
                throw new TrainingDataException(path, row, field, $"element {i} is not a 32-bit integer");
            result[i++] = v;
        }
        return result;
    }

    private static string Text(string path, long row, string field, JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new TrainingDataException(path, row, field, "expected a string");
}
