using System.Text.Json;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>The shared DuckDB-based checker tools.</summary>
internal static class Tools
{
    public static JsonDocument Inspect(string file, params string[] extra) => JsonDocument.Parse(DuckDb.InspectJson(file, extra));

    public static void Write(string jsonl, string columns, string output, string codec, int rowGroupSize, string parquetVersion = "v1")
    {
        var r = ChildProcess.Run(Paths.SharedTool("parquet-write"),
            ["--input", jsonl, "--columns", columns, "--output", output, "--codec", codec, "--row-group-size", rowGroupSize.ToString(),
             "--parquet-version", parquetVersion, "--quiet"],
            timeout: TimeSpan.FromMinutes(5));
        Assert.True(r.ExitCode == 0, "parquet-write failed: " + r);
    }
}
