using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

public class IndexMaintenanceTests
{
    private static readonly string CurrentXml = Paths.SharedData("pubmed_xml", "test_current_medline.xml");

    [Fact]
    public async Task UpdateFilesReplaceAndDeleteIncrementally()
    {
        using var dir = new TempDir();
        var index = dir.Combine("index");
        using (var writer = IndexWriter.Open(index))
        {
            await writer.ApplyAsync(PubMedXmlReader.ReadFileAsync(CurrentXml));
            writer.Commit();
        }
        using (var reader = IndexReader.Open(index))
        {
            Assert.Equal(3, reader.LiveDocCount);
            var hits = new Bm25Searcher(reader).Search("nonsteroidal anti-inflammatory drugs back pain", 5);
            Assert.Equal("36400559", hits[0].Pmid);
            Assert.Equal("Back Pain: Differential Diagnosis and Management.", hits[0].Title);
        }

        // The update file replaces 36400559, deletes 2930949 (and 11446611, never indexed) and adds 99999999.
        using (var writer = IndexWriter.Open(index))
        {
            await writer.ApplyAsync(PubMedXmlReader.ReadFileAsync(PubMedXmlReaderTests.WriteUpdateFile(dir)));
            writer.Commit();
        }
        using (var reader = IndexReader.Open(index))
        {
            var searcher = new Bm25Searcher(reader);
            Assert.Equal(3, reader.LiveDocCount);
            Assert.Equal("36400559", searcher.Search("lumbago exercise", 5).Single().Pmid);
            Assert.DoesNotContain(searcher.Search("nonsteroidal anti-inflammatory drugs", 5), h => h.Pmid == "36400559");
            Assert.DoesNotContain(searcher.Search("radiographs overused scientific support", 5), h => h.Pmid == "2930949");
            Assert.Equal("99999999", searcher.Search("zebrafish xenografts", 5).Single().Pmid);
            // Deleted documents stay in the segments (and in N, as in Lucene) until merged away.
            Assert.True(reader.DeletedDocCount >= 2);
        }

        using (var writer = IndexWriter.Open(index))
        {
            writer.ForceMerge();
            writer.Commit();
        }
        using (var reader = IndexReader.Open(index))
        {
            Assert.Equal(0, reader.DeletedDocCount);
            Assert.Equal(3, reader.MaxDoc);
            Assert.Single(reader.Manifest.Segments);
            var files = Directory.GetFiles(index).Select(f => Path.GetFileName(f)!).Order().ToArray();
            Assert.Equal(["manifest.json", reader.Manifest.Segments[0].Name + ".seg", "write.lock"], files);
        }
    }

    [Fact]
    public void DeletingByIdAndUncommittedChangesAreInvisibleUntilCommit()
    {
        using var dir = new TempDir();
        TestIndex.Build(dir.FullPath, PubMedQa.Articles.Take(200), new IndexWriterOptions { MaxBufferedDocs = 50 });
        var victim = PubMedQa.All[10];
        using var before = IndexReader.Open(dir.FullPath);
        using (var writer = IndexWriter.Open(dir.FullPath))
        {
            Assert.True(writer.Delete(victim.Pmid));
            Assert.False(writer.Delete(victim.Pmid));
            Assert.False(writer.Delete("no-such-id"));
            writer.Upsert(new PubmedArticle("new-1", "Fresh", "quasicrystal lattice spectroscopy", "", null, []));
            // Not committed yet: a reader opened now sees the old generation.
            using var during = IndexReader.Open(dir.FullPath);
            Assert.Equal(before.Manifest.Generation, during.Manifest.Generation);
            Assert.Empty(new Bm25Searcher(during).Search("quasicrystal", 5));
            writer.Commit();
        }
        // The old snapshot keeps answering from its files (still mapped) after the commit removed nothing it uses.
        Assert.Contains(new Bm25Searcher(before).Search(victim.Question, 5), h => h.Pmid == victim.Pmid);
        using var after = IndexReader.Open(dir.FullPath);
        var s = new Bm25Searcher(after);
        Assert.DoesNotContain(s.Search(victim.Question, 50), h => h.Pmid == victim.Pmid);
        Assert.Equal("new-1", s.Search("quasicrystal", 5).Single().Pmid);
        Assert.Equal(200, after.LiveDocCount);
    }

