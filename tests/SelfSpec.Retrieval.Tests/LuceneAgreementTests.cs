using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;

namespace SelfSpec.Retrieval.Tests;

/// <summary>Our BM25 against Lucene (Lucene.Net 4.8 in process, which scores bit-equal to Java Lucene 4.10; EnglishAnalyzer + BM25Similarity) on the 1000 PubMedQA abstracts,
/// with the 1000 PubMedQA questions as queries.</summary>
public class LuceneAgreementTests(PubMedQaIndexes indexes, ITestOutputHelper output) : IClassFixture<PubMedQaIndexes>
{
    [Theory]
    [InlineData(1.2f, 0.75f)]
    [InlineData(0.9f, 0.4f)]
    public void RankingsAndScoresAgreeWithLucene(float k1, float b)
    {
        var qa = PubMedQa.All;
        var questions = qa.Select(x => x.Question).ToList();
        var lucene = References.LuceneSearch(qa.Select(x => (x.Pmid, x.Abstract)).ToList(), questions, 5, k1, b);

        using var reader = IndexReader.Open(indexes.SingleSegment);
        var searcher = new Bm25Searcher(reader, new Bm25Similarity(k1, b));
        double overlapSum = 0, maxRelativeError = 0;
        int compared = 0, oursAt1 = 0, oursAt5 = 0, luceneAt1 = 0, luceneAt5 = 0;
        for (int i = 0; i < qa.Count; i++)
        {
            var ours = searcher.Search(questions[i], 5);
            var theirs = lucene[i];
            overlapSum += theirs.Length == 0 ? 1 : ours.Select(h => h.Pmid).Intersect(theirs.Select(t => t.Id)).Count() / (double)theirs.Length;
            foreach (var (id, score) in theirs)
            {
                var match = ours.FirstOrDefault(h => h.Pmid == id);
                if (match is null) continue;
                maxRelativeError = Math.Max(maxRelativeError, Math.Abs(match.Score - score) / score);
                compared++;
            }
            if (ours.Count > 0 && ours[0].Pmid == qa[i].Pmid) oursAt1++;
            if (ours.Any(h => h.Pmid == qa[i].Pmid)) oursAt5++;
            if (theirs.Length > 0 && theirs[0].Id == qa[i].Pmid) luceneAt1++;
            if (theirs.Any(t => t.Id == qa[i].Pmid)) luceneAt5++;
        }
        double meanOverlap = overlapSum / qa.Count;
        output.WriteLine($"k1={k1} b={b}: mean top-5 overlap {meanOverlap:F4}; {compared} shared hits, max relative score error {maxRelativeError:E2}");
        output.WriteLine($"recall@1 ours {oursAt1 / 1000.0:F3} lucene {luceneAt1 / 1000.0:F3}; recall@5 ours {oursAt5 / 1000.0:F3} lucene {luceneAt5 / 1000.0:F3}");
        Assert.True(meanOverlap >= 0.95, $"mean top-5 overlap {meanOverlap}");
        Assert.True(maxRelativeError <= 0.01, $"max relative score error {maxRelativeError}");
        Assert.True(compared >= 4500, $"only {compared} shared hits");
        Assert.InRange(oursAt5 - luceneAt5, -5, 5);
    }

    [Fact]
    public void DeletedDocumentsCountInStatisticsUntilMergedLikeLucene()
    {
        var qa = PubMedQa.All;
        var deletes = qa.Where((_, i) => i % 7 == 3).Select(x => x.Pmid).ToList();
        var questions = qa.Select(x => x.Question).ToList();
        var lucene = References.LuceneSearch(qa.Select(x => (x.Pmid, x.Abstract)).ToList(), questions, 5, deletes: deletes);

        using var dir = new SelfSpec.TestSupport.TempDir();
        TestIndex.Build(dir.FullPath, PubMedQa.Articles, new IndexWriterOptions { MaxBufferedDocs = 10_000 });
        using (var writer = IndexWriter.Open(dir.FullPath))
        {
            foreach (var id in deletes) Assert.True(writer.Delete(id));
            writer.Commit();
        }
        using var reader = IndexReader.Open(dir.FullPath);
        Assert.Equal(1000, reader.MaxDoc);
        Assert.Equal(1000 - deletes.Count, reader.LiveDocCount);
        var searcher = new Bm25Searcher(reader);
        int same = 0;
        double maxRelativeError = 0;
        for (int i = 0; i < qa.Count; i++)
        {
            var ours = searcher.Search(questions[i], 5);
            Assert.DoesNotContain(ours, h => deletes.Contains(h.Pmid));
            if (ours.Select(h => h.Pmid).SequenceEqual(lucene[i].Select(t => t.Id))) same++;
            foreach (var (id, score) in lucene[i])
                if (ours.FirstOrDefault(h => h.Pmid == id) is { } h) maxRelativeError = Math.Max(maxRelativeError, Math.Abs(h.Score - score) / score);
        }
        output.WriteLine($"with {deletes.Count} deletions: identical top-5 lists {same}/1000, max relative score error {maxRelativeError:E2}");
        Assert.True(same >= 990, $"only {same} identical top-5 lists");
        Assert.True(maxRelativeError <= 1e-5, $"max relative score error {maxRelativeError}");
    }
}
