using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace SelfSpec.Oracles;

/// <summary>
/// Lucene.Net 4.8 set up as the BM25 reference for SelfSpec.Retrieval (it ranks exactly like Java Lucene 4.10):
/// EnglishAnalyzer, one analysed "text" field and a stored "id", BM25Similarity(k1, b). The traps listed in
/// ../shared/docs/dependencies.md are avoided here once: the similarity is set on the writer config and on the
/// searcher; queries are built from the analyser's tokens (never QueryParser on raw text, where "?" and "/" are
/// syntax); the boolean clause limit (1024 by default) is lifted. Used by the tests and by bench/retrieval.
/// </summary>
internal sealed class LuceneNetBm25 : IDisposable
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;

    static LuceneNetBm25() => BooleanQuery.MaxClauseCount = int.MaxValue;

    private readonly LuceneDirectory _directory;
    private readonly Analyzer _analyzer = new EnglishAnalyzer(Version);
    private readonly BM25Similarity _similarity;

    /// <summary>A reference over <paramref name="directory"/> (a RAMDirectory, or an NIOFSDirectory on disk: this beta's
    /// MMapDirectory can crash when a reader is disposed during a search).</summary>
    public LuceneNetBm25(LuceneDirectory directory, float k1 = 1.2f, float b = 0.75f)
    {
        _directory = directory;
        _similarity = new BM25Similarity(k1, b);
    }

    /// <summary>Indexes <paramref name="docs"/> into a new index, merged to one segment; returns the document count.</summary>
    public int Index(IEnumerable<(string Id, string Text)> docs)
    {
        var config = new IndexWriterConfig(Version, _analyzer) { Similarity = _similarity, OpenMode = OpenMode.CREATE, RAMBufferSizeMB = 256 };
        int n = 0;
        using var writer = new IndexWriter(_directory, config);
        foreach (var (id, text) in docs)
        {
            writer.AddDocument(new Document { new StringField("id", id, Field.Store.YES), new TextField("text", text, Field.Store.NO) });
            n++;
        }
        writer.ForceMerge(1);
        writer.Commit();
        return n;
    }

    /// <summary>Deletes the documents with these ids without merging, so they still count in maxDoc and docFreq.</summary>
    public void Delete(IEnumerable<string> ids)
    {
        var config = new IndexWriterConfig(Version, _analyzer) { Similarity = _similarity, MergePolicy = NoMergePolicy.NO_COMPOUND_FILES };
        using var writer = new IndexWriter(_directory, config);
        foreach (var id in ids) writer.DeleteDocuments(new Term("id", id));
        writer.Commit();
    }

    /// <summary>An OR of one SHOULD TermQuery per analysed term occurrence of <paramref name="text"/>.</summary>
    public Query Query(string text)
    {
        var query = new BooleanQuery();
        using var stream = _analyzer.GetTokenStream("text", new StringReader(text));
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken()) query.Add(new TermQuery(new Term("text", term.ToString())), Occur.SHOULD);
        stream.End();
        return query;
    }

    /// <summary>Opens a searcher with the BM25 similarity; dispose the reader only after the last search.</summary>
    public (DirectoryReader Reader, IndexSearcher Searcher) OpenSearcher()
    {
        var reader = DirectoryReader.Open(_directory);
        return (reader, new IndexSearcher(reader) { Similarity = _similarity });
    }

    /// <summary>The stored id of document <paramref name="doc"/>.</summary>
    public static string Id(IndexSearcher searcher, int doc) => searcher.Doc(doc).Get("id");

    /// <inheritdoc />
    public void Dispose() => _analyzer.Dispose();
}
