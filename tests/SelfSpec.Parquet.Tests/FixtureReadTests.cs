using System.Text.Json;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>Every shared fixture (written by DuckDB, hyparquet-writer, arrow-rs) reads back exactly as its expected.json says.</summary>
public class FixtureReadTests
{
    private static readonly string[] ZstdFixtures = [];

    public static TheoryData<string> ValidFixtures() => Fixtures(valid: true);

    public static TheoryData<string> CorruptFixtures() => Fixtures(valid: false);

    private static TheoryData<string> Fixtures(bool valid)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("parquet", "index.json")));
        var data = new TheoryData<string>();
        foreach (var f in index.RootElement.GetProperty("fixtures").EnumerateArray())
            if (f.GetProperty("valid").GetBoolean() == valid) data.Add(f.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ValidFixtures))]
    public void Valid_fixture_reads_back_exactly(string name)
    {
        var path = Paths.Fixture("parquet", name + ".parquet");
        using var expected = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("parquet", name + ".expected.json")));
        using var reader = ParquetReader.Open(path);
        Assert.Equal(expected.RootElement.GetProperty("num_rows").GetInt64(), reader.RowCount);
        var expectedNames = expected.RootElement.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        Assert.Equal(expectedNames, reader.Schema.TopLevel.Select(t => t.Name).ToList());
        foreach (var (col, top) in expected.RootElement.GetProperty("columns").EnumerateArray().Zip(reader.Schema.TopLevel))
            Assert.Equal(col.GetProperty("nullable").GetBoolean(), top.Repetition != Format.Repetition.Required);

        if (ZstdFixtures.Contains(name))
        {
            var ex = Assert.Throws<ParquetFormatException>(() => ParquetJson.ReadRows(reader).ToList());
            Assert.Equal(ParquetErrorKind.Unsupported, ex.Kind);
            Assert.Contains("ZSTD", ex.Message);
            Assert.Contains(path, ex.Message);
            return;
        }

        var rows = ParquetJson.ReadRows(reader).ToList();
        var expectedRows = expected.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(expectedRows.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            using var actual = JsonDocument.Parse(rows[i]);
            JsonAssert.Equal(expectedRows[i], actual.RootElement, $"{name} row {i}");
        }
    }

    [Theory]
    [MemberData(nameof(CorruptFixtures))]
    public void Corrupt_fixture_is_rejected_with_the_documented_error(string name)
    {
        var path = Paths.Fixture("parquet", name + ".parquet");
        using var expected = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("parquet", name + ".expected.json")));
        var kind = expected.RootElement.GetProperty("expected_error").GetString() switch
        {
            "too_small" => ParquetErrorKind.TooSmall,
            "bad_magic_head" => ParquetErrorKind.BadMagicHead,
            "bad_magic_tail" => ParquetErrorKind.BadMagicTail,
            "footer_length_out_of_range" => ParquetErrorKind.FooterLengthOutOfRange,
            "corrupt_footer" => ParquetErrorKind.CorruptFooter,
            var other => throw new InvalidOperationException("unknown expected_error " + other),
        };
        var ex = Assert.Throws<ParquetFormatException>(() => ParquetReader.Open(path).Dispose());
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(path, ex.FilePath);
        Assert.StartsWith(path + ": ", ex.Message);
    }
}
