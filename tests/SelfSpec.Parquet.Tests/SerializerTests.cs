using System.Globalization;
using System.Text.Json;
using SelfSpec.Parquet.Serialization;
using SelfSpec.Parquet.Writing;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

public sealed record InstructionRow(long Id, string Task, string Instruction, string? Input, string Output, double? RougeMax, IReadOnlyList<string?>? DocIds);

public sealed record WrongTypes(long Id, int Task);

public enum Stage { Seeds, Generation, Filtering }

public sealed record WithEnum(long Id, Stage Stage, Stage? Previous);

public sealed class Mutable
{
    public long Id { get; set; }
    public string? Note { get; set; }
}

public sealed record Typed(long Id, bool Flag, int? Count, float Ratio, DateOnly Day, DateTime At, byte[]? Blob, string[] Tags, List<double?>? Scores);

public class SerializerTests
{
    [Fact]
    public void Reads_the_DuckDB_instruct_fixture_into_records()
    {
        var rows = ParquetSerializer.Read<InstructionRow>(Paths.Fixture("parquet", "duckdb_instruct.parquet"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Paths.Fixture("parquet", "duckdb_instruct.expected.json")));
        var exp = expected.RootElement.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(exp.Count, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var e = exp[i];
            Assert.Equal(long.Parse(e.GetProperty("id").GetString()!, CultureInfo.InvariantCulture), rows[i].Id);
            Assert.Equal(e.GetProperty("instruction").GetString(), rows[i].Instruction);
            Assert.Equal(e.GetProperty("input").ValueKind == JsonValueKind.Null ? null : e.GetProperty("input").GetString(), rows[i].Input);
            Assert.Equal(e.GetProperty("output").GetString(), rows[i].Output);
            Assert.Equal(e.GetProperty("rouge_max").GetDouble(), rows[i].RougeMax);
            var ids = e.GetProperty("doc_ids");
            if (ids.ValueKind == JsonValueKind.Null) Assert.Null(rows[i].DocIds);
            else Assert.Equal(ids.EnumerateArray().Select(x => x.GetString()).ToList(), rows[i].DocIds!);
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void Records_written_by_us_read_in_DuckDB_with_snake_case_names_and_nullability()
    {
        using var dir = new TempDir();
        var path = dir.Combine("typed.parquet");
        var rows = Enumerable.Range(0, 50).Select(i => new Typed(
            i, i % 2 == 0, i % 3 == 0 ? null : i * 7, i / 4f, new DateOnly(2024, 1, 1).AddDays(i),
            new DateTime(2024, 2, 29, 12, 0, 0, DateTimeKind.Utc).AddTicks(i * 10),
            i % 5 == 0 ? null : [(byte)i, 0, 255], i % 4 == 0 ? [] : ["t" + i, "ü"], i % 6 == 0 ? null : [i, null, -0.5])).ToList();
        ParquetSerializer.Write(path, rows, new ParquetWriterOptions { RowGroupRows = 16 });

        using var doc = Tools.Inspect(path);
        var schema = doc.RootElement.GetProperty("schema").EnumerateArray()
            .Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("type").GetString()} {c.GetProperty("nullable").GetBoolean()}").ToList();
        Assert.Equal([
            "id BIGINT False", "flag BOOLEAN False", "count INTEGER True", "ratio FLOAT False", "day DATE False",
            "at TIMESTAMP WITH TIME ZONE False", "blob BLOB True", "tags VARCHAR[] False", "scores DOUBLE[] True"], schema);
        Assert.Equal(4, doc.RootElement.GetProperty("row_groups").GetArrayLength());
        var r7 = doc.RootElement.GetProperty("rows")[7];
        Assert.Equal("7", r7.GetProperty("id").GetString());
        Assert.Equal(49, r7.GetProperty("count").GetInt32());
        Assert.Equal("2024-01-08", r7.GetProperty("day").GetString());
        Assert.Equal("2024-02-29T12:00:00.000007Z", r7.GetProperty("at").GetString());
        Assert.Equal(Convert.ToBase64String([7, 0, 255]), r7.GetProperty("blob").GetString());
        Assert.Equal("[\"t7\",\"ü\"]", r7.GetProperty("tags").GetRawText());

        var back = ParquetSerializer.Read<Typed>(path);
        Assert.Equal(rows.Count, back.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i] with { Blob = null, Tags = [], Scores = null }, back[i] with { Blob = null, Tags = [], Scores = null });
            Assert.Equal(rows[i].Blob, back[i].Blob);
            Assert.Equal(rows[i].Tags, back[i].Tags);
            Assert.Equal(rows[i].Scores, back[i].Scores);
        }
    }

    [Fact]
    public void Schema_mismatch_names_the_column_and_both_types()
    {
        var path = Paths.Fixture("parquet", "duckdb_instruct.parquet");
        var ex = Assert.Throws<ParquetFormatException>(() => ParquetSerializer.Read<WrongTypes>(path));
        Assert.Equal(ParquetErrorKind.SchemaMismatch, ex.Kind);
        Assert.Contains("'task'", ex.Message);
        Assert.Contains("STRING", ex.Message);
        Assert.Contains("Int32", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void A_null_in_a_non_nullable_property_names_the_row()
    {
        // duckdb_instruct has nulls in `input` (row 3 among others); Task is not nullable but never null, Input is.
        var path = Paths.Fixture("parquet", "duckdb_instruct.parquet");
        var ex = Assert.Throws<ParquetFormatException>(() => ParquetSerializer.Read<NonNullInput>(path));
        Assert.Contains("not nullable", ex.Message);
        Assert.Contains("'input'", ex.Message);
    }

    public sealed record NonNullInput(long Id, string Input);

    [Fact]
    public void Enums_are_stored_as_strings_and_setter_classes_round_trip()
    {
        using var dir = new TempDir();
        var path = dir.Combine("enum.parquet");
        var rows = new[] { new WithEnum(1, Stage.Generation, null), new WithEnum(2, Stage.Filtering, Stage.Generation) };
        var reports = new List<long>();
        ParquetSerializer.Write(path, rows, progress: new SyncProgress(reports));
        Assert.Equal([2L], reports);
        Assert.Equal(rows, ParquetSerializer.Read<WithEnum>(path));
        var missing = Assert.Throws<ParquetFormatException>(() => ParquetSerializer.Read<Mutable>(path));
        Assert.Contains("no column 'note'", missing.Message);

        var mpath = dir.Combine("mutable.parquet");
        ParquetSerializer.Write(mpath, [new Mutable { Id = 5, Note = "n" }, new Mutable { Id = 6 }]);
        var back = ParquetSerializer.Read<Mutable>(mpath);
        Assert.Equal([(5L, "n"), (6L, null)], back.Select(m => (m.Id, m.Note)).ToList());
    }

    private sealed class SyncProgress(List<long> sink) : IProgress<long>
    {
        public void Report(long value) => sink.Add(value);
    }

    [Fact]
    public void A_failed_write_leaves_no_file_behind()
    {
        using var dir = new TempDir();
        var path = dir.Combine("out.parquet");
        IEnumerable<InstructionRow> Rows()
        {
            for (var i = 0; i < 3000; i++) yield return new InstructionRow(i, "t", "i", null, "o", 0.5, ["a"]);
            throw new IOException("upstream failed");
        }
        Assert.Throws<IOException>(() => ParquetSerializer.Write(path, Rows(), new ParquetWriterOptions { RowGroupRows = 1000 }));
        Assert.Empty(Directory.GetFiles(dir.FullPath));
    }
}
