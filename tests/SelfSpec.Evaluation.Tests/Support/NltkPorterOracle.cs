using SelfSpec.Evaluation.Metrics;
using SelfSpec.TestSupport;
using SelfSpec.Text;

namespace SelfSpec.Evaluation.Tests.Support;

/// <summary>
/// NLTK's own PorterStemmer (Debian python3-nltk, default NLTK_EXTENSIONS mode, as rouge_score uses it) run in one
/// child process for a batch of words: the independent reference for stemmed ROUGE-L.
/// </summary>
public static class NltkPorterOracle
{
    private const string Script = """
        import sys
        from nltk.stem.porter import PorterStemmer
        s = PorterStemmer()
        words = sys.stdin.read().split('\n')
        sys.stdout.write('\n'.join(s.stem(w) for w in words if w))
        """;

    /// <summary>NLTK stems of <paramref name="words"/>.</summary>
    public static Dictionary<string, string> Stems(IEnumerable<string> words)
    {
        var distinct = words.Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var python = ExternalReference.RequirePython("nltk", debianPackage: "python3-nltk");
        var r = ChildProcess.Run(python, ["-c", Script], stdin: string.Join('\n', distinct), timeout: TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0) throw new InvalidOperationException("NLTK oracle failed\n" + r);
        var stems = r.StdOut.Split('\n');
        if (stems.Length != distinct.Count) throw new InvalidOperationException($"oracle returned {stems.Length} stems for {distinct.Count} words");
        return distinct.Zip(stems).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    /// <summary>A stemmer function backed by NLTK's stems of every word in <paramref name="texts"/> (rouge_score tokens, pre-stemming).</summary>
    public static Func<string, string> StemmerFor(IEnumerable<string> texts)
    {
        var words = texts.SelectMany(t => RougeTokenizer.Unstemmed.Tokenize(t)).Where(w => w.Length > 3);
        var table = Stems(words);
        return w => table.TryGetValue(w, out var s) ? s : throw new KeyNotFoundException($"word '{w}' was not sent to the NLTK oracle");
    }
}
