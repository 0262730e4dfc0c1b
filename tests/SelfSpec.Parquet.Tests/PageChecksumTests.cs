using System.Text.Json;
using SelfSpec.Parquet.Format;
using SelfSpec.Parquet.Reading;
using SelfSpec.Parquet.Values;
using SelfSpec.Parquet.Writing;
using SelfSpec.TestSupport;
using Xunit;

namespace SelfSpec.Parquet.Tests;

/// <summary>
/// Page CRC-32s (the <c>crc</c> field of the page header): ours agree with Python's zlib.crc32 over each page's bytes
/// as located by DuckDB's metadata and the page headers, DuckDB still reads the files, and our reader rejects a
/// flipped bit with an error naming the file, row group, column and page.
/// </summary>
[Trait(Category.Name, Category.Slow)]
public class PageChecksumTests
{
    // The spec: CRC-32 (the gzip polynomial) over the page as written after its header, i.e. compressed_page_size
    // bytes: for v1 pages levels and values (compressed together), for v2 pages the uncompressed levels followed by
    // the (compressed) values, for dictionary pages the (compressed) values.
    private const string PythonCrc = "import sys, json, zlib\n" +
        "data = open(sys.argv[1], 'rb').read()\n" +
        "print(json.dumps([zlib.crc32(data[s:s + n]) for s, n in json.load(sys.stdin)]))\n";

    private sealed record Page(int RowGroup, string Column, int Index, string Type, long BodyOffset, int BodyLength, uint? Crc);

