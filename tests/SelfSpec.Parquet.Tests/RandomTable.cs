using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Schema;

namespace SelfSpec.Parquet.Tests;

/// <summary>
/// A randomized table covering every writer type, nulls, empty and very long strings, unicode, empty/null lists and
/// null elements. Rows are kept as JSON under the fixtures' value convention, formatted here from the source values.
/// </summary>
internal sealed class RandomTable
{
    public const string DuckDbColumns =
        "id BIGINT, b BOOLEAN, i INTEGER, l BIGINT, f FLOAT, d DOUBLE, s VARCHAR, bin BLOB, dt DATE, ts TIMESTAMPTZ, tags VARCHAR[], scores DOUBLE[], ints BIGINT[]";

    public static readonly ParquetSchema Schema = new(
        new ParquetField("id", ParquetType.Int64, Nullable: false),
        new ParquetField("b", ParquetType.Boolean),
        new ParquetField("i", ParquetType.Int32),
        new ParquetField("l", ParquetType.Int64),
        new ParquetField("f", ParquetType.Float),
        new ParquetField("d", ParquetType.Double),
        new ParquetField("s", ParquetType.String),
        new ParquetField("bin", ParquetType.Binary),
        new ParquetField("dt", ParquetType.Date),
        new ParquetField("ts", ParquetType.Timestamp),
        ParquetField.List("tags", ParquetType.String),
        ParquetField.List("scores", ParquetType.Double),
        ParquetField.List("ints", ParquetType.Int64, elementNullable: false));

    private static readonly string[] Words =
        ["", "a", "hello", "Ελληνικά", "中文字符", "한국어", "emoji 👩‍👩‍👧‍👦🇬🇷", "tab\tnew\nline", "quote\"back\\slash", "nul\0byte", "e\u0301", "𠀋𠀍"];

    private readonly Random _rng;
    public List<JsonObject> Rows { get; } = [];

    public RandomTable(int seed, int rows)
    {
        _rng = new Random(seed);
        for (var r = 0; r < rows; r++) Rows.Add(MakeRow(r));
    }

    private bool Null(double p = 0.15) => _rng.NextDouble() < p;

    private string Text()
    {
        return _rng.Next(20) switch
        {
            0 => new string('x', _rng.Next(20_000, 70_000)) + "Ω",
            < 10 => Words[_rng.Next(Words.Length)],
            _ => string.Concat(Enumerable.Range(0, _rng.Next(1, 6)).Select(_ => Words[_rng.Next(Words.Length)] + " ")),
        };
    }

