using SelfSpec.Retrieval.Index;
using SelfSpec.Retrieval.Search;

namespace SelfSpec.Retrieval.Tests;

/// <summary>Block-max MaxScore must return exactly the exhaustive top k.</summary>
public class TopKTests(PubMedQaIndexes indexes, ITestOutputHelper output) : IClassFixture<PubMedQaIndexes>
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    public void MaxScoreEqualsExhaustiveOnAllQuestions(int k)
    {
        foreach (var dir in new[] { indexes.SingleSegment, indexes.ManySegments })
        {
            using var reader = IndexReader.Open(dir);
            var searcher = new Bm25Searcher(reader);
            long scoredFast = 0, scoredAll = 0;
            foreach (var (_, question, abstractText, _) in PubMedQa.All)
            {
                // Questions, and long 60-term queries cut from abstracts.
                foreach (var text in new[] { question, string.Join(' ', abstractText.Split(' ').Take(60)) })
                {
                    var q = Bm25Query.Parse(text);
                    var fast = searcher.TopK(q, k);
                    var all = searcher.TopK(q, k, TopKAlgorithm.Exhaustive);
                    Assert.Equal(all.Docs, fast.Docs);
                    Assert.Equal(all.Scores, fast.Scores);
                    scoredFast += fast.ScoredDocuments;
                    scoredAll += all.ScoredDocuments;
                }
            }
            output.WriteLine($"{Path.GetFileName(dir)} ({reader.Manifest.Segments.Count} segments) k={k}: examined {scoredFast} of {scoredAll} matching docs");
            Assert.True(scoredFast < scoredAll);
        }
    }

    [Fact]
    public void SegmentedAndSingleSegmentIndexesGiveTheSameResults()
    {
        using var single = IndexReader.Open(indexes.SingleSegment);
        using var many = IndexReader.Open(indexes.ManySegments);
        Assert.True(many.Manifest.Segments.Count > 1);
        Assert.Equal(single.MaxDoc, many.MaxDoc);
        Assert.Equal(single.SumTotalTermFreq, many.SumTotalTermFreq);
        var a = new Bm25Searcher(single);
        var b = new Bm25Searcher(many);
        foreach (var (_, question, _, _) in PubMedQa.All.Take(300))
        {
            var x = a.Search(question, 10);
            var y = b.Search(question, 10);
            Assert.Equal(x.Select(h => (h.Pmid, h.Score)), y.Select(h => (h.Pmid, h.Score)));
        }
    }

    [Fact]
    public void RetrievalProbabilitiesAreASoftmaxOverTheHits()
    {
        using var reader = IndexReader.Open(indexes.SingleSegment);
        var searcher = new Bm25Searcher(reader);
        var question = PubMedQa.All[0].Question;
        var hits = searcher.Search(question, 5, temperature: 2.0);
        Assert.Equal(5, hits.Count);
        Assert.Equal(1.0, hits.Sum(h => h.PRet), 9);
        double z = hits.Sum(h => Math.Exp(h.Score / 2.0));
        foreach (var h in hits) Assert.Equal(Math.Exp(h.Score / 2.0) / z, h.PRet, 9);
        Assert.True(hits.Zip(hits.Skip(1)).All(p => p.First.PRet >= p.Second.PRet));
    }

    [Fact]
    public void BatchSearchEqualsSingleSearches()
    {
        using var reader = IndexReader.Open(indexes.ManySegments);
        var searcher = new Bm25Searcher(reader);
        var questions = PubMedQa.All.Select(x => x.Question).ToList();
        int lastProgress = 0;
        var batch = searcher.SearchBatch(questions, 5, threads: 4, progress: new SyncProgress(n => lastProgress = Math.Max(lastProgress, n)));
        Assert.Equal(questions.Count, lastProgress);
        for (int i = 0; i < questions.Count; i++)
            Assert.Equal(searcher.Search(questions[i], 5).Select(h => h.Pmid), batch[i].Select(h => h.Pmid));
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        private readonly object _gate = new();
        public void Report(int value) { lock (_gate) report(value); }
    }
}
