using System.Text.Json;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.Parquet.Writing;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

internal static class Utf8Order
{
    /// <summary>Parquet orders strings by their UTF-8 bytes (unsigned), which differs from UTF-16 ordinal order above the BMP.</summary>
    public static IComparer<string?> WithUtf8Order(this StringComparer _) =>
        Comparer<string?>.Create((a, b) => System.Text.Encoding.UTF8.GetBytes(a!).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b!)));
}

/// <summary>Randomized tables round-trip through DuckDB in both directions, for each codec.</summary>
[Trait(Category.Name, Category.Slow)]
public class DuckDbRoundTripTests
{
    public static TheoryData<CompressionCodec, bool> Codecs() => new()
    {
        { CompressionCodec.Snappy, true }, { CompressionCodec.Gzip, false }, { CompressionCodec.Uncompressed, true },
        { CompressionCodec.Zstd, true }, { CompressionCodec.Zstd, false },
    };

    [Theory]
    [InlineData(CompressionCodec.Snappy, true)]
    [InlineData(CompressionCodec.Uncompressed, false)]
    [InlineData(CompressionCodec.Zstd, true)]
    public void Our_v2_data_pages_read_in_DuckDB_and_hyparquet(CompressionCodec codec, bool dictionary)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: (int)codec + 29, rows: 500);
        var path = dir.Combine("ours_v2.parquet");
        var options = new ParquetWriterOptions { Codec = codec, UseDictionary = dictionary, DataPageSize = 4096, WritePageCrc = true, DataPageVersion = 2 };
        using (var w = new ParquetWriter(path, RandomTable.Schema, options))
        {
            w.WriteRowGroup(table.Columns(0, 320));
            w.WriteRowGroup(table.Columns(320, 500));
            w.Commit();
        }
        using var doc = Tools.Inspect(path, "--cross-check", "--pages");
        var root = doc.RootElement;
        Assert.Equal(["v2"], root.GetProperty("data_page_versions").EnumerateArray().Select(v => v.GetString()).ToList());
        var pageTypes = root.GetProperty("row_groups").EnumerateArray().SelectMany(g => g.GetProperty("columns").EnumerateArray())
            .SelectMany(c => c.GetProperty("pages").EnumerateArray()).Select(p => p.GetProperty("type").GetString()).ToHashSet();
        Assert.Contains("DATA_PAGE_V2", pageTypes);
        Assert.DoesNotContain("DATA_PAGE", pageTypes);
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(500, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            using var expected = JsonDocument.Parse(table.Rows[i].ToJsonString());
            JsonAssert.Equal(expected.RootElement, rows[i], $"row {i}");
        }
        using var reader = ParquetReader.Open(path);
        var ours = ParquetJson.ReadRows(reader).ToList();
        for (var i = 0; i < ours.Count; i++)
        {
            using var expected = JsonDocument.Parse(table.Rows[i].ToJsonString());
            using var actual = JsonDocument.Parse(ours[i]);
            JsonAssert.Equal(expected.RootElement, actual.RootElement, $"our row {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void Our_file_reads_in_DuckDB_exactly_as_written(CompressionCodec codec, bool dictionary)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: (int)codec + 17, rows: 700);
        var path = dir.Combine("ours.parquet");
        var options = new ParquetWriterOptions { Codec = codec, UseDictionary = dictionary, DataPageSize = 8192, WritePageCrc = true };
        using (var w = new ParquetWriter(path, RandomTable.Schema, options))
        {
            w.KeyValueMetadata["selfspec.workflow"] = "{\"name\":\"test\"}";
            foreach (var (from, to) in new[] { (0, 1), (1, 300), (300, 650), (650, 700) })
                w.WriteRowGroup(table.Columns(from, to));
            w.Commit();
        }
        using var doc = Tools.Inspect(path, "--cross-check");
        var root = doc.RootElement;
        Assert.Equal(700, root.GetProperty("num_rows").GetInt64());
        Assert.Equal(4, root.GetProperty("row_groups").GetArrayLength());
        Assert.Contains(root.GetProperty("key_value_metadata").EnumerateArray(),
            kv => kv.GetProperty("key").GetString() == "selfspec.workflow" && kv.GetProperty("value").GetString() == "{\"name\":\"test\"}");
        var chunk = root.GetProperty("row_groups")[1].GetProperty("columns")[0];
        Assert.Equal(codec.ToString().ToUpperInvariant(), chunk.GetProperty("codec").GetString());
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            using var expected = JsonDocument.Parse(table.Rows[i].ToJsonString());
            JsonAssert.Equal(expected.RootElement, rows[i], $"row {i}");
        }
        Assert.Equal(700, rows.Count);

        // Statistics as DuckDB reads them from our footer: row group 1 holds rows 1..299.
        var group = root.GetProperty("row_groups")[1].GetProperty("columns");
        var ints = table.Rows.Skip(1).Take(299).Select(r => r["i"]).ToList();
        var iStats = group.EnumerateArray().First(c => c.GetProperty("path").GetString() == "i").GetProperty("stats");
        Assert.Equal(ints.Where(v => v != null).Min(v => v!.GetValue<int>()).ToString(), iStats.GetProperty("min").ToString());
        Assert.Equal(ints.Where(v => v != null).Max(v => v!.GetValue<int>()).ToString(), iStats.GetProperty("max").ToString());
        Assert.Equal(ints.Count(v => v == null), iStats.GetProperty("null_count").GetInt32());
        var strings = table.Rows.Skip(1).Take(299).Select(r => r["s"]?.GetValue<string>()).Where(v => v != null).ToList();
        var sStats = group.EnumerateArray().First(c => c.GetProperty("path").GetString() == "s").GetProperty("stats");
        Assert.Equal(strings.Min(StringComparer.Ordinal.WithUtf8Order()), sStats.GetProperty("min").GetString());
        Assert.Equal(strings.Max(StringComparer.Ordinal.WithUtf8Order()), sStats.GetProperty("max").GetString());
    }

    /// <summary>DuckDB's ZSTD files (V1 and V2 encodings) read back exactly in ours.</summary>
    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public void DuckDB_zstd_file_reads_in_ours_exactly(string version)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: version == "v1" ? 11 : 12, rows: 1500);
        var jsonl = dir.Combine("rows.jsonl");
        File.WriteAllText(jsonl, table.ToJsonLines());
        var path = dir.Combine("duck_zstd.parquet");
        Tools.Write(jsonl, RandomTable.DuckDbColumns, path, "zstd", 700, parquetVersion: version);
        using var reader = ParquetReader.Open(path);
        Assert.Equal(CompressionCodec.Zstd, reader.Metadata.RowGroups[0].Columns[0].MetaData!.Codec);
        var rows = ParquetJson.ReadRows(reader).ToList();
        Assert.Equal(1500, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            using var expected = JsonDocument.Parse(table.Rows[i].ToJsonString());
            using var actual = JsonDocument.Parse(rows[i]);
            JsonAssert.Equal(expected.RootElement, actual.RootElement, $"row {i}");
        }
    }

    /// <summary>DuckDB's V2 mode writes DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, BYTE_STREAM_SPLIT and RLE_DICTIONARY.</summary>
    [Fact]
    public void DuckDB_v2_encodings_read_in_ours_exactly()
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 5, rows: 800);
        var jsonl = dir.Combine("rows.jsonl");
        File.WriteAllText(jsonl, table.ToJsonLines());
        var path = dir.Combine("duck_v2.parquet");
        Tools.Write(jsonl, RandomTable.DuckDbColumns, path, "snappy", 300, parquetVersion: "v2");
        using (var pages = Tools.Inspect(path, "--pages", "--no-rows"))
        {
            var encodings = pages.RootElement.GetProperty("row_groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("columns").EnumerateArray())
                .SelectMany(c => c.GetProperty("pages").EnumerateArray())
                .Select(p => p.GetProperty("encoding").GetString()).ToHashSet();
            Assert.Contains("DELTA_BINARY_PACKED", encodings);
            Assert.Contains("DELTA_LENGTH_BYTE_ARRAY", encodings);
            Assert.Contains("BYTE_STREAM_SPLIT", encodings);
        }
        using var reader = ParquetReader.Open(path);
        var rows = ParquetJson.ReadRows(reader).ToList();
        Assert.Equal(800, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            using var expected = JsonDocument.Parse(table.Rows[i].ToJsonString());
            using var actual = JsonDocument.Parse(rows[i]);
            JsonAssert.Equal(expected.RootElement, actual.RootElement, $"row {i}");
        }
    }

    [Theory]
    [MemberData(nameof(Codecs))]
    public void DuckDB_file_reads_in_ours_exactly_as_written(CompressionCodec codec, bool _)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: (int)codec + 91, rows: 600);
        var jsonl = dir.Combine("rows.jsonl");
        File.WriteAllText(jsonl, table.ToJsonLines());
        var path = dir.Combine("duck.parquet");
        Tools.Write(jsonl, RandomTable.DuckDbColumns, path, codec == CompressionCodec.Uncompressed ? "uncompressed" : codec.ToString().ToLowerInvariant(), 250);
        using var reader = ParquetReader.Open(path);
        Assert.Equal(3, reader.RowGroupCount);
        var rows = ParquetJson.ReadRows(reader).ToList();
        Assert.Equal(600, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            using var expected = JsonDocument.Parse(table.Rows[i].ToJsonString());
            using var actual = JsonDocument.Parse(rows[i]);
            JsonAssert.Equal(expected.RootElement, actual.RootElement, $"row {i}");
        }
    }
}
