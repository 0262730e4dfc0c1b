using System.Text.Json;
using SelfSpec.Oracles;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

/// <summary>The independent references (Lucene.Net 4.8, which ranks exactly like Java Lucene 4.10; Python ElementTree) and the PubMedQA data.</summary>
internal static class References
{
    public static string PythonScript(string name) => Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Retrieval.Tests", "python", name);

    /// <summary>Runs Lucene's BM25 on docs (id, text) for each query; per query the (id, score) list, best first.</summary>
    public static List<(string Id, float Score)[]> LuceneSearch(IReadOnlyList<(string Id, string Text)> docs, IReadOnlyList<string> queries,
        int k, float k1 = 1.2f, float b = 0.75f, IReadOnlyList<string>? deletes = null)
    {
        using var directory = new Lucene.Net.Store.RAMDirectory();
        using var lucene = new LuceneNetBm25(directory, k1, b);
        lucene.Index(docs);
        if (deletes is not null) lucene.Delete(deletes);
        var (reader, searcher) = lucene.OpenSearcher();
        using (reader)
            return queries.Select(q => searcher.Search(lucene.Query(q), k).ScoreDocs
                .Select(sd => (LuceneNetBm25.Id(searcher, sd.Doc), sd.Score)).ToArray()).ToList();
    }

    /// <summary>Python ElementTree's reading of a PubMed file (see python/pubmed_fields.py).</summary>
    public static List<JsonElement> PythonPubMedFields(string path)
    {
        var r = ChildProcess.Run(ExternalReference.RequirePython("xml.etree.ElementTree", debianPackage: "python3"), [PythonScript("pubmed_fields.py"), path], timeout: TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}

/// <summary>The 1000 PubMedQA (PQA-L) abstracts and their questions.</summary>
internal static class PubMedQa
{
    private static readonly Lazy<List<(string Pmid, string Question, string Abstract, IReadOnlyList<string> Mesh)>> Items = new(Load);

    public static IReadOnlyList<(string Pmid, string Question, string Abstract, IReadOnlyList<string> Mesh)> All => Items.Value;

    public static IEnumerable<PubmedArticle> Articles =>
        All.Select(x => new PubmedArticle(x.Pmid, "", x.Abstract, "", null, x.Mesh));

    private static List<(string, string, string, IReadOnlyList<string>)> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Paths.SharedData("pubmedqa", "ori_pqal.json")));
        var list = new List<(string, string, string, IReadOnlyList<string>)>();
        foreach (var e in doc.RootElement.EnumerateObject())
        {
            var contexts = e.Value.GetProperty("CONTEXTS").EnumerateArray().Select(c => c.GetString()!);
            var mesh = e.Value.GetProperty("MESHES").EnumerateArray().Select(c => c.GetString()!).ToList();
            list.Add((e.Name, e.Value.GetProperty("QUESTION").GetString()!, string.Join(" ", contexts), mesh));
        }
        return list;
    }
}
