using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;
using SelfSpec.Parquet.Data;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Schema;
using SelfSpec.Parquet.Values;
using SelfSpec.Parquet.Writing;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>Layouts other writers emit that ours does not: legacy two-level lists, bare repeated fields, INT96.</summary>
public class LegacyLayoutTests
{
    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public void Two_level_lists_and_bare_repeated_fields_read_like_DuckDB_reads_them()
    {
        // optional group tags (LIST) { repeated binary array (UTF8) }  and  repeated int32 nums
        var elements = new List<SchemaElement>
        {
            new() { Name = "schema", NumChildren = 3 },
            new() { Name = "id", Type = PhysicalType.Int64, RepetitionType = Repetition.Required },
            new() { Name = "tags", RepetitionType = Repetition.Optional, NumChildren = 1, ConvertedType = ConvertedType.List },
            new() { Name = "array", Type = PhysicalType.ByteArray, RepetitionType = Repetition.Repeated, ConvertedType = ConvertedType.Utf8 },
            new() { Name = "nums", Type = PhysicalType.Int32, RepetitionType = Repetition.Repeated },
        };
        var schema = new ParquetSchema(elements, "legacy");
        var rng = new Random(4);
        var expected = new List<JsonObject>();
        var b = schema.Columns.Select(c => new ColumnBuilder(c)).ToArray();
        for (var r = 0; r < 300; r++)
        {
            var row = new JsonObject { ["id"] = r.ToString() };
            b[0].AddInt64(r);
            if (rng.Next(6) == 0) { b[1].AddNull(); row["tags"] = null; }
            else
            {
                var tags = new JsonArray();
                b[1].BeginList();
                for (var i = rng.Next(4); i > 0; i--) { var t = "t" + rng.Next(50) + "é"; b[1].AddString(t); tags.Add(t); }
                b[1].EndList();
                row["tags"] = tags;
            }
            var nums = new JsonArray();
            b[2].BeginList();
            for (var i = rng.Next(4); i > 0; i--) { var v = rng.Next(-100, 100); b[2].AddInt32(v); nums.Add(v); }
            b[2].EndList();
            row["nums"] = nums;
            expected.Add(row);
        }
        using var dir = new TempDir();
        var path = dir.Combine("legacy.parquet");
        using (var w = new ParquetWriter(path, schema))
        {
            w.WriteRowGroup(b.Select(x => x.Build()).ToList());
            w.Commit();
        }
        using var duck = Tools.Inspect(path);
        var duckRows = duck.RootElement.GetProperty("rows").EnumerateArray().ToList();
        using var reader = ParquetReader.Open(path);
        Assert.Equal("LIST<STRING>", reader.Schema.Find("tags")!.DescribeType());
        var ours = ParquetJson.ReadRows(reader).ToList();
        Assert.Equal(300, duckRows.Count);
        Assert.Equal(300, ours.Count);
        for (var i = 0; i < 300; i++)
        {
            using var e = JsonDocument.Parse(expected[i].ToJsonString());
            using var o = JsonDocument.Parse(ours[i]);
            JsonAssert.Equal(e.RootElement, duckRows[i], $"DuckDB row {i}");
            JsonAssert.Equal(e.RootElement, o.RootElement, $"our row {i}");
        }
    }

    [Fact]
    public void Int96_timestamps_use_the_Julian_day_and_nanoseconds_of_day()
    {
        // Julian day 2440588 is 1970-01-01 and 2451545 is 2000-01-01 (the Julian day numbers of those dates).
        var elements = new List<SchemaElement>
        {
            new() { Name = "schema", NumChildren = 1 },
            new() { Name = "ts", Type = PhysicalType.Int96, RepetitionType = Repetition.Required },
        };
        var column = new ParquetSchema(elements, "int96").Columns[0];
        var data = new ColumnData(column, 2);
        void Add(long nanosOfDay, int julianDay)
        {
            var v = new byte[12];
            BinaryPrimitives.WriteInt64LittleEndian(v, nanosOfDay);
            BinaryPrimitives.WriteInt32LittleEndian(v.AsSpan(8), julianDay);
            data.EnsureValues(1);
            data.EnsureBytes(12);
            v.CopyTo(data.Bytes!, data.Offsets![data.ValueCount]);
            data.Offsets[data.ValueCount + 1] = data.Offsets[data.ValueCount] + 12;
            data.ValueCount++;
        }
        Add(3_600_000_000_001, 2451545);
        Add(0, 2440588);
        Assert.Equal("\"2000-01-01T01:00:00.000000001\"", LeafValues.ToConventionJson(data, 0));
        Assert.Equal(new DateTime(2000, 1, 1, 1, 0, 0), LeafValues.ToClr(data, 0));
        Assert.Equal("\"1970-01-01T00:00:00.000000000\"", LeafValues.ToConventionJson(data, 1));
    }
}
