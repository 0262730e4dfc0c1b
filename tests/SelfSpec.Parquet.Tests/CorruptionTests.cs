using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.Parquet.Writing;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>Damaged files fail with <see cref="ParquetFormatException"/> naming the file: never another exception type, never a hang.</summary>
public class CorruptionTests
{
    public static TheoryData<string> Sources() => new()
    {
        "duckdb_types_snappy", "duckdb_types_gzip", "duckdb_lists", "duckdb_nested", "duckdb_dictionary_strings_v2encodings",
        "hyparquet_writer_instruct", "parquet_wasm_types_v1", "duckdb_types_zstd", "parquet_wasm_types_v2", "ours_crc",
    };

    private static byte[] Source(string name, TempDir dir)
    {
        if (name != "ours_crc") return File.ReadAllBytes(Paths.Fixture("parquet", name + ".parquet"));
        var path = dir.Combine("ours.parquet");
        var table = new RandomTable(3, 120);
        using (var w = new ParquetWriter(path, RandomTable.Schema, new ParquetWriterOptions { WritePageCrc = true, DataPageSize = 2048 }))
        {
            w.WriteRowGroup(table.Columns(0, 60));
            w.WriteRowGroup(table.Columns(60, 120));
            w.Commit();
        }
        return File.ReadAllBytes(path);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task Random_byte_damage_raises_only_ParquetFormatException(string name)
    {
        using var dir = new TempDir();
        var original = Source(name, dir);
        var rng = new Random(name.Length * 7919);
        var path = dir.Combine("damaged.parquet");
        var failures = 0;
        var trials = int.TryParse(Environment.GetEnvironmentVariable("PARQUET_FUZZ_TRIALS"), out var t) ? t : 150;
        for (var trial = 0; trial < trials; trial++)
        {
            var bytes = (byte[])original.Clone();
            var hits = rng.Next(1, 5);
            for (var k = 0; k < hits; k++)
            {
                var at = rng.Next(4, bytes.Length - 8);
                bytes[at] = rng.Next(3) switch { 0 => 0xFF, 1 => 0x00, _ => (byte)rng.Next(256) };
            }
            File.WriteAllBytes(path, bytes);
            var task = Task.Run(() =>
            {
                try
                {
                    using var reader = ParquetReader.Open(path);
                    foreach (var _ in ParquetJson.ReadRows(reader)) { }
                }
                catch (ParquetFormatException e)
                {
                    Assert.Equal(path, e.FilePath);
                    failures++;
                }
            });
            var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(20)));
            if (finished != task) Assert.Fail($"{name} trial {trial}: reading did not finish (hang)");
            if (task.Exception != null) Assert.Fail($"{name} trial {trial}: {task.Exception.InnerException}");
        }
        Assert.True(failures > 0, "damage was never detected");
    }

    [Fact]
    public void Page_crc_mismatch_is_reported_with_row_group_and_column()
    {
        using var dir = new TempDir();
        var bytes = Source("ours_crc", dir);
        using (var r = ParquetReader.Open(dir.Combine("ours.parquet")))
        {
            var chunk = r.Metadata.RowGroups[1].Columns[6].MetaData!; // column `s`, second row group
            var target = chunk.DictionaryPageOffset ?? chunk.DataPageOffset;
            bytes[target + chunk.TotalCompressedSize - 3] ^= 0x55; // inside the last page's body
        }
        var path = dir.Combine("damaged.parquet");
        File.WriteAllBytes(path, bytes);
        using var reader = ParquetReader.Open(path);
        var ex = Assert.Throws<ParquetFormatException>(() => reader.ReadRowGroup(1));
        Assert.Contains("CRC", ex.Message);
        Assert.Equal(1, ex.RowGroup);
        Assert.Equal("s", ex.Column);
    }
}
