using System.Text;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

/// <summary>
/// Runs alone: <see cref="GC.GetTotalMemory"/> counts the whole process's heap, so tests of other classes running at the
/// same time would be measured as this one's growth (seen on CI: 16.7 MiB against the 16 MiB bound).
/// </summary>
[CollectionDefinition(nameof(StreamingMemoryTests), DisableParallelization = true)]
public sealed class StreamingMemoryCollection;

[Collection(nameof(StreamingMemoryTests))]
public class StreamingMemoryTests
{
    /// <summary>Produces a large PubMed XML document on the fly (never held in memory as a whole).</summary>
    private sealed class GeneratedPubMedStream(int articles) : Stream
    {
        private byte[] _chunk = Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<PubmedArticleSet>\n");
        private int _offset;
        private int _next;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_offset == _chunk.Length)
            {
                if (_next > articles) return 0;
                _chunk = Encoding.UTF8.GetBytes(_next == articles ? "</PubmedArticleSet>\n" : Article(_next));
                _next++;
                _offset = 0;
            }
            int n = Math.Min(count, _chunk.Length - _offset);
            Array.Copy(_chunk, _offset, buffer, offset, n);
            _offset += n;
            return n;
        }

        private static string Article(int i) =>
            $"<PubmedArticle><MedlineCitation><PMID Version=\"1\">{i}</PMID><Article><Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue>" +
            $"<Title>J</Title></Journal><ArticleTitle>Article <i>{i}</i></ArticleTitle><Abstract><AbstractText>" +
            string.Concat(Enumerable.Repeat($"Sentence about protein {i % 1000} and its kinase activity in cells. ", 30)) +
            "</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n";

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    [Trait(Category.Name, Category.Slow)]
    public async Task A150MegabyteFileStreamsInBoundedMemory()
    {
        const int articles = 70_000; // ≈ 2.3 KB each → ≈ 160 MB of XML
        GC.Collect();
        long baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0, count = 0;
        await foreach (var change in PubMedXmlReader.ReadAsync(new GeneratedPubMedStream(articles), "generated.xml"))
        {
            Assert.Equal((count++).ToString(), ((ArticleUpsert)change).Article.Pmid);
            if (count % 5000 == 0) peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }
        Assert.Equal(articles, count);
        Assert.True(peak < 16 << 20, $"live heap grew by {peak / 1048576.0:F1} MiB while streaming");
    }
}
