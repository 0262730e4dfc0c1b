using System.Text.Json;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>
/// Files written by arrow-rs (npm parquet-wasm) whose string column falls back from the dictionary to DELTA_BYTE_ARRAY
/// (or PLAIN) inside a column chunk read back exactly: every value is compared with the rows the writer script wrote.
/// </summary>
[Trait(Category.Name, Category.Slow)]
public class ArrowRsFallbackTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        // name, arrow-rs-write options
        { "v2 early fallback (4 KB dictionary)", "--rows 5000 --dictionary-page-size-limit 4096" },
        { "v2 fallback mid-chunk, default limits, long strings", "--rows 30000 --distinct-from 12000 --long-every 20" },
        { "v2 fallback before the first page", "--rows 3000 --distinct-from 0 --dictionary-page-size-limit 2048" },
        { "v2 fallback after eight full dictionary pages of 500 values", "--rows 8000 --distinct-from 4000 --write-batch-size 500 --data-page-size-limit 1 --dictionary-page-size-limit 8192" },
        { "v2 small pages, many long strings, no nulls", "--rows 4000 --null-every 0 --long-every 3 --data-page-size-limit 65536 --dictionary-page-size-limit 65536" },
        { "v2 only nulls after the dictionary pages", "--rows 2000 --null-every 1" },
        { "v2 several row groups", "--rows 20000 --max-row-group-size 6000 --dictionary-page-size-limit 16384 --seed 3" },
        { "v2 one row", "--rows 1 --distinct-from 0" },
        { "v2 zstd", "--rows 6000 --compression zstd --dictionary-page-size-limit 4096" },
        { "v2 gzip", "--rows 6000 --compression gzip --dictionary-page-size-limit 4096 --seed 5" },
        { "v2 uncompressed", "--rows 6000 --compression uncompressed --dictionary-page-size-limit 4096 --seed 6" },
        { "v1 pages, DELTA_BYTE_ARRAY fallback", "--writer-version 1 --rows 20000 --distinct-from 5000 --dictionary-page-size-limit 16384 --long-every 25" },
        { "v1 pages, PLAIN fallback", "--writer-version 1 --fallback plain --rows 20000 --dictionary-page-size-limit 16384" },
        { "v2 pages, PLAIN fallback", "--fallback plain --rows 20000 --dictionary-page-size-limit 16384 --seed 9" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Dictionary_fallback_reads_back_exactly(string name, string options)
    {
        using var dir = new TempDir();
        var path = dir.Combine("arrow-rs.parquet");
        ArrowRs.Write(path, options.Split(' '));
        using var expected = JsonDocument.Parse(File.ReadAllText(path + ".json"));

        using var reader = ParquetReader.Open(path);
        JsonAssert.Rows(expected.RootElement.EnumerateArray(), JsonAssert.Parse(ParquetJson.ReadRows(reader)), name);
    }

    [Fact]
    public void The_files_really_fall_back_inside_a_column_chunk()
    {
        // Guards the cases above: the string column has a dictionary page, dictionary-encoded pages and then
        // DELTA_BYTE_ARRAY pages in one chunk, on DATA_PAGE_V2 and on DATA_PAGE (v1).
        using var dir = new TempDir();
        foreach (var (version, pageType) in new[] { ("2", "DATA_PAGE_V2"), ("1", "DATA_PAGE") })
        {
            var path = dir.Combine($"v{version}.parquet");
            ArrowRs.Write(path, "--writer-version", version, "--rows", "5000", "--dictionary-page-size-limit", "4096");
            using var doc = Tools.Inspect(path, "--pages", "--no-rows");
            var chunk = doc.RootElement.GetProperty("row_groups")[0].GetProperty("columns")[1];
            var pages = chunk.GetProperty("pages").EnumerateArray()
                .Select(p => $"{p.GetProperty("type").GetString()}:{p.GetProperty("encoding").GetString()}").Distinct().ToList();
            Assert.Equal(["DICTIONARY_PAGE:PLAIN", $"{pageType}:RLE_DICTIONARY", $"{pageType}:DELTA_BYTE_ARRAY"], pages);
        }
    }
}

/// <summary>The <c>ArrowRs/arrow-rs-write</c> script: arrow-rs through npm parquet-wasm (installed on first use).</summary>
internal static class ArrowRs
{
    public static void Write(string output, params string[] options)
    {
        var script = Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Parquet.Tests", "ArrowRs", "arrow-rs-write");
        var r = ChildProcess.Run(script, ["--output", output, .. options], timeout: TimeSpan.FromMinutes(10));
        Assert.True(r.ExitCode == 0, "arrow-rs-write failed: " + r);
    }
}
