using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.Parquet.Writing;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>ZSTD writing (ZstdSharp.Port) read back by our own RFC 8878 decoder; DuckDB reads the same files in <see cref="DuckDbRoundTripTests"/>.</summary>
public class ZstdWriteTests
{
    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void Each_level_reads_back_exactly_and_higher_levels_are_smaller(int pageVersion, bool dictionary)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 21 + pageVersion, rows: 800);
        var sizes = new Dictionary<int, long>();
        foreach (var level in new[] { -5, 1, 3, 19 })
        {
            var path = dir.Combine($"zstd{level}.parquet");
            Write(path, table, new ParquetWriterOptions { Codec = CompressionCodec.Zstd, ZstdLevel = level, DataPageVersion = pageVersion, UseDictionary = dictionary, DataPageSize = 8192 });
            using var reader = ParquetReader.Open(path);
            Assert.All(reader.Metadata.RowGroups.SelectMany(g => g.Columns), c => Assert.Equal(CompressionCodec.Zstd, c.MetaData!.Codec));
            JsonAssert.Rows(JsonAssert.Elements(table.Rows), JsonAssert.Parse(ParquetJson.ReadRows(reader)), $"level {level}");
            sizes[level] = new FileInfo(path).Length;
        }
        Assert.True(sizes[19] < sizes[1] && sizes[1] < sizes[-5], string.Join(", ", sizes.Select(kv => $"level {kv.Key}: {kv.Value} bytes")));
    }

    [Fact]
    public void The_bytes_do_not_depend_on_the_thread_count()
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 8, rows: 600);
        var one = dir.Combine("one.parquet");
        var four = dir.Combine("four.parquet");
        Write(one, table, new ParquetWriterOptions { Codec = CompressionCodec.Zstd, MaxDegreeOfParallelism = 1 });
        Write(four, table, new ParquetWriterOptions { Codec = CompressionCodec.Zstd, MaxDegreeOfParallelism = 4 });
        Assert.Equal(File.ReadAllBytes(one), File.ReadAllBytes(four));
    }

    [Fact]
    public void A_level_out_of_range_names_the_option()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ParquetWriterOptions { ZstdLevel = 23 });
        Assert.Equal("ZstdLevel", ex.ParamName);
        Assert.Contains("between -7 and 22", ex.Message);
    }

    private static void Write(string path, RandomTable table, ParquetWriterOptions options)
    {
        using var w = new ParquetWriter(path, RandomTable.Schema, options);
        w.WriteRowGroup(table.Columns(0, table.Rows.Count / 3));
        w.WriteRowGroup(table.Columns(table.Rows.Count / 3, table.Rows.Count));
        w.Commit();
    }
}
