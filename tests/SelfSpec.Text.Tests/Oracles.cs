using System.Text;
using System.Text.RegularExpressions;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Util;
using SelfSpec.TestSupport;

namespace SelfSpec.Text.Tests;

/// <summary>
/// The independent references: Lucene's analysis (Lucene.Net.Analysis.Common 4.8 in process, which analyses like Java
/// Lucene 4.10) and NLTK (Debian python3-nltk).
/// </summary>
internal static partial class Oracles
{
    /// <summary>
    /// Lucene's analysis of each line: <c>english</c>, the EnglishAnalyzer terms joined by spaces; <c>standard</c>, the
    /// StandardTokenizer tokens joined by U+0001; <c>porter</c>, the PorterStemFilter stem of the whole line as one keyword.
    /// </summary>
    public static string[] Lucene(string mode, IReadOnlyList<string> lines)
    {
        const LuceneVersion version = LuceneVersion.LUCENE_48;
        using var english = new EnglishAnalyzer(version);
        return lines.Select(line =>
        {
            var (stream, separator) = mode switch
            {
                "english" => (english.GetTokenStream("f", new StringReader(line)), " "),
                "standard" => ((TokenStream)new StandardTokenizer(version, new StringReader(line)), "\u0001"),
                "porter" => (new PorterStemFilter(new KeywordTokenizer(new StringReader(line))), " "),
                _ => throw new ArgumentException($"unknown mode '{mode}'", nameof(mode)),
            };
            using (stream) return string.Join(separator, Terms(stream));
        }).ToArray();
    }

    private static List<string> Terms(TokenStream stream)
    {
        var term = stream.AddAttribute<ICharTermAttribute>();
        var terms = new List<string>();
        stream.Reset();
        while (stream.IncrementToken()) terms.Add(term.ToString());
        stream.End();
        return terms;
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

    private static string NltkPython() => ExternalReference.RequirePython("nltk", debianPackage: "python3-nltk");

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
