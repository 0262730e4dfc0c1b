using SelfSpec.Retrieval.Corpus;
using SelfSpec.Retrieval.Index;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

internal static class TestIndex
{
    /// <summary>Builds an index of <paramref name="articles"/> in <paramref name="dir"/> and commits it.</summary>
    public static void Build(string dir, IEnumerable<PubmedArticle> articles, IndexWriterOptions? options = null)
    {
        using var writer = IndexWriter.Open(dir, options);
        foreach (var a in articles) writer.Upsert(a);
        writer.Commit();
    }
}

/// <summary>PubMedQA's 1000 abstracts indexed twice: one segment, and many small merged segments.</summary>
public sealed class PubMedQaIndexes : IDisposable
{
    private readonly TempDir _dir = new();

    public PubMedQaIndexes()
    {
        SingleSegment = _dir.Combine("single");
        TestIndex.Build(SingleSegment, PubMedQa.Articles, new IndexWriterOptions { MaxBufferedDocs = 10_000 });
        ManySegments = _dir.Combine("many");
        TestIndex.Build(ManySegments, PubMedQa.Articles, new IndexWriterOptions { MaxBufferedDocs = 37, MergeFactor = 4 });
    }

    public string SingleSegment { get; }

    public string ManySegments { get; }

    public void Dispose() => _dir.Dispose();
}
