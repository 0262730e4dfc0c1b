using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

public class BackgroundMergeTests
{
    private static PubmedArticle Doc(int id, int version) =>
        new($"P{id}", $"title {id}", $"uniqa{id}x marker{version}v filler text about kinase signalling", "", null, []);

    [Fact]
    public void ReplacementsAndDeletionsDuringBackgroundMergesAreKept()
    {
        using var dir = new TempDir();
        var expected = new Dictionary<string, int>(); // id -> live version
        var rng = new Random(7);
        using (var writer = IndexWriter.Open(dir.FullPath, new IndexWriterOptions { MaxBufferedDocs = 10, MergeFactor = 2 }))
        {
            for (int step = 0; step < 1500; step++)
            {
                int id = rng.Next(400);
                switch (rng.Next(4))
                {
                    case 0:
                        writer.Delete($"P{id}");
                        expected.Remove($"P{id}");
                        break;
                    default:
                        int version = step;
                        writer.Upsert(Doc(id, version));
                        expected[$"P{id}"] = version;
                        break;
                }
                if (step % 400 == 399) writer.Commit();
            }
            writer.Commit();
        }
        using var reader = IndexReader.Open(dir.FullPath);
        Assert.Equal(expected.Count, reader.LiveDocCount);
        Assert.True(reader.Manifest.Segments.Count <= 2);
        var searcher = new Bm25Searcher(reader);
        for (int id = 0; id < 400; id++)
        {
            var hits = searcher.Search($"uniqa{id}x", 5);
            if (!expected.TryGetValue($"P{id}", out int version))
            {
                Assert.Empty(hits);
                continue;
            }
            var hit = Assert.Single(hits);
            Assert.Equal($"P{id}", hit.Pmid);
            Assert.Single(searcher.Search($"uniqa{id}x marker{version}v", 500), h => h.Pmid == $"P{id}");
            Assert.Equal(0, searcher.TopK(Bm25Query.Parse($"uniqa{id}x"), 5, TopKAlgorithm.Exhaustive).Docs.Count(d => reader.Stored(d).Id != $"P{id}"));
        }
    }
}
