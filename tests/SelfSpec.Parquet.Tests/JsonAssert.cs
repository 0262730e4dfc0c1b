using System.Text.Json;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>Compares JSON values under the fixtures' value convention: numbers by value (and sign of zero), everything else exactly.</summary>
internal static class JsonAssert
{
    /// <summary>As many rows as expected, each equal to the expected row at its position.</summary>
    public static void Rows(IEnumerable<JsonElement> expected, IEnumerable<JsonElement> actual, string where)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        Assert.True(e.Count == a.Count, $"{where}: {a.Count} rows, expected {e.Count}");
        for (var i = 0; i < e.Count; i++) Equal(e[i], a[i], $"{where}, row {i}");
    }

    /// <summary>Rows given as JSON texts (e.g. <c>ParquetJson.ReadRows</c>).</summary>
    public static IEnumerable<JsonElement> Parse(IEnumerable<string> rows) => rows.Select(r => JsonSerializer.Deserialize<JsonElement>(r));

    /// <summary>Rows given as JSON nodes (e.g. <c>RandomTable.Rows</c>).</summary>
    public static IEnumerable<JsonElement> Elements(IEnumerable<System.Text.Json.Nodes.JsonNode?> rows) => rows.Select(r => JsonSerializer.SerializeToElement(r));

    public static void Equal(JsonElement expected, JsonElement actual, string where)
    {
        if (!Same(expected, actual, out var path))
            Assert.Fail($"{where}{path}: expected {Trim(expected)} but got {Trim(actual)}");
    }

    private static string Trim(JsonElement e)
    {
        var s = e.GetRawText();
        return s.Length > 300 ? s[..300] + "…" : s;
    }

    private static bool Same(JsonElement a, JsonElement b, out string path)
    {
        path = "";
        if (a.ValueKind != b.ValueKind) return false;
        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
                var x = a.GetDouble();
                var y = b.GetDouble();
                return BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y)
                       || (x == y && x != 0);
            case JsonValueKind.String: return a.GetString() == b.GetString();
            case JsonValueKind.Array:
            {
                var la = a.EnumerateArray().ToList();
                var lb = b.EnumerateArray().ToList();
                if (la.Count != lb.Count) { path = $" (length {la.Count} vs {lb.Count})"; return false; }
                for (var i = 0; i < la.Count; i++)
                    if (!Same(la[i], lb[i], out var p)) { path = $"[{i}]{p}"; return false; }
                return true;
            }
            case JsonValueKind.Object:
            {
                var pa = a.EnumerateObject().ToList();
                var pb = b.EnumerateObject().ToList();
                if (!pa.Select(p => p.Name).SequenceEqual(pb.Select(p => p.Name)))
                {
                    path = $" (keys {string.Join(",", pa.Select(p => p.Name))} vs {string.Join(",", pb.Select(p => p.Name))})";
                    return false;
                }
                for (var i = 0; i < pa.Count; i++)
                    if (!Same(pa[i].Value, pb[i].Value, out var p)) { path = $".{pa[i].Name}{p}"; return false; }
                return true;
            }
            default: return true;
        }
    }
}
