using System.Text;
using System.Text.Json;
using SelfSpec.Parquet.Reading;

namespace SelfSpec.Parquet.Values;

/// <summary>
/// Renders rows as JSON under the shared value convention (the one <c>parquet-inspect</c> prints): 64-bit integers
/// and decimals as strings, blobs as base64, dates and timestamps as ISO text, lists as arrays, structs as objects,
/// maps as arrays of <c>{"key","value"}</c>.
/// </summary>
public static class ParquetJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>Each row of the file as one JSON object line, reading one row group at a time.</summary>
    public static IEnumerable<string> ReadRows(ParquetReader reader, long? limit = null, IEnumerable<string>? columns = null)
    {
        var selected = columns?.ToList();
        long emitted = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            if (limit != null && emitted >= limit) yield break;
            var group = reader.ReadRowGroup(g, selected);
            List<Dictionary<string, object?>> rows;
            var wanted = limit == null ? (int?)null : (int)Math.Min(int.MaxValue, limit.Value - emitted);
            try { rows = RowAssembler.Assemble(reader.Schema, group, (d, i) => new RawJson(LeafValues.ToConventionJson(d, i)), wanted); }
            catch (ParquetFormatException e) { throw e.WithLocation(reader.FilePath, g); }
            foreach (var row in rows)
            {
                if (limit != null && emitted >= limit) yield break;
                emitted++;
                yield return ToJson(row);
            }
        }
    }

    /// <summary>Serializes an assembled row (or any assembled value) to JSON text.</summary>
    public static string ToJson(object? assembled)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) Write(w, assembled);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes an assembled value: null, <see cref="RawJson"/> leaves, lists and dictionaries.</summary>
    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case RawJson raw: w.WriteRawValue(raw.Text, skipInputValidation: true); break;
            case Dictionary<string, object?> obj:
                w.WriteStartObject();
                foreach (var (k, v) in obj)
                {
                    w.WritePropertyName(k);
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            case List<object?> list:
                w.WriteStartArray();
                foreach (var v in list) Write(w, v);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException($"cannot render {value.GetType()}");
        }
    }

    /// <summary>A leaf value already rendered as JSON text.</summary>
    /// <param name="Text">The JSON text.</param>
    public sealed record RawJson(string Text);
}