    [Fact]
    public void ASecondWriterIsRefusedWhileTheFirstHoldsTheLock()
    {
        using var dir = new TempDir();
        using var first = IndexWriter.Open(dir.FullPath);
        var e = Assert.Throws<RetrievalException>(() => IndexWriter.Open(dir.FullPath));
        Assert.Contains("locked", e.Message);
    }

    [Fact]
    public void DamagedOrMissingIndexFailsWithClearErrors()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<IndexFormatException>(() => IndexReader.Open(dir.FullPath));
        Assert.Contains("manifest.json missing", e.Message);

        TestIndex.Build(dir.FullPath, PubMedQa.Articles.Take(20));
        var manifest = IndexManifest.Load(dir.FullPath);
        var seg = dir.Combine(manifest.Segments[0].Name + ".seg");
        var bytes = File.ReadAllBytes(seg);
        bytes[0] ^= 0xFF;
        File.WriteAllBytes(seg, bytes);
        var e2 = Assert.Throws<IndexFormatException>(() => IndexReader.Open(dir.FullPath));
        Assert.Equal(seg, e2.File);

        File.WriteAllText(dir.Combine("manifest.json"), "{ not json");
        Assert.Throws<IndexFormatException>(() => IndexReader.Open(dir.FullPath));
    }

    [Fact]
    public async Task CancelledBuildLeavesThePreviousIndex()
    {
        using var dir = new TempDir();
        TestIndex.Build(dir.FullPath, PubMedQa.Articles.Take(100));
        var generation = IndexManifest.Load(dir.FullPath).Generation;
        using var cts = new CancellationTokenSource();
        // Ctrl-C arrives after 3,000 documents of a rebuild (several segments already written).
        async IAsyncEnumerable<CorpusChange> Changes()
        {
            for (int i = 0; ; i++)
            {
                if (i == 3000) cts.Cancel();
                var a = PubMedQa.All[i % 1000];
                yield return new ArticleUpsert(new PubmedArticle($"{a.Pmid}-{i}", "", a.Abstract, "", null, [])) { Source = "qa" };
                await Task.Yield();
            }
        }
        using (var writer = IndexWriter.Open(dir.FullPath, new IndexWriterOptions { Create = true, MaxBufferedDocs = 500 }))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.ApplyAsync(Changes(), null, cts.Token));
        using var reader = IndexReader.Open(dir.FullPath);
        Assert.Equal(generation, reader.Manifest.Generation);
        Assert.Equal(100, reader.LiveDocCount);
    }

    [Fact]
    public async Task ParallelAnalysisWritesTheSameSegmentsAsSequentialAdds()
    {
        using var dir = new TempDir();
        var articles = PubMedQa.Articles.ToList();
        var sequential = dir.Combine("sequential");
        using (var writer = IndexWriter.Open(sequential, new IndexWriterOptions { MaxBufferedDocs = 300 }))
        {
            foreach (var a in articles) writer.Upsert(a);
            writer.Delete(articles[5].Pmid);
            writer.Upsert(articles[7] with { Abstract = "replaced abstract about zebrafish" });
            writer.Commit();
        }
        var parallel = dir.Combine("parallel");
        using (var writer = IndexWriter.Open(parallel, new IndexWriterOptions { MaxBufferedDocs = 300, AnalysisThreads = 4 }))
        {
            var changes = articles.Select(a => (CorpusChange)new ArticleUpsert(a) { Source = "qa" })
                .Append(new ArticleDeletion(articles[5].Pmid) { Source = "qa" })
                .Append(new ArticleUpsert(articles[7] with { Abstract = "replaced abstract about zebrafish" }) { Source = "qa" });
            await writer.ApplyAsync(changes.ToAsyncEnumerable());
            writer.Commit();
        }
        var a1 = IndexManifest.Load(sequential);
        var a2 = IndexManifest.Load(parallel);
        Assert.Equal(a1.Segments, a2.Segments);
        foreach (var s in a1.ReferencedFiles())
            Assert.Equal(File.ReadAllBytes(Path.Combine(sequential, s)), File.ReadAllBytes(Path.Combine(parallel, s)));
    }
}
