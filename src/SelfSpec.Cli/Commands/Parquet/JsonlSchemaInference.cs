using System.Globalization;
using System.Text.Json;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Schema;

namespace SelfSpec.Cli.Commands.Parquet;

/// <summary>Infers a Parquet schema from JSON Lines and appends JSON values to column builders (shared value convention).</summary>
internal static class JsonlSchemaInference
{
    private enum Kind { Unknown, Boolean, Int64, Double, String }

    /// <summary>Scans every line; a key's type is the widest seen (int → double), nulls make it nullable.</summary>
    public static ParquetSchema Infer(string path)
    {
        var order = new List<string>();
        var kinds = new Dictionary<string, (Kind Kind, bool IsList, bool Null, int Seen)>();
        var lines = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            lines++;
            using var doc = JsonDocument.Parse(line);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!kinds.TryGetValue(p.Name, out var k)) { order.Add(p.Name); k = (Kind.Unknown, false, false, 0); }
                k.Seen++;
                if (p.Value.ValueKind == JsonValueKind.Null) k.Null = true;
                else if (p.Value.ValueKind == JsonValueKind.Array)
                {
                    k.IsList = true;
                    foreach (var e in p.Value.EnumerateArray()) k.Kind = Widen(k.Kind, e);
                }
                else k.Kind = Widen(k.Kind, p.Value);
                kinds[p.Name] = k;
            }
        }
        if (order.Count == 0) throw new InvalidDataException($"{path}: no JSON objects to infer a schema from");
        return new ParquetSchema(order.Select(n =>
        {
            var k = kinds[n];
            var type = k.Kind switch { Kind.Boolean => ParquetType.Boolean, Kind.Int64 => ParquetType.Int64, Kind.Double => ParquetType.Double, _ => ParquetType.String };
            var nullable = k.Null || k.Seen < lines;
            return k.IsList ? ParquetField.List(n, type, nullable) : new ParquetField(n, type, nullable);
        }).ToList());
    }

    private static Kind Widen(Kind k, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => k is Kind.Unknown or Kind.Boolean ? Kind.Boolean : Kind.String,
        JsonValueKind.Number => v.TryGetInt64(out _) ? (k is Kind.Unknown or Kind.Int64 ? Kind.Int64 : k == Kind.Double ? Kind.Double : Kind.String)
                                                      : (k is Kind.Unknown or Kind.Int64 or Kind.Double ? Kind.Double : Kind.String),
        JsonValueKind.Null => k,
        _ => Kind.String,
    };

    /// <summary>Parses <c>name:type</c> pairs (<c>!</c> suffix = NOT NULL; <c>list&lt;type&gt;</c> for lists).</summary>
    public static ParquetSchema Parse(string spec) => new(spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
    {
        var colon = part.IndexOf(':');
        if (colon <= 0) throw new FormatException($"schema entry '{part}' is not name:type");
        var name = part[..colon].Trim();
        var type = part[(colon + 1)..].Trim().ToLowerInvariant();
        var required = type.EndsWith('!');
        if (required) type = type[..^1];
        if (type.StartsWith("list<") && type.EndsWith('>')) return ParquetField.List(name, ParseType(type[5..^1]), !required);
        return new ParquetField(name, ParseType(type), !required);
    }).ToList());

    private static ParquetType ParseType(string t) => t switch
    {
        "bool" or "boolean" => ParquetType.Boolean,
        "int" or "int32" or "integer" => ParquetType.Int32,
        "long" or "int64" or "bigint" => ParquetType.Int64,
        "float" => ParquetType.Float,
        "double" => ParquetType.Double,
        "string" or "varchar" or "utf8" => ParquetType.String,
        "binary" or "blob" => ParquetType.Binary,
        "date" => ParquetType.Date,
        "timestamp" => ParquetType.Timestamp,
        _ => throw new FormatException($"unknown type '{t}' (bool, int32, int64, float, double, string, binary, date, timestamp, list<...>)"),
    };

    /// <summary>Appends one JSON value (or list) to <paramref name="b"/>.</summary>
    public static void Append(ColumnBuilder b, ParquetField field, JsonElement? v)
    {
        if (v == null || v.Value.ValueKind == JsonValueKind.Null) { b.AddNull(); return; }
        if (field.IsList)
        {
            if (v.Value.ValueKind != JsonValueKind.Array) throw new FormatException($"column '{field.Name}' expects an array, got {v.Value.ValueKind}");
            b.BeginList();
            foreach (var e in v.Value.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.Null) b.AddNull();
                else AppendScalar(b, field.Type, e);
            }
            b.EndList();
            return;
        }
        AppendScalar(b, field.Type, v.Value);
    }

    private static void AppendScalar(ColumnBuilder b, ParquetType type, JsonElement e)
    {
        switch (type)
        {
            case ParquetType.Boolean: b.AddBoolean(e.GetBoolean()); break;
            case ParquetType.Int32: b.AddInt32(e.ValueKind == JsonValueKind.String ? int.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetInt32()); break;
            case ParquetType.Int64: b.AddInt64(e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!, CultureInfo.InvariantCulture) : e.GetInt64()); break;
            case ParquetType.Float: b.AddFloat((float)Double(e)); break;
            case ParquetType.Double: b.AddDouble(Double(e)); break;
            case ParquetType.String: b.AddString(e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()); break;
            case ParquetType.Binary: b.AddBytes(e.GetBytesFromBase64()); break;
            case ParquetType.Date: b.AddDate(DateOnly.ParseExact(e.GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture)); break;
            case ParquetType.Timestamp:
                b.AddTimestamp(DateTime.Parse(e.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
                break;
        }
    }

    private static double Double(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? e.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var s => double.Parse(s!, CultureInfo.InvariantCulture),
        }
        : e.GetDouble();
}
