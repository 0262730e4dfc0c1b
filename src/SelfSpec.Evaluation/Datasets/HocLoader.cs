namespace SelfSpec.Evaluation.Datasets;

/// <summary>
/// Hallmarks of Cancer in the <c>text/&lt;PMID&gt;.txt</c> + <c>labels/&lt;PMID&gt;.txt</c> layout → BoX HoC:
/// one instance per sentence, output the distinct top-level hallmark names of its label segment, sorted and joined by ", ".
/// </summary>
/// <remarks>
/// A label file is one line; <c>line.split('&lt;')[1:]</c> gives one segment per sentence, labels inside a segment are
/// joined by <c>AND</c>, and a label is a <c>--</c>-separated path whose first element is the hallmark.
/// </remarks>
public static class HocLoader
{
    /// <summary>Loads every document of <paramref name="root"/> (which holds <c>text/</c> and <c>labels/</c>), by PMID.</summary>
    /// <param name="root">The HoC folder.</param>
    /// <param name="includeUnlabelledSentences">Sentences with no hallmark have an empty reference (always scored 0), so they are skipped unless true.</param>
    public static List<EvalInstance> Load(string root, bool includeUnlabelledSentences = false)
    {
        var textDir = Path.Combine(root, "text");
        var labelDir = Path.Combine(root, "labels");
        if (!Directory.Exists(textDir) || !Directory.Exists(labelDir))
            throw new DatasetFormatException(root, null, "expected text/ and labels/ folders");
        var result = new List<EvalInstance>();
        foreach (var textFile in Directory.EnumerateFiles(textDir, "*.txt").Order(StringComparer.Ordinal))
        {
            var pmid = Path.GetFileNameWithoutExtension(textFile);
            var labelFile = Path.Combine(labelDir, pmid + ".txt");
            if (!File.Exists(labelFile)) throw new DatasetFormatException(labelFile, null, "label file missing for " + pmid);
            var sentences = File.ReadAllLines(textFile).Where(l => l.Trim().Length > 0).ToList();
            var segments = File.ReadAllText(labelFile).TrimEnd('\n', '\r').Split('<')[1..];
            if (segments.Length != sentences.Count)
                throw new DatasetFormatException(labelFile, null, $"{segments.Length} label segments for {sentences.Count} sentences");
            for (int i = 0; i < sentences.Count; i++)
            {
                var hallmarks = Hallmarks(segments[i]);
                if (hallmarks.Count == 0 && !includeUnlabelledSentences) continue;
                var output = string.Join(", ", hallmarks);
                result.Add(new EvalInstance(BenchmarkCatalog.HoC.Name, $"{pmid}:{i}", sentences[i].Trim(), output, [output]));
            }
        }
        return result;
    }

    /// <summary>The distinct top-level hallmarks of one label segment, in ordinal order.</summary>
    public static List<string> Hallmarks(string segment) =>
        segment.Split("AND")
            .Select(label => label.Split("--")[0].Trim())
            .Where(h => h.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
}
