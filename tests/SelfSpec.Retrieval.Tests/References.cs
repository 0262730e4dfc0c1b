using System.Text;
using System.Text.Json;
using SelfSpec.Retrieval.Corpus;
using SelfSpec.TestSupport;

namespace SelfSpec.Retrieval.Tests;

/// <summary>The independent references (Java Lucene 4.10, Python ElementTree) and the PubMedQA data.</summary>
internal static class References
{
    public static string LuceneClassPath()
    {
        var jars = new[] { "lucene-core-4.10.4.jar", "lucene-analyzers-common-4.10.4.jar", "lucene-queryparser-4.10.4.jar" }
            .Select(j => Path.Combine("/usr/share/java", j)).ToArray();
        var missing = jars.Where(j => !File.Exists(j)).ToArray();
        if (missing.Length > 0 || !ChildProcess.OnPath("java"))
            Assert.Fail("Java Lucene 4.10 is missing (" + string.Join(", ", missing) + "); run scripts/install-deps.sh test");
        return string.Join(':', jars);
    }

    public static string JavaSource(string name) => Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Retrieval.Tests", "java", name);

    public static string PythonScript(string name) => Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Retrieval.Tests", "python", name);

    /// <summary>Runs Lucene's BM25 on docs (id, text) for each query; per query the (id, score) list, best first.</summary>
    public static List<(string Id, float Score)[]> LuceneSearch(IReadOnlyList<(string Id, string Text)> docs, IReadOnlyList<string> queries,
        int k, float k1 = 1.2f, float b = 0.75f, IReadOnlyList<string>? deletes = null)
    {
        using var dir = new TempDir();
        var docsFile = dir.Combine("docs.tsv");
        File.WriteAllLines(docsFile, docs.Select(d => d.Id + "\t" + OneLine(d.Text)), new UTF8Encoding(false));
        var queriesFile = dir.Combine("queries.txt");
        File.WriteAllLines(queriesFile, queries.Select(OneLine), new UTF8Encoding(false));
        var args = new List<string> { "-cp", LuceneClassPath(), JavaSource("LuceneBm25Reference.java"), "search", docsFile, queriesFile,
            k.ToString(), k1.ToString(System.Globalization.CultureInfo.InvariantCulture), b.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (deletes is not null)
        {
            var deletesFile = dir.Combine("deletes.txt");
            File.WriteAllLines(deletesFile, deletes);
            args.Add(deletesFile);
        }
        var r = ChildProcess.Run("java", args, timeout: TimeSpan.FromMinutes(5));
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.StdOut.Split('\n');
        return queries.Select((_, i) => lines[i].Length == 0 ? [] : lines[i].Split(' ').Select(p =>
        {
            int colon = p.LastIndexOf(':');
            return (p[..colon], float.Parse(p[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }).ToArray()).ToList();
    }

    public static string OneLine(string s) => s.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    public static string NltkOrSystemPython()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
            if (File.Exists(candidate) || ChildProcess.OnPath(candidate)) return candidate;
        Assert.Fail("python3 not found");
        return "";
    }

    /// <summary>Python ElementTree's reading of a PubMed file (see python/pubmed_fields.py).</summary>
    public static List<JsonElement> PythonPubMedFields(string path)
    {
        var r = ChildProcess.Run(NltkOrSystemPython(), [PythonScript("pubmed_fields.py"), path], timeout: TimeSpan.FromMinutes(2));
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
