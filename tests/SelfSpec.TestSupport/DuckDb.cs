using System.Text.Json.Nodes;
using Xunit;

namespace SelfSpec.TestSupport;

/// <summary>Opens Parquet files with DuckDB through the shared <c>parquet-inspect</c> tool: the independent reader.</summary>
public static class DuckDb
{
    /// <summary>The JSON document <c>parquet-inspect [EXTRA…] FILE</c> prints.</summary>
    public static string InspectJson(string parquetPath, params string[] extra)
    {
        // Node may drop the end of a large write to a pipe when it exits; a file receives it whole.
        var output = Path.Combine(Path.GetTempPath(), $"selfspec-inspect-{Guid.NewGuid():N}.json");
        try
        {
            var r = ChildProcess.Run("bash", ["-c", "out=\"$1\"; shift; \"$0\" \"$@\" > \"$out\"", Paths.SharedTool("parquet-inspect"), output, .. extra, parquetPath],
                timeout: TimeSpan.FromMinutes(5));
            Assert.True(r.ExitCode == 0, $"parquet-inspect failed on {parquetPath}: {r}");
            return File.ReadAllText(output);
        }
        finally
        {
            File.Delete(output);
        }
    }

    /// <summary>The inspected file as a JSON object (schema, num_rows, row_groups, rows, key_value_metadata).</summary>
    public static JsonObject Inspect(string parquetPath, params string[] extra) => JsonNode.Parse(InspectJson(parquetPath, extra))!.AsObject();

    /// <summary>The rows of an inspected file.</summary>
    public static List<JsonObject> Rows(JsonObject doc) => doc["rows"]!.AsArray().Select(r => r!.AsObject()).ToList();

    /// <summary>The footer key/value metadata of an inspected file.</summary>
    public static Dictionary<string, string?> KeyValues(JsonObject doc) =>
        doc["key_value_metadata"]!.AsArray().Select(e => e!.AsObject())
            .ToDictionary(e => e["key"]!.ToString(), e => e["value"]?.ToString());

    /// <summary>The column names of an inspected file, in schema order.</summary>
    public static List<string> ColumnNames(JsonObject doc) => doc["schema"]!.AsArray().Select(c => c!["name"]!.ToString()).ToList();
}
