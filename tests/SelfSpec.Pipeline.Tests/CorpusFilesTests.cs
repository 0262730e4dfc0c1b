using SelfSpec.Pipeline.Documents;
using SelfSpec.TestSupport;

namespace SelfSpec.Pipeline.Tests;

/// <summary>BuildIndex's corpusPath: files, folders and file-name patterns, baseline before updates.</summary>
public class CorpusFilesTests
{
    [Fact]
    public void PatternsAndFoldersExpandInNameOrderAndPlainFilesStayInPlace()
    {
        using var dir = new TempDir("selfspec-corpus-files-");
        var baseline = dir.Combine("baseline");
        Directory.CreateDirectory(baseline);
        foreach (var name in new[] { "pubmed24n0002.xml.gz", "pubmed24n0001.xml.gz", "pubmed24n0010.xml.gz", "notes.txt" })
            File.WriteAllText(Path.Combine(baseline, name), "");
        var update = dir.Combine("update.jsonl");
        File.WriteAllText(update, "");

        var byPattern = BuildIndex.CorpusFiles($"{baseline}/pubmed24n*.xml.gz; {update}");
        Assert.Equal(["pubmed24n0001.xml.gz", "pubmed24n0002.xml.gz", "pubmed24n0010.xml.gz", "update.jsonl"], byPattern.Select(Path.GetFileName));
        Assert.Equal(byPattern.Take(3), BuildIndex.CorpusFiles(baseline)); // a folder: its corpus files, not notes.txt

        var none = Assert.Throws<PipelineException>(() => BuildIndex.CorpusFiles($"{baseline}/pubmed99*.xml.gz"));
        Assert.Contains("matches no corpus file", none.Message);
        Assert.Equal("corpusPath", none.Field);
    }
}
