using SelfSpec.Retrieval.Corpus;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

/// <summary>corpus.parquet: written by our sink, read by DuckDB and by our corpus reader.</summary>
public class ParquetCorpusTests
{
    private static async Task<List<PubmedArticle>> PubMedSample()
    {
        var changes = CorpusSource.ReadAsync([Paths.SharedData("pubmed_xml", "test_current_medline.xml")],
            options: new PubMedReadOptions { IncludeEmptyAbstracts = true });
        return await CorpusSource.ResolveAsync(changes);
    }

    [Fact]
    public async Task CorpusParquetOpensInDuckDbWithTheDocumentedColumnsAndReadsBackEqual()
    {
        using var dir = new TempDir();
        var articles = await PubMedSample();
        Assert.NotEmpty(articles);
        var path = dir.Combine("corpus.parquet");
        await using (var sink = CorpusSinks.Create(path))
            Assert.Equal(articles.Count, await CorpusSinks.WriteAllAsync(sink, articles));

        var doc = DuckDb.Inspect(path);
        Assert.Equal(["pmid", "title", "abstract", "journal", "year", "mesh_terms"], DuckDb.ColumnNames(doc));
        var rows = DuckDb.Rows(doc);
        Assert.Equal(articles.Count, rows.Count);
        for (var i = 0; i < articles.Count; i++)
        {
            Assert.Equal(articles[i].Pmid, rows[i]["pmid"]!.ToString());
            Assert.Equal(articles[i].Abstract, rows[i]["abstract"]!.ToString());
            Assert.Equal(articles[i].MeshTerms, rows[i]["mesh_terms"]!.AsArray().Select(m => m!.ToString()));
            if (articles[i].Year is int y) Assert.Equal(y, (int)rows[i]["year"]!);
        }

        var back = await CorpusSource.ResolveAsync(CorpusSource.ReadAsync([path]));
        Assert.Equal(articles, back);
    }

    [Fact]
    public async Task AnUncompletedSinkLeavesNoFile()
    {
        using var dir = new TempDir();
        var path = dir.Combine("corpus.parquet");
        var articles = await PubMedSample();
        await using (var sink = CorpusSinks.Create(path))
            await sink.WriteAsync(articles[0]);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.FullPath));
    }

    [Fact]
    public async Task AParquetFileOfAnotherSchemaIsAClearCorpusError()
    {
        using var dir = new TempDir();
        var path = dir.Combine("other.parquet");
        SelfSpec.Parquet.Serialization.ParquetSerializer.Write(path, new[] { new Other(1, "x") });
        var e = await Assert.ThrowsAsync<CorpusFormatException>(async () => await CorpusSource.ResolveAsync(CorpusSource.ReadAsync([path])));
        Assert.Contains("other.parquet", e.Message + e.ToString());
    }

    private sealed record Other(int Id, string Text);
}