    [Theory]
    [InlineData(1, CompressionCodec.Snappy, true)]
    [InlineData(2, CompressionCodec.Snappy, true)]
    [InlineData(1, CompressionCodec.Zstd, false)]
    [InlineData(2, CompressionCodec.Zstd, true)]
    [InlineData(2, CompressionCodec.Uncompressed, false)]
    [InlineData(1, CompressionCodec.Gzip, true)]
    public void Our_page_checksums_match_zlib_crc32_over_the_pages_DuckDB_locates(int pageVersion, CompressionCodec codec, bool dictionary)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 40 + pageVersion * 10 + (int)codec, rows: 900);
        var path = Write(dir, table, new ParquetWriterOptions { Codec = codec, DataPageVersion = pageVersion, UseDictionary = dictionary, DataPageSize = 4096 });

        var (pages, rows) = PagesAndRows(path);
        JsonAssert.Rows(JsonAssert.Elements(table.Rows), rows, "DuckDB"); // DuckDB still reads the file with the checksums in it
        Assert.Contains(pages, p => p.Type == (pageVersion == 2 ? "DATA_PAGE_V2" : "DATA_PAGE"));
        if (dictionary) Assert.Contains(pages, p => p.Type == "DICTIONARY_PAGE");
        Assert.True(pages.Count > 2 * RandomTable.Schema.Columns.Count, $"only {pages.Count} pages");
        Assert.All(pages, p => Assert.True(p.Crc != null, $"{p} has no checksum"));

        var zlib = PythonCrc32(path, pages);
        for (var i = 0; i < pages.Count; i++)
            Assert.True(pages[i].Crc == zlib[i], $"{pages[i]}: header crc {pages[i].Crc:x8}, zlib.crc32 {zlib[i]:x8}");
    }

    [Theory]
    [InlineData(1, CompressionCodec.Snappy)]
    [InlineData(2, CompressionCodec.Zstd)]
    [InlineData(2, CompressionCodec.Uncompressed)]
    public void A_flipped_bit_in_any_page_is_rejected_naming_row_group_column_and_page(int pageVersion, CompressionCodec codec)
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 7 + pageVersion, rows: 600);
        var path = Write(dir, table, new ParquetWriterOptions { Codec = codec, DataPageVersion = pageVersion, DataPageSize = 2048 });
        var original = File.ReadAllBytes(path);
        var (pages, _) = PagesAndRows(path);

        // A dictionary page, the first, a middle and the last data page of the column with the most pages, a page of
        // a list column; for v2 pages also the first byte of a page (inside the uncompressed levels).
        var dictionaryPage = pages.First(p => p.RowGroup == 1 && p.Type == "DICTIONARY_PAGE");
        var most = pages.Where(p => p.RowGroup == 1 && p.Type != "DICTIONARY_PAGE").GroupBy(p => p.Column).MaxBy(c => c.Count())!.ToList();
        Assert.True(most.Count >= 3, $"column {most[0].Column} has {most.Count} data pages in row group 1");
        var listPage = pages.Last(p => p.RowGroup == 0 && p.Column.StartsWith("tags", StringComparison.Ordinal));
        var targets = new List<(Page Page, long At)>
        {
            (dictionaryPage, dictionaryPage.BodyOffset + dictionaryPage.BodyLength / 2),
            (most[0], most[0].BodyOffset + most[0].BodyLength - 1),
            (most[most.Count / 2], most[most.Count / 2].BodyOffset + most[most.Count / 2].BodyLength / 3),
            (most[^1], most[^1].BodyOffset + most[^1].BodyLength / 2),
            (listPage, listPage.BodyOffset + listPage.BodyLength / 2),
        };
        if (pageVersion == 2) targets.Add((most[1], most[1].BodyOffset));

        var damaged = dir.Combine("damaged.parquet");
        foreach (var (page, at) in targets)
        {
            var bytes = (byte[])original.Clone();
            bytes[at] ^= 0x10;
            File.WriteAllBytes(damaged, bytes);
            using var reader = ParquetReader.Open(damaged);
            var ex = Assert.Throws<ParquetFormatException>(() => ParquetJson.ReadRows(reader).ToList());
            Assert.Equal(ParquetErrorKind.ChecksumMismatch, ex.Kind);
            Assert.Equal(damaged, ex.FilePath);
            Assert.Equal(page.RowGroup, ex.RowGroup);
            Assert.Equal(page.Column, ex.Column);
            Assert.Equal(page.Index, ex.Page);
            Assert.Contains($"row group {page.RowGroup}, column '{page.Column}', page {page.Index}: page checksum mismatch", ex.Message);
            Assert.StartsWith(damaged, ex.Message);
        }
    }

    [Fact]
    public void With_verification_off_the_damage_goes_unnoticed_so_the_checksum_is_what_catches_it()
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 3, rows: 300);
        var path = Write(dir, table, new ParquetWriterOptions { Codec = CompressionCodec.Uncompressed, UseDictionary = false });
        var (pages, _) = PagesAndRows(path);
        var d = pages.Single(p => p.RowGroup == 0 && p.Column == "d"); // PLAIN doubles: any bit is a value bit
        var bytes = File.ReadAllBytes(path);
        bytes[d.BodyOffset + d.BodyLength - 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        using (var verifying = ParquetReader.Open(path))
            Assert.Equal(ParquetErrorKind.ChecksumMismatch, Assert.Throws<ParquetFormatException>(() => verifying.ReadRowGroup(0, ["d"])).Kind);
        using var trusting = ParquetReader.Open(path, new ParquetReaderOptions { VerifyPageChecksums = false });
        var rows = ParquetJson.ReadRows(trusting, columns: ["d"]).ToList();
        var differ = Enumerable.Range(0, rows.Count).Count(i => JsonDocument.Parse(rows[i]).RootElement.GetProperty("d").GetRawText()
                                                             != (table.Rows[i]["d"]?.ToJsonString() ?? "null"));
        Assert.Equal(1, differ);
    }

    [Fact]
    public void Files_without_checksums_still_read_and_carry_none()
    {
        using var dir = new TempDir();
        var table = new RandomTable(seed: 5, rows: 400);
        var path = Write(dir, table, new ParquetWriterOptions { WritePageCrc = false, DataPageSize = 4096 });
        var (pages, _) = PagesAndRows(path);
        Assert.All(pages, p => Assert.Null(p.Crc));
        using var reader = ParquetReader.Open(path);
        JsonAssert.Rows(JsonAssert.Elements(table.Rows), JsonAssert.Parse(ParquetJson.ReadRows(reader)), "ours");
    }

    private static string Write(TempDir dir, RandomTable table, ParquetWriterOptions options)
    {
        var path = dir.Combine("ours.parquet");
        using var w = new ParquetWriter(path, RandomTable.Schema, options);
        w.WriteRowGroup(table.Columns(0, table.Rows.Count / 2));
        w.WriteRowGroup(table.Columns(table.Rows.Count / 2, table.Rows.Count));
        w.Commit();
        return path;
    }

    /// <summary>Every page as DuckDB's metadata and the walked page headers locate it, and the rows DuckDB reads.</summary>
    private static (List<Page> Pages, List<JsonElement> Rows) PagesAndRows(string path)
    {
        using var doc = Tools.Inspect(path, "--pages");
        var pages = new List<Page>();
        var g = 0;
        foreach (var group in doc.RootElement.GetProperty("row_groups").EnumerateArray())
        {
            foreach (var column in group.GetProperty("columns").EnumerateArray())
            {
                var name = column.GetProperty("path").GetString()!;
                var k = 0;
                foreach (var p in column.GetProperty("pages").EnumerateArray())
                    pages.Add(new Page(g, name, k++, p.GetProperty("type").GetString()!,
                        p.GetProperty("offset").GetInt64() + p.GetProperty("header_size").GetInt32(), p.GetProperty("compressed_size").GetInt32(),
                        p.TryGetProperty("crc", out var crc) ? unchecked((uint)crc.GetInt32()) : null));
            }
            g++;
        }
        return (pages, doc.RootElement.GetProperty("rows").EnumerateArray().Select(r => r.Clone()).ToList());
    }

    private static List<uint> PythonCrc32(string path, List<Page> pages)
    {
        var ranges = JsonSerializer.Serialize(pages.Select(p => new[] { p.BodyOffset, p.BodyLength }));
        var r = ChildProcess.Run("python3", ["-c", PythonCrc, path], stdin: ranges);
        Assert.True(r.ExitCode == 0, "python3 failed: " + r);
        return JsonSerializer.Deserialize<List<uint>>(r.StdOut)!;
    }
}
