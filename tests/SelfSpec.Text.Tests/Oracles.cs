using System.Text;
using System.Text.RegularExpressions;
using SelfSpec.TestSupport;

namespace SelfSpec.Text.Tests;

/// <summary>Runs the independent references: Java Lucene 4.10 (Debian liblucene4.10-java) and NLTK (Debian python3-nltk).</summary>
internal static partial class Oracles
{
    private static readonly string[] LuceneJars = ["lucene-core-4.10.4.jar", "lucene-analyzers-common-4.10.4.jar"];

    public static string LuceneClassPath()
    {
        var jars = LuceneJars.Select(j => Path.Combine("/usr/share/java", j)).ToArray();
        var missing = jars.Where(j => !File.Exists(j)).ToArray();
        if (missing.Length > 0 || !ChildProcess.OnPath("java"))
            Assert.Fail("Java Lucene 4.10 is missing (" + string.Join(", ", missing) + "); run scripts/install-deps.sh test");
        return string.Join(':', jars);
    }

    /// <summary>Runs the Lucene oracle in <paramref name="mode"/> on each line; returns one output line per input line.</summary>
    public static string[] Lucene(string mode, IReadOnlyList<string> lines)
    {
        var source = Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Text.Tests", "java", "LuceneAnalysisOracle.java");
        return RunPerLine("java", ["-cp", LuceneClassPath(), source, mode], lines);
    }

    /// <summary>NLTK's PorterStemmer().stem(w) for each word.</summary>
    public static string[] Nltk(IReadOnlyList<string> words)
    {
        var script = Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Text.Tests", "python", "nltk_porter.py");
        return RunPerLine(NltkPython(), [script], words);
    }

    /// <summary>rouge_score's tokenisation (with stemming) of each line.</summary>
    public static string[] RougeTokens(IReadOnlyList<string> lines)
    {
        var script = Path.Combine(Paths.RepoRoot, "tests", "SelfSpec.Text.Tests", "python", "rouge_tokenize.py");
        return RunPerLine(NltkPython(), [script], lines);
    }

    private static string NltkPython()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var r = ChildProcess.Run(candidate, ["-c", "import nltk"], timeout: TimeSpan.FromMinutes(1));
                if (r.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        Assert.Fail("No python3 with NLTK found; run scripts/install-deps.sh test (Debian python3-nltk)");
        return "";
    }

    private static string[] RunPerLine(string program, string[] args, IReadOnlyList<string> lines)
    {
        foreach (var l in lines) Assert.DoesNotContain('\n', l);
        using var dir = new TempDir();
        var input = dir.Combine("input.txt");
        File.WriteAllText(input, string.Join("\n", lines) + "\n", new UTF8Encoding(false));
        var result = ChildProcess.Run(program, [.. args, input], timeout: TimeSpan.FromMinutes(5),
            environment: new Dictionary<string, string> { ["PYTHONIOENCODING"] = "utf-8" });
        Assert.True(result.ExitCode == 0, result.ToString());
        var output = result.StdOut.Split('\n');
        Assert.True(output.Length >= lines.Count, $"expected {lines.Count} lines, got {output.Length}");
        return output[..lines.Count];
    }

    /// <summary>
    /// Distinct lower-case [a-z0-9]+ words (rouge_score's tokenisation) of every text file under ../shared/data and of the
    /// project's own demo data in data/.
    /// </summary>
    public static List<string> SharedDataWords()
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(Paths.SharedData(), "*", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(Paths.RepoRoot, "data"), "*.jsonl", SearchOption.AllDirectories));
        foreach (var file in files)
        {
            if (file.EndsWith(".gz", StringComparison.Ordinal)) continue;
            foreach (Match m in Word().Matches(File.ReadAllText(file).ToLowerInvariant()))
                words.Add(m.Value);
        }
        return [.. words];
    }

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex Word();
}
