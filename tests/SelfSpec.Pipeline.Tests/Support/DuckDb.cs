using System.Text.Json.Nodes;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests.Support;

/// <summary>Opens a Parquet file with DuckDB through the shared <c>parquet-inspect</c> tool (the independent reader).</summary>
internal static class DuckDb
{
    public static JsonObject Inspect(string parquetPath)
    {
        var result = ChildProcess.Run(Paths.SharedTool("parquet-inspect"), ["--compact", parquetPath], timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, $"parquet-inspect failed on {parquetPath}: {result}");
        return JsonNode.Parse(result.StdOut)!.AsObject();
    }

    public static List<JsonObject> Rows(JsonObject doc) => doc["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();

    public static Dictionary<string, string?> KeyValues(JsonObject doc) =>
        doc["key_value_metadata"]!.AsArray().Select(e => e!.AsObject())
            .ToDictionary(e => e["key"]!.ToString(), e => e["value"]?.ToString());

    public static List<string> ColumnNames(JsonObject doc) => doc["schema"]!.AsArray().Select(c => c!["name"]!.ToString()).ToList();
}