    private double Double() => _rng.Next(12) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => -0.0,
        4 => double.Epsilon,
        5 => double.MaxValue,
        _ => (_rng.NextDouble() - 0.5) * Math.Pow(10, _rng.Next(-10, 10)),
    };

    private JsonObject MakeRow(int r)
    {
        var o = new JsonObject { ["id"] = r.ToString(CultureInfo.InvariantCulture) };
        o["b"] = Null() ? null : _rng.Next(2) == 0;
        o["i"] = Null() ? null : _rng.Next(4) == 0 ? int.MinValue : _rng.Next(int.MinValue, int.MaxValue);
        o["l"] = Null() ? null : (_rng.Next(4) == 0 ? long.MaxValue : _rng.NextInt64(long.MinValue, long.MaxValue)).ToString(CultureInfo.InvariantCulture);
        o["f"] = Null() ? null : Num((float)Double());
        o["d"] = Null() ? null : Num(Double());
        o["s"] = Null() ? null : Text();
        o["bin"] = Null() ? null : Convert.ToBase64String(Enumerable.Range(0, _rng.Next(0, 40)).Select(_ => (byte)_rng.Next(256)).ToArray());
        o["dt"] = Null() ? null : DateOnly.FromDayNumber(_rng.Next(0, 3652058)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        o["ts"] = Null() ? null : Timestamp(_rng.NextInt64(-62135596800L * 1_000_000, 253402300799L * 1_000_000));
        o["tags"] = List(() => Null(0.1) ? null : Text(), 8);
        o["scores"] = List(() => Null(0.1) ? null : Num(Double()), 6);
        o["ints"] = List(() => _rng.NextInt64(-1000, 1000).ToString(CultureInfo.InvariantCulture), 5);
        return o;
    }

    private JsonArray? List(Func<JsonNode?> element, int max)
    {
        if (Null(0.1)) return null;
        var a = new JsonArray();
        var n = _rng.Next(5) == 0 ? 0 : _rng.Next(1, max);
        for (var i = 0; i < n; i++) a.Add(element());
        return a;
    }

    private static JsonNode Num(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "Infinity";
        if (double.IsNegativeInfinity(v)) return "-Infinity";
        if (v == 0 && double.IsNegative(v)) return JsonNode.Parse("-0.0")!; // "-0" would be read as the integer 0
        return JsonValue.Create(v);
    }

    private static JsonNode Num(float v) => Num((double)v);

    private static string Timestamp(long micros)
    {
        var dt = DateTime.UnixEpoch.AddTicks(micros * 10);
        return dt.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>Builds the columns of rows [from, to) with the library's <see cref="ColumnBuilder"/>.</summary>
    public List<ColumnData> Columns(int from, int to)
    {
        var b = Schema.Columns.Select(c => new ColumnBuilder(c)).ToArray();
        for (var r = from; r < to; r++)
        {
            var o = Rows[r];
            b[0].AddInt64(long.Parse(o["id"]!.GetValue<string>(), CultureInfo.InvariantCulture));
            Add(b[1], o["b"], (c, n) => c.AddBoolean(n.GetValue<bool>()));
            Add(b[2], o["i"], (c, n) => c.AddInt32(n.GetValue<int>()));
            Add(b[3], o["l"], (c, n) => c.AddInt64(long.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture)));
            Add(b[4], o["f"], (c, n) => c.AddFloat((float)ParseDouble(n)));
            Add(b[5], o["d"], (c, n) => c.AddDouble(ParseDouble(n)));
            Add(b[6], o["s"], (c, n) => c.AddString(n.GetValue<string>()));
            Add(b[7], o["bin"], (c, n) => c.AddBytes(Convert.FromBase64String(n.GetValue<string>())));
            Add(b[8], o["dt"], (c, n) => c.AddDate(DateOnly.ParseExact(n.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture)));
            Add(b[9], o["ts"], (c, n) => c.AddTimestamp(DateTime.ParseExact(n.GetValue<string>(), "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)));
            AddList(b[10], o["tags"], (c, n) => c.AddString(n.GetValue<string>()));
            AddList(b[11], o["scores"], (c, n) => c.AddDouble(ParseDouble(n)));
            AddList(b[12], o["ints"], (c, n) => c.AddInt64(long.Parse(n.GetValue<string>(), CultureInfo.InvariantCulture)));
        }
        return b.Select(x => x.Build()).ToList();
    }

    private static double ParseDouble(JsonNode n) => n.GetValueKind() == System.Text.Json.JsonValueKind.String
        ? n.GetValue<string>() switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, _ => double.NegativeInfinity }
        : n.GetValue<double>();

    private static void Add(ColumnBuilder c, JsonNode? n, Action<ColumnBuilder, JsonNode> add)
    {
        if (n == null) c.AddNull();
        else add(c, n);
    }

    private static void AddList(ColumnBuilder c, JsonNode? n, Action<ColumnBuilder, JsonNode> add)
    {
        if (n == null) { c.AddNull(); return; }
        c.BeginList();
        foreach (var e in n.AsArray()) Add(c, e, add);
        c.EndList();
    }

    public string ToJsonLines()
    {
        var sb = new StringBuilder();
        foreach (var r in Rows) sb.Append(r.ToJsonString()).Append('\n');
        return sb.ToString();
    }
}
