using System.Globalization;
using System.Text.Json;
using SelfSpec.Parquet.Serialization;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>Fixture rows written by our writer pass the shared <c>parquet-verify</c> (DuckDB and hyparquet both read them back).</summary>
[Trait(Category.Name, Category.Slow)]
public class VerifyToolTests
{
    [Fact]
    public void Instruct_fixture_rows_written_by_us_pass_parquet_verify()
    {
        var fixture = Paths.Fixture("parquet", "duckdb_instruct.expected.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(fixture));
        var rows = doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => new InstructionRow(
            long.Parse(r.GetProperty("id").GetString()!, CultureInfo.InvariantCulture),
            r.GetProperty("task").GetString()!,
            r.GetProperty("instruction").GetString()!,
            r.GetProperty("input").ValueKind == JsonValueKind.Null ? null : r.GetProperty("input").GetString(),
            r.GetProperty("output").GetString()!,
            r.GetProperty("rouge_max").ValueKind == JsonValueKind.Null ? null : r.GetProperty("rouge_max").GetDouble(),
            r.GetProperty("doc_ids").ValueKind == JsonValueKind.Null ? null : r.GetProperty("doc_ids").EnumerateArray().Select(e => e.GetString()).ToList()))
            .ToList();
        using var dir = new TempDir();
        var path = dir.Combine("ours_instruct.parquet");
        ParquetSerializer.Write(path, rows, new Writing.ParquetWriterOptions { RowGroupRows = 64 });
        var result = ChildProcess.Run(Paths.SharedTool("parquet-verify"), [path, "--expected", fixture, "--ignore-types"], timeout: TimeSpan.FromMinutes(5));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("PASS", result.StdOut);
    }
}
